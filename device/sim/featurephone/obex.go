package featurephone

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sk-rescue/sk-rescue/device/obex"
	"github.com/sk-rescue/sk-rescue/device/sim"
)

// OBEXQuirks switch the OBEX responder into behaviours of real phones.
type OBEXQuirks struct {
	// RefuseBulk answers GET telecom/pb.vcf with this response code
	// (obex.RespForbidden, obex.RespNotFound, …) every time; 0 serves it.
	// The entries stay readable one by one (telecom/pb/<n>.vcf).
	RefuseBulk byte
	// Busy answers the first Busy GETs with Service Unavailable, as a
	// phone with a dialog open does.
	Busy int
	// Split sends every response over several short USB transfers (1 byte,
	// 2 bytes, then 61-byte pieces), so the client must reassemble.
	Split bool
	// MaxPacket is the largest packet the phone sends or accepts; 0 means
	// 2048.
	MaxPacket uint16
	// EmptyContinue answers every GET of telecom/pb.vcf, and every GET
	// continuing it, with Continue and no body: a phone stuck in the
	// middle of an object, until the host sends ABORT.
	EmptyContinue bool
	// OverLength serves telecom/pb.vcf with a Length header giving its
	// true size but a body that never ends (the phonebook over and over),
	// until the host sends ABORT.
	OverLength bool
	// NoLength leaves the Length header out of every GET's first
	// response; with OverLength only the host's own size cap ends the
	// phonebook.
	NoLength bool
}

// The folder listing of HostileFolder carries, besides the real files, an
// entry named HostileFile of HostileSize bytes: a name no client may use
// as a path, listed and never served.
const (
	HostileFolder = "/Pictures"
	HostileFile   = "../../etc/passwd.jpg"
	HostileSize   = 12
)

// OBEXResponder serves the phone's IrMC and folder-browsing services.
type OBEXResponder struct {
	d       *Data
	q       OBEXQuirks
	objects map[string][]byte // IrMC names
	tree    map[string]*node  // folder path ("/", "/Pictures") → node

	mu       sync.Mutex
	ops      map[byte]int
	names    map[string]int
	mutating int
	mutLog   []string // the mutating requests, described, in order (first maxMutLog)
	busyLeft int
}

type node struct {
	folders []string
	files   []string
	data    map[string][]byte
	mod     map[string]time.Time
	extra   string // raw listing entries appended (hostile names)
}

// NewOBEXResponder builds the responder for d.
func NewOBEXResponder(d *Data, q OBEXQuirks) *OBEXResponder {
	if q.MaxPacket == 0 {
		q.MaxPacket = 2048
	}
	r := &OBEXResponder{d: d, q: q, objects: map[string][]byte{}, tree: map[string]*node{},
		ops: map[byte]int{}, names: map[string]int{}, busyLeft: q.Busy}
	r.objects["telecom/devinfo.txt"] = []byte("MANU:" + Maker + "\r\nMOD:" + Model + "\r\nSN:" + IMEI +
		"\r\nSW-VERSION:" + Firmware + "\r\nIRMC-VERSION:1.1\r\nPB-TYPE-TX:VCARD2.1\r\nPB-TYPE-RX:NONE\r\n" +
		"CAL-TYPE-TX:VCAL1.0\r\nNOTE-TYPE-TX:VNOTE1.1\r\n")
	r.objects["telecom/pb/info.log"] = fmt.Appendf(nil, "Total-Records:%d\r\nMaximum-Records:%d\r\nFree-Records:%d\r\nIEL:0x04\r\nHD:YES\r\n",
		PhoneContacts, MESlots, MESlots-PhoneContacts)
	r.objects["telecom/pb.vcf"] = d.PB
	for i, c := range d.Cards {
		r.objects[fmt.Sprintf("telecom/pb/%d.vcf", i+1)] = c
	}
	r.objects["telecom/cal.vcs"] = d.Cal
	r.objects["telecom/cal/info.log"] = fmt.Appendf(nil, "Total-Records:%d\r\nMaximum-Records:500\r\nIEL:0x02\r\n", Events+Todos)
	r.objects["telecom/nt.vnt"] = d.NotesVNT
	r.objects["telecom/nt/info.log"] = fmt.Appendf(nil, "Total-Records:%d\r\nMaximum-Records:100\r\nIEL:0x02\r\n", Notes)
	r.dir("/")
	for _, f := range d.Files {
		dir, name := path.Split(f.Path)
		n := r.dir(path.Clean(dir))
		n.files = append(n.files, name)
		n.data[name] = f.Data
		n.mod[name] = f.Modified
	}
	r.tree[HostileFolder].extra = fmt.Sprintf(`<file name="%s" size="%d"/>`, HostileFile, HostileSize)
	return r
}

func (r *OBEXResponder) dir(p string) *node {
	if n, ok := r.tree[p]; ok {
		return n
	}
	n := &node{data: map[string][]byte{}, mod: map[string]time.Time{}}
	r.tree[p] = n
	if p != "/" {
		parent := r.dir(path.Dir(p))
		parent.folders = append(parent.folders, path.Base(p))
		sort.Strings(parent.folders)
	}
	return n
}

// Stats returns the requests per opcode, the GETs per object name, and how
// many requests would have modified a real phone (anything but CONNECT,
// DISCONNECT, GET, ABORT and a SETPATH that may not create, by the
// simulator's own decoding; see classify); sk-rescue's tests assert the
// last is 0.
func (r *OBEXResponder) Stats() (ops map[byte]int, gets map[string]int, mutating int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ops, gets = map[byte]int{}, map[string]int{}
	for k, v := range r.ops {
		ops[k] = v
	}
	for k, v := range r.names {
		gets[k] = v
	}
	return ops, gets, r.mutating
}

// MutatingRequests describes the requests counted as mutating, in the
// order received (at most the first 1000), as "opcode 0x02" or, for
// SETPATH, "opcode 0x85 flags 0x00": the lab names what a peer sent.
func (r *OBEXResponder) MutatingRequests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.mutLog...)
}

// Requests is the number of requests received.
func (r *OBEXResponder) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, v := range r.ops {
		n += v
	}
	return n
}

// session is one connection's state.
type session struct {
	target  string // "irmc", "fbs", "" before CONNECT
	connID  uint32
	max     int // packet size towards the host
	cwd     string
	pending []byte // body of a GET in progress
	started bool
	endless []byte // OverLength: the body served again whenever pending runs out
	stuck   bool   // EmptyContinue: the GET in progress never sends a byte
}

// Serve answers the host on dev until the link closes or ctx ends.
func (r *OBEXResponder) Serve(ctx context.Context, dev *sim.DeviceEnd) error {
	pr := obex.NewPacketReader(dev, dev.MaxPacketSize())
	s := &session{max: 255, cwd: "/"}
	var nextID uint32 = 0x1000
	for {
		raw, err := pr.Next(ctx)
		if err != nil {
			return err
		}
		r.classify(raw)
		req, err := obex.ParseRequest(raw)
		var resp obex.Packet
		if err != nil {
			resp = obex.Packet{Code: obex.RespBadRequest}
		} else {
			resp = r.handle(s, req, &nextID)
		}
		b, err := resp.Marshal()
		if err != nil {
			b, _ = obex.Packet{Code: obex.RespInternalError}.Marshal()
		}
		if err := r.send(ctx, dev, b); err != nil {
			return err
		}
	}
}

func (r *OBEXResponder) send(ctx context.Context, dev *sim.DeviceEnd, b []byte) error {
	mps := dev.MaxPacketSize()
	if !r.q.Split {
		return obex.WritePacket(ctx, dev, mps, b)
	}
	for _, n := range []int{1, 2} {
		if len(b) <= n {
			break
		}
		if _, err := dev.Write(ctx, b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	for len(b) > 0 {
		n := min(len(b), mps-3)
		if _, err := dev.Write(ctx, b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// The simulator's own reading of a request, from IrOBEX 1.5 §3.3 and not
// from device/obex's constants, so that a client bug the codec shares
// cannot hide itself: the read-only requests are CONNECT, DISCONNECT,
// GET, ABORT, and SETPATH with flags bit 1 ("don't create") set. Anything
// else — PUT (0x02/0x82, a DELETE being a PUT without a body), SETPATH
// that may create a folder, ACTION (0x06/0x86: copy, move, set
// permissions), SESSION (0x87), an opcode the simulator does not know —
// counts as mutating.
const (
	simConnect    = 0x80
	simDisconnect = 0x81
	simGet        = 0x03
	simGetFinal   = 0x83
	simSetPath    = 0x85
	simAbort      = 0xFF
	simNoCreate   = 0x02 // SETPATH flags bit 1
)

// classify counts raw as mutating unless the simulator knows it is a read.
func (r *OBEXResponder) classify(raw []byte) {
	readOnly := false
	if len(raw) >= 3 {
		switch raw[0] {
		case simConnect, simDisconnect, simGet, simGetFinal, simAbort:
			readOnly = true
		case simSetPath:
			// opcode, length (2), flags, constants
			readOnly = len(raw) >= 5 && raw[3]&simNoCreate != 0
		}
	}
	if !readOnly {
		what := "empty packet"
		switch {
		case len(raw) >= 4 && raw[0] == simSetPath:
			what = fmt.Sprintf("opcode 0x%02x flags 0x%02x", raw[0], raw[3])
		case len(raw) > 0:
			what = fmt.Sprintf("opcode 0x%02x", raw[0])
		}
		r.mu.Lock()
		r.mutating++
		if len(r.mutLog) < maxMutLog {
			r.mutLog = append(r.mutLog, what)
		}
		r.mu.Unlock()
	}
}

// count records a request per opcode; classify alone decides whether it
// was mutating.
func (r *OBEXResponder) count(op byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops[op]++
}

func (r *OBEXResponder) handle(s *session, req obex.Packet, nextID *uint32) obex.Packet {
	op := req.Code
	switch op {
	case obex.OpConnect:
		r.count(op)
		target := "inbox"
		if h, ok := req.Header(obex.HdrTarget); ok {
			switch {
			case bytes.Equal(h.Data, obex.TargetIrMC):
				target = "irmc"
			case bytes.Equal(h.Data, obex.TargetFolderBrowsing):
				target = "fbs"
			default:
				return obex.Packet{Code: obex.RespNotFound, Prefix: obex.ConnectPrefix(r.q.MaxPacket)}
			}
		}
		*nextID++
		*s = session{target: target, connID: *nextID, cwd: "/", max: min(int(req.MaxPacket()), int(r.q.MaxPacket))}
		if s.max < 255 {
			s.max = 255
		}
		resp := obex.Packet{Code: obex.RespSuccess, Prefix: obex.ConnectPrefix(r.q.MaxPacket),
			Headers: []obex.Header{obex.U32(obex.HdrConnectionID, s.connID)}}
		if h, ok := req.Header(obex.HdrTarget); ok {
			resp.Headers = append(resp.Headers, obex.Bytes(obex.HdrWho, h.Data))
		}
		return resp
	case obex.OpDisconnect:
		r.count(op)
		*s = session{max: 255, cwd: "/"}
		return obex.Packet{Code: obex.RespSuccess}
	case obex.OpAbort:
		r.count(op)
		s.pending, s.started, s.endless, s.stuck = nil, false, nil, false
		return obex.Packet{Code: obex.RespSuccess}
	case obex.OpPut, obex.OpPutFinal:
		r.count(op)
		return obex.Packet{Code: obex.RespForbidden}
	}
	if s.target == "" {
		r.count(op)
		return obex.Packet{Code: obex.RespForbidden}
	}
	// The Connection ID names the connection an operation is for, so it
	// must come with every first packet (a SETPATH, a GET naming its
	// object); a GET continuing the operation in progress may leave it
	// out, as openobex's clients (obexftp) do: the operation is already
	// known. One naming another connection is refused either way.
	h, ok := req.Header(obex.HdrConnectionID)
	continuing := (op == obex.OpGet || op == obex.OpGetFinal) && s.started && !hasHeader(req, obex.HdrName) && !hasHeader(req, obex.HdrType)
	if (!ok && !continuing) || (ok && h.Value != s.connID) {
		r.count(op)
		return obex.Packet{Code: obex.RespServiceUnavailable}
	}
	switch op {
	case obex.OpSetPath:
		flags := req.Prefix[0]
		r.count(op)
		if flags&obex.SetPathNoCreate == 0 {
			return obex.Packet{Code: obex.RespForbidden}
		}
		return r.setPath(s, req, flags)
	case obex.OpGet, obex.OpGetFinal:
		r.count(op)
		return r.get(s, req)
	}
	r.count(op)
	return obex.Packet{Code: obex.RespNotImplemented}
}

func hasHeader(p obex.Packet, id byte) bool {
	_, ok := p.Header(id)
	return ok
}

func (r *OBEXResponder) setPath(s *session, req obex.Packet, flags byte) obex.Packet {
	if s.target != "fbs" {
		return obex.Packet{Code: obex.RespForbidden}
	}
	cwd := s.cwd
	if flags&obex.SetPathBackup != 0 {
		if cwd == "/" {
			return obex.Packet{Code: obex.RespNotFound}
		}
		cwd = path.Dir(cwd)
	}
	name := ""
	if h, ok := req.Header(obex.HdrName); ok {
		name, _ = h.Text()
		if name == "" && flags&obex.SetPathBackup == 0 {
			cwd = "/"
		}
	} else if flags&obex.SetPathBackup == 0 {
		cwd = "/"
	}
	if name != "" {
		next := path.Join(cwd, name)
		if _, ok := r.tree[next]; !ok || strings.Contains(name, "/") {
			return obex.Packet{Code: obex.RespNotFound}
		}
		cwd = next
	}
	s.cwd = cwd
	return obex.Packet{Code: obex.RespSuccess}
}

func (r *OBEXResponder) get(s *session, req obex.Packet) obex.Packet {
	nameH, hasName := req.Header(obex.HdrName)
	typeH, hasType := req.Header(obex.HdrType)
	if !s.started || hasName || hasType {
		name, _ := nameH.Text()
		typ, _ := typeH.Text()
		data, code := r.lookup(s, name, typ)
		r.mu.Lock()
		r.names[name+typ]++
		busy := r.busyLeft > 0
		if busy {
			r.busyLeft--
		}
		r.mu.Unlock()
		if busy {
			return obex.Packet{Code: obex.RespServiceUnavailable}
		}
		if code != obex.RespSuccess {
			s.started, s.pending = false, nil
			return obex.Packet{Code: code}
		}
		s.started, s.pending, s.endless, s.stuck = true, data, nil, false
		if s.target == "irmc" && name == "telecom/pb.vcf" {
			if r.q.OverLength {
				s.endless = data
			}
			s.stuck = r.q.EmptyContinue
		}
		var hs []obex.Header
		if !r.q.NoLength {
			hs = append(hs, obex.U32(obex.HdrLength, uint32(len(data))))
		}
		return r.chunk(s, hs)
	}
	return r.chunk(s, nil)
}

// chunk sends as much of the pending body as fits one packet.
func (r *OBEXResponder) chunk(s *session, hs []obex.Header) obex.Packet {
	if s.stuck {
		return obex.Packet{Code: obex.RespContinue, Headers: hs}
	}
	if len(s.pending) == 0 && s.endless != nil {
		s.pending = s.endless
	}
	room := s.max - 3 - 3
	for _, h := range hs {
		_ = h
		room -= 5
	}
	n := min(len(s.pending), room)
	body := s.pending[:n]
	s.pending = s.pending[n:]
	if len(s.pending) == 0 && s.endless == nil {
		s.started = false
		return obex.Packet{Code: obex.RespSuccess, Headers: append(hs, obex.Bytes(obex.HdrEndOfBody, body))}
	}
	return obex.Packet{Code: obex.RespContinue, Headers: append(hs, obex.Bytes(obex.HdrBody, body))}
}

func (r *OBEXResponder) lookup(s *session, name, typ string) ([]byte, byte) {
	switch s.target {
	case "irmc":
		if name == "telecom/pb.vcf" && r.q.RefuseBulk != 0 {
			return nil, r.q.RefuseBulk
		}
		if b, ok := r.objects[name]; ok {
			return b, obex.RespSuccess
		}
		return nil, obex.RespNotFound
	case "fbs":
		if typ == obex.FolderListingType {
			dir := s.cwd
			if name != "" {
				dir = path.Join(dir, name)
			}
			if _, ok := r.tree[dir]; !ok {
				return nil, obex.RespNotFound
			}
			return r.listing(dir), obex.RespSuccess
		}
		n := r.tree[s.cwd]
		if b, ok := n.data[name]; ok {
			return b, obex.RespSuccess
		}
		return nil, obex.RespNotFound
	}
	return nil, obex.RespForbidden
}

func (r *OBEXResponder) listing(dir string) []byte {
	n := r.tree[dir]
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\r\n" + `<!DOCTYPE folder-listing SYSTEM "obex-folder-listing.dtd">` + "\r\n")
	b.WriteString(`<folder-listing version="1.0">` + "\r\n")
	if dir != "/" {
		b.WriteString("<parent-folder/>\r\n")
	}
	esc := func(s string) string {
		var e bytes.Buffer
		xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	for _, f := range n.folders {
		fmt.Fprintf(&b, `<folder name="%s" modified="%s"/>`+"\r\n", esc(f), lastSync.Format("20060102T150405Z"))
	}
	for _, f := range n.files {
		fmt.Fprintf(&b, `<file name="%s" size="%d" modified="%s" user-perm="R"/>`+"\r\n", esc(f), len(n.data[f]),
			n.mod[f].Format("20060102T150405Z"))
	}
	b.WriteString(n.extra)
	b.WriteString("</folder-listing>\r\n")
	return b.Bytes()
}
