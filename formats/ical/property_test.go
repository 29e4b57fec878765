package ical

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The occurrence-set property (issue 16, "Done when"): for every rule form
// the converter accepts, the first 100 occurrences of the input rule and of
// the output rule are the same. The input side is expanded by refVCal (a
// reading of the vCalendar 1.0 basic grammar written for this test alone,
// day by day, sharing no code with the converter) or, for RFC 5545 rules,
// by python-dateutil; the output side always by python-dateutil through
// testdata/expand.py. A conversion that drops or adds an occurrence fails.

const propLimit = 100

// refVCal expands a vCalendar 1.0 basic-grammar rule. start is DTSTART's
// wall clock (a real instant when utc); the result holds wall clocks. The
// rule's end date, when given, is in DTSTART's frame; at midnight (or a
// date) it means the whole day. DTSTART is always the first occurrence.
func refVCal(t *testing.T, start time.Time, dateOnly bool, rule string, limit int) []time.Time {
	t.Helper()
	toks := strings.Fields(rule)
	head := toks[0]
	freq := strings.TrimRight(head, "0123456789")
	interval, err := strconv.Atoi(head[len(freq):])
	if err != nil {
		t.Fatalf("ref: %q", head)
	}
	count, hasCount := 2, false
	var end time.Time
	hasEnd := false
	type wdSpec struct {
		wd  time.Weekday
		occ int // 0: any; n>0 n-th; n<0 n-th from the end
	}
	var wds []wdSpec
	var nums []int
	var pending []int
	wdOf := map[string]time.Weekday{"SU": 0, "MO": 1, "TU": 2, "WE": 3, "TH": 4, "FR": 5, "SA": 6}
	for _, tk := range toks[1:] {
		if wd, ok := wdOf[tk]; ok {
			if freq == "MP" {
				occs := pending
				if len(occs) == 0 {
					occs = []int{(start.Day()-1)/7 + 1}
				}
				for _, o := range occs {
					wds = append(wds, wdSpec{wd, o})
				}
				continue
			}
			wds = append(wds, wdSpec{wd, 0})
			continue
		}
		switch {
		case tk[0] == '#':
			count, _ = strconv.Atoi(tk[1:])
			hasCount = true
		case len(tk) >= 8 && tk[0] >= '1' && tk[0] <= '9' && (len(tk) == 8 || strings.Contains(tk, "T")):
			layout := "20060102T150405"
			if len(tk) == 8 {
				layout = "20060102"
			}
			e, err := time.Parse(layout, strings.TrimSuffix(tk, "Z"))
			if err != nil {
				t.Fatalf("ref: %q", tk)
			}
			if e.Hour() == 0 && e.Minute() == 0 && e.Second() == 0 {
				e = e.Add(24*time.Hour - time.Second)
			}
			end, hasEnd = e, true
		case tk == "LD":
			nums = append(nums, -1)
		default:
			neg := strings.HasSuffix(tk, "-")
			n, err := strconv.Atoi(strings.TrimRight(tk, "+-"))
			if err != nil {
				t.Fatalf("ref: %q", tk)
			}
			if neg {
				n = -n
			}
			if freq == "MP" {
				if len(wds) > 0 && len(pending) > 0 && wds[len(wds)-1].occ == pending[len(pending)-1] {
					pending = nil // a new group of weeks
				}
				pending = append(pending, n)
			} else {
				nums = append(nums, n)
			}
		}
	}
	if freq == "MP" && len(pending) > 0 && (len(wds) == 0 || wds[len(wds)-1].occ != pending[len(pending)-1]) {
		for _, o := range pending {
			wds = append(wds, wdSpec{start.Weekday(), o})
		}
	}
	if hasEnd && !hasCount {
		count = 0
	}
	if !hasEnd && hasCount && count == 0 {
		count = 0 // forever
	}
	s0 := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	monday := func(d time.Time) time.Time { return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) }
	dim := func(d time.Time) int { return time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day() }
	matches := func(d time.Time) bool {
		switch freq {
		case "D":
			return int(d.Sub(s0).Hours()/24+0.5)%interval == 0
		case "W":
			if int(monday(d).Sub(monday(s0)).Hours()/24+0.5)/7%interval != 0 {
				return false
			}
			if len(wds) == 0 {
				return d.Weekday() == start.Weekday()
			}
			for _, w := range wds {
				if w.wd == d.Weekday() {
					return true
				}
			}
			return false
		case "MP", "MD":
			if ((d.Year()-s0.Year())*12+int(d.Month())-int(s0.Month()))%interval != 0 {
				return false
			}
			if freq == "MD" {
				if len(nums) == 0 {
					return d.Day() == start.Day()
				}
				for _, n := range nums {
					if n > 0 && d.Day() == n || n < 0 && d.Day() == dim(d)+1+n {
						return true
					}
				}
				return false
			}
			if len(wds) == 0 {
				wds = []wdSpec{{start.Weekday(), (start.Day()-1)/7 + 1}}
			}
			for _, w := range wds {
				if w.wd != d.Weekday() {
					continue
				}
				if w.occ > 0 && (d.Day()-1)/7+1 == w.occ || w.occ < 0 && (dim(d)-d.Day())/7+1 == -w.occ {
					return true
				}
			}
			return false
		case "YM":
			if (d.Year()-s0.Year())%interval != 0 || d.Day() != start.Day() {
				return false
			}
			if len(nums) == 0 {
				return d.Month() == start.Month()
			}
			for _, n := range nums {
				if int(d.Month()) == n {
					return true
				}
			}
			return false
		case "YD":
			if (d.Year()-s0.Year())%interval != 0 {
				return false
			}
			if len(nums) == 0 {
				return d.Month() == start.Month() && d.Day() == start.Day()
			}
			for _, n := range nums {
				if d.YearDay() == n {
					return true
				}
			}
			return false
		}
		t.Fatalf("ref: frequency %q", freq)
		return false
	}
	tod := start.Sub(s0)
	out := []time.Time{start}
	for d := s0.AddDate(0, 0, 1); len(out) < limit && d.Year() < s0.Year()+1000; d = d.AddDate(0, 0, 1) {
		if count > 0 && len(out) >= count {
			break
		}
		if !matches(d) {
			continue
		}
		occ := d.Add(tod)
		if dateOnly {
			occ = d
		}
		if hasEnd && occ.After(end) {
			break
		}
		out = append(out, occ)
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func fmtOcc(ts []time.Time, layout string) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Format(layout))
	}
	return out
}

// Every vCalendar 1.0 basic-grammar form the converter turns into an RRULE:
// each frequency, with and without modifiers, each kind of limit (count,
// none = #2, #0 = forever, end date and time, end at midnight floating and
// UTC, a date end, both count and end with either ending first), and a
// DTSTART that is not itself an instance of the rule.
var vcalForms = []struct{ start, rule string }{
	{"20240101T090000", "D1 #5"},
	{"20240101T090000", "D2 #0"},
	{"20240101T090000", "D1"},
	{"20240101T090000", "D3 20240301T000000"},
	{"20240101T090000Z", "D1 20240110T000000Z"},
	{"20240101T090000Z", "D1 20240110T085959Z"},
	{"20060406T170000Z", "W1 TH 20060427T000000Z"},
	{"20101101T100000Z", "W1 MO 20101129T100000Z #5"},
	{"20101101T100000Z", "W1 MO 20101115T100000Z #5"},
	{"20101101T100000", "W1 MO 20101129T100000 #3"},
	{"20101103T100000", "W1 MO 20101129T100000 #3"},
	{"20101103T100000", "W1 MO 20101115T000000 #9"},
	{"20240101", "D2 20240110 #4"},
	{"20240101", "D2 20240106 #9"},
	{"20240101T090000", "W1 #0"},
	{"20240101T090000", "W2 MO WE FR #0"},
	{"20240103T090000", "W1 MO FR #10"},
	{"20240101T090000", "W3 SU SA 20250101T000000"},
	{"20240109T100000", "MP1 #0"},
	{"20240126T100000", "MP1 1- FR #0"},
	{"20240101T100000", "MP2 1+ 2- TU FR #0"},
	{"20240101T100000", "MP1 1+ 3+ MO 2- FR #0"},
	{"20240101T100000", "MP1 2+ #20"},
	{"20240131T080000", "MD1 #0"},
	{"20240131T080000", "MD1 LD #0"},
	{"20240130T080000", "MD1 LD #4"},
	{"20240101T080000", "MD2 1 15 3- #0"},
	{"20240115T080000", "MD1 31 #0"},
	{"20240610T080000", "YM1 6 7 #0"},
	{"20240229T080000", "YM1 #0"},
	{"20240101T080000", "YM2 1 2 3 #12"},
	{"20240101T080000", "YD1 1 100 366 #0"},
	{"20240305T080000", "YD1 #0"},
	{"20240305", "YD1 #0"},
	{"20240101", "W1 20240401"},
	{"20240101", "D10 #0"},
	{"20240102", "MP1 1+ MO #0"},
}

func TestPropertyVCalRules(t *testing.T) {
	var texts []string
	var refs [][]string
	for _, f := range vcalForms {
		res, err := Convert(vcs(f.start, f.rule), testOpt)
		if err != nil || len(res.Records) != 1 {
			t.Fatalf("%s %s: %v", f.start, f.rule, err)
		}
		r := res.Records[0]
		if strings.Contains(string(r.Data), PropVCalRRule) {
			t.Errorf("%s %s: not converted: %q", f.start, f.rule, r.Warnings)
		}
		texts = append(texts, string(r.Data))
		layout, dateOnly, utc := "20060102T150405", false, strings.HasSuffix(f.start, "Z")
		s := strings.TrimSuffix(f.start, "Z")
		if len(s) == 8 {
			layout, dateOnly = "20060102", true
		}
		st, err := time.Parse(layout, s)
		if err != nil {
			t.Fatal(err)
		}
		out := layout
		if utc {
			out += "Z"
		}
		refs = append(refs, fmtOcc(refVCal(t, st, dateOnly, f.rule, propLimit), out))
	}
	got := pyExpand(t, texts, propLimit)
	for i, f := range vcalForms {
		if fmt.Sprint(got[i]) != fmt.Sprint(refs[i]) {
			t.Errorf("%s %s: output rule gives\n%v\nthe vCalendar rule means\n%v\n%s", f.start, f.rule, got[i], refs[i], texts[i])
		}
	}
}

// RFC 5545 rules: what the converter passes through must expand as the
// input does; what it repairs (escaped separators, an UNTIL of the wrong
// value type) must expand as the one meaning of the input (the oracle
// rule). Off-step DTSTARTs count as the first instance (RFC 5545 §3.8.5.3),
// as expand.py reads every calendar.
var icalForms = []struct{ dtstart, rule, oracle string }{
	{"DTSTART:20240101T090000", "FREQ=DAILY;COUNT=10", ""},
	{"DTSTART:20240101T090000Z", "FREQ=DAILY;INTERVAL=3", ""},
	{"DTSTART;TZID=Europe/Berlin:20240101T090000", "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20241231T235959Z", ""},
	{"DTSTART;TZID=US/Eastern:20240101T090000", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU", ""},
	{"DTSTART:20240131T080000", "FREQ=MONTHLY;BYMONTHDAY=-1", ""},
	{"DTSTART:20240101T080000", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", ""},
	{"DTSTART:20240109T100000", "FREQ=MONTHLY;BYDAY=2TU;COUNT=30", ""},
	{"DTSTART;VALUE=DATE:20240229", "FREQ=YEARLY", ""},
	{"DTSTART;VALUE=DATE:20240101", "FREQ=YEARLY;BYMONTH=1,7;BYDAY=1SU", ""},
	{"DTSTART:20240101T080000", "FREQ=YEARLY;BYYEARDAY=1,-1;COUNT=20", ""},
	{"DTSTART:20240101T080000", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", ""},
	{"DTSTART:20240101T080000", "FREQ=HOURLY;INTERVAL=5;COUNT=50", ""},
	{"DTSTART:20240101T080000", "freq=weekly;byday=sa", "FREQ=WEEKLY;BYDAY=SA"},
	{"DTSTART:20240101T080000", `FREQ=DAILY\;COUNT=10`, "FREQ=DAILY;COUNT=10"},
	{"DTSTART:20240101T080000", `FREQ=WEEKLY\;BYDAY=MO\,TU`, "FREQ=WEEKLY;BYDAY=MO,TU"},
	{"DTSTART:20240101T080000Z", "FREQ=DAILY;UNTIL=20240105", "FREQ=DAILY;UNTIL=20240105T235959Z"},
	{"DTSTART:20240101T080000", "FREQ=DAILY;UNTIL=20240105", "FREQ=DAILY;UNTIL=20240105T235959"},
	{"DTSTART;TZID=Europe/Berlin:20240101T230000", "FREQ=DAILY;UNTIL=20240105", "FREQ=DAILY;UNTIL=20240105T225959Z"},
	{"DTSTART;TZID=Europe/Berlin:20240101T230000", "FREQ=DAILY;UNTIL=20240105T230000", "FREQ=DAILY;UNTIL=20240105T220000Z"},
	{"DTSTART;VALUE=DATE:20240101", "FREQ=DAILY;UNTIL=20240105T000000Z", "FREQ=DAILY;UNTIL=20240105"},
}

func TestPropertyICalRules(t *testing.T) {
	var ins, outs []string
	for _, f := range icalForms {
		mk := func(rule string) string {
			return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:p\r\nDTSTAMP:20240101T000000Z\r\n" +
				f.dtstart + "\r\nRRULE:" + rule + "\r\nSUMMARY:s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		}
		oracle := f.oracle
		if oracle == "" {
			oracle = f.rule
		}
		res, err := Convert([]byte(mk(f.rule)), testOpt)
		if err != nil || len(res.Records) != 1 {
			t.Fatalf("%s: %v", f.rule, err)
		}
		out := string(res.Records[0].Data)
		repaired := strings.Contains(f.rule, `\`) || strings.Contains(f.oracle, "UNTIL")
		if warned := strings.Contains(strings.Join(res.Records[0].Warnings, "\n"), "RRULE"); warned != repaired {
			t.Errorf("%s: repaired %v, warnings %q", f.rule, repaired, res.Records[0].Warnings)
		}
		// The oracle calendar is read with the zone the output uses, so
		// both sides resolve the wall clock alike.
		in := mk(oracle)
		if i := strings.Index(out, "BEGIN:VTIMEZONE"); i >= 0 {
			j := strings.LastIndex(out, "END:VTIMEZONE\r\n") + len("END:VTIMEZONE\r\n")
			in = strings.Replace(in, "BEGIN:VEVENT", out[i:j]+"BEGIN:VEVENT", 1)
		}
		ins = append(ins, in)
		outs = append(outs, out)
	}
	got := pyExpand(t, append(ins, outs...), propLimit)
	for i, f := range icalForms {
		want, have := got[i], got[len(icalForms)+i]
		if len(want) == 0 {
			t.Errorf("%s: the oracle gives no occurrence", f.rule)
		}
		if fmt.Sprint(have) != fmt.Sprint(want) {
			t.Errorf("%s %s: output gives\n%v\ninput means\n%v\n%s", f.dtstart, f.rule, have, want, outs[i])
		}
	}
}

// A count and an end date too far apart to tell which ends first within
// the walk's bound: kept as it was, with a warning, never guessed.
func TestCountAndEndUndecided(t *testing.T) {
	res, err := Convert(vcs("20240101T090000", "D1 #999999 99991231T000000"), testOpt)
	if err != nil || len(res.Records) != 1 {
		t.Fatal(err)
	}
	r := res.Records[0]
	if strings.Contains(string(r.Data), "\r\nRRULE:") || !strings.Contains(string(r.Data), PropVCalRRule) || len(r.Warnings) == 0 {
		t.Errorf("want the rule kept as %s with a warning:\n%s %q", PropVCalRRule, r.Data, r.Warnings)
	}
}

// The same property for floating vCalendar times placed with the
// calendar's TZ (a fixed offset here, so the reference needs no zone
// rules): the output's instants are the reference's wall clocks minus the
// offset.
func TestPropertyVCalRulesWithTZ(t *testing.T) {
	forms := []struct{ start, rule string }{
		{"20240101T090000", "D1 20240105T000000 #10"},
		{"20240101T220000", "W1 MO TU 20240130T000000"},
		{"20240131T230000", "MD1 LD 20240601T000000 #9"},
		{"20240101T090000", "MP1 1+ MO #0"},
	}
	var texts []string
	var refs [][]string
	for _, f := range forms {
		src := "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nTZ:-05\r\nBEGIN:VEVENT\r\nSUMMARY:t\r\nDTSTART:" + f.start +
			"\r\nRRULE:" + f.rule + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		res, err := Convert([]byte(src), testOpt)
		if err != nil || len(res.Records) != 1 {
			t.Fatal(err)
		}
		texts = append(texts, string(res.Records[0].Data))
		st, _ := time.Parse("20060102T150405", f.start)
		var ref []string
		for _, w := range refVCal(t, st, false, f.rule, propLimit) {
			ref = append(ref, w.Add(5*time.Hour).Format("20060102T150405Z"))
		}
		refs = append(refs, ref)
	}
	got := pyExpand(t, texts, propLimit)
	for i, f := range forms {
		if fmt.Sprint(got[i]) != fmt.Sprint(refs[i]) {
			t.Errorf("TZ:-05 %s %s: output gives\n%v\nthe vCalendar rule means\n%v\n%s", f.start, f.rule, got[i], refs[i], texts[i])
		}
	}
}
