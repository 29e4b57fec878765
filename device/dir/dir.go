// Package dir reads a folder as a handset: a mounted SD card, a phone in USB
// mass-storage mode, an old backup of .vcf/.vcs/.ics/.vnt files, a folder of
// AT phonebook dumps. It implements device.Handset over the local file system,
// so a folder goes through the same export pipeline, manifest and report as a
// phone.
//
// The folder is read-only by contract, like every handset: files are opened
// O_RDONLY and nothing is ever created, renamed or removed in it. A folder may
// be hostile (a copied card image, a stranger's backup), so the walk is
// confined to it through os.Root: symbolic links are never followed out of the
// folder nor into sub-folders (no loops), FIFOs, sockets and devices are
// skipped without being opened, and the depth and the number of entries are
// bounded.
package dir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/sk-rescue/sk-rescue/device"
)

// Limits applied when Options leaves them zero.
const (
	// DefaultMaxDepth is how many folders deep a walk goes. Deeper folders
	// are skipped and listed by Skipped.
	DefaultMaxDepth = 64
	// DefaultMaxEntries bounds the entries (files and folders) one List
	// visits: a big SD card holds tens of thousands of photos, a
	// million entries means the wrong folder was named.
	DefaultMaxEntries = 1 << 20
)

// ErrTooManyEntries is returned by List when the folder holds more entries
// than Options.MaxEntries.
var ErrTooManyEntries = errors.New("dir: too many entries")

// Options tune Open.
type Options struct {
	// MaxDepth is the deepest folder level walked; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxEntries bounds the entries List visits; 0 means DefaultMaxEntries.
	MaxEntries int
}

// Skip is an entry List passed over, and why.
type Skip struct {
	// Path is the slash path relative to the folder.
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Handset is a folder opened as a handset.
type Handset struct {
	info device.Info
	opt  Options
	abs  string

	mu      sync.Mutex
	root    *os.Root
	skipped []Skip
}

var _ device.Handset = (*Handset)(nil)

// Open opens the folder at path read-only. It fails when path does not exist
// (wrapping device.ErrNotFound), is not a folder, or cannot be read (wrapping
// device.ErrPermission when the system refuses).
func Open(p string, opt Options) (*Handset, error) {
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = DefaultMaxDepth
	}
	if opt.MaxEntries <= 0 {
		opt.MaxEntries = DefaultMaxEntries
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, fmt.Errorf("dir: %s: %w", p, err)
	}
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("dir: %s: no such folder: %w", abs, device.ErrNotFound)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("dir: %s: %w", abs, device.ErrPermission)
	case err != nil:
		return nil, fmt.Errorf("dir: %w", err)
	case !st.IsDir():
		return nil, fmt.Errorf("dir: %s is not a folder", abs)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, fmt.Errorf("dir: %s: %w", abs, device.ErrPermission)
		}
		return nil, fmt.Errorf("dir: %w", err)
	}
	sum := sha256.Sum256([]byte(abs))
	return &Handset{
		opt:  opt,
		abs:  abs,
		root: root,
		info: device.Info{
			Maker:    "folder",
			Model:    filepath.Base(abs),
			Serial:   hex.EncodeToString(sum[:8]),
			Protocol: "dir",
			Battery:  -1,
			Location: "dir:" + abs,
		},
	}, nil
}

// Info describes the folder: Maker "folder", Model its base name, Serial a
// stable hash of its absolute path, Location "dir:" and that path.
func (h *Handset) Info() device.Info { return h.info }

// Skipped returns the entries the last List passed over (symbolic links that
// leave the folder or lead to folders, special files, folders too deep or
// unreadable, hidden), in walk order.
func (h *Handset) Skipped() []Skip {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.skipped)
}

// Warnings says what the last List passed over, one line per entry, so the
// export's summary tells the user what was not read.
func (h *Handset) Warnings() []string {
	var out []string
	for _, s := range h.Skipped() {
		out = append(out, fmt.Sprintf("dir: not read: %s: %s", s.Path, s.Reason))
	}
	return out
}

func (h *Handset) rootFor(op string) (*os.Root, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.root == nil {
		return nil, fmt.Errorf("dir: %s: handset closed: %w", op, device.ErrDisconnected)
	}
	return h.root, nil
}

// List walks the folder once, in lexical order, and returns its regular
// files of the given kinds (all kinds when none are given). The kind and
// media type come from the name's extension and, for names it does not
// decide, the first 512 bytes (see Classify). A calendar file is an event
// item but matches a to-do filter too, since vCalendar objects hold both.
// Hidden names are skipped; other passed-over entries are in Skipped. A
// file that cannot be read is still listed: Open reports it.
func (h *Handset) List(ctx context.Context, kinds ...device.Kind) ([]device.Item, error) {
	root, err := h.rootFor("list")
	if err != nil {
		return nil, err
	}
	if gone := h.gone(root); gone != nil {
		return nil, fmt.Errorf("dir: %s is gone (%s): %w", h.info.Location, gone, device.ErrDisconnected)
	}
	w := &walker{h: h, root: root, ctx: ctx, kinds: kinds}
	if err := w.dir("", 0); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("dir: list stopped: %w", ctx.Err())
		}
		return nil, err
	}
	h.mu.Lock()
	h.skipped = w.skipped
	h.mu.Unlock()
	return w.items, nil
}

// walker is one List. It walks with os.Root rather than fs.WalkDir over
// root.FS(), which refuses names that are not UTF-8 (old phones wrote
// Latin-1 and Shift_JIS names to their cards).
type walker struct {
	h       *Handset
	root    *os.Root
	ctx     context.Context
	kinds   []device.Kind
	items   []device.Item
	skipped []Skip
	entries int
}

func (w *walker) skip(p, reason string) { w.skipped = append(w.skipped, Skip{Path: p, Reason: reason}) }

// readDirBatch is how many entries are read at a time, so a folder with
// millions of entries is refused before it is all in memory.
const readDirBatch = 1024

// dir walks the folder rel ("" for the root), depth folders deep.
func (w *walker) dir(rel string, depth int) error {
	name := rel
	if name == "" {
		name = "."
	}
	f, err := openKind(w.root, name, fs.FileMode.IsDir)
	if err != nil {
		if rel == "" {
			return fmt.Errorf("dir: read %s: %w", w.h.info.Location, err)
		}
		w.skip(rel, "unreadable folder: "+errText(err))
		return nil
	}
	defer f.Close()
	var entries []fs.DirEntry
	for {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		batch, err := f.ReadDir(readDirBatch)
		w.entries += len(batch)
		if w.entries > w.h.opt.MaxEntries {
			return fmt.Errorf("dir: %s holds more than %d files and folders; name a smaller folder (its DCIM, say): %w",
				w.h.info.Location, w.h.opt.MaxEntries, ErrTooManyEntries)
		}
		entries = append(entries, batch...)
		if err == io.EOF || (err == nil && len(batch) == 0) {
			break
		}
		if err != nil {
			// Keep what was read; say the rest was lost.
			w.skip(name, "folder read stopped: "+errText(err))
			break
		}
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, e := range entries {
		p := e.Name()
		if rel != "" {
			p = rel + "/" + p
		}
		if strings.HasPrefix(e.Name(), ".") {
			// Hidden: thumbnails caches, trash, system files; said, so a
			// hidden backup the user wanted is not silently left behind.
			w.skip(p, "hidden (the name starts with a dot)")
			continue
		}
		mode := e.Type()
		switch {
		case mode.IsDir():
			if depth+1 > w.h.opt.MaxDepth {
				w.skip(p, fmt.Sprintf("deeper than %d folders", w.h.opt.MaxDepth))
				continue
			}
			if err := w.dir(p, depth+1); err != nil {
				return err
			}
		case mode&fs.ModeSymlink != 0:
			// Follow a link only to a regular file inside the folder;
			// os.Root refuses targets outside it, and links to folders
			// are not walked (no loops, no file listed twice).
			st, err := w.root.Stat(p)
			switch {
			case err != nil:
				w.skip(p, "symbolic link leads outside the folder or nowhere")
			case !st.Mode().IsRegular():
				w.skip(p, "symbolic link to a folder or special file; not followed")
			default:
				w.add(p, st)
			}
		case !mode.IsRegular():
			w.skip(p, "special file ("+mode.String()+"); not opened")
		default:
			st, err := w.root.Lstat(p)
			switch {
			case err != nil:
				w.skip(p, "unreadable: "+errText(err))
			case !st.Mode().IsRegular():
				w.skip(p, "special file ("+st.Mode().Type().String()+"); not opened")
			default:
				w.add(p, st)
			}
		}
	}
	return nil
}

// add classifies the regular file at p and appends it when kinds want it.
func (w *walker) add(p string, st fs.FileInfo) {
	kind, format, ok := device.ByExtension(p)
	if !ok {
		kind, format = Classify(p, sniff(w.root, p, st.Size()))
	}
	if !wanted(kind, format, w.kinds) {
		return
	}
	folder := "/"
	if d := path.Dir(p); d != "." {
		folder = "/" + d
	}
	w.items = append(w.items, device.Item{
		Kind:     kind,
		ID:       idOf(p),
		Name:     path.Base(p),
		Folder:   folder,
		Size:     st.Size(),
		Modified: st.ModTime().UTC(),
		Format:   format,
	})
}

func wanted(kind device.Kind, format string, kinds []device.Kind) bool {
	if len(kinds) == 0 || slices.Contains(kinds, kind) {
		return true
	}
	return kind == device.KindEvent && slices.Contains(kinds, device.KindTodo) &&
		(strings.HasPrefix(format, "text/x-vcalendar") || strings.HasPrefix(format, "text/calendar"))
}

// sniffLen is how much of a file List reads to classify it.
const sniffLen = 512

// sniff reads the first bytes of the regular file at p; none when it
// cannot (Open will say why).
func sniff(root *os.Root, p string, size int64) []byte {
	if size == 0 {
		return nil
	}
	f, err := openKind(root, p, fs.FileMode.IsRegular)
	if err != nil {
		return nil
	}
	defer f.Close()
	buf := make([]byte, sniffLen)
	n, _ := io.ReadFull(f, buf)
	return buf[:n]
}

// openKind opens p read-only without blocking on a FIFO that replaced a
// file or folder since the walk, and refuses it unless is(mode).
func openKind(root *os.Root, p string, is func(fs.FileMode) bool) (*os.File, error) {
	f, err := root.OpenFile(p, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !is(st.Mode()) {
		f.Close()
		return nil, fmt.Errorf("dir: %s: unexpected file type %s", p, st.Mode().Type())
	}
	return f, nil
}

// Open streams the file it names, read-only. A file that vanished or cannot
// be read is an error for that item alone; when the folder itself is gone
// (the card was pulled) the error wraps device.ErrDisconnected, so an export
// stops and can resume.
func (h *Handset) Open(ctx context.Context, it device.Item) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := h.rootFor("open")
	if err != nil {
		return nil, err
	}
	p, err := pathOf(it.ID)
	if err != nil {
		return nil, err
	}
	f, err := openKind(root, p, fs.FileMode.IsRegular)
	if err != nil {
		if gone := h.gone(root); gone != nil {
			return nil, fmt.Errorf("dir: %s is gone (%s): %w", h.info.Location, gone, device.ErrDisconnected)
		}
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			return nil, fmt.Errorf("dir: open %s: %w", p, pe.Err)
		}
		return nil, err
	}
	r := &ctxReader{ctx: ctx, f: f, h: h, root: root, path: p, size: -1}
	if st, err := f.Stat(); err == nil {
		r.size = st.Size()
	}
	return r, nil
}

// gone says why the folder is no longer there (a card pulled, a share
// unmounted), or nil when it is.
func (h *Handset) gone(root *os.Root) error {
	at, err := root.Stat(".")
	if err != nil {
		return errors.New(errText(err))
	}
	now, err := os.Stat(h.abs)
	switch {
	case err != nil:
		return errors.New(errText(err))
	case !os.SameFile(at, now):
		return errors.New("another folder is in its place")
	}
	return nil
}

// Close releases the folder. Items listed before can no longer be opened.
func (h *Handset) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.root == nil {
		return nil
	}
	err := h.root.Close()
	h.root = nil
	return err
}

// ctxReader stops a stream when its context ends.
// It also refuses to end short: a file that ends before the size it had
// when opened (rewritten while read, or on a card being pulled) is an
// error, never truncated data with io.EOF; one wrapping
// device.ErrDisconnected when the folder itself is gone.
type ctxReader struct {
	ctx  context.Context
	f    *os.File
	h    *Handset
	root *os.Root
	path string
	size int64 // at open; -1 when unknown
	n    int64
}

func (r *ctxReader) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.f.Read(b)
	r.n += int64(n)
	if err == io.EOF && r.n < r.size {
		if gone := r.h.gone(r.root); gone != nil {
			return n, fmt.Errorf("dir: %s is gone (%s) after %d of %s's %d bytes: %w", r.h.info.Location, gone, r.n, r.path, r.size, device.ErrDisconnected)
		}
		return n, fmt.Errorf("dir: %s ended after %d of its %d bytes: it shrank while being read; run the export again", r.path, r.n, r.size)
	}
	return n, err
}

func (r *ctxReader) Close() error { return r.f.Close() }

// idOf returns the Item.ID of the relative slash path p: p itself when it is
// valid UTF-8, else "/" followed by p with '%' and every byte that is not
// UTF-8 escaped as %XX. IDs go through JSON (the manifest, the journal), which
// would replace such bytes; a relative path never starts with "/", so the two
// forms cannot collide.
func idOf(p string) string {
	if utf8.ValidString(p) {
		return p
	}
	var b strings.Builder
	b.WriteByte('/')
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		if (r == utf8.RuneError && n == 1) || p[i] == '%' {
			fmt.Fprintf(&b, "%%%02X", p[i])
			i++
			continue
		}
		b.WriteString(p[i : i+n])
		i += n
	}
	return b.String()
}

// pathOf undoes idOf and checks the result names a file under the root.
func pathOf(id string) (string, error) {
	p := id
	if rest, ok := strings.CutPrefix(id, "/"); ok {
		var err error
		if p, err = url.PathUnescape(rest); err != nil {
			return "", fmt.Errorf("dir: %q is not an item of this folder", id)
		}
	}
	if !validRel(p) {
		return "", fmt.Errorf("dir: %q is not an item of this folder", id)
	}
	return p, nil
}

// validRel reports whether p is a slash path under the root: not empty, not
// absolute, no empty, "." or ".." element, no NUL. Unlike fs.ValidPath it
// takes names that are not UTF-8.
func validRel(p string) bool {
	if p == "" || strings.IndexByte(p, 0) >= 0 {
		return false
	}
	for elem := range strings.SplitSeq(p, "/") {
		if elem == "" || elem == "." || elem == ".." {
			return false
		}
	}
	return true
}

// errText is an error without the path os already put in front of it.
func errText(err error) string {
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
