package ical

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Time value kinds.
const (
	tDate     = iota // VALUE=DATE
	tFloating        // local time, no zone
	tUTC             // …Z
	tZoned           // TZID=…
)

// tval is a parsed DATE or DATE-TIME. t holds the wall clock in UTC's
// location for every kind except that tUTC is a real instant.
type tval struct {
	t    time.Time
	kind int
	tzid string
}

func (v tval) isZero() bool { return v.t.IsZero() }

// format writes the value as iCalendar text.
func (v tval) format() string {
	switch v.kind {
	case tDate:
		return v.t.Format("20060102")
	case tUTC:
		return v.t.UTC().Format("20060102T150405Z")
	}
	return v.t.Format("20060102T150405")
}

// parseTime reads the date and date-time forms phones write:
// 20040123, 2004-01-23, 20040123T120000, 20040123T1200, 2004-01-23T12:00:00,
// each with an optional Z.
func parseTime(s string) (tval, error) {
	s = strings.TrimSpace(s)
	orig := s
	utc := false
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		utc = true
		s = s[:len(s)-1]
	}
	s = strings.NewReplacer("-", "", ":", "").Replace(s)
	var layout string
	switch len(s) {
	case 8:
		if utc {
			return tval{}, fmt.Errorf("bad date %q", orig)
		}
		t, err := time.Parse("20060102", s)
		if err != nil {
			return tval{}, fmt.Errorf("bad date %q", orig)
		}
		return tval{t: t, kind: tDate}, nil
	case 15:
		layout = "20060102T150405"
	case 13:
		layout = "20060102T1504"
	default:
		return tval{}, fmt.Errorf("bad date-time %q", orig)
	}
	// ISO 8601's 24:00 (end of the day, vCalendar 1.0 DTEND T240000) is the
	// next day's 00:00.
	endOfDay := false
	if s[9:11] == "24" && strings.Trim(s[11:], "0") == "" {
		s = s[:9] + "00" + s[11:]
		endOfDay = true
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return tval{}, fmt.Errorf("bad date-time %q", orig)
	}
	if endOfDay {
		t = t.AddDate(0, 0, 1)
	}
	if utc {
		return tval{t: t, kind: tUTC}, nil
	}
	return tval{t: t, kind: tFloating}, nil
}

// vtz is a vCalendar 1.0 TZ with its DAYLIGHT windows.
type vtz struct {
	std      int // seconds east of UTC
	windows  []dstWindow
	hasZone  bool
	original string
}

type dstWindow struct {
	offset     int
	start, end time.Time // wall clock of the standard time (or UTC when written with Z)
	startUTC   bool
	endUTC     bool
}

// parseOffset reads +09, -05:00, +0530, -7.
func parseOffset(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty offset")
	}
	sign := 1
	switch s[0] {
	case '+':
		s = s[1:]
	case '-':
		sign = -1
		s = s[1:]
	}
	s = strings.ReplaceAll(s, ":", "")
	var h, m int
	var err error
	switch len(s) {
	case 1, 2:
		h, err = strconv.Atoi(s)
	case 3:
		h, err = strconv.Atoi(s[:1])
		if err == nil {
			m, err = strconv.Atoi(s[1:])
		}
	case 4:
		h, err = strconv.Atoi(s[:2])
		if err == nil {
			m, err = strconv.Atoi(s[2:])
		}
	default:
		return 0, fmt.Errorf("bad offset %q", s)
	}
	if err != nil || h > 14 || m > 59 {
		return 0, fmt.Errorf("bad offset %q", s)
	}
	return sign * (h*3600 + m*60), nil
}

// offsetAt gives the UTC offset that applies to the local wall clock w.
func (z *vtz) offsetAt(w time.Time) int {
	for _, win := range z.windows {
		start := win.start
		if win.startUTC {
			start = start.Add(time.Duration(z.std) * time.Second)
		}
		end := win.end
		if win.endUTC {
			end = end.Add(time.Duration(win.offset) * time.Second)
		}
		if !w.Before(start) && w.Before(end) {
			return win.offset
		}
	}
	return z.std
}

// toUTC turns a floating wall clock into an instant with the vCal zone.
func (z *vtz) toUTC(w time.Time) time.Time {
	return w.Add(-time.Duration(z.offsetAt(w)) * time.Second)
}

// fmtDuration writes an RFC 5545 duration.
func fmtDuration(d time.Duration) string {
	if d == 0 {
		return "PT0S"
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	b.WriteByte('P')
	sec := int64(d / time.Second)
	days := sec / 86400
	sec %= 86400
	if days > 0 && sec == 0 && days%7 == 0 {
		fmt.Fprintf(&b, "%dW", days/7)
		return b.String()
	}
	if days > 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	if sec > 0 {
		b.WriteByte('T')
		if h := sec / 3600; h > 0 {
			fmt.Fprintf(&b, "%dH", h)
		}
		if m := sec % 3600 / 60; m > 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
		if s := sec % 60; s > 0 {
			fmt.Fprintf(&b, "%dS", s)
		}
	}
	return b.String()
}

// parseDuration reads an ISO 8601 / RFC 5545 duration (P1D, PT5M, -PT1H, P1W).
func parseDuration(s string) (time.Duration, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	neg := false
	if strings.HasPrefix(s, "-") {
		neg = true
		s = s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return 0, false
	}
	s = s[1:]
	var d time.Duration
	inTime := false
	num := ""
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			num += string(c)
		case c == 'T':
			inTime = true
		default:
			n, err := strconv.Atoi(num)
			if err != nil || n > 1<<20 {
				return 0, false
			}
			num = ""
			switch {
			case c == 'W' && !inTime:
				d += time.Duration(n) * 7 * 24 * time.Hour
			case c == 'D' && !inTime:
				d += time.Duration(n) * 24 * time.Hour
			case c == 'H' && inTime:
				d += time.Duration(n) * time.Hour
			case c == 'M' && inTime:
				d += time.Duration(n) * time.Minute
			case c == 'S' && inTime:
				d += time.Duration(n) * time.Second
			default:
				return 0, false
			}
		}
	}
	if num != "" {
		return 0, false
	}
	if neg {
		d = -d
	}
	return d, true
}
