package photo

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

type entry struct {
	tag  uint16
	typ  uint16
	data []byte // ASCII with NUL, or a 4-byte LONG
}

// buildExif writes a TIFF block: IFD0 (DateTime, ExifIFD pointer) and an
// Exif IFD (DateTimeOriginal, OffsetTimeOriginal).
func buildExif(bo binary.ByteOrder, dateTime, original, offset string) []byte {
	var b bytes.Buffer
	if bo == binary.LittleEndian {
		b.WriteString("II")
	} else {
		b.WriteString("MM")
	}
	w16 := func(v uint16) { binary.Write(&b, bo, v) }
	w32 := func(v uint32) { binary.Write(&b, bo, v) }
	w16(42)
	w32(8)
	ifd0 := []entry{{tagDateTime, 2, []byte(dateTime + "\x00")}, {tagExifIFD, 4, nil}}
	exif := []entry{{tagDateTimeOriginal, 2, []byte(original + "\x00")}}
	if offset != "" {
		exif = append(exif, entry{tagOffsetOriginal, 2, []byte(offset + "\x00")})
	}
	ifd0Size := uint32(2 + 12*len(ifd0) + 4)
	exifOff := 8 + ifd0Size
	exifSize := uint32(2 + 12*len(exif) + 4)
	dataOff := exifOff + exifSize
	var data bytes.Buffer
	writeIFD := func(es []entry) {
		w16(uint16(len(es)))
		for _, e := range es {
			w16(e.tag)
			w16(e.typ)
			if e.tag == tagExifIFD {
				w32(1)
				w32(exifOff)
				continue
			}
			w32(uint32(len(e.data)))
			if len(e.data) <= 4 {
				v := make([]byte, 4)
				copy(v, e.data)
				b.Write(v)
				continue
			}
			w32(dataOff + uint32(data.Len()))
			data.Write(e.data)
		}
		w32(0)
	}
	writeIFD(ifd0)
	writeIFD(exif)
	b.Write(data.Bytes())
	return b.Bytes()
}

func jpeg(tiff []byte, tail int) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	// APP0 JFIF first, as cameras and phones write it.
	b.Write([]byte{0xFF, 0xE0, 0x00, 0x10})
	b.WriteString("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	app1 := append([]byte("Exif\x00\x00"), tiff...)
	b.Write([]byte{0xFF, 0xE1})
	binary.Write(&b, binary.BigEndian, uint16(len(app1)+2))
	b.Write(app1)
	b.Write([]byte{0xFF, 0xDA, 0x00, 0x02})
	b.Write(make([]byte, tail))
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

type countingReader struct {
	r       *bytes.Reader
	maxRead int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	if end := off + int64(len(p)); end > c.maxRead {
		c.maxRead = end
	}
	return c.r.ReadAt(p, off)
}

func TestCaptureTime(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want time.Time
		ok   bool
	}{
		{"little endian, original", jpeg(buildExif(binary.LittleEndian, "2010:01:01 00:00:00", "2009:07:14 18:30:05", ""), 100),
			time.Date(2009, 7, 14, 18, 30, 5, 0, time.UTC), true},
		{"big endian, with offset", jpeg(buildExif(binary.BigEndian, "2010:01:01 00:00:00", "2009:07:14 18:30:05", "+02:00"), 100),
			time.Date(2009, 7, 14, 16, 30, 5, 0, time.UTC), true},
		{"fallback DateTime", jpeg(buildExif(binary.LittleEndian, "2010:01:02 03:04:05", "0000:00:00 00:00:00", ""), 100),
			time.Date(2010, 1, 2, 3, 4, 5, 0, time.UTC), true},
		{"no exif", []byte{0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 0xFF, 0xD9}, time.Time{}, false},
		{"not jpeg", []byte("GIF89a......"), time.Time{}, false},
		{"truncated", jpeg(buildExif(binary.LittleEndian, "2010:01:01 00:00:00", "2009:07:14 18:30:05", ""), 0)[:40], time.Time{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := CaptureTime(bytes.NewReader(c.data), int64(len(c.data)))
			if ok != c.ok || !got.Equal(c.want) {
				t.Errorf("got %v %v, want %v %v", got, ok, c.want, c.ok)
			}
		})
	}
}

func TestReadsOnlyTheHeader(t *testing.T) {
	data := jpeg(buildExif(binary.LittleEndian, "2010:01:01 00:00:00", "2009:07:14 18:30:05", ""), 10<<20)
	cr := &countingReader{r: bytes.NewReader(data)}
	if _, ok := CaptureTime(cr, int64(len(data))); !ok {
		t.Fatal("no time")
	}
	if cr.maxRead > 4096 {
		t.Errorf("read up to byte %d of a %d-byte file", cr.maxRead, len(data))
	}
}

func FuzzCaptureTime(f *testing.F) {
	f.Add(jpeg(buildExif(binary.LittleEndian, "2010:01:01 00:00:00", "2009:07:14 18:30:05", "+01:00"), 10))
	f.Add(jpeg(buildExif(binary.BigEndian, "2010:01:01 00:00:00", "2009:07:14 18:30:05", ""), 10))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, data []byte) {
		CaptureTime(bytes.NewReader(data), int64(len(data)))
		CaptureTime(bytes.NewReader(data), int64(len(data))+1000) // lying size
	})
}
