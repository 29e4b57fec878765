package ical

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"github.com/sk-rescue/sk-rescue/formats/internal/versit"
)

// TZHorizon is the last year whose transitions a VTIMEZONE made from the tz
// database lists one by one; the rule in force then is written as an
// open-ended RRULE, so later instances follow the zone's current rules (as
// Go's zone data itself does past its last transition).
const TZHorizon = 2037

// tzFirstYear is where a made VTIMEZONE starts unless the event is earlier.
const tzFirstYear = 1970

// ianaLocation loads an IANA zone by name; nil when it is not one.
func ianaLocation(id string) *time.Location {
	if id == "" || id == "Local" {
		return nil
	}
	locCache.Lock()
	defer locCache.Unlock()
	if loc, ok := locCache.m[id]; ok {
		return loc
	}
	if locCache.m == nil || len(locCache.m) > 1024 {
		locCache.m = map[string]*time.Location{}
	}
	loc := loadIANA(id)
	locCache.m[id] = loc
	return loc
}

// locCache keeps loaded zones (and names that are none): time.LoadLocation
// reads the zone file on every call.
var locCache struct {
	sync.Mutex
	m map[string]*time.Location
}

func loadIANA(id string) *time.Location {
	if loc, err := time.LoadLocation(id); err == nil {
		return loc
	}
	// Vendor-prefixed names (`/mozilla.org/20050126_1/Europe/Paris`,
	// `/softwarestudio.org/Olson_20011030_5/America/New_York`): the
	// longest tail of two or more segments that is an IANA zone.
	seg := strings.Split(strings.Trim(id, "/"), "/")
	for i := 1; i+2 <= len(seg); i++ {
		if loc, err := time.LoadLocation(strings.Join(seg[i:], "/")); err == nil {
			return loc
		}
	}
	return nil
}

var offsetRE = regexp.MustCompile(`^[+-]\d{4}(\d{2})?$`)

// brokenTZ says what makes a source VTIMEZONE unusable ("" when it is
// fine): no observance, or an observance without a local DTSTART or
// without valid TZOFFSETFROM/TZOFFSETTO (Apple iCal 1.5 wrote STANDARD and
// DAYLIGHT without DTSTART).
func brokenTZ(src *versit.Component) string {
	n := 0
	for _, ch := range src.Children {
		if ch.Name != "STANDARD" && ch.Name != "DAYLIGHT" {
			continue
		}
		n++
		p := ch.Get("DTSTART")
		if p == nil {
			return ch.Name + " without DTSTART"
		}
		if v, err := parseTime(p.Value); err != nil || v.kind != tFloating {
			return fmt.Sprintf("%s DTSTART %q is not a local date-time", ch.Name, p.Value)
		}
		for _, name := range []string{"TZOFFSETFROM", "TZOFFSETTO"} {
			p := ch.Get(name)
			if p == nil || !offsetRE.MatchString(strings.TrimSpace(p.Value)) {
				return ch.Name + " without a valid " + name
			}
		}
	}
	if n == 0 {
		return "no STANDARD or DAYLIGHT"
	}
	return ""
}

var ianaCache struct {
	sync.Mutex
	m map[string][]byte
}

// ianaTimezone makes a VTIMEZONE for an IANA zone name from Go's zone data
// (the tz database): every transition from 1970 (or the year before the
// event's, when earlier) to TZHorizon, transitions that repeat yearly on
// the same weekday rule grouped into one observance with an RRULE (UNTIL
// where the rule ended, open-ended for the rule still in force at the
// horizon). So every instance from the start on has the offset the tz
// database gives it. nil when the zone is not known.
func ianaTimezone(id string, year int) *goical.Component {
	loc := ianaLocation(id)
	if loc == nil {
		return nil
	}
	// Starts in 1970, 1900 or 1800: few distinct VTIMEZONEs per zone, so
	// the cache below bounds the work a calendar of many events costs.
	from := tzFirstYear
	switch {
	case year-1 >= tzFirstYear:
	case year-1 >= 1900:
		from = 1900
	default:
		from = 1800
	}
	key := id + "|" + strconv.Itoa(from)
	ianaCache.Lock()
	if b, ok := ianaCache.m[key]; ok {
		ianaCache.Unlock()
		return decodeTZ(b)
	}
	ianaCache.Unlock()
	tz := buildTZ(id, loc, from, TZHorizon)
	var buf strings.Builder
	cal := goical.NewCalendar()
	cal.Props.SetText("PRODID", DefaultProdID)
	cal.Props.SetText("VERSION", "2.0")
	cal.Children = append(cal.Children, tz)
	if err := goical.NewEncoder(&buf).Encode(cal); err == nil {
		ianaCache.Lock()
		if ianaCache.m == nil || len(ianaCache.m) > 4096 {
			ianaCache.m = map[string][]byte{}
		}
		ianaCache.m[key] = []byte(buf.String())
		ianaCache.Unlock()
	}
	return tz
}

func decodeTZ(b []byte) *goical.Component {
	cal, err := goical.NewDecoder(strings.NewReader(string(b))).Decode()
	if err != nil || len(cal.Children) != 1 {
		return nil
	}
	return cal.Children[0]
}

// transition is one change of a zone's offset.
type transition struct {
	wall     time.Time // wall clock just before the change (in the old offset)
	from, to int
	name     string
	dst      bool
}

// ruleKey says which yearly rule a transition follows.
func (t transition) ruleKey() string {
	return fmt.Sprintf("%v|%d|%d|%s|%d|%s|%s", t.dst, t.from, t.to, t.name, t.wall.Month(), weekdayRule(t.wall), t.wall.Format("150405"))
}

// weekdayRule is the BYDAY of a date: its n-th weekday of the month, or -1
// (the last) when it is in the month's last seven days.
func weekdayRule(w time.Time) string {
	n := (w.Day()-1)/7 + 1
	if w.Day()+7 > daysIn(w.Month(), w.Year()) {
		n = -1
	}
	return strconv.Itoa(n) + dayNames[w.Weekday()]
}

// transitions lists the changes of loc's offset (or name) between the
// first of January of from and the end of to.
func transitions(loc *time.Location, from, to int) (first transition, out []transition) {
	start := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(to+1, 1, 1, 0, 0, 0, 0, time.UTC)
	name, off := start.In(loc).Zone()
	first = transition{wall: start.Add(time.Duration(off) * time.Second), from: off, to: off, name: name, dst: start.In(loc).IsDST()}
	prevName, prevOff := name, off
	for t := start; t.Before(end); t = t.Add(24 * time.Hour) {
		next := t.Add(24 * time.Hour)
		n, o := next.In(loc).Zone()
		if o == prevOff && n == prevName {
			continue
		}
		lo, hi := t, next
		for hi.Sub(lo) > time.Second {
			mid := lo.Add(hi.Sub(lo) / 2)
			if mn, mo := mid.In(loc).Zone(); mo == prevOff && mn == prevName {
				lo = mid
			} else {
				hi = mid
			}
		}
		n, o = hi.In(loc).Zone()
		out = append(out, transition{wall: hi.Add(time.Duration(prevOff) * time.Second), from: prevOff, to: o, name: n, dst: hi.In(loc).IsDST()})
		prevName, prevOff = n, o
		// A second change the same day: look again from here.
		if nn, no := next.In(loc).Zone(); no != o || nn != n {
			t = hi.Add(-24*time.Hour + time.Second)
		}
	}
	return first, out
}

// buildTZ writes the transitions of loc from..to as a VTIMEZONE.
func buildTZ(id string, loc *time.Location, from, to int) *goical.Component {
	first, trs := transitions(loc, from, to)
	type run struct {
		tr    transition
		last  time.Time
		count int
	}
	var runs []*run
	open := map[string]*run{}
	for _, t := range trs {
		k := t.ruleKey()
		if r, ok := open[k]; ok && r.last.Year() == t.wall.Year()-1 {
			r.last = t.wall
			r.count++
			continue
		}
		r := &run{tr: t, last: t.wall, count: 1}
		open[k] = r
		runs = append(runs, r)
	}
	tz := goical.NewComponent("VTIMEZONE")
	tz.Props.Set(&goical.Prop{Name: "TZID", Params: goical.Params{}, Value: id})
	obs := func(t transition) *goical.Component {
		kind := "STANDARD"
		if t.dst {
			kind = "DAYLIGHT"
		}
		c := goical.NewComponent(kind)
		c.Props.Set(&goical.Prop{Name: "DTSTART", Params: goical.Params{}, Value: t.wall.Format("20060102T150405")})
		c.Props.Set(&goical.Prop{Name: "TZOFFSETFROM", Params: goical.Params{}, Value: fmtUTCOffset(t.from)})
		c.Props.Set(&goical.Prop{Name: "TZOFFSETTO", Params: goical.Params{}, Value: fmtUTCOffset(t.to)})
		if t.name != "" {
			c.Props.SetText("TZNAME", t.name)
		}
		return c
	}
	// The offset in force at the start, so nothing from then on falls
	// before the first observance.
	tz.Children = append(tz.Children, obs(first))
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].tr.wall.Before(runs[j].tr.wall) })
	for _, r := range runs {
		c := obs(r.tr)
		if r.count > 1 || r.last.Year() >= to {
			rule := "FREQ=YEARLY;BYMONTH=" + strconv.Itoa(int(r.tr.wall.Month())) + ";BYDAY=" + weekdayRule(r.tr.wall)
			if r.last.Year() < to {
				// The rule ended: UNTIL a day after its last change. RFC
				// 5545 wants UNTIL in UTC here, but some readers
				// (dateutil's tzical) compare it with the local time; a
				// day later than the last change (a year before the next
				// would-be one) is right read either way.
				rule += ";UNTIL=" + r.last.Add(24*time.Hour).Format("20060102T150405Z")
			}
			c.Props.Set(&goical.Prop{Name: "RRULE", Params: goical.Params{}, Value: rule})
		}
		tz.Children = append(tz.Children, c)
	}
	return tz
}

// fmtUTCOffset writes an RFC 5545 utc-offset, with seconds when there are
// any (LMT offsets).
func fmtUTCOffset(sec int) string {
	s := fmtOffset(sec)
	if r := abs(sec) % 60; r != 0 {
		s += fmt.Sprintf("%02d", r)
	}
	return s
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseUTCOffset reads an RFC 5545 utc-offset (+HHMM or +HHMMSS).
func parseUTCOffset(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if !offsetRE.MatchString(s) {
		return 0, false
	}
	h, _ := strconv.Atoi(s[1:3])
	m, _ := strconv.Atoi(s[3:5])
	sec := 0
	if len(s) == 7 {
		sec, _ = strconv.Atoi(s[5:7])
	}
	off := h*3600 + m*60 + sec
	if s[0] == '-' {
		off = -off
	}
	return off, true
}

// sourceOffset gives the UTC offset the source calendar's (valid)
// VTIMEZONE id gives the wall clock w: that of the observance with the
// latest onset (DTSTART, RRULE or RDATE) at or before w. ok is false when
// there is no such VTIMEZONE or no onset before w.
func (c *conv) sourceOffset(id string, w time.Time) (off int, ok bool) {
	src, found := c.cal.vtimezone[id]
	if !found || brokenTZ(src) != "" {
		return 0, false
	}
	var best time.Time
	for _, ch := range src.Children {
		if ch.Name != "STANDARD" && ch.Name != "DAYLIGHT" {
			continue
		}
		start, _ := parseTime(ch.Get("DTSTART").Value)
		to, _ := parseUTCOffset(ch.Get("TZOFFSETTO").Value)
		onsets := []time.Time{start.t}
		for _, p := range ch.All("RRULE") {
			if !simpleYearly(p.Value) || w.Year()-start.t.Year() > 1000 {
				return 0, false // not worth the expansion; the caller falls back
			}
			opt, err := rrule.StrToROption(p.Value)
			if err != nil {
				continue
			}
			opt.Dtstart = start.t
			if r, err := rrule.NewRRule(*opt); err == nil {
				onsets = append(onsets, r.Before(w, true))
			}
		}
		for _, p := range ch.All("RDATE") {
			for _, v := range strings.Split(p.Value, ",") {
				if t, err := parseTime(v); err == nil {
					onsets = append(onsets, t.t)
				}
			}
		}
		for _, t := range onsets {
			if !t.IsZero() && !t.After(w) && (!ok || t.After(best)) {
				best, off, ok = t, to, true
			}
		}
	}
	return off, ok
}

// simpleYearly says whether an observance rule is the yearly kind zones
// use (FREQ=YEARLY with month, weekday and month-day parts): cheap to
// expand whatever the input, unlike a hostile FREQ=SECONDLY.
func simpleYearly(rule string) bool {
	yearly := false
	for _, part := range strings.Split(strings.ToUpper(strings.TrimSpace(rule)), ";") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "FREQ":
			yearly = v == "YEARLY"
		case "BYMONTH", "BYDAY", "BYMONTHDAY", "UNTIL", "COUNT", "INTERVAL", "WKST":
		default:
			return false
		}
	}
	return yearly
}
