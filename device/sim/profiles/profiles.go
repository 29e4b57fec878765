// Package profiles lists every simulated handset, for the driver registry
// (device/registry): what --device sim:NAME may start. It is a package of
// its own because the simulators live in packages that import device/sim
// (device/sim/featurephone, later device/sim/android), so device/sim
// cannot list them without an import cycle; the command imports this list
// once, and a new simulator is one line here, none in cmd.
package profiles

import (
	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/sim"
	"github.com/sk-rescue/sk-rescue/device/sim/featurephone"
)

// All returns the simulator profiles, the default (what a bare "sim"
// starts) first.
func All() []device.SimProfile {
	return []device.SimProfile{
		sim.SidekickProfile,
		featurephone.SimProfile,
	}
}
