package vcard

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
	UIDSeed:  "test-serial/item-1",
	Modified: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
	ProdID:   "-//sk-rescue//sk-rescue test//EN",
}

// render puts a result in one text for a golden file.
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

func TestGoldenVCF(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.vcf")
	if len(files) == 0 {
		t.Fatal("no samples")
	}
	for _, f := range files {
		for _, ver := range []string{"3.0", "4.0"} {
			t.Run(filepath.Base(f)+"/"+ver, func(t *testing.T) {
				raw, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				opt := testOpt
				opt.VCardVersion = ver
				res, err := Convert(raw, opt)
				if err != nil {
					t.Fatal(err)
				}
				again, _ := Convert(raw, opt)
				if !bytes.Equal(render(res), render(again)) {
					t.Fatal("output not deterministic")
				}
				golden(t, strings.TrimSuffix(f, ".vcf")+".v"+ver[:1]+".golden", render(res))
			})
		}
	}
}
