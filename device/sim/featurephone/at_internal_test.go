package featurephone

import "testing"

// TestPINQueryIsARead: peers such as gammu ask for the PIN state first; the
// simulator answers it as the read it is (27.007 §8.3), and still counts
// entering a PIN as a change.
func TestPINQueryIsARead(t *testing.T) {
	for cmd, want := range map[string]bool{"+CPIN?": false, "+CPIN=?": false, `+CPIN="1234"`: true} {
		if got := mutating(cmd); got != want {
			t.Errorf("mutating(%q) = %v, want %v", cmd, got, want)
		}
	}
}
