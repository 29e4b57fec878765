package mtp_test

import (
	"context"
	"testing"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/devicetest"
	"github.com/sk-rescue/sk-rescue/device/mtp"
	"github.com/sk-rescue/sk-rescue/device/sim"
	"github.com/sk-rescue/sk-rescue/device/sim/sidekick"
)

// mtpSim is the simulated Sidekick as the conformance suite drives it.
type mtpSim struct{ *sim.Sim }

// Unplug disconnects the link after n more bytes, or at the next transfer.
func (s mtpSim) Unplug(n int64) {
	if n > 0 {
		s.Link.SetFaults(sim.Faults{DisconnectAfterIn: n})
	} else {
		s.Link.SetFaults(sim.Faults{DisconnectAtTransfer: 1})
	}
}

func openMTPSim(selector string) func(t *testing.T) (device.Handset, devicetest.Sim) {
	return func(t *testing.T) (device.Handset, devicetest.Sim) {
		sel, err := device.ParseSelector(selector)
		if err != nil {
			t.Fatal(err)
		}
		s, err := sim.Start(sel)
		if err != nil {
			t.Fatal(err)
		}
		h, err := mtp.Driver.Open(context.Background(), device.Port{Protocol: "mtp", Link: s.Link, Interface: -1, Location: s.Location()})
		if err != nil {
			s.Close()
			t.Fatal(err)
		}
		return h, mtpSim{s}
	}
}

// TestConformance runs device/devicetest against the MTP driver over the
// simulated Sidekick, with photos of 2.5–3 MB so an object spans several
// of the client's 1 MiB reads (a cancel then lands mid-stream), and
// against its hostile folder.
func TestConformance(t *testing.T) {
	devicetest.Run(t, devicetest.Harness{
		Open:        openMTPSim("sim:sidekick?contacts=5&events=3&todos=2&photos=2&minphoto=2500000&maxphoto=3000000"),
		OpenHostile: openMTPSim("sim:sidekick?contacts=1&events=1&todos=1&photos=1&hostile=1"),
		OpenSlow: func(t *testing.T) (device.Handset, devicetest.Sim) {
			// 2 MiB at 200 KB/s: 10 s on the wire; the cancel comes at 50 ms.
			phone := sidekick.Generate(sidekick.Params{Seed: 1, Contacts: 1, Photos: 1, MinPhoto: 2 << 20, MaxPhoto: 2 << 20, Battery: 50})
			host, r := sim.StartMTP(phone, sim.Quirks{}, sim.Model{Bandwidth: 200e3, MaxPacketSize: 512})
			s := &sim.Sim{Profile: "slow", Phone: phone, Link: host, MTP: r}
			h, err := mtp.Driver.Open(context.Background(), device.Port{Protocol: "mtp", Link: host, Interface: -1, Location: s.Location()})
			if err != nil {
				host.Close()
				t.Fatal(err)
			}
			return h, mtpSim{s}
		},
	})
}
