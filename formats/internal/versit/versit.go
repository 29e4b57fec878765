// Package versit reads the "versit" text family that handsets send — vCard
// 2.1/3.0/4.0, vCalendar 1.0, iCalendar 2.0 and vNote 1.1 — into a tree of
// components and properties, tolerating what real phones do: CRLF or LF,
// RFC 2425 folding, vCard 2.1 quoted-printable soft line breaks (also inside
// an =XX escape, and ended by an empty line), BASE64 values ended by a blank
// line or indented, bare parameters (TEL;CELL;PREF), per-property CHARSET,
// and lines broken without a colon.
//
// Values come back decoded from their transfer encoding (quoted-printable)
// and character set into UTF-8, with the format's backslash escapes left in
// place: unescaping depends on the property and is the caller's business.
// It is shared by formats/vcard, formats/ical and formats/vnote, and imports
// nothing of sk-rescue's.
package versit

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on hostile input.
const (
	// MaxLine bounds one logical (unfolded) line.
	MaxLine = 32 << 20
	// MaxDepth bounds component nesting.
	MaxDepth = 16
)

// ErrNotVersit is returned when the input holds no BEGIN line at all.
var ErrNotVersit = errors.New("versit: no BEGIN line")

// Param is one property parameter. A bare parameter (TEL;CELL) is reported
// as TYPE=CELL, a bare QUOTED-PRINTABLE or BASE64 as ENCODING=…, a bare
// charset name is not recognised (phones always write CHARSET=).
type Param struct {
	Name   string // upper case
	Values []string
}

// Prop is one content line.
type Prop struct {
	Group  string
	Name   string // upper case
	Params []Param
	// Value is the value decoded from quoted-printable and from its
	// CHARSET into UTF-8, escapes intact. BASE64 values have their white
	// space removed.
	Value string
	// Encoding is the transfer encoding the value had: "", "QUOTED-PRINTABLE",
	// "BASE64" (also for ENCODING=b).
	Encoding string
	// Line is the 1-based physical line where the property starts.
	Line int
}

// Param returns the first value of the named parameter.
func (p *Prop) Param(name string) (string, bool) {
	for _, pa := range p.Params {
		if pa.Name == name && len(pa.Values) > 0 {
			return pa.Values[0], true
		}
	}
	return "", false
}

// ParamValues returns all values of the named parameter, comma lists split.
func (p *Prop) ParamValues(name string) []string {
	var out []string
	for _, pa := range p.Params {
		if pa.Name == name {
			out = append(out, pa.Values...)
		}
	}
	return out
}

// Types returns the TYPE values, upper case, comma lists split.
func (p *Prop) Types() []string {
	var out []string
	for _, v := range p.ParamValues("TYPE") {
		out = append(out, strings.ToUpper(strings.TrimSpace(v)))
	}
	return out
}

// HasType reports whether TYPE holds t (upper case).
func (p *Prop) HasType(t string) bool {
	for _, v := range p.Types() {
		if v == t {
			return true
		}
	}
	return false
}

// Component is BEGIN:NAME … END:NAME.
type Component struct {
	Name     string // upper case
	Props    []*Prop
	Children []*Component
	// Raw is the source text from the BEGIN line to the END line.
	Raw []byte
	// Warnings say what was repaired while reading.
	Warnings []string
	// Err is set when the component is broken beyond repair (never ended,
	// a line too long); its Props are whatever was read.
	Err error

	start int // offset of the BEGIN line in the input
}

// Get returns the first property of that name, or nil.
func (c *Component) Get(name string) *Prop {
	for _, p := range c.Props {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// All returns every property of that name.
func (c *Component) All(name string) []*Prop {
	var out []*Prop
	for _, p := range c.Props {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}

type physLine struct {
	text  []byte // without the line ending
	start int    // offset of the line in the input
	end   int    // offset just past its line ending
}

func splitLines(raw []byte) []physLine {
	lines := make([]physLine, 0, bytes.Count(raw, []byte{'\n'})+1)
	off := 0
	for off < len(raw) {
		i := bytes.IndexByte(raw[off:], '\n')
		var l physLine
		if i < 0 {
			l = physLine{text: raw[off:], start: off, end: len(raw)}
			off = len(raw)
		} else {
			l = physLine{text: raw[off : off+i], start: off, end: off + i + 1}
			off += i + 1
		}
		l.text = bytes.TrimRight(l.text, "\r")
		lines = append(lines, l)
	}
	return lines
}

// header splits "GROUP.NAME;PARAMS" from the value at the first colon
// outside double quotes. ok is false when there is no colon.
func header(line []byte) (head, value []byte, ok bool) {
	inQ := false
	for i, c := range line {
		switch c {
		case '"':
			inQ = !inQ
		case ':':
			if !inQ {
				return line[:i], line[i+1:], true
			}
		}
	}
	// A quote left open: retry ignoring quotes.
	if inQ {
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			return line[:i], line[i+1:], true
		}
	}
	return line, nil, false
}

// encodingOf finds the transfer encoding named in a header.
func encodingOf(head []byte) string {
	h := strings.ToUpper(string(head))
	if !strings.Contains(h, ";") {
		return ""
	}
	for _, part := range splitParams(h)[1:] {
		part = strings.TrimSpace(part)
		v := part
		if k, val, ok := strings.Cut(part, "="); ok {
			if strings.TrimSpace(k) != "ENCODING" {
				continue
			}
			v = strings.Trim(strings.TrimSpace(val), `"`)
		}
		switch v {
		case "QUOTED-PRINTABLE", "QP":
			return "QUOTED-PRINTABLE"
		case "BASE64", "B":
			return "BASE64"
		}
	}
	return ""
}

// splitParams splits at semicolons outside double quotes.
func splitParams(s string) []string {
	var out []string
	inQ := false
	last := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQ = !inQ
		case ';':
			if !inQ {
				out = append(out, s[last:i])
				last = i + 1
			}
		}
	}
	return append(out, s[last:])
}

func isBase64Line(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// propStart reports whether a line can begin a property: a name of
// letters, digits, dashes (and a group dot) up to a ';' or ':' that exists.
func propStart(b []byte) bool {
	if len(b) == 0 || !(b[0] >= 'A' && b[0] <= 'Z' || b[0] >= 'a' && b[0] <= 'z') {
		return false
	}
	for _, c := range b {
		switch {
		case c == ':' || c == ';':
			return bytes.IndexByte(b, ':') >= 0
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '/':
		default:
			return false
		}
	}
	return false
}

func isBeginEnd(b []byte) bool {
	return len(b) >= 4 && (bytes.EqualFold(b[:4], []byte("END:")) ||
		len(b) >= 6 && bytes.EqualFold(b[:6], []byte("BEGIN:")))
}

type logLine struct {
	text  []byte
	line  int // 1-based first physical line
	start int
	end   int
	warn  string
	err   error
}

// logical joins physical lines into content lines. A line that grows past
// MaxLine is cut there and carries an error.
func logical(lines []physLine) []logLine {
	out := make([]logLine, 0, len(lines))
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if len(bytes.TrimSpace(l.text)) == 0 {
			continue
		}
		ll := logLine{text: l.text, line: i + 1, start: l.start, end: l.end}
		head, _, hasColon := header(l.text)
		enc := ""
		if hasColon {
			enc = encodingOf(head)
		}
		var buf []byte // copy on first append
		grow := func(b []byte) bool {
			if buf == nil {
				buf = append(make([]byte, 0, len(ll.text)+len(b)+64), ll.text...)
			}
			if len(buf)+len(b) > MaxLine {
				ll.err = fmt.Errorf("versit: line %d longer than %d bytes", ll.line, MaxLine)
				return false
			}
			buf = append(buf, b...)
			ll.text = buf
			return true
		}
	join:
		for i+1 < len(lines) {
			next := lines[i+1]
			var add []byte
			switch {
			case enc == "QUOTED-PRINTABLE" && bytes.HasSuffix(ll.text, []byte("=")) && !isBeginEnd(next.text):
				// Soft line break: drop the "=" and join, which also
				// mends an =XX escape split across the break. An empty
				// line after the break ends the value.
				if buf == nil {
					buf = append([]byte(nil), ll.text...)
				}
				buf = buf[:len(buf)-1]
				ll.text = buf
				if len(next.text) == 0 {
					i++
					ll.end = next.end
					break join
				}
				add = next.text
			case len(next.text) > 0 && (next.text[0] == ' ' || next.text[0] == '\t'):
				if enc == "BASE64" {
					add = bytes.TrimSpace(next.text)
				} else {
					add = next.text[1:]
				}
			case enc == "QUOTED-PRINTABLE" && !propStart(next.text) && len(bytes.TrimSpace(next.text)) > 0:
				// A phone wrapped a quoted-printable value without a
				// soft break (Sony Ericsson: "N;…:" ⏎ ";=D0=A2…"): a
				// line that cannot start a property continues it.
				add = next.text
				ll.warn = fmt.Sprintf("line %d: quoted-printable value continued without a soft line break", ll.line+1)
			case enc == "BASE64" && isBase64Line(next.text):
				// vCard 2.1 base64 runs until a blank line.
				add = bytes.TrimSpace(next.text)
			case !hasColon && len(bytes.TrimSpace(next.text)) > 0 && !isBeginEnd(next.text):
				// A line broken without folding (Symbian ATTENDEE
				// lines): the break stood for a space.
				add = append([]byte{' '}, next.text...)
				ll.warn = fmt.Sprintf("line %d has no colon; joined with the next line", ll.line)
			default:
				break join
			}
			i++
			ll.end = next.end
			if !grow(add) {
				// Skip the rest of this runaway value.
				for i+1 < len(lines) && len(lines[i+1].text) > 0 && !isBeginEnd(lines[i+1].text) {
					if _, _, ok := header(lines[i+1].text); ok && lines[i+1].text[0] != ' ' && !isBase64Line(lines[i+1].text) {
						break
					}
					i++
				}
				break join
			}
			if !hasColon {
				head, _, hasColon = header(ll.text)
				if hasColon {
					enc = encodingOf(head)
				}
			}
		}
		out = append(out, ll)
	}
	return out
}

// Parse reads every top-level component of raw. Text outside any
// component is skipped (with a warning when it is not blank). It returns
// ErrNotVersit when raw holds no BEGIN line.
func Parse(raw []byte) ([]*Component, []string, error) {
	lines := logical(splitLines(raw))
	var (
		top   []*Component
		stack []*Component
		warns []string
	)
	for idx := 0; idx < len(lines); idx++ {
		ll := lines[idx]
		if ll.err != nil {
			if len(stack) > 0 {
				stack[len(stack)-1].Err = ll.err
			} else {
				warns = append(warns, ll.err.Error())
			}
			continue
		}
		headB, valB, ok := header(ll.text)
		if !ok {
			msg := fmt.Sprintf("line %d: no colon, dropped: %.40q", ll.line, ll.text)
			if len(stack) > 0 {
				cur := stack[len(stack)-1]
				cur.Warnings = append(cur.Warnings, msg)
			} else {
				warns = append(warns, msg)
			}
			continue
		}
		name := strings.ToUpper(strings.TrimSpace(string(headB)))
		if name == "BEGIN" {
			c := &Component{Name: compName(valB), start: ll.start}
			if len(stack) > 0 {
				if len(stack) >= MaxDepth {
					return top, warns, fmt.Errorf("versit: line %d: components nested deeper than %d", ll.line, MaxDepth)
				}
				parent := stack[len(stack)-1]
				if parent.Name == c.Name && len(stack) == 1 && (c.Name == "VCARD" || c.Name == "VNOTE") {
					// A new card before the previous one ended.
					parent.Warnings = append(parent.Warnings, fmt.Sprintf("no END:%s before line %d", parent.Name, ll.line))
					parent.Raw = raw[startOf(parent, raw):ll.start]
					stack = stack[:0]
					top = append(top, c)
				} else {
					parent.Children = append(parent.Children, c)
				}
			} else {
				top = append(top, c)
			}
			c.Raw = raw[ll.start:ll.end]
			stack = append(stack, c)
			continue
		}
		if name == "END" {
			if len(stack) == 0 {
				warns = append(warns, fmt.Sprintf("line %d: END without BEGIN", ll.line))
				continue
			}
			want := compName(valB)
			// Close up to the matching component.
			match := -1
			for j := len(stack) - 1; j >= 0; j-- {
				if stack[j].Name == want || strings.HasPrefix(want, stack[j].Name) {
					match = j
					break
				}
			}
			if match < 0 {
				cur := stack[len(stack)-1]
				cur.Warnings = append(cur.Warnings, fmt.Sprintf("line %d: END:%s does not match BEGIN:%s", ll.line, want, cur.Name))
				continue
			}
			if stack[match].Name != want {
				stack[match].Warnings = append(stack[match].Warnings, fmt.Sprintf("line %d: END value %q read as %s", ll.line, strings.TrimSpace(string(valB)), stack[match].Name))
			}
			for j := len(stack) - 1; j >= match; j-- {
				c := stack[j]
				c.Raw = raw[startOf(c, raw):ll.end]
				if j > match {
					c.Warnings = append(c.Warnings, fmt.Sprintf("no END:%s", c.Name))
				}
			}
			stack = stack[:match]
			continue
		}
		if len(stack) == 0 {
			if len(bytes.TrimSpace(ll.text)) > 0 {
				warns = append(warns, fmt.Sprintf("line %d: outside any component, skipped", ll.line))
			}
			continue
		}
		cur := stack[len(stack)-1]
		p, w := parseProp(headB, valB, ll.line)
		if ll.warn != "" {
			cur.Warnings = append(cur.Warnings, ll.warn)
		}
		cur.Warnings = append(cur.Warnings, w...)
		if p != nil {
			cur.Props = append(cur.Props, p)
		}
	}
	for j := len(stack) - 1; j >= 0; j-- {
		c := stack[j]
		c.Raw = raw[startOf(c, raw):]
		c.Err = fmt.Errorf("versit: %s never ended", c.Name)
	}
	if len(top) == 0 {
		return nil, warns, ErrNotVersit
	}
	return top, warns, nil
}

func startOf(c *Component, _ []byte) int { return c.start }

func compName(v []byte) string {
	s := strings.ToUpper(strings.TrimSpace(string(v)))
	// "END:VCARD." (Sony Ericsson): keep letters, digits and dashes.
	end := len(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			end = i
			break
		}
	}
	return s[:end]
}

var bareEncodings = map[string]bool{"QUOTED-PRINTABLE": true, "BASE64": true, "8BIT": true, "7BIT": true, "B": true}

func parseProp(head, val []byte, line int) (*Prop, []string) {
	var warns []string
	parts := splitParams(string(head))
	name := strings.TrimSpace(parts[0])
	p := &Prop{Line: line}
	if g, n, ok := strings.Cut(name, "."); ok {
		p.Group, name = g, n
	}
	p.Name = strings.ToUpper(name)
	if p.Name == "" {
		return nil, []string{fmt.Sprintf("line %d: empty property name, dropped", line)}
	}
	for _, raw := range parts[1:] {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		k, v, ok := strings.Cut(raw, "=")
		if !ok {
			u := strings.ToUpper(raw)
			if bareEncodings[u] {
				p.Params = append(p.Params, Param{Name: "ENCODING", Values: []string{u}})
			} else {
				p.Params = append(p.Params, Param{Name: "TYPE", Values: []string{raw}})
			}
			continue
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		p.Params = append(p.Params, Param{Name: k, Values: splitParamValues(v)})
	}
	enc := ""
	if e, ok := p.Param("ENCODING"); ok {
		switch strings.ToUpper(e) {
		case "QUOTED-PRINTABLE", "QP":
			enc = "QUOTED-PRINTABLE"
		case "BASE64", "B":
			enc = "BASE64"
		}
	}
	p.Encoding = enc
	var b []byte
	switch enc {
	case "QUOTED-PRINTABLE":
		var bad bool
		b, bad = DecodeQP(val)
		if bad {
			warns = append(warns, fmt.Sprintf("line %d: %s: malformed quoted-printable kept literally", line, p.Name))
		}
	case "BASE64":
		p.Value = string(stripSpace(val))
		return p, warns
	default:
		b = val
	}
	cs, _ := p.Param("CHARSET")
	s, w := DecodeCharset(b, cs)
	if w != "" {
		warns = append(warns, fmt.Sprintf("line %d: %s: %s", line, p.Name, w))
	}
	p.Value = s
	return p, warns
}

func splitParamValues(v string) []string {
	var out []string
	inQ := false
	last := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			inQ = !inQ
		case ',':
			if !inQ {
				out = append(out, strings.Trim(strings.TrimSpace(v[last:i]), `"`))
				last = i + 1
			}
		}
	}
	return append(out, strings.Trim(strings.TrimSpace(v[last:]), `"`))
}

func stripSpace(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return out
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// DecodeQP decodes quoted-printable leniently: an "=" not followed by two
// hex digits is kept as it is, and bad reports that it happened. Soft line
// breaks have already been joined by the reader; a trailing "=" is dropped.
func DecodeQP(v []byte) (out []byte, bad bool) {
	if bytes.IndexByte(v, '=') < 0 {
		return v, false
	}
	out = make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		if i == len(v)-1 {
			break // soft break at the very end
		}
		if i+2 < len(v) {
			h, ok1 := unhex(v[i+1])
			l, ok2 := unhex(v[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|l)
				i += 2
				continue
			}
		}
		bad = true
		out = append(out, c)
	}
	return out, bad
}

// ValidUTF8 reports whether b is UTF-8.
func ValidUTF8(b []byte) bool { return utf8.Valid(b) }
