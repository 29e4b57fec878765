package mtp

import "testing"

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
