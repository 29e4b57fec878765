package recovery

import (
	"context"
	"testing"

	"github.com/sk-rescue/sk-rescue/device"
)

func TestTakeInventory(t *testing.T) {
	var items []device.Item
	for i := range 7 {
		items = append(items, device.Item{Kind: device.KindContact, ID: string(rune('a' + i)), Name: string(rune('A'+i)) + ".vcf", Size: 10})
	}
	items = append(items,
		device.Item{Kind: device.KindPhoto, ID: "p1", Name: "1.jpg", Size: 1000},
		device.Item{Kind: device.KindPhoto, ID: "p2", Name: "2.jpg", Size: -1},
		device.Item{Kind: "ringtone", ID: "r1", Name: "r.mid", Size: 5},
	)
	h := &fakeHandset{items: items}
	inv, err := TakeInventory(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Kinds) != len(device.Kinds) {
		t.Fatalf("got %d kinds, want %d", len(inv.Kinds), len(device.Kinds))
	}
	c := inv.Kind(device.KindContact)
	if c.Items != 7 || c.Bytes != 70 || len(c.Preview) != PreviewItems || c.Preview[0] != "A.vcf" {
		t.Errorf("contacts = %+v", c)
	}
	p := inv.Kind(device.KindPhoto)
	if p.Items != 2 || p.Bytes != 1000 || p.Unsized != 1 {
		t.Errorf("photos = %+v", p)
	}
	if f := inv.Kind(device.KindFile); f.Items != 1 {
		t.Errorf("files = %+v", f)
	}
	if e := inv.Kind(device.KindEvent); e.Items != 0 || e.Preview == nil {
		t.Errorf("events = %+v", e)
	}
	if inv.Items != 10 || inv.Bytes != 1075 {
		t.Errorf("totals = %d items %d bytes", inv.Items, inv.Bytes)
	}
}
