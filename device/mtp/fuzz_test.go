package mtp

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

func FuzzContainer(f *testing.F) {
	f.Add((Container{Type: TypeCommand, Code: OpOpenSession, Params: []uint32{1}}).Marshal())
	f.Add((Container{Type: TypeResponse, Code: RespOK, TID: 9, Params: []uint32{1, 2, 3, 4, 5}}).Marshal())
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 2, 0, 9, 0x10, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseContainer(b)
		if err != nil {
			return
		}
		if got := c.Marshal(); len(got) > len(b) {
			t.Fatalf("re-encoded %d bytes from %d", len(got), len(b))
		}
	})
}

func FuzzDatasets(f *testing.F) {
	f.Add((&DeviceInfo{Manufacturer: "Danger", Operations: []uint16{1, 2}}).Encode())
	f.Add((&ObjectInfo{Filename: "IMG_0001.JPG", ModificationDate: "20090102T030405"}).Encode())
	f.Add((&StorageInfo{Description: "x"}).Encode())
	f.Add(EncodePropList([]PropElem{{1, PropObjectFileName, StringValue("a")}, {1, PropObjectSize, UintValue(TypeUint64, 9)}}))
	f.Add((&DevicePropDesc{Code: DevicePropBatteryLevel, Type: TypeUint8, Form: FormEnum, Enum: []Value{UintValue(TypeUint8, 1)}}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodeDeviceInfo(b)
		DecodeStorageInfo(b)
		if oi, err := DecodeObjectInfo(b); err == nil {
			ParseDate(oi.ModificationDate)
		}
		if l, err := DecodePropList(b); err == nil && len(l) > len(b) {
			t.Fatalf("%d elements from %d bytes", len(l), len(b))
		}
		DecodeDevicePropDesc(b)
		DecodeAU16(b)
		DecodeAU32(b)
	})
}

// scriptLink replays device transfers from a script: each transfer is a
// length byte (×4) and that many bytes; a run-out script is an unplug.
type scriptLink struct{ script []byte }

func (l *scriptLink) Write(ctx context.Context, p []byte) (int, error) { return len(p), nil }
func (l *scriptLink) Read(ctx context.Context, p []byte) (int, error) {
	if len(l.script) == 0 {
		return 0, device.ErrDisconnected
	}
	n := min(int(l.script[0])*4, len(l.script)-1, len(p))
	copy(p, l.script[1:1+n])
	l.script = l.script[1+n:]
	return n, nil
}
func (l *scriptLink) ReadInterrupt(ctx context.Context, p []byte) (int, error) {
	return 0, device.ErrDisconnected
}
func (l *scriptLink) Control(ctx context.Context, rt, r uint8, v, i uint16, d []byte) (int, error) {
	return 0, device.ErrDisconnected
}
func (l *scriptLink) MaxPacketSize() int { return 64 }
func (l *scriptLink) Close() error       { return nil }

// FuzzClientReceive feeds arbitrary device transfers to the client's data
// and response phases: it must end with data or an error, never a panic or
// a hang.
func FuzzClientReceive(f *testing.F) {
	resp := Container{Type: TypeResponse, Code: RespOK, TID: 1}.Marshal()
	data := append(AppendHeader(nil, DataHeader(OpGetObject, 1, 20)), make([]byte, 20)...)
	f.Add(append([]byte{8}, append(data, 0, 0, 0, 0)...))
	f.Add(append(append([]byte{8}, data...), append([]byte{3}, resp...)...))
	f.Add(append([]byte{3}, AppendHeader(nil, Header{Length: LengthUnknown, Type: TypeData, Code: OpGetObject, TID: 1})...))
	f.Fuzz(func(t *testing.T, script []byte) {
		c := NewClient(&scriptLink{script: script})
		c.session, c.tid = 1, 0
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c.Run(ctx, OpGetObject, []uint32{1}, io.Discard)
		c.RunData(ctx, OpGetObjectPropList, 1)
	})
}
