// Package ical converts handset calendars — vCalendar 1.0 (versit/IrMC) and
// iCalendar 2.0 — into RFC 5545 iCalendar, one record per VEVENT or VTODO,
// each a complete VCALENDAR written with go-ical. vCalendar 1.0 recurrence
// rules, alarms (AALARM, DALARM, MALARM, PALARM), TZ/DAYLIGHT, to-do status
// and quoted-printable/charset values are translated; what cannot be said
// exactly is kept in an X-SK-RESCUE- property and reported as a warning.
// The rules are listed in docs/FORMATS.md.
package ical

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
	"github.com/teambition/rrule-go"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/sk-rescue/sk-rescue/formats"
	"github.com/sk-rescue/sk-rescue/formats/internal/versit"
)

// DefaultProdID is written when Options.ProdID is empty.
const DefaultProdID = "-//sk-rescue//sk-rescue//EN"

// PropVCalRRule keeps a vCalendar 1.0 rule that could not be converted
// exactly.
const PropVCalRRule = "X-SK-RESCUE-VCAL-RRULE"

// FixedStamp is the DTSTAMP written when neither the record nor the
// options give a time: the Unix epoch, so output never depends on the clock.
var FixedStamp = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// ErrNoCalendar is returned when the input holds no calendar component.
var ErrNoCalendar = errors.New("ical: no vCalendar or iCalendar data in input")

// Convert reads every VEVENT, VTODO and VJOURNAL in raw (vCalendar 1.0 or iCalendar
// 2.0, one or several VCALENDARs) and writes each as a VCALENDAR of its
// own (a VJOURNAL becomes a note: its text, as formats/vnote gives). A
// component that cannot be converted becomes a Failure and the
// others go on.
func Convert(raw []byte, opt formats.Options) (formats.Result, error) {
	var res formats.Result
	if len(bytes.TrimSpace(raw)) == 0 {
		return res, fmt.Errorf("%w: empty", ErrNoCalendar)
	}
	comps, warns, err := versit.Parse(raw)
	res.Warnings = append(res.Warnings, warns...)
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrNoCalendar, err)
	}
	idx := 0
	var handle func(cal *versit.Component, c *versit.Component)
	handle = func(cal, c *versit.Component) {
		i := idx
		idx++
		if c.Name == "VJOURNAL" {
			rec, err := journal(newCalContext(cal), c, i, opt)
			if err != nil {
				res.Failures = append(res.Failures, formats.Failure{Index: i, Raw: c.Raw, Err: err})
				return
			}
			res.Records = append(res.Records, rec)
			return
		}
		cv := newCalContext(cal)
		rec, err := cv.convert(c, i, opt)
		if err != nil {
			res.Failures = append(res.Failures, formats.Failure{Index: i, Raw: c.Raw, Err: err})
			return
		}
		res.Records = append(res.Records, rec)
	}
	for _, top := range comps {
		switch top.Name {
		case "VCALENDAR":
			res.Warnings = append(res.Warnings, top.Warnings...)
			for _, c := range top.Children {
				switch c.Name {
				case "VEVENT", "VTODO", "VJOURNAL":
					handle(top, c)
				case "VTIMEZONE":
				default:
					res.Warnings = append(res.Warnings, fmt.Sprintf("skipped a %s component", c.Name))
				}
			}
		case "VEVENT", "VTODO", "VJOURNAL":
			handle(nil, top)
		default:
			res.Warnings = append(res.Warnings, fmt.Sprintf("skipped a %s component", top.Name))
		}
	}
	if idx == 0 {
		return res, ErrNoCalendar
	}
	return res, nil
}

// journal turns a VJOURNAL (a note kept in a calendar) into a note record:
// the same text form formats/vnote gives a vNote, so notes from either
// source land in notes/ alike.
//
// Every field of the journal is kept too: the whole VJOURNAL, converted as
// events are, goes in Record.Calendar, which notes.ics is written from.
func journal(cv *calContext, c *versit.Component, i int, opt formats.Options) (formats.Record, error) {
	var body, summary string
	if p := c.Get("SUMMARY"); p != nil {
		summary = versit.OneLine(versit.Unescape(p.Value))
	}
	if p := c.Get("DESCRIPTION"); p != nil {
		body = versit.NormalizeNewlines(versit.Unescape(p.Value))
	}
	if strings.TrimSpace(body) == "" {
		body = summary
	}
	if strings.TrimSpace(body) == "" {
		return formats.Record{}, fmt.Errorf("ical: journal %d has neither DESCRIPTION nor SUMMARY", i)
	}
	uid := ""
	if p := c.Get("UID"); p != nil {
		uid = versit.OneLine(p.Value)
	}
	if uid == "" {
		uid = versit.UUID(opt.UIDSeed, strconv.Itoa(i))
	}
	name := summary
	if name == "" {
		name, _, _ = strings.Cut(strings.TrimSpace(body), "\n")
	}
	rec := formats.Record{Kind: formats.KindNote, UID: uid, Name: name,
		Data: []byte(strings.TrimRight(body, "\n") + "\n"), Warnings: c.Warnings}
	full, err := cv.convert(c, i, opt)
	if err != nil {
		rec.Warnings = append(rec.Warnings, fmt.Sprintf("journal fields other than its text not kept: %v", err))
		return rec, nil
	}
	rec.UID, rec.Calendar, rec.Warnings = full.UID, full.Data, full.Warnings
	if full.Name != "" {
		rec.Name = full.Name
	}
	var lines []string
	for _, l := range strings.Split(string(rec.Data), "\n") {
		l, _ = cleanText(l)
		lines = append(lines, l)
	}
	rec.Data = []byte(strings.Join(lines, "\n"))
	return rec, nil
}

// calContext is what a component needs from its calendar.
type calContext struct {
	v1        bool
	tz        *vtz
	tzErr     string
	vtimezone map[string]*versit.Component
}

func newCalContext(cal *versit.Component) *calContext {
	cv := &calContext{v1: true, vtimezone: map[string]*versit.Component{}}
	if cal == nil {
		return cv
	}
	if p := cal.Get("VERSION"); p != nil && strings.HasPrefix(strings.TrimSpace(p.Value), "2") {
		cv.v1 = false
	}
	for _, c := range cal.Children {
		if c.Name == "VTIMEZONE" {
			if p := c.Get("TZID"); p != nil {
				cv.vtimezone[strings.TrimSpace(p.Value)] = c
			}
		}
	}
	if p := cal.Get("TZ"); p != nil && strings.TrimSpace(p.Value) != "" {
		off, err := parseOffset(p.Value)
		if err != nil {
			cv.tzErr = fmt.Sprintf("calendar TZ %q not understood; floating times kept floating", p.Value)
		} else {
			z := &vtz{std: off, hasZone: true, original: "TZ:" + p.Value}
			for _, d := range cal.All("DAYLIGHT") {
				f := strings.Split(d.Value, ";")
				if len(f) < 4 || !strings.EqualFold(strings.TrimSpace(f[0]), "TRUE") {
					continue
				}
				o, err1 := parseOffset(f[1])
				s, err2 := parseTime(f[2])
				e, err3 := parseTime(f[3])
				if err1 != nil || err2 != nil || err3 != nil {
					cv.tzErr = fmt.Sprintf("DAYLIGHT %q not understood; ignored", d.Value)
					continue
				}
				z.windows = append(z.windows, dstWindow{offset: o, start: s.t, end: e.t, startUTC: s.kind == tUTC, endUTC: e.kind == tUTC})
				z.original += "\nDAYLIGHT:" + d.Value
			}
			cv.tz = z
		}
	}
	return cv
}

// conv holds one component being converted.
type conv struct {
	cal      *calContext
	out      *goical.Component
	warns    []string
	tzNeeded map[string]bool
	synthTZ  bool
	year     int // DTSTART's year, for VTIMEZONEs made from IANA data
	opt      formats.Options
}

func (c *conv) warn(format string, a ...any) { c.warns = append(c.warns, fmt.Sprintf(format, a...)) }

// single-valued properties (RFC 5545 "MUST NOT occur more than once").
var single = map[string]bool{
	"CLASS": true, "CREATED": true, "DESCRIPTION": true, "DTSTART": true, "GEO": true,
	"LAST-MODIFIED": true, "LOCATION": true, "ORGANIZER": true, "PRIORITY": true,
	"SEQUENCE": true, "STATUS": true, "SUMMARY": true, "TRANSP": true, "URL": true,
	"RECURRENCE-ID": true, "DTEND": true, "DURATION": true, "DUE": true, "COMPLETED": true,
	"PERCENT-COMPLETE": true, "DTSTAMP": true, "UID": true, "RRULE": true, "COLOR": true,
}

var textProps = map[string]bool{
	"SUMMARY": true, "DESCRIPTION": true, "LOCATION": true, "COMMENT": true, "CONTACT": true,
}

var listProps = map[string]bool{"CATEGORIES": true, "RESOURCES": true}

var timeProps = map[string]bool{
	"DTSTART": true, "DTEND": true, "DUE": true, "RECURRENCE-ID": true,
	"EXDATE": true, "RDATE": true,
}

var stampProps = map[string]bool{"COMPLETED": true, "CREATED": true, "DCREATED": true, "LAST-MODIFIED": true, "DTSTAMP": true}

func (c *conv) add(p *goical.Prop) {
	if single[p.Name] && len(c.out.Props[p.Name]) > 0 && !(p.Name == "DESCRIPTION" && c.out.Name == "VJOURNAL") {
		extra := "X-SK-RESCUE-EXTRA-" + p.Name
		c.warn("second %s kept as %s", p.Name, extra)
		p.Name = extra
	}
	c.out.Props.Add(p)
}

func validName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		ch := n[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-') {
			return false
		}
	}
	return true
}

func (cv *calContext) convert(src *versit.Component, index int, opt formats.Options) (formats.Record, error) {
	if src.Err != nil {
		return formats.Record{}, fmt.Errorf("ical: component %d: %w", index, src.Err)
	}
	c := &conv{cal: cv, out: goical.NewComponent(src.Name), tzNeeded: map[string]bool{}, opt: opt}
	c.warns = append(c.warns, src.Warnings...)
	if cv.tzErr != "" {
		c.warn("%s", cv.tzErr)
	}
	kind := formats.KindEvent
	if src.Name == "VTODO" {
		kind = formats.KindTodo
	}

	// Times first: all-day detection needs DTSTART and DTEND together.
	times := map[string]tval{}
	for _, name := range []string{"DTSTART", "DTEND", "DUE"} {
		p := src.Get(name)
		if p == nil || strings.TrimSpace(p.Value) == "" {
			continue
		}
		v, err := c.timeOf(p)
		if err != nil {
			c.warn("%s %q not understood; kept as X-SK-RESCUE-%s", name, p.Value, name)
			c.add(&goical.Prop{Name: "X-SK-RESCUE-" + name, Params: goical.Params{}, Value: p.Value})
			continue
		}
		times[name] = v
	}
	c.allDay(times)
	c.year = 2000
	if s, ok := times["DTSTART"]; ok {
		c.year = s.t.Year()
	}
	for _, name := range []string{"DTSTART", "DTEND", "DUE"} {
		if v, ok := times[name]; ok {
			times[name] = c.zone(v)
			c.add(c.timeProp(name, times[name]))
		}
	}
	if _, ok := times["DTEND"]; ok && src.Get("DURATION") != nil {
		c.warn("both DTEND and DURATION; DURATION dropped")
	}

	var stamp time.Time
	stamps := map[string]time.Time{}
	var alarms []*versit.Prop
	for _, p := range src.Props {
		name := p.Name
		if times[name].t != (time.Time{}) && (name == "DTSTART" || name == "DTEND" || name == "DUE") {
			continue
		}
		if !validName(name) {
			fixed := strings.Map(func(r rune) rune {
				if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
					return r
				}
				return '-'
			}, name)
			if !strings.HasPrefix(fixed, "X-") {
				fixed = "X-" + fixed
			}
			c.warn("property name %q is not valid; written as %s", name, fixed)
			name = fixed
		}
		val := p.Value
		if strings.TrimSpace(val) == "" {
			continue // DUE:, COMPLETED:, DESCRIPTION: — empty slots
		}
		switch name {
		case "DTSTART", "DTEND", "DUE", "VERSION", "BEGIN", "END":
			continue
		case "DURATION":
			if _, ok := times["DTEND"]; ok {
				continue
			}
			if _, ok := times["DUE"]; ok {
				continue
			}
			if fixed, changed, ok := repairDuration(strings.ToUpper(val)); !ok {
				c.warn("DURATION %q not understood; kept as X-SK-RESCUE-DURATION", val)
				name = "X-SK-RESCUE-DURATION"
			} else {
				if changed {
					c.warn("DURATION %q is not an RFC 5545 duration; written as %s", val, fixed)
				}
				val = fixed
				if src.Name == "VTODO" && times["DTSTART"].isZero() {
					c.warn("DURATION without DTSTART kept as X-SK-RESCUE-DURATION")
					name = "X-SK-RESCUE-DURATION"
				}
			}
			c.add(&goical.Prop{Name: name, Params: goical.Params{}, Value: val})
			continue
		case "AALARM", "DALARM", "MALARM", "PALARM":
			alarms = append(alarms, p)
			continue
		case "RRULE":
			c.rrule(p, times)
			continue
		case "EXRULE":
			c.warn("EXRULE %q has no RFC 5545 form; kept as X-SK-RESCUE-VCAL-EXRULE", val)
			c.add(&goical.Prop{Name: "X-SK-RESCUE-VCAL-EXRULE", Params: goical.Params{}, Value: val})
			continue
		case "EXDATE", "RDATE":
			c.dateList(name, p)
			continue
		case "RECURRENCE-ID":
			v, err := c.timeOf(p)
			if err != nil {
				c.warn("RECURRENCE-ID %q not understood; dropped", val)
				continue
			}
			c.add(c.timeProp(name, c.zone(v)))
			continue
		case "DCREATED", "CREATED", "LAST-MODIFIED", "DTSTAMP", "COMPLETED":
			v, err := parseTime(val)
			if err != nil {
				c.warn("%s %q not understood; dropped", name, val)
				continue
			}
			t := c.instant(v)
			out := name
			if name == "DCREATED" {
				out = "CREATED"
			}
			stamps[out] = t
			if out == "DTSTAMP" {
				continue
			}
			c.add(&goical.Prop{Name: out, Params: goical.Params{}, Value: t.UTC().Format("20060102T150405Z")})
			continue
		case "STATUS":
			c.status(src.Name, val)
			continue
		case "TRANSP":
			switch strings.ToUpper(strings.TrimSpace(val)) {
			case "0", "OPAQUE":
				val = "OPAQUE"
			case "TRANSPARENT":
				val = "TRANSPARENT"
			default:
				if n, err := strconv.Atoi(strings.TrimSpace(val)); err == nil && n > 0 {
					val = "TRANSPARENT"
				} else {
					c.warn("TRANSP %q not understood; dropped", val)
					continue
				}
			}
			c.add(&goical.Prop{Name: name, Params: goical.Params{}, Value: val})
			continue
		case "SEQUENCE", "PRIORITY", "PERCENT-COMPLETE":
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil || n < 0 || (name == "PRIORITY" && n > 9) || (name == "PERCENT-COMPLETE" && n > 100) {
				c.warn("%s %q out of range; kept as X-SK-RESCUE-%s", name, val, name)
				c.add(&goical.Prop{Name: "X-SK-RESCUE-" + name, Params: goical.Params{}, Value: val})
				continue
			}
			c.add(&goical.Prop{Name: name, Params: goical.Params{}, Value: strconv.Itoa(n)})
			continue
		case "CLASS":
			c.add(&goical.Prop{Name: name, Params: goical.Params{}, Value: strings.ToUpper(strings.TrimSpace(val))})
			continue
		case "ATTENDEE", "ORGANIZER":
			c.attendee(p)
			continue
		case "UID":
			c.add(&goical.Prop{Name: name, Params: goical.Params{}, Value: versit.OneLine(versit.Unescape(val))})
			continue
		}
		prop := &goical.Prop{Name: name, Params: c.params(p)}
		switch {
		case textProps[name]:
			prop.SetText(versit.NormalizeNewlines(versit.Unescape(val)))
			delete(prop.Params, "VALUE")
		case listProps[name]:
			var items []string
			sep := ','
			for _, part := range versit.Split(val, ',') {
				if cv.v1 {
					for _, q := range versit.Split(part, ';') {
						items = append(items, strings.TrimSpace(versit.Unescape(q)))
					}
				} else {
					items = append(items, strings.TrimSpace(versit.Unescape(part)))
				}
			}
			_ = sep
			prop.SetTextList(nonEmpty(items))
			delete(prop.Params, "VALUE")
		default:
			prop.Value = strings.ReplaceAll(versit.NormalizeNewlines(val), "\n", `\n`)
		}
		c.add(prop)
	}

	// UID and DTSTAMP.
	uid := ""
	if p := c.out.Props.Get("UID"); p != nil {
		uid = p.Value
	}
	if uid == "" {
		c.out.Props.Del("UID")
		uid = versit.UUID(opt.UIDSeed, strconv.Itoa(index))
		c.out.Props.Set(&goical.Prop{Name: "UID", Params: goical.Params{}, Value: uid})
	}
	for _, k := range []string{"DTSTAMP", "LAST-MODIFIED", "CREATED"} {
		if t, ok := stamps[k]; ok {
			stamp = t
			break
		}
	}
	if stamp.IsZero() {
		stamp = opt.Modified
	}
	if stamp.IsZero() {
		stamp = FixedStamp
	}
	c.out.Props.Set(&goical.Prop{Name: "DTSTAMP", Params: goical.Params{}, Value: stamp.UTC().Format("20060102T150405Z")})

	c.alarms(alarms, times)
	for _, ch := range src.Children {
		if ch.Name == "VALARM" && src.Name != "VJOURNAL" {
			c.out.Children = append(c.out.Children, c.copyComponent(ch))
		} else {
			c.warn("nested %s dropped", ch.Name)
		}
	}

	c.sanitize(c.out)
	summary := ""
	if p := c.out.Props.Get("SUMMARY"); p != nil {
		summary, _ = p.Text()
	}
	cal := goical.NewCalendar()
	prod := opt.ProdID
	if prod == "" {
		prod = DefaultProdID
	}
	cal.Props.SetText("PRODID", prod)
	cal.Props.Set(&goical.Prop{Name: "VERSION", Params: goical.Params{}, Value: "2.0"})
	tzs, err := c.timezones()
	if err != nil {
		return formats.Record{}, err
	}
	cal.Children = append(cal.Children, tzs...)
	cal.Children = append(cal.Children, c.out)
	var buf bytes.Buffer
	if err := encode(&buf, cal); err != nil {
		return formats.Record{}, fmt.Errorf("ical: component %d: %w", index, err)
	}
	return formats.Record{Kind: kind, UID: uid, Name: summary, Data: buf.Bytes(), Warnings: c.warns}, nil
}

func nonEmpty(s []string) []string {
	out := s[:0]
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// params copies parameters, dropping the transfer ones.
func (c *conv) params(p *versit.Prop) goical.Params {
	out := goical.Params{}
	for _, pa := range p.Params {
		switch pa.Name {
		case "CHARSET", "ENCODING":
			continue
		}
		if !validName(pa.Name) {
			c.warn("parameter %q of %s is not valid; dropped", pa.Name, p.Name)
			continue
		}
		for _, v := range pa.Values {
			out.Add(pa.Name, strings.ReplaceAll(v, `"`, ""))
		}
	}
	return out
}

// timeOf parses a time property, honouring VALUE=DATE and TZID.
func (c *conv) timeOf(p *versit.Prop) (tval, error) {
	v, err := parseTime(p.Value)
	if err != nil {
		return v, err
	}
	if vt, ok := p.Param("VALUE"); ok && strings.EqualFold(vt, "DATE") && v.kind != tDate {
		return v, fmt.Errorf("VALUE=DATE with a time")
	}
	if tz, ok := p.Param("TZID"); ok && v.kind == tFloating {
		v.kind = tZoned
		v.tzid = strings.TrimSpace(tz)
	}
	return v, nil
}

// allDay applies the all-day rules to DTSTART/DTEND (see docs/FORMATS.md).
func (c *conv) allDay(times map[string]tval) {
	s, okS := times["DTSTART"]
	e, okE := times["DTEND"]
	if !okS {
		return
	}
	day := 24 * time.Hour
	if s.kind == tDate {
		if okE && e.kind != tDate {
			if e.kind == s.kind || e.kind == tFloating {
				// DTEND with a time after a date DTSTART: take its date.
				e = tval{t: time.Date(e.t.Year(), e.t.Month(), e.t.Day(), 0, 0, 0, 0, time.UTC), kind: tDate}
				if e.t.Before(s.t.Add(day)) {
					e.t = s.t.Add(day)
				}
				times["DTEND"] = e
			}
		} else if okE && !e.t.After(s.t) {
			// vCalendar writers give the (inclusive) last day; RFC 5545's
			// DTEND is exclusive.
			e.t = s.t.Add(day)
			times["DTEND"] = e
		}
		return
	}
	if !okE || s.kind != tFloating || e.kind != tFloating {
		return
	}
	midnight := func(t time.Time) bool { return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 }
	if !midnight(s.t) {
		return
	}
	endDate := time.Date(e.t.Year(), e.t.Month(), e.t.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case midnight(e.t) && e.t.After(s.t):
		// T000000 → T000000 a whole number of days later.
	case e.t.Hour() == 23 && e.t.Minute() == 59 && !endDate.Before(s.t):
		// T000000 → T2359[59] the same or a later day.
		endDate = endDate.Add(day)
	default:
		return
	}
	times["DTSTART"] = tval{t: s.t, kind: tDate}
	times["DTEND"] = tval{t: endDate, kind: tDate}
}

// zone puts a floating vCalendar time into the calendar's TZ, when there is
// one.
func (c *conv) zone(v tval) tval {
	if v.kind == tFloating && c.cal.tz != nil && c.cal.v1 {
		v.kind = tZoned
		v.tzid = c.synthTZID()
	}
	if v.kind == tZoned {
		c.tzNeeded[v.tzid] = true
	}
	return v
}

// instant gives the UTC instant of a stamp (CREATED, LAST-MODIFIED, …).
func (c *conv) instant(v tval) time.Time {
	switch v.kind {
	case tUTC:
		return v.t
	case tFloating, tDate:
		if c.cal.tz != nil {
			return c.cal.tz.toUTC(v.t)
		}
	}
	return v.t
}

func (c *conv) timeProp(name string, v tval) *goical.Prop {
	p := &goical.Prop{Name: name, Params: goical.Params{}, Value: v.format()}
	switch v.kind {
	case tDate:
		p.Params.Set("VALUE", "DATE")
	case tZoned:
		p.Params.Set("TZID", v.tzid)
	}
	return p
}

func (c *conv) dateList(name string, p *versit.Prop) {
	var vals []tval
	for _, part := range strings.FieldsFunc(p.Value, func(r rune) bool { return r == ',' || r == ';' }) {
		v, err := parseTime(part)
		if err != nil {
			c.warn("%s value %q not understood; dropped", name, part)
			continue
		}
		if tz, ok := p.Param("TZID"); ok && v.kind == tFloating {
			v.kind, v.tzid = tZoned, strings.TrimSpace(tz)
		}
		vals = append(vals, c.zone(v))
	}
	// One property per kind/zone so the parameters stay right.
	for len(vals) > 0 {
		first := vals[0]
		var same, rest []string
		var restVals []tval
		for _, v := range vals {
			if v.kind == first.kind && v.tzid == first.tzid {
				same = append(same, v.format())
			} else {
				restVals = append(restVals, v)
			}
		}
		_ = rest
		pp := c.timeProp(name, first)
		pp.Value = strings.Join(same, ",")
		c.out.Props.Add(pp)
		vals = restVals
	}
}

func (c *conv) status(comp, val string) {
	s := strings.ToUpper(strings.Join(strings.Fields(val), " "))
	s = strings.ReplaceAll(s, "NEEDS ACTION", "NEEDS-ACTION")
	var ok bool
	switch comp {
	case "VEVENT":
		switch s {
		case "TENTATIVE", "CONFIRMED", "CANCELLED":
			ok = true
		case "ACCEPTED":
			s, ok = "CONFIRMED", true
		case "DECLINED":
			s, ok = "CANCELLED", true
		}
	case "VJOURNAL":
		switch s {
		case "DRAFT", "FINAL", "CANCELLED":
			ok = true
		}
	case "VTODO":
		switch s {
		case "NEEDS-ACTION", "COMPLETED", "IN-PROCESS", "CANCELLED":
			ok = true
		case "ACCEPTED", "CONFIRMED":
			s, ok = "IN-PROCESS", true
		case "DECLINED":
			s, ok = "CANCELLED", true
		case "SENT", "TENTATIVE", "DELEGATED":
			s, ok = "NEEDS-ACTION", true
		}
	}
	if !ok {
		c.warn("STATUS %q has no RFC 5545 value for %s; kept as X-SK-RESCUE-VCAL-STATUS", val, comp)
		c.add(&goical.Prop{Name: "X-SK-RESCUE-VCAL-STATUS", Params: goical.Params{}, Value: val})
		return
	}
	c.add(&goical.Prop{Name: "STATUS", Params: goical.Params{}, Value: s})
}

// attendee converts vCalendar 1.0 ATTENDEE parameters (ROLE, STATUS, RSVP,
// EXPECT) and bare addresses into RFC 5545 form.
func (c *conv) attendee(p *versit.Prop) {
	prop := &goical.Prop{Name: p.Name, Params: goical.Params{}}
	organizer := false
	for _, pa := range p.Params {
		for _, v := range pa.Values {
			uv := strings.ToUpper(strings.TrimSpace(v))
			switch pa.Name {
			case "CHARSET", "ENCODING":
			case "ROLE":
				switch uv {
				case "ORGANIZER", "OWNER":
					organizer = true
				case "ATTENDEE", "DELEGATE":
					prop.Params.Set("ROLE", "REQ-PARTICIPANT")
				default:
					prop.Params.Set("ROLE", uv)
				}
			case "STATUS":
				if !c.cal.v1 {
					prop.Params.Add("X-STATUS", v)
					continue
				}
				switch uv {
				case "NEEDS ACTION", "NEEDS-ACTION", "SENT":
					uv = "NEEDS-ACTION"
				case "CONFIRMED":
					uv = "ACCEPTED"
				}
				prop.Params.Set("PARTSTAT", uv)
			case "RSVP":
				switch uv {
				case "YES", "TRUE":
					prop.Params.Set("RSVP", "TRUE")
				case "NO", "FALSE":
					prop.Params.Set("RSVP", "FALSE")
				}
			case "EXPECT":
				prop.Params.Set("X-EXPECT", uv)
			case "":
			case "X-STATUS", "X-ROLE":
				// Symbian's RFC 5545 spellings beside the vCal ones.
				prop.Params.Set(pa.Name, strings.ReplaceAll(v, `"`, ""))
			default:
				if validName(pa.Name) {
					prop.Params.Add(pa.Name, strings.ReplaceAll(v, `"`, ""))
				}
			}
		}
	}
	addr := strings.TrimSpace(versit.Unescape(p.Value))
	if !strings.Contains(addr, ":") || strings.Contains(addr, " ") {
		if prop.Params.Get("CN") == "" && !strings.Contains(addr, "@") {
			prop.Params.Set("CN", addr)
		}
		addr = "mailto:" + (&url.URL{Path: addr}).EscapedPath()
	}
	prop.Value = addr
	if organizer && p.Name == "ATTENDEE" && c.out.Props.Get("ORGANIZER") == nil {
		prop.Name = "ORGANIZER"
		prop.Params.Del("ROLE")
		prop.Params.Del("PARTSTAT")
		prop.Params.Del("RSVP")
		prop.Params.Del("X-EXPECT")
	}
	c.add(prop)
}

func (c *conv) rrule(p *versit.Prop, times map[string]tval) {
	val := strings.TrimSpace(p.Value)
	start, ok := times["DTSTART"]
	if !ok {
		start, ok = times["DUE"]
	}
	if strings.Contains(strings.ToUpper(val), "FREQ=") {
		c.add(&goical.Prop{Name: "RRULE", Params: goical.Params{}, Value: c.repairRRule(val, start, ok)})
		return
	}
	if !ok {
		c.warn("RRULE %q without DTSTART; kept as %s", val, PropVCalRRule)
		c.add(&goical.Prop{Name: PropVCalRRule, Params: goical.Params{}, Value: val})
		return
	}
	until := func(end tval) (string, error) {
		// An end at midnight — floating, zoned or UTC — or a date means
		// the whole of that day (docs/FORMATS.md).
		wholeDay := end.kind == tDate || (end.t.Hour() == 0 && end.t.Minute() == 0 && end.t.Second() == 0)
		switch start.kind {
		case tDate:
			return end.t.Format("20060102"), nil
		case tFloating:
			w := end.t
			if end.kind == tUTC {
				c.warn("RRULE end %s is UTC but the event is floating; its clock time is used", end.format())
			}
			if wholeDay {
				w = time.Date(w.Year(), w.Month(), w.Day(), 23, 59, 59, 0, time.UTC)
			}
			return w.Format("20060102T150405"), nil
		}
		// UTC or zoned start: UNTIL in UTC.
		w := end.t
		if wholeDay {
			w = time.Date(w.Year(), w.Month(), w.Day(), 23, 59, 59, 0, time.UTC)
		}
		if end.kind == tUTC {
			return w.Format("20060102T150405Z"), nil
		}
		if start.kind == tZoned {
			w = c.wallUTC(start, w)
		} else if c.cal.tz != nil {
			w = c.cal.tz.toUTC(w)
		}
		return w.Format("20060102T150405Z"), nil
	}
	out, exact, why := vcalRule(val, start.t, until)
	if !exact {
		c.warn("vCalendar RRULE %q cannot be converted exactly (%s); kept as %s", val, why, PropVCalRRule)
		c.add(&goical.Prop{Name: PropVCalRRule, Params: goical.Params{}, Value: val})
		return
	}
	if out = c.earlierLimit(out, start); out == "" {
		c.warn("vCalendar RRULE %q cannot be converted exactly (its count and end date are too far apart to tell which ends first); kept as %s", val, PropVCalRRule)
		c.add(&goical.Prop{Name: PropVCalRRule, Params: goical.Params{}, Value: val})
		return
	}
	if out = c.anchorStart(out, start, until); out != "" {
		c.add(&goical.Prop{Name: "RRULE", Params: goical.Params{}, Value: out})
	}
}

// anchorStart keeps a DTSTART that is not itself an instance of the rule
// (a vCal "MD1 LD" starting on the 30th, say) as the first occurrence, as
// vCalendar means and as RFC 5545 §3.3.10 says ("the DTSTART property value
// always counts as the first occurrence"). Readers disagree there: libical
// counts it, python-dateutil and rrule-go skip it. So the start is also
// written as an RDATE, and a COUNT becomes the UNTIL of the last occurrence
// it means, which every reader then expands alike. It returns the rule to
// write, or "" when DTSTART is the only occurrence.
func (c *conv) anchorStart(rule string, start tval, until untilFunc) string {
	opt, err := rrule.StrToROption(rule)
	if err != nil {
		return rule
	}
	wall := time.Date(start.t.Year(), start.t.Month(), start.t.Day(), start.t.Hour(), start.t.Minute(), start.t.Second(), 0, time.UTC)
	opt.Dtstart = wall
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return rule
	}
	if first := r.After(wall, true); first.Equal(wall) {
		return rule // in step: nothing to do
	}
	if opt.Count == 1 {
		return ""
	}
	c.add(c.timeProp("RDATE", start))
	if opt.Count <= 0 {
		return rule
	}
	const maxExpand = 100000
	if opt.Count > maxExpand {
		c.warn("RRULE %s does not start on DTSTART and counts %d; kept with COUNT", rule, opt.Count)
		return rule
	}
	opt.Count--
	r, err = rrule.NewRRule(*opt)
	if err != nil {
		return rule
	}
	occ := r.All()
	if len(occ) == 0 {
		return ""
	}
	kind := start.kind
	if kind == tZoned {
		kind = tFloating // until() converts a zoned start's wall clock itself
	}
	u, err := until(tval{t: occ[len(occ)-1], kind: kind, tzid: start.tzid})
	if err != nil {
		return rule
	}
	var parts []string
	for _, part := range strings.Split(rule, ";") {
		if strings.HasPrefix(strings.ToUpper(part), "COUNT=") {
			part = "UNTIL=" + u
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ";")
}

// alarms turns vCalendar alarm properties into VALARMs; alarms at the same
// time become one, DISPLAY winning over AUDIO.
func (c *conv) alarms(props []*versit.Prop, times map[string]tval) {
	type alarm struct {
		comp    *goical.Component
		trigger string
		action  string
	}
	var list []*alarm
	summary := ""
	if p := c.out.Props.Get("SUMMARY"); p != nil {
		summary, _ = p.Text()
	}
	for _, p := range props {
		f := strings.Split(p.Value, ";")
		for len(f) < 5 {
			f = append(f, "")
		}
		run, err := parseTime(f[0])
		if err != nil {
			c.warn("%s %q: run time not understood; dropped", p.Name, p.Value)
			continue
		}
		trig := &goical.Prop{Name: "TRIGGER", Params: goical.Params{}}
		anchor, related := times["DTSTART"], ""
		if anchor.isZero() {
			anchor, related = times["DUE"], "END"
		}
		if !anchor.isZero() && (anchor.kind == run.kind || anchor.kind == tDate || (anchor.kind == tZoned && run.kind == tFloating)) {
			a := anchor.t
			trig.Value = fmtDuration(run.t.Sub(a))
			if related != "" {
				trig.Params.Set("RELATED", related)
			}
		} else if !anchor.isZero() && run.kind == tUTC && anchor.kind == tZoned && c.cal.tz != nil {
			trig.Value = fmtDuration(run.t.Sub(c.cal.tz.toUTC(anchor.t)))
			if related != "" {
				trig.Params.Set("RELATED", related)
			}
		} else {
			t := c.instant(run)
			if run.kind == tFloating && c.cal.tz == nil {
				c.warn("%s time %s is floating with nothing to anchor it; read as UTC", p.Name, f[0])
			}
			trig.Params.Set("VALUE", "DATE-TIME")
			trig.Value = t.UTC().Format("20060102T150405Z")
		}
		a := goical.NewComponent("VALARM")
		a.Props.Add(trig)
		snooze, okS := parseDuration(f[1])
		rep, errR := strconv.Atoi(strings.TrimSpace(f[2]))
		if okS && errR == nil && rep > 0 && snooze > 0 {
			a.Props.Set(&goical.Prop{Name: "DURATION", Params: goical.Params{}, Value: fmtDuration(snooze)})
			a.Props.Set(&goical.Prop{Name: "REPEAT", Params: goical.Params{}, Value: strconv.Itoa(rep)})
		}
		extra := strings.TrimSpace(versit.Unescape(f[3]))
		desc := summary
		if desc == "" {
			desc = "Reminder"
		}
		action := ""
		switch p.Name {
		case "AALARM":
			action = "AUDIO"
			if strings.Contains(extra, "://") {
				a.Props.Set(&goical.Prop{Name: "ATTACH", Params: goical.Params{}, Value: extra})
			} else if extra != "" {
				c.warn("AALARM sound %q is not a URI; dropped", extra)
			}
		case "DALARM":
			action = "DISPLAY"
			if extra != "" {
				desc = extra
			}
			a.Props.SetText("DESCRIPTION", desc)
		case "MALARM":
			action = "EMAIL"
			note := strings.TrimSpace(versit.Unescape(f[4]))
			if note == "" {
				note = desc
			}
			a.Props.SetText("SUMMARY", desc)
			a.Props.SetText("DESCRIPTION", note)
			if extra != "" {
				a.Props.Set(&goical.Prop{Name: "ATTENDEE", Params: goical.Params{}, Value: "mailto:" + extra})
			}
		case "PALARM":
			action = "DISPLAY"
			c.warn("PALARM (run a procedure %q) written as a DISPLAY alarm", extra)
			a.Props.SetText("DESCRIPTION", strings.TrimSpace(desc+" ("+extra+")"))
		}
		a.Props.Set(&goical.Prop{Name: "ACTION", Params: goical.Params{}, Value: action})
		key := trig.Value + "|" + trig.Params.Get("RELATED")
		merged := false
		for _, o := range list {
			if o.trigger == key && (o.action == "AUDIO" || o.action == "DISPLAY") && (action == "AUDIO" || action == "DISPLAY") {
				if o.action == "AUDIO" && action == "DISPLAY" {
					o.comp, o.action = a, action
				}
				merged = true
				break
			}
		}
		if !merged {
			list = append(list, &alarm{comp: a, trigger: key, action: action})
		}
	}
	for _, a := range list {
		c.out.Children = append(c.out.Children, a.comp)
	}
}

// copyComponent copies an iCalendar 2.0 sub-component (VALARM) as it is.
func (c *conv) copyComponent(src *versit.Component) *goical.Component {
	out := goical.NewComponent(src.Name)
	for _, p := range src.Props {
		if !validName(p.Name) {
			continue
		}
		val := strings.ReplaceAll(versit.NormalizeNewlines(p.Value), "\n", `\n`)
		if vt, _ := p.Param("VALUE"); (p.Name == "TRIGGER" || p.Name == "DURATION") && !strings.EqualFold(strings.TrimSpace(vt), "DATE-TIME") {
			if fixed, changed, ok := repairDuration(strings.ToUpper(val)); ok && changed {
				c.warn("%s %q is not an RFC 5545 duration; written as %s", p.Name, val, fixed)
				val = fixed
			}
		}
		out.Props.Add(&goical.Prop{Name: p.Name, Params: c.params(p), Value: val})
	}
	if src.Name == "VALARM" && out.Props.Get("ACTION") == nil {
		out.Props.Set(&goical.Prop{Name: "ACTION", Params: goical.Params{}, Value: "DISPLAY"})
	}
	if src.Name == "VALARM" && out.Props.Get("ACTION").Value == "DISPLAY" && out.Props.Get("DESCRIPTION") == nil {
		out.Props.SetText("DESCRIPTION", "Reminder")
	}
	for _, ch := range src.Children {
		out.Children = append(out.Children, c.copyComponent(ch))
	}
	return out
}

// synthTZID names the VTIMEZONE made from a vCalendar TZ/DAYLIGHT.
func (c *conv) synthTZID() string {
	z := c.cal.tz
	id := "vCalendar-TZ" + fmtOffset(z.std)
	if len(z.windows) > 0 {
		h := sha1.Sum([]byte(z.original))
		id += fmt.Sprintf("-DST-%x", h[:4])
	}
	c.synthTZ = true
	return id
}

func fmtOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec%3600/60)
}

// timezones gives the VTIMEZONEs the component refers to.
func (c *conv) timezones() ([]*goical.Component, error) {
	ids := make([]string, 0, len(c.tzNeeded))
	for id := range c.tzNeeded {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []*goical.Component
	for _, id := range ids {
		if c.synthTZ && id == c.synthTZID() {
			out = append(out, c.vcalTimezone(id))
			continue
		}
		if src, ok := c.cal.vtimezone[id]; ok {
			why := brokenTZ(src)
			if why == "" {
				out = append(out, c.copyComponent(src))
				continue
			}
			if tz := ianaTimezone(id, c.year); tz != nil {
				c.warn("VTIMEZONE %q in the source is not valid (%s); one was made from the IANA zone of that name", id, why)
				out = append(out, tz)
				continue
			}
			c.warn("VTIMEZONE %q in the source is not valid (%s) and the TZID is not an IANA zone; times kept with that TZID", id, why)
			continue
		}
		if tz := ianaTimezone(id, c.year); tz != nil {
			c.warn("no VTIMEZONE for TZID %q in the source; one was made from the IANA zone", id)
			out = append(out, tz)
			continue
		}
		c.warn("no VTIMEZONE for TZID %q and it is not an IANA zone; times kept with that TZID", id)
	}
	return out, nil
}

// vcalTimezone writes a vCalendar TZ (and DAYLIGHT windows) as a VTIMEZONE.
func (c *conv) vcalTimezone(id string) *goical.Component {
	z := c.cal.tz
	tz := goical.NewComponent("VTIMEZONE")
	tz.Props.Set(&goical.Prop{Name: "TZID", Params: goical.Params{}, Value: id})
	std := goical.NewComponent("STANDARD")
	std.Props.Set(&goical.Prop{Name: "DTSTART", Params: goical.Params{}, Value: "16010101T000000"})
	std.Props.Set(&goical.Prop{Name: "TZOFFSETFROM", Params: goical.Params{}, Value: fmtOffset(z.std)})
	std.Props.Set(&goical.Prop{Name: "TZOFFSETTO", Params: goical.Params{}, Value: fmtOffset(z.std)})
	tz.Children = append(tz.Children, std)
	for _, w := range z.windows {
		start := w.start
		if w.startUTC {
			start = start.Add(time.Duration(z.std) * time.Second)
		}
		end := w.end
		if w.endUTC {
			end = end.Add(time.Duration(w.offset) * time.Second)
		}
		d := goical.NewComponent("DAYLIGHT")
		d.Props.Set(&goical.Prop{Name: "DTSTART", Params: goical.Params{}, Value: start.Format("20060102T150405")})
		d.Props.Set(&goical.Prop{Name: "TZOFFSETFROM", Params: goical.Params{}, Value: fmtOffset(z.std)})
		d.Props.Set(&goical.Prop{Name: "TZOFFSETTO", Params: goical.Params{}, Value: fmtOffset(w.offset)})
		s := goical.NewComponent("STANDARD")
		s.Props.Set(&goical.Prop{Name: "DTSTART", Params: goical.Params{}, Value: end.Format("20060102T150405")})
		s.Props.Set(&goical.Prop{Name: "TZOFFSETFROM", Params: goical.Params{}, Value: fmtOffset(w.offset)})
		s.Props.Set(&goical.Prop{Name: "TZOFFSETTO", Params: goical.Params{}, Value: fmtOffset(z.std)})
		tz.Children = append(tz.Children, d, s)
	}
	return tz
}

// encode writes cal with go-ical and folds its lines.
func encode(w io.Writer, cal *goical.Calendar) error {
	var buf bytes.Buffer
	if err := goical.NewEncoder(&buf).Encode(cal); err != nil {
		return err
	}
	return versit.Fold(w, buf.Bytes())
}

// Combine writes one VCALENDAR holding the components of recs (records made
// by Convert or by formats/vnote's journal), in the order given, with each
// VTIMEZONE once.
func Combine(w io.Writer, recs []formats.Record, prodID string) error {
	if prodID == "" {
		prodID = DefaultProdID
	}
	cal := goical.NewCalendar()
	cal.Props.SetText("PRODID", prodID)
	cal.Props.Set(&goical.Prop{Name: "VERSION", Params: goical.Params{}, Value: "2.0"})
	seenTZ := map[string]int{}
	var tzs, comps []*goical.Component
	for i, r := range recs {
		in, err := goical.NewDecoder(bytes.NewReader(r.Data)).Decode()
		if err != nil {
			return fmt.Errorf("ical: combine record %d (%s): %w", i, r.UID, err)
		}
		for _, ch := range in.Children {
			if ch.Name == "VTIMEZONE" {
				id := ch.Props.Get("TZID")
				if id == nil {
					continue
				}
				if j, ok := seenTZ[id.Value]; ok {
					// One per TZID: the one reaching furthest back (a
					// VTIMEZONE made for an older event covers it and
					// every later one).
					if tzStart(ch) < tzStart(tzs[j]) {
						tzs[j] = ch
					}
					continue
				}
				seenTZ[id.Value] = len(tzs)
				tzs = append(tzs, ch)
				continue
			}
			comps = append(comps, ch)
		}
	}
	if len(comps) == 0 {
		return errors.New("ical: combine: no components")
	}
	cal.Children = append(tzs, comps...)
	return encode(w, cal)
}

// wallUTC gives the instant of the wall clock w in start's frame: a UTC
// start's wall clock is UTC; a zoned one is placed with the vCalendar TZ
// (for the synthetic zone) or the IANA zone of that name. Floating and date
// starts have no instant: w is returned as it is.
func (c *conv) wallUTC(start tval, w time.Time) time.Time {
	if start.kind != tZoned {
		return w
	}
	if c.cal.tz != nil && strings.HasPrefix(start.tzid, "vCalendar-TZ") {
		return c.cal.tz.toUTC(w)
	}
	// The zone the output will carry: the source's VTIMEZONE when it is
	// valid, else the IANA zone of that name.
	if off, ok := c.sourceOffset(start.tzid, w); ok {
		return w.Add(-time.Duration(off) * time.Second)
	}
	if loc := ianaLocation(start.tzid); loc != nil {
		return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc).UTC()
	}
	return w
}

// earlierLimit resolves a vCalendar rule that gave both a count and an end
// date (`W1 MO 20101129T100000 #5`): the rule ends at whichever limit comes
// first, so that limit alone is written (RFC 5545 allows only one). The
// count includes DTSTART, as vCalendar counts it.
func (c *conv) earlierLimit(rule string, start tval) string {
	var count int
	var until string
	var rest []string
	for _, part := range strings.Split(rule, ";") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "COUNT":
			count, _ = strconv.Atoi(v)
		case "UNTIL":
			until = v
		default:
			rest = append(rest, part)
		}
	}
	if count <= 0 || until == "" {
		return rule
	}
	base := strings.Join(rest, ";")
	wall := time.Date(start.t.Year(), start.t.Month(), start.t.Day(), start.t.Hour(), start.t.Minute(), start.t.Second(), 0, time.UTC)
	opt, err := rrule.StrToROption(base)
	if err != nil {
		return base + ";UNTIL=" + until
	}
	opt.Dtstart = wall
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return base + ";UNTIL=" + until
	}
	// Walk the occurrences, DTSTART first, until the count is reached
	// (COUNT ends first) or one passes the end date (UNTIL does).
	var end time.Time
	var pos func(t time.Time) time.Time
	switch {
	case len(until) == 8:
		end, _ = time.Parse("20060102", until)
		pos = func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	case strings.HasSuffix(until, "Z"):
		end, _ = time.Parse("20060102T150405Z", until)
		pos = func(t time.Time) time.Time { return c.wallUTC(start, t) }
	default:
		end, _ = time.Parse("20060102T150405", until)
		pos = func(t time.Time) time.Time { return t }
	}
	if pos(wall).After(end) {
		return base + ";UNTIL=" + until
	}
	const maxWalk = 100000
	n := 1
	next := r.Iterator()
	for n < count {
		if n >= maxWalk {
			return "" // undecided: the caller keeps the original
		}
		t, ok := next()
		if !ok {
			break
		}
		if !t.After(wall) {
			continue
		}
		if pos(t).After(end) {
			break
		}
		n++
	}
	if n == count {
		return base + ";COUNT=" + strconv.Itoa(count)
	}
	return base + ";UNTIL=" + until
}

// tzStart is the earliest observance DTSTART of a VTIMEZONE, as text
// (local date-times compare as strings).
func tzStart(tz *goical.Component) string {
	first := ""
	for _, ch := range tz.Children {
		if p := ch.Props.Get("DTSTART"); p != nil && (first == "" || p.Value < first) {
			first = p.Value
		}
	}
	return first
}
