package sim

import (
	"testing"

	"github.com/sk-rescue/sk-rescue/device/mtp"
)

// TestClientNeverCallsSafeWhatTheSimulatorCallsMutating: the client refuses
// to send what its table calls mutating, and the simulator counts what its
// own table (from the specs) does not know as read-only. If the client's
// table ever let through an operation the simulator would count, every
// "mutating == 0" assertion would become the only line of defence; this
// keeps the two tables honest against each other over the whole code space
// the standards use.
func TestClientNeverCallsSafeWhatTheSimulatorCallsMutating(t *testing.T) {
	for _, r := range [][2]int{{0x1000, 0x10FF}, {0x9000, 0x9FFF}} {
		for op := r[0]; op <= r[1]; op++ {
			if !mtp.Mutating(uint16(op)) && !readOnlyOps[uint16(op)] {
				t.Errorf("op 0x%04x: the client would send it, the simulator counts it as mutating", op)
			}
		}
	}
	for _, op := range []uint16{0x100B /* DeleteObject */, 0x100C /* SendObjectInfo */, 0x100D /* SendObject */, 0x100F /* FormatStore */, 0x1010 /* ResetDevice */, 0x1016 /* SetDevicePropValue */, 0x1019 /* MoveObject */, 0x9804 /* SetObjectPropValue */} {
		if readOnlyOps[op] {
			t.Errorf("op 0x%04x is a write but the simulator's table calls it read-only", op)
		}
	}
}
