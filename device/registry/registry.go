// Package registry is the one place where sk-rescue's drivers meet: it
// turns a --device selector into one opened device.Handset.
//
// Three kinds of value are handed to it, all plain values listed by the
// command in one function (restic's way: no init() registration):
//
//   - drivers (device.Driver): one per protocol package, exported as
//     mtp.Driver, obex.Driver, at.Driver, dir.Driver (later adb.Driver);
//   - a finder of physical handsets (device.Finder): device/usb's, which
//     makes a device.Source of the USB device a selector names;
//   - simulator profiles (device.SimProfile): what sim:NAME starts, listed
//     by device/sim/profiles so a new simulator needs no change in cmd.
//
// A handset is a device.Source: the functions it offers, keyed by link
// protocol ("mtp", "ptp", "obex", "at", "adb"; "dir" for a folder). The
// registry, not the command and not a simulator, decides which drivers read
// it (Choose):
//
//  1. a driver is a candidate when the source offers one of its Links;
//  2. the options are every candidate alone, and every combination of the
//     table (Combos) whose drivers are all candidates;
//  3. an option ranks by the highest Precedence among its drivers; on a
//     tie a combination beats a driver alone, and an earlier table entry a
//     later one.
//
// So a phone with MTP, OBEX and a modem is read over MTP (30 beats OBEX's
// 20); a feature phone with OBEX and a modem through both, OBEX first
// (Combos' "obex+at"); an Android phone with USB debugging and file
// transfer on through ADB and MTP together ("adb+mtp", ADB's 40), and
// through MTP alone when debugging is off. Adding a combination is one
// table entry.
//
// A combination is always read through device/composite, even when only
// some of its parts opened (a modem that did not answer): item IDs are then
// "part:id" whichever parts answered, so a resumed export matches them. It
// fails only when no part opened. A driver alone is returned bare.
//
// Why a package beside device and not device itself: composing needs
// device/composite, which imports device; the types every driver and
// simulator fills in (device.Driver, device.Source, device.Port,
// device.SimProfile, device.Finder) are in device, so neither drivers nor
// simulators import this package, and a simulator's own opener may use it
// (device/sim/featurephone does) without a cycle.
//
// # Adding a protocol driver
//
// In the protocol package export a device.Driver:
//
//	var Driver = device.Driver{Name: "adb", Links: []string{"adb"}, Precedence: 40,
//		Open: func(ctx context.Context, p device.Port) (device.Handset, error) {
//			return Open(ctx, p.Link, Options{Location: p.Location})
//		},
//		Source: Source}
//
// and add it to the list in cmd/sk-rescue's drivers function (one line).
// Open receives the claimed Port: p.Link is the function's endpoints,
// p.Interface its USB interface number (-1 on a simulated link), p.Location
// the handset's place. The registry closes p.Link when Open fails.
// device/usb already classifies ADB interfaces as "adb", so its sources
// offer them.
//
// # Adding a simulator profile
//
// In the simulator's package export a device.SimProfile whose Start
// powers the simulated phone up and returns a device.Source over its
// simulated links (Claim returns a Port with Interface -1 and Location
// "sim:NAME"); have the source implement sim.Counter for the conformance
// suite, and io.Closer if it must be stopped when no driver opened it. Add
// the profile to device/sim/profiles.All. sim:NAME then opens through the
// same drivers as a real phone.
package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/composite"
)

// Combos is the table of combinations: drivers read together on one
// phone, best first (the first part's items win where two parts hold the
// same data). A combination applies only when the handset offers functions
// for all its drivers and all are registered.
var Combos = [][]string{
	// Android with USB debugging and file transfer both on: ADB for the
	// providers (contacts, calendars, messages), MTP beside it.
	{"adb", "mtp"},
	// Feature phones: IrMC and folder browsing for phone memory, calendar,
	// notes and photos; the modem for the SIM phonebook.
	{"obex", "at"},
}

// Config is what a Registry is made of.
type Config struct {
	// Drivers are the protocol drivers; names must be unique.
	Drivers []device.Driver
	// Combos are the combinations; nil means the package's Combos.
	Combos [][]string
	// Finder finds physical handsets; nil means none can be found.
	Finder device.Finder
	// Sims are the simulator profiles; the first is what a bare "sim"
	// selector starts.
	Sims []device.SimProfile
	// Trace, when set, is told each step ("found", "mtp claimed", "mtp
	// open") for --debug-timing.
	Trace func(step string)
}

// Registry turns selectors into handsets. It is safe for concurrent use:
// it holds no state beyond its configuration.
type Registry struct {
	cfg Config
}

// New checks cfg and returns its registry.
func New(cfg Config) (*Registry, error) {
	seen := map[string]bool{}
	for _, d := range cfg.Drivers {
		if d.Name == "" || strings.ContainsAny(d.Name, ":+") || seen[d.Name] {
			return nil, fmt.Errorf("registry: driver name %q must be unique, non-empty and without \":\" or \"+\"", d.Name)
		}
		if d.Open == nil || len(d.Links) == 0 {
			return nil, fmt.Errorf("registry: driver %q has no Open or no Links", d.Name)
		}
		seen[d.Name] = true
	}
	if cfg.Combos == nil {
		cfg.Combos = Combos
	}
	sims := map[string]bool{}
	for _, s := range cfg.Sims {
		if s.Name == "" || s.Start == nil || sims[s.Name] {
			return nil, fmt.Errorf("registry: simulator profile %q must be unique, named and startable", s.Name)
		}
		sims[s.Name] = true
	}
	return &Registry{cfg: cfg}, nil
}

// MustNew is New for configurations written in code; it panics on a bad
// one, which is a programming error caught by any test that builds it.
func MustNew(cfg Config) *Registry {
	r, err := New(cfg)
	if err != nil {
		panic(err)
	}
	return r
}

// Drivers returns the registered drivers.
func (r *Registry) Drivers() []device.Driver { return slices.Clone(r.cfg.Drivers) }

// SimProfiles returns the names of the simulator profiles, the default
// first.
func (r *Registry) SimProfiles() []string {
	var out []string
	for _, s := range r.cfg.Sims {
		out = append(out, s.Name)
	}
	return out
}

func (r *Registry) trace(step string) {
	if r.cfg.Trace != nil {
		r.cfg.Trace(step)
	}
}

// UsageError marks a selector that names nothing the registry knows (an
// unknown simulator profile): the command line treats it as a usage error.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// Open parses selector and opens the handset it names.
func (r *Registry) Open(ctx context.Context, selector string) (device.Handset, error) {
	sel, err := device.ParseSelector(selector)
	if err != nil {
		return nil, UsageError{err}
	}
	return r.OpenSelector(ctx, sel)
}

// OpenSelector opens the handset sel names: a simulator profile, a folder,
// or what the finder finds.
func (r *Registry) OpenSelector(ctx context.Context, sel device.Selector) (device.Handset, error) {
	src, err := r.Find(ctx, sel)
	if err != nil {
		return nil, err
	}
	r.trace("handset found")
	return r.OpenSource(ctx, src)
}

// Find returns the source sel names, without opening it.
func (r *Registry) Find(ctx context.Context, sel device.Selector) (device.Source, error) {
	switch sel.Kind {
	case device.SelectSim:
		if len(r.cfg.Sims) == 0 {
			return nil, UsageError{errors.New("this build has no simulated handsets")}
		}
		name := sel.Value
		if name == "" {
			name = r.cfg.Sims[0].Name
		}
		for _, s := range r.cfg.Sims {
			if s.Name == name {
				return s.Start(ctx, sel)
			}
		}
		return nil, UsageError{fmt.Errorf("there is no simulated handset %q; choose one of: %s",
			sel.Value, strings.Join(r.SimProfiles(), ", "))}
	case device.SelectDir:
		return FolderSource(sel.Value), nil
	}
	if r.cfg.Finder == nil {
		return nil, fmt.Errorf("%w: this build cannot look for attached phones; try --device sim or --device dir:FOLDER", device.ErrNotFound)
	}
	return r.cfg.Finder.Find(ctx, sel)
}

// FolderSource is a folder as a handset's source: it offers one "dir"
// function whose port carries the path.
type FolderSource string

// Location is "dir:PATH".
func (f FolderSource) Location() string { return "dir:" + string(f) }

// Offers is "dir".
func (f FolderSource) Offers() []string { return []string{"dir"} }

// Claim returns the folder's port; nothing is opened yet.
func (f FolderSource) Claim(ctx context.Context, proto string) (device.Port, error) {
	if proto != "dir" {
		return device.Port{}, fmt.Errorf("registry: a folder has no %s function: %w", proto, device.ErrNotFound)
	}
	return device.Port{Protocol: "dir", Path: string(f), Interface: -1, Location: f.Location()}, nil
}

// Plan is what Choose decided: the drivers to open, best first, and
// whether they are read as a combination.
type Plan struct {
	Drivers []device.Driver
	// Links are the link protocols each driver is opened over.
	Links []string
	// Combined is set for a combination (read through device/composite
	// even if only one part opens).
	Combined bool
}

// Names returns the plan's drivers joined with "+": "obex+at".
func (p Plan) Names() string {
	var n []string
	for _, d := range p.Drivers {
		n = append(n, d.Name)
	}
	return strings.Join(n, "+")
}

// Choose applies the precedence and combination rules (see the package
// comment) to a handset offering link protocols offers.
func (r *Registry) Choose(offers []string) (Plan, error) {
	cand := map[string]device.Driver{}
	link := map[string]string{}
	for _, d := range r.cfg.Drivers {
		for _, l := range d.Links {
			if slices.Contains(offers, l) {
				cand[d.Name], link[d.Name] = d, l
				break
			}
		}
	}
	if len(cand) == 0 {
		return Plan{}, fmt.Errorf("the handset offers %s, which sk-rescue cannot read yet: %w", strings.Join(offers, ", "), device.ErrNotFound)
	}
	type option struct {
		names []string
		rank  int
		combo bool
		order int
	}
	var opts []option
	for i, c := range r.cfg.Combos {
		ok := len(c) > 0
		rank := 0
		for j, n := range c {
			d, has := cand[n]
			if !has {
				ok = false
				break
			}
			if j == 0 || d.Precedence > rank {
				rank = d.Precedence
			}
		}
		if ok {
			opts = append(opts, option{names: c, rank: rank, combo: true, order: i})
		}
	}
	// Drivers alone, in registration order (a stable tie-break).
	for i, d := range r.cfg.Drivers {
		if _, ok := cand[d.Name]; ok {
			opts = append(opts, option{names: []string{d.Name}, rank: d.Precedence, order: len(r.cfg.Combos) + i})
		}
	}
	best := slices.MinFunc(opts, func(a, b option) int {
		switch {
		case a.rank != b.rank:
			return b.rank - a.rank
		case a.combo != b.combo:
			if a.combo {
				return -1
			}
			return 1
		}
		return a.order - b.order
	})
	p := Plan{Combined: best.combo}
	for _, n := range best.names {
		p.Drivers = append(p.Drivers, cand[n])
		p.Links = append(p.Links, link[n])
	}
	return p, nil
}

// OpenSource opens src through the drivers Choose picks. On failure the
// source is stopped (device.CloseSource) and every claimed link closed.
func (r *Registry) OpenSource(ctx context.Context, src device.Source) (device.Handset, error) {
	h, err := r.openSource(ctx, src)
	if err != nil {
		device.CloseSource(src)
		return nil, err
	}
	return h, nil
}

func (r *Registry) openSource(ctx context.Context, src device.Source) (device.Handset, error) {
	plan, err := r.Choose(src.Offers())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.Location(), err)
	}
	var (
		parts []composite.Part
		errs  []error
	)
	for i, d := range plan.Drivers {
		h, err := r.openOne(ctx, src, d, plan.Links[i])
		if err != nil {
			if !plan.Combined {
				return nil, fmt.Errorf("%s: %w", src.Location(), err)
			}
			err = fmt.Errorf("%s: %w", d.Name, err)
			if ctx.Err() != nil {
				closeParts(parts)
				return nil, errors.Join(append(errs, err)...)
			}
			errs = append(errs, err)
			continue
		}
		parts = append(parts, composite.Part{Name: d.Name, Handset: h, Source: d.Source})
		if !plan.Combined {
			return h, nil
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%s: %w", src.Location(), errors.Join(errs...))
	}
	h, err := composite.New(parts...)
	if err != nil {
		closeParts(parts)
		return nil, err
	}
	return h, nil
}

func (r *Registry) openOne(ctx context.Context, src device.Source, d device.Driver, link string) (device.Handset, error) {
	port, err := src.Claim(ctx, link)
	r.trace(d.Name + " claimed")
	if err != nil {
		return nil, err
	}
	h, err := d.Open(ctx, port)
	r.trace(d.Name + " open")
	if err != nil {
		port.Close()
		return nil, err
	}
	return h, nil
}

func closeParts(parts []composite.Part) {
	for _, p := range parts {
		p.Handset.Close()
	}
}
