package featurephone

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/sk-rescue/sk-rescue/device/at"
	"github.com/sk-rescue/sk-rescue/device/sim"
)

// ATQuirks switch the modem into behaviours of real phones.
type ATQuirks struct {
	// HexArgs: once UCS2 is selected the phone wants string arguments
	// hex-encoded and encodes the strings of its control replies too
	// (AT+CSCS? answers "0055004300530032"), as gammu's EncodedCommands.
	HexArgs bool
	// FailBlock: a block read (AT+CPBR=a,b) covering BadSlot is refused
	// with +CME ERROR: 100; reading BadSlot alone is refused too (it is
	// empty); every other slot reads fine one at a time.
	FailBlock bool
	// FailME: the phone memory is unreadable, every AT+CPBR while ME is
	// selected (block or single slot) is refused with +CME ERROR: 100.
	FailME bool
	// FailFrom, when above 0: every SIM slot from FailFrom on is unreadable,
	// as on a SIM that fails partway; any AT+CPBR reaching one is refused
	// with +CME ERROR: 100.
	FailFrom int
}

// ATResponder is the phone's modem.
type ATResponder struct {
	d *Data
	q ATQuirks

	mu       sync.Mutex
	cmds     map[string]int
	mutating int
	mutLog   []string // the mutating command lines, in order (first maxMutLog)
	echo     bool
	charset  string
	memory   string
	battery  int
}

// NewATResponder builds the modem for d with battery in percent.
func NewATResponder(d *Data, q ATQuirks, battery int) *ATResponder {
	return &ATResponder{d: d, q: q, cmds: map[string]int{}, echo: true, charset: "GSM", memory: "SM", battery: battery}
}

// BadSlot is the SIM slot ATQuirks.FailBlock breaks: the empty slot just
// before the eleventh entry.
func (d *Data) BadSlot() int { return d.SIM[10].Slot - 1 }

// Stats returns commands per name ("+CPBR", "Z") and how many would have
// written to a real phone; sk-rescue's tests assert the last is 0.
func (r *ATResponder) Stats() (cmds map[string]int, mutating int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cmds = map[string]int{}
	for k, v := range r.cmds {
		cmds[k] = v
	}
	return cmds, r.mutating
}

// maxMutLog bounds MutatingCommands against a client that sends nothing
// else.
const maxMutLog = 1000

// MutatingCommands returns the command lines counted as mutating, in the
// order received (at most the first 1000): the lab names what a peer such
// as gammu sent, refused or not.
func (r *ATResponder) MutatingCommands() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.mutLog...)
}

// Requests is the number of commands received.
func (r *ATResponder) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, v := range r.cmds {
		n += v
	}
	return n
}

// Serve answers commands on dev until the link closes or ctx ends.
func (r *ATResponder) Serve(ctx context.Context, dev *sim.DeviceEnd) error {
	buf := make([]byte, 4096)
	var line []byte
	for {
		n, err := dev.Read(ctx, buf)
		if err != nil {
			return err
		}
		for _, c := range buf[:n] {
			switch c {
			case '\r':
				cmd := string(line)
				line = line[:0]
				if err := r.reply(ctx, dev, cmd); err != nil {
					return err
				}
			case '\n':
			default:
				if len(line) < 4096 {
					line = append(line, c)
				}
			}
		}
	}
}

func (r *ATResponder) reply(ctx context.Context, dev *sim.DeviceEnd, cmd string) error {
	r.mu.Lock()
	var out bytes.Buffer
	if r.echo {
		out.WriteString(cmd + "\r")
	}
	lines, final := r.exec(strings.TrimSpace(cmd))
	r.mu.Unlock()
	for _, l := range lines {
		out.WriteString("\r\n" + l + "\r\n")
	}
	out.WriteString("\r\n" + final + "\r\n")
	b := out.Bytes()
	if _, err := dev.Write(ctx, b); err != nil {
		return err
	}
	if len(b)%dev.MaxPacketSize() == 0 {
		_, err := dev.Write(ctx, nil)
		return err
	}
	return nil
}

// The simulator's own idea of which commands leave a real phone as it
// was, written from 3GPP TS 27.007 and ITU-T V.250 and on purpose not
// shared with device/at: if the client wrongly allowed a command, a shared
// table would agree with it. A command counts as read-only only when it
// is listed here in the form sent (V.250: "AT+X" action, "AT+X?" read,
// "AT+X=…" set) or is a test command ("AT+X=?", any name: V.250 5.4.2
// defines it as asking whether X exists and which values it takes, and a
// DCE that does not know X answers ERROR and does nothing); everything
// else counts as mutating.
var readOnly = map[string]string{
	// name: the forms that only read, from "a" action, "r" read, "t" test,
	// "s" set.
	"":      "a",   // AT: attention
	"Z":     "a",   // V.250 6.1.1: reset to profile 0, volatile settings only
	"E0":    "a",   // V.250 6.2.4: echo, this session
	"E1":    "a",   //
	"I":     "a",   // V.250 6.1.3: identification
	"+CMEE": "rts", // 27.007 9.1: error reporting, this session
	"+CGMI": "at",  // 27.007 5.1-5.4: identity
	"+CGMM": "at",  //
	"+CGMR": "at",  //
	"+CGSN": "at",  //
	"+GMI":  "a",   // V.250 6.1.4-6.1.6
	"+GMM":  "a",   //
	"+GMR":  "a",   //
	"+CBC":  "at",  // 27.007 8.4: battery charge
	"+CSCS": "rts", // 27.007 5.5: TE character set, this session
	"+CPBS": "rts", // 27.007 8.11: select a phonebook to read, this session
	"+CPBR": "ts",  // 27.007 8.12: read entries
	"+CPBF": "ts",  // 27.007 8.13: find entries
	"+CNUM": "a",   // 27.007 7.1: own numbers
	"+CSQ":  "at",  // 27.007 8.5: signal quality
	"+CPAS": "at",  // 27.007 8.1: activity status
	"+CREG": "r",   // 27.007 7.2 (set changes unsolicited codes)
	"+CPIN": "rt",  // 27.007 8.3: PIN state (the set form enters a PIN)
	"+CFUN": "rt",  // 27.007 8.2: functionality level (the set form changes it)
	"+CIMI": "a",   // 27.007 5.6: the SIM's IMSI
}

// Examples of what counts as mutating, for the reader (none of these is
// listed above): +CPBW, +CMGW, +CMGD, +CMGS, +CMSS, D (dial), +CCLK=,
// +CALA, &F, &W, +CRES, +CSAS, +CPMS=, +CKPD, +CFUN=, +CPIN=, +CLCK,
// +CPWD, +CRSM, +CSIM, +CSCA=; and +CMGR/+CMGL, which mark unread
// messages read.

// mutating reports whether the command body (after "AT") would count as
// changing a real phone.
func mutating(body string) bool {
	ub := strings.ToUpper(body)
	name, form := ub, "a"
	switch {
	case strings.HasSuffix(ub, "=?"):
		name, form = ub[:len(ub)-2], "t"
	case strings.Contains(ub, "="):
		name, form = ub[:strings.IndexByte(ub, '=')], "s"
	case strings.HasSuffix(ub, "?"):
		name, form = ub[:len(ub)-1], "r"
	}
	if len(name) == 2 && name[0] == 'I' && name[1] >= '0' && name[1] <= '9' {
		name = "I"
	}
	if strings.ContainsAny(body, ";\r\n\x00\x1a\x1b") {
		return true // concatenated or hidden commands
	}
	if form == "t" {
		return false // a test command only reports (see readOnly)
	}
	forms, ok := readOnly[name]
	return !ok || !strings.Contains(forms, form)
}

// str reads a string argument: quoted, hex-encoded when the phone wants.
func (r *ATResponder) str(arg string) (string, bool) {
	arg = strings.TrimSpace(arg)
	if len(arg) < 2 || arg[0] != '"' || arg[len(arg)-1] != '"' {
		return "", false
	}
	s := arg[1 : len(arg)-1]
	if r.q.HexArgs && r.charset == "UCS2" {
		return decodeUCS2(s)
	}
	return s, true
}

// ctl writes a string of a control reply.
func (r *ATResponder) ctl(s string) string {
	if r.q.HexArgs && r.charset == "UCS2" {
		return `"` + at.EncodeHex(s, "UCS2") + `"`
	}
	return `"` + s + `"`
}

func decodeUCS2(s string) (string, bool) {
	if len(s)%4 != 0 {
		return "", false
	}
	u := make([]uint16, 0, len(s)/4)
	for i := 0; i < len(s); i += 4 {
		v, err := strconv.ParseUint(s[i:i+4], 16, 16)
		if err != nil {
			return "", false
		}
		u = append(u, uint16(v))
	}
	return string(utf16.Decode(u)), true
}

// text encodes a phonebook name in the current charset.
func (r *ATResponder) text(s string) string {
	if r.charset == "UCS2" {
		return at.EncodeHex(s, "UCS2")
	}
	var b strings.Builder
	for _, c := range s {
		if c < 0x80 {
			b.WriteRune(c)
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}

type slot struct{ name, number string }

func (r *ATResponder) slots(mem string) (map[int]slot, int) {
	m := map[int]slot{}
	if mem == "ME" {
		for i, c := range r.d.Truth.Contacts[:PhoneContacts] {
			m[i+1] = slot{c.FullName, c.Phones[0]}
		}
		return m, MESlots
	}
	for _, e := range r.d.SIM {
		m[e.Slot] = slot{e.Name, e.Number}
	}
	return m, SIMSlots
}

func (r *ATResponder) exec(cmd string) (lines []string, final string) {
	up := strings.ToUpper(cmd)
	if !strings.HasPrefix(up, "AT") {
		r.cmds["?"]++
		return nil, "ERROR"
	}
	body := cmd[2:]
	name := body
	if i := strings.IndexAny(name, "=?"); i >= 0 {
		name = name[:i]
	}
	r.cmds[strings.ToUpper(name)]++
	ub := strings.ToUpper(body)
	if mutating(body) {
		r.mutating++
		if len(r.mutLog) < maxMutLog {
			r.mutLog = append(r.mutLog, cmd)
		}
		// A set to the level the phone is already at changes nothing, and
		// a real phone answers OK: gammu sends AT+CFUN=1 on every connect
		// and gives up on an error. It still counts above, so a client
		// that sends it is seen sending a set command.
		if ub == "+CFUN=1" {
			return nil, "OK"
		}
		return nil, "+CME ERROR: 3"
	}
	switch {
	case ub == "":
		return nil, "OK"
	case ub == "Z":
		r.echo, r.charset, r.memory = true, "GSM", "SM"
		return nil, "OK"
	case ub == "E0":
		r.echo = false
		return nil, "OK"
	case ub == "E1":
		r.echo = true
		return nil, "OK"
	case strings.HasPrefix(ub, "+CMEE="):
		return nil, "OK"
	case ub == "+CGMI":
		return []string{Maker}, "OK"
	case ub == "+CGMM":
		return []string{Model}, "OK"
	case ub == "+CGMR":
		return []string{Firmware}, "OK"
	case ub == "+CGSN":
		return []string{IMEI}, "OK"
	case ub == "+CIMI":
		return []string{IMSI}, "OK"
	case ub == "+CBC":
		return []string{fmt.Sprintf("+CBC: 0,%d", r.battery)}, "OK"
	case ub == "+CPIN?":
		return []string{"+CPIN: READY"}, "OK"
	case ub == "+CPIN=?":
		return nil, "OK"
	case ub == "+CFUN?":
		return []string{"+CFUN: 1"}, "OK" // full functionality, always
	case ub == "+CFUN=?":
		return []string{"+CFUN: (1),(0)"}, "OK"
	case ub == "+CSCS=?":
		return []string{`+CSCS: ("GSM","IRA","UCS2")`}, "OK"
	case ub == "+CSCS?":
		return []string{"+CSCS: " + r.ctl(r.charset)}, "OK"
	case strings.HasPrefix(ub, "+CSCS="):
		cs, ok := r.str(body[len("+CSCS="):])
		switch cs = strings.ToUpper(cs); {
		case ok && (cs == "GSM" || cs == "IRA" || cs == "UCS2"):
			r.charset = cs
			return nil, "OK"
		}
		return nil, "ERROR"
	case ub == "+CPBS=?":
		return []string{"+CPBS: (" + r.ctl("SM") + "," + r.ctl("ME") + "," + r.ctl("DC") + "," + r.ctl("MC") + "," + r.ctl("RC") + ")"}, "OK"
	case ub == "+CPBS?":
		m, total := r.slots(r.memory)
		return []string{fmt.Sprintf("+CPBS: %s,%d,%d", r.ctl(r.memory), len(m), total)}, "OK"
	case strings.HasPrefix(ub, "+CPBS="):
		mem, ok := r.str(body[len("+CPBS="):])
		switch mem = strings.ToUpper(mem); {
		case ok && (mem == "SM" || mem == "ME"):
			r.memory = mem
			return nil, "OK"
		case ok && (mem == "DC" || mem == "MC" || mem == "RC"):
			r.memory = mem
			return nil, "+CME ERROR: 4" // call logs: not in this sim
		}
		return nil, "+CME ERROR: 50"
	case ub == "+CPBR=?":
		_, total := r.slots(r.memory)
		return []string{fmt.Sprintf("+CPBR: (1-%d),40,%d", total, 24)}, "OK"
	case strings.HasPrefix(ub, "+CPBR="):
		return r.cpbr(body[len("+CPBR="):])
	}
	return nil, "ERROR"
}

func (r *ATResponder) cpbr(args string) ([]string, string) {
	m, total := r.slots(r.memory)
	a, b, two := strings.Cut(args, ",")
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi := lo
	var err2 error
	if two {
		hi, err2 = strconv.Atoi(strings.TrimSpace(b))
	}
	if err1 != nil || err2 != nil || lo < 1 || hi > total || hi < lo {
		return nil, "+CME ERROR: 21"
	}
	if r.q.FailME && r.memory == "ME" {
		return nil, "+CME ERROR: 100"
	}
	if r.q.FailFrom > 0 && r.memory == "SM" && hi >= r.q.FailFrom {
		return nil, "+CME ERROR: 100"
	}
	bad := r.d.BadSlot()
	if r.q.FailBlock && r.memory == "SM" && lo <= bad && bad <= hi {
		return nil, "+CME ERROR: 100"
	}
	var lines []string
	for i := lo; i <= hi; i++ {
		s, ok := m[i]
		if !ok {
			continue
		}
		typ := 129
		if strings.HasPrefix(s.number, "+") {
			typ = 145
		}
		lines = append(lines, fmt.Sprintf(`+CPBR: %d,"%s",%d,"%s"`, i, s.number, typ, r.text(s.name)))
	}
	if len(lines) == 0 && !two {
		return nil, "+CME ERROR: 22"
	}
	return lines, "OK"
}
