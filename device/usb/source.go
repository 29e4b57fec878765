package usb

import (
	"context"
	"fmt"

	"github.com/sk-rescue/sk-rescue/device"
)

// Source is a USB candidate as the driver registry (device/registry) sees
// it: the link protocols of its functions, each claimed on demand with
// OpenFunction.
type Source struct {
	Candidate Candidate
	Options   Options
}

var _ device.Source = Source{}

// Location is the candidate's "usb:BUS:ADDR".
func (s Source) Location() string { return s.Candidate.Location() }

// Offers lists the candidate's function protocols.
func (s Source) Offers() []string { return s.Candidate.Protocols() }

// Claim opens the first function of protocol proto; the port carries the
// function's interface number for class requests.
func (s Source) Claim(ctx context.Context, proto string) (device.Port, error) {
	f, ok := s.Candidate.Function(proto)
	if !ok {
		return device.Port{}, fmt.Errorf("usb: %s has no %s function: %w", s.Candidate, proto, device.ErrNotFound)
	}
	l, err := OpenFunction(ctx, s.Candidate, f, s.Options)
	if err != nil {
		return device.Port{}, err
	}
	return device.Port{Protocol: proto, Link: l, Interface: f.Interface, Location: s.Location()}, nil
}

// Finder finds attached handsets for the registry: Enumerate, then Select.
type Finder struct {
	Options Options
}

var _ device.Finder = Finder{}

// Find returns the source of the one attached candidate sel names.
func (f Finder) Find(ctx context.Context, sel device.Selector) (device.Source, error) {
	cands, err := Enumerate(ctx)
	if err != nil {
		return nil, err
	}
	c, err := Select(sel, cands)
	if err != nil {
		return nil, err
	}
	return Source{Candidate: c, Options: f.Options}, nil
}
