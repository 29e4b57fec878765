package composite_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/composite"
)

type fake struct {
	info   device.Info
	items  []device.Item
	err    error
	opened []string
}

func (f *fake) Info() device.Info { return f.info }
func (f *fake) List(ctx context.Context, kinds ...device.Kind) ([]device.Item, error) {
	return f.items, f.err
}
func (f *fake) Open(ctx context.Context, it device.Item) (io.ReadCloser, error) {
	f.opened = append(f.opened, it.ID)
	return io.NopCloser(strings.NewReader(it.ID)), nil
}
func (f *fake) Close() error { return nil }

func src(it device.Item) string {
	if it.ID == "SM" {
		return "contact:sim"
	}
	if it.Kind == device.KindContact {
		return "contact:phone"
	}
	return string(it.Kind)
}

func TestRicherSourceWins(t *testing.T) {
	ob := &fake{info: device.Info{Maker: "M", Protocol: "obex", Battery: -1}, items: []device.Item{
		{Kind: device.KindContact, ID: "telecom/pb.vcf"}, {Kind: device.KindPhoto, ID: "/P/a.jpg"}}}
	at := &fake{info: device.Info{Serial: "IMEI", Protocol: "at", Battery: 64}, items: []device.Item{
		{Kind: device.KindContact, ID: "SM"}, {Kind: device.KindContact, ID: "ME"}}}
	h, err := composite.New(composite.Part{Name: "obex", Handset: ob, Source: src}, composite.Part{Name: "at", Handset: at, Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if in := h.Info(); in.Protocol != "obex+at" || in.Battery != 64 || in.Maker != "M" || in.Serial != "IMEI" {
		t.Errorf("info %+v", in)
	}
	items, err := h.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	if got := strings.Join(ids, " "); got != "obex:telecom/pb.vcf obex:/P/a.jpg at:SM" {
		t.Errorf("ids %s", got)
	}
	rc, err := h.Open(context.Background(), items[2])
	if err != nil || len(at.opened) != 1 || at.opened[0] != "SM" {
		t.Fatalf("open: %v %v", err, at.opened)
	}
	rc.Close()
	if _, err := h.Open(context.Background(), device.Item{ID: "mtp:1"}); err == nil {
		t.Error("unknown part opened")
	}

	// When the better part fails to list, the other's items stand in.
	ob.err, ob.items = errors.New("gone"), nil
	items, err = h.List(context.Background())
	if err != nil || len(items) != 2 || items[1].ID != "at:ME" {
		t.Errorf("fallback: %v %v", items, err)
	}
}
