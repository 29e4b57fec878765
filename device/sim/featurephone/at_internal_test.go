package featurephone

import (
	"slices"
	"testing"
)

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

// TestTestCommandsAreReads: V.250 test commands ("AT+X=?") only ask
// whether X exists and which values it takes, so gammu's probes of
// commands this phone lacks (AT+CPROT=?, AT+CHUP=?, AT$TSSPCSW=?) are
// answered ERROR and not counted; the set forms of the same commands still
// are, and are refused.
func TestTestCommandsAreReads(t *testing.T) {
	r := NewATResponder(Dataset(), ATQuirks{}, 64)
	for _, cmd := range []string{"AT+CPROT=?", "AT+SYNCML=?", "AT$TSSPCSW=?", "AT+CHUP=?", "AT+CPBW=?"} {
		if _, final := r.exec(cmd); final != "ERROR" {
			t.Errorf("%s: final %q, want ERROR (not supported)", cmd, final)
		}
	}
	if _, m := r.Stats(); m != 0 {
		t.Errorf("test commands counted as mutating: %d", m)
	}
	for _, cmd := range []string{"AT+CPROT=0", "AT+CHUP", "AT+MODE=2", "AT+CPBW=?;+CPBW=1"} {
		if _, final := r.exec(cmd); final != "+CME ERROR: 3" {
			t.Errorf("%s: final %q, want +CME ERROR: 3", cmd, final)
		}
	}
	r.exec("AT+CFUN=1")
	want := []string{"AT+CPROT=0", "AT+CHUP", "AT+MODE=2", "AT+CPBW=?;+CPBW=1", "AT+CFUN=1"}
	if got := r.MutatingCommands(); !slices.Equal(got, want) {
		t.Errorf("MutatingCommands() = %q, want %q", got, want)
	}
}
