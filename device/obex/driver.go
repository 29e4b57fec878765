package obex

import (
	"context"

	"github.com/sk-rescue/sk-rescue/device"
)

// Driver is the OBEX driver for the registry (device/registry): IrMC sync
// and folder browsing over a CDC-WMC OBEX function. Precedence 20: below
// MTP, above the AT modem, with which the registry combines it ("obex+at",
// OBEX first); Source tells the composite which items are the same data.
var Driver = DriverWith(Options{})

// DriverWith is Driver with options; the port's Location replaces
// opt.Location.
func DriverWith(opt Options) device.Driver {
	return device.Driver{
		Name:       "obex",
		Links:      []string{"obex"},
		Precedence: 20,
		Open: func(ctx context.Context, p device.Port) (device.Handset, error) {
			o := opt
			o.Location = p.Location
			return Open(ctx, p.Link, o)
		},
		Source: Source,
	}
}
