package device

import (
	"strings"
	"testing"
)

func TestParseSelector(t *testing.T) {
	tests := []struct {
		in      string
		kind    SelectorKind
		value   string
		param   string // "key=value" expected in Params
		wantErr bool
	}{
		{in: "", kind: SelectAny},
		{in: "sim", kind: SelectSim},
		{in: "sim:sidekick", kind: SelectSim, value: "sidekick"},
		{in: "sim:sidekick?contacts=10000&photos=500", kind: SelectSim, value: "sidekick", param: "contacts=10000"},
		{in: "sim?battery=5", kind: SelectSim, param: "battery=5"},
		{in: "dir:/media/card", kind: SelectDir, value: "/media/card"},
		{in: "dir:", wantErr: true},
		{in: "1:7", kind: SelectBusAddr, value: "1:7"},
		{in: "04e8:6860", kind: SelectVIDPID, value: "04e8:6860"},
		{in: "R58M12ABC", kind: SelectSerial, value: "R58M12ABC"},
		{in: "x:y", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseSelector(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseSelector(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			continue
		}
		if got.Kind != tt.kind || got.Value != tt.value {
			t.Errorf("ParseSelector(%q) = %v %q, want %v %q", tt.in, got.Kind, got.Value, tt.kind, tt.value)
		}
		if tt.param != "" {
			k, v, _ := strings.Cut(tt.param, "=")
			if got.Params.Get(k) != v {
				t.Errorf("ParseSelector(%q) param %s = %q, want %q", tt.in, k, got.Params.Get(k), v)
			}
		}
	}
	s, _ := ParseSelector("04e8:6860")
	if s.VID != 0x04e8 || s.PID != 0x6860 {
		t.Errorf("vid:pid parsed as %04x:%04x", s.VID, s.PID)
	}
}
