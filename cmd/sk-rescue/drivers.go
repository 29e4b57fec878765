package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/at"
	"github.com/sk-rescue/sk-rescue/device/dir"
	"github.com/sk-rescue/sk-rescue/device/mtp"
	"github.com/sk-rescue/sk-rescue/device/obex"
	"github.com/sk-rescue/sk-rescue/device/registry"
	"github.com/sk-rescue/sk-rescue/device/sim/profiles"
	"github.com/sk-rescue/sk-rescue/device/usb"
)

// usbOptions are set by the global --keep-kernel-drivers flag.
var usbOptions usb.Options

// handsetEntry is one line of `sk-rescue devices`.
type handsetEntry struct {
	Selector  string   `json:"selector"`
	Maker     string   `json:"maker"`
	Model     string   `json:"model"`
	Serial    string   `json:"serial"`
	Location  string   `json:"location"`
	Protocols []string `json:"protocols"`
	// Battery is in percent, -1 when unknown.
	Battery int `json:"battery"`
	// Problem says why the handset cannot be opened (permissions, busy).
	Problem string `json:"problem,omitempty"`
}

// listHandsets lists the handsets attached over USB. Where it can, it opens
// each one read-only to read its battery. A machine without USB (a
// container, CI) has none, which is not an error.
func listHandsets(ctx context.Context) ([]handsetEntry, error) {
	cands, err := usb.Enumerate(ctx)
	if err != nil {
		if errors.Is(err, usb.ErrUnavailable) {
			return []handsetEntry{}, nil
		}
		return nil, err
	}
	list := []handsetEntry{}
	for _, c := range cands {
		e := handsetEntry{
			Selector: selectorFor(c), Maker: c.Manufacturer, Model: c.Product, Serial: c.Serial,
			Location: c.Location(), Protocols: c.Protocols(), Battery: -1,
		}
		if c.Problem != nil {
			e.Problem = c.Problem.Error()
		} else {
			e.Battery, e.Problem = batteryOf(ctx, c)
		}
		list = append(list, e)
	}
	return list, nil
}

// batteries caches battery readings: the TUI lists handsets every two
// seconds, and reading the charge means opening a session on the phone.
var batteries = struct {
	sync.Mutex
	m map[string]batteryReading
}{m: map[string]batteryReading{}}

type batteryReading struct {
	pct     int
	problem string
	at      time.Time
}

// batteryTTL is how long a battery reading is reused.
const batteryTTL = 30 * time.Second

// batteryOf opens c read-only to read its charge, at most once per
// batteryTTL per device.
func batteryOf(ctx context.Context, c usb.Candidate) (int, string) {
	key := c.Location() + "/" + c.ID() + "/" + c.Serial
	batteries.Lock()
	r, ok := batteries.m[key]
	batteries.Unlock()
	if ok && time.Since(r.at) < batteryTTL {
		return r.pct, r.problem
	}
	r = batteryReading{pct: -1, at: time.Now()}
	if h, err := openUSB(ctx, c); err != nil {
		r.problem = err.Error()
	} else {
		r.pct = h.Info().Battery
		h.Close()
	}
	batteries.Lock()
	batteries.m[key] = r
	batteries.Unlock()
	return r.pct, r.problem
}

// selectorFor is the --device value that names c: its serial when it has
// one, else its bus and address.
func selectorFor(c usb.Candidate) string {
	if c.Serial != "" {
		return c.Serial
	}
	return fmt.Sprintf("%d:%d", c.Bus, c.Address)
}

// drivers lists every protocol driver. It is the one place drivers are
// named; the registry (device/registry) owns which of them reads a handset,
// and how they combine.
func drivers() []device.Driver {
	return []device.Driver{
		mtp.Driver,
		obex.Driver,
		at.Driver,
		dir.Driver,
	}
}

// handsets is the registry the commands open handsets through: the
// drivers, USB as the finder of attached phones, and every simulator.
func handsets() *registry.Registry {
	return registry.MustNew(registry.Config{
		Drivers: drivers(),
		Finder:  usb.Finder{Options: usbOptions},
		Sims:    profiles.All(),
		Trace:   tm.mark,
	})
}

// openHandset opens the handset the --device selector names.
func openHandset(ctx context.Context, selector string) (device.Handset, error) {
	h, err := handsets().Open(ctx, selector)
	if ue := (registry.UsageError{}); errors.As(err, &ue) {
		return nil, usageError{ue}
	}
	return h, err
}

// openUSB opens a USB handset as the registry decides.
func openUSB(ctx context.Context, c usb.Candidate) (device.Handset, error) {
	return handsets().OpenSource(ctx, usb.Source{Candidate: c, Options: usbOptions})
}
