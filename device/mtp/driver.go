package mtp

import (
	"context"

	"github.com/sk-rescue/sk-rescue/device"
)

// Driver is the MTP driver for the registry (device/registry): it opens
// MTP functions and plain PTP cameras, MTP being a superset of PTP. Its
// precedence, 30, is above OBEX's and AT's: a phone that offers MTP is read
// over MTP.
var Driver = DriverWith(Options{})

// DriverWith is Driver with options (timeouts, listing strategy); the
// port's Location replaces opt.Location.
func DriverWith(opt Options) device.Driver {
	return device.Driver{
		Name:       "mtp",
		Links:      []string{"mtp", "ptp"},
		Precedence: 30,
		Open: func(ctx context.Context, p device.Port) (device.Handset, error) {
			o := opt
			o.Location = p.Location
			return Open(ctx, p.Link, o)
		},
	}
}

var (
	_ device.Handset       = (*Handset)(nil)
	_ device.BatteryReader = (*Handset)(nil)
	_ device.Warner        = (*Handset)(nil)
)

// Warnings returns what the client tolerated during the session (data
// headers that disagreed with an object's size, junk where a zero-length
// packet belonged), so the export summary shows them.
func (h *Handset) Warnings() []string { return h.c.Warnings() }
