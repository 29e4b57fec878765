package sidekick

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"image/jpeg"
	"io"
	"mime/quotedprintable"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/sk-rescue/sk-rescue/device/sim/dataset"
)

var defaultPhone = Generate(DefaultParams())

func filesUnder(ph *dataset.Phone, prefix, suffix string) []dataset.File {
	var out []dataset.File
	for _, f := range ph.Files {
		if strings.HasPrefix(f.Path, prefix) && strings.HasSuffix(f.Path, suffix) {
			out = append(out, f)
		}
	}
	return out
}

func TestDefaultCounts(t *testing.T) {
	ph := defaultPhone
	if ph.Maker != "Danger" || ph.Model != "Sidekick (sim)" || ph.Serial == "" || ph.Firmware == "" || ph.Battery != 37 {
		t.Errorf("identity: %q %q %q %q %d", ph.Maker, ph.Model, ph.Serial, ph.Firmware, ph.Battery)
	}
	for _, c := range []struct {
		prefix, suffix string
		format         uint16
		want           int
	}{
		{"/Contacts/C", ".vcf", dataset.FormatVCard2, 250},
		{"/Calendar/E", ".vcs", dataset.FormatVCal1, 120},
		{"/Calendar/T", ".vcs", dataset.FormatVCal1, 40},
		{"/DCIM/100SIDEK/SIDK", ".JPG", dataset.FormatEXIFJPEG, 30},
	} {
		fs := filesUnder(ph, c.prefix, c.suffix)
		if len(fs) != c.want {
			t.Errorf("%s*%s: %d files, want %d", c.prefix, c.suffix, len(fs), c.want)
		}
		for _, f := range fs {
			if f.Format != c.format {
				t.Errorf("%s: format %#x, want %#x", f.Path, f.Format, c.format)
			}
		}
	}
	if n := len(ph.Files); n != 250+120+40+30 {
		t.Errorf("%d files in all", n)
	}
	tr := ph.Truth
	if len(tr.Contacts) != 250 || len(tr.Events) != 120 || len(tr.Todos) != 40 || len(tr.Photos) != 30 {
		t.Errorf("truth counts %d %d %d %d", len(tr.Contacts), len(tr.Events), len(tr.Todos), len(tr.Photos))
	}

	seen := map[string]bool{}
	for _, f := range ph.Files {
		if seen[f.Path] {
			t.Errorf("duplicate path %s", f.Path)
		}
		seen[f.Path] = true
		if f.Modified.IsZero() || f.Modified.Location() != time.UTC || f.Modified.Nanosecond() != 0 {
			t.Errorf("%s: Modified %v is not whole-second UTC", f.Path, f.Modified)
		}
	}

	// Contacts.
	photos, uids := 0, 0
	names := map[string]bool{}
	scripts := map[string]bool{}
	for _, c := range tr.Contacts {
		if c.PhotoJPEG != nil {
			photos++
		}
		if c.UID != "" {
			uids++
		}
		names[c.FullName] = true
		for _, s := range []struct {
			name string
			tab  *unicode.RangeTable
		}{{"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek}, {"Han", unicode.Han},
			{"Arabic", unicode.Arabic}, {"Hangul", unicode.Hangul}, {"Hebrew", unicode.Hebrew}} {
			if strings.ContainsFunc(c.FullName, func(r rune) bool { return unicode.Is(s.tab, r) }) {
				scripts[s.name] = true
			}
		}
	}
	if photos != 5 {
		t.Errorf("%d contacts with a photo, want 5", photos)
	}
	if uids == 0 || uids > 250/2 {
		t.Errorf("%d contacts with a UID, want some but fewer than half", uids)
	}
	for _, n := range []string{"Łucja Wrześniewska", "Zoë Çelik"} {
		if !names[n] {
			t.Errorf("no contact named %q", n)
		}
	}
	if len(scripts) < 5 {
		t.Errorf("names use only the scripts %v", scripts)
	}

	// Events.
	recurring, alarms, allDay, forever, until, noDuration := 0, 0, 0, 0, 0, 0
	kinds := map[string]int{}
	for _, e := range tr.Events {
		if e.RRule != "" {
			recurring++
			r, err := parseRRule(e.RRule)
			if err != nil {
				t.Fatal(err)
			}
			kinds[r.kind]++
			switch {
			case strings.Contains(e.RRule, "#0"):
				forever++
				if len(e.Occurrences) != 20 {
					t.Errorf("%s: %q gives %d occurrences, want 20", e.File, e.RRule, len(e.Occurrences))
				}
			case !r.until.IsZero():
				until++
			case !strings.Contains(e.RRule, "#"):
				noDuration++
				if len(e.Occurrences) != 2 {
					t.Errorf("%s: %q gives %d occurrences, want 2", e.File, e.RRule, len(e.Occurrences))
				}
			}
			if len(e.Occurrences) < 2 || !e.Occurrences[0].Equal(e.Start) {
				t.Errorf("%s: occurrences %v do not start at DTSTART %v", e.File, e.Occurrences, e.Start)
			}
		} else if e.Occurrences != nil {
			t.Errorf("%s: occurrences without a rule", e.File)
		}
		if e.AlarmBefore > 0 {
			alarms++
		}
		if e.AllDay {
			allDay++
		}
	}
	if recurring < 20 || alarms < 10 || allDay < 10 {
		t.Errorf("recurring %d, alarms %d, all-day %d; want ≥ 20, 10, 10", recurring, alarms, allDay)
	}
	for _, k := range []string{"D", "W", "MP", "MD", "YM", "YD"} {
		if kinds[k] == 0 {
			t.Errorf("no %s rule", k)
		}
	}
	if forever == 0 || until == 0 || noDuration == 0 {
		t.Errorf("forever %d, end-date %d, no-duration %d rules; want some of each", forever, until, noDuration)
	}

	// To-dos.
	completed, withTime := 0, 0
	for _, td := range tr.Todos {
		if td.Priority < 1 || td.Priority > 3 {
			t.Errorf("%s: priority %d", td.File, td.Priority)
		}
		if td.Completed {
			completed++
			if !td.CompletedAt.IsZero() {
				withTime++
			}
		}
	}
	if completed == 0 || withTime == 0 || withTime == completed || completed == 40 {
		t.Errorf("to-dos: %d completed, %d with a COMPLETED time", completed, withTime)
	}
}

func TestDeterminism(t *testing.T) {
	a, b := Generate(DefaultParams()), Generate(DefaultParams())
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two phones from the same Params differ")
	}
	p := DefaultParams()
	p.Seed++
	c := Generate(p)
	if c.Serial == a.Serial {
		t.Error("serial does not depend on the seed")
	}
	same := 0
	for i := range a.Files {
		if bytes.Equal(a.Files[i].Data, c.Files[i].Data) {
			same++
		}
	}
	if same > len(a.Files)/10 {
		t.Errorf("%d of %d files are identical under another seed", same, len(a.Files))
	}
}

// Raising the counts appends contacts, events and to-dos: the first ones stay.
func TestLargerPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("large phone")
	}
	p, err := ParseParams(url.Values{"contacts": {"10000"}, "photos": {"500"}})
	if err != nil {
		t.Fatal(err)
	}
	ph := Generate(p)
	if len(ph.Truth.Contacts) != 10000 || len(ph.Truth.Photos) != 500 {
		t.Fatalf("got %d contacts, %d photos", len(ph.Truth.Contacts), len(ph.Truth.Photos))
	}
	if !reflect.DeepEqual(ph.Truth.Contacts[:250], defaultPhone.Truth.Contacts) {
		t.Error("the first 250 contacts differ from the default phone's")
	}
	n := 0
	for _, c := range ph.Truth.Contacts {
		if c.PhotoJPEG != nil {
			n++
		}
	}
	if n != 10000/photoEvery {
		t.Errorf("%d contact photos", n)
	}
}

// versitLine is one logical line of a vCard 2.1 / vCal 1.0 file.
type versitLine struct {
	name   string
	params []string // upper case, as written ("CELL", "CHARSET=UTF-8")
	value  string   // decoded: QP and BASE64 undone
}

func (l versitLine) has(p string) bool { return slices.Contains(l.params, p) }

// readVersit is a small independent reader: CRLF only, QP soft breaks
// joined, BASE64 values read until the blank line, every line NAME:VALUE.
func readVersit(t *testing.T, name string, data []byte) []versitLine {
	t.Helper()
	s := string(data)
	if strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\r") {
		t.Fatalf("%s: line ends other than CRLF", name)
	}
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatalf("%s: no final CRLF", name)
	}
	raw := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	var out []versitLine
	for k := 0; k < len(raw); k++ {
		line := raw[k]
		if len(line) > 76 {
			t.Errorf("%s: line longer than 76: %q", name, line)
		}
		head, value, ok := strings.Cut(line, ":")
		if !ok || head == "" {
			t.Fatalf("%s: line %d has no NAME:VALUE: %q", name, k+1, line)
		}
		parts := strings.Split(head, ";")
		l := versitLine{name: parts[0], params: parts[1:]}
		switch {
		case l.has("ENCODING=QUOTED-PRINTABLE"):
			for strings.HasSuffix(value, "=") {
				k++
				if k == len(raw) {
					t.Fatalf("%s: soft break at end of file", name)
				}
				if len(raw[k]) > 76 {
					t.Errorf("%s: QP line longer than 76: %q", name, raw[k])
				}
				value += "\r\n" + raw[k]
			}
			dec, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(value)))
			if err != nil {
				t.Fatalf("%s: %s: bad QP: %v", name, l.name, err)
			}
			l.value = string(dec)
		case l.has("ENCODING=BASE64"):
			var b64 strings.Builder
			b64.WriteString(value)
			for k++; k < len(raw) && raw[k] != ""; k++ {
				if !strings.HasPrefix(raw[k], " ") {
					t.Fatalf("%s: base64 line not indented: %q", name, raw[k])
				}
				b64.WriteString(strings.TrimSpace(raw[k]))
			}
			if k == len(raw) {
				t.Fatalf("%s: base64 value not ended by a blank line", name)
			}
			dec, err := base64.StdEncoding.DecodeString(b64.String())
			if err != nil {
				t.Fatalf("%s: bad base64: %v", name, err)
			}
			l.value = string(dec)
		default:
			l.value = value
		}
		if !l.has("CHARSET=UTF-8") && strings.ContainsFunc(l.value, func(r rune) bool { return r >= 0x80 }) && l.name != "PHOTO" {
			t.Errorf("%s: %s holds non-ASCII without CHARSET", name, l.name)
		}
		out = append(out, l)
	}
	// BEGIN/END nest.
	var stack []string
	for _, l := range out {
		switch l.name {
		case "BEGIN":
			stack = append(stack, l.value)
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != l.value {
				t.Fatalf("%s: END:%s does not match", name, l.value)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Fatalf("%s: unclosed %v", name, stack)
	}
	return out
}

func TestVCards(t *testing.T) {
	files := filesUnder(defaultPhone, "/Contacts/", ".vcf")
	qp, softBreaks, multiline := 0, 0, 0
	for k, f := range files {
		c := defaultPhone.Truth.Contacts[k]
		if c.File != f.Path {
			t.Fatalf("truth %d is %s, file %s", k, c.File, f.Path)
		}
		softBreaks += bytes.Count(f.Data, []byte("=\r\n"))
		lines := readVersit(t, f.Path, f.Data)
		if lines[0].name != "BEGIN" || lines[0].value != "VCARD" || lines[1].name != "VERSION" || lines[1].value != "2.1" {
			t.Fatalf("%s: does not start BEGIN:VCARD VERSION:2.1", f.Path)
		}
		var got dataset.Contact
		got.File = f.Path
		for _, l := range lines {
			if l.has("ENCODING=QUOTED-PRINTABLE") {
				qp++
			}
			switch l.name {
			case "N":
				p := strings.Split(l.value, ";")
				got.Family, got.Given = p[0], p[1]
			case "FN":
				got.FullName = l.value
			case "ORG":
				got.Org = l.value
			case "TEL":
				got.Phones = append(got.Phones, l.value)
			case "EMAIL":
				if !l.has("INTERNET") {
					t.Errorf("%s: EMAIL without INTERNET", f.Path)
				}
				got.Emails = append(got.Emails, l.value)
			case "ADR":
				p := strings.Split(l.value, ";")
				if len(p) != 7 {
					t.Fatalf("%s: ADR has %d parts", f.Path, len(p))
				}
				got.Addresses = append(got.Addresses, dataset.Address{Type: l.params[0], Street: p[2], City: p[3], Region: p[4], Postcode: p[5], Country: p[6]})
			case "BDAY":
				d, err := time.Parse("20060102", l.value)
				if err != nil {
					t.Errorf("%s: BDAY %q", f.Path, l.value)
				}
				got.Birthday = d.Format("2006-01-02")
			case "NOTE":
				if strings.Contains(l.value, "\r\n") {
					multiline++
				}
				got.Note = strings.ReplaceAll(l.value, "\r\n", "\n")
			case "PHOTO":
				if !l.has("TYPE=JPEG") {
					t.Errorf("%s: PHOTO params %v", f.Path, l.params)
				}
				got.PhotoJPEG = []byte(l.value)
				if _, err := jpeg.Decode(bytes.NewReader(got.PhotoJPEG)); err != nil {
					t.Errorf("%s: PHOTO does not decode: %v", f.Path, err)
				}
			case "UID":
				got.UID = l.value
			}
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("%s: read back\n%+v\nwant\n%+v", f.Path, got, c)
		}
	}
	if qp == 0 || softBreaks == 0 || multiline == 0 {
		t.Errorf("QP values %d, soft breaks %d, multi-line notes %d: want some of each", qp, softBreaks, multiline)
	}
}

func TestVCals(t *testing.T) {
	parse := func(s string, floating bool) (time.Time, error) {
		if floating == strings.HasSuffix(s, "Z") {
			return time.Time{}, fmt.Errorf("%q: zone form does not match Floating=%v", s, floating)
		}
		return time.Parse("20060102T150405", strings.TrimSuffix(s, "Z"))
	}
	events := filesUnder(defaultPhone, "/Calendar/E", ".vcs")
	for k, f := range events {
		e := defaultPhone.Truth.Events[k]
		lines := readVersit(t, f.Path, f.Data)
		if lines[1].name != "VERSION" || lines[1].value != "1.0" {
			t.Fatalf("%s: not VERSION:1.0", f.Path)
		}
		got := dataset.Event{File: f.Path, Floating: e.Floating, AllDay: e.AllDay, Occurrences: e.Occurrences}
		var alarm []string
		for _, l := range lines {
			var err error
			switch l.name {
			case "BEGIN":
				if l.value != "VCALENDAR" && l.value != "VEVENT" {
					t.Errorf("%s: BEGIN:%s", f.Path, l.value)
				}
			case "UID":
				got.UID = l.value
			case "SUMMARY":
				got.Summary = l.value
			case "LOCATION":
				got.Location = l.value
			case "DESCRIPTION":
				got.Description = strings.ReplaceAll(l.value, "\r\n", "\n")
			case "DTSTART":
				got.Start, err = parse(l.value, e.Floating)
			case "DTEND":
				got.End, err = parse(l.value, e.Floating)
			case "RRULE":
				got.RRule = l.value
			case "AALARM", "DALARM":
				alarm = append(alarm, strings.Split(l.value, ";")[0])
			}
			if err != nil {
				t.Errorf("%s: %s: %v", f.Path, l.name, err)
			}
		}
		for _, a := range alarm {
			at, err := parse(a, e.Floating)
			if err != nil {
				t.Errorf("%s: alarm: %v", f.Path, err)
			}
			got.AlarmBefore = got.Start.Sub(at)
		}
		if e.AllDay && (got.Start.Hour() != 0 || got.End.Sub(got.Start) != 24*time.Hour) {
			t.Errorf("%s: all-day event runs %v to %v", f.Path, got.Start, got.End)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("%s: read back\n%+v\nwant\n%+v", f.Path, got, e)
		}
	}

	todos := filesUnder(defaultPhone, "/Calendar/T", ".vcs")
	for k, f := range todos {
		td := defaultPhone.Truth.Todos[k]
		got := dataset.Todo{File: f.Path, Floating: td.Floating}
		for _, l := range readVersit(t, f.Path, f.Data) {
			var err error
			switch l.name {
			case "BEGIN":
				if l.value != "VCALENDAR" && l.value != "VTODO" {
					t.Errorf("%s: BEGIN:%s", f.Path, l.value)
				}
			case "UID":
				got.UID = l.value
			case "SUMMARY":
				got.Summary = l.value
			case "DUE":
				got.Due, err = parse(l.value, td.Floating)
			case "PRIORITY":
				_, err = fmt.Sscan(l.value, &got.Priority)
			case "STATUS":
				if l.value != "COMPLETED" && l.value != "NEEDS ACTION" {
					t.Errorf("%s: STATUS:%s", f.Path, l.value)
				}
				got.Completed = l.value == "COMPLETED"
			case "COMPLETED":
				got.CompletedAt, err = parse(l.value, false)
			}
			if err != nil {
				t.Errorf("%s: %s: %v", f.Path, l.name, err)
			}
		}
		if !reflect.DeepEqual(got, td) {
			t.Errorf("%s: read back\n%+v\nwant\n%+v", f.Path, got, td)
		}
	}
}

// exifTimes reads DateTime and DateTimeOriginal from a JPEG's APP1 the
// long way round: segments, TIFF header, IFD0, Exif IFD.
func exifTimes(data []byte) (dateTime, original string, err error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return "", "", fmt.Errorf("no SOI")
	}
	for p := 2; p+4 <= len(data); {
		if data[p] != 0xFF {
			return "", "", fmt.Errorf("no marker at %d", p)
		}
		marker, n := data[p+1], int(binary.BigEndian.Uint16(data[p+2:]))
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			tiff := seg[6:]
			var bo binary.ByteOrder = binary.LittleEndian
			if string(tiff[:2]) == "MM" {
				bo = binary.BigEndian
			}
			if bo.Uint16(tiff[2:]) != 42 {
				return "", "", fmt.Errorf("bad TIFF magic")
			}
			tags := func(off uint32) map[uint16][]byte {
				m := map[uint16][]byte{}
				cnt := int(bo.Uint16(tiff[off:]))
				for e := range cnt {
					ent := tiff[int(off)+2+12*e:]
					tag, typ, count := bo.Uint16(ent), bo.Uint16(ent[2:]), bo.Uint32(ent[4:])
					switch {
					case typ == 2 && count > 4:
						v := tiff[bo.Uint32(ent[8:]):]
						m[tag] = bytes.TrimRight(v[:count], "\x00")
					case typ == 4:
						m[tag] = ent[8:12]
					}
				}
				return m
			}
			ifd0 := tags(bo.Uint32(tiff[4:]))
			exif := tags(bo.Uint32(ifd0[0x8769]))
			return string(ifd0[0x0132]), string(exif[0x9003]), nil
		}
		if marker == 0xDA {
			break
		}
		p += 2 + n
	}
	return "", "", fmt.Errorf("no EXIF APP1")
}

func TestPhotos(t *testing.T) {
	p := DefaultParams()
	files := filesUnder(defaultPhone, "/DCIM/100SIDEK/", ".JPG")
	var sizes []int
	var prev time.Time
	for k, f := range files {
		ph := defaultPhone.Truth.Photos[k]
		if ph.File != f.Path || ph.Size != len(f.Data) || !f.Modified.Equal(ph.Captured) {
			t.Errorf("%s: truth %+v, size %d, modified %v", f.Path, ph, len(f.Data), f.Modified)
		}
		if !ph.Captured.After(prev) {
			t.Errorf("%s: captured %v not after the previous photo", f.Path, ph.Captured)
		}
		prev = ph.Captured
		sizes = append(sizes, len(f.Data))
		if _, err := jpeg.Decode(bytes.NewReader(f.Data)); err != nil {
			t.Errorf("%s: %v", f.Path, err)
		}
		dt, dto, err := exifTimes(f.Data)
		want := ph.Captured.Format("2006:01:02 15:04:05")
		if err != nil || dt != want || dto != want {
			t.Errorf("%s: EXIF DateTime %q, DateTimeOriginal %q, %v; want %q", f.Path, dt, dto, err, want)
		}
	}
	slices.Sort(sizes)
	if sizes[0] != p.MinPhoto || sizes[len(sizes)-1] != p.MaxPhoto {
		t.Errorf("sizes run %d…%d, want %d…%d", sizes[0], sizes[len(sizes)-1], p.MinPhoto, p.MaxPhoto)
	}
	targets := Generate(Params{Seed: p.Seed, Photos: 30, MinPhoto: p.MinPhoto, MaxPhoto: p.MaxPhoto})
	for k := range targets.Truth.Photos {
		if targets.Truth.Photos[k] != defaultPhone.Truth.Photos[k] {
			t.Errorf("photo %d depends on the other counts", k)
		}
	}
	// Small photos that the image alone outgrows are still valid.
	small := Generate(Params{Seed: 1, Photos: 3, MinPhoto: minPhotoFloor, MaxPhoto: minPhotoFloor})
	for _, f := range small.Files {
		if _, err := jpeg.Decode(bytes.NewReader(f.Data)); err != nil {
			t.Errorf("small %s: %v", f.Path, err)
		}
	}
}

func TestPadding(t *testing.T) {
	r := (&gen{seed: 1}).rng(streamPhoto, 0)
	for _, n := range []int{0, 4, 5, 100, 65537, 65538, 65539, 65540, 65541, 131074, 131075, 200000} {
		out := appendPadding(nil, r, n)
		if len(out) != n {
			t.Errorf("appendPadding(%d) wrote %d", n, len(out))
		}
		for p := 0; p < len(out); {
			if out[p] != 0xFF || out[p+1] != 0xFE {
				t.Fatalf("appendPadding(%d): no COM marker at %d", n, p)
			}
			p += 2 + int(binary.BigEndian.Uint16(out[p+2:]))
		}
	}
}

func TestParseParams(t *testing.T) {
	def := DefaultParams()
	with := func(f func(*Params)) Params { p := def; f(&p); return p }
	tests := []struct {
		query   string
		want    Params
		wantErr string
	}{
		{query: "", want: def},
		{query: "contacts=10000&photos=500", want: with(func(p *Params) { p.Contacts, p.Photos = 10000, 500 })},
		{query: "seed=-42&battery=0&events=0&todos=1", want: with(func(p *Params) { p.Seed, p.Battery, p.Events, p.Todos = -42, 0, 0, 1 })},
		{query: "minphoto=4096&maxphoto=4096", want: with(func(p *Params) { p.MinPhoto, p.MaxPhoto = 4096, 4096 })},
		{query: "contacts=1000000", want: with(func(p *Params) { p.Contacts = 1000000 })},
		{query: "contacts=-1", wantErr: "out of range"},
		{query: "contacts=1000001", wantErr: "out of range"},
		{query: "contacts=lots", wantErr: "not a whole number"},
		{query: "contacts=1.5", wantErr: "not a whole number"},
		{query: "seed=x", wantErr: "not a whole number"},
		{query: "battery=101", wantErr: "out of range"},
		{query: "minphoto=100", wantErr: "out of range"},
		{query: "maxphoto=1000000000", wantErr: "out of range"},
		{query: "minphoto=100000&maxphoto=50000", wantErr: "larger than maxphoto"},
		{query: "photos=100000", wantErr: "4 GiB"},
		{query: "contcts=5", wantErr: "unknown parameter"},
		{query: "contacts=1&contacts=2", wantErr: "given 2 times"},
	}
	for _, tc := range tests {
		v, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseParams(v)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "sidekick: ") {
				t.Errorf("%q: error %v, want one about %q", tc.query, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: got %+v, %v; want %+v", tc.query, got, err, tc.want)
		}
	}
}
