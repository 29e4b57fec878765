package sim

import "github.com/sk-rescue/sk-rescue/device/mtp"

// Counter is the request accounting every simulator offers, whatever its
// protocol: the MTP responder here, the feature phone's OBEX and AT
// responders (device/sim/featurephone, counted together), the Android one.
// The conformance suite (device/devicetest) and the read-only tests read
// it.
type Counter interface {
	// Counts returns how many requests the simulator received, by name
	// ("GetObject" for MTP, "obex:GET" and "at:AT+CPBR" for the feature
	// phone), and how many of them would have modified a real phone —
	// which must be zero.
	Counts() (requests map[string]int, mutating int)
}

var (
	_ Counter = (*MTPResponder)(nil)
	_ Counter = (*Sim)(nil)
)

// Counts is Stats with operation names.
func (r *MTPResponder) Counts() (map[string]int, int) {
	ops, mutating := r.Stats()
	out := make(map[string]int, len(ops))
	for op, n := range ops {
		out[mtp.OpName(op)] += n
	}
	return out, mutating
}
