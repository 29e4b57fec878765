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
	"io"
	"strings"
	"unicode/utf8"
)

// Limits on hostile input.
const (
	// MaxLine bounds one logical (unfolded) line, name and parameters
	// included, line ending not: 32 MiB, as docs/FORMATS.md says. A longer
	// line — joined or a single physical one — sets its component's Err.
	MaxLine = 32 << 20
	// MaxDepth bounds component nesting; deeper components are skipped
	// with a warning on the component around them.
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
	// Line is the 1-based line of its BEGIN.
	Line int
	// Agent marks a vCard embedded as the value of its parent's AGENT
	// (vCard 2.1: "AGENT:BEGIN:VCARD" or "AGENT:" ⏎ "BEGIN:VCARD").
	Agent bool

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
	no    int    // 1-based line number
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

// nameOf is the upper-case property name of a header, group removed.
func nameOf(head []byte) string {
	n := head
	if i := bytes.IndexByte(n, ';'); i >= 0 {
		n = n[:i]
	}
	if i := bytes.LastIndexByte(n, '.'); i >= 0 {
		n = n[i+1:]
	}
	return strings.ToUpper(string(bytes.TrimSpace(n)))
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

// brokenHeader reports whether a colon-less line looks like the start of
// a property whose header was broken without folding: a name and a ';'
// (Symbian's "ATTENDEE;ROLE=ATTENDEE;STATUS=NEEDS" ⏎ "ACTION;…:…").
func brokenHeader(b []byte) bool {
	if len(b) == 0 || !(b[0] >= 'A' && b[0] <= 'Z' || b[0] >= 'a' && b[0] <= 'z') {
		return false
	}
	for _, c := range b {
		switch {
		case c == ';':
			return true
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_':
		default:
			return false
		}
	}
	return false
}

// endsEscaped reports whether b ends in a backslash that escapes nothing
// on its own line (an odd run of trailing backslashes).
func endsEscaped(b []byte) bool {
	n := 0
	for i := len(b) - 1; i >= 0 && b[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func isBeginEnd(b []byte) bool {
	return len(b) >= 4 && (bytes.EqualFold(b[:4], []byte("END:")) ||
		len(b) >= 6 && bytes.EqualFold(b[:6], []byte("BEGIN:")))
}

// beginsCard reports whether a physical line opens a vCard: BEGIN:VCARD,
// or a 2.1 AGENT whose value starts an embedded card (AGENT:BEGIN:VCARD).
func beginsCard(b []byte) bool {
	b = bytes.TrimSpace(b)
	if isBeginEnd(b) {
		h, v, _ := header(b)
		return strings.EqualFold(strings.TrimSpace(string(h)), "BEGIN") && compName(v) == "VCARD"
	}
	// Only the value BEGIN:VCARD itself: "AGENT:BEGIN:VCARD\nFN:…" is
	// the 3.0 form, one escaped value on one line.
	h, v, ok := header(b)
	return ok && nameOf(h) == "AGENT" && bytes.EqualFold(bytes.TrimSpace(v), []byte("BEGIN:VCARD"))
}

func endsCard(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) < 4 || !bytes.EqualFold(b[:4], []byte("END:")) {
		return false
	}
	return strings.HasPrefix(compName(b[4:]), "VCARD")
}

type logLine struct {
	text  []byte
	line  int // 1-based first physical line
	start int
	end   int
	warn  string
	err   error
}

// Reader reads the top-level components of a versit text one at a time,
// so a caller that converts each as it comes holds one component's tree at
// a time, not the whole file's.
type Reader struct {
	raw      []byte
	off      int       // offset of the next physical line
	lineNo   int       // physical lines read
	peeked   *physLine // one line of look-ahead
	stack    []*Component
	sawBegin bool
	done     bool
	warns    []string
	// nested holds the offsets of BEGIN:VCARD lines (or AGENT:BEGIN:VCARD)
	// that open a card inside a card and end before their parent does: an
	// AGENT or an embedded card, not a card whose END is missing.
	nested map[int]bool
	// skipDepth > 0 while components nested deeper than MaxDepth are
	// skipped.
	skipDepth int
	skipFrom  int
}

// NewReader reads raw.
func NewReader(raw []byte) *Reader {
	return &Reader{raw: raw, nested: nestedCards(raw)}
}

// nestedCards is one pass over the physical lines pairing BEGIN:VCARD with
// END:VCARD. A card that begins inside another card is nested when both it
// and the card around it end; when the outer card never ends, the inner
// BEGIN stands for the outer card's missing END (a phone that forgot it).
func nestedCards(raw []byte) map[int]bool {
	type open struct {
		off, parent int
		hasChild    bool
	}
	var (
		stack  []open
		nested map[int]int // child offset → parent offset
		ended  map[int]bool
	)
	for off := 0; off < len(raw); {
		i := bytes.IndexByte(raw[off:], '\n')
		end := len(raw)
		if i >= 0 {
			end = off + i
		}
		line := raw[off:end]
		switch {
		case len(line) > 0 && (line[0] == 'B' || line[0] == 'b' || line[0] == 'A' || line[0] == 'a' || line[0] == ' ') && beginsCard(line):
			parent := -1
			if len(stack) > 0 {
				parent = stack[len(stack)-1].off
				stack[len(stack)-1].hasChild = true
			}
			stack = append(stack, open{off: off, parent: parent})
		case len(line) > 0 && (line[0] == 'E' || line[0] == 'e' || line[0] == ' ') && endsCard(line):
			if len(stack) > 0 {
				o := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				// Only cards that hold cards are remembered: a file
				// of a million flat cards makes no map.
				if o.hasChild {
					if ended == nil {
						ended = map[int]bool{}
					}
					ended[o.off] = true
				}
				if o.parent >= 0 {
					if nested == nil {
						nested = map[int]int{}
					}
					nested[o.off] = o.parent
				}
			}
		}
		off = end + 1
	}
	if len(nested) == 0 {
		return nil
	}
	out := map[int]bool{}
	for child, parent := range nested {
		if ended[parent] {
			out[child] = true
		}
	}
	return out
}

// Warnings returns what was found outside any component so far.
func (r *Reader) Warnings() []string { return r.warns }

func (r *Reader) peek() (physLine, bool) {
	if r.peeked != nil {
		return *r.peeked, true
	}
	if r.off >= len(r.raw) {
		return physLine{}, false
	}
	off := r.off
	var l physLine
	if i := bytes.IndexByte(r.raw[off:], '\n'); i < 0 {
		l = physLine{text: r.raw[off:], start: off, end: len(r.raw)}
	} else {
		l = physLine{text: r.raw[off : off+i], start: off, end: off + i + 1}
	}
	l.text = bytes.TrimRight(l.text, "\r")
	r.off = l.end
	r.lineNo++
	l.no = r.lineNo
	r.peeked = &l
	return l, true
}

func (r *Reader) take() (physLine, bool) {
	l, ok := r.peek()
	r.peeked = nil
	return l, ok
}

// logical joins physical lines into the next content line. A line that
// grows past MaxLine is cut there and carries an error.
func (r *Reader) logical() (logLine, bool) {
	var l physLine
	for {
		var ok bool
		l, ok = r.take()
		if !ok {
			return logLine{}, false
		}
		if len(bytes.TrimSpace(l.text)) > 0 {
			break
		}
	}
	ll := logLine{text: l.text, line: l.no, start: l.start, end: l.end}
	tooLong := func() {
		ll.err = fmt.Errorf("versit: line %d longer than %d bytes", ll.line, MaxLine)
		ll.text = nil
		// Skip the rest of this runaway value.
		for {
			n, ok := r.peek()
			if !ok || len(n.text) == 0 || isBeginEnd(n.text) {
				return
			}
			if _, _, ok := header(n.text); ok && n.text[0] != ' ' && !isBase64Line(n.text) {
				return
			}
			r.take()
			ll.end = n.end
		}
	}
	if len(ll.text) > MaxLine {
		tooLong()
		return ll, true
	}
	head, _, hasColon := header(l.text)
	enc, name := "", ""
	if hasColon {
		enc, name = encodingOf(head), nameOf(head)
	}
	var buf []byte // copy on first append
	grow := func(b []byte) bool {
		if buf == nil {
			buf = append(make([]byte, 0, len(ll.text)+len(b)+64), ll.text...)
		}
		if len(buf)+len(b) > MaxLine {
			return false
		}
		buf = append(buf, b...)
		ll.text = buf
		return true
	}
join:
	for {
		next, ok := r.peek()
		if !ok {
			break
		}
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
				r.take()
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
			ll.warn = fmt.Sprintf("line %d: quoted-printable value continued without a soft line break", next.no)
		case enc == "BASE64" && isBase64Line(next.text):
			// vCard 2.1 base64 runs until a blank line.
			add = bytes.TrimSpace(next.text)
		case hasColon && enc == "" && name != "BEGIN" && name != "END" && name != "VERSION" &&
			len(bytes.TrimSpace(next.text)) > 0 && bytes.IndexByte(next.text, ':') < 0 &&
			(endsEscaped(ll.text) || !brokenHeader(next.text)):
			// A vCard 2.1 value continued on a line with no colon
			// (Android's and Outlook's "Street\" ⏎ "Town;…" ADR):
			// the line continues the value, as Android's reader
			// takes it. A backslash before the break escapes it: a
			// line break in the value; otherwise the break stood
			// for a space.
			if endsEscaped(ll.text) {
				add = append([]byte{'n'}, next.text...)
			} else {
				add = append([]byte{' '}, next.text...)
			}
			ll.warn = fmt.Sprintf("line %d has no colon; read as the continuation of the %s value above", next.no, name)
		case !hasColon && len(bytes.TrimSpace(next.text)) > 0 && !isBeginEnd(next.text):
			// A line broken without folding (Symbian ATTENDEE
			// lines): the break stood for a space.
			add = append([]byte{' '}, next.text...)
			ll.warn = fmt.Sprintf("line %d has no colon; joined with the next line", ll.line)
		default:
			break join
		}
		r.take()
		ll.end = next.end
		if !grow(add) {
			tooLong()
			break join
		}
		if !hasColon {
			head, _, hasColon = header(ll.text)
			if hasColon {
				enc, name = encodingOf(head), nameOf(head)
			}
		}
	}
	return ll, true
}

// Parse reads every top-level component of raw. Text outside any
// component is skipped (with a warning when it is not blank). It returns
// ErrNotVersit when raw holds no BEGIN line.
func Parse(raw []byte) ([]*Component, []string, error) {
	r := NewReader(raw)
	var top []*Component
	for {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return top, r.Warnings(), err
		}
		top = append(top, c)
	}
	return top, r.Warnings(), nil
}

// Next returns the next top-level component. At the end of the input it
// returns io.EOF, or ErrNotVersit when the input held no BEGIN line at all.
func (r *Reader) Next() (*Component, error) {
	raw := r.raw
	for !r.done {
		ll, ok := r.logical()
		if !ok {
			break
		}
		if r.skipDepth > 0 {
			// Inside components nested too deep: count BEGIN and END
			// until the skipped one closes.
			if h, _, ok := header(ll.text); ok {
				switch strings.ToUpper(strings.TrimSpace(string(h))) {
				case "BEGIN":
					r.skipDepth++
				case "END":
					r.skipDepth--
				default:
					if r.nested[ll.start] {
						r.skipDepth++ // AGENT:BEGIN:VCARD
					}
				}
			}
			if r.skipDepth == 0 && len(r.stack) > 0 {
				cur := r.stack[len(r.stack)-1]
				cur.Warnings = append(cur.Warnings, fmt.Sprintf("lines %d-%d: components nested deeper than %d skipped; they stay in the raw file", r.skipFrom, ll.line, MaxDepth))
			}
			continue
		}
		if ll.err != nil {
			if len(r.stack) > 0 {
				r.stack[len(r.stack)-1].Err = ll.err
			} else {
				r.warns = append(r.warns, ll.err.Error())
			}
			continue
		}
		headB, valB, ok := header(ll.text)
		if !ok {
			msg := fmt.Sprintf("line %d: no colon, dropped: %.40q", ll.line, ll.text)
			if len(r.stack) > 0 {
				cur := r.stack[len(r.stack)-1]
				cur.Warnings = append(cur.Warnings, msg)
			} else {
				r.warns = append(r.warns, msg)
			}
			continue
		}
		name := strings.ToUpper(strings.TrimSpace(string(headB)))
		agent := false
		if len(r.stack) > 0 && nameOf(headB) == "AGENT" && r.nested[ll.start] {
			// AGENT:BEGIN:VCARD (vCard 2.1): the value opens an
			// embedded card.
			name, valB, agent = "BEGIN", bytes.TrimSpace(valB)[len("BEGIN:"):], true
		}
		if name == "BEGIN" {
			r.sawBegin = true
			c := &Component{Name: compName(valB), start: ll.start, Line: ll.line, Agent: agent}
			if len(r.stack) > 0 {
				parent := r.stack[len(r.stack)-1]
				if len(r.stack) >= MaxDepth {
					r.skipDepth, r.skipFrom = 1, ll.line
					continue
				}
				if parent.Name == c.Name && (c.Name == "VCARD" && !r.nested[ll.start] || c.Name == "VNOTE" && len(r.stack) == 1) {
					// A new card before the previous one ended.
					parent.Warnings = append(parent.Warnings, fmt.Sprintf("no END:%s before line %d", parent.Name, ll.line))
					for j := len(r.stack) - 1; j >= 0; j-- {
						r.stack[j].Raw = raw[r.stack[j].start:ll.start]
					}
					done := r.stack[0]
					c.Raw = raw[ll.start:ll.end]
					r.stack = append(r.stack[:0], c)
					return done, nil
				}
				if c.Name == "VCARD" && parent.Name == "VCARD" && !agent {
					// A 2.1 AGENT written as "AGENT:" ⏎ "BEGIN:VCARD".
					if n := len(parent.Props); n > 0 && parent.Props[n-1].Name == "AGENT" && strings.TrimSpace(parent.Props[n-1].Value) == "" {
						parent.Props = parent.Props[:n-1]
						c.Agent = true
					}
				}
				parent.Children = append(parent.Children, c)
			}
			c.Raw = raw[ll.start:ll.end]
			r.stack = append(r.stack, c)
			continue
		}
		if name == "END" {
			if len(r.stack) == 0 {
				r.warns = append(r.warns, fmt.Sprintf("line %d: END without BEGIN", ll.line))
				continue
			}
			want := compName(valB)
			// Close up to the matching component.
			match := -1
			for j := len(r.stack) - 1; j >= 0; j-- {
				if r.stack[j].Name == want || strings.HasPrefix(want, r.stack[j].Name) {
					match = j
					break
				}
			}
			if match < 0 {
				cur := r.stack[len(r.stack)-1]
				cur.Warnings = append(cur.Warnings, fmt.Sprintf("line %d: END:%s does not match BEGIN:%s", ll.line, want, cur.Name))
				continue
			}
			if r.stack[match].Name != want {
				r.stack[match].Warnings = append(r.stack[match].Warnings, fmt.Sprintf("line %d: END value %q read as %s", ll.line, strings.TrimSpace(string(valB)), r.stack[match].Name))
			}
			for j := len(r.stack) - 1; j >= match; j-- {
				c := r.stack[j]
				c.Raw = raw[c.start:ll.end]
				if j > match {
					c.Warnings = append(c.Warnings, fmt.Sprintf("no END:%s", c.Name))
				}
			}
			top := r.stack[0]
			r.stack = r.stack[:match]
			if match == 0 {
				return top, nil
			}
			continue
		}
		if len(r.stack) == 0 {
			if len(bytes.TrimSpace(ll.text)) > 0 {
				r.warns = append(r.warns, fmt.Sprintf("line %d: outside any component, skipped", ll.line))
			}
			continue
		}
		cur := r.stack[len(r.stack)-1]
		p, w := parseProp(headB, valB, ll.line)
		if ll.warn != "" {
			cur.Warnings = append(cur.Warnings, ll.warn)
		}
		cur.Warnings = append(cur.Warnings, w...)
		if p != nil {
			cur.Props = append(cur.Props, p)
		}
	}
	r.done = true
	if len(r.stack) > 0 {
		for j := len(r.stack) - 1; j >= 0; j-- {
			c := r.stack[j]
			c.Raw = raw[c.start:]
			c.Err = fmt.Errorf("versit: %s never ended", c.Name)
		}
		top := r.stack[0]
		r.stack = nil
		return top, nil
	}
	if !r.sawBegin {
		return nil, ErrNotVersit
	}
	return nil, io.EOF
}

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
	if !utf8.ValidString(p.Name) || countControls(p.Name, false) > 0 || !utf8.ValidString(p.Group) || countControls(p.Group, false) > 0 {
		// Warnings name the property: no raw bytes or escape sequences
		// in them (the converters rewrite such a name as X-…).
		n, _ := DecodeCharset([]byte(p.Name), "")
		g, _ := DecodeCharset([]byte(p.Group), "")
		p.Name, p.Group = dropControls(n, false), dropControls(g, false)
		warns = append(warns, fmt.Sprintf("line %d: property name %q repaired", line, name))
	}
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
	for i := range p.Params {
		pa := &p.Params[i]
		if bad := repairParam(pa); bad != "" {
			warns = append(warns, fmt.Sprintf("line %d: %s: parameter %s %s", line, p.Name, pa.Name, bad))
		}
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
		v := string(stripSpace(val))
		if !utf8.ValidString(v) || countControls(v, false) > 0 {
			// Not base64 at all: keep what can be written.
			v, _ = replaceInvalid([]byte(v))
			v = dropControls(v, false)
			warns = append(warns, fmt.Sprintf("line %d: %s: base64 value holds bytes that are not base64; invalid bytes replaced", line, p.Name))
		}
		p.Value = v
		return p, warns
	default:
		b = val
	}
	cs, _ := p.Param("CHARSET")
	s, w := DecodeCharset(b, cs)
	if w != "" {
		warns = append(warns, fmt.Sprintf("line %d: %s: %s", line, p.Name, w))
	}
	if n := countControls(s, true); n > 0 {
		s = dropControls(s, true)
		warns = append(warns, fmt.Sprintf("line %d: %s: %d control character(s) removed from the value", line, p.Name, n))
	}
	p.Value = s
	return p, warns
}

// repairParam makes a parameter's name and values valid UTF-8 without
// control characters (RFC 6350 param-value, RFC 5545 paramtext): invalid
// bytes are decoded as values with no CHARSET are, control characters
// other than tab (white space, allowed) are removed. It says what it did,
// or "" when nothing needed repair.
func repairParam(pa *Param) string {
	var did []string
	for j, v := range pa.Values {
		if !utf8.ValidString(v) {
			v, _ = DecodeCharset([]byte(v), "")
			did = append(did, "invalid UTF-8 repaired")
		}
		if countControls(v, false) > 0 {
			v = dropControls(v, false)
			did = append(did, "control characters removed")
		}
		pa.Values[j] = v
	}
	if !utf8.ValidString(pa.Name) || countControls(pa.Name, false) > 0 {
		n, _ := DecodeCharset([]byte(pa.Name), "")
		pa.Name = dropControls(n, false)
		did = append(did, "name repaired")
	}
	if len(did) == 0 {
		return ""
	}
	return strings.Join(did, ", ") + " (the raw file keeps the original)"
}

// countControls counts C0 control characters and DEL; tab, and with
// lineBreaks CR and LF, are allowed.
func countControls(s string, lineBreaks bool) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 || c == 0x7f) && c != '\t' && !(lineBreaks && (c == '\r' || c == '\n')) {
			n++
		}
	}
	return n
}

func dropControls(s string, lineBreaks bool) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t', lineBreaks && (r == '\r' || r == '\n'):
			return r
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
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
