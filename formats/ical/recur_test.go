package ical

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"

	"github.com/sk-rescue/sk-rescue/formats"
)

// occurrences expands our output's first VEVENT/VTODO with go-ical's
// RecurrenceSet (rrule-go): every occurrence up to limit.
func occurrences(t *testing.T, data []byte, limit int) []time.Time {
	t.Helper()
	cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot read our output: %v\n%s", err, data)
	}
	for _, c := range cal.Children {
		if c.Name != "VEVENT" && c.Name != "VTODO" {
			continue
		}
		set, err := c.RecurrenceSet(time.UTC)
		if err != nil {
			t.Fatalf("recurrence: %v\n%s", err, data)
		}
		if set == nil {
			t.Fatalf("no RRULE:\n%s", data)
		}
		var out []time.Time
		it := set.Iterator()
		for len(out) < limit {
			v, ok := it()
			if !ok {
				break
			}
			out = append(out, v)
		}
		return out
	}
	t.Fatal("no component")
	return nil
}

func ts(t *testing.T, list ...string) []time.Time {
	var out []time.Time
	for _, s := range list {
		layout := "2006-01-02T15:04"
		if len(s) == 10 {
			layout = "2006-01-02"
		}
		v, err := time.Parse(layout, s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func sameTimes(t *testing.T, got, want []time.Time) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d occurrences, want %d: %v", len(got), len(want), got)
		return
	}
	for i := range got {
		if !got[i].Equal(want[i]) {
			t.Errorf("occurrence %d: %v, want %v", i, got[i], want[i])
		}
	}
}

// The corpus's recurring samples: dates worked out by hand from what the
// source rule means.
func TestCorpusRecurrence(t *testing.T) {
	cases := []struct {
		file  string
		rec   int
		limit int
		want  []string
		total int // when > 0: the rule is finite with this many occurrences
	}{
		// W1 FR #9 from Friday 2004-01-23 12:00 (floating): nine Fridays.
		{"rrule-1.0.vcs", 0, 100, []string{"2004-01-23T12:00", "2004-01-30T12:00", "2004-02-06T12:00", "2004-02-13T12:00",
			"2004-02-20T12:00", "2004-02-27T12:00", "2004-03-05T12:00", "2004-03-12T12:00", "2004-03-19T12:00"}, 9},
		// D1 until 2010-02-28T08:30Z from 2010-02-26T08:00Z.
		{"outlook.vcs", 0, 100, []string{"2010-02-26T08:00", "2010-02-27T08:00", "2010-02-28T08:00"}, 3},
		// YM1 #0: yearly for ever, on the start's month and day.
		{"k770.vcs", 0, 3, []string{"1981-12-27T23:00", "1982-12-27T23:00", "1983-12-27T23:00"}, 0},
		{"k770.vcs", 1, 3, []string{"1985-05-19T23:00", "1986-05-19T23:00", "1987-05-19T23:00"}, 0},
		// MP1 1+ TH until 2100-12-31: the first Thursday of every month.
		{"p990.vcs", 0, 4, []string{"2006-10-05T08:00", "2006-11-02T08:00", "2006-12-07T08:00", "2007-01-04T08:00"}, 0},
		// iCalendar FREQ=Weekly (lower case in the source);COUNT=10, US/Pacific 14:00 = 22:00Z (PST).
		{"rrule.ics", 0, 2, []string{"2002-10-28T22:00", "2002-11-04T22:00"}, 0},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Convert(raw, testOpt)
			if err != nil {
				t.Fatal(err)
			}
			got := occurrences(t, res.Records[c.rec].Data, c.limit)
			sameTimes(t, got, ts(t, c.want...))
		})
	}
	// p990: 1131 first Thursdays from October 2006 to December 2100.
	raw, _ := os.ReadFile("testdata/p990.vcs")
	res, _ := Convert(raw, testOpt)
	all := occurrences(t, res.Records[0].Data, 5000)
	if len(all) != 1131 || !all[len(all)-1].Equal(time.Date(2100, 12, 2, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("p990: %d occurrences, last %v; want 1131, last 2100-12-02T08:00Z", len(all), all[len(all)-1])
	}
}

func vcs(dtstart, rule string) []byte {
	return []byte("BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nSUMMARY:t\r\nDTSTART:" + dtstart +
		"\r\nRRULE:" + rule + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
}

// Every form of the vCalendar 1.0 basic grammar.
func TestVCalRuleForms(t *testing.T) {
	cases := []struct {
		start, rule, rrule string
		limit              int
		want               []string
	}{
		{"20240101T090000", "D2 #3", "FREQ=DAILY;INTERVAL=2;COUNT=3", 10, []string{"2024-01-01T09:00", "2024-01-03T09:00", "2024-01-05T09:00"}},
		{"20240101T090000", "D1", "FREQ=DAILY;COUNT=2", 10, []string{"2024-01-01T09:00", "2024-01-02T09:00"}}, // default #2
		{"20240101T090000", "W2 MO WE #4", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=4", 10, []string{"2024-01-01T09:00", "2024-01-03T09:00", "2024-01-15T09:00", "2024-01-17T09:00"}},
		{"20240101T090000", "W1 #0", "FREQ=WEEKLY", 2, []string{"2024-01-01T09:00", "2024-01-08T09:00"}},
		{"20240126T100000", "MP1 1- FR #3", "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", 10, []string{"2024-01-26T10:00", "2024-02-23T10:00", "2024-03-29T10:00"}},
		{"20240109T100000", "MP1 2+ TU #3", "FREQ=MONTHLY;BYDAY=2TU;COUNT=3", 10, []string{"2024-01-09T10:00", "2024-02-13T10:00", "2024-03-12T10:00"}},
		{"20240109T100000", "MP1 #3", "FREQ=MONTHLY;BYDAY=2TU;COUNT=3", 10, []string{"2024-01-09T10:00", "2024-02-13T10:00", "2024-03-12T10:00"}}, // position of DTSTART
		{"20240131T080000", "MD1 LD #3", "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3", 10, []string{"2024-01-31T08:00", "2024-02-29T08:00", "2024-03-31T08:00"}},
		{"20240101T080000", "MD1 1 15 #4", "FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=4", 10, []string{"2024-01-01T08:00", "2024-01-15T08:00", "2024-02-01T08:00", "2024-02-15T08:00"}},
		{"20240130T080000", "MD1 2- #2", "FREQ=MONTHLY;BYMONTHDAY=-2;COUNT=2", 10, []string{"2024-01-30T08:00", "2024-02-28T08:00"}},
		{"20240610T080000", "YM1 6 7 #4", "FREQ=YEARLY;BYMONTH=6,7;COUNT=4", 10, []string{"2024-06-10T08:00", "2024-07-10T08:00", "2025-06-10T08:00", "2025-07-10T08:00"}},
		{"20240101T080000", "YD1 1 100 #3", "FREQ=YEARLY;BYYEARDAY=1,100;COUNT=3", 10, []string{"2024-01-01T08:00", "2024-04-09T08:00", "2025-01-01T08:00"}},
		{"20240305T080000", "YD1 #0", "FREQ=YEARLY", 2, []string{"2024-03-05T08:00", "2025-03-05T08:00"}}, // Siemens: same date
		{"20240101T090000", "D1 20240103T000000", "FREQ=DAILY;UNTIL=20240103T235959", 10, []string{"2024-01-01T09:00", "2024-01-02T09:00", "2024-01-03T09:00"}},
		{"20240101T090000Z", "D1 20240102T090000Z", "FREQ=DAILY;UNTIL=20240102T090000Z", 10, []string{"2024-01-01T09:00", "2024-01-02T09:00"}},
		{"20240101", "W1 20240115", "FREQ=WEEKLY;UNTIL=20240115", 10, []string{"2024-01-01", "2024-01-08", "2024-01-15"}},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			res, err := Convert(vcs(c.start, c.rule), testOpt)
			if err != nil || len(res.Records) != 1 {
				t.Fatal(err)
			}
			r := res.Records[0]
			if !bytes.Contains(r.Data, []byte("RRULE:"+c.rrule+"\r\n")) {
				t.Errorf("want RRULE:%s in\n%s", c.rrule, r.Data)
			}
			if len(r.Warnings) != 0 {
				t.Errorf("warnings %q", r.Warnings)
			}
			sameTimes(t, occurrences(t, r.Data, c.limit), ts(t, c.want...))
		})
	}
}

func TestVCalRuleInexact(t *testing.T) {
	for _, rule := range []string{"D1 1200 1800 #3", "W1 MO D1 #2", "D1 #3 #4", "M5 #2", "MP1 9+ TU", "YM1 13"} {
		res, err := Convert(vcs("20240101T090000", rule), testOpt)
		if err != nil {
			t.Fatal(err)
		}
		r := res.Records[0]
		if bytes.Contains(r.Data, []byte("\r\nRRULE:")) || !bytes.Contains(r.Data, []byte(PropVCalRRule+":"+rule)) || len(r.Warnings) == 0 {
			t.Errorf("%q: want the original kept and a warning:\n%s %q", rule, r.Data, r.Warnings)
		}
	}
}

func TestAlarmsAndTodo(t *testing.T) {
	raw := "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VTODO\r\nSUMMARY;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Caf=E9\r\n" +
		"DUE:20240110T120000\r\nSTATUS:NEEDS ACTION\r\nPRIORITY:1\r\nCATEGORIES:WORK;PHONE CALL\r\nCLASS:PRIVATE\r\n" +
		"AALARM:20240110T114500;PT5M;2;file:///beep.wav\r\nDALARM:20240110T114500;PT5M;2;Call now\r\n" +
		"MALARM:20240110T100000;;;me@example.org;note\r\nCOMPLETED:20240111T080000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
	res, err := Convert([]byte(raw), testOpt)
	if err != nil {
		t.Fatal(err)
	}
	d := string(res.Records[0].Data)
	for _, want := range []string{"SUMMARY:Café", "STATUS:NEEDS-ACTION", "PRIORITY:1", "CATEGORIES:WORK,PHONE CALL", "CLASS:PRIVATE",
		"DUE:20240110T120000", "COMPLETED:20240111T080000Z", "TRIGGER;RELATED=END:-PT15M", "ACTION:DISPLAY", "DESCRIPTION:Call now",
		"DURATION:PT5M", "REPEAT:2", "ACTION:EMAIL", "ATTENDEE:mailto:me@example.org", "TRIGGER;RELATED=END:-PT2H"} {
		if !strings.Contains(d, want) {
			t.Errorf("missing %q in\n%s", want, d)
		}
	}
	if strings.Count(d, "BEGIN:VALARM") != 2 || strings.Contains(d, "ACTION:AUDIO") {
		t.Errorf("AALARM and DALARM at one time should make one DISPLAY alarm:\n%s", d)
	}
	if res.Records[0].Kind != "todo" {
		t.Error("kind")
	}
}

func TestTimeZonesAndAllDay(t *testing.T) {
	// TZ and DAYLIGHT: floating times get a VTIMEZONE made from them.
	raw := "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nTZ:+01\r\nDAYLIGHT:TRUE;+02;20240331T010000Z;20241027T010000Z;CET;CEST\r\n" +
		"BEGIN:VEVENT\r\nSUMMARY:s\r\nDTSTART:20240615T100000\r\nDTEND:20240615T110000\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nSUMMARY:w\r\nDTSTART:20240115T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	res, err := Convert([]byte(raw), testOpt)
	if err != nil {
		t.Fatal(err)
	}
	for i, wantUTC := range []time.Time{time.Date(2024, 6, 15, 8, 0, 0, 0, time.UTC), time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)} {
		cal, err := goical.NewDecoder(bytes.NewReader(res.Records[i].Data)).Decode()
		if err != nil {
			t.Fatal(err)
		}
		ev := cal.Events()[0]
		p := ev.Props.Get("DTSTART")
		tzid := p.Params.Get("TZID")
		if tzid == "" {
			t.Fatalf("no TZID:\n%s", res.Records[i].Data)
		}
		got := instantIn(t, cal, tzid, p.Value)
		if !got.Equal(wantUTC) {
			t.Errorf("record %d: instant %v, want %v\n%s", i, got, wantUTC, res.Records[i].Data)
		}
	}
	// No TZ: floating stays floating.
	res, _ = Convert(vcs("20240101T090000", "D1 #1"), testOpt)
	if !bytes.Contains(res.Records[0].Data, []byte("DTSTART:20240101T090000\r\n")) {
		t.Errorf("floating not kept:\n%s", res.Records[0].Data)
	}
	// All-day forms.
	for _, c := range []struct{ start, end, wantS, wantE string }{
		{"20240101", "", "DTSTART;VALUE=DATE:20240101", ""},
		{"20240101", "20240101", "DTSTART;VALUE=DATE:20240101", "DTEND;VALUE=DATE:20240102"},
		{"20240101T000000", "20240102T000000", "DTSTART;VALUE=DATE:20240101", "DTEND;VALUE=DATE:20240102"},
		{"20240101T000000", "20240101T235900", "DTSTART;VALUE=DATE:20240101", "DTEND;VALUE=DATE:20240102"},
		{"20240101T000000", "20240103T000000", "DTSTART;VALUE=DATE:20240101", "DTEND;VALUE=DATE:20240103"},
		{"20240101T000000Z", "20240102T000000Z", "DTSTART:20240101T000000Z", "DTEND:20240102T000000Z"},
	} {
		in := "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nDTSTART:" + c.start + "\r\n"
		if c.end != "" {
			in += "DTEND:" + c.end + "\r\n"
		}
		in += "END:VEVENT\r\nEND:VCALENDAR\r\n"
		res, err := Convert([]byte(in), testOpt)
		if err != nil {
			t.Fatal(err)
		}
		d := string(res.Records[0].Data)
		if !strings.Contains(d, c.wantS+"\r\n") || (c.wantE != "" && !strings.Contains(d, c.wantE+"\r\n")) {
			t.Errorf("%s→%s:\n%s", c.start, c.end, d)
		}
	}
}

// instantIn resolves a local time against the calendar's own VTIMEZONE
// (offsets only, the way the DAYLIGHT/STANDARD DTSTARTs say).
func instantIn(t *testing.T, cal *goical.Calendar, tzid, local string) time.Time {
	w, err := time.Parse("20060102T150405", local)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cal.Children {
		if c.Name != "VTIMEZONE" || c.Props.Get("TZID").Value != tzid {
			continue
		}
		var best time.Time
		off := 0
		for _, sub := range c.Children {
			s, _ := time.Parse("20060102T150405", sub.Props.Get("DTSTART").Value)
			if !s.After(w) && !s.Before(best) {
				best = s
				off, _ = parseOffset(sub.Props.Get("TZOFFSETTO").Value)
			}
		}
		return w.Add(-time.Duration(off) * time.Second)
	}
	t.Fatalf("no VTIMEZONE %s", tzid)
	return time.Time{}
}

func TestCombine(t *testing.T) {
	var all []byte
	for _, f := range []string{"testdata/rrule.ics", "testdata/k770.vcs", "testdata/02.vcs"} {
		b, _ := os.ReadFile(f)
		all = append(all, b...)
	}
	res, err := Convert(all, testOpt)
	if err != nil || len(res.Records) != 4 {
		t.Fatalf("%v %d", err, len(res.Records))
	}
	recs := append(res.Records, res.Records[0]) // the US/Pacific zone twice
	var b bytes.Buffer
	if err := Combine(&b, recs, testOpt.ProdID); err != nil {
		t.Fatal(err)
	}
	cal, err := goical.NewDecoder(&b).Decode()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cal.Children {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "VTIMEZONE VEVENT VEVENT VEVENT VTODO VEVENT" {
		t.Errorf("components %s", got)
	}
}

func FuzzConvert(f *testing.F) {
	for _, p := range append(must(filepath.Glob("testdata/*.vcs")), must(filepath.Glob("testdata/*.ics"))...) {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add(vcs("20240101T090000", "MP1 1+ 2- TU FR #5"))
	// The classes of issue 16: 24:00, count and end together, an end at
	// UTC midnight, repairs, broken or missing VTIMEZONEs, journals.
	f.Add(vcs("20240101T000000", "D1 20240103T240000"))
	f.Add(vcs("20101101T100000", "W1 MO 20101129T100000 #5"))
	f.Add(vcs("20060406T170000Z", "W1 TH 20060427T000000Z"))
	f.Add([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;TZID=US/Eastern:19970105T090000\r\nRRULE:FREQ=DAILY\\;UNTIL=20000101\r\nSUMMARY:\x01\xff\r\n" +
		"BEGIN:VALARM\r\nTRIGGER:-P1W6DT15H\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Add([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n" +
		"BEGIN:VJOURNAL\r\nDTSTART;TZID=Europe/Paris:20050101T100000\r\nDESCRIPTION:a\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := Convert(raw, testOpt)
		if err != nil {
			return
		}
		var cals []formats.Record
		for _, r := range res.Records {
			data := r.Data
			if r.Kind == formats.KindNote {
				if r.Calendar == nil {
					continue
				}
				data = r.Calendar
			} else {
				cals = append(cals, r)
			}
			if _, err := goical.NewDecoder(bytes.NewReader(data)).Decode(); err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, data)
			}
			// Valid UTF-8, no control characters but the line ends.
			if !utf8.Valid(data) {
				t.Fatalf("output is not UTF-8:\n%q", data)
			}
			for _, b := range data {
				if b < 0x20 && b != '\r' && b != '\n' && b != '\t' || b == 0x7f {
					t.Fatalf("control character %#x in output:\n%q", b, data)
				}
			}
		}
		if len(cals) > 0 {
			if err := Combine(&bytes.Buffer{}, cals, ""); err != nil {
				t.Fatalf("combine: %v", err)
			}
		}
	})
}

func must(s []string, err error) []string { return s }
