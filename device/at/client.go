package at

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/sk-rescue/sk-rescue/device"
)

// ClientOptions tune a Client. The zero value is the default.
type ClientOptions struct {
	// Timeout bounds one command's reply; 0 means 5 s. Phonebook block
	// reads get four times as long.
	Timeout time.Duration
}

// CommandError is a command the phone answered with a final result other
// than OK.
type CommandError struct {
	Cmd   string
	Final string
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("at: %s: phone answered %s", e.Cmd, e.Final)
}

// CME returns the +CME ERROR number, or -1.
func (e *CommandError) CME() int {
	v, ok := strings.CutPrefix(e.Final, "+CME ERROR:")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return -1
	}
	return n
}

// IsCommandError reports whether err is a phone's refusal (as opposed to a
// transport failure).
func IsCommandError(err error) bool {
	var ce *CommandError
	return errors.As(err, &ce)
}

// Client sends AT commands over a link, one at a time.
type Client struct {
	link    device.Link
	opt     ClientOptions
	chunk   []byte
	pending []byte
	broken  error
	cmds    int
	// Charset is the negotiated character set ("UCS2", "GSM", …).
	Charset string
	// HexArgs is set when the phone wants string arguments hex-encoded in
	// the negotiated charset (it answered AT+CSCS? with the name encoded).
	HexArgs bool
}

// NewClient returns a client over link.
func NewClient(link device.Link, opt ClientOptions) *Client {
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Second
	}
	mps := link.MaxPacketSize()
	if mps <= 0 {
		mps = 64
	}
	n := 16 << 10
	n -= n % mps
	if n == 0 {
		n = mps
	}
	return &Client{link: link, opt: opt, chunk: make([]byte, n), Charset: "GSM"}
}

// Commands returns how many commands were sent.
func (c *Client) Commands() int { return c.cmds }

// Do sends cmd ("AT+CGMI") and returns the reply. A final result other
// than OK is a *CommandError returned with the reply. A command not on
// the read-only allowlist (readCommands) is refused with an error
// wrapping device.ErrReadOnly and never sent.
func (c *Client) Do(ctx context.Context, cmd string) (Reply, error) {
	return c.do(ctx, cmd, c.opt.Timeout)
}

func (c *Client) do(ctx context.Context, cmd string, timeout time.Duration) (Reply, error) {
	if c.broken != nil {
		return Reply{}, c.broken
	}
	if !isRead(cmd) {
		return Reply{}, fmt.Errorf("at: %q is not a command sk-rescue sends (it only reads): %w", cmd, device.ErrReadOnly)
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c.pending = nil // unsolicited leftovers
	c.cmds++
	if _, err := c.link.Write(tctx, []byte(cmd+"\r")); err != nil {
		return Reply{}, c.fail(ctx, tctx, cmd, timeout, err)
	}
	for {
		r, n, complete, err := ParseReply(c.pending, cmd)
		if err != nil {
			c.broken = fmt.Errorf("at: session lost: %w", err)
			return Reply{}, fmt.Errorf("at: %s: %w", cmd, err)
		}
		if complete {
			if n == len(c.pending) && c.pending[n-1] == '\r' {
				// The LF of a CRLF may be in the next transfer: wait a
				// moment for it so the archive keeps the reply whole.
				lctx, lcancel := context.WithTimeout(tctx, 50*time.Millisecond)
				k, _ := c.link.Read(lctx, c.chunk)
				lcancel()
				c.pending = append(c.pending, c.chunk[:k]...)
				if k > 0 && c.chunk[0] == '\n' {
					n++
					r.Raw = c.pending[:n]
				}
			}
			r.Raw = append([]byte(nil), r.Raw...)
			c.pending = c.pending[n:]
			if !r.OK() {
				return r, &CommandError{Cmd: cmd, Final: r.Final}
			}
			return r, nil
		}
		k, err := c.link.Read(tctx, c.chunk)
		c.pending = append(c.pending, c.chunk[:k]...)
		if err != nil {
			return Reply{}, c.fail(ctx, tctx, cmd, timeout, err)
		}
	}
}

func (c *Client) fail(ctx, tctx context.Context, cmd string, timeout time.Duration, err error) error {
	if ctx.Err() != nil {
		c.broken = fmt.Errorf("at: session abandoned: %w", ctx.Err())
		return ctx.Err()
	}
	if tctx.Err() != nil && !errors.Is(err, device.ErrDisconnected) {
		// The phone may still answer late: the next command drops it.
		return fmt.Errorf("at: %s: no final result within %v: %w", cmd, timeout, device.ErrTimeout)
	}
	c.broken = fmt.Errorf("at: %s: %w", cmd, err)
	return c.broken
}

// readCommands is the allowlist Do checks every command against, whole
// (case-insensitive, no trailing text, so "AT+CPBR=1;+CPBW=…" or a CR
// hidden in an argument cannot ride along). sk-rescue never changes a
// phone, so a command not listed here is refused before it reaches the
// link. Each entry is read-only because (3GPP TS 27.007, ITU-T V.250):
//
//   - AT: attention only; clears a half-typed line.
//   - ATZ: V.250 6.1.1 resets the active settings to stored profile 0;
//     it writes nothing stored (that is AT&W) and restores what a previous
//     session changed — accepted practice before reading (gammu,
//     obexftp's cable bring-up).
//   - ATE0: echo off, for this session (V.250 6.2.4).
//   - ATI, ATIn: identification text (V.250 6.1.3).
//   - AT+CMEE=0|1|2, AT+CMEE?, AT+CMEE=?: error report format, this
//     session (27.007 9.1).
//   - AT+CGMI, +CGMM, +CGMR, +CGSN (and =?): identity reads (27.007 5.1-5.4).
//   - AT+CBC (and =?): battery charge (27.007 8.4).
//   - AT+CSCS?, =?, ="name": the character set strings are exchanged in,
//     this session only (27.007 5.5); ATZ resets it.
//   - AT+CPBS?, =?, ="mem": which phonebook later reads use (27.007
//     8.11); choosing one to read changes no entry. (The set form may
//     carry a password for FD; sk-rescue never sends one.)
//   - AT+CPBR=?, AT+CPBR=n, AT+CPBR=n,m: read entries (27.007 8.12).
//   - AT+SPBR=?, AT+SPBR=n[,m]: Samsung's multi-field phonebook read
//     (gammu's Samsung path); its write twin AT+SPBW stays refused.
//
// The patterns are compiled on first use, not at package init: every
// sk-rescue run links this package, and compiling them cost 30 ms of
// process start in the USB lab's emulated guest (docs/BENCHMARKS.md) on
// runs that never talk to a modem.
var readCommands = sync.OnceValue(func() []*regexp.Regexp {
	return []*regexp.Regexp{
		regexp.MustCompile(`^AT$`),
		regexp.MustCompile(`^ATZ0?$`),
		regexp.MustCompile(`^ATE0$`),
		regexp.MustCompile(`^ATI[0-9]?$`),
		regexp.MustCompile(`^AT\+CMEE(=[012]|\?|=\?)$`),
		regexp.MustCompile(`^AT\+CGM[IMR](=\?)?$`),
		regexp.MustCompile(`^AT\+CGSN(=\?)?$`),
		regexp.MustCompile(`^AT\+CBC(=\?)?$`),
		regexp.MustCompile(`^AT\+CSCS(\?|=\?|="[A-Z0-9_-]{1,32}")$`),
		regexp.MustCompile(`^AT\+CPBS(\?|=\?|="[A-Z0-9]{1,32}")$`),
		regexp.MustCompile(`^AT\+CPBR(=\?|=[0-9]{1,6}(,[0-9]{1,6})?)$`),
		regexp.MustCompile(`^AT\+SPBR(=\?|=[0-9]{1,6}(,[0-9]{1,6})?)$`),
	}
})

// isRead reports whether cmd is on the allowlist.
func isRead(cmd string) bool {
	u := strings.ToUpper(cmd)
	for _, re := range readCommands() {
		if re.MatchString(u) {
			return true
		}
	}
	return false
}

// Quote returns s as a string argument: quoted, and hex-encoded in the
// negotiated charset when the phone wants that. It refuses a quote and
// control characters (CR, LF, NUL, ESC, Ctrl-Z and the rest): a modem
// ends a command at CR and Ctrl-Z sends a message, so such bytes would
// smuggle a second command past Do's allowlist.
func (c *Client) Quote(s string) (string, error) {
	for _, r := range s {
		if r < 0x20 || r == 0x7F || r == '"' {
			return "", fmt.Errorf("at: argument %q holds a quote or control character", s)
		}
	}
	if c.HexArgs {
		return `"` + EncodeHex(s, c.Charset) + `"`, nil
	}
	return `"` + s + `"`, nil
}

// Unquote reads a string the phone returned in a control reply (a memory
// or charset name): decoded from hex when the phone encodes those.
func (c *Client) Unquote(s string) string {
	if c.HexArgs {
		if d, ok := decodeUCS2Hex(s); ok {
			return d
		}
	}
	return s
}

// EncodeHex encodes s as the phone's hex form of charset: four hex digits
// per UTF-16 unit for UCS2, two per byte otherwise.
func EncodeHex(s, charset string) string {
	if strings.EqualFold(charset, "UCS2") {
		var b strings.Builder
		for _, u := range utf16.Encode([]rune(s)) {
			fmt.Fprintf(&b, "%04X", u)
		}
		return b.String()
	}
	return strings.ToUpper(hex.EncodeToString([]byte(s)))
}

// decodeUCS2Hex decodes a UCS2 hex string that decodes to printable text.
func decodeUCS2Hex(s string) (string, bool) {
	if len(s) == 0 || len(s)%4 != 0 {
		return "", false
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return "", false
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	out := string(utf16.Decode(u))
	for _, r := range out {
		if r < 0x20 || r == 0xFFFD {
			return "", false
		}
	}
	return out, true
}

// value returns the first information line with prefix (or the first line
// when prefix is ""), the prefix removed and surrounding quotes trimmed.
func value(r Reply, prefix string) (string, bool) {
	for _, l := range r.Lines {
		if prefix == "" {
			return strings.Trim(strings.TrimSpace(l), `"`), true
		}
		if v, ok := strings.CutPrefix(l, prefix); ok {
			return strings.Trim(strings.TrimSpace(v), `"`), true
		}
	}
	return "", false
}

// rawValue is value without the quote trimming, for lists and tuples.
func rawValue(r Reply, prefix string) (string, bool) {
	for _, l := range r.Lines {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// quotedList reads a parenthesised list of quoted strings: ("SM","ME").
func quotedList(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i+1:], '"')
		if j < 0 {
			return out
		}
		out = append(out, s[i+1:i+1+j])
		s = s[i+j+2:]
	}
}

// charsetPreference is the order charsets are chosen in: UCS2 carries
// every script and is what gammu prefers for reading.
var charsetPreference = []string{"UCS2", "UTF-8", "UTF8", "8859-1", "PCCP437", "IRA", "GSM", "HEX"}

// NegotiateCharset picks the best charset the phone offers (AT+CSCS=?),
// sets it, and reads it back (AT+CSCS?) to learn whether the phone now
// also wants hex-encoded arguments.
func (c *Client) NegotiateCharset(ctx context.Context) error {
	var offered []string
	if r, err := c.Do(ctx, "AT+CSCS=?"); err == nil {
		if v, ok := rawValue(r, "+CSCS:"); ok {
			offered = quotedList(v)
		}
	} else if !IsCommandError(err) {
		return err
	}
	for _, want := range charsetPreference {
		for _, o := range offered {
			if !strings.EqualFold(o, want) {
				continue
			}
			if _, err := c.Do(ctx, `AT+CSCS="`+o+`"`); err != nil {
				if IsCommandError(err) {
					continue
				}
				return err
			}
			c.Charset = o
			return c.verifyCharset(ctx)
		}
	}
	// Nothing offered or nothing accepted: learn the current one.
	return c.verifyCharset(ctx)
}

func (c *Client) verifyCharset(ctx context.Context) error {
	r, err := c.Do(ctx, "AT+CSCS?")
	if err != nil {
		if IsCommandError(err) {
			return nil
		}
		return err
	}
	v, ok := value(r, "+CSCS:")
	if !ok || v == "" || v == "0" {
		return nil // broken reply; keep what was set
	}
	if d, ok := decodeUCS2Hex(v); ok && !strings.EqualFold(d, v) {
		c.Charset, c.HexArgs = d, true
		return nil
	}
	c.Charset = v
	return nil
}
