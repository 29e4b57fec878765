package vcard

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzConvert(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.vcf")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		if len(b) < 20000 {
			f.Add(b)
		}
	}
	// The issue-16 classes: a bad byte in a UTF-8 value, colon-less
	// continuation lines, nested and AGENT cards (deep and many), bad
	// parameter bytes.
	for _, s := range []string{
		"BEGIN:VCARD\r\nVERSION:2.1\r\nORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=91=C3=91=80\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:2.1\r\nN:x\r\nADR;HOME:;;St\\\r\n9\\\r\nBox 9;Town;;1;DE\r\nBDAY:20081203\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\nN:p\nAGENT:\nBEGIN:VCARD\nN:a\nAGENT:BEGIN:VCARD\nN:b\nEND:VCARD\nEND:VCARD\nTEL:1\nEND:VCARD\n",
		"BEGIN:VCARD\nVERSION:3.0\nFN:j\nAGENT:BEGIN:VCARD\\nFN:s\\nAGENT:BEGIN:VCARD\\\\nFN:t\\\\nEND:VCARD\\nEND:VCARD\nEND:VCARD\n",
		"BEGIN:VCARD\nN:p\n" + strings.Repeat("AGENT:BEGIN:VCARD\nN:a\n", 40) + strings.Repeat("END:VCARD\n", 40) + "TEL:1\nEND:VCARD\n",
		"BEGIN:VCARD\nN:p\nBEGIN:VCARD\nN:a\nEND:VCARD\nBEGIN:VCARD\nN:b\nTEL:1\nEND:VCARD\n",
		"BEGIN:VCARD\nVERSION:3.0\nFN:x\nTEL;TYPE=\xe9\x01;X-A=\"\x00\xff\":1\nEND:VCARD\n",
	} {
		f.Add([]byte(s))
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
				if !utf8.Valid(r.Data) {
					t.Fatalf("output not UTF-8: %q", r.Data)
				}
				for _, c := range r.Data {
					if (c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f {
						t.Fatalf("control character %#x in output: %q", c, r.Data)
					}
				}
			}
			if len(res.Records) > 1+MaxNestedCards && len(res.Records) > 2*bytes.Count(raw, []byte("BEGIN")) {
				t.Fatalf("%d records from %d BEGINs", len(res.Records), bytes.Count(raw, []byte("BEGIN")))
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
