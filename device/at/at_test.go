package at_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/at"
)

// replay is a device.Link that answers each command with a scripted reply
// (default "\r\nOK\r\n"), delivered in transfers of at most chunk bytes.
type replay struct {
	script map[string][]byte
	out    []byte
	chunk  int
	sent   []string
}

func (r *replay) Write(_ context.Context, p []byte) (int, error) {
	cmd := strings.TrimRight(string(p), "\r")
	r.sent = append(r.sent, cmd)
	if b, ok := r.script[cmd]; ok {
		r.out = append(r.out, b...)
	} else {
		r.out = append(r.out, "\r\nOK\r\n"...)
	}
	return len(p), nil
}

func (r *replay) Read(ctx context.Context, p []byte) (int, error) {
	if len(r.out) == 0 {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	n := min(len(p), len(r.out))
	if r.chunk > 0 {
		n = min(n, r.chunk)
	}
	copy(p, r.out[:n])
	r.out = r.out[n:]
	return n, nil
}

func (r *replay) ReadInterrupt(ctx context.Context, p []byte) (int, error) {
	return 0, errors.New("none")
}
func (r *replay) Control(context.Context, uint8, uint8, uint16, uint16, []byte) (int, error) {
	return 0, errors.New("none")
}
func (r *replay) MaxPacketSize() int { return 64 }
func (r *replay) Close() error       { return nil }

var _ device.Link = (*replay)(nil)

// decodeName decodes a phonebook text field the way the corpus README's
// charsets say, for checking the replay: UCS2 hex, 8-bit hex (Motorola,
// trailing 00), or as is.
func decodeName(s, charset string) string {
	if charset != "UCS2" {
		return s
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return s
	}
	if strings.HasSuffix(s, "00") && len(b) > 0 && b[0] != 0 {
		return strings.TrimRight(string(b), "\x00")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u))
}

// TestCorpusReplays feeds real phones' replies (Gammu's test dumps) through
// the client's reply reader, and checks the entries give the names the
// corpus README lists.
func TestCorpusReplays(t *testing.T) {
	cases := []struct {
		file, charset, name, number string
	}{
		{"nokia-2730.dump", "UCS2", "Steve  Vinson", ""},
		{"samsung.dump", "PCCP437", "O2 AsistZahr", ""},
		{"samsung-p900.dump", "PCCP437", "My Tempo", "#121#"},
		{"ucs2.dump", "UCS2", "Stanley Paul", ""},
		{"ucs2-motorola.dump", "UCS2", "Virchow Klinikum St. 31", "030450566735"},
		{"with-time.dump", "UTF8", "Mama GSM", "+31234657899"},
		{"with-date-time.dump", "UTF8", "", "+60122256476"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			dump, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			cmd, _, _ := bytes.Cut(dump, []byte("\n"))
			command := strings.TrimRight(string(cmd), "\r")
			for _, chunk := range []int{0, 1, 7} {
				link := &replay{script: map[string][]byte{command: dump}, chunk: chunk}
				cl := at.NewClient(link, at.ClientOptions{})
				r, err := cl.Do(context.Background(), command)
				if err != nil {
					t.Fatal(err)
				}
				if len(r.Lines) != 1 || !bytes.Equal(r.Raw, dump) {
					t.Fatalf("chunk %d: lines %q, raw %d of %d bytes", chunk, r.Lines, len(r.Raw), len(dump))
				}
				e, err := at.ParseEntry(r.Lines[0])
				if err != nil {
					t.Fatal(err)
				}
				if got := decodeName(e.Text, c.charset); got != c.name {
					t.Errorf("name %q, want %q", got, c.name)
				}
				if c.number != "" && e.Number != c.number {
					t.Errorf("number %q, want %q", e.Number, c.number)
				}
			}
		})
	}
	for _, f := range []string{"c301.dump", "d800.dump"} {
		dump, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		link := &replay{script: map[string][]byte{"AT+SPBR=1": dump}}
		r, err := at.NewClient(link, at.ClientOptions{}).Do(context.Background(), "AT+SPBR=1")
		if err != nil || len(r.Lines) != 1 || !strings.HasPrefix(r.Lines[0], "+SPBR: 1,") {
			t.Errorf("%s: %v %q", f, err, r.Lines)
		}
		if fields, _ := at.Fields(r.Lines[0]); f == "c301.dump" && (len(fields) != 14 || fields[7] != "6,Aditya" || fields[8] != "8,Sengupta") {
			t.Errorf("c301 fields %q", fields)
		}
	}
}

func TestSamsungQuotedLineFeed(t *testing.T) {
	dump, _ := os.ReadFile("testdata/samsung.dump")
	r, _, complete, err := at.ParseReply(dump, "AT+CPBR=241")
	if err != nil || !complete {
		t.Fatal(err, complete)
	}
	e, _ := at.ParseEntry(r.Lines[0])
	if e.Number != "\x0e\x04\n\xa1$_   " || e.Type != 129 || e.Index != 241 {
		t.Errorf("entry %+v", e)
	}
}

func TestParseReply(t *testing.T) {
	for _, c := range []struct {
		in, cmd  string
		lines    []string
		final    string
		complete bool
	}{
		{"AT+CGMI\r\r\nNokia\r\n\r\nOK\r\n", "AT+CGMI", []string{"Nokia"}, "OK", true},
		{"\r\n+CME ERROR: 22\r\n", "AT+CPBR=3", nil, "+CME ERROR: 22", true},
		{"\r\nRING\r\n\r\n+CBC: 0,64\r\n\r\nOK\r\n", "AT+CBC", []string{"+CBC: 0,64"}, "OK", true},
		{"\r\n+CPBR: 1,\"1\",129,\"a\"\r\n", "AT+CPBR=1", []string{`+CPBR: 1,"1",129,"a"`}, "", false},
		// An unbalanced quote ended by CRLF does not swallow the final code.
		{"\r\n+CPBR: 1,\"1,129\r\n\r\nOK\r\n", "", []string{`+CPBR: 1,"1,129`}, "OK", true},
	} {
		r, _, complete, err := at.ParseReply([]byte(c.in), c.cmd)
		if err != nil || complete != c.complete || r.Final != c.final || strings.Join(r.Lines, "|") != strings.Join(c.lines, "|") {
			t.Errorf("%q: %q %q %v %v", c.in, r.Lines, r.Final, complete, err)
		}
	}
}

// TestOnlyReadsAllowed checks the client's allowlist: commands that set
// state (TS 27.007 / V.250), commands it has no reason to send, and reads
// with a second command hidden behind them are refused unsent; the reads
// sk-rescue uses go out.
func TestOnlyReadsAllowed(t *testing.T) {
	link := &replay{}
	cl := at.NewClient(link, at.ClientOptions{})
	for _, cmd := range []string{`AT+CPBW=1,"123",129,"x"`, "AT+CMGD=1", "ATD123;", `AT+CCLK="09/01/01,00:00:00"`,
		"AT&F", "AT&W", "AT+CRES", "AT+CSAS", `AT+CPMS="SM"`, `AT+CKPD="1"`, `AT+CALA="10:00"`, "AT+CFUN=1",
		`AT+CPIN="1234"`, "AT+CMGR=1", "AT+CMGL", "ATE1", "ATZ;D123", "AT+CPBR=1;+CPBW=1", "AT+CPBR=1\rAT+CPBW=1",
		"AT+CPBR=1\x1a", `AT+CPBS="SM","1234"`, `AT+CSCS="UCS2";+CMGD=1`, "AT+CPBR", "AT+CGMI?X", "ATS0=1"} {
		if _, err := cl.Do(context.Background(), cmd); !errors.Is(err, device.ErrReadOnly) {
			t.Errorf("%q: %v", cmd, err)
		}
	}
	if len(link.sent) != 0 {
		t.Errorf("sent %q", link.sent)
	}
	reads := []string{"AT", "ATZ", "ATE0", "ATI", "AT+CMEE=1", "AT+CGMI", "AT+CGMM", "AT+CGMR", "AT+CGSN", "AT+CBC",
		"AT+CSCS=?", `AT+CSCS="UCS2"`, "AT+CSCS?", "AT+CPBS=?", `AT+CPBS="ME"`, `AT+CPBS="0053004D"`, "AT+CPBS?",
		"AT+CPBR=?", "AT+CPBR=7", "AT+CPBR=1,20", "at+cpbr=1,20"}
	for _, cmd := range reads {
		if _, err := cl.Do(context.Background(), cmd); err != nil {
			t.Errorf("%q: %v", cmd, err)
		}
	}
	if len(link.sent) != len(reads) {
		t.Errorf("sent %d of %d reads", len(link.sent), len(reads))
	}
}

func TestQuoteRefusesControlCharacters(t *testing.T) {
	cl := at.NewClient(&replay{}, at.ClientOptions{})
	for _, s := range []string{"S\rM", "S\nM", "SM\x00", "\x1b", "SM\x1a", `S"M`} {
		if q, err := cl.Quote(s); err == nil {
			t.Errorf("Quote(%q) = %q", s, q)
		}
	}
	cl.HexArgs, cl.Charset = true, "UCS2"
	if _, err := cl.Quote("SM\r"); err == nil {
		t.Error("hex quoting let a CR through")
	}
	if q, err := cl.Quote("SM"); err != nil || q != `"0053004D"` {
		t.Errorf("Quote(SM) = %q, %v", q, err)
	}
}

func TestEncodeHex(t *testing.T) {
	if got := at.EncodeHex("UCS2", "UCS2"); got != "0055004300530032" {
		t.Error(got)
	}
	if got := at.EncodeHex("Anna", "UCS2"); got != "0041006E006E0061" {
		t.Error(got)
	}
}

func FuzzParseReply(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.dump")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte("\r\n+CPBS: (\"SM\",\"ME\")\r\n\r\nOK\r\n"))
	f.Add([]byte("\r\n+CPBR: 1,\"\n\"\",\r\nERROR\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, n, complete, err := at.ParseReply(b, "AT+CPBR=1")
		if err != nil {
			return
		}
		if complete && (n > len(b) || r.Final == "") {
			t.Fatalf("n %d of %d, final %q", n, len(b), r.Final)
		}
		for _, l := range r.Lines {
			at.Fields(l)
			if e, err := at.ParseEntry(l); err == nil && e.Index < 0 && !strings.Contains(l, "-") {
				t.Fatalf("negative index from %q", l)
			}
		}
	})
}
