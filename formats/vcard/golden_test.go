package vcard

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
	UIDSeed:  "test-serial/item-1",
	Modified: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
	ProdID:   "-//sk-rescue//sk-rescue test//EN",
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
				if !bytes.Equal(goldentest.Render(res), goldentest.Render(again)) {
					t.Fatal("output not deterministic")
				}
				goldentest.Compare(t, strings.TrimSuffix(f, ".vcf")+".v"+ver[:1]+".golden", goldentest.Render(res))
			})
		}
	}
}
