package featurephone_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/at"
	"github.com/sk-rescue/sk-rescue/device/composite"
	"github.com/sk-rescue/sk-rescue/device/obex"
	"github.com/sk-rescue/sk-rescue/device/sim/featurephone"
)

// readWithin reads it whole in a goroutine and returns the error; the
// bound only turns a hang into a failure, it asserts no timing.
func readWithin(t *testing.T, h device.Handset, it device.Item) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		rc, err := h.Open(context.Background(), it)
		if err == nil {
			_, err = io.ReadAll(rc)
			rc.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: the read hangs", it.ID)
		return nil
	}
}

func obexPart(h device.Handset) *obex.Handset {
	return h.(*composite.Handset).Parts()[0].Handset.(*obex.Handset)
}

// listed lists h's items and picks the one with id.
func listed(t *testing.T, h device.Handset, id string) (all []device.Item, it device.Item) {
	t.Helper()
	all, err := h.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range all {
		if x.ID == id {
			return all, x
		}
	}
	t.Fatalf("no item %q in %d listed", id, len(all))
	return nil, device.Item{}
}

func atPart(h device.Handset) *at.Handset {
	return h.(*composite.Handset).Parts()[1].Handset.(*at.Handset)
}

// TestEndlessEmptyContinue: a phone that answers Continue with no body
// for ever ends the GET with a protocol error after MaxEmptyContinues,
// and the session still reads the next object (the GET was aborted).
func TestEndlessEmptyContinue(t *testing.T) {
	h, ph := open(t, "sim:featurephone?emptycontinue=1")
	items, err := obexPart(h).List(context.Background(), device.KindContact, device.KindNote)
	if err != nil {
		t.Fatal(err)
	}
	err = readWithin(t, obexPart(h), items[0])
	if !errors.Is(err, device.ErrProtocol) || !strings.Contains(err.Error(), "Continue 64 times in a row") {
		t.Fatalf("err = %v, want a protocol error about empty Continues", err)
	}
	if ops, _, _ := ph.OBEX.Stats(); ops[obex.OpGetFinal] > obex.MaxEmptyContinues+10 {
		t.Errorf("%d GETs for one object", ops[obex.OpGetFinal])
	}
	if err := readWithin(t, obexPart(h), items[1]); err != nil {
		t.Errorf("notes after the aborted GET: %v", err)
	}
}

// TestBodyLongerThanLength: a body that runs on past its Length header
// fails once it passes Length + LengthSlack.
func TestBodyLongerThanLength(t *testing.T) {
	h, ph := open(t, "sim:featurephone?overlength=1")
	items, err := obexPart(h).List(context.Background(), device.KindContact)
	if err != nil {
		t.Fatal(err)
	}
	err = readWithin(t, obexPart(h), items[0])
	if !errors.Is(err, device.ErrProtocol) || !strings.Contains(err.Error(), "Length header gives as") {
		t.Fatalf("err = %v, want a protocol error about the Length header", err)
	}
	_ = ph
}

// TestObjectSizeCap: with no Length header only the size cap ends an
// endless body.
func TestObjectSizeCap(t *testing.T) {
	h, _ := open(t, "sim:featurephone?overlength=1&nolength=1")
	c := obexPart(h).Client()
	ctx := context.Background()
	if err := c.Connect(ctx, obex.TargetIrMC); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		g, err := c.GetLimited(ctx, "telecom/pb.vcf", "", 64<<10)
		if err == nil {
			_, err = io.ReadAll(g)
			g.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, device.ErrProtocol) || !strings.Contains(err.Error(), "more than the 65536 bytes") {
			t.Fatalf("err = %v, want a protocol error about the size cap", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the read hangs")
	}
}

// TestUnreadableMemoryStops: a memory refusing every read stops after
// MaxFailedBlocks blocks, saying how far it got, instead of asking for
// each of its 500 slots one at a time.
func TestUnreadableMemoryStops(t *testing.T) {
	h, ph := open(t, "sim:featurephone?failme=1")
	a := atPart(h)
	items, me := listed(t, a, "ME")
	err := readWithin(t, a, me)
	if !errors.Is(err, device.ErrProtocol) || !strings.Contains(err.Error(), "refused 5 blocks in a row") ||
		!strings.Contains(err.Error(), "after 100 of 500 slots") {
		t.Fatalf("err = %v", err)
	}
	cmds, _ := ph.AT.Stats()
	if n := cmds["+CPBR"]; n > 5*21+1 {
		t.Errorf("%d AT+CPBR commands for an unreadable memory", n)
	}
	// The SIM still reads.
	for _, it := range items {
		if it.ID == "SM" {
			if err := readWithin(t, a, it); err != nil {
				t.Errorf("SM: %v", err)
			}
		}
	}
}

// TestFailingSIMKeepsWhatWasRead: a SIM that fails from slot 101 on stops
// the read after MaxFailedBlocks refused blocks, but the entries before
// are the phone's data and are handed over, with Incomplete saying why
// the rest is missing and a warning for the summary.
func TestFailingSIMKeepsWhatWasRead(t *testing.T) {
	h, ph := open(t, "sim:featurephone?failfrom=101")
	a := atPart(h)
	_, sm := listed(t, a, "SM")
	rc, err := a.Open(context.Background(), sm)
	if err != nil {
		t.Fatalf("open SM: %v", err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	ic, ok := rc.(interface{ Incomplete() error })
	if !ok || ic.Incomplete() == nil || !strings.Contains(ic.Incomplete().Error(), "refused 5 blocks in a row") ||
		!errors.Is(ic.Incomplete(), device.ErrProtocol) {
		t.Fatalf("the partial read does not say it is partial: %T", rc)
	}
	var want, got int
	for _, e := range ph.Data.SIM {
		if e.Slot >= 101 {
			continue
		}
		want++
		if bytes.Contains(b, []byte(fmt.Sprintf("+CPBR: %d,%q", e.Slot, e.Number))) {
			got++
		}
	}
	if want == 0 || got != want {
		t.Errorf("kept %d of the %d SIM entries before slot 101", got, want)
	}
	if bytes.Contains(b, []byte("+CPBR: 101,")) || bytes.Contains(b, []byte("ERROR")) {
		t.Errorf("the kept bytes hold a refused read:\n%s", b)
	}
	if w := strings.Join(a.Warnings(), "\n"); !strings.Contains(w, "SM:") || !strings.Contains(w, "stopped early") {
		t.Errorf("warnings = %q, want SM stopped early", w)
	}
}

// TestPhonebookSizeCap: a phonebook whose replies pass MaxBytes fails
// with the slots read so far instead of growing in memory.
func TestPhonebookSizeCap(t *testing.T) {
	s, err := device.ParseSelector("sim:featurephone")
	if err != nil {
		t.Fatal(err)
	}
	h, ph, err := featurephone.OpenWith(context.Background(), s, featurephone.Options{
		AT: at.Options{MaxBytes: 4000, Client: at.ClientOptions{Timeout: 3 * time.Second}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	a := atPart(h)
	items, err := a.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	err = readWithin(t, a, items[0])
	if !errors.Is(err, device.ErrProtocol) || !strings.Contains(err.Error(), "pass 4000 bytes") ||
		!strings.Contains(err.Error(), "slots") {
		t.Fatalf("err = %v", err)
	}
	if m := ph.Mutating(); m != 0 {
		t.Errorf("%d mutating requests", m)
	}
}

// TestSimulatorJudgesMutationItself sends requests straight down the
// links, past the clients' own checks, and checks the simulator's count
// comes from its own tables: every setting or unknown command counts, the
// reads do not.
func TestSimulatorJudgesMutationItself(t *testing.T) {
	ph := featurephone.Start(featurephone.Params{Battery: 64})
	defer ph.ATLink.Close()
	defer ph.OBEXLink.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	send := func(cmd string) (final string) {
		t.Helper()
		if _, err := ph.ATLink.Write(ctx, []byte(cmd+"\r")); err != nil {
			t.Fatal(err)
		}
		var buf []byte
		chunk := make([]byte, 4096)
		for {
			if r, _, complete, err := at.ParseReply(buf, cmd); err != nil || complete {
				return r.Final
			}
			n, err := ph.ATLink.Read(ctx, chunk)
			if err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			buf = append(buf, chunk[:n]...)
		}
	}
	for _, cmd := range []string{"AT", "ATZ", "ATE0", "AT+CMEE=1", "AT+CGMI", "AT+CBC", "AT+CSCS=?", `AT+CSCS="UCS2"`,
		"AT+CSCS?", "AT+CPBS=?", `AT+CPBS="ME"`, "AT+CPBS?", "AT+CPBR=?", "AT+CPBR=1,20", "AT+CPBR=3", "AT+CFUN?", "AT+CFUN=?", "AT+CIMI"} {
		send(cmd)
	}
	if _, m := ph.AT.Stats(); m != 0 {
		t.Fatalf("reads counted as mutating: %d", m)
	}
	writes := []string{`AT+CPBW=1,"1",129,"x"`, "AT+CMGW", "AT+CMGD=1", "AT+CMGS=1", "ATD123;", `AT+CCLK="09/01/01,00:00:00"`,
		"AT&F", "AT&W", "AT+CRES", "AT+CSAS", `AT+CPMS="SM"`, `AT+CKPD="1"`, `AT+CALA="10:00"`, "AT+CFUN=1",
		`AT+CPIN="1234"`, "AT+CMGR=1", "AT+XYZZY", "ATS0=1", "AT+CGMI=1", "AT+CPBR=1;+CPBW=1"}
	for _, cmd := range writes {
		send(cmd)
	}
	if _, m := ph.AT.Stats(); m != len(writes) {
		t.Errorf("AT: %d of %d setting or unknown commands counted as mutating", m, len(writes))
	}
	// A set to the level the phone is at is honoured, as a real phone
	// does (gammu needs it), and still counted; any other level is not.
	for cmd, want := range map[string]string{"AT+CFUN=1": "OK", "AT+CFUN=0": "+CME ERROR: 3", "AT+CFUN=4": "+CME ERROR: 3"} {
		if got := send(cmd); got != want {
			t.Errorf("%s: final %q, want %q", cmd, got, want)
		}
	}
	if _, m := ph.AT.Stats(); m != len(writes)+3 {
		t.Errorf("AT: CFUN sets not counted: %d mutating, want %d", m, len(writes)+3)
	}

	// OBEX: raw packets, decoded by the simulator alone.
	pr := obex.NewPacketReader(ph.OBEXLink, ph.OBEXLink.MaxPacketSize())
	rt := func(b []byte) {
		t.Helper()
		if err := obex.WritePacket(ctx, ph.OBEXLink, ph.OBEXLink.MaxPacketSize(), b); err != nil {
			t.Fatal(err)
		}
		if _, err := pr.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	reads := [][]byte{
		{0x80, 0x00, 0x07, 0x10, 0x00, 0x08, 0x00}, // CONNECT
		{0x85, 0x00, 0x05, 0x02, 0x00},             // SETPATH, don't create
		{0x85, 0x00, 0x05, 0x03, 0x00},             // SETPATH .., don't create
		{0x83, 0x00, 0x03},                         // GET
		{0xFF, 0x00, 0x03},                         // ABORT
		{0x81, 0x00, 0x03},                         // DISCONNECT
	}
	for _, b := range reads {
		rt(b)
	}
	if _, _, m := ph.OBEX.Stats(); m != 0 {
		t.Fatalf("OBEX reads counted as mutating: %d", m)
	}
	muts := [][]byte{
		{0x82, 0x00, 0x03},             // PUT final without body: DELETE
		{0x02, 0x00, 0x03},             // PUT
		{0x85, 0x00, 0x05, 0x00, 0x00}, // SETPATH that may create
		{0x86, 0x00, 0x03},             // ACTION
		{0x87, 0x00, 0x03},             // SESSION
		{0x04, 0x00, 0x03},             // unknown
	}
	for _, b := range muts {
		rt(b)
	}
	if _, _, m := ph.OBEX.Stats(); m != len(muts) {
		t.Errorf("OBEX: %d of %d mutating requests counted", m, len(muts))
	}
	want := []string{"opcode 0x82", "opcode 0x02", "opcode 0x85 flags 0x00", "opcode 0x86", "opcode 0x87", "opcode 0x04"}
	if got := ph.OBEX.MutatingRequests(); !slices.Equal(got, want) {
		t.Errorf("OBEX: MutatingRequests() = %q, want %q", got, want)
	}
}

// TestOBEXAbortOutsideARequest: obexftp on a serial port first sends an
// ABORT carrying "ATZ\r" as a Connection ID header, before any CONNECT, to
// tell a transparent OBEX port from an AT modem; the phone must answer it
// with an OBEX response (IrOBEX 1.5 §3.3.5: ABORT is always answered), not
// hang or drop the link, and count it as the read it is.
func TestOBEXAbortOutsideARequest(t *testing.T) {
	ph := featurephone.Start(featurephone.Params{Battery: 64})
	defer ph.ATLink.Close()
	defer ph.OBEXLink.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	probe := []byte{0xFF, 0x00, 0x08, 0xCB, 'A', 'T', 'Z', '\r'}
	if err := obex.WritePacket(ctx, ph.OBEXLink, ph.OBEXLink.MaxPacketSize(), probe); err != nil {
		t.Fatal(err)
	}
	resp, err := obex.NewPacketReader(ph.OBEXLink, ph.OBEXLink.MaxPacketSize()).Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resp, []byte{0xA0, 0x00, 0x03}) {
		t.Errorf("answer to the probe % x, want a0 00 03 (Success)", resp)
	}
	if _, _, m := ph.OBEX.Stats(); m != 0 {
		t.Errorf("the probe counted as mutating: %d", m)
	}
}

// TestOBEXContinuationWithoutConnectionID: openobex's clients (obexftp)
// send the Connection ID only in the first packet of a GET; the packets
// that continue it carry no header at all. The phone serves the rest of
// the object to them, and still refuses a first packet without the ID and
// any packet naming another connection. maxpacket=255 (the smallest
// packet IrOBEX allows) makes a folder listing take several packets.
func TestOBEXContinuationWithoutConnectionID(t *testing.T) {
	sel, err := device.ParseSelector("sim:featurephone?maxpacket=255")
	if err != nil {
		t.Fatal(err)
	}
	p, err := featurephone.ParseParams(sel)
	if err != nil {
		t.Fatal(err)
	}
	ph := featurephone.Start(p)
	defer ph.ATLink.Close()
	defer ph.OBEXLink.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pr := obex.NewPacketReader(ph.OBEXLink, ph.OBEXLink.MaxPacketSize())
	rt := func(req obex.Packet) obex.Packet {
		t.Helper()
		b, err := req.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := obex.WritePacket(ctx, ph.OBEXLink, ph.OBEXLink.MaxPacketSize(), b); err != nil {
			t.Fatal(err)
		}
		raw, err := pr.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) > 255 {
			t.Errorf("response of %d bytes with maxpacket=255", len(raw))
		}
		prefix := 0
		if req.Code == obex.OpConnect {
			prefix = 4 // version, flags, max packet
		}
		resp, err := obex.Parse(raw, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	c := rt(obex.Packet{Code: obex.OpConnect, Prefix: obex.ConnectPrefix(1024),
		Headers: []obex.Header{obex.Bytes(obex.HdrTarget, obex.TargetFolderBrowsing)}})
	if c.Code != obex.RespSuccess {
		t.Fatalf("CONNECT: 0x%02x", c.Code)
	}
	id, ok := c.Header(obex.HdrConnectionID)
	if !ok {
		t.Fatal("CONNECT: no Connection ID")
	}
	if r := rt(obex.Packet{Code: obex.OpSetPath, Prefix: []byte{obex.SetPathNoCreate, 0},
		Headers: []obex.Header{obex.U32(obex.HdrConnectionID, id.Value), obex.Unicode(obex.HdrName, "Pictures")}}); r.Code != obex.RespSuccess {
		t.Fatalf("SETPATH Pictures: 0x%02x", r.Code)
	}
	listing := obex.ASCII(obex.HdrType, obex.FolderListingType)
	if r := rt(obex.Packet{Code: obex.OpGetFinal, Headers: []obex.Header{listing}}); r.Code != obex.RespServiceUnavailable {
		t.Errorf("GET naming an object without the Connection ID: 0x%02x, want 0xd3", r.Code)
	}
	r := rt(obex.Packet{Code: obex.OpGetFinal, Headers: []obex.Header{obex.U32(obex.HdrConnectionID, id.Value), listing}})
	var body []byte
	for packets := 1; ; packets++ {
		for _, h := range r.Headers {
			if h.ID == obex.HdrBody || h.ID == obex.HdrEndOfBody {
				body = append(body, h.Data...)
			}
		}
		if r.Code == obex.RespSuccess {
			if packets < 3 {
				t.Errorf("listing in %d packets, want several", packets)
			}
			break
		}
		if r.Code != obex.RespContinue || packets > 100 {
			t.Fatalf("GET packet %d: 0x%02x", packets, r.Code)
		}
		if packets == 2 {
			if w := rt(obex.Packet{Code: obex.OpGetFinal, Headers: []obex.Header{obex.U32(obex.HdrConnectionID, id.Value+1)}}); w.Code != obex.RespServiceUnavailable {
				t.Errorf("continuation naming another connection: 0x%02x, want 0xd3", w.Code)
			}
		}
		r = rt(obex.Packet{Code: obex.OpGetFinal}) // no headers, as openobex sends it
	}
	for _, want := range []string{`<file name="Image001.jpg"`, `<file name="Image012.jpg"`, `<folder name="Received"`, "</folder-listing>"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("listing lacks %s:\n%s", want, body)
		}
	}
	if _, _, m := ph.OBEX.Stats(); m != 0 {
		t.Errorf("counted as mutating: %d", m)
	}
}
