package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/at"
	"github.com/sk-rescue/sk-rescue/device/composite"
	"github.com/sk-rescue/sk-rescue/device/mtp"
	"github.com/sk-rescue/sk-rescue/device/obex"
	"github.com/sk-rescue/sk-rescue/device/sim"
	"github.com/sk-rescue/sk-rescue/device/sim/featurephone"
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

// openHandset opens the handset the --device selector names. This is the
// one place drivers are listed.
func openHandset(ctx context.Context, selector string) (device.Handset, error) {
	sel, err := device.ParseSelector(selector)
	if err != nil {
		return nil, usageError{err}
	}
	switch sel.Kind {
	case device.SelectSim:
		switch {
		case sel.Value == featurephone.Profile:
			h, _, err := featurephone.Open(ctx, sel)
			return h, err
		case sel.Value == "" || slices.Contains(sim.Profiles, sel.Value):
			h, _, err := sim.Open(ctx, sel)
			return h, err
		}
		return nil, usageError{fmt.Errorf("there is no simulated handset %q; choose one of: %s",
			sel.Value, strings.Join(append(slices.Clone(sim.Profiles), featurephone.Profile), ", "))}
	case device.SelectDir:
		return openDir(sel)
	}
	cands, err := usb.Enumerate(ctx)
	tm.mark("usb enumerated")
	if err != nil {
		return nil, err
	}
	c, err := usb.Select(sel, cands)
	if err != nil {
		return nil, err
	}
	return openUSB(ctx, c)
}

// openUSB opens a USB handset through the richest protocol it offers: MTP
// when it has it (smartphones, media phones), else OBEX and the AT modem
// together (feature phones: IrMC and folder browsing for the phone memory,
// calendar, notes and photos; AT for the SIM phonebook).
func openUSB(ctx context.Context, c usb.Candidate) (device.Handset, error) {
	if f, ok := c.Function(usb.ProtoMTP, usb.ProtoPTP); ok {
		link, err := usb.OpenFunction(ctx, c, f, usbOptions)
		tm.mark("usb interface claimed")
		if err != nil {
			return nil, err
		}
		h, err := mtp.Open(ctx, link, mtp.Options{Location: c.Location()})
		tm.mark("mtp session open")
		if err != nil {
			link.Close()
			return nil, fmt.Errorf("%s: %w", c, err)
		}
		return h, nil
	}
	fo, hasOBEX := c.Function(usb.ProtoOBEX)
	fa, hasAT := c.Function(usb.ProtoAT)
	if !hasOBEX && !hasAT {
		return nil, fmt.Errorf("%s offers %v, which sk-rescue cannot read yet: %w", c, c.Protocols(), device.ErrNotFound)
	}
	var (
		ob    *obex.Handset
		modem *at.Handset
		errs  []error
	)
	if hasOBEX {
		if link, err := usb.OpenFunction(ctx, c, fo, usbOptions); err != nil {
			errs = append(errs, err)
		} else if ob, err = obex.Open(ctx, link, obex.Options{Location: c.Location()}); err != nil {
			link.Close()
			errs = append(errs, fmt.Errorf("obex: %w", err))
		}
	}
	if hasAT {
		if link, err := usb.OpenFunction(ctx, c, fa, usbOptions); err != nil {
			errs = append(errs, err)
		} else if modem, err = at.Open(ctx, link, at.Options{Location: c.Location(), LineState: true, Interface: uint16(fa.Interface)}); err != nil {
			link.Close()
			errs = append(errs, fmt.Errorf("at: %w", err))
		}
	}
	if ob == nil && modem == nil {
		return nil, fmt.Errorf("%s: %w", c, errors.Join(errs...))
	}
	h, err := composite.FeaturePhone(ob, modem)
	if err != nil {
		return nil, err
	}
	return h, nil
}
