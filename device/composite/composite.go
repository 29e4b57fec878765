// Package composite presents several handsets opened on one phone (its
// OBEX function and its AT modem, say) as one device.Handset. Each kind of
// data is listed from the richest part that has it: parts are ranked by
// the order given, and an item is dropped when a better-ranked part
// already covers the same source (IrMC's telecom/pb.vcf and the modem's
// ME phonebook are both the phone memory; the modem's SM phonebook, the
// SIM, is covered by nothing else and kept).
//
// Which parts a phone is read through, and in which order, is the driver
// registry's decision (device/registry: its combination table); this
// package only merges.
package composite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sk-rescue/sk-rescue/device"
)

// Part is one handset of the composite.
type Part struct {
	// Name prefixes the part's item IDs ("obex", "at") to keep them unique;
	// it must not contain ":".
	Name    string
	Handset device.Handset
	// Source names the data an item comes from, so that items of two parts
	// holding the same data are recognised as alternatives. nil means the
	// item's kind: then only the best part lists a kind at all.
	Source func(device.Item) string
}

// Handset is the composite.
type Handset struct {
	parts []Part
	info  device.Info
}

var (
	_ device.Handset       = (*Handset)(nil)
	_ device.BatteryReader = (*Handset)(nil)
	_ device.Warner        = (*Handset)(nil)
)

// New combines parts, best first. Info is the first part's, with empty
// fields filled from the others, Protocol joined with "+" ("obex+at") and
// Battery from the first part that reports one.
func New(parts ...Part) (*Handset, error) {
	if len(parts) == 0 {
		return nil, errors.New("composite: no handsets")
	}
	seen := map[string]bool{}
	var protos []string
	h := &Handset{parts: parts, info: device.Info{Battery: -1}}
	for _, p := range parts {
		if p.Name == "" || strings.Contains(p.Name, ":") || seen[p.Name] {
			return nil, fmt.Errorf("composite: part name %q must be unique, non-empty and without \":\"", p.Name)
		}
		seen[p.Name] = true
		in := p.Handset.Info()
		fill := func(dst *string, v string) {
			if *dst == "" {
				*dst = v
			}
		}
		fill(&h.info.Maker, in.Maker)
		fill(&h.info.Model, in.Model)
		fill(&h.info.Serial, in.Serial)
		fill(&h.info.Firmware, in.Firmware)
		fill(&h.info.Location, in.Location)
		if h.info.Battery < 0 && in.Battery >= 0 {
			h.info.Battery = in.Battery
		}
		if in.Protocol != "" {
			protos = append(protos, in.Protocol)
		}
	}
	h.info.Protocol = strings.Join(protos, "+")
	return h, nil
}

// Info returns the merged identity.
func (h *Handset) Info() device.Info { return h.info }

// Parts returns the parts, best first.
func (h *Handset) Parts() []Part { return h.parts }

func source(p Part, it device.Item) string {
	if p.Source != nil {
		return p.Source(it)
	}
	return string(it.Kind)
}

// List asks every part, best first, and keeps an item unless a better
// part already gave one of the same source. IDs become "part:id". A part
// whose List fails is skipped when another part gave items, so a modem
// that hangs does not cost the photos; the error is returned when nothing
// was listed. A disconnect is returned at once: the phone is gone.
func (h *Handset) List(ctx context.Context, kinds ...device.Kind) ([]device.Item, error) {
	var items []device.Item
	var errs []error
	covered := map[string]string{} // source → part that has it
	for _, p := range h.parts {
		got, err := p.Handset.List(ctx, kinds...)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(err, device.ErrDisconnected) {
				return nil, fmt.Errorf("composite: %s: %w", p.Name, err)
			}
			errs = append(errs, fmt.Errorf("composite: %s: %w", p.Name, err))
		}
		mine := map[string]bool{}
		for _, it := range got {
			src := source(p, it)
			if owner, ok := covered[src]; ok && owner != p.Name {
				continue
			}
			mine[src] = true
			it.ID = p.Name + ":" + it.ID
			items = append(items, it)
		}
		for src := range mine {
			covered[src] = p.Name
		}
	}
	if len(items) == 0 && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return items, nil
}

func (h *Handset) part(id string) (Part, string, error) {
	name, rest, ok := strings.Cut(id, ":")
	if ok {
		for _, p := range h.parts {
			if p.Name == name {
				return p, rest, nil
			}
		}
	}
	return Part{}, "", fmt.Errorf("composite: item %q belongs to no part", id)
}

// Open dispatches to the part that listed the item.
func (h *Handset) Open(ctx context.Context, it device.Item) (io.ReadCloser, error) {
	p, id, err := h.part(it.ID)
	if err != nil {
		return nil, err
	}
	it.ID = id
	return p.Handset.Open(ctx, it)
}

// Battery asks the first part that can tell.
func (h *Handset) Battery(ctx context.Context) (int, error) {
	for _, p := range h.parts {
		if b, ok := p.Handset.(device.BatteryReader); ok {
			return b.Battery(ctx)
		}
	}
	return -1, errors.New("composite: no part reports the battery")
}

// Warnings collects the parts' warnings (the AT driver's "phone reports N
// used, read M"), in part order.
func (h *Handset) Warnings() []string {
	var out []string
	for _, p := range h.parts {
		if w, ok := p.Handset.(device.Warner); ok {
			out = append(out, w.Warnings()...)
		}
	}
	return out
}

// Close closes every part.
func (h *Handset) Close() error {
	var errs []error
	for _, p := range h.parts {
		if err := p.Handset.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
