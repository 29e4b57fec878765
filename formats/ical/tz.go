package ical

import (
	"strconv"
	"time"

	goical "github.com/emersion/go-ical"
)

// ianaTimezone makes a VTIMEZONE for an IANA zone name from Go's zone data:
// the transitions of the given year, each repeated yearly on its weekday
// rule (the n-th or last weekday of its month). nil when the zone is not
// known.
func ianaTimezone(id string, year int) *goical.Component {
	if id == "" || id == "Local" {
		return nil
	}
	loc, err := time.LoadLocation(id)
	if err != nil {
		return nil
	}
	tz := goical.NewComponent("VTIMEZONE")
	tz.Props.Set(&goical.Prop{Name: "TZID", Params: goical.Params{}, Value: id})
	start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(1, 0, 0)
	_, prevOff := start.In(loc).Zone()
	found := false
	for t := start; t.Before(end); t = t.Add(24 * time.Hour) {
		next := t.Add(24 * time.Hour)
		_, off := next.In(loc).Zone()
		if off == prevOff {
			continue
		}
		// Binary search the transition instant inside the day.
		lo, hi := t, next
		for hi.Sub(lo) > time.Second {
			mid := lo.Add(hi.Sub(lo) / 2)
			if _, o := mid.In(loc).Zone(); o == prevOff {
				lo = mid
			} else {
				hi = mid
			}
		}
		name, _ := hi.In(loc).Zone()
		wall := hi.Add(time.Duration(prevOff) * time.Second) // wall clock before the change
		kind := "STANDARD"
		if off > prevOff {
			kind = "DAYLIGHT"
		}
		c := goical.NewComponent(kind)
		c.Props.Set(&goical.Prop{Name: "DTSTART", Params: goical.Params{}, Value: wall.Format("20060102T150405")})
		c.Props.Set(&goical.Prop{Name: "TZOFFSETFROM", Params: goical.Params{}, Value: fmtOffset(prevOff)})
		c.Props.Set(&goical.Prop{Name: "TZOFFSETTO", Params: goical.Params{}, Value: fmtOffset(off)})
		c.Props.Set(&goical.Prop{Name: "TZNAME", Params: goical.Params{}, Value: name})
		n := (wall.Day()-1)/7 + 1
		if wall.Day()+7 > daysIn(wall.Month(), wall.Year()) {
			n = -1
		}
		c.Props.Set(&goical.Prop{Name: "RRULE", Params: goical.Params{},
			Value: "FREQ=YEARLY;BYMONTH=" + strconv.Itoa(int(wall.Month())) + ";BYDAY=" + strconv.Itoa(n) + dayNames[wall.Weekday()]})
		tz.Children = append(tz.Children, c)
		prevOff = off
		found = true
	}
	if !found {
		name, off := start.In(loc).Zone()
		c := goical.NewComponent("STANDARD")
		c.Props.Set(&goical.Prop{Name: "DTSTART", Params: goical.Params{}, Value: "19700101T000000"})
		c.Props.Set(&goical.Prop{Name: "TZOFFSETFROM", Params: goical.Params{}, Value: fmtOffset(off)})
		c.Props.Set(&goical.Prop{Name: "TZOFFSETTO", Params: goical.Params{}, Value: fmtOffset(off)})
		c.Props.Set(&goical.Prop{Name: "TZNAME", Params: goical.Params{}, Value: name})
		tz.Children = append(tz.Children, c)
	}
	return tz
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
