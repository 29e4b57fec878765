package mtp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/sk-rescue/sk-rescue/device"
)

// HeaderSize is the size of a bulk container header: length u32, type u16,
// code u16, transaction id u32 (PIMA 15740 §D.7.1.1).
const HeaderSize = 12

// MaxParams is the most parameters a command or response container carries.
const MaxParams = 5

// ContainerType is a bulk container's type field.
type ContainerType uint16

// The container types.
const (
	TypeCommand  ContainerType = 1
	TypeData     ContainerType = 2
	TypeResponse ContainerType = 3
	TypeEvent    ContainerType = 4
)

func (t ContainerType) String() string {
	switch t {
	case TypeCommand:
		return "command"
	case TypeData:
		return "data"
	case TypeResponse:
		return "response"
	case TypeEvent:
		return "event"
	}
	return fmt.Sprintf("type %d", uint16(t))
}

// Header is the 12-byte head of every bulk container.
type Header struct {
	Length uint32 // header plus payload, or LengthUnknown
	Type   ContainerType
	Code   uint16
	TID    uint32
}

// AppendHeader appends h's 12 bytes to b.
func AppendHeader(b []byte, h Header) []byte {
	b = binary.LittleEndian.AppendUint32(b, h.Length)
	b = binary.LittleEndian.AppendUint16(b, uint16(h.Type))
	b = binary.LittleEndian.AppendUint16(b, h.Code)
	return binary.LittleEndian.AppendUint32(b, h.TID)
}

// ParseHeader reads a container header from the first 12 bytes of b.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("mtp: container of %d bytes is shorter than its %d-byte header: %w", len(b), HeaderSize, device.ErrProtocol)
	}
	return Header{
		Length: binary.LittleEndian.Uint32(b),
		Type:   ContainerType(binary.LittleEndian.Uint16(b[4:])),
		Code:   binary.LittleEndian.Uint16(b[6:]),
		TID:    binary.LittleEndian.Uint32(b[8:]),
	}, nil
}

// DataHeader returns the header of a data container carrying n payload
// bytes; a payload too large for a 32-bit length gets LengthUnknown, as
// Android and QEMU send it.
func DataHeader(code uint16, tid uint32, n int64) Header {
	l := uint32(LengthUnknown)
	if n >= 0 && n+HeaderSize < int64(LengthUnknown) {
		l = uint32(n + HeaderSize)
	}
	return Header{Length: l, Type: TypeData, Code: code, TID: tid}
}

// Container is a command, response or event container: a header and up to
// five u32 parameters.
type Container struct {
	Type   ContainerType
	Code   uint16
	TID    uint32
	Params []uint32
}

// Marshal encodes c.
func (c Container) Marshal() []byte {
	n := len(c.Params)
	b := make([]byte, 0, HeaderSize+4*n)
	b = AppendHeader(b, Header{Length: uint32(HeaderSize + 4*n), Type: c.Type, Code: c.Code, TID: c.TID})
	for _, p := range c.Params {
		b = binary.LittleEndian.AppendUint32(b, p)
	}
	return b
}

// ParseContainer decodes a command, response or event container. The length
// field must match len(b) (trailing bytes are an error) and there may be at
// most five parameters; a trailing partial parameter is ignored, as devices
// that pad responses exist.
func ParseContainer(b []byte) (Container, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return Container{}, err
	}
	if h.Type != TypeCommand && h.Type != TypeResponse && h.Type != TypeEvent {
		return Container{}, fmt.Errorf("mtp: expected a command, response or event container, got %s: %w", h.Type, device.ErrProtocol)
	}
	if int64(h.Length) != int64(len(b)) || h.Length > HeaderSize+4*MaxParams {
		return Container{}, fmt.Errorf("mtp: %s container claims %d bytes, holds %d: %w", h.Type, h.Length, len(b), device.ErrProtocol)
	}
	c := Container{Type: h.Type, Code: h.Code, TID: h.TID}
	for p := b[HeaderSize:]; len(p) >= 4; p = p[4:] {
		c.Params = append(c.Params, binary.LittleEndian.Uint32(p))
	}
	return c, nil
}

// Param returns parameter i, or 0 when the container has fewer.
func (c Container) Param(i int) uint32 {
	if i < len(c.Params) {
		return c.Params[i]
	}
	return 0
}

// Encoder appends PTP dataset fields (little-endian integers, PTP strings,
// arrays) to a byte slice.
type Encoder struct{ b []byte }

// Bytes returns the encoded bytes.
func (e *Encoder) Bytes() []byte { return e.b }

// U8 appends v.
func (e *Encoder) U8(v uint8) { e.b = append(e.b, v) }

// U16 appends v.
func (e *Encoder) U16(v uint16) { e.b = binary.LittleEndian.AppendUint16(e.b, v) }

// U32 appends v.
func (e *Encoder) U32(v uint32) { e.b = binary.LittleEndian.AppendUint32(e.b, v) }

// U64 appends v.
func (e *Encoder) U64(v uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, v) }

// U128 appends v (little-endian, as sent).
func (e *Encoder) U128(v [16]byte) { e.b = append(e.b, v[:]...) }

// MaxStringUnits is the most UTF-16 code units a PTP string holds,
// terminating NUL included.
const MaxStringUnits = 255

// String appends s as a PTP string: a count byte of UTF-16 code units
// including the terminating NUL (0 for the empty string), then the units
// little-endian. Strings longer than 254 units are truncated, never split
// inside a surrogate pair.
func (e *Encoder) String(s string) {
	if s == "" {
		e.U8(0)
		return
	}
	u := utf16.Encode([]rune(s))
	if len(u) > MaxStringUnits-1 {
		u = u[:MaxStringUnits-1]
		if last := u[len(u)-1]; last >= 0xD800 && last < 0xDC00 {
			u = u[:len(u)-1]
		}
	}
	e.U8(uint8(len(u) + 1))
	for _, c := range u {
		e.U16(c)
	}
	e.U16(0)
}

// AU16 appends a u32 count and the elements.
func (e *Encoder) AU16(v []uint16) {
	e.U32(uint32(len(v)))
	for _, x := range v {
		e.U16(x)
	}
}

// AU32 appends a u32 count and the elements.
func (e *Encoder) AU32(v []uint32) {
	e.U32(uint32(len(v)))
	for _, x := range v {
		e.U32(x)
	}
}

// Decoder reads PTP dataset fields from bytes a device sent. It never
// panics and never allocates more than the input can hold: the first
// out-of-bounds read sets Err and every later read returns zero.
type Decoder struct {
	b   []byte
	off int
	err error
}

// NewDecoder returns a Decoder over b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Err returns the first decoding error, wrapping device.ErrProtocol.
func (d *Decoder) Err() error { return d.err }

// Remaining returns how many bytes are left.
func (d *Decoder) Remaining() int { return len(d.b) - d.off }

func (d *Decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.off {
		d.err = fmt.Errorf("mtp: dataset ends at byte %d reading %s (%d bytes needed): %w", len(d.b), what, n, device.ErrProtocol)
		return nil
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p
}

// U8 reads a byte.
func (d *Decoder) U8() uint8 {
	if p := d.take(1, "u8"); p != nil {
		return p[0]
	}
	return 0
}

// U16 reads a u16.
func (d *Decoder) U16() uint16 {
	if p := d.take(2, "u16"); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

// U32 reads a u32.
func (d *Decoder) U32() uint32 {
	if p := d.take(4, "u32"); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

// U64 reads a u64.
func (d *Decoder) U64() uint64 {
	if p := d.take(8, "u64"); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// U128 reads 16 bytes.
func (d *Decoder) U128() (v [16]byte) {
	if p := d.take(16, "u128"); p != nil {
		copy(v[:], p)
	}
	return v
}

// String reads a PTP string. The string ends at its first NUL, as C
// responders mean it; unpaired surrogates become U+FFFD.
func (d *Decoder) String() string {
	n := int(d.U8())
	if n == 0 {
		return ""
	}
	p := d.take(2*n, "string")
	if p == nil {
		return ""
	}
	u := make([]uint16, 0, n)
	for i := 0; i < n; i++ {
		c := binary.LittleEndian.Uint16(p[2*i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

func (d *Decoder) count(elem int, what string) int {
	n := d.U32()
	if d.err != nil {
		return 0
	}
	if uint64(n)*uint64(elem) > uint64(d.Remaining()) {
		d.err = fmt.Errorf("mtp: %s claims %d elements, only %d bytes follow: %w", what, n, d.Remaining(), device.ErrProtocol)
		return 0
	}
	return int(n)
}

// AU16 reads a u32 count and that many u16s.
func (d *Decoder) AU16() []uint16 {
	n := d.count(2, "u16 array")
	v := make([]uint16, n)
	for i := range v {
		v[i] = d.U16()
	}
	return v
}

// AU32 reads a u32 count and that many u32s.
func (d *Decoder) AU32() []uint32 {
	n := d.count(4, "u32 array")
	v := make([]uint32, n)
	for i := range v {
		v[i] = d.U32()
	}
	return v
}

// DecodeAU32 decodes a dataset that is one u32 array (GetStorageIDs,
// GetObjectHandles).
func DecodeAU32(b []byte) ([]uint32, error) {
	d := NewDecoder(b)
	v := d.AU32()
	return v, d.Err()
}

// EncodeAU32 encodes a u32 array dataset.
func EncodeAU32(v []uint32) []byte {
	var e Encoder
	e.AU32(v)
	return e.Bytes()
}

// DecodeAU16 decodes a dataset that is one u16 array
// (GetObjectPropsSupported).
func DecodeAU16(b []byte) ([]uint16, error) {
	d := NewDecoder(b)
	v := d.AU16()
	return v, d.Err()
}

// EncodeAU16 encodes a u16 array dataset.
func EncodeAU16(v []uint16) []byte {
	var e Encoder
	e.AU16(v)
	return e.Bytes()
}

// FormatDate writes t as a PTP DateTime string, "YYYYMMDDThhmmss", in UTC
// with no suffix as Android writes it. The zero time is the empty string.
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("20060102T150405")
}

var errDate = errors.New("mtp: bad date")

// ParseDate reads a PTP DateTime string "YYYYMMDDThhmmss[.s][Z|±hhmm]"
// (PIMA 15740 §5.5.5). Without a zone the time is taken as UTC, which is how
// Android and most responders mean it. The empty string is the zero time.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) < 15 || s[8] != 'T' {
		return time.Time{}, fmt.Errorf("%w %q", errDate, s)
	}
	base, rest := s[:15], s[15:]
	t, err := time.Parse("20060102T150405", base)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w %q", errDate, s)
	}
	if strings.HasPrefix(rest, ".") {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		frac := rest[1:i]
		rest = rest[i:]
		if frac != "" {
			var ns int64
			scale := int64(100000000)
			for j := 0; j < len(frac) && j < 9; j++ {
				ns += int64(frac[j]-'0') * scale
				scale /= 10
			}
			t = t.Add(time.Duration(ns))
		}
	}
	switch {
	case rest == "" || rest == "Z":
		return t, nil
	case (rest[0] == '+' || rest[0] == '-') && len(rest) == 5:
		var hh, mm int
		if _, err := fmt.Sscanf(rest[1:], "%02d%02d", &hh, &mm); err != nil || hh > 23 || mm > 59 {
			return time.Time{}, fmt.Errorf("%w %q", errDate, s)
		}
		off := time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
		if rest[0] == '+' {
			off = -off
		}
		return t.Add(off), nil
	}
	return time.Time{}, fmt.Errorf("%w %q", errDate, s)
}
