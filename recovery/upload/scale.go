package upload

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	_ "image/png" // PNG photos in old cards
	"strings"
)

// scalePhoto returns card with its inline PHOTO re-encoded as a JPEG at half
// the width and height, repeatedly, until the whole card is at most limit
// bytes (or the photo is 16 pixels wide). ok is false when the card has no
// inline photo that could be decoded.
func scalePhoto(card []byte, limit int) (out []byte, ok bool, err error) {
	lines := physicalLines(card)
	start, end := -1, -1
	for i := 0; i < len(lines); i++ {
		if start < 0 {
			name, _, _ := splitLine(lines[i])
			if j := strings.IndexByte(name, '.'); j >= 0 {
				name = name[j+1:]
			}
			if strings.EqualFold(name, "PHOTO") {
				start = i
				end = i + 1
				for end < len(lines) && (strings.HasPrefix(lines[end], " ") || strings.HasPrefix(lines[end], "\t")) {
					end++
				}
				break
			}
		}
	}
	if start < 0 {
		return nil, false, nil
	}
	logical := lines[start]
	for _, l := range lines[start+1 : end] {
		logical += l[1:]
	}
	name, params, value := splitLine(logical)
	v4 := false
	data := value
	if strings.HasPrefix(strings.ToLower(value), "data:") {
		v4 = true
		_, data, _ = strings.Cut(value, ",")
	} else {
		enc := false
		for _, p := range params {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(k, "ENCODING") && (strings.EqualFold(v, "b") || strings.EqualFold(v, "BASE64")) {
				enc = true
			}
			if strings.EqualFold(p, "BASE64") {
				enc = true
			}
		}
		if !enc {
			return nil, false, nil // a URI, nothing inline
		}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(data), ""))
	if err != nil {
		return nil, false, nil
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, false, nil
	}
	for range 8 {
		b := img.Bounds()
		if b.Dx() <= 16 {
			break
		}
		img = halve(img)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
			return nil, false, fmt.Errorf("upload: encode scaled photo: %w", err)
		}
		enc := base64.StdEncoding.EncodeToString(buf.Bytes())
		var prop string
		if v4 {
			prop = name + ":data:image/jpeg;base64," + enc
		} else {
			prop = name + ";ENCODING=b;TYPE=JPEG:" + enc
		}
		var o bytes.Buffer
		nl := "\r\n"
		if !bytes.Contains(card, []byte("\r\n")) {
			nl = "\n"
		}
		for _, l := range lines[:start] {
			o.WriteString(l + nl)
		}
		o.WriteString(fold(prop, nl))
		for _, l := range lines[end:] {
			o.WriteString(l + nl)
		}
		out = o.Bytes()
		if len(out) <= limit {
			break
		}
	}
	return out, out != nil, nil
}

// physicalLines splits text into lines without their ends; a trailing
// empty line is dropped.
func physicalLines(b []byte) []string {
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	ls := strings.Split(s, "\n")
	if len(ls) > 0 && ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	}
	return ls
}

// fold folds an ASCII content line at 75 octets.
func fold(l, nl string) string {
	var b strings.Builder
	for len(l) > 75 {
		b.WriteString(l[:75] + nl + " ")
		l = l[75:]
	}
	b.WriteString(l + nl)
	return b.String()
}

// halve scales img to half its width and height with a 2×2 box filter.
func halve(src image.Image) image.Image {
	sb := src.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, sb.Dx(), sb.Dy()))
	draw.Draw(rgba, rgba.Bounds(), src, sb.Min, draw.Src)
	w, h := max(sb.Dx()/2, 1), max(sb.Dy()/2, 1)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var r, g, bl, a int
			n := 0
			for dy := 0; dy < 2; dy++ {
				for dx := 0; dx < 2; dx++ {
					sx, sy := 2*x+dx, 2*y+dy
					if sx >= sb.Dx() || sy >= sb.Dy() {
						continue
					}
					o := rgba.PixOffset(sx, sy)
					r += int(rgba.Pix[o])
					g += int(rgba.Pix[o+1])
					bl += int(rgba.Pix[o+2])
					a += int(rgba.Pix[o+3])
					n++
				}
			}
			o := dst.PixOffset(x, y)
			dst.Pix[o] = uint8(r / n)
			dst.Pix[o+1] = uint8(g / n)
			dst.Pix[o+2] = uint8(bl / n)
			dst.Pix[o+3] = uint8(a / n)
		}
	}
	return dst
}
