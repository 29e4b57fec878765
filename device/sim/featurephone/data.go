package featurephone

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"time"

	"github.com/sk-rescue/sk-rescue/device/sim/dataset"
)

// The profile's fixed sizes.
const (
	PhoneContacts = 180
	SIMEntries    = 50
	SIMDuplicates = 20
	Events        = 60
	Todos         = 25
	Notes         = 10
	Photos        = 15
	// SIMSlots and MESlots are the phonebooks' sizes.
	SIMSlots = 250
	MESlots  = 500
)

// Identity of the simulated phone.
const (
	Maker    = "Simphone"
	Model    = "FP-6230 (sim)"
	IMEI     = "356938035643809"
	Firmware = "V 5.10 (sim)"
	// IMSI is the SIM's, on the ITU test network 001-01.
	IMSI = "001010000012345"
)

// SIMEntry is one slot of the SIM phonebook.
type SIMEntry struct {
	Slot   int
	Name   string
	Number string
	// Duplicate is the index in Data.Truth.Contacts of the phone-memory
	// contact who is the same person with the same number, or -1.
	Duplicate int
}

// Data is everything the feature phone holds: the bytes its services
// serve and the Truth they were generated from.
type Data struct {
	Truth dataset.Truth
	// PB is telecom/pb.vcf; Cards are its vCards one by one (also served
	// as telecom/pb/<n>.vcf), so PB is their concatenation.
	PB    []byte
	Cards [][]byte
	// SIM is the SIM phonebook; the phone-memory contacts are also the ME
	// phonebook over AT, in slots 1…180.
	SIM []SIMEntry
	// Cal is telecom/cal.vcs (events then to-dos), Notes telecom/nt.vnt.
	Cal, NotesVNT []byte
	// Files are the folder-browsing tree: photos under /Pictures.
	Files []dataset.File
}

var (
	polishGiven  = []string{"Łukasz", "Małgorzata", "Wojciech", "Agnieszka", "Paweł", "Żaneta", "Grzegorz", "Katarzyna", "Michał", "Józefina"}
	polishFamily = []string{"Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zieliński", "Szymańska", "Woźniak", "Dąbrowski", "Kozłowska", "Jędrzejczyk"}
	russianGiven = []string{"Александр", "Екатерина", "Дмитрий", "Ольга", "Сергей", "Наталья", "Михаил", "Татьяна", "Иван", "Юлия"}
	russianFam   = []string{"Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Козлов", "Новикова", "Морозов", "Волкова"}
	greekGiven   = []string{"Γιώργος", "Μαρία", "Νίκος", "Ελένη", "Κώστας", "Αικατερίνη", "Δημήτρης", "Σοφία", "Γιάννης", "Αναστασία"}
	greekFamily  = []string{"Παπαδόπουλος", "Οικονόμου", "Γεωργίου", "Παπαγεωργίου", "Βασιλείου", "Νικολάου", "Καραγιάννης", "Ιωάννου", "Δημητρίου", "Αθανασίου"}
	japanGiven   = []string{"太郎", "花子", "健一", "美咲", "翔太", "さくら", "大輔", "陽子", "拓也", "由美"}
	japanFamily  = []string{"佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "山本", "中村", "小林", "加藤"}
	countryCode  = []string{"+48", "+7", "+30", "+81"}
)

// person returns the j-th name of a culture (0 Polish, 1 Russian, 2 Greek,
// 3 Japanese); j < 100 gives distinct names.
func person(culture, j int) (given, family, full string) {
	g, f := j%10, (j%10+3*(j/10))%10
	switch culture {
	case 0:
		given, family = polishGiven[g], polishFamily[f]
	case 1:
		given, family = russianGiven[g], russianFam[f]
	case 2:
		given, family = greekGiven[g], greekFamily[f]
	default:
		given, family = japanGiven[g], japanFamily[f]
		return given, family, family + " " + given
	}
	return given, family, given + " " + family
}

func number(culture, n int) string {
	return fmt.Sprintf("%s%d%08d", countryCode[culture], 5+culture, 10000000+(n*7919)%89999999)
}

// qp encodes s as quoted-printable with soft line breaks, the first line
// continuing a property whose name takes prefix bytes.
func qp(s string, prefix int) string {
	var b strings.Builder
	col := prefix
	for i := 0; i < len(s); i++ {
		c := s[i]
		var tok string
		if c >= 0x80 || c == '=' || c < 0x20 || (c == ' ' && i == len(s)-1) {
			tok = fmt.Sprintf("=%02X", c)
		} else {
			tok = string(c)
		}
		if col+len(tok) > 75 {
			b.WriteString("=\r\n")
			col = 0
		}
		b.WriteString(tok)
		col += len(tok)
	}
	return b.String()
}

// textProp writes NAME;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:value, or
// NAME:value for plain ASCII.
func textProp(w *bytes.Buffer, name, value string) {
	ascii := true
	for i := 0; i < len(value); i++ {
		if value[i] >= 0x80 || value[i] == '=' || value[i] < 0x20 {
			ascii = false
		}
	}
	if ascii {
		fmt.Fprintf(w, "%s:%s\r\n", name, value)
		return
	}
	head := name + ";CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:"
	fmt.Fprintf(w, "%s%s\r\n", head, qp(value, len(head)))
}

var (
	dataEpoch = time.Date(2009, 3, 2, 9, 0, 0, 0, time.UTC)
	lastSync  = time.Date(2009, 10, 2, 18, 4, 11, 0, time.UTC)
)

// Generate builds the phone's contents. It is deterministic.
func Generate() *Data {
	d := &Data{}
	for i := range PhoneContacts {
		culture, j := i%4, i/4
		given, family, full := person(culture, j)
		c := dataset.Contact{File: "telecom/pb.vcf", FullName: full, Given: given, Family: family,
			Phones: []string{number(culture, i)}}
		if i%3 == 0 {
			c.Phones = append(c.Phones, number(culture, i+1000))
		}
		if i%5 == 0 {
			c.Emails = []string{fmt.Sprintf("contact%03d@example.org", i)}
		}
		var w bytes.Buffer
		w.WriteString("BEGIN:VCARD\r\nVERSION:2.1\r\n")
		textProp(&w, "N", family+";"+given+";;;")
		textProp(&w, "FN", full)
		fmt.Fprintf(&w, "TEL;CELL:%s\r\n", c.Phones[0])
		if len(c.Phones) > 1 {
			fmt.Fprintf(&w, "TEL;HOME:%s\r\n", c.Phones[1])
		}
		for _, e := range c.Emails {
			fmt.Fprintf(&w, "EMAIL;INTERNET:%s\r\n", e)
		}
		fmt.Fprintf(&w, "X-IRMC-LUID:%06X\r\nEND:VCARD\r\n", i+1)
		d.Cards = append(d.Cards, w.Bytes())
		d.PB = append(d.PB, w.Bytes()...)
		d.Truth.Contacts = append(d.Truth.Contacts, c)
	}
	// SIM: 20 of the phone's people with the same number, 30 only here.
	for k := range SIMEntries {
		e := SIMEntry{Slot: 1 + k*4 + k%3, Duplicate: -1}
		if k < SIMDuplicates {
			src := k * 9
			c := d.Truth.Contacts[src]
			e.Name, e.Number, e.Duplicate = c.FullName, c.Phones[0], src
		} else {
			culture := k % 4
			_, _, e.Name = person(culture, 50+k)
			e.Number = number(culture, 5000+k)
			d.Truth.Contacts = append(d.Truth.Contacts, dataset.Contact{File: "SM", FullName: e.Name, Phones: []string{e.Number}})
		}
		d.SIM = append(d.SIM, e)
	}
	d.Cal = d.calendar()
	d.NotesVNT = d.notes()
	d.photos()
	return d
}

var summaries = []string{"Spotkanie z Łukaszem", "Встреча с клиентом", "Συνάντηση στο γραφείο", "歯医者の予約", "Dentist", "Obiad u babci", "День рождения мамы", "Γενέθλια Νίκου", "会議 (東京)", "Weekly review"}
var places = []string{"Kraków, ul. Floriańska 3", "Москва, Тверская 7", "Αθήνα, Σύνταγμα", "東京都渋谷区", "Room 101"}

func (d *Data) calendar() []byte {
	var w bytes.Buffer
	w.WriteString("BEGIN:VCALENDAR\r\nVERSION:1.0\r\n")
	for i := range Events {
		start := dataEpoch.Add(time.Duration(i) * (51 * time.Hour))
		e := dataset.Event{File: "telecom/cal.vcs", Summary: fmt.Sprintf("%s #%d", summaries[i%len(summaries)], i+1),
			Start: start, End: start.Add(time.Hour)}
		w.WriteString("BEGIN:VEVENT\r\n")
		textProp(&w, "SUMMARY", e.Summary)
		fmt.Fprintf(&w, "DTSTART:%s\r\nDTEND:%s\r\n", start.Format("20060102T150405Z"), e.End.Format("20060102T150405Z"))
		if i%3 == 0 {
			e.Location = places[i%len(places)]
			textProp(&w, "LOCATION", e.Location)
		}
		if i%4 == 1 {
			e.Description = "Pamiętaj: zabrać dokumenty\nНе забыть!"
			head := "DESCRIPTION;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:"
			fmt.Fprintf(&w, "%s%s\r\n", head, qp(strings.ReplaceAll(e.Description, "\n", "\r\n"), len(head)))
		}
		if i%5 == 0 {
			e.AlarmBefore = 15 * time.Minute
			fmt.Fprintf(&w, "DALARM:%s\r\n", start.Add(-e.AlarmBefore).Format("20060102T150405Z"))
		}
		fmt.Fprintf(&w, "CATEGORIES:MEETING\r\nX-IRMC-LUID:%06X\r\nEND:VEVENT\r\n", 0x1000+i)
		d.Truth.Events = append(d.Truth.Events, e)
	}
	for i := range Todos {
		t := dataset.Todo{File: "telecom/cal.vcs", Summary: fmt.Sprintf("%s (zadanie/задача %d)", []string{"Kupić mleko", "Позвонить Ивану", "Πληρωμή λογαριασμού", "書類を送る", "Renew passport"}[i%5], i+1),
			Priority: i % 4}
		w.WriteString("BEGIN:VTODO\r\n")
		textProp(&w, "SUMMARY", t.Summary)
		if i%2 == 0 {
			t.Due = dataEpoch.Add(time.Duration(i) * 72 * time.Hour)
			fmt.Fprintf(&w, "DUE:%s\r\n", t.Due.Format("20060102T150405Z"))
		}
		if t.Priority > 0 {
			fmt.Fprintf(&w, "PRIORITY:%d\r\n", t.Priority)
		}
		if i%5 == 0 {
			t.Completed = true
			t.CompletedAt = dataEpoch.Add(time.Duration(i)*72*time.Hour + 30*time.Minute)
			fmt.Fprintf(&w, "STATUS:COMPLETED\r\nCOMPLETED:%s\r\n", t.CompletedAt.Format("20060102T150405Z"))
		} else {
			w.WriteString("STATUS:NEEDS ACTION\r\n")
		}
		fmt.Fprintf(&w, "X-IRMC-LUID:%06X\r\nEND:VTODO\r\n", 0x2000+i)
		d.Truth.Todos = append(d.Truth.Todos, t)
	}
	w.WriteString("END:VCALENDAR\r\n")
	return w.Bytes()
}

var noteBodies = []string{"PIN do garażu: 4711", "Код домофона 45К", "Κωδικός WiFi: ελιά2009", "買い物: 牛乳、卵、パン",
	"Parking level 3, row F", "Zadzwonić do Żanety", "Список дел:\nхлеб\nмолоко", "Ραντεβού Τρίτη 10:00", "メモ：会議は午後3時", "Book club: chapter 7"}

func (d *Data) notes() []byte {
	var w bytes.Buffer
	for i := range Notes {
		body := noteBodies[i]
		w.WriteString("BEGIN:VNOTE\r\nVERSION:1.1\r\n")
		head := "BODY;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:"
		fmt.Fprintf(&w, "%s%s\r\n", head, qp(strings.ReplaceAll(body, "\n", "\r\n"), len(head)))
		at := dataEpoch.Add(time.Duration(i) * 97 * time.Hour)
		fmt.Fprintf(&w, "DCREATED:%s\r\nLAST-MODIFIED:%s\r\nX-IRMC-LUID:%06X\r\nEND:VNOTE\r\n",
			at.Format("20060102T150405Z"), at.Format("20060102T150405Z"), 0x3000+i)
		d.Truth.Notes = append(d.Truth.Notes, dataset.Note{File: "telecom/nt.vnt", Body: body})
	}
	return w.Bytes()
}

// photos makes 15 small JPEGs: 12 in /Pictures, 3 in /Pictures/Received.
// /Sounds and /Themes hold files that are not photos.
func (d *Data) photos() {
	for i := range Photos {
		dir := "/Pictures"
		name := fmt.Sprintf("Image%03d.jpg", i+1)
		if i >= 12 {
			dir = "/Pictures/Received"
			name = fmt.Sprintf("Zdjęcie_%d.jpg", i-11)
		}
		taken := dataEpoch.Add(time.Duration(i)*53*time.Hour + 17*time.Minute)
		data := makeJPEG(i, taken)
		f := dataset.File{Path: dir + "/" + name, Format: dataset.FormatEXIFJPEG, Data: data, Modified: taken}
		d.Files = append(d.Files, f)
		d.Truth.Photos = append(d.Truth.Photos, dataset.Photo{File: f.Path, Captured: taken, Size: len(data)})
	}
	d.Files = append(d.Files,
		dataset.File{Path: "/Sounds/Ringtone.mid", Format: dataset.FormatUndefined, Data: []byte("MThd\x00\x00\x00\x06\x00\x00\x00\x01\x00\x60"), Modified: lastSync},
		dataset.File{Path: "/Themes/wallpaper.jpg", Format: dataset.FormatEXIFJPEG, Data: makeJPEG(99, lastSync), Modified: lastSync})
}

// makeJPEG encodes a 96×72 gradient with an EXIF APP1 carrying
// DateTimeOriginal.
func makeJPEG(i int, taken time.Time) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 96, 72))
	for y := range 72 {
		for x := range 96 {
			img.Set(x, y, color.RGBA{uint8(x*2 + i*37), uint8(y*3 + i*11), uint8(i * 53), 255})
		}
	}
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	b := enc.Bytes()
	return append(append(append([]byte{}, b[:2]...), exifAPP1(taken)...), b[2:]...)
}

// exifAPP1 builds an APP1 segment: a little-endian TIFF with IFD0 holding
// DateTime and the Exif IFD pointer, and an Exif IFD with
// DateTimeOriginal (EXIF 2.2 §4.6).
func exifAPP1(t time.Time) []byte {
	ts := []byte(t.Format("2006:01:02 15:04:05") + "\x00") // 20 bytes
	le := binary.LittleEndian
	var tiff []byte
	tiff = append(tiff, 'I', 'I', 42, 0, 8, 0, 0, 0)
	entry := func(b []byte, tag, typ uint16, count, val uint32) []byte {
		b = le.AppendUint16(b, tag)
		b = le.AppendUint16(b, typ)
		b = le.AppendUint32(b, count)
		return le.AppendUint32(b, val)
	}
	// IFD0 at 8: 2 entries (2+24+4 = 30 bytes) → data at 38.
	ifd0Data := uint32(8 + 2 + 2*12 + 4)
	exifIFD := ifd0Data + 20
	tiff = le.AppendUint16(tiff, 2)
	tiff = entry(tiff, 0x0132, 2, 20, ifd0Data)
	tiff = entry(tiff, 0x8769, 4, 1, exifIFD)
	tiff = le.AppendUint32(tiff, 0)
	tiff = append(tiff, ts...)
	// Exif IFD: 1 entry → data right after.
	tiff = le.AppendUint16(tiff, 1)
	tiff = entry(tiff, 0x9003, 2, 20, exifIFD+2+12+4)
	tiff = le.AppendUint32(tiff, 0)
	tiff = append(tiff, ts...)
	body := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(body)+2))
	return append(seg, body...)
}
