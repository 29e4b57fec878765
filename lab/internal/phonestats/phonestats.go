// Package phonestats is the counters file "gadget featurephone -stats"
// writes and lab/labcheck reads: one definition for the writer and the
// judge, so the two binaries cannot drift apart on a field.
package phonestats

// Stats are the feature-phone responders' counters at one moment. The lab
// judges a client on the phone by the difference between two dumps, one
// before and one after it.
type Stats struct {
	Requests int            `json:"requests"`
	Mutating int            `json:"mutating"`
	ATCmds   map[string]int `json:"at_cmds"`
	// ATRefused are the command lines the modem answered "+CME ERROR: 3",
	// which the simulator gives only to commands it counts as mutating
	// (device/sim/featurephone/at.go), in order.
	ATRefused []string `json:"at_refused"`
	// ATMutating are the command lines the modem counted as mutating,
	// refused or not (AT+CFUN=1 is answered OK), in order.
	ATMutating []string `json:"at_mutating"`
	// OBEXOps are the OBEX requests per opcode ("0x80"), OBEXMutating
	// those counted as mutating, described ("opcode 0x85 flags 0x00").
	OBEXOps      map[string]int `json:"obex_ops"`
	OBEXMutating []string       `json:"obex_mutating"`
}
