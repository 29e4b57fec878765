package sidekick

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// vCalendar 1.0 recurrence rules, basic grammar only (vCal 1.0 §2.3.12,
// from XAPIA CSA), which is all phones wrote:
//
//	D<n>                      every n days
//	W<n> [SU MO …]            every n weeks on those days (default: DTSTART's)
//	MP<n> [1+ 2- …] [SU MO …] every n months on the n-th (from the end with -)
//	                          weekday (default: DTSTART's position and day)
//	MD<n> [1 15 1- LD …]      every n months on those days (LD = 1- = last)
//	YM<n> [1 … 12]            every n years in those months on DTSTART's day
//	YD<n> [1 … 366]           every n years on those days of the year
//
// then a duration: #<count> (#0 = forever) or an end date; with neither the
// count is 2. The meaning used here, written down because the spec is thin:
//
//   - the count counts occurrences, DTSTART included (libical maps #n to
//     COUNT=n), and DTSTART is always the first occurrence;
//   - an end date is inclusive: an occurrence starting at or before it
//     counts; floating times compare as if they were UTC;
//   - weeks start on Monday (for W with an interval above 1);
//   - days that do not exist in a month or year (MD 31 in April, YD 366 in
//     a common year, YM on the 30th in February) are skipped, not moved;
//   - a rule that repeats forever yields its first foreverCount occurrences.
type rrule struct {
	kind     string // D, W, MP, MD, YM, YD
	interval int
	days     []time.Weekday // W, MP
	pos      []int          // MP: 1…5, -1…-5
	nums     []int          // MD: 1…31, -1…-31 (LD = -1); YM: months; YD: days
	count    int            // occurrences; 0 = forever
	until    time.Time      // zero when none
}

const (
	foreverCount = 20
	maxExpand    = 5000 // safety net for an end date far away
	maxPeriods   = 5000 // and for a rule that matches no day at all
)

var weekdayCodes = []string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"} // index = time.Weekday

// parseRRule reads a basic-grammar vCal 1.0 rule.
func parseRRule(s string) (rrule, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return rrule{}, fmt.Errorf("sidekick: empty rrule")
	}
	var r rrule
	head := f[0]
	for _, k := range []string{"MP", "MD", "YM", "YD", "D", "W"} {
		if strings.HasPrefix(head, k) {
			r.kind = k
			break
		}
	}
	if r.kind == "" {
		return rrule{}, fmt.Errorf("sidekick: rrule %q: unknown frequency", s)
	}
	n, err := strconv.Atoi(head[len(r.kind):])
	if err != nil || n < 1 {
		return rrule{}, fmt.Errorf("sidekick: rrule %q: bad interval", s)
	}
	r.interval = n
	r.count = 2      // vCal 1.0: no duration means #2
	counted := false // a count and an end date may both appear; the first wins
	for _, t := range f[1:] {
		switch {
		case strings.HasPrefix(t, "#"):
			c, err := strconv.Atoi(t[1:])
			if err != nil || c < 0 {
				return rrule{}, fmt.Errorf("sidekick: rrule %q: bad count %q", s, t)
			}
			if r.until.IsZero() {
				r.count, counted = c, true
			}
		case len(t) >= 15 && t[8] == 'T':
			u, err := time.Parse("20060102T150405", strings.TrimSuffix(t, "Z"))
			if err != nil {
				return rrule{}, fmt.Errorf("sidekick: rrule %q: bad end date %q", s, t)
			}
			if !counted {
				r.until, r.count = u, -1
			}
		case slices.Contains(weekdayCodes, t) && (r.kind == "W" || r.kind == "MP"):
			r.days = append(r.days, time.Weekday(slices.Index(weekdayCodes, t)))
		case r.kind == "MP" && len(t) == 2 && (t[1] == '+' || t[1] == '-') && t[0] >= '1' && t[0] <= '5':
			p := int(t[0] - '0')
			if t[1] == '-' {
				p = -p
			}
			r.pos = append(r.pos, p)
		case r.kind == "MD" && t == "LD":
			r.nums = append(r.nums, -1)
		case r.kind == "MD" || r.kind == "YM" || r.kind == "YD":
			neg := strings.HasSuffix(t, "-")
			v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(t, "+"), "-"))
			hi := map[string]int{"MD": 31, "YM": 12, "YD": 366}[r.kind]
			if err != nil || v < 1 || v > hi || (neg && r.kind != "MD") {
				return rrule{}, fmt.Errorf("sidekick: rrule %q: bad %s modifier %q", s, r.kind, t)
			}
			if neg {
				v = -v
			}
			r.nums = append(r.nums, v)
		default:
			return rrule{}, fmt.Errorf("sidekick: rrule %q: unexpected %q", s, t)
		}
	}
	return r, nil
}

// occurrences walks the calendar from start and returns the start times the
// rule means (see rrule for the reading used).
func occurrences(r rrule, start time.Time) []time.Time {
	limit := r.count
	switch {
	case limit == 0:
		limit = foreverCount
	case limit < 0: // end date
		limit = maxExpand
	}
	clock := start.Sub(dateOf(start))
	out := []time.Time{start}
	add := func(day time.Time) bool { // false when done
		t := day.Add(clock)
		if !t.After(start) {
			return true // before DTSTART, or DTSTART itself
		}
		if !r.until.IsZero() && t.After(r.until) {
			return false
		}
		out = append(out, t)
		return len(out) < limit
	}
	if limit == 1 {
		return out
	}
	d0 := dateOf(start)
	y0, m0, _ := d0.Date()
	switch r.kind {
	case "D":
		for k := 1; k <= maxPeriods; k++ {
			if !add(d0.AddDate(0, 0, k*r.interval)) {
				return out
			}
		}
	case "W":
		days := r.days
		if len(days) == 0 {
			days = []time.Weekday{d0.Weekday()}
		}
		monday := d0.AddDate(0, 0, -((int(d0.Weekday()) + 6) % 7))
		for w := 0; w <= maxPeriods; w += r.interval {
			for k := range 7 {
				d := monday.AddDate(0, 0, 7*w+k)
				if slices.Contains(days, d.Weekday()) && !add(d) {
					return out
				}
			}
		}
	case "MP":
		days, pos := r.days, r.pos
		if len(days) == 0 {
			days = []time.Weekday{d0.Weekday()}
		}
		if len(pos) == 0 {
			pos = []int{(d0.Day()-1)/7 + 1}
		}
		for k := 0; k <= maxPeriods; k += r.interval {
			var ds []time.Time
			for _, p := range pos {
				for _, wd := range days {
					if d, ok := nthWeekday(y0, m0+time.Month(k), p, wd); ok {
						ds = append(ds, d)
					}
				}
			}
			if !addSorted(ds, add) {
				return out
			}
		}
	case "MD":
		nums := r.nums
		if len(nums) == 0 {
			nums = []int{d0.Day()}
		}
		for k := 0; k <= maxPeriods; k += r.interval {
			first := time.Date(y0, m0+time.Month(k), 1, 0, 0, 0, 0, time.UTC)
			n := daysIn(first)
			var ds []time.Time
			for _, v := range nums {
				if v < 0 {
					v = n + 1 + v
				}
				if v >= 1 && v <= n {
					ds = append(ds, first.AddDate(0, 0, v-1))
				}
			}
			if !addSorted(ds, add) {
				return out
			}
		}
	case "YM":
		nums := r.nums
		if len(nums) == 0 {
			nums = []int{int(m0)}
		}
		for k := 0; k <= maxPeriods; k += r.interval {
			var ds []time.Time
			for _, m := range nums {
				first := time.Date(y0+k, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
				if d0.Day() <= daysIn(first) {
					ds = append(ds, first.AddDate(0, 0, d0.Day()-1))
				}
			}
			if !addSorted(ds, add) {
				return out
			}
		}
	case "YD":
		nums := r.nums
		if len(nums) == 0 {
			nums = []int{d0.YearDay()}
		}
		for k := 0; k <= maxPeriods; k += r.interval {
			jan1 := time.Date(y0+k, 1, 1, 0, 0, 0, 0, time.UTC)
			var ds []time.Time
			for _, v := range nums {
				if v <= jan1.AddDate(1, 0, -1).YearDay() {
					ds = append(ds, jan1.AddDate(0, 0, v-1))
				}
			}
			if !addSorted(ds, add) {
				return out
			}
		}
	}
	return out
}

func addSorted(ds []time.Time, add func(time.Time) bool) bool {
	slices.SortFunc(ds, func(a, b time.Time) int { return a.Compare(b) })
	ds = slices.Compact(ds)
	for _, d := range ds {
		if !add(d) {
			return false
		}
	}
	return true
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// daysIn is the number of days in first's month.
func daysIn(first time.Time) int { return first.AddDate(0, 1, -1).Day() }

// nthWeekday is the p-th (from the end when negative) weekday wd of the
// month that month (normalised) falls in.
func nthWeekday(year int, month time.Month, p int, wd time.Weekday) (time.Time, bool) {
	first := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	n := daysIn(first)
	if p > 0 {
		d := 1 + (int(wd)-int(first.Weekday())+7)%7 + 7*(p-1)
		return first.AddDate(0, 0, d-1), d <= n
	}
	last := first.AddDate(0, 0, n-1)
	d := n - (int(last.Weekday())-int(wd)+7)%7 - 7*(-p-1)
	return first.AddDate(0, 0, d-1), d >= 1
}
