package ical

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestIANATimezoneAllYears: an event with a TZID and no VTIMEZONE gets one
// made from the tz database, right for every instance it covers. A weekly
// event from 1997 to 2030, expanded by an independent reader from our
// output alone, lands on the same instants as Go's zone data gives. Zones
// whose rules changed (US 2007, Brazil dropping DST in 2019, Iran's
// fixed-date rules until 2022) and the southern hemisphere are covered.
func TestIANATimezoneAllYears(t *testing.T) {
	zones := []string{"US/Eastern", "Europe/Paris", "Australia/Sydney", "America/Sao_Paulo", "Asia/Tehran", "Europe/Moscow"}
	var texts []string
	for _, z := range zones {
		src := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:w\r\nDTSTAMP:20000101T000000Z\r\n" +
			"DTSTART;TZID=" + z + ":19970105T090000\r\nRRULE:FREQ=WEEKLY;UNTIL=20301231T000000Z\r\nSUMMARY:weekly\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		res, err := Convert([]byte(src), testOpt)
		if err != nil || len(res.Records) != 1 {
			t.Fatalf("%s: %v %+v", z, err, res)
		}
		if !strings.Contains(strings.Join(res.Records[0].Warnings, "\n"), "made from the IANA zone") {
			t.Errorf("%s: no warning that the VTIMEZONE was made: %q", z, res.Records[0].Warnings)
		}
		texts = append(texts, string(res.Records[0].Data))
	}
	got := pyExpand(t, texts, 5000)
	for i, z := range zones {
		loc, err := time.LoadLocation(z)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for d := time.Date(1997, 1, 5, 9, 0, 0, 0, loc); d.Year() <= 2030; d = time.Date(d.Year(), d.Month(), d.Day()+7, 9, 0, 0, 0, loc) {
			want = append(want, d.UTC().Format("20060102T150405Z"))
		}
		if len(got[i]) != len(want) {
			t.Errorf("%s: %d occurrences, want %d", z, len(got[i]), len(want))
			continue
		}
		bad := 0
		for j := range want {
			if got[i][j] != want[j] {
				if bad < 3 {
					t.Errorf("%s: occurrence %d at %s, Go's zone data says %s", z, j, got[i][j], want[j])
				}
				bad++
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d occurrences differ\n%s", z, bad, len(want), texts[i])
		}
	}
}

// TestBrokenSourceTimezone: Apple iCal 1.5 wrote STANDARD and DAYLIGHT
// without DTSTART. The named zone is used instead, with a warning, and the
// event converts (it was kept raw).
func TestBrokenSourceTimezone(t *testing.T) {
	for _, tc := range []struct{ tzid, sub string }{
		{"Europe/Paris", "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\n"},
		{"/mozilla.org/20050126_1/Europe/Paris", "BEGIN:DAYLIGHT\r\nDTSTART:20040328T020000\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\n"},
		{"Europe/Paris", ""},
	} {
		src := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTIMEZONE\r\nTZID:" + tc.tzid + "\r\n" + tc.sub + "END:VTIMEZONE\r\n" +
			"BEGIN:VEVENT\r\nUID:e\r\nDTSTAMP:20040101T000000Z\r\nDTSTART;TZID=" + tc.tzid + ":20040707T100000\r\nSUMMARY:s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		res, err := Convert([]byte(src), testOpt)
		if err != nil || len(res.Records) != 1 || len(res.Failures) != 0 {
			t.Fatalf("%s: %v %+v", tc.tzid, err, res)
		}
		if !strings.Contains(strings.Join(res.Records[0].Warnings, "\n"), "is not valid") {
			t.Errorf("%s: no warning: %q", tc.tzid, res.Records[0].Warnings)
		}
		got := pyExpand(t, []string{string(res.Records[0].Data)}, 5)
		if fmt.Sprint(got[0]) != "[20040707T080000Z]" {
			t.Errorf("%s: instant %v, want 20040707T080000Z\n%s", tc.tzid, got[0], res.Records[0].Data)
		}
	}
}

// TestCombineKeepsOldestZone: two events in one zone, the later first;
// the combined calendar's VTIMEZONE must still cover the earlier one.
func TestCombineKeepsOldestZone(t *testing.T) {
	ev := func(uid, start string) string {
		return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20000101T000000Z\r\nDTSTART;TZID=US/Eastern:" + start + "\r\nSUMMARY:s\r\nEND:VEVENT\r\n"
	}
	src := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + ev("late", "20200105T090000") + ev("early", "19650705T090000") + "END:VCALENDAR\r\n"
	res, err := Convert([]byte(src), testOpt)
	if err != nil || len(res.Records) != 2 {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := Combine(&b, res.Records, ""); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Count(out, "BEGIN:VTIMEZONE") != 1 {
		t.Fatalf("want one VTIMEZONE:\n%s", out)
	}
	// The early event alone, with the combined calendar's VTIMEZONE.
	i := strings.Index(out, "BEGIN:VEVENT\r\nDTSTAMP")
	early := out[:i] + out[strings.LastIndex(out, "BEGIN:VEVENT"):]
	got := pyExpand(t, []string{early}, 1)
	if fmt.Sprint(got[0]) != "[19650705T130000Z]" {
		t.Errorf("1965 event at %v, want 19650705T130000Z (EDT)\n%s", got[0], early)
	}
}

// TestUntilInSourceZone: a date UNTIL on an event in a zone that only the
// source's VTIMEZONE defines (no IANA name) ends at the end of that day in
// that zone, as the output's own VTIMEZONE resolves it.
func TestUntilInSourceZone(t *testing.T) {
	src := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTIMEZONE\r\nTZID:Eastern Standard Time\r\n" +
		"BEGIN:STANDARD\r\nDTSTART:16011104T020000\r\nRRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:16010311T020000\r\nRRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n" +
		"BEGIN:VEVENT\r\nUID:u\r\nDTSTAMP:20240101T000000Z\r\nDTSTART;TZID=Eastern Standard Time:20240101T230000\r\nRRULE:FREQ=DAILY;UNTIL=20240105\r\nSUMMARY:s\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:v\r\nDTSTAMP:20240101T000000Z\r\nDTSTART;TZID=Eastern Standard Time:20240701T230000\r\nRRULE:FREQ=DAILY;UNTIL=20240703\r\nSUMMARY:s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	res, err := Convert([]byte(src), testOpt)
	if err != nil || len(res.Records) != 2 {
		t.Fatal(err)
	}
	got := pyExpand(t, []string{string(res.Records[0].Data), string(res.Records[1].Data)}, 10)
	want := []string{
		"[20240102T040000Z 20240103T040000Z 20240104T040000Z 20240105T040000Z 20240106T040000Z]",
		"[20240702T030000Z 20240703T030000Z 20240704T030000Z]",
	}
	for i := range want {
		if fmt.Sprint(got[i]) != want[i] {
			t.Errorf("event %d: %v, want %s\n%s", i, got[i], want[i], res.Records[i].Data)
		}
	}
}
