package mtp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Transcripts written from PIMA 15740 §D.7 and the container layout in
// Android media/mtp/mtp.h: OpenSession(1) with TID 0, and its OK response.
func TestContainerTranscript(t *testing.T) {
	cmd := Container{Type: TypeCommand, Code: OpOpenSession, TID: 0, Params: []uint32{1}}
	want := unhex(t, "10000000 0100 0210 00000000 01000000")
	if got := cmd.Marshal(); !bytes.Equal(got, want) {
		t.Fatalf("OpenSession = % x, want % x", got, want)
	}
	resp, err := ParseContainer(unhex(t, "0c000000 0300 0120 00000000"))
	if err != nil || resp.Type != TypeResponse || resp.Code != RespOK || len(resp.Params) != 0 {
		t.Fatalf("response %+v %v", resp, err)
	}
	// GetPartialObject(0x2a, 0, 4096) at TID 7.
	cmd = Container{Type: TypeCommand, Code: OpGetPartialObject, TID: 7, Params: []uint32{0x2a, 0, 4096}}
	want = unhex(t, "18000000 0100 1b10 07000000 2a000000 00000000 00100000")
	if got := cmd.Marshal(); !bytes.Equal(got, want) {
		t.Fatalf("GetPartialObject = % x", got)
	}
	got, err := ParseContainer(want)
	if err != nil || !reflect.DeepEqual(got, cmd) {
		t.Fatalf("round trip %+v %v", got, err)
	}
	for _, bad := range []string{"0c000000 0300 0120", "0d000000 0300 0120 00000000", "0c000000 0200 0120 00000000",
		"24000000 0300 0120 00000000 01000000 02000000 03000000 04000000 05000000 06000000"} {
		if _, err := ParseContainer(unhex(t, bad)); !errors.Is(err, device.ErrProtocol) {
			t.Errorf("%s: %v, want ErrProtocol", bad, err)
		}
	}
	if h := DataHeader(OpGetObject, 3, 5<<30); h.Length != LengthUnknown {
		t.Errorf("5 GiB data header length %#x", h.Length)
	}
}

func TestStringTranscript(t *testing.T) {
	var e Encoder
	e.String("DCIM")
	want := unhex(t, "05 4400 4300 4900 4d00 0000")
	if !bytes.Equal(e.Bytes(), want) {
		t.Fatalf("DCIM = % x", e.Bytes())
	}
	e = Encoder{}
	e.String("")
	if !bytes.Equal(e.Bytes(), []byte{0}) {
		t.Fatalf("empty = % x", e.Bytes())
	}
	for _, s := range []string{"", "a", "Ünïcødé", "emoji 😀 pair", strings.Repeat("x", 254)} {
		var e Encoder
		e.String(s)
		d := NewDecoder(e.Bytes())
		if got := d.String(); got != s || d.Err() != nil || d.Remaining() != 0 {
			t.Errorf("%q round trip: %q %v", s, got, d.Err())
		}
	}
	// Long strings are cut to 254 units; a surrogate pair is never split.
	e = Encoder{}
	e.String(strings.Repeat("x", 253) + "😀")
	if got := NewDecoder(e.Bytes()).String(); got != strings.Repeat("x", 253) {
		t.Errorf("cut string %q", got)
	}
	// A string stops at its first NUL; a string running off the end fails.
	if got := NewDecoder(unhex(t, "04 6100 0000 6200 0000")).String(); got != "a" {
		t.Errorf("NUL string %q", got)
	}
	d := NewDecoder(unhex(t, "ff 6100"))
	if _ = d.String(); !errors.Is(d.Err(), device.ErrProtocol) {
		t.Errorf("short string: %v", d.Err())
	}
}

func TestDatasetRoundTrips(t *testing.T) {
	di := &DeviceInfo{StandardVersion: 100, VendorExtensionID: 6, VendorExtensionVersion: 100,
		VendorExtensionDesc: "microsoft.com: 1.0; android.com: 1.0;", Operations: []uint16{OpGetDeviceInfo, OpGetObjectPropList},
		Events: []uint16{EventStoreAdded}, DeviceProps: []uint16{DevicePropBatteryLevel}, CaptureFormats: []uint16{},
		PlaybackFormats: []uint16{FormatEXIFJPEG}, Manufacturer: "Danger", Model: "Sidekick", DeviceVersion: "1.0", SerialNumber: "SK0001"}
	if got, err := DecodeDeviceInfo(di.Encode()); err != nil || !reflect.DeepEqual(got, di) {
		t.Errorf("DeviceInfo: %+v %v", got, err)
	}
	si := &StorageInfo{StorageType: StorageFixedRAM, FilesystemType: FSGenericHierarchy, AccessCapability: 1,
		MaxCapacity: 1 << 34, FreeSpace: 1 << 30, FreeObjects: 0xFFFFFFFF, Description: "Internal storage", VolumeLabel: "SK"}
	if got, err := DecodeStorageInfo(si.Encode()); err != nil || !reflect.DeepEqual(got, si) {
		t.Errorf("StorageInfo: %+v %v", got, err)
	}
	oi := &ObjectInfo{StorageID: 0x10001, ObjectFormat: FormatEXIFJPEG, CompressedSize: 1234, ParentObject: 3,
		Filename: "IMG_0001.JPG", CaptureDate: "20090102T030405", ModificationDate: "20090102T030405"}
	if got, err := DecodeObjectInfo(oi.Encode()); err != nil || !reflect.DeepEqual(got, oi) {
		t.Errorf("ObjectInfo: %+v %v", got, err)
	}
	pl := []PropElem{
		{1, PropObjectFileName, StringValue("a.vcf")},
		{1, PropObjectSize, UintValue(TypeUint64, 1<<40)},
		{1, PropObjectFormat, UintValue(TypeUint16, uint64(FormatVCard2))},
		{1, PropPersistentUID, Value{Type: TypeUint128, Wide: [16]byte{1, 2, 3}}},
		{2, 0xD000, Value{Type: TypeArray | TypeUint16, Arr: []uint64{1, 2}}},
		{2, 0xD001, UintValue(TypeInt8, uint64(0xFFFFFFFFFFFFFFFF))},
	}
	if got, err := DecodePropList(EncodePropList(pl)); err != nil || !reflect.DeepEqual(got, pl) {
		t.Errorf("PropList: %+v %v", got, err)
	}
	pd := &DevicePropDesc{Code: DevicePropBatteryLevel, Type: TypeUint8, Default: UintValue(TypeUint8, 0),
		Current: UintValue(TypeUint8, 80), Form: FormRange, Min: UintValue(TypeUint8, 0), Max: UintValue(TypeUint8, 100), Step: UintValue(TypeUint8, 1)}
	if got, err := DecodeDevicePropDesc(pd.Encode()); err != nil || !reflect.DeepEqual(got, pd) {
		t.Errorf("DevicePropDesc: %+v %v", got, err)
	}
	// BatteryLevel desc as a camera sends it (PTP §13.5.2 example shape):
	// UINT8, get-only, default 0, current 0x50, range 0..100 step 1.
	b := unhex(t, "0150 0200 00 00 50 01 00 64 01")
	if got, err := DecodeDevicePropDesc(b); err != nil || got.Current.Int != 80 || got.Max.Int != 100 {
		t.Errorf("battery desc %+v %v", got, err)
	}
}

func TestHostileDatasets(t *testing.T) {
	// An array claiming 2^32-1 elements must not allocate for them.
	if _, err := DecodeAU32(unhex(t, "ffffffff 01000000")); !errors.Is(err, device.ErrProtocol) {
		t.Errorf("huge array: %v", err)
	}
	if _, err := DecodePropList(unhex(t, "ffffff7f")); !errors.Is(err, device.ErrProtocol) {
		t.Errorf("huge proplist: %v", err)
	}
	if _, err := DecodePropList(unhex(t, "01000000 01000000 07dc 3412 00")); !errors.Is(err, device.ErrProtocol) {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := DecodeDeviceInfo(nil); !errors.Is(err, device.ErrProtocol) {
		t.Errorf("empty DeviceInfo: %v", err)
	}
}

func TestParseDate(t *testing.T) {
	for s, want := range map[string]time.Time{
		"20090102T030405":        time.Date(2009, 1, 2, 3, 4, 5, 0, time.UTC),
		"20090102T030405Z":       time.Date(2009, 1, 2, 3, 4, 5, 0, time.UTC),
		"20090102T030405.5":      time.Date(2009, 1, 2, 3, 4, 5, 5e8, time.UTC),
		"20090102T030405+0100":   time.Date(2009, 1, 2, 2, 4, 5, 0, time.UTC),
		"20090102T030405.0-0230": time.Date(2009, 1, 2, 5, 34, 5, 0, time.UTC),
		"":                       {},
	} {
		got, err := ParseDate(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"2009", "20090102 030405", "20091302T030405", "20090102T030405+2500", "20090102T030405junk"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
	if s := FormatDate(time.Date(2009, 1, 2, 3, 4, 5, 0, time.UTC)); s != "20090102T030405" {
		t.Errorf("FormatDate = %q", s)
	}
}
