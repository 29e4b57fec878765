package obex

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sk-rescue/sk-rescue/device"
)

// FolderListingType is the media type of a folder listing (OBEX 1.2 §9.1.2).
const FolderListingType = "x-obex/folder-listing"

// Bounds on a folder listing. Every value in it comes from the phone.
const (
	// MaxListingBytes is the largest listing object read.
	MaxListingBytes = 8 << 20
	// MaxListingEntries bounds the entries of one listing.
	MaxListingEntries = 65536
	// MaxNameBytes bounds one entry's name; longer names are skipped.
	MaxNameBytes = 1024
)

// Entry is one file or folder in a listing. Name and Size are untrusted.
type Entry struct {
	Name     string
	Folder   bool
	Size     int64 // -1 when absent or not a number
	Modified time.Time
}

// Listing is a parsed x-obex/folder-listing.
type Listing struct {
	Entries []Entry
	// Skipped counts entries dropped because their name could not be used
	// as one path component ("", ".", "..", a "/" or NUL, too long, not
	// UTF-8) or the listing held too many.
	Skipped int
}

// ParseFolderListing reads a folder listing (the folder-listing DTD of OBEX
// 1.2 §9.1.2.1): <folder name=… size=… modified=…/> and <file …/>
// elements. It is lenient about what phones get wrong — a missing XML
// declaration or DOCTYPE, undeclared entities, unknown attributes, stray
// text, ISO-8859-1 — and strict about what could hurt: names are checked
// to be single path components, sizes that are not non-negative numbers
// become -1, and the entry count is bounded.
func ParseFolderListing(b []byte) (Listing, error) {
	var l Listing
	if len(b) > MaxListingBytes {
		return l, fmt.Errorf("obex: folder listing of %d bytes exceeds %d: %w", len(b), MaxListingBytes, device.ErrProtocol)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = charsetReader
	sawRoot := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if sawRoot {
				// A truncated tail: keep what was parsed.
				return l, fmt.Errorf("obex: folder listing: %v: %w", err, device.ErrProtocol)
			}
			return l, fmt.Errorf("obex: not a folder listing: %v: %w", err, device.ErrProtocol)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch strings.ToLower(se.Name.Local) {
		case "folder-listing":
			sawRoot = true
		case "folder", "file":
			sawRoot = true
			if len(l.Entries) >= MaxListingEntries {
				l.Skipped++
				continue
			}
			e := Entry{Folder: strings.EqualFold(se.Name.Local, "folder"), Size: -1}
			var name string
			hasName := false
			for _, a := range se.Attr {
				switch strings.ToLower(a.Name.Local) {
				case "name":
					name, hasName = a.Value, true
				case "size":
					if n, err := strconv.ParseInt(strings.TrimSpace(a.Value), 10, 64); err == nil {
						e.Size = device.PlausibleSize(n)
					}
				case "modified":
					e.Modified = parseTime(a.Value)
				}
			}
			if !hasName || !usableName(name) {
				l.Skipped++
				continue
			}
			e.Name = name
			l.Entries = append(l.Entries, e)
		}
	}
	if !sawRoot {
		return l, fmt.Errorf("obex: not a folder listing (no folder-listing element): %w", device.ErrProtocol)
	}
	return l, nil
}

// usableName reports whether name can be sent back as one folder or file
// name and used as one path component.
func usableName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > MaxNameBytes || !utf8.ValidString(name) {
		return false
	}
	return !strings.ContainsAny(name, "/\\\x00")
}

// parseTime reads OBEX ISO 8601 times: YYYYMMDDTHHMMSS with an optional Z
// (local time without it; kept as wall clock in UTC).
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"20060102T150405Z", "20060102T150405", "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "windows-1252", "cp1252":
		b, err := io.ReadAll(io.LimitReader(r, MaxListingBytes))
		if err != nil {
			return nil, err
		}
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
		}
		return strings.NewReader(string(rs)), nil
	}
	// Unknown: read it as UTF-8; invalid names are then skipped.
	return r, nil
}
