package at

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

// Options tune Open. The zero value is the default.
type Options struct {
	Client ClientOptions
	// Location is copied to Info.Location.
	Location string
	// Memories are the phonebooks read, in order, when the phone offers
	// them; nil means SM (SIM) and ME (phone).
	Memories []string
	// BlockSize is how many slots one AT+CPBR reads; 0 means 20.
	BlockSize int
	// LineState, when set, asserts DTR and RTS with the CDC
	// SET_CONTROL_LINE_STATE request on interface Interface before the
	// first command; some modems ignore commands until then.
	LineState bool
	Interface uint16
	// MaxBytes caps one phonebook's read; 0 means MaxPhonebookBytes.
	MaxBytes int64
}

const (
	// MaxPhonebookBytes caps one phonebook read, which is held in memory
	// whole: 100,000 slots of 300 bytes are 30 MiB, more than any phone's
	// phonebook; past 64 MiB the phone is answering with something else.
	MaxPhonebookBytes int64 = 64 << 20
	// MaxFailedBlocks is how many blocks in a row may fail — every slot
	// refused even one at a time, so nothing came of them — before the
	// read of a phonebook stops: a memory that refuses 5 blocks running
	// is unreadable, and going on costs one command per slot.
	MaxFailedBlocks = 5
)

// MemoryStats are the counts of one phonebook read.
type MemoryStats struct {
	Memory string `json:"memory"`
	// Used and Total are what AT+CPBS? reported; -1 when it did not.
	Used  int `json:"used"`
	Total int `json:"total"`
	// First and Last are the slot range AT+CPBR=? gave (or assumed).
	First int `json:"first"`
	Last  int `json:"last"`
	// Read is the number of entries read; Empty the slots answered with no
	// entry; Failed the slots the phone refused even one at a time.
	Read   int `json:"read"`
	Empty  int `json:"empty"`
	Failed int `json:"failed"`
	// BlocksFailed counts block reads that fell back to one slot at a time.
	BlocksFailed int `json:"blocks_failed"`
	// Stopped says why the read ended before the last slot, when it did
	// and what came before was kept.
	Stopped string `json:"stopped,omitempty"`
}

// String is the reconciliation a report prints.
func (s MemoryStats) String() string {
	out := fmt.Sprintf("%s: phone reports %d used, read %d", s.Memory, s.Used, s.Read)
	if s.Used < 0 {
		out = fmt.Sprintf("%s: phone reports no count, read %d", s.Memory, s.Read)
	}
	if s.Failed > 0 {
		out += fmt.Sprintf(", %d slots refused", s.Failed)
	}
	if s.Stopped != "" {
		out += "; stopped early: " + s.Stopped
	}
	return out
}

// Handset reads a phone's AT phonebooks. Each memory is one item whose
// bytes are the phone's +CPBR replies exactly as they came, each preceded
// by the command that asked for it.
type Handset struct {
	c        *Client
	link     device.Link
	opt      Options
	info     device.Info
	memories []string // offered and wanted
	stats    map[string]*MemoryStats
}

var _ device.Handset = (*Handset)(nil)
var _ device.BatteryReader = (*Handset)(nil)

// Open takes over link (the Handset's Close closes it; on error the caller
// still owns it), resets the modem (ATZ, ATE0), reads its identity and battery and
// negotiates the charset.
func Open(ctx context.Context, link device.Link, opt Options) (*Handset, error) {
	if opt.BlockSize <= 0 {
		opt.BlockSize = 20
	}
	if opt.Memories == nil {
		opt.Memories = []string{"SM", "ME"}
	}
	if opt.LineState {
		_, _ = link.Control(ctx, 0x21, 0x22, 0x0003, opt.Interface, nil)
	}
	h := &Handset{c: NewClient(link, opt.Client), link: link, opt: opt, stats: map[string]*MemoryStats{},
		info: device.Info{Protocol: "at", Battery: -1, Location: opt.Location}}
	c := h.c
	// A modem left mid-line by another program: one empty command clears it.
	if _, err := c.Do(ctx, "AT"); err != nil && !IsCommandError(err) {
		return nil, fmt.Errorf("at: the modem does not answer: %w", err)
	}
	for _, cmd := range []string{"ATZ", "ATE0", "AT+CMEE=1"} {
		if _, err := c.Do(ctx, cmd); err != nil && !IsCommandError(err) {
			return nil, err
		}
	}
	ident := func(cmd, prefix string) (string, error) {
		r, err := c.Do(ctx, cmd)
		if err != nil {
			if IsCommandError(err) {
				return "", nil
			}
			return "", err
		}
		v, _ := value(r, prefix)
		if v == "" {
			v, _ = value(r, "")
		}
		return strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(v, prefix), "IMEI")), nil
	}
	var err error
	if h.info.Maker, err = ident("AT+CGMI", "+CGMI:"); err != nil {
		return nil, err
	}
	if h.info.Model, err = ident("AT+CGMM", "+CGMM:"); err != nil {
		return nil, err
	}
	if h.info.Firmware, err = ident("AT+CGMR", "+CGMR:"); err != nil {
		return nil, err
	}
	if h.info.Serial, err = ident("AT+CGSN", "+CGSN:"); err != nil {
		return nil, err
	}
	if b, err := h.Battery(ctx); err == nil {
		h.info.Battery = b
	} else if !IsCommandError(err) && !errors.Is(err, device.ErrProtocol) {
		return nil, err
	}
	if err := c.NegotiateCharset(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

// Battery reads AT+CBC: "+CBC: <bcs>,<bcl>", the charge in percent.
func (h *Handset) Battery(ctx context.Context) (int, error) {
	r, err := h.c.Do(ctx, "AT+CBC")
	if err != nil {
		return -1, err
	}
	v, ok := rawValue(r, "+CBC:")
	if !ok {
		return -1, fmt.Errorf("at: +CBC reply without a value: %w", ErrMalformed)
	}
	f, _ := Fields("+CBC:" + v)
	if len(f) < 2 {
		return -1, fmt.Errorf("at: +CBC: %q: %w", trunc(v), ErrMalformed)
	}
	n, err := strconv.Atoi(strings.TrimSpace(f[1]))
	if err != nil || n < 0 || n > 100 {
		return -1, fmt.Errorf("at: +CBC charge %q: %w", trunc(f[1]), ErrMalformed)
	}
	return n, nil
}

// Info returns the modem's identity.
func (h *Handset) Info() device.Info { return h.info }

// Client is the underlying command channel, for tests and diagnostics.
func (h *Handset) Client() *Client { return h.c }

// Stats returns the counts of every memory opened so far.
func (h *Handset) Stats() []MemoryStats {
	var out []MemoryStats
	for _, m := range h.opt.Memories {
		if s, ok := h.stats[m]; ok {
			out = append(out, *s)
		}
	}
	return out
}

// Warnings are the reconciliations worth showing a user: memories where
// the phone's count and what was read differ, or slots were refused.
func (h *Handset) Warnings() []string {
	var w []string
	for _, s := range h.Stats() {
		if (s.Used >= 0 && s.Used != s.Read) || s.Failed > 0 || s.Stopped != "" {
			w = append(w, "at: "+s.String())
		}
	}
	return w
}

// Format is the media type of a memory read in charset.
func Format(charset, memory string) string {
	return fmt.Sprintf("text/x-at-phonebook;charset=%s;memory=%s", charset, memory)
}

// selectMemory makes mem current and returns its used and total counts
// (-1 when not reported).
func (h *Handset) selectMemory(ctx context.Context, mem string) (used, total int, err error) {
	q, err := h.c.Quote(mem)
	if err != nil {
		return -1, -1, err
	}
	if _, err := h.c.Do(ctx, "AT+CPBS="+q); err != nil {
		return -1, -1, err
	}
	used, total = -1, -1
	r, err := h.c.Do(ctx, "AT+CPBS?")
	if err != nil {
		if IsCommandError(err) {
			return used, total, nil
		}
		return used, total, err
	}
	if v, ok := rawValue(r, "+CPBS:"); ok {
		f, _ := Fields("+CPBS:" + v)
		if len(f) >= 3 {
			if n, err := strconv.Atoi(strings.TrimSpace(f[1])); err == nil {
				used = n
			}
			if n, err := strconv.Atoi(strings.TrimSpace(f[2])); err == nil {
				total = n
			}
		}
	}
	return used, total, nil
}

// List returns one contact item per wanted phonebook the phone offers
// (AT+CPBS=?), ID the memory name ("SM", "ME").
func (h *Handset) List(ctx context.Context, kinds ...device.Kind) ([]device.Item, error) {
	want := len(kinds) == 0
	for _, k := range kinds {
		want = want || k == device.KindContact
	}
	if !want {
		return nil, nil
	}
	if h.memories == nil {
		offered := map[string]bool{}
		r, err := h.c.Do(ctx, "AT+CPBS=?")
		switch {
		case err == nil:
			v, _ := rawValue(r, "+CPBS:")
			for _, m := range quotedList(v) {
				offered[strings.ToUpper(h.c.Unquote(m))] = true
			}
		case !IsCommandError(err):
			return nil, err
		}
		h.memories = []string{}
		for _, m := range h.opt.Memories {
			if len(offered) == 0 || offered[m] {
				h.memories = append(h.memories, m)
			}
		}
	}
	var items []device.Item
	for _, m := range h.memories {
		if _, _, err := h.selectMemory(ctx, m); err != nil {
			if IsCommandError(err) {
				continue // offered but not selectable (no SIM)
			}
			return items, err
		}
		items = append(items, device.Item{Kind: device.KindContact, ID: m, Name: m + ".atpb", Folder: "",
			Size: -1, Format: Format(h.c.Charset, m)})
	}
	return items, nil
}

// Open reads a whole phonebook: AT+CPBR=? for its range, then blocks of
// BlockSize slots; a block the phone refuses is read again one slot at a
// time, and slots refused even then are skipped and counted. The bytes
// are every successful read command followed by its reply as it came.
func (h *Handset) Open(ctx context.Context, it device.Item) (io.ReadCloser, error) {
	mem := it.ID
	if !h.wanted(mem) {
		return nil, fmt.Errorf("at: %q is not a phonebook sk-rescue lists", it.ID)
	}
	used, total, err := h.selectMemory(ctx, mem)
	if err != nil {
		return nil, err
	}
	st := &MemoryStats{Memory: mem, Used: used, Total: total, First: 1, Last: total}
	h.stats[mem] = st
	if r, err := h.c.Do(ctx, "AT+CPBR=?"); err == nil {
		if v, ok := rawValue(r, "+CPBR:"); ok {
			if a, b, ok := parseRange(v); ok {
				st.First, st.Last = a, b
			}
		}
	} else if !IsCommandError(err) {
		return nil, err
	}
	if st.Last < st.First {
		return nil, fmt.Errorf("at: %s: the phone gives no slot range (AT+CPBR=? and AT+CPBS? failed)", mem)
	}
	if st.Last-st.First >= 100000 {
		return nil, fmt.Errorf("at: %s: implausible slot range %d-%d: %w", mem, st.First, st.Last, device.ErrProtocol)
	}
	maxBytes := h.opt.MaxBytes
	if maxBytes <= 0 {
		maxBytes = MaxPhonebookBytes
	}
	var out bytes.Buffer
	// done is the slots answered so far, for errors that end the read.
	done := 0
	stop := func(why string, err error) error {
		return fmt.Errorf("at: reading %s: %s after %d of %d slots (%d entries); nothing of it is kept: %w",
			mem, why, done, st.Last-st.First+1, st.Read, err)
	}
	// end ends the read early but keeps what came: the entries read so far
	// are the phone's real data, and a phone whose battery is dying may
	// never answer again. Without an entry there is nothing to keep.
	end := func(why string, err error) (io.ReadCloser, error) {
		if st.Read == 0 {
			return nil, stop(why, err)
		}
		st.Stopped = fmt.Sprintf("%s after %d of %d slots", why, done, st.Last-st.First+1)
		return &partialReader{Reader: bytes.NewReader(out.Bytes()),
			why: fmt.Errorf("at: reading %s: %s: %w", mem, st.Stopped, err)}, nil
	}
	add := func(cmd string, r Reply) error {
		if int64(out.Len()+len(cmd)+1+len(r.Raw)) > maxBytes {
			return stop(fmt.Sprintf("the replies pass %d bytes", maxBytes), device.ErrProtocol)
		}
		writeRead(&out, cmd, r)
		return nil
	}
	failedRun := 0 // blocks in a row that gave nothing but refusals
	block := h.opt.BlockSize
	for a := st.First; a <= st.Last; a += block {
		b := min(a+block-1, st.Last)
		cmd := fmt.Sprintf("AT+CPBR=%d,%d", a, b)
		if a == b {
			cmd = fmt.Sprintf("AT+CPBR=%d", a)
		}
		r, err := h.c.do(ctx, cmd, 4*h.c.opt.Timeout)
		if err == nil {
			st.Read += countEntries(r)
			if err := add(cmd, r); err != nil {
				return nil, err
			}
			done += b - a + 1
			failedRun = 0
			continue
		}
		if !IsCommandError(err) {
			return end(fmt.Sprintf("no answer (%v)", err), err)
		}
		failedBefore := st.Failed
		if a == b {
			h.slotFailed(st, err)
		} else {
			st.BlocksFailed++
			for i := a; i <= b; i++ {
				cmd := fmt.Sprintf("AT+CPBR=%d", i)
				r, err := h.c.Do(ctx, cmd)
				switch {
				case err == nil:
					n := countEntries(r)
					if n == 0 {
						st.Empty++
					}
					st.Read += n
					if err := add(cmd, r); err != nil {
						return nil, err
					}
				case IsCommandError(err):
					h.slotFailed(st, err)
				default:
					return end(fmt.Sprintf("no answer (%v)", err), err)
				}
				done++
			}
		}
		if a == b {
			done++
		}
		if st.Failed-failedBefore < b-a+1 {
			failedRun = 0
			continue
		}
		failedRun++
		if failedRun >= MaxFailedBlocks {
			return end(fmt.Sprintf("the phone refused %d blocks in a row (last: %v)", failedRun, err), device.ErrProtocol)
		}
	}
	return io.NopCloser(bytes.NewReader(out.Bytes())), nil
}

// partialReader is a phonebook read that ended early: its bytes are what
// the phone answered before, and Incomplete says why the rest is missing
// (recovery keeps the bytes and marks the item partial).
type partialReader struct {
	*bytes.Reader
	why error
}

// Close does nothing: the bytes are in memory.
func (p *partialReader) Close() error { return nil }

// Incomplete says why the read ended before the phonebook's last slot.
func (p *partialReader) Incomplete() error { return p.why }

// slotFailed counts a refused slot: "not found" (CME 22) and "invalid
// index" (CME 21) are empty slots, anything else a failure.
func (h *Handset) slotFailed(st *MemoryStats, err error) {
	if ce, ok := err.(*CommandError); ok && (ce.CME() == 22 || ce.CME() == 21) {
		st.Empty++
		return
	}
	st.Failed++
}

func (h *Handset) wanted(mem string) bool {
	for _, m := range h.opt.Memories {
		if m == mem {
			return true
		}
	}
	return false
}

func countEntries(r Reply) int {
	n := 0
	for _, l := range r.Lines {
		if strings.HasPrefix(l, "+CPBR:") {
			n++
		}
	}
	return n
}

// writeRead appends one read to the archive: the command as sent, then
// the reply bytes as received (which begin with the echo when it is on).
func writeRead(out *bytes.Buffer, cmd string, r Reply) {
	if !bytes.HasPrefix(r.Raw, []byte(cmd)) {
		out.WriteString(cmd + "\r")
	}
	out.Write(r.Raw)
}

// parseRange reads "(1-250),40,14" → 1, 250.
func parseRange(v string) (int, int, bool) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '('); i >= 0 {
		v = v[i+1:]
	}
	if j := strings.IndexByte(v, ')'); j >= 0 {
		v = v[:j]
	}
	lo, hi, ok := strings.Cut(v, "-")
	if !ok {
		return 0, 0, false
	}
	a, err1 := strconv.Atoi(strings.TrimSpace(lo))
	b, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil || a < 0 || b < a {
		return 0, 0, false
	}
	return a, b, true
}

// Close ends the session and closes the link; the modem is left as it was found apart from
// its charset, which ATZ at the next open resets.
func (h *Handset) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if h.c.broken == nil {
		_, _ = h.c.Do(ctx, "ATZ")
	}
	return h.link.Close()
}

// Source names the data an item holds, for device/composite: "contact:sim"
// for SM, "contact:phone" for ME (which IrMC's phonebook also covers),
// "contact:" and the memory otherwise.
func Source(it device.Item) string {
	switch it.ID {
	case "SM":
		return "contact:sim"
	case "ME":
		return "contact:phone"
	}
	return "contact:" + strings.ToLower(it.ID)
}
