package featurephone_test

import (
	"context"
	"testing"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/devicetest"
	"github.com/sk-rescue/sk-rescue/device/sim"
	"github.com/sk-rescue/sk-rescue/device/sim/featurephone"
)

// phoneSim is the feature phone as the conformance suite drives it.
type phoneSim struct{ *featurephone.Phone }

// Unplug disconnects both functions, as pulling the cable does: after n
// more bytes from the function in use, or at the next transfer.
func (p phoneSim) Unplug(n int64) {
	f := sim.Faults{DisconnectAtTransfer: 1}
	if n > 0 {
		f = sim.Faults{DisconnectAfterIn: n}
	}
	p.OBEXLink.SetFaults(f)
	p.ATLink.SetFaults(f)
}

// TestConformance runs device/devicetest against the OBEX and AT drivers
// as the registry combines them ("obex+at") on the simulated feature
// phone. The simulator has no hostile profile yet: that check is skipped.
func TestConformance(t *testing.T) {
	devicetest.Run(t, devicetest.Harness{
		Open: func(t *testing.T) (device.Handset, devicetest.Sim) {
			sel, err := device.ParseSelector("sim:featurephone")
			if err != nil {
				t.Fatal(err)
			}
			h, ph, err := featurephone.Open(context.Background(), sel)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.Info().Protocol; got != "obex+at" {
				t.Fatalf("opened as %q, want obex+at", got)
			}
			return h, phoneSim{ph}
		},
	})
}
