package upload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/recovery"
)

// maxCard bounds a contact, event or to-do file read into memory, and a
// server copy fetched for comparison.
const maxCard = 64 << 20

// item is one export file to upload.
type item struct {
	out  recovery.Output
	kind device.Kind
	file string // path on disk, for messages and the media type
	// open opens the file through the export folder's os.Root, so a
	// symlink in a copied export cannot make upload read, and send to a
	// server, a file from outside it.
	open func() (*os.File, error)
	uid  string
	col  *collection
	href *url.URL
	res  ItemResult
	// etag is the ETag the server holds the item under, once known.
	etag string
}

// run is the state of one Run.
type run struct {
	dir    string
	root   *os.Root // dir, through which every export file is opened
	opts   Options
	rep    recovery.Reporter
	c      *client
	pc     *client  // for PhotosURL: c, or one with the photos credentials
	server *url.URL // without credentials; nil when only photos
	photos *url.URL
	man    *recovery.Manifest
	jl     *journal
	sum    *Summary
	slug   string
	title  string

	mu                sync.Mutex
	done, total       int
	bytes, totalBytes int64
	kindDone          map[device.Kind]int
	kindTotal         map[device.Kind]int
}

// Run uploads the export folder dir to the servers named in opts and
// returns what it did. Per-item problems (a rejected card, a different copy
// on the server) are in the Summary and the run goes on; the returned error
// is for what stops the whole run: a bad export folder, bad options,
// discovery or authentication failure, a cancelled ctx. Summary.Clean says
// whether everything is on the server and verified.
//
// rep receives progress (stages discover, upload, verify); it may be nil.
// Run is safe to repeat: a rerun sends only what is missing.
func Run(ctx context.Context, dir string, opts Options, rep recovery.Reporter) (sum *Summary, err error) {
	start := time.Now()
	if rep == nil {
		rep = recovery.ReporterFunc(func(recovery.Event) {})
	}
	if opts.Jobs <= 0 {
		opts.Jobs = 2
	}
	r := &run{dir: dir, opts: opts, rep: rep, kindDone: map[device.Kind]int{}, kindTotal: map[device.Kind]int{}}
	r.sum = &Summary{DryRun: opts.DryRun, Kinds: map[device.Kind]*KindCounts{}, Problems: []ItemResult{}, Collections: []Collection{}}
	defer func() {
		if r.root != nil {
			r.root.Close()
		}
		if r.c != nil {
			r.sum.Requests = r.c.requests()
		}
		if r.pc != nil && r.pc != r.c {
			pr := r.pc.requests()
			r.sum.Requests.Total += pr.Total
			r.sum.Requests.Retries += pr.Retries
			for k, v := range pr.ByMethod {
				r.sum.Requests.ByMethod[k] += v
			}
		}
		r.sum.Elapsed = time.Since(start).Seconds()
		err = scrubErr(scrubErr(err, r.opts.Password), r.opts.PhotosPassword)
	}()

	if err := r.setup(ctx); err != nil {
		return r.sum, err
	}
	items, err := r.items()
	if err != nil {
		return r.sum, err
	}
	defer func() {
		if jerr := r.jl.save(); jerr != nil && err == nil {
			err = jerr
		}
	}()

	var davItems, photoItems []*item
	for _, it := range items {
		if it.kind == device.KindPhoto {
			photoItems = append(photoItems, it)
		} else {
			davItems = append(davItems, it)
		}
	}
	for _, it := range items {
		r.totalBytes += it.out.Size
		r.kindTotal[it.kind]++
	}
	r.total = len(items)

	if len(davItems) > 0 {
		if err := r.uploadDAV(ctx, davItems); err != nil {
			return r.sum, err
		}
	}
	if len(photoItems) > 0 {
		if err := r.uploadPhotos(ctx, photoItems); err != nil {
			return r.sum, err
		}
	}
	if err := r.jl.save(); err != nil {
		return r.sum, err
	}
	if !opts.DryRun {
		if err := r.verify(ctx, items); err != nil {
			return r.sum, err
		}
	}
	r.tally(items)
	r.rep.Report(recovery.Event{Stage: recovery.StageDone, Done: r.done, Total: r.total, Bytes: r.bytes, TotalBytes: r.totalBytes, Battery: -1})
	return r.sum, nil
}

func (r *run) setup(ctx context.Context) error {
	r.c = newClient(&r.opts)
	root, err := os.OpenRoot(r.dir)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrExport, err)
	}
	r.root = root
	man, err := recovery.ReadManifest(r.dir)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrExport, err)
	}
	r.man = man
	want := r.wantKinds()
	needDAV := want[device.KindContact] || want[device.KindEvent] || want[device.KindTodo]
	if r.opts.Server != "" && needDAV {
		u, ui, err := parseServer(ctx, r.opts.Server, "carddav")
		if err != nil {
			return err
		}
		if ui != nil {
			if r.opts.User == "" {
				r.opts.User = ui.Username()
				r.c.user = r.opts.User
			}
			if p, ok := ui.Password(); ok && r.opts.Password == "" {
				r.opts.Password = p
				r.c.password = p
			}
		}
		if err := checkSecure(u, r.opts.InsecureHTTP); err != nil {
			return err
		}
		r.server = u
		r.sum.Server = redactURL(u)
	} else if needDAV && len(r.opts.Only) > 0 {
		return fmt.Errorf("upload: no server URL given for contacts, calendars or to-dos")
	}
	if r.opts.PhotosURL != "" && want[device.KindPhoto] {
		u, err := url.Parse(r.opts.PhotosURL)
		if err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
			return fmt.Errorf("upload: the photos URL must be http(s)://host/folder/")
		}
		if u.User != nil {
			if r.opts.PhotosUser == "" {
				r.opts.PhotosUser = u.User.Username()
			}
			if p, ok := u.User.Password(); ok && r.opts.PhotosPassword == "" {
				r.opts.PhotosPassword = p
			}
			u.User = nil
		}
		r.pc = r.c
		if r.opts.PhotosUser != "" || r.opts.PhotosPassword != "" {
			po := r.opts
			po.User, po.Password = r.opts.PhotosUser, r.opts.PhotosPassword
			r.pc = newClient(&po)
		}
		if err := checkSecure(u, r.opts.InsecureHTTP); err != nil {
			return err
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		r.photos = u
		r.sum.PhotosURL = redactURL(u)
	} else if want[device.KindPhoto] && slices.Contains(r.opts.Only, device.KindPhoto) {
		return fmt.Errorf("upload: photos asked for but no photos URL given")
	}
	if r.server == nil && r.photos == nil {
		return fmt.Errorf("upload: no server URL given")
	}
	jp := r.opts.Journal
	if jp == "" {
		jp = filepath.Join(r.dir, JournalName)
	}
	r.jl, err = openJournal(jp, r.opts.DryRun)
	if err != nil {
		return err
	}
	d := man.Device
	r.slug = slugify("sk-rescue " + d.Model + " " + d.Serial)
	if r.slug == "sk-rescue" {
		r.slug = "sk-rescue-" + slugify(d.Location)
	}
	r.title = strings.TrimSpace("Rescued from " + strings.TrimSpace(d.Maker+" "+d.Model))
	if d.Serial != "" {
		r.title += " (" + d.Serial + ")"
	}
	return nil
}

func (r *run) wantKinds() map[device.Kind]bool {
	w := map[device.Kind]bool{}
	if len(r.opts.Only) == 0 {
		for _, k := range []device.Kind{device.KindContact, device.KindEvent, device.KindTodo, device.KindPhoto} {
			w[k] = true
		}
		return w
	}
	for _, k := range r.opts.Only {
		w[k] = true
	}
	return w
}

// items lists the manifest's per-item outputs to upload.
func (r *run) items() ([]*item, error) {
	want := r.wantKinds()
	var out []*item
	photosOff := 0
	for _, mi := range r.man.Items {
		if mi.Status == recovery.StatusFailed {
			continue
		}
		outs := mi.Outputs
		if len(outs) == 0 && (mi.Kind == device.KindPhoto) && strings.HasPrefix(mi.Raw, "photos/") {
			// Photos are not converted: the archived raw copy under
			// photos/ is the output (recovery.ManItem.Raw).
			outs = []recovery.Output{{Path: mi.Raw, SHA256: mi.SHA256, Size: mi.RawSize, Kind: device.KindPhoto, Name: mi.Name}}
		}
		for _, o := range outs {
			k := o.Kind
			if k == "" {
				k = kindFromPath(o.Path, mi.Kind)
			}
			switch k {
			case device.KindContact, device.KindEvent, device.KindTodo, device.KindPhoto:
			default:
				continue
			}
			if !want[k] {
				continue
			}
			if k == device.KindPhoto && r.photos == nil {
				photosOff++
				continue
			}
			if k != device.KindPhoto && r.server == nil {
				continue
			}
			rel := filepath.FromSlash(o.Path)
			if !filepath.IsLocal(rel) {
				return nil, fmt.Errorf("%w: manifest names %q outside the folder", ErrExport, o.Path)
			}
			slash := o.Path
			it := &item{out: o, kind: k, file: filepath.Join(r.dir, rel), uid: o.UID,
				open: func() (*os.File, error) { return r.root.Open(slash) }}
			it.res = ItemResult{Path: o.Path, Kind: k, UID: o.UID}
			out = append(out, it)
		}
	}
	if photosOff > 0 {
		r.note(fmt.Sprintf("%d photos not uploaded: no photos URL given (--photos-url)", photosOff))
	}
	return out, nil
}

func kindFromPath(p string, fallback device.Kind) device.Kind {
	switch {
	case strings.HasPrefix(p, "contacts/") && strings.HasSuffix(p, ".vcf"):
		return device.KindContact
	case strings.HasPrefix(p, "calendar/"):
		return device.KindEvent
	case strings.HasPrefix(p, "todos/"):
		return device.KindTodo
	case strings.HasPrefix(p, "photos/"):
		return device.KindPhoto
	}
	return fallback
}

func (r *run) note(s string) {
	r.mu.Lock()
	r.sum.Notes = append(r.sum.Notes, s)
	r.mu.Unlock()
	r.rep.Report(recovery.Event{Stage: StageDiscover, Warning: s, Battery: -1})
}

// resourceName is the name an item gets on the server: its UID when that
// is made of [A-Za-z0-9._-] only (and not a dot name, and not overlong),
// else a stable hash of the UID (or of the export path, without a UID).
func resourceName(uid, exportPath, ext string) string {
	ok := uid != "" && len(uid) <= 128 && uid[0] != '.'
	for i := 0; ok && i < len(uid); i++ {
		c := uid[i]
		ok = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	if ok {
		return uid + ext
	}
	key := "uid:" + uid
	if uid == "" {
		key = "path:" + exportPath
	}
	h := sha256.Sum256([]byte(key))
	return "sk-" + hex.EncodeToString(h[:16]) + ext
}

// uploadDAV discovers the collections for contacts, events and to-dos,
// then uploads each collection's items.
func (r *run) uploadDAV(ctx context.Context, items []*item) error {
	r.rep.Report(recovery.Event{Stage: StageDiscover, Battery: -1})
	need := map[device.Kind]bool{}
	for _, it := range items {
		need[it.kind] = true
	}
	cols := map[device.Kind]*collection{}
	if need[device.KindContact] {
		h, err := r.discover(ctx, "carddav")
		if err != nil {
			return fmt.Errorf("upload: CardDAV discovery at %s: %w", redactURL(r.server), err)
		}
		c, err := r.chooseBook(ctx, h.home)
		if err != nil {
			return err
		}
		if c != nil {
			cols[device.KindContact] = c
		}
	}
	if need[device.KindEvent] || need[device.KindTodo] {
		h, err := r.discover(ctx, "caldav")
		if err != nil {
			return fmt.Errorf("upload: CalDAV discovery at %s: %w", redactURL(r.server), err)
		}
		ev, td, err := r.chooseCalendars(ctx, h.home, need[device.KindEvent], need[device.KindTodo])
		if err != nil {
			return err
		}
		if ev != nil {
			cols[device.KindEvent] = ev
		}
		if td != nil {
			cols[device.KindTodo] = td
		}
	}
	// Group items by collection, in a stable order.
	var order []*collection
	byCol := map[*collection][]*item{}
	for _, it := range items {
		c := cols[it.kind]
		if c == nil {
			r.finish(it, StatusSkipped, fmt.Sprintf("no %s collection on the server", it.kind))
			continue
		}
		if _, ok := byCol[c]; !ok {
			order = append(order, c)
		}
		byCol[c] = append(byCol[c], it)
	}
	for _, c := range order {
		r.sum.Collections = append(r.sum.Collections, Collection{Kinds: c.kinds, URL: redactURL(c.url), Name: c.name, Created: c.created, WouldCreate: c.would})
	}
	for _, c := range order {
		if err := r.uploadCollection(ctx, c, byCol[c]); err != nil {
			return err
		}
	}
	return nil
}

// chooseBook picks or creates the address book.
func (r *run) chooseBook(ctx context.Context, home *url.URL) (*collection, error) {
	books, err := r.findCollections(ctx, "carddav", home)
	if err != nil {
		return nil, fmt.Errorf("upload: list address books in %s: %w", redactURL(home), err)
	}
	want := r.opts.Addressbook
	slug := r.slug + "-contacts"
	if c := pickCollection(books, want, slug, nil); c != nil {
		c.kinds = []device.Kind{device.KindContact}
		return c, nil
	}
	seg, title := slug, r.title
	if want != "" && want != "default" {
		seg, title = slugify(want), want
		if seg == "" {
			seg = resourceName(want, "", "")
		}
	}
	c, err := r.create(ctx, home, seg, title, "addressbook", nil)
	if err == nil {
		c.kinds = []device.Kind{device.KindContact}
		return c, nil
	}
	if !cannotCreate(err) {
		return nil, err
	}
	if d := pickCollection(books, "default", "", nil); d != nil {
		r.note(fmt.Sprintf("the server cannot create address books (%v); using the existing %s", statusOf(err), redactURL(d.url)))
		d.kinds = []device.Kind{device.KindContact}
		return d, nil
	}
	return nil, fmt.Errorf("%w: no address book in %s and creating one failed: %w", ErrNoCollection, redactURL(home), err)
}

// chooseCalendars picks or creates the calendar for events and the one for
// to-dos (the same when it accepts VTODO).
func (r *run) chooseCalendars(ctx context.Context, home *url.URL, events, todos bool) (ev, td *collection, err error) {
	cals, err := r.findCollections(ctx, "caldav", home)
	if err != nil {
		return nil, nil, fmt.Errorf("upload: list calendars in %s: %w", redactURL(home), err)
	}
	acceptsEvents := func(c *collection) bool { return c.accepts("VEVENT") }
	acceptsTodos := func(c *collection) bool { return c.accepts("VTODO") }
	var createdErr error
	if events || (todos && r.opts.Tasks == "") {
		want := r.opts.Calendar
		slug := r.slug + "-calendar"
		ev = pickCollection(cals, want, slug, acceptsEvents)
		if ev == nil {
			seg, title := slug, r.title
			if want != "" && want != "default" {
				seg, title = slugify(want), want
			}
			ev, createdErr = r.create(ctx, home, seg, title, "calendar", []string{"VEVENT", "VTODO"})
			if createdErr != nil {
				if !cannotCreate(createdErr) {
					return nil, nil, createdErr
				}
				ev = pickCollection(cals, "default", "", acceptsEvents)
				if ev == nil {
					if events {
						return nil, nil, fmt.Errorf("%w: no calendar in %s and creating one failed: %w", ErrNoCollection, redactURL(home), createdErr)
					}
				} else {
					r.note(fmt.Sprintf("the server cannot create calendars (%v); using the existing %s", statusOf(createdErr), redactURL(ev.url)))
				}
			}
		}
		if ev != nil && events {
			ev.kinds = append(ev.kinds, device.KindEvent)
		}
	}
	if !todos {
		return ev, nil, nil
	}
	switch {
	case r.opts.Tasks == "" && ev != nil && ev.accepts("VTODO"):
		td = ev
	default:
		want := r.opts.Tasks
		slug := r.slug + "-tasks"
		td = pickCollection(cals, want, slug, acceptsTodos)
		if td == nil && createdErr == nil {
			seg, title := slug, r.title+" – tasks"
			if want != "" && want != "default" {
				seg, title = slugify(want), want
			}
			c, err := r.create(ctx, home, seg, title, "calendar", []string{"VTODO"})
			switch {
			case err == nil:
				td = c
				if ev != nil {
					r.note(fmt.Sprintf("calendar %s does not accept to-dos; created task list %s", redactURL(ev.url), redactURL(c.url)))
				}
			case !cannotCreate(err):
				return nil, nil, err
			default:
				createdErr = err
			}
		}
		if td == nil {
			td = pickCollection(cals, "default", "", acceptsTodos)
		}
		if td == nil {
			r.note("no collection on the server accepts to-dos (VTODO) and none can be created; to-dos not uploaded")
			return ev, nil, nil
		}
	}
	td.kinds = append(td.kinds, device.KindTodo)
	return ev, td, nil
}

func statusOf(err error) string {
	var se *statusError
	if errors.As(err, &se) {
		return se.Status
	}
	return err.Error()
}

// create makes a collection named seg under home, or, on a dry run, says
// it would.
func (r *run) create(ctx context.Context, home *url.URL, seg, title, kind string, comps []string) (*collection, error) {
	u := joinURL(home, seg, true)
	c := &collection{url: u, name: title, comps: comps}
	if r.opts.DryRun {
		c.would = true
		c.listing = map[string]resource{}
		return c, nil
	}
	created, err := r.c.mkcol(ctx, u, kind, title, comps)
	if err != nil {
		return nil, err
	}
	c.created = created
	if created {
		// Empty: no need to list it before uploading.
		c.listing = map[string]resource{}
	}
	what := "address book"
	if kind == "calendar" {
		what = "calendar"
		if len(comps) == 1 && comps[0] == "VTODO" {
			what = "task list"
		}
	}
	if created {
		r.rep.Report(recovery.Event{Stage: StageDiscover, Warning: fmt.Sprintf("created %s %q at %s", what, title, redactURL(u)), Battery: -1})
	}
	return c, nil
}

// uploadCollection lists c once and sends its items with opts.Jobs workers.
func (r *run) uploadCollection(ctx context.Context, c *collection, items []*item) error {
	if c.listing == nil {
		l, err := r.c.list(ctx, c.url)
		if err != nil {
			return fmt.Errorf("upload: list %s: %w", redactURL(c.url), err)
		}
		c.listing = l
	}
	for _, it := range items {
		it.col = c
	}
	return r.parallel(ctx, items, r.sendDAV)
}

// parallel runs f over items with opts.Jobs workers; it stops early only
// when ctx is done.
func (r *run) parallel(ctx context.Context, items []*item, f func(context.Context, *item)) error {
	ch := make(chan *item)
	var wg sync.WaitGroup
	for range min(r.opts.Jobs, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range ch {
				f(ctx, it)
			}
		}()
	}
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		ch <- it
	}
	close(ch)
	wg.Wait()
	return ctx.Err()
}

// readChecked reads an export file and checks it against the manifest.
func readChecked(it *item) ([]byte, error) {
	f, err := it.open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCard+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxCard {
		return nil, fmt.Errorf("larger than %d bytes", maxCard)
	}
	if it.out.SHA256 != "" {
		h := sha256.Sum256(b)
		if !strings.EqualFold(hex.EncodeToString(h[:]), it.out.SHA256) {
			return nil, fmt.Errorf("the file does not match its sha256 in the manifest (changed since the export?)")
		}
	}
	return b, nil
}

func contentType(k device.Kind) (string, string) {
	if k == device.KindContact {
		return "text/vcard; charset=utf-8", ".vcf"
	}
	return "text/calendar; charset=utf-8", ".ics"
}

// sendDAV uploads one contact, event or to-do.
func (r *run) sendDAV(ctx context.Context, it *item) {
	data, err := readChecked(it)
	if err != nil {
		r.finish(it, StatusFailed, "export file: "+err.Error())
		return
	}
	if it.uid == "" {
		it.uid = findUID(data)
		it.res.UID = it.uid
	}
	ct, ext := contentType(it.kind)
	name := resourceName(it.uid, it.out.Path, ext)
	it.href = joinURL(it.col.url, name, false)
	it.res.Href = redactURL(it.href)
	key := it.res.Href
	sha := it.out.SHA256
	if sha == "" {
		h := sha256.Sum256(data)
		sha = hex.EncodeToString(h[:])
	}
	entry := JournalEntry{Server: r.sum.Server, Path: it.out.Path, Kind: it.kind, SHA256: sha}

	existing, exists := it.col.listing[cleanPath(it.href.Path)]
	if exists {
		if je, ok := r.jl.get(key); ok && je.SHA256 == sha && etagEqual(je.ETag, existing.ETag) {
			it.etag = existing.ETag
			if je.SentSHA256 != "" {
				it.res.Scaled = true
			}
			r.finish(it, StatusThere, "")
			return
		}
		r.compareExisting(ctx, it, data, ct, entry, false)
		return
	}
	if r.opts.DryRun {
		r.finish(it, StatusWouldUpload, "")
		return
	}
	body := data
	scaled := false
	if m := it.col.maxSize; m > 0 && int64(len(body)) > m && it.kind == device.KindContact {
		if s, ok, _ := scalePhoto(body, int(m)); ok {
			body, scaled = s, true
		}
	}
	for round := 0; ; round++ {
		pr, err := r.c.put(ctx, it.href, ct, int64(len(body)), bytesOpener(body), "")
		if err != nil {
			r.finish(it, StatusFailed, err.Error())
			return
		}
		switch {
		case pr.Code/100 == 2:
			r.stored(it, entry, body, data, pr.ETag, scaled, StatusUploaded, "")
			return
		case pr.Code == http.StatusPreconditionFailed:
			// The name is taken: by our own earlier attempt (a retried PUT
			// whose first try went through) or by something else.
			r.compareExisting(ctx, it, body, ct, entry, pr.Attempts > 1 || round > 0)
			return
		case pr.Code == http.StatusConflict:
			r.finish(it, StatusDifferent, fmt.Sprintf("the server refused it (409 Conflict): another resource in %s probably has UID %q; %s", redactURL(it.col.url), it.uid, pr.Err.Body))
			return
		case pr.Code == http.StatusRequestEntityTooLarge && it.kind == device.KindContact && round < 4:
			s, ok, err := scalePhoto(body, len(body)/2)
			if err != nil || !ok || len(s) >= len(body) {
				r.finish(it, StatusFailed, fmt.Sprintf("too large for the server (413, %d bytes) and no inline photo to scale down", len(body)))
				return
			}
			body, scaled = s, true
			continue
		default:
			r.finish(it, StatusFailed, pr.Err.Error())
			return
		}
	}
}

// compareExisting handles an item whose name is taken on the server: fetch
// the server copy and compare. ours is what we would send (or sent).
func (r *run) compareExisting(ctx context.Context, it *item, ours []byte, ct string, entry JournalEntry, weSentIt bool) {
	remote, etag, err := r.c.get(ctx, it.href, maxCard)
	if err != nil {
		r.finish(it, StatusFailed, "the name is taken on the server and reading it back failed: "+err.Error())
		return
	}
	orig, _ := readChecked(it)
	if sameContent(ours, remote, false) || orig != nil && sameContent(orig, remote, false) {
		st := StatusThere
		if weSentIt {
			st = StatusUploaded
		}
		r.stored(it, entry, ours, orig, etag, !bytes.Equal(ours, orig), st, "")
		return
	}
	if it.kind == device.KindContact && orig != nil && sameContent(orig, remote, true) {
		// Our own earlier upload with the photo scaled down.
		r.stored(it, entry, remote, orig, etag, true, StatusThere, "")
		return
	}
	if etag == "" {
		if l, ok := it.col.listing[cleanPath(it.href.Path)]; ok {
			etag = l.ETag
		}
	}
	if !r.mayReplace(it, etag) {
		return
	}
	pr, err := r.c.put(ctx, it.href, ct, int64(len(ours)), bytesOpener(ours), etag)
	if err != nil {
		r.finish(it, StatusFailed, err.Error())
		return
	}
	if pr.Code/100 != 2 {
		r.finish(it, StatusFailed, "replacing the server copy failed: "+pr.Err.Error())
		return
	}
	r.stored(it, entry, ours, orig, pr.ETag, !bytes.Equal(ours, orig), StatusOverwritten, "")
}

// mayReplace decides for an item whose server copy differs from the export
// whether it may be replaced: only with --overwrite, never on a dry run, and
// only with an ETag that makes the replace conditional. When not, it
// finishes the item with the reason.
func (r *run) mayReplace(it *item, etag string) bool {
	switch {
	case !r.opts.Overwrite:
		r.finish(it, StatusDifferent, "the server holds a different copy under this name; not replaced (use --overwrite to replace it)")
	case r.opts.DryRun:
		r.finish(it, StatusWouldUpload, "would replace the different server copy")
	case etag == "":
		r.finish(it, StatusFailed, "the server holds a different copy and gives no ETag to replace it safely")
	default:
		return true
	}
	return false
}

// stored records an item now on the server.
func (r *run) stored(it *item, entry JournalEntry, sent, orig []byte, etag string, scaled bool, status, reason string) {
	entry.ETag = etag
	entry.Time = time.Now().UTC()
	if scaled && sent != nil {
		h := sha256.Sum256(sent)
		entry.SentSHA256 = hex.EncodeToString(h[:])
		it.res.Scaled = true
		if reason == "" {
			reason = "inline photo scaled down to fit the server's size limit; the export keeps the original"
		}
	}
	it.etag = etag
	if !r.opts.DryRun {
		if err := r.jl.put(it.res.Href, entry); err != nil {
			r.note(err.Error())
		}
	}
	r.finish(it, status, reason)
}

func bytesOpener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// finish records an item's outcome and reports progress.
func (r *run) finish(it *item, status, reason string) {
	it.res.Status = status
	it.res.Reason = scrubString(scrubString(reason, r.opts.Password), r.opts.PhotosPassword)
	r.mu.Lock()
	r.done++
	r.bytes += it.out.Size
	r.kindDone[it.kind]++
	e := recovery.Event{Stage: StageUpload, Kind: it.kind, Item: it.out.Path, Done: r.done, Total: r.total,
		Bytes: r.bytes, TotalBytes: r.totalBytes, KindDone: r.kindDone[it.kind], KindTotal: r.kindTotal[it.kind],
		Skipped: status == StatusThere, Battery: -1}
	r.mu.Unlock()
	switch status {
	case StatusFailed, StatusDifferent, StatusSkipped:
		e.Warning = fmt.Sprintf("%s: %s: %s", it.out.Path, status, it.res.Reason)
	}
	if it.res.Scaled && status != StatusThere {
		e.Warning = fmt.Sprintf("%s: inline photo scaled down to fit the server", it.out.Path)
	}
	r.rep.Report(e)
}

// tally fills the summary's counts from the items.
func (r *run) tally(items []*item) {
	s := r.sum
	for _, it := range items {
		kc := s.Kinds[it.kind]
		if kc == nil {
			kc = &KindCounts{}
			s.Kinds[it.kind] = kc
		}
		s.Items++
		kc.Items++
		switch it.res.Status {
		case StatusUploaded:
			s.Uploaded++
			kc.Uploaded++
		case StatusThere:
			s.AlreadyThere++
			kc.AlreadyThere++
		case StatusDifferent:
			s.Different++
			kc.Different++
		case StatusOverwritten:
			s.Overwritten++
			kc.Overwritten++
		case StatusFailed, "":
			if it.res.Status == "" {
				it.res.Status = StatusFailed
				it.res.Reason = "not attempted (run interrupted)"
			}
			s.Failed++
			kc.Failed++
		case StatusSkipped:
			s.Skipped++
			kc.Skipped++
		case StatusWouldUpload:
			s.WouldUpload++
			kc.WouldUpload++
		}
		if it.res.Scaled {
			s.Scaled++
		}
		if it.res.Status != StatusUploaded && it.res.Status != StatusThere && it.res.Status != StatusWouldUpload || it.res.Scaled && it.res.Status == StatusUploaded {
			s.Problems = append(s.Problems, it.res)
		}
	}
	sort.SliceStable(s.Problems, func(i, j int) bool { return s.Problems[i].Path < s.Problems[j].Path })
}

// verify lists every collection used again and checks each item.
func (r *run) verify(ctx context.Context, items []*item) error {
	v := &Verify{OnServer: map[string]int{}}
	r.sum.Verify = v
	listings := map[string]map[string]resource{}
	listFor := func(u *url.URL, cl *client) (map[string]resource, error) {
		k := u.String()
		if l, ok := listings[k]; ok {
			return l, nil
		}
		l, err := cl.list(ctx, u)
		if err != nil {
			var se *statusError
			if errors.As(err, &se) && se.Code == http.StatusNotFound {
				l = map[string]resource{}
			} else {
				return nil, err
			}
		}
		listings[k] = l
		n := 0
		for _, res := range l {
			if !res.Collection {
				n++
			}
		}
		v.OnServer[redactURL(u)] = n
		return l, nil
	}
	r.rep.Report(recovery.Event{Stage: StageVerify, Total: len(items), Battery: -1})
	for i, it := range items {
		if it.href == nil || it.res.Status == StatusSkipped {
			continue
		}
		v.Checked++
		dir := it.href.ResolveReference(&url.URL{Path: "./"})
		cl := r.c
		if it.kind == device.KindPhoto {
			cl = r.pc
		}
		l, err := listFor(dir, cl)
		if err != nil {
			return fmt.Errorf("upload: verify: list %s: %w", redactURL(dir), err)
		}
		res, ok := l[cleanPath(it.href.Path)]
		switch {
		case !ok:
			v.Missing = append(v.Missing, it.out.Path)
		case it.res.Status == StatusDifferent || it.res.Status == StatusFailed:
			v.Mismatched = append(v.Mismatched, it.out.Path)
		case it.etag != "" && res.ETag != "" && !etagEqual(it.etag, res.ETag):
			v.Mismatched = append(v.Mismatched, it.out.Path)
		case it.kind == device.KindPhoto && res.Size >= 0 && res.Size != it.out.Size:
			v.Mismatched = append(v.Mismatched, it.out.Path)
		default:
			v.Present++
			if it.etag == "" && res.ETag != "" {
				// The PUT answered without an ETag: learn it now, so the
				// next run can trust the journal.
				it.etag = res.ETag
				r.jl.setETag(it.res.Href, res.ETag)
			} else if it.etag != res.ETag && res.ETag != "" {
				// Weak right after the write, strong now (Apache).
				r.jl.setETag(it.res.Href, res.ETag)
			}
		}
		if (i+1)%100 == 0 {
			r.rep.Report(recovery.Event{Stage: StageVerify, Done: i + 1, Total: len(items), Battery: -1})
		}
	}
	v.OK = len(v.Missing) == 0 && len(v.Mismatched) == 0
	return r.jl.save()
}

// mimeFor is a photo's Content-Type.
func mimeFor(name string) string {
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		return t
	}
	return "application/octet-stream"
}
