package device

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// SelectorKind says how a Selector names a handset.
type SelectorKind string

// The selector forms of --device.
const (
	SelectAny     SelectorKind = ""        // empty: the only handset attached
	SelectSerial  SelectorKind = "serial"  // "R58M12ABC"
	SelectBusAddr SelectorKind = "busaddr" // "1:7"
	SelectVIDPID  SelectorKind = "vidpid"  // "04e8:6860"
	SelectSim     SelectorKind = "sim"     // "sim", "sim:featurephone", "sim:sidekick?contacts=10000"
	SelectDir     SelectorKind = "dir"     // "dir:/media/card"
)

// Selector names one handset on the command line (--device).
type Selector struct {
	Kind SelectorKind
	// Value is the serial, "bus:addr", "vid:pid", simulator profile or
	// folder path.
	Value string
	// Params are the simulator's size parameters ("contacts=10000").
	Params url.Values
	// Bus, Addr, VID, PID are parsed for SelectBusAddr and SelectVIDPID.
	Bus, Addr int
	VID, PID  uint16
}

// String returns the selector as it would be typed.
func (s Selector) String() string {
	switch s.Kind {
	case SelectAny:
		return ""
	case SelectSim:
		out := "sim"
		if s.Value != "" {
			out += ":" + s.Value
		}
		if len(s.Params) > 0 {
			out += "?" + s.Params.Encode()
		}
		return out
	case SelectDir:
		return "dir:" + s.Value
	}
	return s.Value
}

// ParseSelector parses a --device value:
//
//	""                         the only handset attached
//	sim, sim:PROFILE[?k=v&…]   a simulated handset
//	dir:PATH                   a folder as a handset
//	BUS:ADDR                   decimal USB bus and address ("1:7")
//	VID:PID                    four hex digits each ("04e8:6860")
//	SERIAL                     anything else
func ParseSelector(s string) (Selector, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Selector{Kind: SelectAny}, nil
	case s == "sim" || strings.HasPrefix(s, "sim:") || strings.HasPrefix(s, "sim?"):
		rest := strings.TrimPrefix(strings.TrimPrefix(s, "sim"), ":")
		profile, query, _ := strings.Cut(rest, "?")
		params, err := url.ParseQuery(query)
		if err != nil {
			return Selector{}, fmt.Errorf("device: selector %q: bad parameters: %w", s, err)
		}
		return Selector{Kind: SelectSim, Value: profile, Params: params}, nil
	case strings.HasPrefix(s, "dir:"):
		p := strings.TrimPrefix(s, "dir:")
		if p == "" {
			return Selector{}, fmt.Errorf("device: selector %q: name a folder, e.g. dir:/media/card", s)
		}
		return Selector{Kind: SelectDir, Value: p}, nil
	}
	if a, b, ok := strings.Cut(s, ":"); ok {
		if len(a) == 4 && len(b) == 4 {
			vid, err1 := strconv.ParseUint(a, 16, 16)
			pid, err2 := strconv.ParseUint(b, 16, 16)
			if err1 == nil && err2 == nil {
				return Selector{Kind: SelectVIDPID, Value: s, VID: uint16(vid), PID: uint16(pid)}, nil
			}
		}
		bus, err1 := strconv.Atoi(a)
		addr, err2 := strconv.Atoi(b)
		if err1 == nil && err2 == nil && bus >= 0 && addr >= 0 {
			return Selector{Kind: SelectBusAddr, Value: s, Bus: bus, Addr: addr}, nil
		}
		return Selector{}, fmt.Errorf("device: selector %q: expected BUS:ADDR (1:7) or VID:PID (04e8:6860)", s)
	}
	return Selector{Kind: SelectSerial, Value: s}, nil
}
