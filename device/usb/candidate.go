package usb

import (
	"fmt"
	"strings"

	"github.com/sk-rescue/sk-rescue/device"
)

// Candidate is a USB device that offers at least one handset function.
// Every string in it comes from the device and is untrusted.
type Candidate struct {
	Bus     int `json:"bus"`
	Address int `json:"address"`
	// Path is the port path from the root hub ([1 4] is port 4 of the hub on
	// port 1): stable across replugging into the same socket.
	Path         []int  `json:"path,omitempty"`
	VID          uint16 `json:"vid"`
	PID          uint16 `json:"pid"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
	Serial       string `json:"serial,omitempty"`
	Speed        string `json:"speed,omitempty"`
	// ActiveConfig is the configuration the device is in, 0 when unknown.
	// OpenFunction only opens functions of the active configuration.
	ActiveConfig int `json:"active_config,omitempty"`
	// Functions are the handset functions, active configuration first.
	Functions []Function `json:"functions"`
	// Problem says why the device could not be opened to read its strings
	// (usually device.ErrPermission). The candidate is still listed, with
	// the functions its descriptors alone reveal: class 6/1/1 as ptp, vendor
	// MTP not at all.
	Problem error `json:"-"`
	// Descriptor is the descriptor tree the functions were classified from.
	Descriptor Descriptor `json:"-"`
}

// Location is the candidate's place on the bus as device.Info.Location
// spells it: "usb:1:7".
func (c Candidate) Location() string { return fmt.Sprintf("usb:%d:%d", c.Bus, c.Address) }

// ID is "vid:pid" in the selector's spelling: "04e8:6860".
func (c Candidate) ID() string { return fmt.Sprintf("%04x:%04x", c.VID, c.PID) }

func (c Candidate) String() string {
	name := strings.TrimSpace(c.Manufacturer + " " + c.Product)
	if name == "" {
		name = "unknown device"
	}
	return fmt.Sprintf("%s %s at %s", c.ID(), name, c.Location())
}

// Function returns the first function speaking one of protocols, trying the
// protocols in the order given and preferring the active configuration.
func (c Candidate) Function(protocols ...string) (Function, bool) {
	for _, p := range protocols {
		for _, f := range c.Functions {
			if f.Protocol == p && (c.ActiveConfig == 0 || f.Config == c.ActiveConfig) {
				return f, true
			}
		}
	}
	return Function{}, false
}

// Protocols lists the candidate's protocols once each, in function order.
func (c Candidate) Protocols() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range c.Functions {
		if !seen[f.Protocol] {
			seen[f.Protocol] = true
			out = append(out, f.Protocol)
		}
	}
	return out
}

// Match reports whether the selector names c. SelectAny matches every
// candidate; sim and dir selectors match none. Serials compare exactly.
func Match(sel device.Selector, c Candidate) bool {
	switch sel.Kind {
	case device.SelectAny:
		return true
	case device.SelectSerial:
		return c.Serial != "" && c.Serial == sel.Value
	case device.SelectBusAddr:
		return c.Bus == sel.Bus && c.Address == sel.Addr
	case device.SelectVIDPID:
		return c.VID == sel.VID && c.PID == sel.PID
	}
	return false
}

// Select returns the one candidate sel names. No match is device.ErrNotFound;
// several (two phones of one model with "any" or vid:pid) is an error that
// lists them and asks for a serial or bus:address.
func Select(sel device.Selector, cands []Candidate) (Candidate, error) {
	var found []Candidate
	for _, c := range cands {
		if Match(sel, c) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		if sel.Kind == device.SelectAny {
			return Candidate{}, fmt.Errorf("usb: %w: no phone with an MTP, PTP, OBEX, modem, ADB or mass storage interface is attached; unlock it and choose \"File transfer\", or try --device sim", device.ErrNotFound)
		}
		return Candidate{}, fmt.Errorf("usb: %w: nothing attached matches %q", device.ErrNotFound, sel.String())
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, c := range found {
		names[i] = c.String()
		if c.Serial != "" {
			names[i] += " serial " + c.Serial
		}
	}
	return Candidate{}, fmt.Errorf("usb: %d devices match %q: %s; choose one with --device SERIAL or --device BUS:ADDR",
		len(found), sel.String(), strings.Join(names, "; "))
}
