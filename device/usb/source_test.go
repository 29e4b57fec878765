package usb

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sk-rescue/sk-rescue/device"
)

// TestSourceOffersAndRefuses: a candidate's source offers its functions'
// protocols for the registry, refuses one it lacks with ErrNotFound, and
// refuses mass storage with the dir: advice, all before touching USB.
func TestSourceOffersAndRefuses(t *testing.T) {
	src := Source{Candidate: Candidate{Bus: 1, Address: 7, Functions: []Function{
		{Protocol: ProtoOBEX}, {Protocol: ProtoAT}, {Protocol: ProtoMSC}, {Protocol: ProtoAT},
	}}}
	if got := src.Offers(); !slices.Equal(got, []string{"obex", "at", "msc"}) {
		t.Errorf("offers %v", got)
	}
	if src.Location() != "usb:1:7" {
		t.Errorf("location %q", src.Location())
	}
	if _, err := src.Claim(context.Background(), ProtoADB); !errors.Is(err, device.ErrNotFound) {
		t.Errorf("claim adb: %v", err)
	}
	if _, err := src.Claim(context.Background(), ProtoMSC); err == nil || !strings.Contains(err.Error(), "dir:") {
		t.Errorf("claim msc: %v", err)
	}
}
