package ical

import (
	"strings"
	"testing"

	"github.com/sk-rescue/sk-rescue/formats"
)

// TestStartOffRule: a vCal rule whose DTSTART is not one of its own
// instances keeps the start as the first occurrence, written so that readers
// that count DTSTART (libical) and readers that skip it (dateutil, rrule-go)
// expand the same dates.
func TestStartOffRule(t *testing.T) {
	tests := []struct {
		name, dtstart, rule string
		want                []string // props that must appear
		absent              []string
	}{
		{"last day from the 30th", "20090130T074500", "MD1 LD #3",
			[]string{"RDATE:20090130T074500", "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;UNTIL=20090228T074500"}, []string{"COUNT="}},
		{"weekly from a Sunday", "20091004T100000Z", "W1 MO #2",
			[]string{"RDATE:20091004T100000Z", "UNTIL=20091005T100000Z"}, []string{"COUNT="}},
		{"forever", "20091004T100000Z", "W1 MO #0",
			[]string{"RDATE:20091004T100000Z", "RRULE:FREQ=WEEKLY;BYDAY=MO"}, nil},
		{"in step", "20091005T100000Z", "W1 MO #2",
			[]string{"COUNT=2"}, []string{"RDATE"}},
		{"only the start", "20091004T100000Z", "W1 MO #1",
			nil, []string{"RRULE", "RDATE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:s\r\nDTSTART:" + tt.dtstart +
				"\r\nRRULE:" + tt.rule + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
			res, err := Convert([]byte(src), formats.Options{})
			if err != nil || len(res.Records) != 1 {
				t.Fatalf("convert: %v, %+v", err, res)
			}
			out := strings.ReplaceAll(string(res.Records[0].Data), "\r\n ", "")
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in\n%s", w, out)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(out, a) {
					t.Errorf("unexpected %q in\n%s", a, out)
				}
			}
		})
	}
}

// TestJournalIsNote: a calendar of VJOURNALs (notes.ics from a PIM program)
// gives note records, not an error.
func TestJournalIsNote(t *testing.T) {
	src := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VJOURNAL\r\nUID:j1\r\nSUMMARY:Shopping\r\nDESCRIPTION:milk\\nbread\\, butter\r\nEND:VJOURNAL\r\nBEGIN:VJOURNAL\r\nSUMMARY:only a title\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n"
	res, err := Convert([]byte(src), formats.Options{UIDSeed: "s"})
	if err != nil || len(res.Records) != 2 {
		t.Fatalf("convert: %v, %+v", err, res)
	}
	if r := res.Records[0]; r.Kind != formats.KindNote || r.UID != "j1" || string(r.Data) != "milk\nbread, butter\n" || r.Name != "Shopping" {
		t.Errorf("first journal: %+v %q", r, r.Data)
	}
	if r := res.Records[1]; string(r.Data) != "only a title\n" || r.UID == "" {
		t.Errorf("second journal: %+v %q", r, r.Data)
	}
}
