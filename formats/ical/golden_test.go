package ical

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/formats"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var testOpt = formats.Options{
	UIDSeed: "test-serial/item-1",
	ProdID:  "-//sk-rescue//sk-rescue test//EN",
}

func render(res formats.Result) []byte {
	var b bytes.Buffer
	for _, r := range res.Records {
		b.WriteString("# record " + r.Kind + " uid=" + r.UID + " name=" + r.Name + "\n")
		for _, w := range r.Warnings {
			b.WriteString("# warning: " + w + "\n")
		}
		b.Write(bytes.ReplaceAll(r.Data, []byte("\r\n"), []byte("\n")))
	}
	for _, f := range res.Failures {
		b.WriteString("# failure " + f.Err.Error() + "\n")
	}
	for _, w := range res.Warnings {
		b.WriteString("# object warning: " + w + "\n")
	}
	return b.Bytes()
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; run go test -update and review the diff", path)
	}
}

func samples(t *testing.T) []string {
	var files []string
	for _, g := range []string{"testdata/*.vcs", "testdata/*.ics"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no samples")
	}
	return files
}

func TestGolden(t *testing.T) {
	for _, f := range samples(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Convert(raw, testOpt)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Records) == 0 || len(res.Failures) > 0 {
				t.Errorf("records %d, failures %v", len(res.Records), res.Failures)
			}
			again, _ := Convert(raw, testOpt)
			if !bytes.Equal(render(res), render(again)) {
				t.Fatal("output not deterministic")
			}
			ext := filepath.Ext(f)
			golden(t, strings.TrimSuffix(f, ext)+ext+".golden", render(res))
		})
	}
}

func TestModifiedIsStampFallback(t *testing.T) {
	raw := []byte("BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nDTSTART:20040123T120000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	opt := testOpt
	opt.Modified = time.Date(2010, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	res, err := Convert(raw, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(res.Records[0].Data, []byte("DTSTAMP:20100102T020405Z")) {
		t.Errorf("DTSTAMP not from Options.Modified:\n%s", res.Records[0].Data)
	}
	res, _ = Convert(raw, testOpt)
	if !bytes.Contains(res.Records[0].Data, []byte("DTSTAMP:19700101T000000Z")) {
		t.Errorf("DTSTAMP not the fixed value:\n%s", res.Records[0].Data)
	}
}
