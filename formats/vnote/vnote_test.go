package vnote

import (
	"bytes"
	"github.com/sk-rescue/sk-rescue/formats/internal/goldentest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sk-rescue/sk-rescue/formats"
)

var testOpt = formats.Options{UIDSeed: "test-serial/item-1", ProdID: "-//sk-rescue//sk-rescue test//EN"}

func TestSamples(t *testing.T) {
	want := map[string]string{
		"nokia.vnt":   "Some text is here.\n",
		"symbian.vnt": "Teolog\nDager og blir ute til i kassa tar vår teolog dager og  \n",
	}
	files, _ := filepath.Glob("testdata/*.vnt")
	if len(files) != len(want) {
		t.Fatalf("samples %v", files)
	}
	var all []formats.Record
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Convert(raw, testOpt)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Records) != 1 || len(res.Failures) != 0 {
			t.Fatalf("%s: %+v", f, res)
		}
		r := res.Records[0]
		if got := string(r.Data); got != want[filepath.Base(f)] {
			t.Errorf("%s: text %q, want %q", f, got, want[filepath.Base(f)])
		}
		if r.Kind != formats.KindNote || r.UID == "" {
			t.Errorf("%s: kind %q uid %q", f, r.Kind, r.UID)
		}
		all = append(all, r)
	}
	var b bytes.Buffer
	if err := Journal(&b, all, testOpt.ProdID); err != nil {
		t.Fatal(err)
	}
	got := bytes.ReplaceAll(b.Bytes(), []byte("\r\n"), []byte("\n"))
	goldentest.Compare(t, "testdata/notes.ics.golden", got)
	if !strings.Contains(string(got), "BEGIN:VJOURNAL") {
		t.Error("no VJOURNAL")
	}
}

func TestNotVNote(t *testing.T) {
	for _, in := range []string{"", "hello", "BEGIN:VCARD\nEND:VCARD\n"} {
		if _, err := Convert([]byte(in), testOpt); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func FuzzConvert(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.vnt")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	// The issue-16 classes in notes: a bad byte in a UTF-8 QP body, a body
	// continued on colon-less lines, bad parameter bytes, deep nesting.
	for _, s := range []string{
		"BEGIN:VNOTE\r\nVERSION:1.1\r\nBODY;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=91=C3=91=80\r\nEND:VNOTE\r\n",
		"BEGIN:VNOTE\r\nVERSION:1.1\r\nBODY:line one\\\r\nline two\r\nDCREATED:20240101T000000Z\r\nEND:VNOTE\r\n",
		"BEGIN:VNOTE\nBODY;X-A=\x01\xff:x\nEND:VNOTE\n",
		"BEGIN:VNOTE\nBODY:x\n" + strings.Repeat("BEGIN:X\n", 40) + strings.Repeat("END:X\n", 40) + "END:VNOTE\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := Convert(raw, testOpt)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if len(res.Records) > 0 {
			if err := Journal(&b, res.Records, ""); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// Issue 16 items 1 and 2 in notes: a bad byte in a UTF-8 body becomes one
// U+FFFD, and a body continued on a colon-less line keeps its lines.
func TestBodyRepairs(t *testing.T) {
	for name, c := range map[string]struct{ in, want string }{
		"bad byte":     {"BODY;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:" + strings.Repeat("=C3=91", 3) + "=80", "ÑÑÑ\uFFFD\n"},
		"continuation": {"BODY:line one\\\r\nline two", "line one\nline two\n"},
	} {
		res, err := Convert([]byte("BEGIN:VNOTE\r\nVERSION:1.1\r\n"+c.in+"\r\nDCREATED:20240101T000000Z\r\nEND:VNOTE\r\n"), testOpt)
		if err != nil || len(res.Records) != 1 {
			t.Fatalf("%s: %v", name, err)
		}
		if got := string(res.Records[0].Data); got != c.want {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
}
