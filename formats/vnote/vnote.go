// Package vnote converts vNote 1.1 (IrMC notes, BEGIN:VNOTE) into plain
// UTF-8 text, one record per note, and writes notes as RFC 5545 VJOURNAL
// entries (Journal). BODY may be quoted-printable in any charset.
package vnote

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"

	"github.com/sk-rescue/sk-rescue/formats"
	"github.com/sk-rescue/sk-rescue/formats/internal/versit"
)

// DefaultProdID is written when no PRODID is given.
const DefaultProdID = "-//sk-rescue//sk-rescue//EN"

// ErrNoNote is returned when the input holds no vNote at all.
var ErrNoNote = errors.New("vnote: no vNote in input")

// Convert reads every VNOTE in raw. Each becomes a Record whose Data is the
// note's text (BODY, or SUMMARY when there is no BODY) in UTF-8 with line
// breaks as LF and one trailing newline; its UID is the note's UID when it
// has one, else derived from Options.UIDSeed and the note's position.
func Convert(raw []byte, opt formats.Options) (formats.Result, error) {
	var res formats.Result
	if len(bytes.TrimSpace(raw)) == 0 {
		return res, fmt.Errorf("%w: empty", ErrNoNote)
	}
	comps, warns, err := versit.Parse(raw)
	res.Warnings = append(res.Warnings, warns...)
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrNoNote, err)
	}
	idx := 0
	for _, c := range comps {
		if c.Name != "VNOTE" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("skipped a %s component", c.Name))
			continue
		}
		i := idx
		idx++
		if c.Err != nil {
			res.Failures = append(res.Failures, formats.Failure{Index: i, Raw: c.Raw, Err: fmt.Errorf("vnote: note %d: %w", i, c.Err)})
			continue
		}
		var body string
		found := false
		for _, name := range []string{"BODY", "SUMMARY"} {
			if p := c.Get(name); p != nil {
				body, found = p.Value, true
				break
			}
		}
		if !found {
			res.Failures = append(res.Failures, formats.Failure{Index: i, Raw: c.Raw, Err: fmt.Errorf("vnote: note %d has no BODY", i)})
			continue
		}
		text := strings.TrimRight(versit.NormalizeNewlines(versit.Unescape(body)), "\n") + "\n"
		uid := ""
		if p := c.Get("UID"); p != nil {
			uid = versit.OneLine(p.Value)
		}
		if uid == "" {
			uid = versit.UUID(opt.UIDSeed, strconv.Itoa(i))
		}
		res.Records = append(res.Records, formats.Record{
			Kind:     formats.KindNote,
			UID:      uid,
			Name:     title(text),
			Data:     []byte(text),
			Warnings: c.Warnings,
		})
	}
	if idx == 0 {
		return res, ErrNoNote
	}
	return res, nil
}

// title is the note's first non-empty line, cut to 60 characters.
func title(text string) string {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if utf8.RuneCountInString(l) > 60 {
			r := []rune(l)
			l = string(r[:60]) + "…"
		}
		return l
	}
	return ""
}

// Journal writes recs (notes from Convert) as one VCALENDAR with a VJOURNAL
// per note: UID, SUMMARY (the first line), DESCRIPTION (the text) and a
// fixed DTSTAMP (19700101T000000Z; a Record carries no time). A record with
// Calendar (a journal read from iCalendar by formats/ical) is written as
// that journal, every field kept, its VTIMEZONEs once.
func Journal(w io.Writer, recs []formats.Record, prodID string) error {
	if prodID == "" {
		prodID = DefaultProdID
	}
	cal := goical.NewCalendar()
	cal.Props.SetText("PRODID", prodID)
	cal.Props.Set(&goical.Prop{Name: "VERSION", Params: goical.Params{}, Value: "2.0"})
	seenTZ := map[string]bool{}
	var tzs []*goical.Component
	for i, r := range recs {
		if r.Calendar != nil {
			// A journal read from iCalendar: written whole.
			in, err := goical.NewDecoder(bytes.NewReader(r.Calendar)).Decode()
			if err != nil {
				return fmt.Errorf("vnote: journal record %d (%s): %w", i, r.UID, err)
			}
			for _, ch := range in.Children {
				if ch.Name == "VTIMEZONE" {
					if id := ch.Props.Get("TZID"); id != nil && !seenTZ[id.Value] {
						seenTZ[id.Value] = true
						tzs = append(tzs, ch)
					}
					continue
				}
				cal.Children = append(cal.Children, ch)
			}
			continue
		}
		j := goical.NewComponent("VJOURNAL")
		j.Props.Set(&goical.Prop{Name: "UID", Params: goical.Params{}, Value: r.UID})
		j.Props.Set(&goical.Prop{Name: "DTSTAMP", Params: goical.Params{}, Value: "19700101T000000Z"})
		text := strings.TrimRight(string(r.Data), "\n")
		j.Props.SetText("SUMMARY", title(text))
		j.Props.SetText("DESCRIPTION", text)
		cal.Children = append(cal.Children, j)
	}
	if len(cal.Children) == 0 {
		return errors.New("vnote: journal: no notes")
	}
	cal.Children = append(tzs, cal.Children...)
	var buf bytes.Buffer
	if err := goical.NewEncoder(&buf).Encode(cal); err != nil {
		return err
	}
	return versit.Fold(w, buf.Bytes())
}
