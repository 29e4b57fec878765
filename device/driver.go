package device

import (
	"context"
	"io"
)

// The types below are what drivers, link providers and simulators hand to
// the driver registry (device/registry), which turns a --device selector
// into one Handset. They live here, in the package every driver already
// imports, so that a protocol package exports its Driver and a simulator
// its SimProfile without importing the registry, and the registry (which
// needs device/composite) stays out of every driver's imports.

// Port is one claimed function of a handset, as a Source hands it to a
// Driver: a Link for USB and simulated protocols, a Path for a folder.
type Port struct {
	// Protocol is the link protocol of the function ("mtp", "ptp", "obex",
	// "at", "adb", "dir").
	Protocol string
	// Link is the function's endpoints; nil for "dir".
	Link Link
	// Interface is the USB interface number of the function, for class
	// requests addressed to it (CDC SET_CONTROL_LINE_STATE); -1 when the
	// link is not real USB and such requests mean nothing.
	Interface int
	// Path is the folder of a "dir" port.
	Path string
	// Location is where the handset was found, for Info.Location:
	// "usb:1:7", "sim:featurephone", "dir:/media/card".
	Location string
}

// Close releases the port's link, if any.
func (p Port) Close() error {
	if p.Link != nil {
		return p.Link.Close()
	}
	return nil
}

// Source is one physical (or simulated) handset before any protocol is
// spoken to it: the functions it offers, keyed by link protocol. device/usb
// makes one of a USB device; each simulator profile makes one of its
// simulated links; the registry makes one of a dir: selector.
type Source interface {
	// Location is where the handset is ("usb:1:7", "sim:sidekick").
	Location() string
	// Offers lists the link protocols the handset has functions for, once
	// each, in the handset's own order.
	Offers() []string
	// Claim claims the function of link protocol proto (one Offers listed)
	// and returns its port. The caller closes the port's link.
	Claim(ctx context.Context, proto string) (Port, error)
}

// Driver is one protocol's way into a handset, as its package exports it
// (mtp.Driver, obex.Driver, at.Driver, dir.Driver, adb.Driver). A Driver
// is a plain value: drivers are listed explicitly by the command (no
// init() registration), and a test builds registries of fakes.
type Driver struct {
	// Name is the protocol as Info.Protocol spells it ("mtp", "obex",
	// "at", "adb", "dir"). It names the driver in the registry's
	// combinations and prefixes item IDs when the driver is one part of a
	// composite ("obex:telecom/pb.vcf"); it must not contain ":" or "+".
	Name string
	// Links are the link protocols the driver speaks over, preferred first:
	// the MTP driver opens "mtp" and "ptp" functions.
	Links []string
	// Precedence ranks drivers when a handset offers functions for several:
	// the handset is read through the driver (or the combination holding
	// the driver) of highest precedence. MTP is 30, OBEX 20, AT 10, DIR 0;
	// ADB, richer than MTP on the same phone, 40.
	Precedence int
	// Open speaks the protocol over port and returns the opened handset.
	// It does not close port's link on failure: the registry does.
	Open func(ctx context.Context, port Port) (Handset, error)
	// Source names the data an item comes from, so that when the driver is
	// one part of a combination, items of two parts holding the same data
	// are recognised as alternatives (IrMC's telecom/pb.vcf and the modem's
	// ME phonebook are both the phone memory). nil means the item's kind.
	Source func(Item) string
}

// SimProfile is a simulated handset that the selector sim:NAME starts
// (device/sim's sidekick, device/sim/featurephone's featurephone). Start
// powers it up and returns its simulated functions as a Source; the
// registry then opens it through the same drivers as a real phone.
type SimProfile struct {
	// Name is the selector's profile ("sidekick" in sim:sidekick).
	Name string
	// Summary is one line for lists of profiles.
	Summary string
	// Start starts a fresh simulated handset for sel (its Params shape it).
	// The Source may also implement io.Closer (stop the simulator) and the
	// simulators' request accounting (sim.Counter).
	Start func(ctx context.Context, sel Selector) (Source, error)
}

// Finder finds the physical handset a selector names: device/usb on Linux,
// later one per platform. It is given only serial, bus:address, vid:pid and
// empty selectors.
type Finder interface {
	Find(ctx context.Context, sel Selector) (Source, error)
}

// CloseSource stops a source that can be stopped (a simulator whose
// handset never opened); other sources need nothing.
func CloseSource(s Source) error {
	if c, ok := s.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
