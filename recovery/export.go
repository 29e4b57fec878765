package recovery

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

// journalName is where an export records each raw item as soon as it is
// safely on disk, so an interrupted run resumes without fetching it again.
// It is removed once manifest.json is written.
const journalName = ".sk-rescue-journal"

// Options steer an export.
type Options struct {
	// Out is the output folder; created if missing. A folder holding an
	// earlier export of the same handset is resumed.
	Out string
	// Kinds to export; all when empty.
	Kinds []device.Kind
	// VCardVersion is "3.0" (default) or "4.0".
	VCardVersion string
	// Reporter receives progress; none when nil.
	Reporter Reporter
	// ToolVersion is written into the manifest.
	ToolVersion string
	// BatteryEvery is how often a handset's charge is re-read while
	// fetching (default 30 s; each read is one round trip).
	BatteryEvery time.Duration
}

// ItemReport names an item that was kept raw or failed, and why.
type ItemReport struct {
	Kind   device.Kind `json:"kind"`
	ID     string      `json:"id"`
	Name   string      `json:"name"`
	Raw    string      `json:"raw,omitempty"`
	Reason string      `json:"reason"`
}

// Summary is the result of an export; with --json it is printed as is.
type Summary struct {
	Device device.Info `json:"device"`
	Out    string      `json:"out"`
	// Counts are records per kind; every kind is present.
	Counts map[device.Kind]int `json:"counts"`
	// Items is the number of raw objects listed; Fetched were read in this
	// run, Resumed were already in the folder.
	Items   int   `json:"items"`
	Fetched int   `json:"fetched"`
	Resumed int   `json:"resumed"`
	Bytes   int64 `json:"bytes"`
	// KeptRaw are items with records that could not be converted: their raw
	// bytes are in the folder. Failed are items that could not be read.
	// Partial are items the handset stopped sending partway: what came is
	// kept and converted, the rest is missing.
	KeptRaw  []ItemReport `json:"kept_raw"`
	Failed   []ItemReport `json:"failed"`
	Partial  []ItemReport `json:"partial"`
	Warnings []string     `json:"warnings"`
}

// ExitCode is 0 when everything was rescued and converted, 2 when some items
// were kept raw, failed or read only in part.
func (s *Summary) ExitCode() int {
	if len(s.KeptRaw) > 0 || len(s.Failed) > 0 || len(s.Partial) > 0 {
		return 2
	}
	return 0
}

// journalEntry is one line of the journal: an item whose raw bytes are on
// disk, with all the handset said of it, so a later run can keep it in the
// manifest even when it does not list it again.
type journalEntry struct {
	Item     device.Item `json:"item"`
	Raw      string      `json:"raw"`
	SHA256   string      `json:"sha256"`
	RawSize  int64       `json:"raw_size"`
	Warnings []string    `json:"warnings,omitempty"`
	// Partial says why the handset stopped partway through the object; such
	// an entry is never resumed from, the next run reads the object again.
	Partial string `json:"partial,omitempty"`
}

func itemKey(k device.Kind, id string) string { return string(k) + "\x00" + id }

// Export reads every item of the requested kinds off h into opt.Out, converts
// what can be converted, and writes the manifest last.
//
// A bad item (one that cannot be read, or whose records cannot be
// converted) is reported in the Summary and the export goes on. A lost
// handset or a cancelled ctx ends the export with an error; what was fetched
// so far stays in the folder and the next Export into it resumes.
func Export(ctx context.Context, h device.Handset, opt Options) (*Summary, error) {
	if opt.Out == "" {
		return nil, errors.New("recovery: no output folder given")
	}
	if opt.VCardVersion == "" {
		opt.VCardVersion = "3.0"
	}
	if opt.VCardVersion != "3.0" && opt.VCardVersion != "4.0" {
		return nil, fmt.Errorf("recovery: vCard version %q: use 3.0 or 4.0", opt.VCardVersion)
	}
	if opt.Reporter == nil {
		opt.Reporter = nopReporter{}
	}
	if opt.BatteryEvery == 0 {
		opt.BatteryEvery = 30 * time.Second
	}
	kinds := opt.Kinds
	if len(kinds) == 0 {
		kinds = device.Kinds
	}

	a, err := openArchive(opt.Out)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	if err := a.removeTemps(); err != nil {
		return nil, err
	}
	prev, old := loadPrevious(a)

	info := h.Info()
	e := &exporter{
		a: a, h: h, opt: opt, info: info, prev: prev, old: old,
		battery: info.Battery,
		writers: make(chan struct{}, writers),
		sum: &Summary{
			Device: info, Out: opt.Out, Counts: map[device.Kind]int{},
			KeptRaw: []ItemReport{}, Failed: []ItemReport{}, Partial: []ItemReport{}, Warnings: []string{},
		},
	}
	for _, k := range device.Kinds {
		e.sum.Counts[k] = 0
	}

	e.report(Event{Stage: StageList})
	items, err := h.List(ctx, kinds...)
	if err != nil {
		return nil, fmt.Errorf("recovery: list handset: %w", err)
	}
	if len(items) == 0 {
		msg := "the handset listed nothing to rescue: if it holds data, unlock it, choose \"File transfer\" on its USB prompt and run the export again"
		e.sum.Warnings = append(e.sum.Warnings, msg)
		e.report(Event{Stage: StageList, Warning: msg})
	}
	e.plan(items)

	jf, err := a.root.OpenFile(journalName, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("recovery: open journal: %w", err)
	}
	e.journal = jf
	defer jf.Close()

	if err := e.fetchAll(ctx); err != nil {
		return e.sum, err
	}
	if w, ok := h.(device.Warner); ok {
		for _, msg := range w.Warnings() {
			e.sum.Warnings = append(e.sum.Warnings, "handset: "+msg)
			e.report(Event{Stage: StageFetch, Warning: msg})
		}
	}
	if err := e.convertAll(); err != nil {
		return e.sum, err
	}
	if err := e.writeManifest(); err != nil {
		return e.sum, err
	}
	jf.Close()
	if err := a.remove(journalName); err != nil {
		return e.sum, fmt.Errorf("recovery: remove journal: %w", err)
	}
	e.report(Event{Stage: StageDone, Done: len(e.items), Total: len(e.items)})
	return e.sum, nil
}

type exporter struct {
	a       *archive
	h       device.Handset
	opt     Options
	info    device.Info
	prev    map[string]journalEntry
	old     *Manifest // the manifest of an earlier finished run, or nil
	journal *os.File

	items   []ManItem
	total   int64 // sum of known sizes
	kindTot map[device.Kind]kindProgress
	kindNow map[device.Kind]kindProgress
	done    int
	bytes   int64
	battery int

	// Background writers (see fetch): wg counts them, writers bounds
	// them, mu guards what they hand back.
	wg              sync.WaitGroup
	writers         chan struct{}
	mu              sync.Mutex
	pending         []*staged
	pendingJournal  []journalEntry
	writeErr        error
	sinceFlush      int
	bytesSinceFlush int64
	lastFlush       time.Time

	sum      *Summary
	combined []Output
}

type kindProgress struct {
	items int
	bytes int64
}

func (e *exporter) report(ev Event) {
	ev.Battery = e.battery
	e.opt.Reporter.Report(ev)
}

// plan assigns every listed item its raw path. Paths depend only on the
// listing, so a rerun against the same handset assigns the same ones.
//
// Items an earlier run archived (finished, in the manifest, or interrupted,
// in the journal) that this listing lacks — the user asked for fewer kinds
// this time, or the handset lost them — are carried over with their raw
// bytes and keep their paths: nothing once rescued leaves the folder or the
// manifest, and no new item may take a path one of them holds.
func (e *exporter) plan(items []device.Item) {
	paths := newPathPlan()
	carried := map[string]string{} // item key → the raw path it keeps
	e.kindTot = map[device.Kind]kindProgress{}
	e.kindNow = map[device.Kind]kindProgress{}
	listed := map[string]bool{}
	for _, it := range items {
		listed[itemKey(it.Kind, it.ID)] = true
	}
	var old []journalEntry
	for key, je := range e.prev {
		if !listed[key] {
			old = append(old, je)
		}
	}
	sort.Slice(old, func(i, j int) bool { return old[i].Raw < old[j].Raw })
	for _, je := range old {
		paths.reserve(je.Raw)
		carried[itemKey(je.Item.Kind, je.Item.ID)] = je.Raw
		items = append(items, je.Item)
	}
	for _, it := range items {
		var rel string
		switch it.Kind {
		case device.KindPhoto, device.KindFile:
			top := "photos"
			if it.Kind == device.KindFile {
				top = "files"
			}
			rel = path.Join(top, safeFolder(it.Folder, 32), safeName(it.Name))
		default:
			rel = path.Join("raw", string(it.Kind)+"s", safeName(it.Name))
		}
		if p, ok := carried[itemKey(it.Kind, it.ID)]; ok {
			rel = p
		} else {
			rel = paths.place(rel)
		}
		e.items = append(e.items, ManItem{Item: it, Raw: rel})
		kp := e.kindTot[it.Kind]
		kp.items++
		if it.Size > 0 {
			e.total += it.Size
			kp.bytes += it.Size
		}
		e.kindTot[it.Kind] = kp
	}
	e.sum.Items = len(items)
}

// pathPlan hands out archive paths so that no two items share one and no
// file takes a path another item needs as a folder (a photo named "DCIM"
// beside a folder "DCIM"). Comparison is case-insensitive, because the
// folder may live on a case-insensitive filesystem (an SD card, macOS).
type pathPlan struct {
	files   map[string]bool   // lower-cased paths of files
	dirs    map[string]bool   // lower-cased paths of folders
	renamed map[string]string // lower-cased folder path → the path it got instead
}

func newPathPlan() *pathPlan {
	return &pathPlan{files: map[string]bool{}, dirs: map[string]bool{}, renamed: map[string]string{}}
}

// reserve claims rel as it is (an item carried over from an earlier run).
func (pp *pathPlan) reserve(rel string) {
	pp.files[strings.ToLower(rel)] = true
	for d := path.Dir(rel); d != "." && d != "/"; d = path.Dir(d) {
		pp.dirs[strings.ToLower(d)] = true
	}
}

// place returns rel, or rel with a folder or its name changed to "~2",
// "~3", … where an earlier item took the path for something else.
func (pp *pathPlan) place(rel string) string {
	parts := strings.Split(rel, "/")
	built := parts[0]
	for _, part := range parts[1 : len(parts)-1] {
		next := built + "/" + part
		low := strings.ToLower(next)
		if r, ok := pp.renamed[low]; ok {
			next = r
		} else if pp.files[low] {
			for n := 2; ; n++ {
				c := fmt.Sprintf("%s~%d", next, n)
				if !pp.files[strings.ToLower(c)] {
					pp.renamed[low] = c
					next = c
					break
				}
			}
		}
		built = next
	}
	rel = built + "/" + parts[len(parts)-1]
	ext := path.Ext(rel)
	if len(ext) > 16 {
		ext = ""
	}
	base := strings.TrimSuffix(rel, ext)
	cand := rel
	for n := 2; pp.files[strings.ToLower(cand)] || pp.dirs[strings.ToLower(cand)]; n++ {
		cand = fmt.Sprintf("%s~%d%s", base, n, ext)
	}
	pp.reserve(cand)
	return cand
}

// loadPrevious reads what an earlier run recorded: the manifest of a
// finished run and the journal of an interrupted one.
func loadPrevious(a *archive) (map[string]journalEntry, *Manifest) {
	prev := map[string]journalEntry{}
	m, err := ReadManifest(a.dir)
	if err != nil {
		m = nil
	}
	if m != nil {
		for _, it := range m.Items {
			if it.Status == StatusFailed || it.Status == StatusPartial || it.SHA256 == "" {
				continue
			}
			prev[itemKey(it.Kind, it.ID)] = journalEntry{
				Item: it.Item, Raw: it.Raw, SHA256: it.SHA256, RawSize: it.RawSize, Warnings: fetchWarnings(it.Warnings),
			}
		}
	}
	if f, err := a.root.Open(journalName); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var je journalEntry
			if json.Unmarshal(sc.Bytes(), &je) == nil && je.SHA256 != "" && je.Raw != "" {
				prev[itemKey(je.Item.Kind, je.Item.ID)] = je
			}
			// A torn last line from a crash is simply not trusted.
		}
	}
	return prev, m
}

const fetchWarningPrefix = "fetch: "

func fetchWarnings(ws []string) []string {
	var out []string
	for _, w := range ws {
		if strings.HasPrefix(w, fetchWarningPrefix) {
			out = append(out, w)
		}
	}
	return out
}

// resumable reports whether the raw bytes of it are already in the folder,
// unchanged since they were recorded and from an unchanged handset object.
func (e *exporter) resumable(it *ManItem) (journalEntry, bool) {
	je, ok := e.prev[itemKey(it.Kind, it.ID)]
	if !ok || je.Partial != "" || je.Raw != it.Raw || je.Item.Size != it.Size || !je.Item.Modified.Equal(it.Modified) {
		return je, false
	}
	sum, n, err := e.a.hashFile(it.Raw)
	if err != nil || sum != je.SHA256 || n != je.RawSize {
		return je, false
	}
	return je, true
}

// Batch limits: fetched objects are made durable and journaled together
// when any is reached (see archive.commit).
const (
	batchItems = 128
	batchBytes = 64 << 20
	batchEvery = 2 * time.Second
)

// fetchAll fetches every item not already archived. Whatever way it returns,
// the objects fetched completely are committed and journaled first, so a
// lost handset loses at most the object in flight.
func (e *exporter) fetchAll(ctx context.Context) (err error) {
	e.lastFlush = time.Now()
	defer func() {
		if ferr := e.flush(); ferr != nil && err == nil {
			err = ferr
		}
	}()
	br, canBattery := e.h.(device.BatteryReader)
	lastBattery := time.Now()
	for i := range e.items {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("recovery: export stopped: %w", err)
		}
		it := &e.items[i]
		if canBattery && time.Since(lastBattery) >= e.opt.BatteryEvery {
			if b, err := br.Battery(ctx); err == nil {
				e.battery = b
			}
			lastBattery = time.Now()
		}
		if je, ok := e.resumable(it); ok {
			it.SHA256, it.RawSize, it.Warnings = je.SHA256, je.RawSize, append([]string(nil), je.Warnings...)
			e.sum.Resumed++
			e.advance(it, je.RawSize, true)
			continue
		}
		err := e.fetch(ctx, it)
		var we *writeError
		switch {
		case err == nil:
			e.sum.Fetched++
			if it.Status == StatusPartial {
				reason := it.Errors[len(it.Errors)-1].Error
				e.sum.Partial = append(e.sum.Partial, ItemReport{Kind: it.Kind, ID: it.ID, Name: it.Name, Raw: it.Raw, Reason: reason})
				e.report(Event{Stage: StageFetch, Kind: it.Kind, Item: it.Name, Done: e.done, Total: len(e.items),
					Warning: fmt.Sprintf("%s read only in part, what came is kept: %s", it.Name, reason)})
			}
			e.advance(it, it.RawSize, false)
			if err := e.backgroundError(); err != nil {
				return err
			}
			if e.sinceFlush >= batchItems || e.bytesSinceFlush >= batchBytes || time.Since(e.lastFlush) >= batchEvery {
				if err := e.flush(); err != nil {
					return err
				}
			}
		case errors.As(err, &we):
			// The folder, not the handset, failed (disk full, say):
			// nothing more can be kept, so stop; what is committed
			// resumes.
			return err
		case ctx.Err() != nil:
			return fmt.Errorf("recovery: export stopped: %w", ctx.Err())
		case errors.Is(err, device.ErrDisconnected):
			return fmt.Errorf("recovery: %w; what was read so far is kept: run the same export again to resume", err)
		default:
			it.Status = StatusFailed
			it.Errors = append(it.Errors, ItemError{Record: -1, Error: err.Error()})
			e.sum.Failed = append(e.sum.Failed, ItemReport{Kind: it.Kind, ID: it.ID, Name: it.Name, Reason: err.Error()})
			e.advance(it, 0, false)
			e.report(Event{Stage: StageFetch, Kind: it.Kind, Item: it.Name, Done: e.done, Total: len(e.items),
				Warning: fmt.Sprintf("could not read %s: %v", it.Name, err)})
		}
	}
	return nil
}

func (e *exporter) advance(it *ManItem, n int64, skipped bool) {
	e.done++
	e.bytes += n
	kp := e.kindNow[it.Kind]
	kp.items++
	kp.bytes += n
	e.kindNow[it.Kind] = kp
	e.sum.Bytes += n
	kt := e.kindTot[it.Kind]
	e.report(Event{
		Stage: StageFetch, Kind: it.Kind, Item: it.Name, Skipped: skipped,
		Done: e.done, Total: len(e.items), Bytes: e.bytes, TotalBytes: e.total,
		KindDone: kp.items, KindTotal: kt.items, KindBytes: kp.bytes, KindTotalBytes: kt.bytes,
	})
}

// maxUnknownSize bounds an object whose size the handset did not list; a
// listed size bounds it at that size plus sizeSlack.
const (
	maxUnknownSize = 64 << 30
	sizeSlack      = 1 << 20
)

// errTooLong: the handset sent more than it said the object holds.
var errTooLong = errors.New("the handset sent more bytes than it listed for this object; it is not kept, as it may never end")

// capReader fails once more than n bytes were read, so a hostile or
// confused handset cannot fill the disk through one endless object.
type capReader struct {
	r io.Reader
	n int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n < 0 {
		return 0, errTooLong
	}
	if int64(len(p)) > c.n+1 {
		p = p[:c.n+1]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	if c.n < 0 {
		return n, errTooLong
	}
	return n, err
}

// Objects up to smallObject bytes (contacts, calendar entries, notes) are
// read into memory and written by up to writers background goroutines, so
// the next transfer from the handset starts while the file is created:
// MTP allows one transaction at a time, and a few milliseconds of file
// system work per object would otherwise add up to seconds. Larger objects
// (photos) stream straight to disk.
const (
	smallObject = 1 << 20
	writers     = 4
)

// fetch reads one item off the handset into a staged file; flush commits
// and journals it.
func (e *exporter) fetch(ctx context.Context, it *ManItem) error {
	rc, err := e.h.Open(ctx, it.Item)
	if err != nil {
		return err
	}
	// Asked once all was read, before the bytes are handed to a writer.
	partial := func() {
		if ic, ok := rc.(device.Incompleter); ok {
			if why := ic.Incomplete(); why != nil {
				it.Status = StatusPartial
				it.Errors = append(it.Errors, ItemError{Record: -1, Error: why.Error()})
			}
		}
	}
	limit := int64(maxUnknownSize)
	if it.Size >= 0 {
		limit = it.Size + max(sizeSlack, it.Size/8)
	}
	src := &capReader{r: rc, n: limit}
	if it.Size >= 0 && it.Size <= smallObject {
		data, err := readAllSized(src, it.Size)
		cerr := rc.Close()
		if err != nil {
			return err
		}
		if cerr != nil {
			return cerr
		}
		partial()
		// The SHA-256 is computed by the background writer, not here: on
		// one slow CPU it then runs while the next object is on the wire.
		// Nothing reads it.SHA256 before flush has waited for the writer.
		e.fetched(it, int64(len(data)))
		e.sinceFlush++
		e.bytesSinceFlush += int64(len(data))
		e.writers <- struct{}{}
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			defer func() { <-e.writers }()
			st, err := e.a.stageData(it.Raw, data, sumYielding(data), it.Modified)
			e.staged(it, st, err)
		}()
		return nil
	}
	st, err := e.a.stage(it.Raw, src, it.Modified)
	cerr := rc.Close()
	if err != nil {
		return err
	}
	if cerr != nil {
		e.a.discard([]*staged{st})
		return cerr
	}
	partial()
	e.fetched(it, st.n)
	e.sinceFlush++
	e.bytesSinceFlush += st.n
	e.staged(it, st, nil)
	return nil
}

// sumYielding returns the hex SHA-256 of data, yielding the processor
// every hashChunk bytes. It runs on a background writer while the fetching
// goroutine waits for the handset. Hashed in one go, a photo kept the only
// processor of a small machine for tens of milliseconds (generic SHA-256
// at 15 MB/s in the USB lab's guest): the fetching goroutine, woken by
// its finished transfer, waited for the scheduler to preempt the hash and
// the link idled. Exports in the lab were 17-28 % faster with the yields
// (docs/BENCHMARKS.md, "USB lab").
func sumYielding(data []byte) string {
	h := sha256.New()
	for len(data) > 0 {
		n := min(len(data), hashChunk)
		h.Write(data[:n])
		data = data[n:]
		runtime.Gosched()
	}
	return hex.EncodeToString(h.Sum(nil))
}

// hashChunk is how much sumYielding hashes between yields: a fraction of a
// millisecond in the lab's guest, a few microseconds with SHA instructions.
// 4 KiB measured best of 4, 16 and 64 KiB.
const hashChunk = 4 << 10

// readAllSized is io.ReadAll into a buffer sized for an object the handset
// listed at size bytes, so a photo is read with one allocation instead of
// a dozen doublings. It still reads past size when more comes (capReader
// bounds how much).
func readAllSized(r io.Reader, size int64) ([]byte, error) {
	b := make([]byte, 0, size+1) // +1: the read that sees EOF needs room
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// fetched records the size of what was read of it, on the fetching
// goroutine; staged records its SHA-256.
func (e *exporter) fetched(it *ManItem, n int64) {
	it.RawSize = n
	if it.Size >= 0 && n != it.Size {
		it.Warnings = append(it.Warnings, fmt.Sprintf("%sthe handset listed %d bytes but sent %d", fetchWarningPrefix, it.Size, n))
	}
}

// staged queues a staged file for the next commit; it may run on a
// background writer. A failure to write is kept for fetchAll to stop on.
func (e *exporter) staged(it *ManItem, st *staged, err error) {
	if err == nil && it.Modified.IsZero() && it.Kind == device.KindPhoto {
		if t, ok := photoTime(e.a, st.tmp); ok {
			_ = e.a.root.Chtimes(st.tmp, t, t)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		if e.writeErr == nil {
			e.writeErr = err
		}
		return
	}
	it.SHA256 = st.sum
	e.pending = append(e.pending, st)
	je := journalEntry{Item: it.Item, Raw: it.Raw, SHA256: st.sum, RawSize: st.n, Warnings: it.Warnings}
	if it.Status == StatusPartial {
		je.Partial = it.Errors[len(it.Errors)-1].Error
	}
	e.pendingJournal = append(e.pendingJournal, je)
}

// backgroundError returns the first error of a background writer.
func (e *exporter) backgroundError() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.writeErr
}

// flush waits for the background writers, commits the staged objects and
// only then journals them: the journal never names bytes that are not
// durably on disk.
func (e *exporter) flush() error {
	e.wg.Wait()
	e.lastFlush = time.Now()
	e.sinceFlush, e.bytesSinceFlush = 0, 0
	e.mu.Lock()
	batch, entries, werr := e.pending, e.pendingJournal, e.writeErr
	e.pending, e.pendingJournal = nil, nil
	e.mu.Unlock()
	if err := e.a.commit(batch); err != nil {
		return err
	}
	if len(entries) > 0 {
		var buf []byte
		for _, je := range entries {
			line, _ := json.Marshal(je)
			buf = append(append(buf, line...), '\n')
		}
		if _, err := e.journal.Write(buf); err != nil {
			return fmt.Errorf("recovery: write journal: %w", err)
		}
	}
	return werr
}

// writeManifest writes manifest.json, then removes converted outputs an
// earlier run wrote that this one no longer has (another --vcard, a record
// whose UID changed). Raw bytes are never removed.
func (e *exporter) writeManifest() error {
	m := Manifest{
		Format:   ManifestFormat,
		Tool:     Tool{Name: "sk-rescue", Version: e.opt.ToolVersion},
		Device:   e.info,
		Options:  ManOptions{VCardVersion: e.opt.VCardVersion, Kinds: e.opt.Kinds},
		Counts:   e.sum.Counts,
		Bytes:    e.sum.Bytes,
		Items:    e.items,
		Combined: e.combined,
	}
	// The battery falls during an export; the manifest records the
	// handset, not the moment, so a resumed export writes the same bytes.
	m.Device.Battery = -1
	old := e.old
	e.report(Event{Stage: StageWrite, Item: ManifestName})
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("recovery: encode manifest: %w", err)
	}
	if _, err := e.a.writeFile(ManifestName, append(b, '\n')); err != nil {
		return err
	}
	if old != nil {
		keep := map[string]bool{}
		for _, p := range m.paths() {
			keep[p] = true
		}
		raw := map[string]bool{}
		for _, it := range old.Items {
			raw[it.Raw] = true
		}
		var stale []string
		for _, p := range old.paths() {
			if !keep[p] && !raw[p] {
				stale = append(stale, p)
			}
		}
		sort.Strings(stale)
		for _, p := range stale {
			if err := e.a.remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				e.sum.Warnings = append(e.sum.Warnings, fmt.Sprintf("could not remove stale %s: %v", p, err))
			}
		}
	}
	return nil
}

// paths lists every file the manifest names.
func (m *Manifest) paths() []string {
	var out []string
	for _, it := range m.Items {
		if it.Raw != "" {
			out = append(out, it.Raw)
		}
		for _, o := range it.Outputs {
			out = append(out, o.Path)
		}
	}
	for _, o := range m.Combined {
		out = append(out, o.Path)
	}
	return out
}
