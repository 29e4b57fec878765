package usb

import (
	"reflect"
	"testing"

	"github.com/sk-rescue/sk-rescue/device"
)

func bulkIn(a uint8, mps int) Endpoint  { return Endpoint{Address: a, Type: Bulk, MaxPacketSize: mps} }
func bulkOut(a uint8, mps int) Endpoint { return Endpoint{Address: a, Type: Bulk, MaxPacketSize: mps} }
func intrIn(a uint8, mps int) Endpoint {
	return Endpoint{Address: a, Type: Interrupt, MaxPacketSize: mps}
}

func one(settings ...Setting) Descriptor {
	return Descriptor{Bus: 1, Address: 7, VID: 0x04e8, PID: 0x6860, Configs: []Config{{Number: 1, Settings: settings}}}
}

func mtpEPs() []Endpoint {
	return []Endpoint{bulkIn(0x81, 512), bulkOut(0x01, 512), intrIn(0x82, 28)}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		desc   Descriptor
		wanted bool // passes the pre-open filter
		want   []Function
	}{
		{
			name: "android 6/1/1 MTP with ADB",
			desc: one(
				Setting{Interface: 0, Class: 6, SubClass: 1, Protocol: 1, Endpoints: mtpEPs(), Name: "MTP"},
				Setting{Interface: 1, Class: 0xff, SubClass: 0x42, Protocol: 1, Endpoints: []Endpoint{bulkOut(0x03, 512), bulkIn(0x83, 512)}, Name: "ADB Interface"},
			),
			wanted: true,
			want: []Function{
				{Protocol: "mtp", Config: 1, Interface: 0, DataInterface: -1, BulkIn: 0x81, BulkOut: 0x01, InterruptIn: 0x82, MaxPacketSize: 512, InterruptMaxPacketSize: 28, Name: "MTP"},
				{Protocol: "adb", Config: 1, Interface: 1, DataInterface: -1, BulkIn: 0x83, BulkOut: 0x03, MaxPacketSize: 512, Name: "ADB Interface"},
			},
		},
		{
			name:   "old android vendor ff/ff/00 MTP",
			desc:   one(Setting{Interface: 0, Class: 0xff, SubClass: 0xff, Protocol: 0, Endpoints: mtpEPs(), Name: "MTP"}),
			wanted: true,
			want: []Function{
				{Protocol: "mtp", Config: 1, DataInterface: -1, BulkIn: 0x81, BulkOut: 0x01, InterruptIn: 0x82, MaxPacketSize: 512, InterruptMaxPacketSize: 28, Name: "MTP"},
			},
		},
		{
			// A PL2303 serial adapter has the same three endpoints: it is
			// opened to read its strings, and then left alone.
			name:   "vendor ff/00/00 without MTP string",
			desc:   one(Setting{Interface: 0, Class: 0xff, Endpoints: []Endpoint{intrIn(0x81, 10), bulkOut(0x02, 64), bulkIn(0x83, 64)}}),
			wanted: true,
		},
		{
			name:   "PTP camera",
			desc:   one(Setting{Interface: 0, Class: 6, SubClass: 1, Protocol: 1, Endpoints: []Endpoint{bulkIn(0x81, 512), bulkOut(0x02, 512), intrIn(0x83, 8)}}),
			wanted: true,
			want: []Function{
				{Protocol: "ptp", Config: 1, DataInterface: -1, BulkIn: 0x81, BulkOut: 0x02, InterruptIn: 0x83, MaxPacketSize: 512, InterruptMaxPacketSize: 8},
			},
		},
		{
			name: "nokia CDC-ACM + WMC OBEX composite",
			desc: one(
				Setting{Interface: 0, Class: 2, SubClass: 2, Protocol: 1, Endpoints: []Endpoint{intrIn(0x83, 16)}, Name: "CDC Comms Interface"},
				Setting{Interface: 1, Class: 0x0a, Endpoints: []Endpoint{bulkIn(0x81, 64), bulkOut(0x02, 64)}},
				Setting{Interface: 2, Class: 2, SubClass: 0x0b, Name: "Nokia PC Suite"},
				Setting{Interface: 3, Alt: 0, Class: 0x0a},
				Setting{Interface: 3, Alt: 1, Class: 0x0a, Endpoints: []Endpoint{bulkIn(0x84, 64), bulkOut(0x05, 64)}},
				Setting{Interface: 4, Class: 2, SubClass: 0xfe, Name: "Phonet"}, // not ours
			),
			wanted: true,
			want: []Function{
				{Protocol: "at", Config: 1, Interface: 0, DataInterface: 1, BulkIn: 0x81, BulkOut: 0x02, InterruptIn: 0x83, MaxPacketSize: 64, InterruptMaxPacketSize: 16, Name: "CDC Comms Interface"},
				{Protocol: "obex", Config: 1, Interface: 2, DataInterface: 3, DataAlt: 1, BulkIn: 0x84, BulkOut: 0x05, MaxPacketSize: 64, Name: "Nokia PC Suite"},
			},
		},
		{
			name:   "ADB alone",
			desc:   one(Setting{Interface: 0, Class: 0xff, SubClass: 0x42, Protocol: 1, Endpoints: []Endpoint{bulkIn(0x81, 512), bulkOut(0x01, 512)}}),
			wanted: true,
			want:   []Function{{Protocol: "adb", Config: 1, DataInterface: -1, BulkIn: 0x81, BulkOut: 0x01, MaxPacketSize: 512}},
		},
		{
			name: "fastboot is not ADB",
			desc: one(Setting{Interface: 0, Class: 0xff, SubClass: 0x42, Protocol: 3, Endpoints: []Endpoint{bulkIn(0x81, 512), bulkOut(0x01, 512)}}),
		},
		{
			name:   "mass storage",
			desc:   one(Setting{Interface: 0, Class: 8, SubClass: 6, Protocol: 0x50, Endpoints: []Endpoint{bulkIn(0x81, 512), bulkOut(0x02, 512)}}),
			wanted: true,
			want:   []Function{{Protocol: "msc", Config: 1, DataInterface: -1, BulkIn: 0x81, BulkOut: 0x02, MaxPacketSize: 512}},
		},
		{
			name: "OBEX control without a data interface",
			desc: one(Setting{Interface: 0, Class: 2, SubClass: 0x0b}),
		},
		{
			name: "keyboard",
			desc: one(Setting{Interface: 0, Class: 3, SubClass: 1, Protocol: 1, Endpoints: []Endpoint{intrIn(0x81, 8)}}),
		},
		{
			name: "hub",
			desc: Descriptor{Class: 9, Configs: []Config{{Number: 1, Settings: []Setting{{Class: 9, Endpoints: []Endpoint{intrIn(0x81, 1)}}}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Wanted(tt.desc); got != tt.wanted {
				t.Errorf("Wanted = %v, want %v", got, tt.wanted)
			}
			got := Classify(tt.desc)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Classify =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestCandidateFunctionPrefersActiveConfig(t *testing.T) {
	d := Descriptor{Configs: []Config{
		{Number: 1, Settings: []Setting{{Interface: 0, Class: 8, Endpoints: []Endpoint{bulkIn(0x81, 512), bulkOut(0x02, 512)}}}},
		{Number: 2, Settings: []Setting{
			{Interface: 0, Class: 6, SubClass: 1, Protocol: 1, Endpoints: mtpEPs(), Name: "MTP"},
		}},
		{Number: 3, Settings: []Setting{
			{Interface: 0, Class: 6, SubClass: 1, Protocol: 1, Endpoints: mtpEPs(), Name: "MTP"},
		}},
	}}
	c := candidateFrom(d, nil)
	c.ActiveConfig = 3
	sortFunctions(&c)
	if c.Functions[0].Config != 3 {
		t.Fatalf("active config not first: %+v", c.Functions)
	}
	f, ok := c.Function(ProtoMTP, ProtoPTP)
	if !ok || f.Config != 3 {
		t.Fatalf("Function(mtp) = %+v, %v", f, ok)
	}
	if _, ok := c.Function(ProtoMSC); ok {
		t.Fatal("msc is only in an inactive configuration")
	}
	if got := c.Protocols(); !reflect.DeepEqual(got, []string{"mtp", "msc"}) {
		t.Fatalf("Protocols = %v", got)
	}
}

func TestMatchAndSelect(t *testing.T) {
	a := Candidate{Bus: 1, Address: 7, VID: 0x04e8, PID: 0x6860, Serial: "R58M12ABC"}
	b := Candidate{Bus: 2, Address: 3, VID: 0x04e8, PID: 0x6860, Serial: "R58M99XYZ"}
	n := Candidate{Bus: 3, Address: 9, VID: 0x0421, PID: 0x0802}
	all := []Candidate{a, b, n}
	sel := func(s string) device.Selector {
		t.Helper()
		v, err := device.ParseSelector(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		sel     string
		matches []bool // a, b, n
	}{
		{"", []bool{true, true, true}},
		{"R58M12ABC", []bool{true, false, false}},
		{"r58m12abc", []bool{false, false, false}},
		{"2:3", []bool{false, true, false}},
		{"04e8:6860", []bool{true, true, false}},
		{"0421:0802", []bool{false, false, true}},
		{"sim", []bool{false, false, false}},
		{"dir:/media/card", []bool{false, false, false}},
	}
	for _, tt := range tests {
		s := sel(tt.sel)
		for i, c := range all {
			if got := Match(s, c); got != tt.matches[i] {
				t.Errorf("Match(%q, %s) = %v", tt.sel, c, got)
			}
		}
	}
	if c, err := Select(sel("2:3"), all); err != nil || c.Serial != b.Serial {
		t.Errorf("Select(2:3) = %v, %v", c, err)
	}
	if _, err := Select(sel("04e8:6860"), all); err == nil {
		t.Error("two phones of one model: want an ambiguity error")
	}
	if _, err := Select(sel("9:9"), all); !errorsIs(err, device.ErrNotFound) {
		t.Errorf("Select(9:9) = %v, want ErrNotFound", err)
	}
	if _, err := Select(sel(""), nil); !errorsIs(err, device.ErrNotFound) {
		t.Errorf("Select(any) on nothing = %v, want ErrNotFound", err)
	}
	if c, err := Select(sel(""), []Candidate{n}); err != nil || c.VID != 0x0421 {
		t.Errorf("Select(any) of one = %v, %v", c, err)
	}
}
