package featurephone_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/at"
	"github.com/sk-rescue/sk-rescue/device/composite"
	"github.com/sk-rescue/sk-rescue/device/obex"
	"github.com/sk-rescue/sk-rescue/device/sim"
	"github.com/sk-rescue/sk-rescue/device/sim/featurephone"
)

func open(t *testing.T, sel string) (device.Handset, *featurephone.Phone) {
	t.Helper()
	s, err := device.ParseSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	h, ph, err := featurephone.OpenWith(ctx, s, featurephone.Options{
		OBEX: obex.Options{Client: obex.ClientOptions{Timeout: 3 * time.Second, RetryDelay: 5 * time.Millisecond}},
		AT:   at.Options{Client: at.ClientOptions{Timeout: 3 * time.Second}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.Close()
		if m := ph.Mutating(); m != 0 {
			t.Errorf("%d mutating requests reached the phone", m)
		}
	})
	return h, ph
}

func readAll(t *testing.T, h device.Handset, it device.Item) []byte {
	t.Helper()
	rc, err := h.Open(context.Background(), it)
	if err != nil {
		t.Fatalf("open %s: %v", it.ID, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", it.ID, err)
	}
	return b
}

// TestAcceptance lists and reads the whole phone and checks the bytes hold
// what the acceptance counts need: 180 phone cards + 50 SIM entries (20 of
// them the same person and number as a card), 60 events, 25 to-dos, 10
// notes, 15 photos, every name byte for byte.
func TestAcceptance(t *testing.T) {
	h, ph := open(t, "sim:featurephone")
	d := ph.Data
	info := h.Info()
	if info.Protocol != "obex+at" || info.Battery != 64 || info.Serial != featurephone.IMEI || info.Maker != featurephone.Maker {
		t.Errorf("info = %+v", info)
	}
	items, err := h.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]device.Item{}
	photos := 0
	for _, it := range items {
		byID[it.ID] = it
		if it.Kind == device.KindPhoto {
			photos++
		}
	}
	if photos != featurephone.Photos {
		t.Errorf("%d photos listed, want %d", photos, featurephone.Photos)
	}
	for _, id := range []string{"obex:telecom/pb.vcf", "obex:telecom/cal.vcs", "obex:telecom/nt.vnt", "at:SM"} {
		if _, ok := byID[id]; !ok {
			t.Errorf("no item %s in %v", id, items)
		}
	}
	if _, ok := byID["at:ME"]; ok {
		t.Error("AT ME listed although IrMC covers the phone memory")
	}
	if f := byID["at:SM"].Format; f != "text/x-at-phonebook;charset=UCS2;memory=SM" {
		t.Errorf("SM format %q", f)
	}
	pb := readAll(t, h, byID["obex:telecom/pb.vcf"])
	if !bytes.Equal(pb, d.PB) {
		t.Fatalf("pb.vcf differs from the phone's (%d vs %d bytes)", len(pb), len(d.PB))
	}
	if n := bytes.Count(pb, []byte("BEGIN:VCARD")); n != featurephone.PhoneContacts {
		t.Errorf("%d cards", n)
	}
	cal := readAll(t, h, byID["obex:telecom/cal.vcs"])
	if !bytes.Equal(cal, d.Cal) || bytes.Count(cal, []byte("BEGIN:VEVENT")) != 60 || bytes.Count(cal, []byte("BEGIN:VTODO")) != 25 {
		t.Error("cal.vcs wrong")
	}
	nt := readAll(t, h, byID["obex:telecom/nt.vnt"])
	if !bytes.Equal(nt, d.NotesVNT) || bytes.Count(nt, []byte("BEGIN:VNOTE")) != 10 {
		t.Error("nt.vnt wrong")
	}
	sm := readAll(t, h, byID["at:SM"])
	entries := parseEntries(t, sm)
	if len(entries) != featurephone.SIMEntries {
		t.Fatalf("%d SIM entries, want 50", len(entries))
	}
	dups := 0
	for i, e := range entries {
		want := d.SIM[i]
		name := ucs2(t, e.Text)
		if e.Index != want.Slot || name != want.Name || e.Number != want.Number {
			t.Errorf("SIM %d = %d %q %q, want %+v", i, e.Index, name, e.Number, want)
		}
		if want.Duplicate >= 0 {
			c := d.Truth.Contacts[want.Duplicate]
			if c.FullName == name && c.Phones[0] == e.Number {
				dups++
			}
		}
	}
	if dups != featurephone.SIMDuplicates {
		t.Errorf("%d duplicates, want 20", dups)
	}
	// Names in every script are in the card bytes (QP-encoded UTF-8).
	for _, want := range []string{"Łukasz", "Александр", "Γιώργος", "佐藤"} {
		if !strings.Contains(string(d.PB), qpOf(want)) {
			t.Errorf("%s not in pb.vcf", want)
		}
	}
	for _, f := range d.Files[:featurephone.Photos] {
		id := "obex:" + f.Path
		it, ok := byID[id]
		if !ok {
			t.Errorf("photo %s not listed", id)
			continue
		}
		if got := readAll(t, h, it); !bytes.Equal(got, f.Data) || it.Size != int64(len(f.Data)) || !it.Modified.Equal(f.Modified) {
			t.Errorf("photo %s: %d bytes (size %d, mod %v), want %d", id, len(got), it.Size, it.Modified, len(f.Data))
		}
	}
	if w := h.(*composite.Handset).Warnings(); len(w) != 0 {
		t.Errorf("warnings: %v", w)
	}
	if ph.Requests() == 0 {
		t.Error("no requests counted")
	}
}

func qpOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteString("=" + strings.ToUpper(string("0123456789abcdef"[s[i]>>4])+string("0123456789abcdef"[s[i]&15])))
	}
	return b.String()[:6] // the first two bytes survive any soft break
}

func parseEntries(t *testing.T, raw []byte) []at.Entry {
	t.Helper()
	var out []at.Entry
	rest := raw
	for len(rest) > 0 {
		i := bytes.Index(rest, []byte("+CPBR:"))
		if i < 0 {
			break
		}
		rest = rest[i:]
		j := bytes.IndexAny(rest, "\r\n")
		if j < 0 {
			j = len(rest)
		}
		e, err := at.ParseEntry(string(rest[:j]))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
		rest = rest[j:]
	}
	return out
}

func ucs2(t *testing.T, s string) string {
	t.Helper()
	var w []uint16
	for i := 0; i+4 <= len(s); i += 4 {
		var v uint16
		for _, c := range s[i : i+4] {
			v = v<<4 | uint16(strings.IndexRune("0123456789ABCDEF", c))
		}
		w = append(w, v)
	}
	return string(utf16.Decode(w))
}

func TestRefusedBulkFallsBackToEntries(t *testing.T) {
	for _, mode := range []string{"forbidden", "notfound"} {
		t.Run(mode, func(t *testing.T) {
			h, ph := open(t, "sim:featurephone?refusebulk="+mode)
			_, pb := listed(t, h, "obex:telecom/pb.vcf")
			got := readAll(t, h, pb)
			if !bytes.Equal(got, ph.Data.PB) {
				t.Fatalf("fallback gave %d bytes, want the %d of the entries", len(got), len(ph.Data.PB))
			}
			_, gets, _ := ph.OBEX.Stats()
			if gets["telecom/pb/180.vcf"] != 1 || gets["telecom/pb/181.vcf"] != 0 {
				t.Errorf("entry reads: 180→%d 181→%d", gets["telecom/pb/180.vcf"], gets["telecom/pb/181.vcf"])
			}
			if mode == "forbidden" && gets["telecom/pb.vcf"] != 5 {
				t.Errorf("bulk tried %d times, want 1 + 4 retries", gets["telecom/pb.vcf"])
			}
		})
	}
}

func TestBusyPhoneIsRetried(t *testing.T) {
	h, ph := open(t, "sim:featurephone?busy=3")
	items, err := h.List(context.Background(), device.KindNote)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, h, items[0]); !bytes.Equal(got, ph.Data.NotesVNT) {
		t.Error("notes differ")
	}
}

func TestFailingBlockReadsOneByOne(t *testing.T) {
	h, ph := open(t, "sim:featurephone?failblock=1")
	items, err := h.List(context.Background(), device.KindContact)
	if err != nil {
		t.Fatal(err)
	}
	var sm device.Item
	for _, it := range items {
		if it.ID == "at:SM" {
			sm = it
		}
	}
	entries := parseEntries(t, readAll(t, h, sm))
	if len(entries) != featurephone.SIMEntries {
		t.Errorf("%d entries after fallback, want 50", len(entries))
	}
	a := h.(*composite.Handset).Parts()[1].Handset.(*at.Handset)
	st := a.Stats()
	if len(st) != 1 || st[0].Used != 50 || st[0].Read != 50 || st[0].BlocksFailed != 1 || st[0].Failed != 1 {
		t.Errorf("stats %+v", st)
	}
	if w := a.Warnings(); len(w) != 1 || !strings.Contains(w[0], "phone reports 50 used, read 50, 1 slots refused") {
		t.Errorf("warnings %q", w)
	}
	_ = ph
}

func TestHexArgumentsPhone(t *testing.T) {
	h, ph := open(t, "sim:featurephone?hexargs=1")
	a := h.(*composite.Handset).Parts()[1].Handset.(*at.Handset)
	if !a.Client().HexArgs || a.Client().Charset != "UCS2" {
		t.Fatalf("charset %q hex %v", a.Client().Charset, a.Client().HexArgs)
	}
	items, err := a.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("items %v", items)
	}
	for _, it := range items {
		entries := parseEntries(t, readAll(t, a, it))
		want := featurephone.SIMEntries
		if it.ID == "ME" {
			want = featurephone.PhoneContacts
		}
		if len(entries) != want {
			t.Errorf("%s: %d entries, want %d", it.ID, len(entries), want)
		}
		if it.ID == "ME" && ucs2(t, entries[3].Text) != ph.Data.Truth.Contacts[3].FullName {
			t.Errorf("ME 4 = %q", ucs2(t, entries[3].Text))
		}
	}
}

func TestSplitOBEXReplies(t *testing.T) {
	h, ph := open(t, "sim:featurephone?split=1")
	items, err := h.List(context.Background(), device.KindEvent, device.KindPhoto)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1+featurephone.Photos {
		t.Fatalf("%d items", len(items))
	}
	if got := readAll(t, h, items[0]); !bytes.Equal(got, ph.Data.Cal) {
		t.Error("cal differs")
	}
	if got := readAll(t, h, items[1]); !bytes.Equal(got, ph.Data.Files[0].Data) {
		t.Error("photo differs")
	}
}

func TestDisconnectMidBodyThenResume(t *testing.T) {
	h, ph := open(t, "sim:featurephone")
	items, err := h.List(context.Background(), device.KindContact)
	if err != nil {
		t.Fatal(err)
	}
	ph.OBEXLink.SetFaults(sim.Faults{DisconnectAfterIn: 10000})
	rc, err := h.Open(context.Background(), items[0])
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(rc)
	rc.Close()
	if !errors.Is(err, device.ErrDisconnected) {
		t.Fatalf("err = %v, want ErrDisconnected", err)
	}
	// Replugged: a new session reads the object whole.
	h2, ph2 := open(t, "sim:featurephone")
	items2, err := h2.List(context.Background(), device.KindContact)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, h2, items2[0]); !bytes.Equal(got, ph2.Data.PB) {
		t.Error("resumed read differs")
	}
}

// TestGarbageReplies garbles each of the first transfers of a GET in turn:
// a garbled header is a protocol error, a garbled body cannot be told from
// data (OBEX has no checksum; the archive's hash records what came), and
// nothing hangs or panics.
func TestGarbageReplies(t *testing.T) {
	protocolErrors := 0
	for n := 1; n <= 12; n++ {
		h, ph := open(t, "sim:featurephone")
		items, err := h.List(context.Background(), device.KindNote)
		if err != nil {
			t.Fatal(err)
		}
		ph.OBEXLink.SetFaults(sim.Faults{GarbageAtTransfer: n})
		done := make(chan error, 1)
		go func() {
			rc, err := h.Open(context.Background(), items[0])
			if err == nil {
				var b []byte
				b, err = io.ReadAll(rc)
				rc.Close()
				if err == nil && !bytes.Equal(b, ph.Data.NotesVNT) {
					err = errors.New("garbage passed as data")
				}
			}
			done <- err
		}()
		select {
		case err := <-done:
			switch {
			case err == nil:
			case errors.Is(err, device.ErrProtocol):
				protocolErrors++
			case err.Error() == "garbage passed as data", errors.Is(err, device.ErrTimeout), obex.IsResponse(err):
				t.Logf("garbage at %d: %v", n, err)
			default:
				t.Errorf("garbage at transfer %d: unclear error %v", n, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("garbage at transfer %d: hang", n)
		}
	}
	if protocolErrors == 0 {
		t.Error("no garbled transfer was reported as a protocol error")
	}
}

func TestATGarbageAndDisconnect(t *testing.T) {
	h, ph := open(t, "sim:featurephone")
	a := h.(*composite.Handset).Parts()[1].Handset.(*at.Handset)
	items, err := a.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ph.ATLink.SetFaults(sim.Faults{GarbageAtTransfer: 4})
	_, err = a.Open(context.Background(), items[0])
	if err == nil {
		// Garbage mid-reply is skipped when the final code still comes;
		// the entries must then still be whole.
		t.Log("garbage transfer absorbed")
	}
	ph.ATLink.SetFaults(sim.Faults{DisconnectAtTransfer: 3})
	_, err = a.Open(context.Background(), items[1])
	if !errors.Is(err, device.ErrDisconnected) && !errors.Is(err, device.ErrTimeout) {
		t.Errorf("err = %v", err)
	}
}
