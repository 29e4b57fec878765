package mtp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/mtp"
	"github.com/sk-rescue/sk-rescue/device/sim"
	"github.com/sk-rescue/sk-rescue/device/sim/dataset"
)

var t0 = time.Date(2009, 10, 2, 18, 4, 11, 0, time.UTC)

func blob(seed uint64, n int) []byte {
	var key [32]byte
	key[0] = byte(seed)
	b := make([]byte, n)
	rand.NewChaCha8(key).Read(b)
	return b
}

// edgeSizes are data phases that end on, just before and just after packet
// and buffer boundaries (a 12-byte header plus payload).
var edgeSizes = []int{0, 1, 500, 501, 511, 512, 1012, 1024, 1<<20 - 12, 1 << 20, 1<<20 + 1, 3<<20 + 7}

// testPhone is a small handset with every kind of object and every size
// that stresses framing.
func testPhone() *dataset.Phone {
	p := &dataset.Phone{Maker: "Danger", Model: "Sidekick 3", Serial: "SK3-0001", Firmware: "4.7.1", Battery: 42}
	add := func(name string, format uint16, data []byte) {
		p.Files = append(p.Files, dataset.File{Path: name, Format: format, Data: data, Modified: t0.Add(time.Duration(len(p.Files)) * time.Minute)})
	}
	add("/Contacts/C0001.vcf", dataset.FormatUndefined, []byte("BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;Jane\r\nEND:VCARD\r\n"))
	add("/Contacts/typed", dataset.FormatVCard2, []byte("BEGIN:VCARD\r\nVERSION:2.1\r\nEND:VCARD\r\n"))
	add("/Calendar/E0001.vcs", dataset.FormatVCal1, []byte("BEGIN:VCALENDAR\r\nVERSION:1.0\r\nEND:VCALENDAR\r\n"))
	add("/Calendar/cal.ics", dataset.FormatUndefined, []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"))
	add("/Notes/N1.vnt", dataset.FormatUndefined, []byte("BEGIN:VNOTE\r\nEND:VNOTE\r\n"))
	add("/readme.txt", dataset.FormatText, []byte("hello"))
	add("/Pictures/x.png", 0x380B, blob(99, 4000))
	for i, n := range edgeSizes {
		add(fmt.Sprintf("/DCIM/100SIDEK/SIDK%04d.JPG", i), dataset.FormatEXIFJPEG, blob(uint64(i), n))
	}
	add("/DCIM/100SIDEK/deep/er/still/IMG.JPG", dataset.FormatEXIFJPEG, blob(7, 9000))
	return p
}

func open(t testing.TB, p *dataset.Phone, q sim.Quirks, m sim.Model) (*mtp.Handset, *sim.Sim) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, s, err := sim.OpenPhone(ctx, p, q, m, "sim:test")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		h.Close()
		if _, mut := s.Stats(); mut != 0 {
			t.Errorf("the client sent %d mutating operations", mut)
		}
	})
	return h, s
}

func list(t testing.TB, h *mtp.Handset, kinds ...device.Kind) []device.Item {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	items, err := h.List(ctx, kinds...)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	return items
}

func fetch(h *mtp.Handset, it device.Item) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := h.Open(ctx, it)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// checkAll lists the phone and fetches every object, comparing with the
// dataset.
func checkAll(t *testing.T, h *mtp.Handset, p *dataset.Phone) {
	t.Helper()
	items := list(t, h)
	byPath := map[string]device.Item{}
	for _, it := range items {
		byPath[path.Join(it.Folder, it.Name)] = it
	}
	if len(items) != len(p.Files) {
		t.Errorf("listed %d items, phone has %d files", len(items), len(p.Files))
	}
	for _, f := range p.Files {
		it, ok := byPath[f.Path]
		if !ok {
			t.Errorf("%s not listed", f.Path)
			continue
		}
		if it.Size != int64(len(f.Data)) || !it.Modified.Equal(f.Modified) {
			t.Errorf("%s: size %d modified %v, want %d %v", f.Path, it.Size, it.Modified, len(f.Data), f.Modified)
		}
		got, err := fetch(h, it)
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
			continue
		}
		if !bytes.Equal(got, f.Data) {
			t.Errorf("%s: fetched %d bytes, differ from the %d on the phone", f.Path, len(got), len(f.Data))
		}
	}
}

func TestInfoAndKinds(t *testing.T) {
	p := testPhone()
	h, _ := open(t, p, sim.Quirks{}, sim.Model{})
	info := h.Info()
	want := device.Info{Maker: "Danger", Model: "Sidekick 3", Serial: "SK3-0001", Firmware: "4.7.1", Protocol: "mtp", Battery: 42, Location: "sim:test"}
	if info != want {
		t.Errorf("Info = %+v, want %+v", info, want)
	}
	got := map[string]string{}
	for _, it := range list(t, h) {
		got[it.Name] = string(it.Kind) + " " + it.Format
		if !strings.HasPrefix(it.ID, "0x") || it.Folder == "" {
			t.Errorf("%+v: bad ID or folder", it)
		}
	}
	for name, want := range map[string]string{
		"C0001.vcf":  "contact text/x-vcard", // device.ByExtension's vocabulary
		"typed":      "contact text/x-vcard;version=2.1",
		"E0001.vcs":  "event text/x-vcalendar",
		"cal.ics":    "event text/calendar",
		"N1.vnt":     "note text/x-vnote",
		"readme.txt": "file text/plain",
		"x.png":      "photo image/png",
		"IMG.JPG":    "photo image/jpeg",
	} {
		if got[name] != want {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}
	photos := list(t, h, device.KindPhoto)
	if len(photos) != len(edgeSizes)+2 {
		t.Errorf("%d photos", len(photos))
	}
	for _, it := range list(t, h, device.KindContact, device.KindEvent) {
		if it.Kind != device.KindContact && it.Kind != device.KindEvent {
			t.Errorf("kinds filter let %v through", it.Kind)
		}
	}
	if it := list(t, h, device.KindPhoto); it[len(it)-1].Folder != "/DCIM/100SIDEK/deep/er/still" && it[0].Folder != "/DCIM/100SIDEK/deep/er/still" {
		found := false
		for _, x := range it {
			found = found || x.Folder == "/DCIM/100SIDEK/deep/er/still"
		}
		if !found {
			t.Errorf("deep folder not built")
		}
	}
	if b, err := h.Battery(context.Background()); b != 42 || err != nil {
		t.Errorf("Battery = %d, %v", b, err)
	}
}

// TestFraming lists and fetches everything under each framing quirk and
// packet size.
func TestFraming(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    sim.Quirks
		m    sim.Model
	}{
		{"plain", sim.Quirks{}, sim.Model{}},
		{"split-header", sim.Quirks{SplitHeader: true}, sim.Model{}},
		{"junk-instead-of-zlp", sim.Quirks{JunkInsteadOfZLP: true}, sim.Model{}},
		{"response-in-place-of-zlp", sim.Quirks{ResponseInPlaceOfZLP: true}, sim.Model{}},
		{"split-and-junk", sim.Quirks{SplitHeader: true, JunkInsteadOfZLP: true}, sim.Model{}},
		{"unknown-length", sim.Quirks{UnknownLengthOver: 100}, sim.Model{}},
		{"full-speed-64", sim.Quirks{}, sim.Model{MaxPacketSize: 64}},
		{"super-speed-1024", sim.Quirks{JunkInsteadOfZLP: true}, sim.Model{MaxPacketSize: 1024}},
		{"no-proplist", sim.Quirks{NoPropList: true}, sim.Model{}},
		{"no-all-objects-proplist", sim.Quirks{NoAllObjectsPropList: true}, sim.Model{}},
		{"android", sim.Quirks{Android: true}, sim.Model{}},
		{"deviceinfo-needs-session", sim.Quirks{DeviceInfoNeedsSession: true}, sim.Model{}},
		{"stale-session", sim.Quirks{StaleSession: true}, sim.Model{}},
		{"no-battery", sim.Quirks{NoBattery: true}, sim.Model{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testPhone()
			h, s := open(t, p, tc.q, tc.m)
			checkAll(t, h, p)
			ops, _ := s.Stats()
			switch {
			case tc.q.NoPropList:
				if ops[mtp.OpGetObjectPropList] != 0 || h.ListMode() != "objectinfo" {
					t.Errorf("mode %s, %d GetObjectPropList", h.ListMode(), ops[mtp.OpGetObjectPropList])
				}
			case tc.q.NoAllObjectsPropList:
				if h.ListMode() != "proplist-per-folder" || ops[mtp.OpGetObjectInfo] != 0 {
					t.Errorf("mode %s, %d GetObjectInfo", h.ListMode(), ops[mtp.OpGetObjectInfo])
				}
			default:
				if h.ListMode() != "proplist-all" || ops[mtp.OpGetObjectInfo] != 0 {
					t.Errorf("mode %s, %d GetObjectInfo", h.ListMode(), ops[mtp.OpGetObjectInfo])
				}
			}
			if tc.q.NoBattery && h.Info().Battery != -1 {
				t.Errorf("battery %d without the property", h.Info().Battery)
			}
			if tc.q.DeviceInfoNeedsSession && ops[mtp.OpGetDeviceInfo] != 1 {
				t.Errorf("GetDeviceInfo sent %d times", ops[mtp.OpGetDeviceInfo])
			}
		})
	}
}

func TestSessionFirst(t *testing.T) {
	host, r := sim.StartMTP(testPhone(), sim.Quirks{DeviceInfoNeedsSession: true}, sim.Model{})
	h, err := mtp.Open(context.Background(), host, mtp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ops, _ := r.Stats()
	if ops[mtp.OpOpenSession] != 1 || ops[mtp.OpGetDeviceInfo] != 1 {
		t.Errorf("ops %v", ops)
	}
}

func TestLocked(t *testing.T) {
	p := testPhone()
	h, s := open(t, p, sim.Quirks{Locked: true}, sim.Model{})
	ctx := context.Background()
	if _, err := h.List(ctx); !errors.Is(err, device.ErrLocked) {
		t.Fatalf("List on a locked phone: %v, want ErrLocked", err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		s.MTP.Unlock()
	}()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second) // a hang guard
	defer cancel()
	if err := h.WaitUnlocked(wctx); err != nil {
		t.Fatal(err)
	}
	checkAll(t, h, p)
}

func TestDisconnectMidObject(t *testing.T) {
	p := testPhone()
	h, _ := open(t, p, sim.Quirks{DropAfterObjectBytes: 300_000}, sim.Model{})
	var big device.Item
	for _, it := range list(t, h) {
		if it.Size > 2<<20 {
			big = it
		}
	}
	start := time.Now()
	got, err := fetch(h, big)
	if !errors.Is(err, device.ErrDisconnected) {
		t.Fatalf("fetch across an unplug: %d bytes, %v; want ErrDisconnected", len(got), err)
	}
	if d := time.Since(start); d > 30*time.Second { // a hang guard, not a timing check
		t.Errorf("took %v to notice", d)
	}
	if len(got) >= int(big.Size) {
		t.Errorf("read %d of %d bytes without error", len(got), big.Size)
	}
	if _, err := h.List(context.Background()); !errors.Is(err, device.ErrDisconnected) {
		t.Errorf("List after unplug: %v", err)
	}
}

func TestLinkFaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    sim.Faults
		want error
	}{
		{"disconnect-after-bytes", sim.Faults{DisconnectAfterIn: 100_000}, device.ErrDisconnected},
		{"disconnect-at-transfer", sim.Faults{DisconnectAtTransfer: 3}, device.ErrDisconnected},
		{"stall", sim.Faults{StallAtTransfer: 2}, device.ErrProtocol},
		{"garbage", sim.Faults{GarbageAtTransfer: 2}, device.ErrProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testPhone()
			h, s := open(t, p, sim.Quirks{}, sim.Model{})
			h.Client().Timeout = 500 * time.Millisecond
			items := list(t, h)
			s.Link.SetFaults(tc.f)
			var err error
			for _, it := range items {
				if _, err = fetch(h, it); err != nil {
					break
				}
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if errors.Is(tc.want, device.ErrDisconnected) {
				return
			}
			// The session recovers: everything reads again.
			checkAll(t, h, p)
		})
	}
}

func TestCancelAndEarlyClose(t *testing.T) {
	p := testPhone()
	h, _ := open(t, p, sim.Quirks{}, sim.Model{Bandwidth: 100e6})
	var big device.Item
	for _, it := range list(t, h) {
		if it.Size > 2<<20 {
			big = it
		}
	}
	// Close after a little.
	rc, err := h.Open(context.Background(), big)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(rc, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	// Cancel the context mid-stream.
	ctx, cancel := context.WithCancel(context.Background())
	rc, err = h.Open(ctx, big)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadFull(rc, make([]byte, 1000))
	cancel()
	if _, err := io.ReadAll(rc); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v", err)
	}
	rc.Close()
	checkAll(t, h, p)
}

func TestHostile(t *testing.T) {
	for _, mode := range []sim.Quirks{{Hostile: true}, {Hostile: true, NoPropList: true}, {Hostile: true, NoAllObjectsPropList: true}} {
		t.Run(fmt.Sprintf("proplist=%v,all=%v", !mode.NoPropList, !mode.NoAllObjectsPropList), func(t *testing.T) {
			p := testPhone()
			h, _ := open(t, p, mode, sim.Model{})
			h.Client().Timeout = time.Second
			items := list(t, h)
			names := map[string]device.Item{}
			for _, it := range items {
				if len(it.Name) > 4*mtp.MaxStringUnits || strings.ContainsRune(it.Name, 0) {
					t.Errorf("name of %d bytes or with a NUL: %q", len(it.Name), it.Name[:min(len(it.Name), 20)])
				}
				names[it.Name] = it
			}
			for _, n := range []string{"../../../etc/passwd", "/etc/passwd", "nul", strings.Repeat("n", 254), "huge.bin", "liar.bin"} {
				if _, ok := names[n]; !ok {
					t.Errorf("hostile %q not listed (got %d items)", n[:min(len(n), 20)], len(items))
				}
			}
			start := time.Now()
			if _, err := fetch(h, names["liar.bin"]); !errors.Is(err, device.ErrProtocol) {
				t.Errorf("liar.bin: %v, want ErrProtocol", err)
			}
			if d := time.Since(start); d > 30*time.Second { // a hang guard, not a timing check
				t.Errorf("liar.bin took %v", d)
			}
			if b, err := fetch(h, names["huge.bin"]); err != nil || string(b) != "claims to be huge" {
				t.Errorf("huge.bin: %q %v", b, err)
			}
			checkAll2 := func() {
				for _, f := range p.Files[:3] {
					it := names[path.Base(f.Path)]
					if b, err := fetch(h, it); err != nil || !bytes.Equal(b, f.Data) {
						t.Errorf("after hostile objects, %s: %v", f.Path, err)
					}
				}
			}
			checkAll2()
		})
	}
}

func TestOpenErrors(t *testing.T) {
	h, _ := open(t, testPhone(), sim.Quirks{}, sim.Model{})
	if _, err := h.Open(context.Background(), device.Item{ID: "SM:1"}); err == nil {
		t.Error("foreign ID accepted")
	}
	_, err := fetch(h, device.Item{ID: "0x0000ffff"})
	var re *mtp.ResponseError
	if !errors.As(err, &re) || re.Code != mtp.ResponseCode(mtp.RespInvalidObjectHandle) || re.String() != "InvalidObjectHandle (0x2009)" {
		t.Errorf("missing handle: %v", err)
	}
	if _, err := h.Client().Run(context.Background(), mtp.OpDeleteObject, []uint32{1}, nil); !errors.Is(err, device.ErrReadOnly) {
		t.Errorf("DeleteObject: %v", err)
	}
}

func TestSimSelector(t *testing.T) {
	sel, err := device.ParseSelector("sim:sidekick?contacts=5&events=3&todos=2&photos=2&battery=5&link=fast&mps=1024")
	if err != nil {
		t.Fatal(err)
	}
	h, s, err := sim.Open(context.Background(), sel)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.Info().Battery != 5 || h.Info().Location != "sim:sidekick" || s.Link.MaxPacketSize() != 1024 {
		t.Errorf("info %+v mps %d", h.Info(), s.Link.MaxPacketSize())
	}
	items, err := h.List(context.Background())
	if err != nil || len(items) != len(s.Phone.Files) {
		t.Fatalf("%d items of %d, %v", len(items), len(s.Phone.Files), err)
	}
	counts := map[device.Kind]int{}
	for _, it := range items {
		counts[it.Kind]++
	}
	if counts[device.KindContact] != 5 || counts[device.KindPhoto] != 2 {
		t.Errorf("kinds %v", counts)
	}
	if _, mut := s.Stats(); mut != 0 {
		t.Errorf("mutating %d", mut)
	}
	for _, bad := range []string{"sim:nokia", "sim?link=warp", "sim?contacts=-1"} {
		sel, _ := device.ParseSelector(bad)
		if _, _, err := sim.Open(context.Background(), sel); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestUmtprd lists and fetches the whole tree through a responder that
// answers as umtp-responder does (sim.Quirks.Umtprd): the all-objects
// property list refused, handle 0 at depth 1 answered with the root folder
// itself, the tree built lazily. The listing must fall back to
// GetObjectInfo, once, and find everything.
func TestUmtprd(t *testing.T) {
	p := testPhone()
	h, s := open(t, p, sim.Quirks{Umtprd: true}, sim.Model{})
	checkAll(t, h, p)
	if m := h.ListMode(); m != "objectinfo" {
		t.Errorf("list mode %s, want objectinfo", m)
	}
	ops, _ := s.Stats()
	refused := ops[mtp.OpGetObjectPropList]
	if refused != 2 {
		t.Errorf("%d GetObjectPropList before falling back, want 2 (all objects, root)", refused)
	}
	list(t, h)
	if ops, _ := s.Stats(); ops[mtp.OpGetObjectPropList] != refused {
		t.Errorf("the fallback was not remembered: %d GetObjectPropList", ops[mtp.OpGetObjectPropList])
	}
	if _, mut := s.Stats(); mut != 0 {
		t.Errorf("the client sent %d mutating operations", mut)
	}
}

// TestPerFolderChecked: per-folder GetObjectPropList is cross-checked with
// GetObjectHandles on the first listing only; later listings cost one
// transaction per folder plus the root, the minimum.
func TestPerFolderChecked(t *testing.T) {
	p := testPhone()
	h, s := open(t, p, sim.Quirks{NoAllObjectsPropList: true}, sim.Model{})
	checkAll(t, h, p)
	if m := h.ListMode(); m != "proplist-per-folder" {
		t.Errorf("list mode %s", m)
	}
	ops, _ := s.Stats()
	if ops[mtp.OpGetObjectHandles] != 1 {
		t.Errorf("first listing: %d GetObjectHandles, want 1 (the root)", ops[mtp.OpGetObjectHandles])
	}
	folders := 0
	for _, f := range []string{"/Contacts", "/Calendar", "/Notes", "/Pictures", "/DCIM", "/DCIM/100SIDEK", "/DCIM/100SIDEK/deep", "/DCIM/100SIDEK/deep/er", "/DCIM/100SIDEK/deep/er/still"} {
		if s.MTP.Handle(f) != 0 {
			folders++
		}
	}
	tx := s.MTP.Transactions()
	list(t, h)
	if got := s.MTP.Transactions() - tx; got != folders+1 {
		t.Errorf("second listing: %d transactions, want %d (folders + root)", got, folders+1)
	}
}

// TestEmptyPhone: a phone with nothing on it lists nothing, without error.
func TestEmptyPhone(t *testing.T) {
	for _, q := range []sim.Quirks{{}, {NoAllObjectsPropList: true}, {NoPropList: true}, {Umtprd: true}} {
		h, _ := open(t, &dataset.Phone{Maker: "Danger", Model: "Empty"}, q, sim.Model{})
		if items := list(t, h); len(items) != 0 {
			t.Errorf("%+v: %d items", q, len(items))
		}
	}
}
