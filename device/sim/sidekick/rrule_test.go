package sidekick

import (
	"testing"
	"time"
)

// Dates below were worked out by hand from a 2009 wall calendar (and the
// leap year 2012), not by running the code.
func TestOccurrencesHandChecked(t *testing.T) {
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, time.UTC) }
	days := func(hh, mm int, ymd ...int) []time.Time {
		var out []time.Time
		for k := 0; k < len(ymd); k += 3 {
			out = append(out, at(ymd[k], time.Month(ymd[k+1]), ymd[k+2], hh, mm))
		}
		return out
	}
	tests := []struct {
		rule  string
		start time.Time
		want  []time.Time
		n     int // when want is long: only its length and last element are given
		last  time.Time
	}{
		{rule: "D1 #5", start: at(2009, 8, 22, 14, 30),
			want: days(14, 30, 2009, 8, 22, 2009, 8, 23, 2009, 8, 24, 2009, 8, 25, 2009, 8, 26)},
		// #0 = forever: the first 20, every other day: Jan 1 + 38 days = Feb 8.
		{rule: "D2 #0", start: at(2009, 1, 1, 9, 0), n: 20, last: at(2009, 2, 8, 9, 0)},
		// No duration: #2.
		{rule: "D7", start: at(2009, 5, 7, 8, 0), want: days(8, 0, 2009, 5, 7, 2009, 5, 14)},
		// 2009-03-02 is a Monday.
		{rule: "W1 MO WE FR #10", start: at(2009, 3, 2, 10, 0),
			want: days(10, 0, 2009, 3, 2, 2009, 3, 4, 2009, 3, 6, 2009, 3, 9, 2009, 3, 11, 2009, 3, 13,
				2009, 3, 16, 2009, 3, 18, 2009, 3, 20, 2009, 3, 23)},
		// 2009-11-03 is a Tuesday; the end date is inclusive of Dec 29 18:00.
		{rule: "W2 TU 20091231T000000Z", start: at(2009, 11, 3, 18, 0),
			want: days(18, 0, 2009, 11, 3, 2009, 11, 17, 2009, 12, 1, 2009, 12, 15, 2009, 12, 29)},
		{rule: "W1 #8", start: at(2009, 1, 10, 18, 45), n: 8, last: at(2009, 2, 28, 18, 45)},
		{rule: "W1", start: at(2009, 5, 7, 12, 0), want: days(12, 0, 2009, 5, 7, 2009, 5, 14)},
		// First Mondays of 2009.
		{rule: "MP1 1+ MO #6", start: at(2009, 1, 5, 9, 0),
			want: days(9, 0, 2009, 1, 5, 2009, 2, 2, 2009, 3, 2, 2009, 4, 6, 2009, 5, 4, 2009, 6, 1)},
		// Second-to-last Fridays: Jan 2009 Fridays 2 9 16 23 30; Feb 6 13 20 27; Mar 6 … 27; Apr 3 … 24.
		{rule: "MP1 2- FR #4", start: at(2009, 1, 23, 17, 0),
			want: days(17, 0, 2009, 1, 23, 2009, 2, 20, 2009, 3, 20, 2009, 4, 17)},
		// First and third Thursdays every other month.
		{rule: "MP2 1+ 3+ TH #6", start: at(2009, 1, 1, 19, 0),
			want: days(19, 0, 2009, 1, 1, 2009, 1, 15, 2009, 3, 5, 2009, 3, 19, 2009, 5, 7, 2009, 5, 21)},
		// Last Sundays until the end of 2009.
		{rule: "MP1 1- SU 20091231T000000Z", start: at(2009, 9, 27, 11, 0),
			want: days(11, 0, 2009, 9, 27, 2009, 10, 25, 2009, 11, 29, 2009, 12, 27)},
		{rule: "MD1 15 #12", start: at(2009, 1, 15, 8, 0), n: 12, last: at(2009, 12, 15, 8, 0)},
		{rule: "MD1 LD #3", start: at(2009, 1, 31, 0, 0),
			want: days(0, 0, 2009, 1, 31, 2009, 2, 28, 2009, 3, 31)},
		{rule: "MD1 1 15 #6", start: at(2009, 2, 1, 7, 30),
			want: days(7, 30, 2009, 2, 1, 2009, 2, 15, 2009, 3, 1, 2009, 3, 15, 2009, 4, 1, 2009, 4, 15)},
		// The 31st is skipped in months without one.
		{rule: "MD1 31 #3", start: at(2009, 1, 31, 12, 0),
			want: days(12, 0, 2009, 1, 31, 2009, 3, 31, 2009, 5, 31)},
		{rule: "YM1 6 #0", start: at(2009, 6, 12, 0, 0), n: 20, last: at(2028, 6, 12, 0, 0)},
		{rule: "YM1 3 9 #4", start: at(2009, 3, 10, 20, 0),
			want: days(20, 0, 2009, 3, 10, 2009, 9, 10, 2010, 3, 10, 2010, 9, 10)},
		// Day 100 is April 10, but April 9 in the leap year 2012.
		{rule: "YD1 100 #5", start: at(2009, 4, 10, 9, 0),
			want: days(9, 0, 2009, 4, 10, 2010, 4, 10, 2011, 4, 10, 2012, 4, 9, 2013, 4, 10)},
		{rule: "YD1", start: at(2009, 7, 4, 0, 0), want: days(0, 0, 2009, 7, 4, 2010, 7, 4)},
		// A count and an end date: the first one written wins.
		{rule: "D1 #3 20090110T000000Z", start: at(2009, 1, 1, 9, 0),
			want: days(9, 0, 2009, 1, 1, 2009, 1, 2, 2009, 1, 3)},
	}
	for _, tc := range tests {
		r, err := parseRRule(tc.rule)
		if err != nil {
			t.Errorf("%s: %v", tc.rule, err)
			continue
		}
		got := occurrences(r, tc.start)
		if tc.want != nil {
			if !equalTimes(got, tc.want) {
				t.Errorf("%s from %v:\n got %v\nwant %v", tc.rule, tc.start, got, tc.want)
			}
			continue
		}
		if len(got) != tc.n || !got[len(got)-1].Equal(tc.last) || !got[0].Equal(tc.start) {
			t.Errorf("%s from %v: got %d ending %v, want %d ending %v", tc.rule, tc.start, len(got), got[len(got)-1], tc.n, tc.last)
		}
	}
}

func equalTimes(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

func TestParseRRuleErrors(t *testing.T) {
	for _, s := range []string{"", "X1", "D0", "Dx", "W1 XX", "MD1 32", "YM1 13", "YD1 367", "MP1 6+ MO", "D1 #-1", "D1 2009"} {
		if _, err := parseRRule(s); err == nil {
			t.Errorf("parseRRule(%q) succeeded", s)
		}
	}
}

func TestNthWeekday(t *testing.T) {
	// October 2009: Thursday the 1st … Saturday the 31st.
	for _, tc := range []struct {
		p    int
		wd   time.Weekday
		day  int
		okay bool
	}{
		{1, time.Thursday, 1, true}, {1, time.Sunday, 4, true}, {5, time.Saturday, 31, true},
		{-1, time.Saturday, 31, true}, {-1, time.Friday, 30, true}, {-5, time.Thursday, 1, true},
		{5, time.Sunday, 0, false}, {-5, time.Sunday, 0, false},
	} {
		d, ok := nthWeekday(2009, time.October, tc.p, tc.wd)
		if ok != tc.okay || (ok && d.Day() != tc.day) {
			t.Errorf("nthWeekday(%d, %v) = %v, %v; want day %d, %v", tc.p, tc.wd, d, ok, tc.day, tc.okay)
		}
	}
}
