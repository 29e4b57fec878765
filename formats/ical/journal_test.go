package ical

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/sk-rescue/sk-rescue/formats"
	"github.com/sk-rescue/sk-rescue/formats/vnote"
)

// TestJournalKeepsEveryField: a VJOURNAL read from an .ics keeps DTSTART,
// CATEGORIES, SUMMARY, CLASS, every DESCRIPTION and X- properties in
// notes.ics (vnote.Journal writes Record.Calendar), and its SUMMARY is not
// replaced by the first line of the text.
func TestJournalKeepsEveryField(t *testing.T) {
	raw, err := os.ReadFile("testdata/journal.ics")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Convert(raw, testOpt)
	if err != nil || len(res.Records) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	r := res.Records[0]
	if r.Kind != formats.KindNote || r.Name != "Garden plan" || !strings.HasPrefix(string(r.Data), "Sow tomatoes indoors.\n") {
		t.Errorf("note record: %+v", r)
	}
	var b bytes.Buffer
	if err := vnote.Journal(&b, res.Records, ""); err != nil {
		t.Fatal(err)
	}
	out := strings.ReplaceAll(b.String(), "\r\n ", "")
	for _, want := range []string{"DTSTART;VALUE=DATE:20240310", "CATEGORIES:Home,Garden", "SUMMARY:Garden plan\r\n",
		"CLASS:PRIVATE", "STATUS:FINAL", `DESCRIPTION:Sow tomatoes indoors.\nMove the roses\, water daily.`,
		"DESCRIPTION:Second entry: buy compost.", "X-MOZ-GENERATION:3", "UID:journal-1", "DTSTAMP:20240310T101500Z"} {
		if !strings.Contains(out, want) {
			t.Errorf("notes.ics lacks %q:\n%s", want, out)
		}
	}
	if len(r.Warnings) != 0 {
		t.Errorf("warnings %q", r.Warnings)
	}
}

// TestEndOfDay2400: vCalendar's T240000 is the next day's 00:00, in DTEND
// and anywhere else, never an X- property.
func TestEndOfDay2400(t *testing.T) {
	for _, c := range []struct{ start, end, want string }{
		{"20061225T000000Z", "20061225T240000Z", "DTEND:20061226T000000Z"},
		{"20100501T000000", "20100501T240000", "DTEND;VALUE=DATE:20100502"},
		{"20101231T220000", "20101231T2400", "DTEND:20110101T000000"},
	} {
		src := "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nDTSTART:" + c.start + "\r\nDTEND:" + c.end + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		res, err := Convert([]byte(src), testOpt)
		if err != nil || len(res.Records) != 1 {
			t.Fatal(err)
		}
		d := string(res.Records[0].Data)
		if !strings.Contains(d, c.want+"\r\n") || strings.Contains(d, "X-SK-RESCUE") {
			t.Errorf("%s–%s: want %s:\n%s", c.start, c.end, c.want, d)
		}
	}
}
