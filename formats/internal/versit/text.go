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

// DecodeCharset turns b in the named charset into UTF-8. With no charset,
// UTF-8 is assumed when b is valid UTF-8, else windows-1252. warn is
// non-empty when a guess was made.
func DecodeCharset(b []byte, name string) (s string, warn string) {
	enc, known := Charset(name)
	if enc == nil {
		if utf8.Valid(b) {
			if !known {
				return string(b), fmt.Sprintf("unknown charset %q, value is valid UTF-8 and read so", name)
			}
			return string(b), ""
		}
		out, err := charmap.Windows1252.NewDecoder().Bytes(b)
		if err != nil {
			return strings.ToValidUTF8(string(b), "\uFFFD"), "value is not UTF-8; invalid bytes replaced"
		}
		if name == "" || strings.EqualFold(name, "us-ascii") || strings.EqualFold(name, "ascii") {
			return string(out), "value is not ASCII or UTF-8; read as windows-1252"
		}
		return string(out), fmt.Sprintf("value is not valid %s; read as windows-1252", name)
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD"), fmt.Sprintf("value is not valid %s; invalid bytes replaced", name)
	}
	return string(out), ""
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
