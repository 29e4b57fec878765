package sidekick

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/sk-rescue/sk-rescue/device/sim/dataset"
)

// Contact features by index, so their counts are exact for any seed:
// an inline photo on every 50th contact (5 of 250), a UID on every 9th.
const (
	photoEvery   = 50
	photoOffset  = 10
	uidEvery     = 9
	uidOffset    = 4
	qpLineBudget = 73 // chars before the soft-break "="; a trailing "=20" still fits in 76
)

// contact writes contact i as a vCard 2.1 file.
func (g *gen) contact(i int) (dataset.File, dataset.Contact) {
	r := g.rng(streamContact, i)
	c := dataset.Contact{File: fmt.Sprintf("/Contacts/C%04d.vcf", i+1)}

	cu := english
	if i%2 == 1 {
		cu = cultures[r.IntN(len(cultures))]
	}
	given, gAscii := split(pick(r, cu.givens))
	family, fAscii := split(pick(r, cu.families))
	switch i { // two names the brief promises, pinned so every seed has them
	case 1:
		cu, given, family, gAscii, fAscii = cultures[0], "Łucja", "Wrześniewska", "lucja", "wrzesniewska"
	case 3:
		cu, given, family, gAscii, fAscii = cultures[2], "Zoë", "Çelik", "zoe", "celik"
	}
	c.Given, c.Family = given, family
	switch {
	case cu.joined:
		c.FullName = family + given
	case cu.familyFirst:
		c.FullName = family + " " + given
	default:
		c.FullName = given + " " + family
	}

	var b vcardWriter
	b.line("BEGIN:VCARD")
	b.line("VERSION:2.1")
	b.prop("N", "", family+";"+given+";;;")
	b.prop("FN", "", c.FullName)
	if r.IntN(10) < 4 {
		c.Org = pick(r, orgs)
		b.prop("ORG", "", c.Org)
	}

	// Phones: always a preferred cell, then home / work / fax by chance.
	tel := func(types string) {
		n := phoneNumber(r)
		c.Phones = append(c.Phones, n)
		b.prop("TEL;"+types, "", n)
	}
	tel("CELL;PREF")
	if r.IntN(10) < 6 {
		tel("HOME")
	}
	if r.IntN(10) < 4 {
		tel("WORK;VOICE")
	}
	if r.IntN(10) < 2 {
		tel("WORK;FAX")
	}
	if r.IntN(20) == 0 {
		tel("PAGER")
	}

	for n := r.IntN(3); n > 0; n-- {
		handle := gAscii + "." + fAscii
		switch r.IntN(3) {
		case 1:
			handle = gAscii[:1] + fAscii + fmt.Sprint(r.IntN(100))
		case 2:
			handle = fAscii + "_" + gAscii
		}
		e := strings.ReplaceAll(handle, "'", "") + "@" + pick(r, mailDomains)
		if len(c.Emails) > 0 && c.Emails[0] == e {
			continue
		}
		c.Emails = append(c.Emails, e)
		b.prop("EMAIL;INTERNET", "", e)
	}

	addr := func(typ string) {
		pool := cu.addresses
		if len(pool) == 0 || r.IntN(4) == 0 {
			pool = english.addresses
		}
		p := pick(r, pool)
		a := dataset.Address{Type: typ, Street: fmt.Sprintf("%d %s", 1+r.IntN(2400), p.street),
			City: p.city, Region: p.region, Postcode: p.postcode, Country: p.country}
		c.Addresses = append(c.Addresses, a)
		// PO box; extended; street; locality; region; postal code; country.
		b.prop("ADR;"+typ, "", ";;"+a.Street+";"+a.City+";"+a.Region+";"+a.Postcode+";"+a.Country)
	}
	if r.IntN(2) == 0 {
		addr("HOME")
	}
	if r.IntN(7) == 0 {
		addr("WORK")
	}

	if r.IntN(10) < 3 {
		d := time.Date(1950+r.IntN(46), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		c.Birthday = d.Format("2006-01-02")
		b.prop("BDAY", "", d.Format("20060102"))
	}

	switch n := r.IntN(8); {
	case n == 0:
		c.Note = pick(r, longNotes)
	case n < 2:
		c.Note = pick(r, shortNotes)
	}
	if c.Note != "" {
		b.prop("NOTE", "", c.Note)
	}

	if i%photoEvery == photoOffset {
		c.PhotoJPEG = g.avatar(i)
		b.base64("PHOTO;ENCODING=BASE64;TYPE=JPEG", c.PhotoJPEG)
	}
	if i%uidEvery == uidOffset {
		c.UID = fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), 0x8000|r.IntN(1<<14), r.Int64N(1<<48))
		b.prop("UID", "", c.UID)
	}
	b.prop("X-IRMC-LUID", "", fmt.Sprintf("%012X", 0x10000+i))
	b.line("END:VCARD")

	return dataset.File{Path: c.File, Format: dataset.FormatVCard2, Data: b.Bytes(),
		Modified: modified(r, 3*365*24*time.Hour)}, c
}

func split(s string) (native, ascii string) {
	native, ascii, _ = strings.Cut(s, "|")
	return
}

func phoneNumber(r *rand.Rand) string {
	area := pick(r, []string{"206", "425", "415", "650", "212", "718", "404", "512", "312"})
	n := 100 + r.IntN(900)
	m := r.IntN(10000)
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("(%s) %03d-%04d", area, n, m)
	case 1:
		return fmt.Sprintf("%s%03d%04d", area, n, m)
	default:
		return fmt.Sprintf("+1-%s-%03d-%04d", area, n, m)
	}
}

// vcardWriter writes versit (vCard 2.1 / vCalendar 1.0) lines with CRLF.
type vcardWriter struct{ bytes.Buffer }

func (w *vcardWriter) line(s string) {
	w.WriteString(s)
	w.WriteString("\r\n")
}

// prop writes NAME[;params]:value. Values that are not plain short ASCII
// are written quoted-printable: CHARSET=UTF-8 when they hold non-ASCII,
// =0D=0A for line breaks ("\n" in value), soft line breaks to keep lines
// under 76 characters.
func (w *vcardWriter) prop(name, params, value string) {
	head := name
	if params != "" {
		head += ";" + params
	}
	ascii, multiline := true, strings.Contains(value, "\n")
	for i := range len(value) {
		if value[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii && !multiline && len(head)+1+len(value) <= 75 {
		w.line(head + ":" + value)
		return
	}
	if !ascii {
		head += ";CHARSET=UTF-8"
	}
	head += ";ENCODING=QUOTED-PRINTABLE:"
	w.WriteString(quotedPrintable(head, strings.ReplaceAll(value, "\n", "\r\n")))
	w.WriteString("\r\n")
}

// quotedPrintable encodes value after head (which counts towards the first
// line) with soft line breaks.
func quotedPrintable(head, value string) string {
	var out strings.Builder
	line := []byte(head)
	flush := func(soft bool) {
		if n := len(line); n > 0 && line[n-1] == ' ' {
			line = append(line[:n-1], "=20"...) // no trailing space before a break
		}
		out.Write(line)
		if soft {
			out.WriteString("=\r\n")
		}
		line = line[:0]
	}
	for i := range len(value) {
		c := value[i]
		var tok string
		if c == ' ' || (c > ' ' && c < 0x7F && c != '=') {
			tok = string(c)
		} else {
			tok = fmt.Sprintf("=%02X", c)
		}
		if len(line)+len(tok) > qpLineBudget {
			flush(true)
		}
		line = append(line, tok...)
	}
	flush(false)
	return out.String()
}

// base64 writes a BASE64 property the vCard 2.1 way: the value on
// following lines indented by one space, ended by a blank line.
func (w *vcardWriter) base64(head string, data []byte) {
	w.line(head + ":")
	s := base64.StdEncoding.EncodeToString(data)
	for len(s) > 0 {
		n := min(72, len(s))
		w.line(" " + s[:n])
		s = s[n:]
	}
	w.line("")
}
