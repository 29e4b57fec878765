package mtp

import (
	"fmt"
	"slices"

	"github.com/sk-rescue/sk-rescue/device"
)

// DeviceInfo is the GetDeviceInfo dataset (PTP 1.1 §5.5.1).
type DeviceInfo struct {
	StandardVersion        uint16
	VendorExtensionID      uint32
	VendorExtensionVersion uint16
	VendorExtensionDesc    string // "microsoft.com: 1.0; android.com: 1.0;"
	FunctionalMode         uint16
	Operations             []uint16
	Events                 []uint16
	DeviceProps            []uint16
	CaptureFormats         []uint16
	PlaybackFormats        []uint16
	Manufacturer           string
	Model                  string
	DeviceVersion          string
	SerialNumber           string
}

// Supports reports whether the device advertises operation op.
func (di *DeviceInfo) Supports(op uint16) bool { return slices.Contains(di.Operations, op) }

// HasDeviceProp reports whether the device advertises device property p.
func (di *DeviceInfo) HasDeviceProp(p uint16) bool { return slices.Contains(di.DeviceProps, p) }

// Encode encodes di.
func (di *DeviceInfo) Encode() []byte {
	var e Encoder
	e.U16(di.StandardVersion)
	e.U32(di.VendorExtensionID)
	e.U16(di.VendorExtensionVersion)
	e.String(di.VendorExtensionDesc)
	e.U16(di.FunctionalMode)
	e.AU16(di.Operations)
	e.AU16(di.Events)
	e.AU16(di.DeviceProps)
	e.AU16(di.CaptureFormats)
	e.AU16(di.PlaybackFormats)
	e.String(di.Manufacturer)
	e.String(di.Model)
	e.String(di.DeviceVersion)
	e.String(di.SerialNumber)
	return e.Bytes()
}

// DecodeDeviceInfo decodes a DeviceInfo dataset.
func DecodeDeviceInfo(b []byte) (*DeviceInfo, error) {
	d := NewDecoder(b)
	di := &DeviceInfo{
		StandardVersion:        d.U16(),
		VendorExtensionID:      d.U32(),
		VendorExtensionVersion: d.U16(),
		VendorExtensionDesc:    d.String(),
		FunctionalMode:         d.U16(),
		Operations:             d.AU16(),
		Events:                 d.AU16(),
		DeviceProps:            d.AU16(),
		CaptureFormats:         d.AU16(),
		PlaybackFormats:        d.AU16(),
		Manufacturer:           d.String(),
		Model:                  d.String(),
		DeviceVersion:          d.String(),
		SerialNumber:           d.String(),
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("mtp: DeviceInfo: %w", err)
	}
	return di, nil
}

// StorageInfo is the GetStorageInfo dataset (PTP 1.1 §5.5.3).
type StorageInfo struct {
	StorageType      uint16
	FilesystemType   uint16
	AccessCapability uint16
	MaxCapacity      uint64
	FreeSpace        uint64
	FreeObjects      uint32
	Description      string
	VolumeLabel      string
}

// Encode encodes si.
func (si *StorageInfo) Encode() []byte {
	var e Encoder
	e.U16(si.StorageType)
	e.U16(si.FilesystemType)
	e.U16(si.AccessCapability)
	e.U64(si.MaxCapacity)
	e.U64(si.FreeSpace)
	e.U32(si.FreeObjects)
	e.String(si.Description)
	e.String(si.VolumeLabel)
	return e.Bytes()
}

// DecodeStorageInfo decodes a StorageInfo dataset.
func DecodeStorageInfo(b []byte) (*StorageInfo, error) {
	d := NewDecoder(b)
	si := &StorageInfo{
		StorageType:      d.U16(),
		FilesystemType:   d.U16(),
		AccessCapability: d.U16(),
		MaxCapacity:      d.U64(),
		FreeSpace:        d.U64(),
		FreeObjects:      d.U32(),
		Description:      d.String(),
		VolumeLabel:      d.String(),
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("mtp: StorageInfo: %w", err)
	}
	return si, nil
}

// ObjectInfo is the GetObjectInfo dataset (PTP 1.1 §5.5.2). CompressedSize
// is 0xFFFFFFFF for objects of 4 GiB or more; read PropObjectSize then.
type ObjectInfo struct {
	StorageID           uint32
	ObjectFormat        uint16
	ProtectionStatus    uint16
	CompressedSize      uint32
	ThumbFormat         uint16
	ThumbCompressedSize uint32
	ThumbPixWidth       uint32
	ThumbPixHeight      uint32
	ImagePixWidth       uint32
	ImagePixHeight      uint32
	ImageBitDepth       uint32
	ParentObject        uint32
	AssociationType     uint16
	AssociationDesc     uint32
	SequenceNumber      uint32
	Filename            string
	CaptureDate         string
	ModificationDate    string
	Keywords            string
}

// Encode encodes oi.
func (oi *ObjectInfo) Encode() []byte {
	var e Encoder
	e.U32(oi.StorageID)
	e.U16(oi.ObjectFormat)
	e.U16(oi.ProtectionStatus)
	e.U32(oi.CompressedSize)
	e.U16(oi.ThumbFormat)
	e.U32(oi.ThumbCompressedSize)
	e.U32(oi.ThumbPixWidth)
	e.U32(oi.ThumbPixHeight)
	e.U32(oi.ImagePixWidth)
	e.U32(oi.ImagePixHeight)
	e.U32(oi.ImageBitDepth)
	e.U32(oi.ParentObject)
	e.U16(oi.AssociationType)
	e.U32(oi.AssociationDesc)
	e.U32(oi.SequenceNumber)
	e.String(oi.Filename)
	e.String(oi.CaptureDate)
	e.String(oi.ModificationDate)
	e.String(oi.Keywords)
	return e.Bytes()
}

// DecodeObjectInfo decodes an ObjectInfo dataset. Responders that stop
// after the filename or dates are accepted: the missing strings are empty.
func DecodeObjectInfo(b []byte) (*ObjectInfo, error) {
	d := NewDecoder(b)
	oi := &ObjectInfo{
		StorageID:           d.U32(),
		ObjectFormat:        d.U16(),
		ProtectionStatus:    d.U16(),
		CompressedSize:      d.U32(),
		ThumbFormat:         d.U16(),
		ThumbCompressedSize: d.U32(),
		ThumbPixWidth:       d.U32(),
		ThumbPixHeight:      d.U32(),
		ImagePixWidth:       d.U32(),
		ImagePixHeight:      d.U32(),
		ImageBitDepth:       d.U32(),
		ParentObject:        d.U32(),
		AssociationType:     d.U16(),
		AssociationDesc:     d.U32(),
		SequenceNumber:      d.U32(),
		Filename:            d.String(),
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("mtp: ObjectInfo: %w", err)
	}
	if d.Remaining() > 0 {
		oi.CaptureDate = d.String()
	}
	if d.Remaining() > 0 {
		oi.ModificationDate = d.String()
	}
	if d.Remaining() > 0 {
		oi.Keywords = d.String()
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("mtp: ObjectInfo: %w", err)
	}
	return oi, nil
}

// DataType is a PTP data type code (PTP 1.1 §5.3).
type DataType uint16

// The data types.
const (
	TypeUndef   DataType = 0x0000
	TypeInt8    DataType = 0x0001
	TypeUint8   DataType = 0x0002
	TypeInt16   DataType = 0x0003
	TypeUint16  DataType = 0x0004
	TypeInt32   DataType = 0x0005
	TypeUint32  DataType = 0x0006
	TypeInt64   DataType = 0x0007
	TypeUint64  DataType = 0x0008
	TypeInt128  DataType = 0x0009
	TypeUint128 DataType = 0x000A
	TypeArray   DataType = 0x4000 // ORed with an element type
	TypeString  DataType = 0xFFFF
)

func (t DataType) size() int {
	switch t &^ TypeArray {
	case TypeInt8, TypeUint8:
		return 1
	case TypeInt16, TypeUint16:
		return 2
	case TypeInt32, TypeUint32:
		return 4
	case TypeInt64, TypeUint64:
		return 8
	case TypeInt128, TypeUint128:
		return 16
	}
	return 0
}

// Value is one typed property value. Integers up to 64 bits are in Int (a
// signed value as its two's complement bit pattern, sign-extended); 128-bit
// values in Wide; strings in Str; arrays of integers in Arr.
type Value struct {
	Type DataType
	Int  uint64
	Wide [16]byte
	Str  string
	Arr  []uint64
}

// Uint returns v as an unsigned integer for integer types.
func (v Value) Uint() (uint64, bool) {
	if v.Type.size() == 0 || v.Type&TypeArray != 0 || v.Type.size() == 16 {
		return 0, false
	}
	return v.Int, true
}

// StringValue returns a string Value.
func StringValue(s string) Value { return Value{Type: TypeString, Str: s} }

// UintValue returns an integer Value of type t.
func UintValue(t DataType, n uint64) Value { return Value{Type: t, Int: n} }

func (e *Encoder) value(v Value) {
	switch {
	case v.Type == TypeString:
		e.String(v.Str)
	case v.Type&TypeArray != 0 && v.Type.size() > 0 && v.Type.size() <= 8:
		e.U32(uint32(len(v.Arr)))
		for _, x := range v.Arr {
			e.scalar(v.Type&^TypeArray, x)
		}
	case v.Type.size() == 16:
		e.U128(v.Wide)
	default:
		e.scalar(v.Type, v.Int)
	}
}

func (e *Encoder) scalar(t DataType, x uint64) {
	switch t.size() {
	case 1:
		e.U8(uint8(x))
	case 2:
		e.U16(uint16(x))
	case 4:
		e.U32(uint32(x))
	case 8:
		e.U64(x)
	}
}

func (d *Decoder) scalar(t DataType) uint64 {
	var x uint64
	switch t.size() {
	case 1:
		x = uint64(d.U8())
		if t == TypeInt8 {
			x = uint64(int64(int8(x)))
		}
	case 2:
		x = uint64(d.U16())
		if t == TypeInt16 {
			x = uint64(int64(int16(x)))
		}
	case 4:
		x = uint64(d.U32())
		if t == TypeInt32 {
			x = uint64(int64(int32(x)))
		}
	case 8:
		x = d.U64()
	}
	return x
}

// Value reads a value of type t.
func (d *Decoder) Value(t DataType) Value {
	v := Value{Type: t}
	switch {
	case t == TypeString:
		v.Str = d.String()
	case t&TypeArray != 0 && t.size() > 0 && t.size() <= 8:
		n := d.count(t.size(), "array value")
		v.Arr = make([]uint64, n)
		for i := range v.Arr {
			v.Arr[i] = d.scalar(t &^ TypeArray)
		}
	case t.size() == 16 && t&TypeArray == 0:
		v.Wide = d.U128()
	case t.size() > 0 && t&TypeArray == 0:
		v.Int = d.scalar(t)
	default:
		if d.err == nil {
			d.err = fmt.Errorf("mtp: unknown data type 0x%04x: %w", uint16(t), device.ErrProtocol)
		}
	}
	return v
}

// PropElem is one element of an ObjectPropList dataset (MTP 1.1 §5.4.1):
// object handle, property code, and the typed value.
type PropElem struct {
	Handle uint32
	Prop   uint16
	Value  Value
}

// EncodePropList encodes an ObjectPropList dataset.
func EncodePropList(l []PropElem) []byte {
	var e Encoder
	e.U32(uint32(len(l)))
	for _, el := range l {
		e.U32(el.Handle)
		e.U16(el.Prop)
		e.U16(uint16(el.Value.Type))
		e.value(el.Value)
	}
	return e.Bytes()
}

// minPropElem is the smallest encoded element: handle, prop, type and a
// one-byte value (an empty string or a u8).
const minPropElem = 4 + 2 + 2 + 1

// DecodePropList decodes an ObjectPropList dataset.
func DecodePropList(b []byte) ([]PropElem, error) {
	d := NewDecoder(b)
	n := d.count(minPropElem, "ObjectPropList")
	l := make([]PropElem, 0, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		var el PropElem
		el.Handle = d.U32()
		el.Prop = d.U16()
		el.Value = d.Value(DataType(d.U16()))
		l = append(l, el)
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("mtp: ObjectPropList: %w", err)
	}
	return l, nil
}

// Form flags of a DevicePropDesc.
const (
	FormNone  uint8 = 0
	FormRange uint8 = 1
	FormEnum  uint8 = 2
)

// DevicePropDesc is the GetDevicePropDesc dataset (PTP 1.1 §5.5.4).
type DevicePropDesc struct {
	Code     uint16
	Type     DataType
	GetSet   uint8 // 0 get only, 1 get/set
	Default  Value
	Current  Value
	Form     uint8
	Min, Max Value // FormRange
	Step     Value
	Enum     []Value // FormEnum
}

// Encode encodes pd.
func (pd *DevicePropDesc) Encode() []byte {
	var e Encoder
	e.U16(pd.Code)
	e.U16(uint16(pd.Type))
	e.U8(pd.GetSet)
	e.value(pd.Default)
	e.value(pd.Current)
	e.U8(pd.Form)
	switch pd.Form {
	case FormRange:
		e.value(pd.Min)
		e.value(pd.Max)
		e.value(pd.Step)
	case FormEnum:
		e.U16(uint16(len(pd.Enum)))
		for _, v := range pd.Enum {
			e.value(v)
		}
	}
	return e.Bytes()
}

// DecodeDevicePropDesc decodes a DevicePropDesc dataset.
func DecodeDevicePropDesc(b []byte) (*DevicePropDesc, error) {
	d := NewDecoder(b)
	pd := &DevicePropDesc{Code: d.U16(), Type: DataType(d.U16()), GetSet: d.U8()}
	pd.Default = d.Value(pd.Type)
	pd.Current = d.Value(pd.Type)
	pd.Form = d.U8()
	switch pd.Form {
	case FormRange:
		pd.Min, pd.Max, pd.Step = d.Value(pd.Type), d.Value(pd.Type), d.Value(pd.Type)
	case FormEnum:
		n := int(d.U16())
		for i := 0; i < n && d.Err() == nil; i++ {
			pd.Enum = append(pd.Enum, d.Value(pd.Type))
		}
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("mtp: DevicePropDesc: %w", err)
	}
	return pd, nil
}

// EncodeValue encodes a lone value (GetDevicePropValue, GetObjectPropValue).
func EncodeValue(v Value) []byte {
	var e Encoder
	e.value(v)
	return e.Bytes()
}

// DecodeValue decodes a lone value of type t.
func DecodeValue(b []byte, t DataType) (Value, error) {
	d := NewDecoder(b)
	v := d.Value(t)
	return v, d.Err()
}
