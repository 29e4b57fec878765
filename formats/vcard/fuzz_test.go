package vcard

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzConvert(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.vcf")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		if len(b) < 20000 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, v := range []string{"3.0", "4.0"} {
			opt := testOpt
			opt.VCardVersion = v
			res, err := Convert(raw, opt)
			if err != nil {
				continue
			}
			for _, r := range res.Records {
				if r.UID == "" || len(r.Data) == 0 {
					t.Fatal("record without UID or data")
				}
			}
			if _, err := Merge(opt, res.Records); err != nil {
				t.Fatalf("merge of our own output: %v", err)
			}
		}
	})
}

func FuzzConvertAT(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.dump")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b, "UCS2")
		f.Add(b, "GSM")
	}
	f.Fuzz(func(t *testing.T, raw []byte, cs string) {
		ConvertAT(raw, cs, "SM", testOpt)
	})
}
