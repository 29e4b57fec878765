package obex

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

// Options tune Open. The zero value is the default.
type Options struct {
	Client ClientOptions
	// Location is copied to Info.Location ("usb:1:7", "sim:featurephone").
	Location string
	// NoIrMC and NoFolderBrowsing skip a service.
	NoIrMC, NoFolderBrowsing bool
	// MaxDepth bounds the folder walk; 0 means 12.
	MaxDepth int
	// MaxFolders bounds how many folders the walk lists; 0 means 4096.
	MaxFolders int
}

// IrMC objects: the level-2 bulk stores and their per-entry fallbacks.
type store struct {
	kind   device.Kind
	bulk   string   // telecom/pb.vcf
	alt    []string // other names phones use for the bulk object
	dir    string   // telecom/pb
	ext    string   // .vcf
	format string
	devkey string // devinfo.txt key announcing the store ("PB-TYPE-TX")
}

var stores = []store{
	{device.KindContact, "telecom/pb.vcf", nil, "telecom/pb", ".vcf", "text/x-vcard", "PB-TYPE-TX"},
	{device.KindEvent, "telecom/cal.vcs", nil, "telecom/cal", ".vcs", "text/x-vcalendar", "CAL-TYPE-TX"},
	// gammu asks for nt.vcf, IrMC names nt.vnt: try both.
	{device.KindNote, "telecom/nt.vnt", []string{"telecom/nt.vcf"}, "telecom/nt", ".vnt", "text/x-vnote", "NOTE-TYPE-TX"},
}

// Limits on the small IrMC text objects.
const maxInfoBytes = 64 << 10

// Handset reads a phone's OBEX function: IrMC sync for contacts, calendar
// and notes, Folder Browsing for photos and files. It switches the one
// OBEX session between the two services as needed.
type Handset struct {
	c        *Client
	link     device.Link
	opt      Options
	info     device.Info
	hasIrMC  bool
	hasFBS   bool
	devinfo  map[string]string
	logs     map[string]map[string]string // store dir → info.log fields
	cwd      []string
	cwdKnown bool
	stats    Stats
}

var _ device.Handset = (*Handset)(nil)

// Stats are what a Handset did, for reports and tests.
type Stats struct {
	// Fallbacks lists the bulk objects refused and read entry by entry.
	Fallbacks []string
	// EntriesRead, EntriesMissing count the per-entry fallback's reads
	// and the indexes the phone had nothing at.
	EntriesRead, EntriesMissing int
	// SkippedNames counts listing entries with unusable names.
	SkippedNames int
}

// Open starts an OBEX session on link, which the Handset then owns (its
// Close closes it; on error the caller still owns it): IrMC sync first (reading
// telecom/devinfo.txt and telecom/pb/info.log), folder browsing when IrMC
// is refused. It fails only when neither service answers.
func Open(ctx context.Context, link device.Link, opt Options) (*Handset, error) {
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = 12
	}
	if opt.MaxFolders <= 0 {
		opt.MaxFolders = 4096
	}
	h := &Handset{c: NewClient(link, opt.Client), link: link, opt: opt, logs: map[string]map[string]string{},
		info: device.Info{Protocol: "obex", Battery: -1, Location: opt.Location}}
	var irmcErr, fbsErr error
	if !opt.NoIrMC {
		if irmcErr = h.c.Connect(ctx, TargetIrMC); irmcErr == nil {
			h.hasIrMC = true
			if b, err := h.c.GetBytes(ctx, "telecom/devinfo.txt", "", maxInfoBytes); err == nil {
				h.devinfo = parseFields(b)
			} else if !IsResponse(err) {
				return nil, err
			}
			if _, err := h.infoLog(ctx, "telecom/pb"); err != nil && !IsResponse(err) {
				return nil, err
			}
		} else if !IsResponse(irmcErr) {
			return nil, irmcErr
		}
	}
	if !h.hasIrMC && !opt.NoFolderBrowsing {
		if fbsErr = h.c.Connect(ctx, TargetFolderBrowsing); fbsErr == nil {
			h.hasFBS = true
		} else if !IsResponse(fbsErr) {
			return nil, fbsErr
		}
	} else if !opt.NoFolderBrowsing {
		h.hasFBS = true // tried when photos are listed
	}
	if !h.hasIrMC && !h.hasFBS {
		return nil, fmt.Errorf("obex: phone offers neither IrMC sync (%v) nor folder browsing (%v): %w", irmcErr, fbsErr, device.ErrNotFound)
	}
	h.info.Maker = h.devinfo["MANU"]
	h.info.Model = h.devinfo["MOD"]
	h.info.Serial = h.devinfo["SN"]
	h.info.Firmware = h.devinfo["SW-VERSION"]
	return h, nil
}

// parseFields reads "KEY:value" lines (devinfo.txt, info.log).
func parseFields(b []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 4096), maxInfoBytes)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		if _, dup := m[k]; !dup {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// infoLog reads dir/info.log once per session.
func (h *Handset) infoLog(ctx context.Context, dir string) (map[string]string, error) {
	if m, ok := h.logs[dir]; ok {
		return m, nil
	}
	if err := h.use(ctx, TargetIrMC); err != nil {
		return nil, err
	}
	b, err := h.c.GetBytes(ctx, dir+"/info.log", "", maxInfoBytes)
	m := map[string]string{}
	if err == nil {
		m = parseFields(b)
	}
	if err == nil || IsResponse(err) {
		h.logs[dir] = m
	}
	return m, err
}

// Info returns what the phone said about itself.
func (h *Handset) Info() device.Info { return h.info }

// Stats returns what the handset did so far.
func (h *Handset) Stats() Stats { return h.stats }

// Client is the underlying session, for tests and diagnostics.
func (h *Handset) Client() *Client { return h.c }

// use switches the session to target, reconnecting when it is broken.
func (h *Handset) use(ctx context.Context, target []byte) error {
	if h.c.Broken() == nil && bytes.Equal(h.c.Target(), target) {
		return nil
	}
	if h.c.Broken() == nil && h.c.Target() != nil {
		_ = h.c.Disconnect(ctx)
	}
	h.cwdKnown = false
	if h.c.Broken() != nil {
		h.c.target = target
		return h.c.Reconnect(ctx)
	}
	return h.c.Connect(ctx, target)
}

func wants(kinds []device.Kind, k ...device.Kind) bool {
	if len(kinds) == 0 {
		return true
	}
	for _, w := range kinds {
		for _, x := range k {
			if w == x {
				return true
			}
		}
	}
	return false
}

// List returns the IrMC stores for contacts, calendar (events and to-dos
// in one object, listed once as an event item, or a to-do item when only
// to-dos are asked for) and notes, then the photos (and, when asked for,
// the other files) found by folder browsing.
func (h *Handset) List(ctx context.Context, kinds ...device.Kind) ([]device.Item, error) {
	var items []device.Item
	if h.hasIrMC {
		for _, s := range stores {
			k := s.kind
			switch {
			case k == device.KindEvent && !wants(kinds, device.KindEvent) && wants(kinds, device.KindTodo):
				k = device.KindTodo
			case !wants(kinds, k):
				continue
			}
			if h.devinfo != nil && h.announced() && h.devinfo[s.devkey] == "" {
				continue
			}
			items = append(items, device.Item{Kind: k, ID: s.bulk, Name: path.Base(s.bulk), Folder: path.Dir(s.bulk),
				Size: -1, Format: s.format})
		}
	}
	if h.hasFBS && wants(kinds, device.KindPhoto, device.KindFile) {
		files, err := h.walk(ctx, wants(kinds, device.KindFile) && len(kinds) > 0, wants(kinds, device.KindPhoto))
		if err != nil {
			if IsResponse(err) && len(items) > 0 {
				return items, nil // no folder browsing on this phone
			}
			return items, err
		}
		items = append(items, files...)
	}
	return items, nil
}

// announced reports whether devinfo.txt names its stores at all.
func (h *Handset) announced() bool {
	for _, s := range stores {
		if h.devinfo[s.devkey] != "" {
			return true
		}
	}
	return false
}

// Open streams one object. An IrMC bulk object the phone refuses is read
// entry by entry instead (telecom/pb/1.vcf, 2.vcf, … as info.log counts
// them); the stream is then those entries' bytes one after another.
func (h *Handset) Open(ctx context.Context, it device.Item) (io.ReadCloser, error) {
	if strings.HasPrefix(it.ID, "telecom/") {
		return h.openIrMC(ctx, it)
	}
	return h.openFile(ctx, it)
}

func (h *Handset) openIrMC(ctx context.Context, it device.Item) (io.ReadCloser, error) {
	var s *store
	for i := range stores {
		if stores[i].bulk == it.ID {
			s = &stores[i]
		}
	}
	if s == nil {
		return nil, fmt.Errorf("obex: %q is not an IrMC object sk-rescue lists", it.ID)
	}
	if err := h.use(ctx, TargetIrMC); err != nil {
		return nil, err
	}
	var first error
	for _, name := range append([]string{s.bulk}, s.alt...) {
		g, err := h.c.GetLimited(ctx, name, "", MaxIrMCBytes)
		if err == nil {
			return g, nil
		}
		if !IsResponse(err) {
			return nil, err
		}
		if first == nil {
			first = err
		}
	}
	h.stats.Fallbacks = append(h.stats.Fallbacks, s.bulk)
	log, err := h.infoLog(ctx, s.dir)
	if err != nil && !IsResponse(err) {
		return nil, err
	}
	return &entryReader{h: h, ctx: ctx, s: s, bulkErr: first, total: atoi(log["TOTAL-RECORDS"]), max: atoi(log["MAXIMUM-RECORDS"])}, nil
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// entryReader reads an IrMC store one static index at a time.
type entryReader struct {
	h          *Handset
	ctx        context.Context
	s          *store
	bulkErr    error
	total, max int // from info.log, -1 when unknown
	next       int
	found      int
	misses     int // in a row
	refused    int // in a row
	buf        []byte
	err        error
}

// Bounds of the per-entry walk when info.log does not give one.
const (
	maxEntryIndex   = 10000
	maxMissesInRow  = 200
	maxRefusedInRow = 20
	maxEntryBytes   = 4 << 20
)

func (r *entryReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.finished() {
			if r.found == 0 {
				r.err = fmt.Errorf("obex: %s refused (%v) and no entry could be read one by one", r.s.bulk, r.bulkErr)
				return 0, r.err
			}
			r.err = io.EOF
			return 0, io.EOF
		}
		r.next++
		name := fmt.Sprintf("%s/%d%s", r.s.dir, r.next, r.s.ext)
		b, err := r.h.c.GetBytes(r.ctx, name, "", maxEntryBytes)
		switch {
		case err == nil:
			r.found++
			r.misses, r.refused = 0, 0
			r.h.stats.EntriesRead++
			if len(b) > 0 && b[len(b)-1] != '\n' {
				b = append(b, '\r', '\n')
			}
			r.buf = b
		case IsResponse(err, RespNotFound):
			r.misses++
			r.h.stats.EntriesMissing++
		case IsResponse(err):
			r.refused++
			r.h.stats.EntriesMissing++
			if r.refused >= maxRefusedInRow {
				r.err = fmt.Errorf("obex: %s refused (%v), and %d entries in a row too: %w", r.s.bulk, r.bulkErr, r.refused, err)
			}
		default:
			r.err = fmt.Errorf("obex: reading %s entry by entry: %w", r.s.bulk, err)
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *entryReader) finished() bool {
	if r.total >= 0 && r.found >= r.total {
		return true
	}
	limit := maxEntryIndex
	if r.max > 0 {
		limit = min(r.max, limit)
	}
	if r.next >= limit {
		return true
	}
	return r.total < 0 && r.misses >= maxMissesInRow
}

func (r *entryReader) Close() error { return nil }

// Close ends the session and closes the link, which Open took over.
func (h *Handset) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = h.c.Disconnect(ctx)
	return h.link.Close()
}

// Source names the data an item holds, for device/composite: the IrMC
// phonebook is the phone memory ("contact:phone"), the calendar store
// "calendar", notes "note", folder-browsing files "photo" or "file".
func Source(it device.Item) string {
	switch it.ID {
	case "telecom/pb.vcf":
		return "contact:phone"
	case "telecom/cal.vcs":
		return "calendar"
	case "telecom/nt.vnt":
		return "note"
	}
	return string(it.Kind)
}
