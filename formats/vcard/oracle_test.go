package vcard

import (
	"bytes"
	"github.com/sk-rescue/sk-rescue/formats/internal/goldentest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	govcard "github.com/emersion/go-vcard"

	"github.com/sk-rescue/sk-rescue/formats"
	"github.com/sk-rescue/sk-rescue/formats/internal/versit"
)

// backupEntries reads the first phonebook entry of a Gammu .backup (INI,
// UTF-16 or ASCII) as type → texts.
func backupEntries(t *testing.T, path string) map[string][]string {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	if len(raw) >= 2 && (raw[0] == 0xFE && raw[1] == 0xFF || raw[0] == 0xFF && raw[1] == 0xFE) {
		be := raw[0] == 0xFE
		u := make([]uint16, 0, len(raw)/2)
		for i := 2; i+1 < len(raw); i += 2 {
			if be {
				u = append(u, uint16(raw[i])<<8|uint16(raw[i+1]))
			} else {
				u = append(u, uint16(raw[i+1])<<8|uint16(raw[i]))
			}
		}
		text = string(utf16.Decode(u))
	}
	types := map[string]string{}
	texts := map[string]string{}
	re := regexp.MustCompile(`^Entry(\d+)(Type|Text) = (.*)$`)
	for _, l := range strings.Split(text, "\n") {
		m := re.FindStringSubmatch(strings.TrimRight(l, "\r"))
		if m == nil {
			continue
		}
		v := m[3]
		if m[2] == "Type" {
			types[m[1]] = v
			continue
		}
		v = strings.TrimSuffix(strings.TrimPrefix(v, `"`), `"`)
		// Gammu's INI escapes.
		v = strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\r`, "\n", `\,`, ",", `\;`, ";").Replace(v)
		texts[m[1]] = v
	}
	out := map[string][]string{}
	for k, typ := range types {
		if s := strings.TrimSpace(texts[k]); s != "" {
			out[typ] = append(out[typ], s)
		}
	}
	return out
}

// checked says which Gammu entry types the oracle checks: names, numbers,
// e-mails, addresses, company, URL, birthday.
func checked(typ string) bool {
	switch {
	case strings.HasPrefix(typ, "Number"), strings.HasSuffix(typ, "Name"), typ == "Name",
		typ == "Email", typ == "Company", typ == "URL", typ == "Date":
		return true
	case strings.HasSuffix(typ, "Address"), strings.HasSuffix(typ, "City"), strings.HasSuffix(typ, "State"),
		strings.HasSuffix(typ, "Zip"), strings.HasSuffix(typ, "Country"):
		return true
	}
	return false
}

// outputValues decodes a converted card with go-vcard (an independent
// reader) and returns every value and every ;-separated component.
func outputValues(t *testing.T, data []byte) map[string]bool {
	card, err := govcard.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("go-vcard cannot read our output: %v\n%s", err, data)
	}
	if card.Value(govcard.FieldFormattedName) == "" || card.Get(govcard.FieldName) == nil || card.Value(govcard.FieldUID) == "" {
		t.Errorf("FN, N or UID missing:\n%s", data)
	}
	vals := map[string]bool{}
	for _, fields := range card {
		for _, f := range fields {
			vals[strings.TrimSpace(versit.Unescape(f.Value))] = true
			for _, part := range versit.Split(f.Value, ';') {
				p := strings.TrimSpace(versit.Unescape(part))
				vals[p] = true
				vals[strings.ReplaceAll(p, "-", "")] = true // dates
			}
		}
	}
	return vals
}

func TestGammuOracle(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.vcf")
	n := 0
	for _, f := range files {
		backup := strings.TrimSuffix(f, ".vcf") + ".backup"
		if _, err := os.Stat(backup); err != nil {
			continue
		}
		for _, ver := range []string{"3.0", "4.0"} {
			t.Run(filepath.Base(f)+"/"+ver, func(t *testing.T) {
				raw, _ := os.ReadFile(f)
				opt := testOpt
				opt.VCardVersion = ver
				res, err := Convert(raw, opt)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Records) == 0 {
					t.Fatal("no records")
				}
				// Every card must read back; the .backup describes the first.
				for _, r := range res.Records {
					outputValues(t, r.Data)
				}
				vals := outputValues(t, res.Records[0].Data)
				for typ, want := range backupEntries(t, backup) {
					if !checked(typ) {
						continue
					}
					for _, w := range want {
						n++
						if !vals[w] {
							t.Errorf("%s %q (found by Gammu) missing from:\n%s", typ, w, res.Records[0].Data)
						}
					}
				}
			})
		}
	}
	if n < 100 {
		t.Errorf("only %d oracle values checked", n)
	}
}

func TestATDumps(t *testing.T) {
	cases := []struct {
		file, charset string
		name, number  string
		warn          bool
	}{
		// Charsets and expectations from the corpus README.
		{"samsung.dump", "PCCP437", "O2 AsistZahr", "", true},
		{"samsung-p900.dump", "PCCP437", "My Tempo", "#121#", false},
		{"with-time.dump", "UTF8", "Mama GSM", "+31234657899", false},
		{"with-date-time.dump", "UTF8", "+60122256476", "+60122256476", false},
		{"nokia-2730.dump", "UCS2", "Steve  Vinson", "", false},
		{"ucs2.dump", "UCS2", "Stanley Paul", "", false},
		{"ucs2-motorola.dump", "UCS2", "Virchow Klinikum St. 31", "030450566735", true},
		{"c301.dump", "UTF8", "Aditya Sengupta", "+919821485060", false},
	}
	for _, c := range cases {
		for _, ver := range []string{"3.0", "4.0"} {
			t.Run(c.file+"/"+ver, func(t *testing.T) {
				raw, err := os.ReadFile("testdata/" + c.file)
				if err != nil {
					t.Fatal(err)
				}
				opt := testOpt
				opt.VCardVersion = ver
				res, err := ConvertAT(raw, c.charset, "SM", opt)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Records) != 1 || len(res.Failures) != 0 {
					t.Fatalf("records %d failures %v", len(res.Records), res.Failures)
				}
				r := res.Records[0]
				if r.Name != c.name {
					t.Errorf("name %q, want %q", r.Name, c.name)
				}
				vals := outputValues(t, r.Data)
				if c.number != "" && !vals[c.number] {
					t.Errorf("number %s missing:\n%s", c.number, r.Data)
				}
				if !vals["SM"] {
					t.Errorf("source memory missing:\n%s", r.Data)
				}
				if (len(r.Warnings) > 0) != c.warn {
					t.Errorf("warnings %q", r.Warnings)
				}
				goldentest.Compare(t, "testdata/"+strings.TrimSuffix(c.file, ".dump")+".v"+ver[:1]+".golden", goldentest.Render(res))
			})
		}
	}
}

func TestATReplyShapes(t *testing.T) {
	reply := "AT+CPBR=1,5\r\r\n+CPBR: 1,\"0041006E006E0061\",129,\"0041006E006E0061\"\r\n" +
		"+CPBR: 2,\"123\",145,\"00C400E400DF\"\r\n+CME ERROR: 22\r\nOK\r\n"
	res, err := ConvertAT([]byte(reply), "UCS2", "me", testOpt)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 2 {
		t.Fatalf("%d records", len(res.Records))
	}
	if res.Records[0].Name != "Anna" || res.Records[1].Name != "Ääß" {
		t.Errorf("names %q %q", res.Records[0].Name, res.Records[1].Name)
	}
	if !bytes.Contains(res.Records[1].Data, []byte("TEL:+123")) || !bytes.Contains(res.Records[1].Data, []byte("X-SK-RESCUE-SOURCE:ME")) {
		t.Errorf("type 145 or memory:\n%s", res.Records[1].Data)
	}
	if res.Records[0].UID == res.Records[1].UID {
		t.Error("UIDs collide")
	}
	// GSM default alphabet, including the escape table.
	res, err = ConvertAT([]byte("+CPBR: 3,\"1\",129,\"\x00bc\x1be\x02\"\r\n"), "GSM", "SM", testOpt)
	if err != nil || res.Records[0].Name != "@bc€$" {
		t.Errorf("GSM: %v %q", err, res.Records[0].Name)
	}
	if len(gsmBasic) != 128 {
		t.Errorf("GSM table has %d entries", len(gsmBasic))
	}
	if _, err := ConvertAT([]byte("OK\r\n"), "UCS2", "SM", testOpt); err == nil {
		t.Error("no error for a reply without entries")
	}
}

func TestMerge(t *testing.T) {
	sim, err := ConvertAT([]byte("+CPBR: 1,\"0601020304\",129,\"Anna Smith\"\r\n+CPBR: 2,\"555\",129,\"Bob\"\r\n"), "UTF-8", "SM", testOpt)
	if err != nil {
		t.Fatal(err)
	}
	me, err := Convert([]byte("BEGIN:VCARD\r\nVERSION:2.1\r\nN:Smith;Anna\r\nFN:anna  smith\r\nTEL;CELL:+33 6 01 02 03 04\r\nEMAIL:anna@example.org\r\nX-GAMMU-MEMORY:ME\r\nX-SK-RESCUE-SOURCE:ME\r\nEND:VCARD\r\n"+
		"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Bob\r\nTEL:666\r\nEND:VCARD\r\n"), testOpt)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Merge(testOpt, sim.Records, me.Records)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 {
		t.Fatalf("%d records, want 3 (Anna merged, two different Bobs)", len(out))
	}
	a := string(out[0].Data)
	for _, want := range []string{"X-SK-RESCUE-SOURCE:ME,SM", "EMAIL:anna@example.org", "TEL;TYPE=CELL:+33 6 01 02 03 04", "FN:Anna Smith"} {
		if !strings.Contains(a, want) {
			t.Errorf("merged card lacks %q:\n%s", want, a)
		}
	}
	if strings.Count(a, "TEL") != 1 {
		t.Errorf("the same number twice:\n%s", a)
	}
	if out[0].UID != sim.Records[0].UID {
		t.Error("merged UID is not the first record's")
	}
	again, _ := Merge(testOpt, sim.Records, me.Records)
	if !bytes.Equal(again[0].Data, out[0].Data) {
		t.Error("merge not deterministic")
	}
}

func TestHostile(t *testing.T) {
	for name, in := range map[string]string{
		"empty":        "",
		"not vcard":    "hello world\n",
		"only end":     "END:VCARD\n",
		"begin only":   "BEGIN:VCARD",
		"bad qp":       "BEGIN:VCARD\nVERSION:2.1\nN;ENCODING=QUOTED-PRINTABLE:=Z=\n=\nEND:VCARD\n",
		"bad base64":   "BEGIN:VCARD\nVERSION:2.1\nN:x\nPHOTO;ENCODING=BASE64;TYPE=JPEG:!!!!\n\nEND:VCARD\n",
		"deep nesting": strings.Repeat("BEGIN:X\n", 100),
		"no colon":     "BEGIN:VCARD\nVERSION:2.1\nN\nEND:VCARD\n",
	} {
		res, err := Convert([]byte(in), testOpt)
		t.Logf("%s: %d records, %d failures, err %v", name, len(res.Records), len(res.Failures), err)
	}
	res, err := Convert([]byte("BEGIN:VCARD\nVERSION:2.1\nN:x\nPHOTO;ENCODING=BASE64;TYPE=JPEG:!!!!\n\nEND:VCARD\n"), testOpt)
	if err != nil || len(res.Records) != 1 || len(res.Records[0].Warnings) == 0 || bytes.Contains(res.Records[0].Data, []byte("PHOTO")) {
		t.Errorf("bad base64 photo: %v %+v", err, res)
	}
	huge := "BEGIN:VCARD\nVERSION:2.1\nN;ENCODING=QUOTED-PRINTABLE:" + strings.Repeat("=41=\n", versit.MaxLine/3+10) + "\nEND:VCARD\nBEGIN:VCARD\nN:ok\nEND:VCARD\n"
	res, err = Convert([]byte(huge), testOpt)
	if err != nil || len(res.Failures) != 1 || len(res.Records) != 1 {
		t.Errorf("huge line: err %v, %d records, %d failures", err, len(res.Records), len(res.Failures))
	}
}

func TestCharsets(t *testing.T) {
	cases := map[string]struct {
		charset string
		raw     []byte
		want    string
	}{
		"latin1":    {"ISO-8859-1", []byte{'H', 0xF6, 'r'}, "Hör"},
		"latin2":    {"ISO-8859-2", []byte{0xA9, 'a'}, "Ša"},
		"cp1251":    {"windows-1251", []byte{0xC8, 0xE2, 0xE0, 0xED}, "Иван"},
		"koi8r":     {"KOI8-R", []byte{0xE9, 0xD7, 0xC1, 0xCE}, "Иван"},
		"sjis":      {"Shift_JIS", []byte{0x93, 0xfa, 0x96, 0x7b}, "日本"},
		"gb2312":    {"GB2312", []byte{0xd6, 0xd0, 0xce, 0xc4}, "中文"},
		"big5":      {"Big5", []byte{0xa4, 0xa4, 0xa4, 0xe5}, "中文"},
		"utf8":      {"UTF-8", []byte("Żółw"), "Żółw"},
		"none-8bit": {"", []byte{'H', 0xF6, 'r'}, "Hör"},
	}
	for name, c := range cases {
		in := append([]byte("BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET="+c.charset+":"), c.raw...)
		in = append(in, "\r\nEND:VCARD\r\n"...)
		res, err := Convert(in, testOpt)
		if err != nil || len(res.Records) != 1 {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Records[0].Name != c.want {
			t.Errorf("%s: %q, want %q", name, res.Records[0].Name, c.want)
		}
	}
	// QP in a charset, with a soft break inside an escape.
	in := "BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=windows-1251;ENCODING=QUOTED-PRINTABLE:=C8=E2=\n=E0=ED\nEND:VCARD\n"
	res, _ := Convert([]byte(in), testOpt)
	if res.Records[0].Name != "Иван" {
		t.Errorf("QP+charset: %q", res.Records[0].Name)
	}
}

func TestDerivedUIDsStable(t *testing.T) {
	raw := []byte("BEGIN:VCARD\nN:a\nEND:VCARD\nBEGIN:VCARD\nN:b\nEND:VCARD\n")
	a, _ := Convert(raw, testOpt)
	b, _ := Convert(raw, testOpt)
	if a.Records[0].UID != b.Records[0].UID || a.Records[0].UID == a.Records[1].UID {
		t.Error("derived UIDs not stable or not unique")
	}
	opt := testOpt
	opt.UIDSeed = "other/1"
	c, _ := Convert(raw, opt)
	if c.Records[0].UID == a.Records[0].UID {
		t.Error("UID does not depend on the seed")
	}
	var _ = formats.KindContact
}

func BenchmarkConvert10k(b *testing.B) {
	b.ReportAllocs()
	raw := bytes.Repeat([]byte("BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Zden=C4=9Bk;=C5=BD=C3=A1k\r\nTEL;CELL;PREF:+420123456789\r\nTEL;WORK:555\r\nEMAIL;INTERNET:z@example.org\r\nADR;HOME:;;Street 1;Town;;12345;CZ\r\nX-IRMC-LUID:000200000012\r\nEND:VCARD\r\n"), 10000)
	b.SetBytes(int64(len(raw)))
	for i := 0; i < b.N; i++ {
		res, err := Convert(raw, testOpt)
		if err != nil || len(res.Records) != 10000 {
			b.Fatal(err)
		}
	}
}

// TestTenThousandFast guards the cost of a conversion in a way a loaded
// machine does not disturb: allocations per card. (On an idle 2-CPU box
// 10,000 cards take about 0.4 s; see BenchmarkConvert10k.)
func TestTenThousandFast(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	r := testing.Benchmark(BenchmarkConvert10k)
	perCard := r.AllocsPerOp() / 10000
	t.Logf("10,000 cards: %v, %d allocations per card", r.T/time.Duration(max(r.N, 1)), perCard)
	if perCard > 200 {
		t.Errorf("%d allocations per card", perCard)
	}
}
