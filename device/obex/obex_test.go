package obex_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/obex"
)

func TestPacketRoundTrip(t *testing.T) {
	p := obex.Packet{Code: obex.OpConnect, Prefix: obex.ConnectPrefix(0x2000), Headers: []obex.Header{
		obex.Bytes(obex.HdrTarget, obex.TargetFolderBrowsing),
		obex.U32(obex.HdrConnectionID, 0xDEADBEEF),
		obex.Unicode(obex.HdrName, "Zdjęcie 写真.jpg"),
		obex.ASCII(obex.HdrType, obex.FolderListingType),
		{ID: obex.HdrCount & 0xBF, Value: 7}, // a one-byte header (0x80)
		obex.Unicode(obex.HdrName, ""),
	}}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 0x80 || int(b[1])<<8|int(b[2]) != len(b) || b[3] != 0x10 || b[5] != 0x20 || b[6] != 0 {
		t.Fatalf("header bytes % x", b[:7])
	}
	q, err := obex.ParseRequest(b)
	if err != nil {
		t.Fatal(err)
	}
	if q.MaxPacket() != 0x2000 || len(q.Headers) != len(p.Headers) {
		t.Fatalf("%+v", q)
	}
	name, _ := q.Headers[2].Text()
	typ, _ := q.Headers[3].Text()
	empty, _ := q.Headers[5].Text()
	if name != "Zdjęcie 写真.jpg" || typ != obex.FolderListingType || q.Headers[1].Value != 0xDEADBEEF || q.Headers[4].Value != 7 || empty != "" {
		t.Errorf("headers %+v", q.Headers)
	}
	// The Name header is UTF-16BE, NUL-terminated.
	if h := obex.Unicode(obex.HdrName, "A"); !bytes.Equal(h.Data, []byte{0, 'A', 0, 0}) {
		t.Errorf("name bytes % x", h.Data)
	}
}

func TestParseErrors(t *testing.T) {
	for _, b := range [][]byte{
		{0xA0, 0x00},                         // short
		{0xA0, 0x00, 0x05, 0x48},             // length lies
		{0xA0, 0x00, 0x06, 0x48, 0x00, 0x09}, // header claims past end
		{0xA0, 0x00, 0x05, 0xCB, 0x01},       // truncated 4-byte header
		{0xA0, 0x00, 0x06, 0x01, 0x00, 0x02}, // header length < 3
	} {
		if _, err := obex.Parse(b, 0); !errors.Is(err, device.ErrProtocol) {
			t.Errorf("% x: %v", b, err)
		}
	}
	if _, err := (obex.Header{ID: obex.HdrName, Data: []byte{0}}).Text(); err == nil {
		t.Error("odd UTF-16 accepted")
	}
}

// chunks delivers fixed bytes in transfers of the given sizes.
type chunks struct {
	data  []byte
	sizes []int
}

func (c *chunks) Read(ctx context.Context, p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := len(c.data)
	if len(c.sizes) > 0 {
		n = min(n, c.sizes[0])
		c.sizes = c.sizes[1:]
	}
	n = min(n, len(p))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func (c *chunks) Write(ctx context.Context, p []byte) (int, error) { return len(p), nil }

func TestPacketReaderReassembles(t *testing.T) {
	a, _ := obex.Packet{Code: obex.RespContinue, Headers: []obex.Header{obex.Bytes(obex.HdrBody, bytes.Repeat([]byte("x"), 300))}}.Marshal()
	b, _ := obex.Packet{Code: obex.RespSuccess, Headers: []obex.Header{obex.Bytes(obex.HdrEndOfBody, []byte("end"))}}.Marshal()
	src := &chunks{data: append(append([]byte{}, a...), b...), sizes: []int{1, 1, 0, 64, 64, 200, 0, 50}}
	pr := obex.NewPacketReader(src, 64)
	got1, err := pr.Next(context.Background())
	if err != nil || !bytes.Equal(got1, a) {
		t.Fatalf("first: %v", err)
	}
	got2, err := pr.Next(context.Background())
	if err != nil || !bytes.Equal(got2, b) {
		t.Fatalf("second: %v %x", err, got2)
	}
}

func TestParseFolderListing(t *testing.T) {
	in := []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE folder-listing SYSTEM "obex-folder-listing.dtd">
<folder-listing version="1.0">
 <parent-folder/>
 <folder name="Bilder" modified="20090101T120000Z"/>
 <file name="Bild` + "\xe4" + `.jpg" size="1234" modified="20090212T153000"/>
 <file name="neg.jpg" size="-5"/>
 <file name="huge.jpg" size="99999999999999999999"/>
 <file name="../../etc/passwd" size="1"/>
 <file name="a/b.jpg"/>
 <file name="."/>
 <file size="3"/>
 <file name="amp &amp; &nbsp;x.jpg" size="1"/>
</folder-listing>`)
	l, err := obex.ParseFolderListing(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 5 || l.Skipped != 4 {
		t.Fatalf("%d entries, %d skipped: %+v", len(l.Entries), l.Skipped, l.Entries)
	}
	e := l.Entries
	if !e[0].Folder || e[0].Name != "Bilder" || e[1].Name != "Bildä.jpg" || e[1].Size != 1234 ||
		e[1].Modified != time.Date(2009, 2, 12, 15, 30, 0, 0, time.UTC) || e[2].Size != -1 || e[3].Size != -1 ||
		e[4].Name != "amp & \u00a0x.jpg" {
		t.Errorf("%+v", e)
	}
	if _, err := obex.ParseFolderListing([]byte("garbage")); !errors.Is(err, device.ErrProtocol) {
		t.Errorf("garbage: %v", err)
	}
}

func FuzzParsePacket(f *testing.F) {
	for _, p := range []obex.Packet{
		{Code: obex.OpConnect, Prefix: obex.ConnectPrefix(0x400), Headers: []obex.Header{obex.Bytes(obex.HdrTarget, obex.TargetIrMC)}},
		{Code: obex.RespSuccess, Prefix: obex.ConnectPrefix(0x800), Headers: []obex.Header{obex.U32(obex.HdrConnectionID, 1), obex.Bytes(obex.HdrWho, obex.TargetIrMC)}},
		{Code: obex.OpGetFinal, Headers: []obex.Header{obex.U32(obex.HdrConnectionID, 1), obex.Unicode(obex.HdrName, "telecom/pb.vcf"), obex.ASCII(obex.HdrType, "x-obex/folder-listing")}},
		{Code: obex.OpSetPath, Prefix: []byte{2, 0}, Headers: []obex.Header{obex.Unicode(obex.HdrName, "Pictures")}},
		{Code: obex.RespContinue, Headers: []obex.Header{obex.U32(obex.HdrLength, 9), obex.Bytes(obex.HdrBody, []byte("BEGIN:VCA"))}},
	} {
		b, _ := p.Marshal()
		f.Add(b, uint8(7))
	}
	f.Fuzz(func(t *testing.T, b []byte, split uint8) {
		for _, prefix := range []int{0, 2, 4} {
			p, err := obex.Parse(b, prefix)
			if err != nil {
				continue
			}
			for _, h := range p.Headers {
				h.Text()
			}
			again, err := p.Marshal()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("round trip: %v\n% x\n% x", err, b, again)
			}
		}
		// The same bytes through the reassembler, in transfers of split
		// bytes: it must return whole packets or an error, never loop.
		sz := int(split%70) + 1
		var sizes []int
		for i := 0; i < len(b); i += sz {
			sizes = append(sizes, sz)
		}
		pr := obex.NewPacketReader(&chunks{data: b, sizes: sizes}, 64)
		for range 100 {
			pkt, err := pr.Next(context.Background())
			if err != nil {
				break
			}
			if len(pkt) < 3 || int(pkt[1])<<8|int(pkt[2]) != len(pkt) {
				t.Fatalf("bad packet % x", pkt)
			}
		}
	})
}

func FuzzFolderListing(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><folder-listing version="1.0"><parent-folder/><folder name="Pictures"/><file name="a.jpg" size="10" modified="20090101T000000Z"/></folder-listing>`))
	f.Add([]byte(`<folder-listing><file name="../x" size="-1"/><file name="` + "\xff\xfe" + `"/></folder-listing>`))
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><folder-listing><folder name="&amp;&lt;"/></folder-listing>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, _ := obex.ParseFolderListing(b)
		if len(l.Entries) > obex.MaxListingEntries {
			t.Fatal("unbounded")
		}
		for _, e := range l.Entries {
			if e.Name == "" || e.Name == "." || e.Name == ".." || bytes.ContainsAny([]byte(e.Name), "/\\\x00") || len(e.Name) > obex.MaxNameBytes {
				t.Fatalf("unusable name %q passed", e.Name)
			}
			if e.Size < -1 {
				t.Fatalf("size %d", e.Size)
			}
		}
	})
}
