package sidekick

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"time"

	"github.com/sk-rescue/sk-rescue/device/sim/dataset"
)

// photoSizes are the target file sizes, spread geometrically from MinPhoto
// to MaxPhoto (both hit when there are two or more photos) and shuffled so
// size does not follow the file number.
func (g *gen) photoSizes(p Params) []int {
	n := p.Photos
	sizes := make([]int, n)
	for k := range sizes {
		sizes[k] = p.MinPhoto
		if n > 1 {
			f := math.Pow(float64(p.MaxPhoto)/float64(p.MinPhoto), float64(k)/float64(n-1))
			sizes[k] = int(math.Round(float64(p.MinPhoto) * f))
		}
	}
	if n > 1 {
		sizes[n-1] = p.MaxPhoto // no rounding drift at the top end
	}
	g.rng(streamPhotoSizes, 0).Shuffle(n, func(a, b int) { sizes[a], sizes[b] = sizes[b], sizes[a] })
	return sizes
}

// Photos are taken from late 2007 until the day before phoneNow, in file
// number order, as a camera numbers them.
var photoFrom = time.Date(2007, 11, 3, 0, 0, 0, 0, time.UTC)

// photo makes photo i: a baseline JPEG of a noisy gradient with an EXIF APP1
// and COM padding so that it is size bytes long (longer only if the image
// alone is bigger).
func (g *gen) photo(i, size int) (dataset.File, dataset.Photo) {
	r := g.rng(streamPhoto, i)
	// One slot of ~2 days per photo so times rise with the number; the
	// time of day is 08:00-22:00.
	day := photoFrom.AddDate(0, 0, 2*i+r.IntN(2))
	captured := day.Add(time.Duration(8*3600+r.IntN(14*3600)) * time.Second)

	w, h, q := 160, 120, 80
	switch {
	case size >= 400<<10:
		w, h, q = 480, 360, 90
	case size >= 48<<10:
		w, h, q = 320, 240, 88
	}
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, noisyImage(r, w, h), &jpeg.Options{Quality: q}); err != nil {
		panic(fmt.Sprintf("sidekick: encoding photo: %v", err)) // cannot happen writing to memory
	}
	body := enc.Bytes()[2:] // without SOI
	app1 := exifSegment(captured, i%2 == 1)

	out := make([]byte, 0, max(size, 2+len(app1)+len(body)))
	out = append(out, 0xFF, 0xD8)
	out = append(out, app1...)
	out = appendPadding(out, r, size-(2+len(app1)+len(body)))
	out = append(out, body...)

	path := fmt.Sprintf("/DCIM/100SIDEK/SIDK%04d.JPG", i+1)
	return dataset.File{Path: path, Format: dataset.FormatEXIFJPEG, Data: out, Modified: captured},
		dataset.Photo{File: path, Captured: captured, Size: len(out)}
}

// noisyImage is a colour gradient with per-pixel noise from a xorshift
// generator seeded by r: cheap to make (written straight into YCbCr 4:2:0,
// which the encoder takes without conversion), and noisy enough that JPEG
// cannot squeeze it to nothing.
func noisyImage(r *rand.Rand, w, h int) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	x := r.Uint32() | 1
	next := func() uint32 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		return x
	}
	base := 40 + r.IntN(120)
	for y := range h {
		row := img.Y[y*img.YStride : y*img.YStride+w]
		for px := range row {
			row[px] = uint8(base + (px+y)*60/(w+h) + int(next()&0x3F))
		}
	}
	cb, cr := 64+r.IntN(128), 64+r.IntN(128)
	for y := range (h + 1) / 2 {
		for px := range (w + 1) / 2 {
			n := next()
			img.Cb[y*img.CStride+px] = uint8(cb + px*32/w + int(n&0x0F))
			img.Cr[y*img.CStride+px] = uint8(cr + y*32/h + int(n>>8&0x0F))
		}
	}
	return img
}

// appendPadding appends COM segments totalling n bytes of pseudo-random
// content (as incompressible as real scan data). n < 4 cannot be padded
// exactly: one minimal segment is added when n is 1…3, nothing when n ≤ 0.
func appendPadding(out []byte, r *rand.Rand, n int) []byte {
	if n <= 0 {
		return out
	}
	n = max(n, 4)
	const maxSeg = 2 + 0xFFFF // marker + the largest length
	for n > 0 {
		seg := min(n, maxSeg)
		if rest := n - seg; rest > 0 && rest < 4 {
			seg -= 4 - rest // leave room for a minimal last segment
		}
		out = append(out, 0xFF, 0xFE, byte((seg-2)>>8), byte(seg-2))
		var word [8]byte
		for k := 4; k < seg; k += 8 {
			binary.LittleEndian.PutUint64(word[:], r.Uint64())
			out = append(out, word[:min(8, seg-k)]...)
		}
		n -= seg
	}
	return out
}

// exifSegment is an APP1 "Exif" segment holding a minimal TIFF: IFD0 with
// Make, Model, DateTime and the Exif IFD pointer; the Exif IFD with
// DateTimeOriginal and DateTimeDigitized. bigEndian picks "MM" over "II".
func exifSegment(t time.Time, bigEndian bool) []byte {
	var bo binary.AppendByteOrder = binary.LittleEndian
	tiff := []byte("II*\x00\x08\x00\x00\x00")
	if bigEndian {
		bo = binary.BigEndian
		tiff = []byte("MM\x00*\x00\x00\x00\x08")
	}
	stamp := []byte(t.Format("2006:01:02 15:04:05") + "\x00")
	const ascii, long = 2, 4
	type entry struct {
		tag, typ uint16
		data     []byte
		count    uint32 // for LONG; ASCII counts its bytes
	}
	// ifd lays out one IFD at offset at (from the TIFF header) with its
	// values after it; a LONG entry's value is exifPtr.
	ifd := func(at uint32, es []entry, exifPtr uint32) []byte {
		dataAt := at + 2 + 12*uint32(len(es)) + 4
		var dir, data []byte
		dir = bo.AppendUint16(dir, uint16(len(es)))
		for _, e := range es {
			dir = bo.AppendUint16(dir, e.tag)
			dir = bo.AppendUint16(dir, e.typ)
			if e.typ == long {
				dir = bo.AppendUint32(dir, e.count)
				dir = bo.AppendUint32(dir, exifPtr)
				continue
			}
			dir = bo.AppendUint32(dir, uint32(len(e.data)))
			if len(e.data) <= 4 {
				var v [4]byte
				copy(v[:], e.data)
				dir = append(dir, v[:]...)
				continue
			}
			dir = bo.AppendUint32(dir, dataAt+uint32(len(data)))
			data = append(data, e.data...)
			if len(data)%2 == 1 {
				data = append(data, 0) // keep offsets word aligned
			}
		}
		dir = bo.AppendUint32(dir, 0) // no next IFD
		return append(dir, data...)
	}
	ifd0Entries := []entry{
		{0x010F, ascii, []byte("Danger\x00"), 0},
		{0x0110, ascii, []byte("Sidekick (sim)\x00"), 0},
		{0x0132, ascii, stamp, 0},
		{0x8769, long, nil, 1},
	}
	// IFD0's size does not depend on where the Exif IFD lands, so lay it
	// out once to learn that offset.
	exifAt := 8 + uint32(len(ifd(8, ifd0Entries, 0)))
	tiff = append(tiff, ifd(8, ifd0Entries, exifAt)...)
	tiff = append(tiff, ifd(exifAt, []entry{
		{0x9003, ascii, stamp, 0},
		{0x9004, ascii, stamp, 0},
	}, 0)...)

	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	return append(seg, payload...)
}

// avatar is a small JPEG for a contact's PHOTO: a head and shoulders on a
// coloured ground, colour from the contact's stream.
func (g *gen) avatar(i int) []byte {
	r := g.rng(streamAvatar, i)
	const s = 48
	img := image.NewRGBA(image.Rect(0, 0, s, s))
	bg := [3]uint8{uint8(80 + r.IntN(170)), uint8(80 + r.IntN(170)), uint8(80 + r.IntN(170))}
	fg := [3]uint8{uint8(r.IntN(90)), uint8(r.IntN(90)), uint8(r.IntN(90))}
	for y := range s {
		for x := range s {
			c := bg
			dx, dy := x-s/2, y-s*2/5
			if dx*dx+dy*dy < 100 || (y > s*7/10 && dx*dx < (y-s/2)*(y-s/2)) {
				c = fg
			}
			o := img.PixOffset(x, y)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = c[0], c[1], c[2], 0xFF
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 75}); err != nil {
		panic(fmt.Sprintf("sidekick: encoding avatar: %v", err))
	}
	return b.Bytes()
}
