// Package photo reads the capture time of a JPEG photo from its EXIF data
// (the TIFF tags of CIPA DC-008 in the JPEG's APP1 segment), reading only
// the segment headers and that segment, never the whole file.
package photo

import (
	"encoding/binary"
	"io"
	"strings"
	"time"
)

// Bounds on hostile input.
const (
	maxSegments = 64      // JPEG segments looked at before giving up
	maxScan     = 1 << 20 // bytes of the file the segment walk may cover
	maxEntries  = 512     // IFD entries read per directory
)

// EXIF tags.
const (
	tagDateTime         = 0x0132
	tagExifIFD          = 0x8769
	tagDateTimeOriginal = 0x9003
	tagOffsetOriginal   = 0x9011
	tagOffsetTime       = 0x9010
)

// CaptureTime returns when the photo was taken: EXIF DateTimeOriginal,
// else DateTime (IFD0). EXIF times are the camera's local clock: the result
// is in a fixed zone from OffsetTimeOriginal/OffsetTime when the file has
// one, else in UTC standing for that unknown local time. ok is false when
// the file is not a JPEG, has no EXIF, or its EXIF is damaged.
func CaptureTime(r io.ReaderAt, size int64) (t time.Time, ok bool) {
	defer func() {
		if recover() != nil { // belt and braces: never panic on a photo
			t, ok = time.Time{}, false
		}
	}()
	var hdr [4]byte
	if size < 4 || !readFull(r, hdr[:2], 0) || hdr[0] != 0xFF || hdr[1] != 0xD8 {
		return time.Time{}, false
	}
	off := int64(2)
	for seg := 0; seg < maxSegments && off < maxScan && off+4 <= size; seg++ {
		if !readFull(r, hdr[:], off) || hdr[0] != 0xFF {
			return time.Time{}, false
		}
		marker := hdr[1]
		if marker == 0xFF { // fill byte
			off++
			continue
		}
		if marker == 0xD9 || marker == 0xDA { // end of image, start of scan
			return time.Time{}, false
		}
		if marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 {
			off += 2
			continue
		}
		length := int64(binary.BigEndian.Uint16(hdr[2:]))
		if length < 2 || off+2+length > size {
			return time.Time{}, false
		}
		if marker == 0xE1 && length > 8 {
			seg := make([]byte, length-2)
			if !readFull(r, seg, off+4) {
				return time.Time{}, false
			}
			if len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
				return parseTIFF(seg[6:])
			}
		}
		off += 2 + length
	}
	return time.Time{}, false
}

func readFull(r io.ReaderAt, b []byte, off int64) bool {
	n, err := r.ReadAt(b, off)
	return n == len(b) && (err == nil || err == io.EOF)
}

type tiff struct {
	b  []byte
	bo binary.ByteOrder
}

func (x *tiff) u16(off uint32) (uint16, bool) {
	if uint64(off)+2 > uint64(len(x.b)) {
		return 0, false
	}
	return x.bo.Uint16(x.b[off:]), true
}

func (x *tiff) u32(off uint32) (uint32, bool) {
	if uint64(off)+4 > uint64(len(x.b)) {
		return 0, false
	}
	return x.bo.Uint32(x.b[off:]), true
}

// ascii reads the ASCII value of the IFD entry at e.
func (x *tiff) ascii(e uint32) (string, bool) {
	typ, ok1 := x.u16(e + 2)
	count, ok2 := x.u32(e + 4)
	if !ok1 || !ok2 || typ != 2 || count == 0 || count > 64 {
		return "", false
	}
	start := e + 8
	if count > 4 {
		v, ok := x.u32(e + 8)
		if !ok {
			return "", false
		}
		start = v
	}
	if uint64(start)+uint64(count) > uint64(len(x.b)) {
		return "", false
	}
	return strings.TrimRight(string(x.b[start:start+count]), "\x00 "), true
}

// ifd returns the entries' offsets by tag.
func (x *tiff) ifd(off uint32) map[uint16]uint32 {
	n, ok := x.u16(off)
	if !ok || n > maxEntries {
		return nil
	}
	out := make(map[uint16]uint32, n)
	for i := uint32(0); i < uint32(n); i++ {
		e := off + 2 + 12*i
		tag, ok := x.u16(e)
		if !ok || uint64(e)+12 > uint64(len(x.b)) {
			break
		}
		out[tag] = e
	}
	return out
}

func parseTIFF(b []byte) (time.Time, bool) {
	if len(b) < 8 {
		return time.Time{}, false
	}
	x := &tiff{b: b}
	switch string(b[:2]) {
	case "II":
		x.bo = binary.LittleEndian
	case "MM":
		x.bo = binary.BigEndian
	default:
		return time.Time{}, false
	}
	if v, _ := x.u16(2); v != 42 {
		return time.Time{}, false
	}
	first, _ := x.u32(4)
	ifd0 := x.ifd(first)
	if ifd0 == nil {
		return time.Time{}, false
	}
	if e, ok := ifd0[tagExifIFD]; ok {
		if sub, ok := x.u32(e + 8); ok && sub != first {
			exif := x.ifd(sub)
			if e, ok := exif[tagDateTimeOriginal]; ok {
				if s, ok := x.ascii(e); ok {
					zone := ""
					if e, ok := exif[tagOffsetOriginal]; ok {
						zone, _ = x.ascii(e)
					} else if e, ok := exif[tagOffsetTime]; ok {
						zone, _ = x.ascii(e)
					}
					if t, ok := parseExifTime(s, zone); ok {
						return t, true
					}
				}
			}
		}
	}
	if e, ok := ifd0[tagDateTime]; ok {
		if s, ok := x.ascii(e); ok {
			return parseExifTime(s, "")
		}
	}
	return time.Time{}, false
}

// parseExifTime reads "2006:01:02 15:04:05" (blank or zero dates are
// unknown) with an optional "+01:00" offset.
func parseExifTime(s, zone string) (time.Time, bool) {
	t, err := time.Parse("2006:01:02 15:04:05", strings.TrimSpace(s))
	if err != nil || t.Year() < 1800 {
		return time.Time{}, false
	}
	if z, err := time.Parse("-07:00", strings.TrimSpace(zone)); err == nil {
		_, off := z.Zone()
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.FixedZone(zone, off)), true
	}
	return t, true
}
