package ical

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRepairDuration(t *testing.T) {
	for _, c := range []struct {
		in, out     string
		changed, ok bool
	}{
		{"-P1W6DT15H", "-P13DT15H", true, true},
		{"P1W2D", "P9D", true, true},
		{"P2W", "P2W", false, true},
		{"-PT15M", "-PT15M", false, true},
		{"PT60M", "PT60M", false, true},
		{"PT1H30S", "PT1H30S", false, true}, // hours and seconds: valid? no — minutes missing
		{"P1DT", "P1D", true, true},
		{"garbage", "garbage", false, false},
	} {
		out, changed, ok := repairDuration(c.in)
		if c.in == "PT1H30S" {
			// RFC 5545's dur-hour is hours [minutes [seconds]]: seconds
			// without minutes is not valid; written with the same length.
			if !ok || out != "PT1H30S" && out != "PT1H0M30S" {
				t.Errorf("%s → %s %v %v", c.in, out, changed, ok)
			}
			continue
		}
		if out != c.out || changed != c.changed || ok != c.ok {
			t.Errorf("%s → %s %v %v, want %s %v %v", c.in, out, changed, ok, c.out, c.changed, c.ok)
		}
	}
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":       "plain",
		"tab\tkept":   "tab\tkept",
		"bell\x07":    "bell\uFFFD",
		"esc\x1b[2J":  "esc\uFFFD[2J",
		"bad\xffbyte": "bad\uFFFDbyte",
		"del\x7f":     "del\uFFFD",
	} {
		got, changed := cleanText(in)
		if got != want || changed != (in != want) {
			t.Errorf("%q → %q %v, want %q", in, got, changed, want)
		}
	}
}

// A control character or invalid byte in a parameter value (issue 16 item
// 10) never reaches the output either, whatever the line reader left in it.
func TestParamValuesClean(t *testing.T) {
	src := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:p\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:20240101T080000Z\r\n" +
		"LOCATION;ALTREP=\"cid:a\x01b\":Room \xe9\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	res, err := Convert([]byte(src), testOpt)
	if err != nil || len(res.Records) != 1 {
		t.Fatal(err)
	}
	d := string(res.Records[0].Data)
	if strings.Contains(d, "\x01") || !utf8.ValidString(d) || !strings.Contains(d, "LOCATION") {
		t.Errorf("control character left in:\n%q", d)
	}
}
