package vcard

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sk-rescue/sk-rescue/formats/internal/versit"
)

// convertOne converts in and returns its only record's data, failing
// otherwise.
func convertOne(t *testing.T, in string, ver string) (string, []string) {
	t.Helper()
	opt := testOpt
	opt.VCardVersion = ver
	res, err := Convert([]byte(in), opt)
	if err != nil || len(res.Records) != 1 || len(res.Failures) != 0 {
		t.Fatalf("%v, %d records, %d failures", err, len(res.Records), len(res.Failures))
	}
	return strings.ReplaceAll(string(res.Records[0].Data), "\r\n ", ""), res.Records[0].Warnings
}

// Issue 16 item 1: one bad byte spoils only itself.
func TestOneBadByte(t *testing.T) {
	good := strings.Repeat("=C3=91", 44)
	for name, c := range map[string]struct{ in, want string }{
		"declared UTF-8 QP": {"ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:" + good + "=80",
			"ORG:" + strings.Repeat("Ñ", 44) + "\uFFFD"},
		"declared UTF-8 8bit":     {"ORG;CHARSET=utf-8:Ma\x80\x81rk", "ORG:Ma\uFFFD\uFFFDrk"},
		"undeclared mostly UTF-8": {"ORG;ENCODING=QUOTED-PRINTABLE:=C5=BD=C3=A1k=FF", "ORG:Žák\uFFFD"},
		"truncated sequence":      {"ORG;CHARSET=UTF-8:a\xE2\x82b", "ORG:a\uFFFD\uFFFDb"},
		"undeclared Latin-1":      {"ORG:M\xfcller", "ORG:Müller"},
		"Latin-1 declared UTF-8":  {"ORG;CHARSET=UTF-8:M\xfcller G\xe9rard", "ORG:Müller Gérard"},
	} {
		t.Run(name, func(t *testing.T) {
			out, warns := convertOne(t, "BEGIN:VCARD\r\nVERSION:2.1\r\nN:x\r\n"+c.in+"\r\nEND:VCARD\r\n", "3.0")
			if !strings.Contains(out, c.want+"\r\n") {
				t.Errorf("want %q in\n%s", c.want, out)
			}
			if len(warns) == 0 {
				t.Error("no warning")
			}
		})
	}
}

// Issue 16 item 10: parameters come out valid UTF-8 without control
// characters, whatever the input held.
func TestParameterRepair(t *testing.T) {
	in := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nTEL;TYPE=CE\xe9LL;X-NOTE=a\x01b\x7fc\td:123\r\nEMAIL;X-ORIGIN=\xc3\xa9t\xe9\x00:a@b.c\r\nNOTE:ok\x00\x1b[2J\r\nX-B\x1b]0;T\a\xe9D:v\x00\r\nEND:VCARD\r\n"
	for _, ver := range []string{"3.0", "4.0"} {
		out, warns := convertOne(t, in, ver)
		if !utf8.ValidString(out) {
			t.Errorf("%s: output not UTF-8: %q", ver, out)
		}
		for i := 0; i < len(out); i++ {
			if c := out[i]; (c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f {
				t.Errorf("%s: control character %#x in output", ver, c)
			}
		}
		for _, want := range []string{"CEéLL", "X-NOTE=abc\td", "X-ORIGIN=ét\uFFFD", "NOTE:ok[2J"} {
			if !strings.Contains(strings.ToUpper(out), strings.ToUpper(want)) {
				t.Errorf("%s: %q missing in\n%s", ver, want, out)
			}
		}
		for _, w := range warns {
			if !utf8.ValidString(w) || strings.ContainsAny(w, "\x00\x01\x07\x1b\x7f") {
				t.Errorf("%s: warning carries raw bytes: %q", ver, w)
			}
		}
		if len(warns) < 3 {
			t.Errorf("%s: warnings %q", ver, warns)
		}
	}
}

// Issue 16 item 11: docs/FORMATS.md says one logical line is at most 32
// MiB; a line of exactly versit.MaxLine bytes converts, one byte more
// makes its card a Failure and the next card still converts — also when
// the line is one physical line (no folding to join).
func TestLineLimit(t *testing.T) {
	if versit.MaxLine != 32<<20 {
		t.Fatalf("MaxLine %d; docs/FORMATS.md says 32 MiB", versit.MaxLine)
	}
	next := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:next\r\nEND:VCARD\r\n"
	for _, c := range []struct {
		name   string
		length int
		fail   bool
	}{{"at the limit", versit.MaxLine, false}, {"one byte over", versit.MaxLine + 1, true}} {
		var b bytes.Buffer
		b.WriteString("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:big\r\n")
		b.WriteString("NOTE:")
		b.Write(bytes.Repeat([]byte{'a'}, c.length-len("NOTE:")))
		b.WriteString("\r\nEND:VCARD\r\n" + next)
		res, err := Convert(b.Bytes(), testOpt)
		if err != nil {
			t.Fatal(err)
		}
		if c.fail && (len(res.Failures) != 1 || len(res.Records) != 1 || res.Records[0].Name != "next") {
			t.Errorf("%s: %d records, %d failures", c.name, len(res.Records), len(res.Failures))
		}
		if !c.fail && (len(res.Failures) != 0 || len(res.Records) != 2) {
			t.Errorf("%s: %d records, %d failures", c.name, len(res.Records), len(res.Failures))
		}
	}
}

// Issue 16 item 2: a 2.1 value continued on colon-less lines keeps every
// component and the property after it.
func TestColonlessContinuation(t *testing.T) {
	for name, c := range map[string]struct{ in, want string }{
		"backslash breaks": {"ADR;HOME:;;1 Main St\\\r\nApt 4;Springfield;IL;62701;USA\r\nBDAY:19800102\r\n",
			"ADR;TYPE=HOME:;;1 Main St\\nApt 4;Springfield;IL;62701;USA\r\nBDAY:1980-01-02\r\n"},
		"plain break (Outlook)": {"ADR;WORK:;;1 Main St\r\nSuite 5;Town;;123;NL\r\nTEL:1\r\n",
			"ADR;TYPE=WORK:;;1 Main St Suite 5;Town;;123;NL\r\n"},
		"header-like after backslash": {"ADR:;;Flat 3\\\r\nApt4;Town;;1;UK\r\nTEL:2\r\n",
			"ADR:;;Flat 3\\nApt4;Town;;1;UK\r\n"},
		"note": {"NOTE:first\\\r\nsecond\r\nTEL:3\r\n", "NOTE:first\\nsecond\r\n"},
	} {
		t.Run(name, func(t *testing.T) {
			out, warns := convertOne(t, "BEGIN:VCARD\r\nVERSION:2.1\r\nN:x\r\n"+c.in+"END:VCARD\r\n", "3.0")
			if !strings.Contains(out, c.want) {
				t.Errorf("want %q in\n%s", c.want, out)
			}
			if strings.Contains(out, "X-") {
				t.Errorf("made-up property:\n%s", out)
			}
			if len(warns) == 0 {
				t.Error("no warning")
			}
		})
	}
}

// Issue 16 items 3 and 27: nested cards keep the parent whole, and a
// hostile number or depth of them stays bounded.
func TestNestedBounded(t *testing.T) {
	const n = 100000
	chain := "BEGIN:VCARD\r\nVERSION:2.1\r\nN:top\r\n" + strings.Repeat("AGENT:BEGIN:VCARD\r\nN:a\r\n", n) +
		strings.Repeat("END:VCARD\r\n", n) + "TEL:1\r\nEND:VCARD\r\n"
	siblings := "BEGIN:VCARD\r\nVERSION:2.1\r\nN:top\r\n" + strings.Repeat("AGENT:\r\nBEGIN:VCARD\r\nN:a\r\nEND:VCARD\r\n", n) +
		"TEL:1\r\nEND:VCARD\r\n"
	flat := "BEGIN:VCARD\r\nVERSION:2.1\r\nN:top\r\n" + strings.Repeat("BEGIN:VCARD\r\nN:a\r\nEND:VCARD\r\n", n) + "TEL:1\r\nEND:VCARD\r\n"
	for name, in := range map[string]string{"chain": chain, "siblings": siblings, "flat": flat} {
		t.Run(name, func(t *testing.T) {
			res, err := Convert([]byte(in), testOpt)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Records) == 0 || len(res.Records) > 1+MaxNestedCards {
				t.Fatalf("%d records", len(res.Records))
			}
			if !strings.Contains(string(res.Records[0].Data), "TEL:1\r\n") {
				t.Errorf("parent lost its TEL:\n%s", res.Records[0].Data)
			}
			warns := len(res.Warnings)
			for _, r := range res.Records {
				warns += len(r.Warnings)
			}
			t.Logf("%d bytes in: %d records, %d warnings", len(in), len(res.Records), warns)
			if warns > (2+MaxNestedCards)*(MaxWarnings+1) {
				t.Errorf("%d warnings", warns)
			}
			if !strings.Contains(strings.Join(res.Records[0].Warnings, "\n"), "not converted") {
				t.Errorf("the cards left out are not reported: %q", res.Records[0].Warnings)
			}
		})
	}
}

// A BEGIN:VCARD whose card never ends is still read as the previous
// card's missing END, at any count.
func TestMissingEndsStillSplit(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "BEGIN:VCARD\r\nVERSION:2.1\r\nN:c%d\r\n", i)
	}
	b.WriteString("END:VCARD\r\n")
	res, err := Convert([]byte(b.String()), testOpt)
	if err != nil || len(res.Records) != 40 || len(res.Failures) != 0 {
		t.Fatalf("%v: %d records, %d failures", err, len(res.Records), len(res.Failures))
	}
}

// Warnings are counted, not multiplied: a card with thousands of broken
// lines keeps MaxWarnings and says how many more there were.
func TestWarningsBounded(t *testing.T) {
	in := "BEGIN:VCARD\r\nVERSION:2.1\r\nN:x\r\n" + strings.Repeat("X-A;CHARSET=UTF-8:\xff\r\n", 5000) + "END:VCARD\r\n"
	res, err := Convert([]byte(in), testOpt)
	if err != nil || len(res.Records) != 1 {
		t.Fatal(err)
	}
	w := res.Records[0].Warnings
	if len(w) != MaxWarnings+1 || !strings.Contains(w[MaxWarnings], "and 4990 more") {
		t.Errorf("%d warnings, last %q", len(w), w[len(w)-1])
	}
	many := strings.Repeat("BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8:\xff\r\nEND:VCARD\r\n", 3000)
	res, _ = Convert([]byte(many), testOpt)
	total := 0
	for _, r := range res.Records {
		total += len(r.Warnings)
	}
	if total > MaxTotalWarnings || !strings.Contains(strings.Join(res.Warnings, "\n"), "more warnings on 2000 later contacts") {
		t.Errorf("%d record warnings; object warnings %q", total, res.Warnings)
	}
}

// A 3.0 AGENT holding an escaped card is one line, not a BEGIN: the card
// pairing must not count it, or a card nested after it is taken for a
// missing END and the parent loses its TEL.
func TestEscapedAgentThenNested(t *testing.T) {
	in := "BEGIN:VCARD\r\nVERSION:2.1\r\nN:parent\r\n" +
		"BEGIN:VCARD\r\nVERSION:2.1\r\nN:nest1\r\nEND:VCARD\r\n" +
		"AGENT:BEGIN:VCARD\\nFN:s\\nEND:VCARD\\n\r\nTEL:1\r\nEND:VCARD\r\n"
	res, err := Convert([]byte(in), testOpt)
	if err != nil || len(res.Records) != 3 {
		t.Fatalf("%v, %d records", err, len(res.Records))
	}
	names := []string{}
	for _, r := range res.Records {
		names = append(names, r.Name)
	}
	if strings.Join(names, ",") != "parent,s,nest1" {
		t.Errorf("records %v", names)
	}
	if !strings.Contains(string(res.Records[0].Data), "TEL:1\r\n") {
		t.Errorf("parent lost its TEL:\n%s", res.Records[0].Data)
	}
}
