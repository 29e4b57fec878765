package sim

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/device/mtp"
	"github.com/sk-rescue/sk-rescue/device/sim/dataset"
)

func phone() *dataset.Phone {
	t := time.Date(2009, 10, 2, 0, 0, 0, 0, time.UTC)
	return &dataset.Phone{Maker: "Danger", Model: "Sidekick", Serial: "S1", Battery: 77, Files: []dataset.File{
		{Path: "/DCIM/100SIDEK/b.jpg", Format: dataset.FormatEXIFJPEG, Data: make([]byte, 500), Modified: t},
		{Path: "/Contacts/a.vcf", Format: dataset.FormatUndefined, Data: []byte("BEGIN:VCARD"), Modified: t},
	}}
}

// raw runs one transaction by hand over the link: the command, an optional
// host→device data phase, and whatever comes back until a response.
func raw(t *testing.T, host *HostEnd, op uint16, tid uint32, out []byte, params ...uint32) (data []byte, resp mtp.Container) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	host.Write(ctx, mtp.Container{Type: mtp.TypeCommand, Code: op, TID: tid, Params: params}.Marshal())
	if out != nil {
		host.Write(ctx, append(mtp.AppendHeader(nil, mtp.DataHeader(op, tid, int64(len(out)))), out...))
	}
	buf := make([]byte, 1<<16)
	var got []byte
	for {
		n, err := host.Read(ctx, buf)
		if err != nil {
			t.Fatalf("%s: %v", mtp.OpName(op), err)
		}
		got = append(got, buf[:n]...)
		for len(got) >= mtp.HeaderSize {
			h, _ := mtp.ParseHeader(got)
			if h.Type == mtp.TypeResponse && int(h.Length) <= len(got) {
				resp, err := mtp.ParseContainer(got[:h.Length])
				if err != nil {
					t.Fatal(err)
				}
				return data, resp
			}
			if h.Type == mtp.TypeData && int(h.Length) <= len(got) {
				data = got[mtp.HeaderSize:h.Length]
				got = got[h.Length:]
				continue
			}
			break
		}
	}
}

func TestResponderRefusesWrites(t *testing.T) {
	host, r := StartMTP(phone(), Quirks{}, Model{})
	defer host.Close()
	// GetDeviceInfo works before a session, with TID 0.
	data, resp := raw(t, host, mtp.OpGetDeviceInfo, 0, nil)
	di, err := mtp.DecodeDeviceInfo(data)
	if err != nil || resp.Code != mtp.RespOK || di.Manufacturer != "Danger" || !di.Supports(mtp.OpGetObjectPropList) {
		t.Fatalf("DeviceInfo %+v %v %+v", di, err, resp)
	}
	if _, resp := raw(t, host, mtp.OpGetStorageIDs, 0, nil); resp.Code != mtp.RespSessionNotOpen {
		t.Errorf("before session: %s", mtp.RespName(resp.Code))
	}
	if _, resp := raw(t, host, mtp.OpOpenSession, 0, nil, 0); resp.Code != mtp.RespInvalidParameter {
		t.Errorf("session 0: %s", mtp.RespName(resp.Code))
	}
	if _, resp := raw(t, host, mtp.OpOpenSession, 0, nil, 7); resp.Code != mtp.RespOK {
		t.Fatalf("open: %s", mtp.RespName(resp.Code))
	}
	if _, resp := raw(t, host, mtp.OpOpenSession, 0, nil, 8); resp.Code != mtp.RespSessionAlreadyOpen || resp.Param(0) != 7 {
		t.Errorf("second open: %s %v", mtp.RespName(resp.Code), resp.Params)
	}
	h := r.Handle("/Contacts/a.vcf")
	oi := (&mtp.ObjectInfo{StorageID: StorageID, ObjectFormat: mtp.FormatUndefined, Filename: "evil.txt"}).Encode()
	for _, tc := range []struct {
		op   uint16
		out  []byte
		want uint16
	}{
		{mtp.OpDeleteObject, nil, mtp.RespStoreReadOnly},
		{mtp.OpSendObjectInfo, oi, mtp.RespStoreReadOnly},
		{mtp.OpSendObject, []byte("payload"), mtp.RespStoreReadOnly},
		{mtp.OpMoveObject, nil, mtp.RespStoreReadOnly},
		{mtp.OpCopyObject, nil, mtp.RespStoreReadOnly},
		{mtp.OpFormatStore, nil, mtp.RespStoreReadOnly},
		{mtp.OpSetObjectPropValue, mtp.EncodeValue(mtp.StringValue("x")), mtp.RespStoreReadOnly},
		{mtp.OpSetObjectPropList, mtp.EncodePropList(nil), mtp.RespStoreReadOnly},
		{mtp.OpSetObjectProtection, nil, mtp.RespStoreReadOnly},
		{mtp.OpSetDevicePropValue, []byte{1}, mtp.RespAccessDenied},
		{mtp.OpResetDevice, nil, mtp.RespAccessDenied},
		{mtp.OpAndroidSendPartialObj, []byte("x"), mtp.RespStoreReadOnly},
		{mtp.OpAndroidTruncateObject, nil, mtp.RespStoreReadOnly},
		{mtp.OpAndroidBeginEditObject, nil, mtp.RespStoreReadOnly},
		{mtp.OpAndroidEndEditObject, nil, mtp.RespStoreReadOnly},
		{0x9999, nil, mtp.RespOperationNotSupported},
	} {
		if _, resp := raw(t, host, tc.op, 1, tc.out, h); resp.Code != tc.want {
			t.Errorf("%s: %s, want %s", mtp.OpName(tc.op), mtp.RespName(resp.Code), mtp.RespName(tc.want))
		}
	}
	ops, mut := r.Stats()
	if mut != 16 || ops[mtp.OpDeleteObject] != 1 || ops[0x9999] != 1 {
		t.Errorf("mutating %d, ops %v", mut, ops)
	}
	// The file is still there and unchanged.
	data, resp = raw(t, host, mtp.OpGetObject, 2, nil, h)
	if resp.Code != mtp.RespOK || string(data) != "BEGIN:VCARD" {
		t.Errorf("after refused writes: %q %s", data, mtp.RespName(resp.Code))
	}
}

func TestResponderListing(t *testing.T) {
	host, r := StartMTP(phone(), Quirks{}, Model{})
	defer host.Close()
	raw(t, host, mtp.OpOpenSession, 0, nil, 1)
	// Handles follow sorted path order: /Contacts, a.vcf, /DCIM, 100SIDEK, b.jpg.
	for p, want := range map[string]uint32{"/Contacts": 1, "/Contacts/a.vcf": 2, "/DCIM": 3, "/DCIM/100SIDEK": 4, "/DCIM/100SIDEK/b.jpg": 5} {
		if got := r.Handle(p); got != want {
			t.Errorf("handle of %s = %d, want %d", p, got, want)
		}
	}
	data, _ := raw(t, host, mtp.OpGetObjectHandles, 1, nil, StorageID, 0, mtp.ParentRoot)
	if hs, _ := mtp.DecodeAU32(data); len(hs) != 2 || hs[0] != 1 || hs[1] != 3 {
		t.Errorf("root handles %v", hs)
	}
	data, _ = raw(t, host, mtp.OpGetObjectHandles, 2, nil, mtp.AllStorages, 0, 0)
	if hs, _ := mtp.DecodeAU32(data); len(hs) != 5 {
		t.Errorf("all handles %v", hs)
	}
	data, _ = raw(t, host, mtp.OpGetObjectInfo, 3, nil, 5)
	oi, err := mtp.DecodeObjectInfo(data)
	if err != nil || oi.Filename != "b.jpg" || oi.ParentObject != 4 || oi.CompressedSize != 500 || oi.ModificationDate != "20091002T000000" {
		t.Errorf("ObjectInfo %+v %v", oi, err)
	}
	data, _ = raw(t, host, mtp.OpGetObjectPropList, 4, nil, mtp.AllHandles, 0, mtp.AllProps, 0, mtp.DepthAll)
	if l, err := mtp.DecodePropList(data); err != nil || len(l) != 5*len(supportedProps) {
		t.Errorf("all-objects proplist: %d elements, %v", len(l), err)
	}
	data, _ = raw(t, host, mtp.OpGetObjectPropList, 5, nil, 3, 0, uint32(mtp.PropObjectFileName), 0, 1)
	if l, _ := mtp.DecodePropList(data); len(l) != 1 || l[0].Value.Str != "100SIDEK" {
		t.Errorf("depth 1 one prop: %+v", l)
	}
	if _, resp := raw(t, host, mtp.OpGetObjectPropList, 6, nil, 3, 0, mtp.AllProps, 0, 2); resp.Code != mtp.RespSpecByDepthUnsupported {
		t.Errorf("depth 2: %s", mtp.RespName(resp.Code))
	}
	data, _ = raw(t, host, mtp.OpGetPartialObject, 7, nil, 5, 100, 1000)
	if _, resp := raw(t, host, mtp.OpGetPartialObject, 8, nil, 5, 100, 1000); len(data) != 400 || resp.Param(0) != 400 {
		t.Errorf("partial: %d bytes, param %d", len(data), resp.Param(0))
	}
	data, _ = raw(t, host, mtp.OpGetDevicePropValue, 9, nil, uint32(mtp.DevicePropBatteryLevel))
	if len(data) != 1 || data[0] != 77 {
		t.Errorf("battery % x", data)
	}
	// Events and the class requests.
	r.SendEvent(mtp.EventStoreAdded, StorageID)
	ev := make([]byte, 64)
	n, _ := host.ReadInterrupt(context.Background(), ev)
	if c, err := mtp.ParseContainer(ev[:n]); err != nil || c.Code != mtp.EventStoreAdded || c.Param(0) != StorageID {
		t.Errorf("event %+v %v", c, err)
	}
	st := make([]byte, 8)
	if n, err := host.Control(context.Background(), 0xA1, 0x67, 0, 0, st); n != 4 || err != nil || binary.LittleEndian.Uint16(st[2:]) != mtp.RespOK {
		t.Errorf("device status % x %v", st[:n], err)
	}
	if _, mut := r.Stats(); mut != 0 {
		t.Errorf("mutating %d", mut)
	}
}

// TestResponderUmtprd pins Quirks.Umtprd to what lab/mtpprobe saw of
// umtp-responder 1.3.10 (.lab/out/umtprd/mtpprobe.out).
func TestResponderUmtprd(t *testing.T) {
	host, r := StartMTP(phone(), Quirks{Umtprd: true}, Model{})
	defer host.Close()
	if _, resp := raw(t, host, mtp.OpGetDeviceInfo, 0, nil); resp.Code != mtp.RespSessionNotOpen {
		t.Errorf("GetDeviceInfo before OpenSession: %s", mtp.RespName(resp.Code))
	}
	raw(t, host, mtp.OpOpenSession, 0, nil, 1)
	data, _ := raw(t, host, mtp.OpGetDeviceInfo, 1, nil)
	if di, err := mtp.DecodeDeviceInfo(data); err != nil || !strings.Contains(di.VendorExtensionDesc, "android.com") || di.Supports(mtp.OpGetNumObjects) {
		t.Errorf("DeviceInfo %+v %v", di, err)
	}
	data, _ = raw(t, host, mtp.OpGetStorageIDs, 2, nil)
	if ids, _ := mtp.DecodeAU32(data); len(ids) != 1 || ids[0] != UmtprdStorageID {
		t.Errorf("storages %x", ids)
	}
	if _, resp := raw(t, host, mtp.OpGetObjectHandles, 3, nil, mtp.AllStorages, 0, 0); resp.Code != mtp.RespInvalidStorageID {
		t.Errorf("GetObjectHandles(all storages): %s", mtp.RespName(resp.Code))
	}
	for _, h := range []uint32{mtp.AllHandles, r.Handle("/Contacts")} {
		if _, resp := raw(t, host, mtp.OpGetObjectPropList, 4, nil, h, 0, mtp.AllProps, 0, mtp.DepthAll); resp.Code != mtp.RespInvalidObjectHandle {
			t.Errorf("GetObjectPropList(0x%08x) before the folder was listed: %s", h, mtp.RespName(resp.Code))
		}
	}
	if _, resp := raw(t, host, mtp.OpGetObjectInfo, 5, nil, r.Handle("/Contacts")); resp.Code != mtp.RespInvalidObjectHandle {
		t.Errorf("GetObjectInfo before the folder was listed: %s", mtp.RespName(resp.Code))
	}
	// Handle 0, depth 1: the root folder itself, not its children.
	data, _ = raw(t, host, mtp.OpGetObjectPropList, 6, nil, 0, 0, mtp.AllProps, 0, 1)
	l, err := mtp.DecodePropList(data)
	if err != nil || len(l) == 0 {
		t.Fatalf("GetObjectPropList(0, depth 1): %v %v", l, err)
	}
	for _, el := range l {
		if el.Handle != 0 || (el.Prop == mtp.PropObjectFileName && el.Value.Str != "/") || (el.Prop == mtp.PropObjectFormat && el.Value.Int != uint64(mtp.FormatAssociation)) {
			t.Errorf("GetObjectPropList(0, depth 1): %+v", el)
		}
	}
	for i, parent := range []uint32{0, mtp.ParentRoot} {
		data, _ = raw(t, host, mtp.OpGetObjectHandles, 7+uint32(i), nil, UmtprdStorageID, 0, parent)
		if hs, _ := mtp.DecodeAU32(data); len(hs) != 2 {
			t.Errorf("root handles (parent 0x%08x) %v", parent, hs)
		}
	}
	// Now known: depth is ignored, the folder comes back alone.
	data, _ = raw(t, host, mtp.OpGetObjectPropList, 9, nil, r.Handle("/DCIM"), 0, mtp.AllProps, 0, 1)
	if l, _ := mtp.DecodePropList(data); len(l) == 0 || l[0].Handle != r.Handle("/DCIM") {
		t.Errorf("GetObjectPropList(/DCIM, depth 1): %+v", l)
	}
	if _, mut := r.Stats(); mut != 0 {
		t.Errorf("mutating %d", mut)
	}
}
