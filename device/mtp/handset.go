package mtp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

// Options tune Open.
type Options struct {
	// Timeout and ListTimeout are per transfer (defaults DefaultTimeout,
	// DefaultListTimeout).
	Timeout, ListTimeout time.Duration
	// Location is copied into Info.Location ("usb:1:7", "sim:sidekick").
	Location string
	// NoPropList never uses GetObjectPropList, as libmtp does on Android.
	NoPropList bool
	// TrustPropList skips the GetObjectHandles cross-check of a
	// GetObjectPropList listing (one transaction per listing).
	TrustPropList bool
	// SessionID is the session to open; 0 picks 1.
	SessionID uint32
}

// Handset is an MTP handset opened for reading. It implements
// device.Handset and device.BatteryReader and never sends a mutating
// operation (Client.Run refuses them).
type Handset struct {
	c    *Client
	link device.Link
	di   *DeviceInfo
	info device.Info
	opts Options

	mu       sync.Mutex // one List or Open stream at a time
	storages []uint32
	mode     listMode
	// folderChecked: a per-folder GetObjectPropList listing has matched
	// GetObjectHandles once (walk); later listings trust it.
	folderChecked bool
	closed        bool
}

var (
	_ device.Handset       = (*Handset)(nil)
	_ device.BatteryReader = (*Handset)(nil)
)

type listMode int

const (
	modeAllObjects listMode = iota // one GetObjectPropList for every object
	modePerFolder                  // GetObjectPropList depth 1 per folder
	modeObjectInfo                 // GetObjectHandles per folder, GetObjectInfo per object
)

func (m listMode) String() string {
	return [...]string{"proplist-all", "proplist-per-folder", "objectinfo"}[m]
}

// Open opens an MTP session on link and reads what the handset says about
// itself: OpenSession first, then GetDeviceInfo (some responders refuse it
// before a session), the storages and the battery level. A locked phone
// opens fine and has no storages: List then fails with device.ErrLocked
// until WaitUnlocked sees one. The Handset owns link and closes it.
func Open(ctx context.Context, link device.Link, opts Options) (*Handset, error) {
	c := NewClient(link)
	if opts.Timeout > 0 {
		c.Timeout = opts.Timeout
	}
	if opts.ListTimeout > 0 {
		c.ListTimeout = opts.ListTimeout
	}
	if err := c.OpenSession(ctx, opts.SessionID); err != nil {
		return nil, err
	}
	di, err := c.DeviceInfo(ctx)
	if err != nil {
		return nil, err
	}
	h := &Handset{c: c, link: link, di: di, opts: opts}
	if opts.NoPropList || !di.Supports(OpGetObjectPropList) {
		h.mode = modeObjectInfo
	}
	h.info = device.Info{Maker: strings.TrimSpace(di.Manufacturer), Model: strings.TrimSpace(di.Model),
		Serial: strings.TrimSpace(di.SerialNumber), Firmware: strings.TrimSpace(di.DeviceVersion),
		Protocol: "mtp", Battery: -1, Location: opts.Location}
	if b, err := h.Battery(ctx); err == nil {
		h.info.Battery = b
	} else if errors.Is(err, device.ErrDisconnected) || errors.Is(err, device.ErrTimeout) {
		return nil, err
	}
	ids, err := c.StorageIDs(ctx)
	if err != nil && !errors.Is(err, device.ErrLocked) {
		return nil, err
	}
	h.storages = ids
	return h, nil
}

// Client returns the underlying client, for tests and tools.
func (h *Handset) Client() *Client { return h.c }

// DeviceInfo returns the handset's DeviceInfo dataset.
func (h *Handset) DeviceInfo() *DeviceInfo { return h.di }

// Info returns what the handset said about itself when opened.
func (h *Handset) Info() device.Info { return h.info }

// ListMode names the listing strategy in use: "proplist-all",
// "proplist-per-folder" or "objectinfo". It changes only to fall back.
func (h *Handset) ListMode() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mode.String()
}

// Battery reads BatteryLevel (0x5001, UINT8) and scales it by the range's
// maximum when that is not 100.
func (h *Handset) Battery(ctx context.Context) (int, error) {
	if !h.di.HasDeviceProp(DevicePropBatteryLevel) {
		return -1, fmt.Errorf("mtp: handset does not report its battery level")
	}
	pd, err := h.c.DevicePropDesc(ctx, DevicePropBatteryLevel)
	if err != nil {
		return -1, err
	}
	v, ok := pd.Current.Uint()
	if !ok {
		return -1, fmt.Errorf("mtp: battery level of type 0x%04x: %w", uint16(pd.Type), device.ErrProtocol)
	}
	if mx, ok := pd.Max.Uint(); ok && pd.Form == FormRange && mx > 0 && mx != 100 {
		v = v * 100 / mx
	}
	return int(min(v, 100)), nil
}

// WaitUnlocked waits until the handset shows a storage: it watches for a
// StoreAdded event and polls GetStorageIDs every second, until ctx ends.
func (h *Handset) WaitUnlocked(ctx context.Context) error {
	ev := make(chan struct{}, 1)
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for {
			e, err := h.c.ReadEvent(ectx)
			if err != nil && ectx.Err() != nil {
				return
			}
			if err == nil && e.Code == EventStoreAdded {
				select {
				case ev <- struct{}{}:
				default:
				}
			}
			if err != nil {
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	for {
		h.mu.Lock()
		ids, err := h.c.StorageIDs(ctx)
		if err == nil && len(ids) > 0 {
			h.storages = ids
		}
		h.mu.Unlock()
		if err == nil && len(ids) > 0 {
			return nil
		}
		if err != nil && !errors.Is(err, device.ErrLocked) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("mtp: waiting for the handset to unlock: %w", ctx.Err())
		case <-ev:
		case <-time.After(time.Second):
		}
	}
}

// node is one object as the listing learned it.
type node struct {
	handle   uint32
	storage  uint32
	parent   uint32
	format   uint16
	name     string
	size     int64
	modified time.Time
	have     uint8 // bits: name, format, parent
}

const (
	haveName = 1 << iota
	haveFormat
	haveParent
	haveAll = haveName | haveFormat | haveParent
)

// maxDepth bounds folder nesting; deeper trees are cut with an error.
const maxDepth = 64

// maxObjects bounds a listing, so a hostile handset cannot exhaust memory.
const maxObjects = 4 << 20

// List returns the handset's objects of the given kinds (all when none),
// files only (folders give each item its Folder). It uses the cheapest
// strategy the handset supports and falls back, remembering the fallback:
// GetObjectPropList for every object in one transaction, checked against
// GetObjectHandles; GetObjectPropList depth 1 per folder; GetObjectHandles
// per folder and GetObjectInfo per object.
func (h *Handset) List(ctx context.Context, kinds ...device.Kind) ([]device.Item, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.storages) == 0 {
		ids, err := h.c.StorageIDs(ctx)
		if err != nil && !errors.Is(err, device.ErrLocked) {
			return nil, err
		}
		h.storages = ids
	}
	if len(h.storages) == 0 {
		return nil, fmt.Errorf("mtp: the handset shows no storage: unlock it and choose \"File transfer\" on its screen: %w", device.ErrLocked)
	}
	nodes, err := h.listNodes(ctx)
	if err != nil {
		return nil, err
	}
	return h.items(nodes, kinds), nil
}

func (h *Handset) listNodes(ctx context.Context) (map[uint32]*node, error) {
	for {
		var nodes map[uint32]*node
		var err error
		switch h.mode {
		case modeAllObjects:
			nodes, err = h.listAll(ctx)
		case modePerFolder:
			nodes, err = h.walk(ctx, true)
		default:
			nodes, err = h.walk(ctx, false)
			if err == nil && len(nodes) == 0 {
				err = h.checkEmpty(ctx)
			}
			if err != nil {
				return nil, err
			}
			return nodes, nil
		}
		if err == nil && len(nodes) == 0 {
			err = h.checkEmpty(ctx)
		}
		if err == nil {
			return nodes, nil
		}
		// Only a refusal or a listing that does not add up moves to the
		// next strategy; a lost or silent handset is the caller's problem.
		var re *ResponseError
		if !errors.As(err, &re) && !errors.Is(err, errInconsistent) {
			return nil, err
		}
		if errors.Is(err, device.ErrLocked) {
			return nil, err
		}
		h.mode++
		h.c.mu.Lock()
		h.c.warn("listing: %v; falling back to %s", err, h.mode)
		h.c.mu.Unlock()
	}
}

var errInconsistent = errors.New("mtp: GetObjectPropList listing does not match GetObjectHandles")

func (h *Handset) applyProps(nodes map[uint32]*node, l []PropElem) error {
	for _, el := range l {
		n := nodes[el.Handle]
		if n == nil {
			if len(nodes) >= maxObjects {
				return fmt.Errorf("mtp: more than %d objects: %w", maxObjects, device.ErrProtocol)
			}
			n = &node{handle: el.Handle, size: -1}
			nodes[el.Handle] = n
		}
		u, isInt := el.Value.Uint()
		switch el.Prop {
		case PropObjectFileName:
			n.name = el.Value.Str
			n.have |= haveName
		case PropObjectFormat:
			n.format = uint16(u)
			n.have |= haveFormat
		case PropParentObject:
			n.parent = uint32(u)
			n.have |= haveParent
		case PropStorageID:
			n.storage = uint32(u)
		case PropObjectSize:
			if isInt && u < 1<<62 {
				n.size = int64(u)
			}
		case PropDateModified:
			if t, err := ParseDate(el.Value.Str); err == nil {
				n.modified = t
			}
		}
	}
	return nil
}

// listAll lists every object with one GetObjectPropList and checks the
// count against one GetObjectHandles for all storages.
func (h *Handset) listAll(ctx context.Context) (map[uint32]*node, error) {
	l, err := h.c.ObjectPropList(ctx, AllHandles, 0, AllProps, DepthAll)
	if err != nil {
		return nil, err
	}
	nodes := map[uint32]*node{}
	if err := h.applyProps(nodes, l); err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if n.have != haveAll {
			return nil, fmt.Errorf("%w: object 0x%08x lacks name, format or parent", errInconsistent, n.handle)
		}
	}
	if !h.opts.TrustPropList {
		hs, err := h.c.ObjectHandles(ctx, AllStorages, 0, 0)
		if IsResponse(err) {
			// umtp-responder refuses storage 0xFFFFFFFF (InvalidStorageID,
			// which is not a lock here: the property list just came).
			return nil, fmt.Errorf("%w: %v", errInconsistent, err)
		}
		if err != nil {
			return nil, err
		}
		if len(hs) != len(nodes) {
			return nil, fmt.Errorf("%w: %d objects listed, %d handles", errInconsistent, len(nodes), len(hs))
		}
		for _, x := range hs {
			if nodes[x] == nil {
				return nil, fmt.Errorf("%w: handle 0x%08x missing", errInconsistent, x)
			}
		}
	}
	return nodes, nil
}

// walk lists folder by folder from each storage's root, breadth first,
// visiting each folder once (a folder met again is a loop and is skipped).
//
// With propList, each folder is one GetObjectPropList(folder, depth 1),
// the root being handle 0 (MTP 1.1 D.2.26; Android's MtpDatabase), and
// every answer must be the folder's children: objects whose ParentObject
// is the folder, never the folder itself. umtp-responder, for one, ignores
// the depth and answers with the object named (handle 0: the root folder
// itself). The first such listing also compares the root, and any folder
// that came back empty, with GetObjectHandles: the cost is one
// transaction per storage and empty folder, once per handset, which keeps
// later listings at the minimum (folders + 1). Any disagreement is
// errInconsistent, and List falls back to GetObjectInfo.
func (h *Handset) walk(ctx context.Context, propList bool) (map[uint32]*node, error) {
	nodes := map[uint32]*node{}
	type dir struct {
		storage, handle uint32
		depth           int
	}
	var queue []dir
	for _, s := range h.storages {
		queue = append(queue, dir{s, ParentRoot, 0})
	}
	visited := map[uint32]bool{}
	check := propList && !h.folderChecked
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		var kids []uint32
		if propList {
			var err error
			kids, err = h.folderPropList(ctx, nodes, d.storage, d.handle)
			if err != nil {
				return nil, err
			}
			if check && (d.handle == ParentRoot || len(kids) == 0) {
				if err := h.crossCheck(ctx, d.storage, d.handle, kids); err != nil {
					return nil, err
				}
			}
		} else {
			hs, err := h.c.ObjectHandles(ctx, d.storage, 0, d.handle)
			if err != nil {
				return nil, err
			}
			for _, k := range hs {
				if nodes[k] != nil {
					kids = append(kids, k) // seen already: a loop; no need to ask again
					continue
				}
				if len(nodes) >= maxObjects {
					return nil, fmt.Errorf("mtp: more than %d objects: %w", maxObjects, device.ErrProtocol)
				}
				oi, err := h.c.ObjectInfo(ctx, k)
				if err != nil {
					if IsResponse(err, RespInvalidObjectHandle) {
						continue // gone since the handles were listed
					}
					return nil, err
				}
				n := &node{handle: k, storage: oi.StorageID, parent: oi.ParentObject, format: oi.ObjectFormat,
					name: oi.Filename, size: int64(oi.CompressedSize), have: haveAll}
				if oi.CompressedSize == 0xFFFFFFFF {
					n.size = -1
					if h.di.Supports(OpGetObjectPropValue) {
						if v, err := h.c.ObjectPropValue(ctx, k, PropObjectSize, TypeUint64); err == nil && v.Int < 1<<62 {
							n.size = int64(v.Int)
						}
					}
				}
				if t, err := ParseDate(oi.ModificationDate); err == nil {
					n.modified = t
				}
				nodes[k] = n
				kids = append(kids, k)
			}
		}
		for _, k := range kids {
			n := nodes[k]
			if n.format != FormatAssociation || visited[k] {
				continue
			}
			visited[k] = true
			if d.depth+1 >= maxDepth {
				continue
			}
			queue = append(queue, dir{d.storage, k, d.depth + 1})
		}
	}
	if check {
		h.folderChecked = true
	}
	return nodes, nil
}

// isRoot reports whether a ParentObject value names a storage's root: 0
// (MTP 1.1, Android, QEMU, umtp-responder) or 0xFFFFFFFF (some cameras).
func isRoot(parent uint32) bool { return parent == 0 || parent == ParentRoot }

// folderPropList lists one folder's children (folder ParentRoot: the
// storage's root) with GetObjectPropList depth 1, checks that the answer is
// the folder's children and nothing else, adds them to nodes and returns
// their handles in the order the handset gave them.
func (h *Handset) folderPropList(ctx context.Context, nodes map[uint32]*node, storage, folder uint32) ([]uint32, error) {
	handle := folder
	if folder == ParentRoot {
		handle = 0 // depth 1 from handle 0: the root's children
	}
	l, err := h.c.ObjectPropList(ctx, handle, 0, AllProps, 1)
	if err != nil {
		return nil, err
	}
	got := map[uint32]*node{}
	if err := h.applyProps(got, l); err != nil {
		return nil, err
	}
	if len(nodes)+len(got) > maxObjects {
		return nil, fmt.Errorf("mtp: more than %d objects: %w", maxObjects, device.ErrProtocol)
	}
	var kids []uint32
	for _, el := range l {
		k := el.Handle
		n := got[k]
		if n == nil {
			continue // listed already
		}
		delete(got, k)
		switch {
		case k == 0 || k == AllHandles || k == folder:
			return nil, fmt.Errorf("%w: GetObjectPropList of folder 0x%08x, depth 1, answered with object 0x%08x, not the folder's children", errInconsistent, folder, k)
		case n.have != haveAll:
			return nil, fmt.Errorf("%w: object 0x%08x lacks name, format or parent", errInconsistent, k)
		case folder == ParentRoot && !isRoot(n.parent), folder != ParentRoot && n.parent != folder:
			return nil, fmt.Errorf("%w: GetObjectPropList of folder 0x%08x, depth 1, answered with object 0x%08x whose parent is 0x%08x", errInconsistent, folder, k, n.parent)
		case folder == ParentRoot && len(h.storages) > 1 && n.storage != 0 && n.storage != storage:
			continue // another storage's root object
		case nodes[k] != nil:
			continue // met in another folder already: a loop
		}
		nodes[k] = n
		kids = append(kids, k)
	}
	return kids, nil
}

// crossCheck compares a folder's GetObjectPropList children with
// GetObjectHandles(storage, any format, folder).
func (h *Handset) crossCheck(ctx context.Context, storage, folder uint32, kids []uint32) error {
	hs, err := h.c.ObjectHandles(ctx, storage, 0, folder)
	if err != nil {
		return err
	}
	if len(hs) != len(kids) {
		return fmt.Errorf("%w: folder 0x%08x of storage 0x%08x: GetObjectPropList lists %d children, GetObjectHandles %d", errInconsistent, folder, storage, len(kids), len(hs))
	}
	for _, k := range hs {
		if !slices.Contains(kids, k) {
			return fmt.Errorf("%w: folder 0x%08x of storage 0x%08x: GetObjectPropList lacks child 0x%08x", errInconsistent, folder, storage, k)
		}
	}
	return nil
}

// checkEmpty is called when a listing found no object at all. An empty
// phone is rare; a listing strategy the handset gets wrong is not. If
// GetObjectHandles shows anything at a storage's root, the listing was
// wrong (errInconsistent, so List falls back); if every strategy found
// nothing yet a storage reports bytes in use, List fails rather than let
// an export succeed empty.
func (h *Handset) checkEmpty(ctx context.Context) error {
	if h.mode != modeObjectInfo {
		for _, s := range h.storages {
			hs, err := h.c.ObjectHandles(ctx, s, 0, ParentRoot)
			if err != nil {
				return err
			}
			if len(hs) > 0 {
				return fmt.Errorf("%w: the %s listing found no objects, GetObjectHandles shows %d at the root of storage 0x%08x", errInconsistent, h.mode, len(hs), s)
			}
		}
	}
	for _, s := range h.storages {
		si, err := h.c.StorageInfo(ctx, s)
		if err != nil || si.MaxCapacity <= si.FreeSpace {
			continue
		}
		used := si.MaxCapacity - si.FreeSpace
		if h.mode != modeObjectInfo {
			return fmt.Errorf("%w: the %s listing found no objects, storage 0x%08x has %d bytes in use", errInconsistent, h.mode, s, used)
		}
		return fmt.Errorf("mtp: the handset lists no files or folders, yet storage 0x%08x (%q) has %d bytes in use: unlock it, choose \"File transfer\" on its screen and try again: %w",
			s, si.Description, used, device.ErrProtocol)
	}
	return nil
}

// folderOf builds the slash path of n's folder from its parents; a parent
// chain that loops or runs deeper than maxDepth is cut where it does.
func folderOf(nodes map[uint32]*node, n *node) string {
	var parts []string
	seen := map[uint32]bool{n.handle: true}
	for p := n.parent; p != 0 && p != ParentRoot && len(parts) < maxDepth; {
		pn := nodes[p]
		if pn == nil || seen[p] {
			break
		}
		seen[p] = true
		parts = append(parts, pn.name)
		p = pn.parent
	}
	slices.Reverse(parts)
	return "/" + strings.Join(parts, "/")
}

func (h *Handset) items(nodes map[uint32]*node, kinds []device.Kind) []device.Item {
	handles := make([]uint32, 0, len(nodes))
	for k, n := range nodes {
		if n.format != FormatAssociation {
			handles = append(handles, k)
		}
	}
	slices.Sort(handles)
	var out []device.Item
	for _, k := range handles {
		n := nodes[k]
		kind, format := Classify(n.name, n.format)
		if len(kinds) > 0 && !slices.Contains(kinds, kind) {
			continue
		}
		out = append(out, device.Item{Kind: kind, ID: fmt.Sprintf("0x%08x", k), Name: n.name,
			Folder: folderOf(nodes, n), Size: device.PlausibleSize(n.size), Modified: n.modified, Format: format})
	}
	return out
}

// Classify returns the Kind and media type of an object from its file
// extension first and its MTP format code second: Android reports a .vcf
// as Undefined (0x3000), while WPD-era phones give typed formats to objects
// whatever their names.
func Classify(name string, format uint16) (device.Kind, string) {
	if kind, mt, ok := device.ByExtension(name); ok {
		if kind == device.KindContact && format == FormatVCard2 {
			return kind, "text/x-vcard;version=2.1"
		}
		return kind, mt
	}
	switch format {
	case FormatVCard2:
		return device.KindContact, "text/x-vcard;version=2.1"
	case FormatVCard3:
		return device.KindContact, "text/vcard"
	case FormatVCal1:
		return device.KindEvent, "text/x-vcalendar"
	case FormatICal:
		return device.KindEvent, "text/calendar"
	case FormatEXIFJPEG, FormatJFIF:
		return device.KindPhoto, "image/jpeg"
	case FormatPNG:
		return device.KindPhoto, "image/png"
	case FormatHEIF:
		return device.KindPhoto, "image/heif"
	case FormatGIF:
		return device.KindPhoto, "image/gif"
	case FormatBMP:
		return device.KindPhoto, "image/bmp"
	case FormatTIFF, FormatTIFFEP:
		return device.KindPhoto, "image/tiff"
	case FormatDNG:
		return device.KindPhoto, "image/x-adobe-dng"
	case FormatText:
		return device.KindFile, "text/plain"
	}
	if strings.EqualFold(path.Ext(name), ".txt") {
		return device.KindFile, "text/plain"
	}
	return device.KindFile, "application/octet-stream"
}

// ParseID returns the object handle an Item.ID names.
func ParseID(id string) (uint32, error) {
	v, err := strconv.ParseUint(strings.TrimPrefix(id, "0x"), 16, 32)
	if err != nil || !strings.HasPrefix(id, "0x") {
		return 0, fmt.Errorf("mtp: %q is not an MTP object id", id)
	}
	return uint32(v), nil
}

// Open streams the object's bytes with one GetObject. Reading the returned
// reader drives the transfer; closing it early, or ctx ending, cancels the
// transaction on the handset. No other operation runs until the reader is
// closed.
func (h *Handset) Open(ctx context.Context, it device.Item) (io.ReadCloser, error) {
	handle, err := ParseID(it.ID)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, fmt.Errorf("mtp: handset closed: %w", device.ErrDisconnected)
	}
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer h.mu.Unlock()
		err := h.c.GetObject(ctx, handle, pw)
		if err != nil {
			err = fmt.Errorf("mtp: reading %q: %w", it.Name, err)
		}
		pw.CloseWithError(err)
	}()
	return &objectReader{pr: pr, done: done}, nil
}

type objectReader struct {
	pr   *io.PipeReader
	done chan struct{}
	once sync.Once
}

func (r *objectReader) Read(p []byte) (int, error) { return r.pr.Read(p) }

// Close stops the transfer if it is still running and waits for the
// session to be usable again.
func (r *objectReader) Close() error {
	r.once.Do(func() {
		r.pr.CloseWithError(errors.New("mtp: reader closed"))
		<-r.done
	})
	return nil
}

// Close ends the session (best effort, 2 s) and releases the link.
func (h *Handset) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	save := h.c.Timeout
	h.c.Timeout = 2 * time.Second
	h.c.CloseSession(ctx)
	h.c.Timeout = save
	return h.link.Close()
}
