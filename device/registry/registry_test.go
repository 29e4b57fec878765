package registry_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/composite"
	"github.com/sk-rescue/sk-rescue/device/registry"
)

// fakeHandset lists one item per protocol.
type fakeHandset struct {
	proto  string
	closed int
}

func (f *fakeHandset) Info() device.Info { return device.Info{Protocol: f.proto, Battery: -1} }
func (f *fakeHandset) List(ctx context.Context, kinds ...device.Kind) ([]device.Item, error) {
	return []device.Item{{Kind: device.KindContact, ID: f.proto + "-1", Size: -1}}, nil
}
func (f *fakeHandset) Open(ctx context.Context, it device.Item) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(it.ID)), nil
}
func (f *fakeHandset) Close() error { f.closed++; return nil }

// fakeLink records its Close.
type fakeLink struct {
	device.Link
	closed *[]string
	proto  string
}

func (l fakeLink) Close() error { *l.closed = append(*l.closed, l.proto); return nil }

// fakeSource offers protocols; claims and closes are recorded.
type fakeSource struct {
	offers  []string
	claimed []string
	closed  []string
	stopped bool
}

func (s *fakeSource) Location() string { return "fake:1" }
func (s *fakeSource) Offers() []string { return s.offers }
func (s *fakeSource) Claim(ctx context.Context, proto string) (device.Port, error) {
	s.claimed = append(s.claimed, proto)
	return device.Port{Protocol: proto, Link: fakeLink{closed: &s.closed, proto: proto}, Interface: -1, Location: s.Location()}, nil
}
func (s *fakeSource) Close() error { s.stopped = true; return nil }

// fake returns a driver named name speaking links; it fails to open when
// fail is set.
func fake(name string, prec int, fail bool, links ...string) device.Driver {
	if len(links) == 0 {
		links = []string{name}
	}
	return device.Driver{Name: name, Links: links, Precedence: prec,
		Open: func(ctx context.Context, p device.Port) (device.Handset, error) {
			if fail {
				return nil, errors.New(name + " refused")
			}
			return &fakeHandset{proto: name}, nil
		},
		// Every part's items are its own data: none is dropped.
		Source: func(device.Item) string { return name }}
}

// The drivers as they rank in the real registry.
func drivers(failing ...string) []device.Driver {
	f := func(n string) bool { return slices.Contains(failing, n) }
	return []device.Driver{
		fake("mtp", 30, f("mtp"), "mtp", "ptp"),
		fake("obex", 20, f("obex")),
		fake("at", 10, f("at")),
		fake("dir", 0, f("dir")),
		fake("adb", 40, f("adb")),
	}
}

func TestChoose(t *testing.T) {
	reg := registry.MustNew(registry.Config{Drivers: drivers()})
	tests := []struct {
		offers   []string
		want     string
		combined bool
	}{
		{[]string{"mtp"}, "mtp", false},
		{[]string{"ptp"}, "mtp", false},
		{[]string{"obex", "at"}, "obex+at", true},
		{[]string{"at", "obex"}, "obex+at", true}, // the table's order, not the device's
		{[]string{"at"}, "at", false},
		{[]string{"obex"}, "obex", false},
		{[]string{"mtp", "obex", "at"}, "mtp", false}, // MTP outranks the pair
		{[]string{"mtp", "adb"}, "adb+mtp", true},     // Android with debugging on
		{[]string{"adb"}, "adb", false},
		{[]string{"msc", "mtp"}, "mtp", false}, // no driver for msc
		{[]string{"dir"}, "dir", false},
	}
	for _, tt := range tests {
		p, err := reg.Choose(tt.offers)
		if err != nil {
			t.Errorf("%v: %v", tt.offers, err)
			continue
		}
		if p.Names() != tt.want || p.Combined != tt.combined {
			t.Errorf("%v: chose %s combined=%v, want %s combined=%v", tt.offers, p.Names(), p.Combined, tt.want, tt.combined)
		}
	}
	if _, err := reg.Choose([]string{"msc"}); !errors.Is(err, device.ErrNotFound) || !strings.Contains(err.Error(), "msc") {
		t.Errorf("msc only: %v", err)
	}
}

// A combination applies only when all its drivers are registered: without
// an ADB driver, an Android phone with debugging on is read over MTP.
func TestChooseUnregisteredPartOfCombo(t *testing.T) {
	var ds []device.Driver
	for _, d := range drivers() {
		if d.Name != "adb" {
			ds = append(ds, d)
		}
	}
	reg := registry.MustNew(registry.Config{Drivers: ds})
	p, err := reg.Choose([]string{"mtp", "adb"})
	if err != nil || p.Names() != "mtp" || p.Combined {
		t.Errorf("chose %s %v, want mtp alone", p.Names(), err)
	}
}

// Adding a combination is one table entry, and a tie in precedence goes to
// the combination.
func TestChooseCustomTable(t *testing.T) {
	reg := registry.MustNew(registry.Config{Drivers: drivers(), Combos: [][]string{{"mtp", "at"}}})
	p, err := reg.Choose([]string{"mtp", "at", "obex"})
	if err != nil || p.Names() != "mtp+at" || !p.Combined {
		t.Errorf("chose %s %v, want mtp+at", p.Names(), err)
	}
	// The default table is not consulted when one is given.
	if p, _ := reg.Choose([]string{"obex", "at"}); p.Names() != "obex" {
		t.Errorf("chose %s, want obex", p.Names())
	}
}

func TestOpenSourceCombination(t *testing.T) {
	reg := registry.MustNew(registry.Config{Drivers: drivers()})
	src := &fakeSource{offers: []string{"at", "obex"}}
	h, err := reg.OpenSource(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := h.(*composite.Handset)
	if !ok {
		t.Fatalf("got %T, want a composite", h)
	}
	if got := c.Info().Protocol; got != "obex+at" {
		t.Errorf("protocol %q", got)
	}
	items, _ := h.List(context.Background())
	if len(items) != 2 || items[0].ID != "obex:obex-1" || items[1].ID != "at:at-1" {
		t.Errorf("items %v", items)
	}
	if strings.Join(src.claimed, ",") != "obex,at" {
		t.Errorf("claimed %v", src.claimed)
	}
}

// A combination whose first part fails opens with the rest, still as a
// composite so item IDs do not change between runs; the failed part's link
// is closed.
func TestOpenSourcePartFails(t *testing.T) {
	reg := registry.MustNew(registry.Config{Drivers: drivers("obex")})
	src := &fakeSource{offers: []string{"obex", "at"}}
	h, err := reg.OpenSource(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	items, _ := h.List(context.Background())
	if len(items) != 1 || items[0].ID != "at:at-1" {
		t.Errorf("items %v", items)
	}
	if strings.Join(src.closed, ",") != "obex" || src.stopped {
		t.Errorf("closed %v stopped %v", src.closed, src.stopped)
	}
}

// When nothing opens, every link is closed, the source stopped, and the
// error names each part.
func TestOpenSourceAllFail(t *testing.T) {
	reg := registry.MustNew(registry.Config{Drivers: drivers("obex", "at")})
	src := &fakeSource{offers: []string{"obex", "at"}}
	_, err := reg.OpenSource(context.Background(), src)
	if err == nil || !strings.Contains(err.Error(), "obex refused") || !strings.Contains(err.Error(), "at refused") || !strings.HasPrefix(err.Error(), "fake:1: ") {
		t.Errorf("err %v", err)
	}
	if len(src.closed) != 2 || !src.stopped {
		t.Errorf("closed %v stopped %v", src.closed, src.stopped)
	}
}

// A driver alone is returned bare; over "ptp" the MTP driver is claimed
// with the link it speaks.
func TestOpenSourceAlone(t *testing.T) {
	reg := registry.MustNew(registry.Config{Drivers: drivers()})
	src := &fakeSource{offers: []string{"ptp"}}
	h, err := reg.OpenSource(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := h.(*fakeHandset); !ok || strings.Join(src.claimed, ",") != "ptp" {
		t.Errorf("got %T, claimed %v", h, src.claimed)
	}
}

func TestSelectors(t *testing.T) {
	var started []string
	prof := func(name string) device.SimProfile {
		return device.SimProfile{Name: name, Start: func(ctx context.Context, sel device.Selector) (device.Source, error) {
			started = append(started, name+"?"+sel.Params.Encode())
			return &fakeSource{offers: []string{"mtp"}}, nil
		}}
	}
	reg := registry.MustNew(registry.Config{Drivers: drivers(), Sims: []device.SimProfile{prof("first"), prof("second")}})
	ctx := context.Background()
	for _, sel := range []string{"sim", "sim:second?x=1"} {
		if _, err := reg.Open(ctx, sel); err != nil {
			t.Errorf("%s: %v", sel, err)
		}
	}
	if strings.Join(started, " ") != "first? second?x=1" {
		t.Errorf("started %v", started)
	}
	_, err := reg.Open(ctx, "sim:nope")
	if ue := (registry.UsageError{}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "first, second") {
		t.Errorf("unknown profile: %v", err)
	}
	if _, err := reg.Open(ctx, "1:7"); !errors.Is(err, device.ErrNotFound) {
		t.Errorf("no finder: %v", err)
	}
	// A dir: selector goes to the dir driver with the path in its port.
	var path string
	ds := append(drivers()[:3], device.Driver{Name: "dir", Links: []string{"dir"},
		Open: func(ctx context.Context, p device.Port) (device.Handset, error) {
			path = p.Path
			return &fakeHandset{proto: "dir"}, nil
		}})
	if _, err := registry.MustNew(registry.Config{Drivers: ds}).Open(ctx, "dir:/media/card"); err != nil || path != "/media/card" {
		t.Errorf("dir: %q %v", path, err)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []registry.Config{
		{Drivers: []device.Driver{fake("a:b", 0, false)}},
		{Drivers: []device.Driver{fake("a", 0, false), fake("a", 1, false)}},
		{Drivers: []device.Driver{{Name: "x", Links: []string{"x"}}}},
		{Sims: []device.SimProfile{{Name: "s"}}},
	} {
		if _, err := registry.New(cfg); err == nil {
			t.Errorf("accepted %+v", cfg)
		}
	}
}
