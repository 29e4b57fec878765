package versit

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// Charset finds an encoding by its IANA or WHATWG name ("UTF-8",
// "ISO-8859-2", "windows-1251", "Shift_JIS", "GB2312", "Big5", "KOI8-R",
// "CP437"). nil means UTF-8 or unknown; known says which.
func Charset(name string) (enc encoding.Encoding, known bool) {
	n := strings.ToLower(strings.Trim(strings.TrimSpace(name), `"`))
	switch n {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "ira":
		return nil, true
	case "pccp437", "cp437", "ibm437", "437":
		return charmap.CodePage437, true
	case "pccp850", "cp850", "ibm850":
		return charmap.CodePage850, true
	}
	if e, err := htmlindex.Get(n); err == nil {
		return e, true
	}
	if e, err := ianaindex.IANA.Encoding(n); err == nil && e != nil {
		return e, true
	}
	if strings.HasPrefix(n, "8859-") { // AT+CSCS spelling
		return Charset("iso-" + n)
	}
	return nil, false
}

// DecodeCharset turns b in the named charset into UTF-8. Declared UTF-8
// that is not valid has each invalid byte replaced by one U+FFFD and the
// rest read as UTF-8 — unless it holds no well-formed multi-byte character
// at all and every byte above ASCII is a Latin-1 letter: then the
// declaration is wrong (a phone writing "M\xfcller" under CHARSET=UTF-8)
// and it is read as windows-1252. With no charset, US-ASCII
// or an unknown one, bytes that are mostly valid UTF-8 (at least as many
// well-formed multi-byte characters as runs of invalid bytes) are read as
// UTF-8 with per-byte U+FFFD, anything else as windows-1252. warn is
// non-empty when a byte was replaced or a guess was made.
func DecodeCharset(b []byte, name string) (s string, warn string) {
	enc, known := Charset(name)
	if enc == nil {
		if utf8.Valid(b) {
			if !known {
				return string(b), fmt.Sprintf("unknown charset %q, value is valid UTF-8 and read so", name)
			}
			return string(b), ""
		}
		n := strings.ToLower(strings.Trim(strings.TrimSpace(name), `"`))
		declared := n == "utf-8" || n == "utf8"
		if multi, runs := utf8Shape(b); declared && !(multi == 0 && latin1Letters(b)) || multi > 0 && multi >= runs {
			s, bad := replaceInvalid(b)
			if declared {
				return s, fmt.Sprintf("%d byte(s) not valid UTF-8 replaced by U+FFFD", bad)
			}
			return s, fmt.Sprintf("value is UTF-8 but for %d byte(s), replaced by U+FFFD", bad)
		}
		out, err := charmap.Windows1252.NewDecoder().Bytes(b)
		if err != nil {
			s, _ := replaceInvalid(b)
			return s, "value is not UTF-8; invalid bytes replaced"
		}
		if name == "" || n == "us-ascii" || n == "ascii" {
			return string(out), "value is not ASCII or UTF-8; read as windows-1252"
		}
		if declared {
			return string(out), "value declared UTF-8 holds no UTF-8 character and is not valid UTF-8; read as windows-1252"
		}
		return string(out), fmt.Sprintf("value is not valid %s; read as windows-1252", name)
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD"), fmt.Sprintf("value is not valid %s; invalid bytes replaced", name)
	}
	if !utf8.Valid(out) {
		s, _ := replaceInvalid(out)
		return s, fmt.Sprintf("value is not valid %s; invalid bytes replaced", name)
	}
	return string(out), ""
}

// utf8Shape counts the well-formed multi-byte UTF-8 sequences in b and the
// runs of bytes that are not part of one (a truncated sequence is one run).
// Latin-1 text has no well-formed multi-byte sequences unless by rare
// accident.
func utf8Shape(b []byte) (multi, runs int) {
	inRun := false
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		bad := r == utf8.RuneError && size == 1
		switch {
		case bad && !inRun:
			runs++
		case size > 1:
			multi++
		}
		inRun = bad
		b = b[size:]
	}
	return multi, runs
}

// latin1Letters reports whether every byte of b above ASCII is a Latin-1
// letter (À–ÿ but × and ÷): text a phone wrote in Latin-1.
func latin1Letters(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 && (c < 0xC0 || c == 0xD7 || c == 0xF7) {
			return false
		}
	}
	return true
}

// replaceInvalid replaces each byte that is not part of a well-formed
// UTF-8 sequence by one U+FFFD, and counts them.
func replaceInvalid(b []byte) (string, int) {
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	bad := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			sb.WriteString("\uFFFD")
			bad++
		} else {
			sb.Write(b[:size])
		}
		b = b[size:]
	}
	return sb.String(), bad
}

// Unescape undoes the backslash escapes of vCard/iCalendar text leniently:
// \n and \N are a line break; \\ \; \, \: are the character; anything else,
// and a lone trailing backslash, stays as written.
func Unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i == len(s)-1 {
			b.WriteByte(c)
			continue
		}
		n := s[i+1]
		switch n {
		case 'n', 'N':
			b.WriteByte('\n')
		case '\\', ';', ',', ':':
			b.WriteByte(n)
		default:
			b.WriteByte('\\')
			b.WriteByte(n)
		}
		i++
	}
	return b.String()
}

// Split splits s at sep where it is not escaped by a backslash; the parts
// keep their escapes.
func Split(s string, sep byte) []string {
	var out []string
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == sep {
			out = append(out, s[last:i])
			last = i + 1
		}
	}
	return append(out, s[last:])
}

// NormalizeNewlines turns CRLF and lone CR into LF.
func NormalizeNewlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

var textEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, ",", `\,`, ";", `\;`, "\r", `\n`)

// Escape escapes text for a vCard 3.0/4.0 or iCalendar value.
func Escape(s string) string { return textEscaper.Replace(s) }

// UUID derives a stable RFC 4122 version-5-style UUID from parts (SHA-1
// over a fixed namespace and the parts joined by "/").
func UUID(parts ...string) string {
	h := sha1.New()
	io.WriteString(h, "sk-rescue:uid\x00")
	io.WriteString(h, strings.Join(parts, "/"))
	s := h.Sum(nil)
	s[6] = s[6]&0x0f | 0x50
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// Fold writes b (CRLF-terminated content lines) to w, folding every line
// longer than 75 octets with CRLF and a space, never inside a UTF-8
// sequence.
func Fold(w io.Writer, b []byte) error {
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/70*3)
	for len(b) > 0 {
		i := bytes.Index(b, []byte("\r\n"))
		var line []byte
		if i < 0 {
			line, b = b, nil
		} else {
			line, b = b[:i], b[i+2:]
		}
		limit := 75
		for len(line) > limit {
			cut := limit
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			if cut == 0 {
				cut = limit
			}
			out.Write(line[:cut])
			out.WriteString("\r\n ")
			line = line[cut:]
			limit = 74
		}
		out.Write(line)
		out.WriteString("\r\n")
	}
	_, err := w.Write(out.Bytes())
	return err
}

// OneLine removes line breaks and other control characters from a value
// that must be one line (a UID, say).
func OneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s))
}
