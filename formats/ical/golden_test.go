package ical

import (
	"bytes"
	"github.com/sk-rescue/sk-rescue/formats/internal/goldentest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/formats"
)

var testOpt = formats.Options{
	UIDSeed: "test-serial/item-1",
	ProdID:  "-//sk-rescue//sk-rescue test//EN",
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
			if !bytes.Equal(goldentest.Render(res), goldentest.Render(again)) {
				t.Fatal("output not deterministic")
			}
			ext := filepath.Ext(f)
			goldentest.Compare(t, strings.TrimSuffix(f, ext)+ext+".golden", goldentest.Render(res))
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
