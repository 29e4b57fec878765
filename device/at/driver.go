package at

import (
	"context"

	"github.com/sk-rescue/sk-rescue/device"
)

// Driver is the AT modem driver for the registry (device/registry): the
// phonebooks of a CDC-ACM modem. Precedence 10, the lowest of the USB
// drivers: alone it reads only phonebooks, so the registry combines it
// behind OBEX ("obex+at"). On real USB (the port has an interface number)
// it asserts DTR and RTS first, as some modems want.
var Driver = DriverWith(Options{})

// DriverWith is Driver with options; the port's Location, and on real USB
// its interface, replace opt's.
func DriverWith(opt Options) device.Driver {
	return device.Driver{
		Name:       "at",
		Links:      []string{"at"},
		Precedence: 10,
		Open: func(ctx context.Context, p device.Port) (device.Handset, error) {
			o := opt
			o.Location = p.Location
			if p.Interface >= 0 {
				o.LineState, o.Interface = true, uint16(p.Interface)
			}
			return Open(ctx, p.Link, o)
		},
		Source: Source,
	}
}

var (
	_ device.Warner      = (*Handset)(nil)
	_ device.Incompleter = (*partialReader)(nil)
)
