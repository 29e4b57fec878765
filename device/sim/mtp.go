package sim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sk-rescue/sk-rescue/device/mtp"
	"github.com/sk-rescue/sk-rescue/device/sim/dataset"
)

// StorageID is the one storage the MTP responder serves, as QEMU and
// Android number their first.
const StorageID uint32 = 0x00010001

// UmtprdStorageID is the storage's ID under Quirks.Umtprd: umtp-responder
// numbers its first storage 0xFFFF0001.
const UmtprdStorageID uint32 = 0xFFFF0001

// Quirks switch the MTP responder into the misbehaviours real handsets and
// responders show (sources in the MTP research note, §1–§4).
type Quirks struct {
	// NoPropList: GetObjectPropList (0x9805) is neither advertised nor
	// answered, as QEMU's usb-mtp, and as libmtp treats Android.
	NoPropList bool
	// NoAllObjectsPropList: GetObjectPropList answers depth 0 and 1 but not
	// the all-objects form (SpecificationByDepthUnsupported).
	NoAllObjectsPropList bool
	// Android adds "android.com: 1.0;" to the extension string.
	Android bool
	// DeviceInfoNeedsSession: GetDeviceInfo before OpenSession is refused
	// with SessionNotOpen, as umtp-responder does.
	DeviceInfoNeedsSession bool
	// StaleSession: a session is already open when the host arrives, so
	// OpenSession answers SessionAlreadyOpen.
	StaleSession bool
	// SplitHeader: every data container's 12-byte header goes in its own
	// short packet.
	SplitHeader bool
	// JunkInsteadOfZLP: a data phase that ends on a packet boundary ends
	// with one junk byte instead of a ZLP (libmtp NO_ZERO_READS).
	JunkInsteadOfZLP bool
	// ResponseInPlaceOfZLP: no ZLP; the response follows at once, so the
	// host may read it in the same transfer as the data tail.
	ResponseInPlaceOfZLP bool
	// Locked: no storages until Unlock, which sends StoreAdded.
	Locked bool
	// DropAfterObjectBytes unplugs the device once it has sent this many
	// bytes of object data (GetObject, GetPartialObject); 0 is never.
	DropAfterObjectBytes int64
	// UnknownLengthOver sends data containers with more payload than this
	// with length 0xFFFFFFFF, as a responder does for objects of 4 GiB or
	// more; 0 only does so when the length does not fit.
	UnknownLengthOver int64
	// Hostile adds a /hostile folder of objects built to break a client:
	// names with "../", "/etc/passwd", a NUL, 10 000 characters; a folder
	// that is its own parent; an ObjectInfo size of 0xFFFFFFFF with a lying
	// 0xDC04; an object whose data container claims far more than it sends.
	Hostile bool
	// NoBattery: BatteryLevel (0x5001) is not advertised.
	NoBattery bool
	// Umtprd answers as Debian's umtp-responder 1.3.10 (umtprd) does, seen
	// in the USB lab and read in its source (mtp_op_getobjectproplist.c,
	// mtp_op_getobjecthandles.c, fs_handles_db.c):
	//   - GetDeviceInfo before OpenSession is SessionNotOpen; the extension
	//     string claims "android.com"; GetNumObjects is not offered.
	//   - The storage is UmtprdStorageID; storage 0xFFFFFFFF (all) is
	//     InvalidStorageID.
	//   - The tree is built lazily: an object has no handle until
	//     GetObjectHandles has listed its folder; before that every
	//     operation naming it answers InvalidObjectHandle.
	//   - GetObjectHandles takes parent 0 and 0xFFFFFFFF both as the root,
	//     and ignores the format.
	//   - GetObjectPropList ignores depth and format and answers with the
	//     one object its handle names: handle 0 is the root folder itself
	//     ("/", an Association whose parent is 0), so depth 1 from handle 0
	//     yields one object that is no child of the root; 0xFFFFFFFF, and so
	//     the all-objects form, is InvalidObjectHandle.
	Umtprd bool
}

type object struct {
	handle   uint32
	parent   uint32 // 0: storage root
	name     string
	format   uint16
	data     []byte
	size     uint64 // reported size
	infoSize uint32 // ObjectInfo size
	modified time.Time
	children []uint32
	lieLen   uint32 // data container length to claim instead of the truth
}

func (o *object) dir() bool { return o.format == mtp.FormatAssociation }

// MTPResponder serves a dataset.Phone as an MTP 1.1 responder: one storage
// (StorageID) holding the phone's files, folders as Associations, handles
// numbered from 1 in path order (deterministic for a dataset). It refuses
// every mutating operation (StoreReadOnly or AccessDenied) and answers
// unknown ones with OperationNotSupported; all are counted.
type MTPResponder struct {
	phone   *dataset.Phone
	quirks  Quirks
	objs    map[uint32]*object
	order   []uint32 // every handle in path order
	root    []uint32
	byPath  map[string]uint32
	battery atomic.Int32
	storage uint32
	rootObj *object         // Umtprd: the root folder as object 0
	known   map[uint32]bool // Umtprd: handles GetObjectHandles has listed

	mu       sync.Mutex
	dev      *DeviceEnd
	session  uint32
	locked   bool
	ops      map[uint16]int
	mutating int
	sentData int64
	busy     bool

	cancel atomic.Uint32 // TID+1 of a cancelled transaction
}

// NewMTPResponder builds a responder for p.
func NewMTPResponder(p *dataset.Phone, q Quirks) *MTPResponder {
	r := &MTPResponder{phone: p, quirks: q, objs: map[uint32]*object{}, byPath: map[string]uint32{},
		ops: map[uint16]int{}, locked: q.Locked, storage: StorageID}
	r.battery.Store(int32(p.Battery))
	if q.Umtprd {
		r.quirks.DeviceInfoNeedsSession, r.quirks.Android = true, true
		r.storage = UmtprdStorageID
		r.known = map[uint32]bool{}
		r.rootObj = &object{name: "/", format: mtp.FormatAssociation, modified: time.Unix(0, 0).UTC()}
	}
	if q.StaleSession {
		r.session = 0x5EED
	}
	files := append([]dataset.File(nil), p.Files...)
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	for _, f := range files {
		o := r.add(path.Clean("/"+f.Path), f.Format, f.Modified)
		o.data = f.Data
		o.size = uint64(len(f.Data))
		o.infoSize = uint32(min(o.size, 0xFFFFFFFF))
	}
	if q.Hostile {
		r.addHostile()
	}
	return r
}

// add creates the object at p and its missing folders.
func (r *MTPResponder) add(p string, format uint16, mod time.Time) *object {
	if h, ok := r.byPath[p]; ok {
		return r.objs[h]
	}
	var parent uint32
	if dir := path.Dir(p); dir != "/" {
		parent = r.add(dir, mtp.FormatAssociation, mod).handle
	}
	h := uint32(len(r.order) + 1)
	o := &object{handle: h, parent: parent, name: path.Base(p), format: format, modified: mod}
	r.objs[h] = o
	r.order = append(r.order, h)
	r.byPath[p] = h
	if parent == 0 {
		r.root = append(r.root, h)
	} else {
		r.objs[parent].children = append(r.objs[parent].children, h)
	}
	return o
}

func (r *MTPResponder) addHostile() {
	mod := time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)
	file := func(name string, data string) *object {
		o := r.add("/hostile/"+fmt.Sprint(len(r.order)), mtp.FormatUndefined, mod)
		o.name, o.data, o.size, o.infoSize = name, []byte(data), uint64(len(data)), uint32(len(data))
		return o
	}
	file("../../../etc/passwd", "dotdot")
	file("/etc/passwd", "absolute")
	file("nul\x00.jpg", "nul")
	file(strings.Repeat("n", 10000), "long")
	huge := file("huge.bin", "claims to be huge")
	huge.infoSize, huge.size = 0xFFFFFFFF, 1<<50
	liar := file("liar.bin", "claims a longer data phase")
	liar.lieLen = 0x7FFFFFF0
	loop := r.add("/hostile/loop", mtp.FormatAssociation, mod)
	loop.parent = loop.handle
	loop.children = append(loop.children, loop.handle)
}

// readOnlyOps are the operations that only read a phone, written as the
// codes of PIMA 15740 §10.4 and MTP 1.1 Appendix D rather than through
// device/mtp, so that a mistake in the client's own table cannot hide here:
// the simulator counts anything else as mutating. Opening and closing a
// session changes no data.
var readOnlyOps = map[uint16]bool{
	0x1001: true, // GetDeviceInfo
	0x1002: true, // OpenSession
	0x1003: true, // CloseSession
	0x1004: true, // GetStorageIDs
	0x1005: true, // GetStorageInfo
	0x1006: true, // GetNumObjects
	0x1007: true, // GetObjectHandles
	0x1008: true, // GetObjectInfo
	0x1009: true, // GetObject
	0x100A: true, // GetThumb
	0x1014: true, // GetDevicePropDesc
	0x1015: true, // GetDevicePropValue
	0x101B: true, // GetPartialObject
	0x9801: true, // GetObjectPropsSupported
	0x9802: true, // GetObjectPropDesc
	0x9803: true, // GetObjectPropValue
	0x9805: true, // GetObjectPropList
	0x9810: true, // GetObjectReferences
	0x95C1: true, // Android GetPartialObject64
}

// Handle returns the handle of the object at path p ("/DCIM/a.jpg"), or 0.
func (r *MTPResponder) Handle(p string) uint32 { return r.byPath[p] }

// Stats returns how many times each operation was requested, and how many
// requests were mutating (anything not in readOnlyOps). sk-rescue's tests
// assert the second is 0.
func (r *MTPResponder) Stats() (ops map[uint16]int, mutating int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ops = make(map[uint16]int, len(r.ops))
	for k, v := range r.ops {
		ops[k] = v
	}
	return ops, r.mutating
}

// Transactions returns the number of operations requested.
func (r *MTPResponder) Transactions() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, v := range r.ops {
		n += v
	}
	return n
}

// SetBattery changes the reported charge.
func (r *MTPResponder) SetBattery(pct int) { r.battery.Store(int32(pct)) }

// Unlock makes the storage visible and sends StoreAdded, as a phone does
// when its user unlocks it or picks "File transfer".
func (r *MTPResponder) Unlock() error {
	r.mu.Lock()
	r.locked = false
	r.mu.Unlock()
	return r.SendEvent(mtp.EventStoreAdded, r.storage)
}

// SendEvent sends an event container on the interrupt endpoint.
func (r *MTPResponder) SendEvent(code uint16, params ...uint32) error {
	r.mu.Lock()
	dev := r.dev
	r.mu.Unlock()
	if dev == nil {
		return errors.New("sim: responder not serving")
	}
	return dev.SendEvent(mtp.Container{Type: mtp.TypeEvent, Code: code, Params: params}.Marshal())
}

// StartMTP builds a responder for p, connects it to a new link with model
// m and serves it until the host closes the link.
func StartMTP(p *dataset.Phone, q Quirks, m Model) (*HostEnd, *MTPResponder) {
	host, dev := NewLink(m)
	r := NewMTPResponder(p, q)
	go r.Serve(context.Background(), dev)
	return host, r
}

// Serve answers the host on dev until the link closes or ctx ends.
func (r *MTPResponder) Serve(ctx context.Context, dev *DeviceEnd) error {
	r.mu.Lock()
	r.dev = dev
	r.mu.Unlock()
	dev.HandleControl(r.control)
	buf := make([]byte, 64<<10)
	for {
		n, err := dev.Read(ctx, buf)
		if err != nil {
			return err
		}
		c, err := mtp.ParseContainer(buf[:n])
		if err != nil || c.Type != mtp.TypeCommand {
			continue // a real device would stall; the host will time out
		}
		r.cancel.Store(0)
		if err := r.serve(ctx, dev, c); err != nil {
			return err
		}
	}
}

// control answers the PTP still-image class requests (USB Still Image
// Capture Device Definition §5.2): Cancel 0x64 and Get Device Status 0x67.
func (r *MTPResponder) control(requestType, request uint8, value, index uint16, data []byte) (int, error) {
	switch request {
	case 0x64:
		if len(data) >= 6 {
			r.cancel.Store(binary.LittleEndian.Uint32(data[2:]) + 1)
		}
		return len(data), nil
	case 0x67:
		r.mu.Lock()
		code := mtp.RespOK
		if r.busy {
			code = mtp.RespDeviceBusy
		}
		r.mu.Unlock()
		st := binary.LittleEndian.AppendUint16(binary.LittleEndian.AppendUint16(nil, 4), code)
		return copy(data, st), nil
	}
	return 0, ErrStall
}

type reply struct {
	code   uint16
	params []uint32
}

func ok(params ...uint32) reply { return reply{code: mtp.RespOK, params: params} }
func fail(code uint16) reply    { return reply{code: code} }

// hasOutData is the set of operations whose data phase goes host→device.
func hasOutData(op uint16) bool {
	switch op {
	case mtp.OpSendObjectInfo, mtp.OpSendObject, mtp.OpSetDevicePropValue, mtp.OpSetObjectPropValue,
		mtp.OpSetObjectPropList, mtp.OpSendObjectPropList, mtp.OpSetObjectReferences, mtp.OpAndroidSendPartialObj:
		return true
	}
	return false
}

func (r *MTPResponder) serve(ctx context.Context, dev *DeviceEnd, c mtp.Container) error {
	r.mu.Lock()
	r.ops[c.Code]++
	mut := !readOnlyOps[c.Code]
	if mut {
		r.mutating++
	}
	session, locked := r.session, r.locked
	r.busy = true
	r.mu.Unlock()
	idle := func() { r.mu.Lock(); r.busy = false; r.mu.Unlock() }
	defer idle()

	var rep reply
	var data []byte
	var obj *object
	var objOff, objLen int64
	needSession := c.Code != mtp.OpGetDeviceInfo && c.Code != mtp.OpOpenSession
	if c.Code == mtp.OpGetDeviceInfo && r.quirks.DeviceInfoNeedsSession {
		needSession = true
	}
	switch {
	case mut:
		if hasOutData(c.Code) {
			if err := r.drainOut(ctx, dev); err != nil {
				return err
			}
		}
		switch c.Code {
		case mtp.OpResetDevice, mtp.OpSetDevicePropValue, mtp.OpPowerDown, mtp.OpSelfTest, mtp.OpResetDevicePropValue:
			rep = fail(mtp.RespAccessDenied)
		default:
			if mtp.KnownOp(c.Code) {
				rep = fail(mtp.RespStoreReadOnly)
			} else {
				rep = fail(mtp.RespOperationNotSupported)
			}
		}
	case needSession && session == 0:
		rep = fail(mtp.RespSessionNotOpen)
	default:
		rep, data, obj, objOff, objLen = r.op(c, locked)
	}

	if rep.code == mtp.RespOK && (data != nil || obj != nil) {
		var err error
		if obj != nil {
			err = r.sendObject(ctx, dev, c, obj, objOff, objLen)
		} else {
			err = r.sendData(ctx, dev, c, data, 0)
		}
		if errors.Is(err, errCancelled) {
			return nil // no response to a cancelled transaction
		}
		if err != nil {
			return err
		}
	}
	idle() // the transaction is over once its response is on the wire
	_, err := dev.Write(ctx, mtp.Container{Type: mtp.TypeResponse, Code: rep.code, TID: c.TID, Params: rep.params}.Marshal())
	return err
}

// drainOut reads and discards a host→device data phase.
func (r *MTPResponder) drainOut(ctx context.Context, dev *DeviceEnd) error {
	buf := make([]byte, 64<<10)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var total, want int64 = 0, -1
	for {
		n, err := dev.Read(ctx, buf)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return nil
			}
			return err
		}
		if want < 0 && n >= mtp.HeaderSize {
			if h, _ := mtp.ParseHeader(buf[:n]); h.Length != mtp.LengthUnknown {
				want = int64(h.Length)
			}
		}
		total += int64(n)
		if n < len(buf) && (want < 0 || total >= want) {
			return nil
		}
	}
}

func (r *MTPResponder) storageOK(id uint32, locked bool) uint16 {
	if locked {
		return mtp.RespInvalidStorageID
	}
	if id != r.storage && (id != mtp.AllStorages || r.quirks.Umtprd) {
		return mtp.RespInvalidStorageID
	}
	return mtp.RespOK
}

func (r *MTPResponder) deviceInfo() *mtp.DeviceInfo {
	ops := []uint16{mtp.OpGetDeviceInfo, mtp.OpOpenSession, mtp.OpCloseSession, mtp.OpGetStorageIDs,
		mtp.OpGetStorageInfo, mtp.OpGetNumObjects, mtp.OpGetObjectHandles, mtp.OpGetObjectInfo, mtp.OpGetObject,
		mtp.OpGetPartialObject, mtp.OpGetDevicePropDesc, mtp.OpGetDevicePropValue,
		mtp.OpGetObjectPropsSupported, mtp.OpGetObjectPropValue, mtp.OpAndroidGetPartialObj64}
	if !r.quirks.NoPropList {
		ops = append(ops, mtp.OpGetObjectPropList)
	}
	if r.quirks.Umtprd {
		ops = slices.DeleteFunc(ops, func(op uint16) bool { return op == mtp.OpGetNumObjects })
	}
	ext := "microsoft.com: 1.0;"
	if r.quirks.Android {
		ext += " android.com: 1.0;"
	}
	var props []uint16
	if !r.quirks.NoBattery {
		props = []uint16{mtp.DevicePropBatteryLevel}
	}
	return &mtp.DeviceInfo{StandardVersion: 100, VendorExtensionID: 6, VendorExtensionVersion: 100,
		VendorExtensionDesc: ext, Operations: ops,
		Events:      []uint16{mtp.EventObjectAdded, mtp.EventObjectRemoved, mtp.EventStoreAdded, mtp.EventStoreRemoved},
		DeviceProps: props, CaptureFormats: []uint16{},
		PlaybackFormats: []uint16{mtp.FormatUndefined, mtp.FormatAssociation, mtp.FormatEXIFJPEG,
			mtp.FormatVCard2, mtp.FormatVCard3, mtp.FormatVCal1, mtp.FormatICal},
		Manufacturer: r.phone.Maker, Model: r.phone.Model, DeviceVersion: r.phone.Firmware, SerialNumber: r.phone.Serial}
}

var supportedProps = []uint16{mtp.PropStorageID, mtp.PropObjectFormat, mtp.PropProtectionStatus, mtp.PropObjectSize,
	mtp.PropObjectFileName, mtp.PropDateModified, mtp.PropParentObject, mtp.PropPersistentUID, mtp.PropName}

func (r *MTPResponder) propValue(o *object, prop uint16) (mtp.Value, bool) {
	switch prop {
	case mtp.PropStorageID:
		return mtp.UintValue(mtp.TypeUint32, uint64(r.storage)), true
	case mtp.PropObjectFormat:
		return mtp.UintValue(mtp.TypeUint16, uint64(o.format)), true
	case mtp.PropProtectionStatus:
		return mtp.UintValue(mtp.TypeUint16, 0), true
	case mtp.PropObjectSize:
		return mtp.UintValue(mtp.TypeUint64, o.size), true
	case mtp.PropObjectFileName, mtp.PropName:
		return mtp.StringValue(o.name), true
	case mtp.PropDateModified:
		return mtp.StringValue(mtp.FormatDate(o.modified)), true
	case mtp.PropParentObject:
		return mtp.UintValue(mtp.TypeUint32, uint64(o.parent)), true
	case mtp.PropPersistentUID:
		v := mtp.Value{Type: mtp.TypeUint128}
		binary.LittleEndian.PutUint32(v.Wide[:], o.handle)
		copy(v.Wide[4:], "sk-rescue-sim")
		return v, true
	}
	return mtp.Value{}, false
}

func (r *MTPResponder) children(parent uint32) []uint32 {
	if parent == 0 {
		return r.root
	}
	return r.objs[parent].children
}

// op answers one read-only operation: a response, and data to send (a
// dataset, or a range of an object's bytes).
func (r *MTPResponder) op(c mtp.Container, locked bool) (rep reply, data []byte, obj *object, off, n int64) {
	p := c.Param
	getObj := func(h uint32) (*object, uint16) {
		if locked {
			return nil, mtp.RespInvalidStorageID
		}
		o, found := r.objs[h]
		if !found || (r.known != nil && !r.known[h]) {
			return nil, mtp.RespInvalidObjectHandle
		}
		return o, mtp.RespOK
	}
	switch c.Code {
	case mtp.OpGetDeviceInfo:
		return ok(), r.deviceInfo().Encode(), nil, 0, 0
	case mtp.OpOpenSession:
		r.mu.Lock()
		defer r.mu.Unlock()
		switch {
		case r.session != 0:
			return reply{code: mtp.RespSessionAlreadyOpen, params: []uint32{r.session}}, nil, nil, 0, 0
		case p(0) == 0:
			return fail(mtp.RespInvalidParameter), nil, nil, 0, 0
		}
		r.session = p(0)
		return ok(), nil, nil, 0, 0
	case mtp.OpCloseSession:
		r.mu.Lock()
		r.session = 0
		r.mu.Unlock()
		return ok(), nil, nil, 0, 0
	case mtp.OpGetStorageIDs:
		ids := []uint32{}
		if !locked {
			ids = append(ids, r.storage)
		}
		return ok(), mtp.EncodeAU32(ids), nil, 0, 0
	case mtp.OpGetStorageInfo:
		if p(0) != r.storage || locked {
			return fail(mtp.RespInvalidStorageID), nil, nil, 0, 0
		}
		var used uint64
		for _, o := range r.objs {
			used += uint64(len(o.data))
		}
		si := &mtp.StorageInfo{StorageType: mtp.StorageFixedRAM, FilesystemType: mtp.FSGenericHierarchy,
			AccessCapability: mtp.AccessReadOnlyNoDel, MaxCapacity: 1 << 30, FreeSpace: (1 << 30) - min(used, 1<<30),
			FreeObjects: 0xFFFFFFFF, Description: "Internal storage", VolumeLabel: r.phone.Model}
		return ok(), si.Encode(), nil, 0, 0
	case mtp.OpGetNumObjects, mtp.OpGetObjectHandles:
		if c.Code == mtp.OpGetNumObjects && r.quirks.Umtprd {
			return fail(mtp.RespOperationNotSupported), nil, nil, 0, 0
		}
		if code := r.storageOK(p(0), locked); code != mtp.RespOK {
			return fail(code), nil, nil, 0, 0
		}
		if r.quirks.Umtprd {
			return r.umtprdHandles(p(2))
		}
		var hs []uint32
		switch parent := p(2); parent {
		case 0:
			hs = r.order
		case mtp.ParentRoot:
			hs = r.root
		default:
			o, code := getObj(parent)
			if code != mtp.RespOK {
				return fail(code), nil, nil, 0, 0
			}
			if !o.dir() {
				return fail(mtp.RespInvalidParentObject), nil, nil, 0, 0
			}
			hs = o.children
		}
		out := []uint32{}
		for _, h := range hs {
			if f := uint16(p(1)); f == 0 || r.objs[h].format == f {
				out = append(out, h)
			}
		}
		if c.Code == mtp.OpGetNumObjects {
			return ok(uint32(len(out))), nil, nil, 0, 0
		}
		return ok(), mtp.EncodeAU32(out), nil, 0, 0
	case mtp.OpGetObjectInfo:
		o, code := getObj(p(0))
		if code != mtp.RespOK {
			return fail(code), nil, nil, 0, 0
		}
		oi := &mtp.ObjectInfo{StorageID: r.storage, ObjectFormat: o.format, CompressedSize: o.infoSize,
			ParentObject: o.parent, Filename: o.name, CaptureDate: mtp.FormatDate(o.modified),
			ModificationDate: mtp.FormatDate(o.modified)}
		if o.dir() {
			oi.AssociationType = mtp.AssocGenericFolder
		}
		return ok(), oi.Encode(), nil, 0, 0
	case mtp.OpGetObject, mtp.OpGetPartialObject, mtp.OpAndroidGetPartialObj64:
		o, code := getObj(p(0))
		if code != mtp.RespOK {
			return fail(code), nil, nil, 0, 0
		}
		if o.dir() {
			return fail(mtp.RespInvalidObjectHandle), nil, nil, 0, 0
		}
		size := int64(len(o.data))
		switch c.Code {
		case mtp.OpGetObject:
			return ok(), nil, o, 0, size
		case mtp.OpGetPartialObject:
			off, n = int64(p(1)), int64(p(2))
		default:
			off, n = int64(p(1))|int64(p(2))<<32, int64(p(3))
		}
		if off > size {
			return fail(mtp.RespInvalidParameter), nil, nil, 0, 0
		}
		n = min(n, size-off)
		return ok(uint32(n)), nil, o, off, n
	case mtp.OpGetDevicePropDesc, mtp.OpGetDevicePropValue:
		if uint16(p(0)) != mtp.DevicePropBatteryLevel || r.quirks.NoBattery {
			return fail(mtp.RespDevicePropNotSupported), nil, nil, 0, 0
		}
		cur := mtp.UintValue(mtp.TypeUint8, uint64(uint8(r.battery.Load())))
		if c.Code == mtp.OpGetDevicePropValue {
			return ok(), mtp.EncodeValue(cur), nil, 0, 0
		}
		pd := &mtp.DevicePropDesc{Code: mtp.DevicePropBatteryLevel, Type: mtp.TypeUint8, Default: mtp.UintValue(mtp.TypeUint8, 0),
			Current: cur, Form: mtp.FormRange, Min: mtp.UintValue(mtp.TypeUint8, 0), Max: mtp.UintValue(mtp.TypeUint8, 100),
			Step: mtp.UintValue(mtp.TypeUint8, 1)}
		return ok(), pd.Encode(), nil, 0, 0
	case mtp.OpGetObjectPropsSupported:
		return ok(), mtp.EncodeAU16(supportedProps), nil, 0, 0
	case mtp.OpGetObjectPropValue:
		o, code := getObj(p(0))
		if code != mtp.RespOK {
			return fail(code), nil, nil, 0, 0
		}
		v, found := r.propValue(o, uint16(p(1)))
		if !found {
			return fail(mtp.RespInvalidObjectPropCode), nil, nil, 0, 0
		}
		return ok(), mtp.EncodeValue(v), nil, 0, 0
	case mtp.OpGetObjectPropList:
		if r.quirks.NoPropList {
			return fail(mtp.RespOperationNotSupported), nil, nil, 0, 0
		}
		if r.quirks.Umtprd {
			return r.umtprdPropList(c, locked)
		}
		return r.propList(c, locked)
	}
	return fail(mtp.RespOperationNotSupported), nil, nil, 0, 0
}

// propList answers GetObjectPropList as Android's MtpDatabase does: depth 0
// or 1, the all-objects form (handle 0 or 0xFFFFFFFF with depth
// 0xFFFFFFFF), no groups, one property or all of them.
func (r *MTPResponder) propList(c mtp.Container, locked bool) (reply, []byte, *object, int64, int64) {
	h, format, prop, group, depth := c.Param(0), uint16(c.Param(1)), c.Param(2), c.Param(3), c.Param(4)
	none := func(code uint16) (reply, []byte, *object, int64, int64) { return fail(code), nil, nil, 0, 0 }
	if locked {
		return none(mtp.RespInvalidStorageID)
	}
	if group != 0 {
		return none(mtp.RespSpecByGroupUnsupported)
	}
	if prop == 0 {
		return none(mtp.RespParameterNotSupported)
	}
	all := false
	if depth == mtp.DepthAll && (h == 0 || h == mtp.AllHandles) {
		if r.quirks.NoAllObjectsPropList {
			return none(mtp.RespSpecByDepthUnsupported)
		}
		all = true
	} else if depth > 1 {
		return none(mtp.RespSpecByDepthUnsupported)
	}
	var hs []uint32
	switch {
	case all:
		hs = r.order
	case depth == 0:
		if _, found := r.objs[h]; !found {
			return none(mtp.RespInvalidObjectHandle)
		}
		hs = []uint32{h}
	case h == 0 || h == mtp.AllHandles:
		hs = r.root
	default:
		o, found := r.objs[h]
		if !found {
			return none(mtp.RespInvalidObjectHandle)
		}
		hs = o.children
	}
	props := supportedProps
	if prop != mtp.AllProps {
		if _, found := r.propValue(r.objs[1], uint16(prop)); !found && len(r.objs) > 0 {
			return none(mtp.RespInvalidObjectPropCode)
		}
		props = []uint16{uint16(prop)}
	}
	var l []mtp.PropElem
	for _, h := range hs {
		o := r.objs[h]
		if format != 0 && o.format != format {
			continue
		}
		for _, pc := range props {
			v, _ := r.propValue(o, pc)
			l = append(l, mtp.PropElem{Handle: h, Prop: pc, Value: v})
		}
	}
	return ok(), mtp.EncodePropList(l), nil, 0, 0
}

// umtprdHandles answers GetObjectHandles as umtp-responder does (see
// Quirks.Umtprd): parent 0 or 0xFFFFFFFF is the root, the format is
// ignored, an unknown parent lists nothing, and every handle listed becomes
// known. The storage was checked by the caller.
func (r *MTPResponder) umtprdHandles(parent uint32) (reply, []byte, *object, int64, int64) {
	var hs []uint32
	if parent == 0 || parent == mtp.ParentRoot {
		hs = r.root
	} else if o := r.objs[parent]; o != nil && r.known[parent] {
		hs = o.children
	}
	out := []uint32{}
	for _, h := range hs {
		r.known[h] = true
		out = append(out, h)
	}
	return ok(), mtp.EncodeAU32(out), nil, 0, 0
}

// umtprdPropList answers GetObjectPropList as umtp-responder does (see
// Quirks.Umtprd): the one object the handle names, whatever the depth.
func (r *MTPResponder) umtprdPropList(c mtp.Container, locked bool) (reply, []byte, *object, int64, int64) {
	h, prop, group := c.Param(0), c.Param(2), c.Param(3)
	if prop == 0 && group == 0 {
		return fail(mtp.RespParameterNotSupported), nil, nil, 0, 0
	}
	o := r.rootObj
	if h != 0 {
		o = r.objs[h]
		if o == nil || !r.known[h] || locked {
			return fail(mtp.RespInvalidObjectHandle), nil, nil, 0, 0
		}
	}
	props := supportedProps
	if prop != mtp.AllProps {
		props = []uint16{uint16(prop)}
	}
	var l []mtp.PropElem
	for _, pc := range props {
		if v, found := r.propValue(o, pc); found {
			l = append(l, mtp.PropElem{Handle: h, Prop: pc, Value: v})
		}
	}
	return ok(), mtp.EncodePropList(l), nil, 0, 0
}

var errCancelled = errors.New("sim: transaction cancelled")

// chunk is how much the responder hands the link per write: a multiple of
// every packet size.
const chunk = 256 << 10

func (r *MTPResponder) sendObject(ctx context.Context, dev *DeviceEnd, c mtp.Container, o *object, off, n int64) error {
	return r.sendPayload(ctx, dev, c, o.data[off:off+n], o.lieLen, true)
}

func (r *MTPResponder) sendData(ctx context.Context, dev *DeviceEnd, c mtp.Container, data []byte, _ int) error {
	return r.sendPayload(ctx, dev, c, data, 0, false)
}

// sendPayload sends one data container with the framing the quirks ask for.
func (r *MTPResponder) sendPayload(ctx context.Context, dev *DeviceEnd, c mtp.Container, payload []byte, lie uint32, isObject bool) error {
	mps := dev.MaxPacketSize()
	h := mtp.DataHeader(c.Code, c.TID, int64(len(payload)))
	if u := r.quirks.UnknownLengthOver; u > 0 && int64(len(payload)) > u {
		h.Length = mtp.LengthUnknown
	}
	if lie != 0 {
		h.Length = lie
	}
	head := mtp.AppendHeader(make([]byte, 0, chunk), h)
	total := len(payload)
	if r.quirks.SplitHeader {
		if _, err := dev.Write(ctx, head); err != nil {
			return err
		}
		head = head[:0]
	} else {
		total += mtp.HeaderSize
	}
	write := func(b []byte) error {
		if isObject && r.quirks.DropAfterObjectBytes > 0 {
			r.mu.Lock()
			left := r.quirks.DropAfterObjectBytes - r.sentData
			r.sentData += int64(len(b))
			r.mu.Unlock()
			if left < int64(len(b)) {
				if left > 0 {
					dev.Write(ctx, b[:left-left%int64(mps)])
				}
				dev.Disconnect()
				return dev.Err()
			}
		}
		_, err := dev.Write(ctx, b)
		return err
	}
	first := min(len(payload), chunk-len(head))
	if err := write(append(head, payload[:first]...)); err != nil {
		return err
	}
	for rest := payload[first:]; len(rest) > 0; {
		if r.cancel.Load() == c.TID+1 {
			return errCancelled
		}
		k := min(len(rest), chunk)
		if err := write(rest[:k]); err != nil {
			return err
		}
		rest = rest[k:]
	}
	if total%mps != 0 || (r.quirks.SplitHeader && total == 0) {
		return nil
	}
	switch {
	case r.quirks.ResponseInPlaceOfZLP:
		return nil
	case r.quirks.JunkInsteadOfZLP:
		_, err := dev.Write(ctx, []byte{0})
		return err
	}
	_, err := dev.Write(ctx, nil)
	return err
}
