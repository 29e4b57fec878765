// Package at is an AT-command modem client (ITU-T V.250, 3GPP TS 27.007)
// over a USB CDC-ACM function's data pipes, and the device.Handset adapter
// that reads a phone's phonebooks through it: identity (+CGMI, +CGMM,
// +CGSN), battery (+CBC), charset negotiation (+CSCS, preferring UCS2 and
// detecting phones that then want hex-encoded arguments), memories (+CPBS)
// and their entries (+CPBR), read in blocks with a fallback to one entry
// at a time.
//
// The phonebook is handed over as the phone's raw replies, media type
// "text/x-at-phonebook;charset=…;memory=…"; formats/vcard turns them into
// cards. The client sends no command that writes to the phone (+CPBW,
// +CMGW, +CMGD, +CCLK=, …): the simulator counts them and tests assert 0.
package at

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/sk-rescue/sk-rescue/device"
)

// Reply is one command's answer: the information lines between the
// command and its final result code, the final result, and every byte as
// it came.
type Reply struct {
	// Lines are the information lines, echo and blank lines removed. A
	// line whose quoted field held a line break (Samsung puts raw bytes in
	// numbers) is joined back with "\n".
	Lines []string
	// Final is the final result code: "OK", "ERROR", "+CME ERROR: 22", …
	Final string
	// Raw is the reply exactly as the phone sent it, echo included.
	Raw []byte
}

// OK reports whether the final result is OK.
func (r Reply) OK() bool { return r.Final == "OK" }

// ErrMalformed is returned for a reply that cannot be read; it wraps
// device.ErrProtocol.
var ErrMalformed = fmt.Errorf("at: malformed reply: %w", device.ErrProtocol)

// MaxReplyBytes bounds one reply.
const MaxReplyBytes = 4 << 20

// isFinal reports whether line is a final result code (V.250 §5.7.1,
// 27.007 §9.2).
func isFinal(line string) bool {
	switch line {
	case "OK", "ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE", "COMMAND NOT SUPPORT", "TOO MANY PARAMETERS":
		return true
	}
	return strings.HasPrefix(line, "+CME ERROR") || strings.HasPrefix(line, "+CMS ERROR")
}

// unsolicited reports lines a phone may send at any time.
func unsolicited(line string) bool {
	for _, p := range []string{"RING", "+CRING:", "+CREG:", "+CGREG:", "+CMTI:", "+CIEV:", "+CLIP:", "+CUSD:", "^BOOT", "^RSSI", "^MODE"} {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

// quotesOpen reports whether s has an unclosed double quote.
func quotesOpen(s string) bool { return strings.Count(s, `"`)%2 == 1 }

// ParseReply reads one reply to cmd (without its "\r"; "" when the echo is
// unknown) from the start of b. It returns the reply, the number of bytes
// it took, and complete=false when b ends before a final result code.
func ParseReply(b []byte, cmd string) (r Reply, n int, complete bool, err error) {
	if len(b) > MaxReplyBytes {
		return r, 0, false, fmt.Errorf("at: reply longer than %d bytes: %w", MaxReplyBytes, ErrMalformed)
	}
	pos := 0
	open := false // the last info line has an open quote
	for pos < len(b) {
		i := bytes.IndexAny(b[pos:], "\r\n")
		if i < 0 {
			break
		}
		line := string(b[pos : pos+i])
		sep := b[pos+i]
		pos += i + 1
		trimmed := strings.TrimSpace(line)
		if isFinal(trimmed) {
			r.Final = trimmed
			// Take the rest of the terminator.
			if sep == '\r' && pos < len(b) && b[pos] == '\n' {
				pos++
			}
			r.Raw = b[:pos]
			return r, pos, true, nil
		}
		if open {
			if trimmed == "" && sep == '\n' && line == "" {
				// The LF of the CRLF that ended the joined part.
				continue
			}
			last := &r.Lines[len(r.Lines)-1]
			*last += "\n" + line
			open = quotesOpen(*last)
			continue
		}
		switch {
		case trimmed == "":
		case cmd != "" && trimmed == cmd:
			// Echo.
		case unsolicited(trimmed):
		default:
			r.Lines = append(r.Lines, trimmed)
			open = quotesOpen(trimmed) && strings.HasPrefix(trimmed, "+") && len(trimmed) < 4096
			if open && sep == '\r' && pos < len(b) && b[pos] == '\n' {
				// A CRLF ended the line: the quote is simply unbalanced.
				open = false
			}
		}
	}
	r.Raw = b
	return r, 0, false, nil
}

// Fields splits the value of an information line ("+CPBR: 1,"+48…",145,
// "0041…"") into its comma-separated fields, each with its quotes removed,
// and reports which were quoted. Commas inside quotes do not split.
func Fields(line string) (fields []string, quoted []bool) {
	if strings.HasPrefix(line, "+") || strings.HasPrefix(line, "^") || strings.HasPrefix(line, "*") {
		if _, v, ok := strings.Cut(line, ":"); ok {
			line = v
		}
	}
	line = strings.TrimSpace(line)
	var cur strings.Builder
	inQ, wasQ := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"':
			inQ = !inQ
			wasQ = true
		case c == ',' && !inQ:
			fields = append(fields, cur.String())
			quoted = append(quoted, wasQ)
			cur.Reset()
			wasQ = false
		case !inQ && (c == ' ' || c == '\t') && cur.Len() == 0:
		default:
			cur.WriteByte(c)
		}
	}
	fields = append(fields, cur.String())
	quoted = append(quoted, wasQ)
	return fields, quoted
}

// Entry is one phonebook entry as +CPBR gives it, text still in the
// charset it was read in.
type Entry struct {
	Index  int
	Number string
	Type   int // 145 international, 129 national; 0 when absent
	Text   string
	// Extra are the fields after the text (dates, vendor fields).
	Extra []string
}

// ParseEntry reads a "+CPBR: index,"number",type,"text"[,…]" line. It
// tolerates an empty field before the number (some Samsung phones) and a
// missing type.
func ParseEntry(line string) (Entry, error) {
	if !strings.HasPrefix(line, "+CPBR:") {
		return Entry{}, fmt.Errorf("at: not a +CPBR line: %q: %w", trunc(line), ErrMalformed)
	}
	f, q := Fields(line)
	var e Entry
	if _, err := fmt.Sscanf(f[0], "%d", &e.Index); err != nil {
		return Entry{}, fmt.Errorf("at: +CPBR index %q: %w", trunc(f[0]), ErrMalformed)
	}
	i := 1
	for i < len(f)-2 && f[i] == "" && !q[i] && q[i+1] {
		i++
	}
	if i < len(f) {
		e.Number = f[i]
	}
	if i+1 < len(f) {
		fmt.Sscanf(f[i+1], "%d", &e.Type)
	}
	if i+2 < len(f) {
		e.Text = f[i+2]
	}
	if i+3 < len(f) {
		e.Extra = f[i+3:]
	}
	return e, nil
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
