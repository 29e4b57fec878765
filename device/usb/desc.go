package usb

import (
	"fmt"
	"strings"
)

// EndpointType is an endpoint's transfer type, bits 1..0 of bmAttributes.
type EndpointType uint8

// The USB transfer types.
const (
	Control     EndpointType = 0
	Isochronous EndpointType = 1
	Bulk        EndpointType = 2
	Interrupt   EndpointType = 3
)

// Endpoint is one endpoint descriptor.
type Endpoint struct {
	// Address is bEndpointAddress: bit 7 set for IN.
	Address       uint8        `json:"address"`
	Type          EndpointType `json:"type"`
	MaxPacketSize int          `json:"max_packet_size"`
}

// In reports whether the endpoint carries data to the host.
func (e Endpoint) In() bool { return e.Address&0x80 != 0 }

// Setting is one alternate setting of one interface.
type Setting struct {
	Interface int   `json:"interface"`
	Alt       int   `json:"alt"`
	Class     uint8 `json:"class"`
	SubClass  uint8 `json:"subclass"`
	Protocol  uint8 `json:"protocol"`
	// Endpoints in descriptor order.
	Endpoints []Endpoint `json:"endpoints,omitempty"`
	// Name is the iInterface string. It is only known once the device has
	// been opened; empty before, and when the device has none.
	Name string `json:"name,omitempty"`
}

// Config is one configuration: every alternate setting of every interface,
// flattened.
type Config struct {
	Number   int       `json:"number"`
	Settings []Setting `json:"settings"`
}

// Descriptor is the part of a device's descriptor tree classification needs.
// Enumerate fills it from gousb; tests write it by hand.
type Descriptor struct {
	Bus     int    `json:"bus"`
	Address int    `json:"address"`
	VID     uint16 `json:"vid"`
	PID     uint16 `json:"pid"`
	Class   uint8  `json:"class"`
	// Speed as gousb names it ("high", "full", "super").
	Speed   string   `json:"speed,omitempty"`
	Configs []Config `json:"configs"`
}

// altSettings counts the alternate settings of interface num in
// configuration cfg.
func (d Descriptor) altSettings(cfg, num int) int {
	n := 0
	for _, c := range d.Configs {
		if c.Number != cfg {
			continue
		}
		for _, s := range c.Settings {
			if s.Interface == num {
				n++
			}
		}
	}
	return n
}

// Interface classes and subclasses this package recognises.
const (
	classComm        = 0x02
	classImage       = 0x06
	classMassStorage = 0x08
	classHub         = 0x09
	classData        = 0x0a
	classVendor      = 0xff

	subclassACM  = 0x02 // CDC Abstract Control Model: an AT modem
	subclassOBEX = 0x0b // CDC WMC OBEX

	subclassADB = 0x42
	protocolADB = 0x01
)

// The protocols a Function speaks.
const (
	ProtoMTP  = "mtp"
	ProtoPTP  = "ptp"
	ProtoOBEX = "obex"
	ProtoAT   = "at"
	ProtoADB  = "adb"
	ProtoMSC  = "msc"
)

// Function is one handset function: the interface (and for CDC the data
// interface) a protocol driver talks through, and its endpoints.
type Function struct {
	// Protocol is one of ProtoMTP, ProtoPTP, ProtoOBEX, ProtoAT, ProtoADB,
	// ProtoMSC. A class 6/1/1 interface whose name does not say "MTP" is
	// classed ptp; MTP is a superset of PTP and the MTP driver opens both,
	// confirming MTP with GetDeviceInfo.
	Protocol string `json:"protocol"`
	// Config is the configuration value the function lives in.
	Config int `json:"config"`
	// Interface and Alt are the interface to claim (for CDC functions, the
	// communication interface) and its alternate setting.
	Interface int `json:"interface"`
	Alt       int `json:"alt"`
	// DataInterface and DataAlt are the CDC data interface carrying the bulk
	// endpoints; DataInterface is -1 when the function is one interface.
	DataInterface int `json:"data_interface"`
	DataAlt       int `json:"data_alt"`
	// BulkIn, BulkOut and InterruptIn are endpoint addresses; InterruptIn is
	// 0 when the function has none (ADB, OBEX, mass storage).
	BulkIn      uint8 `json:"bulk_in"`
	BulkOut     uint8 `json:"bulk_out"`
	InterruptIn uint8 `json:"interrupt_in,omitempty"`
	// MaxPacketSize is the bulk endpoints' packet size (64, 512, 1024).
	MaxPacketSize int `json:"max_packet_size"`
	// InterruptMaxPacketSize is the interrupt endpoint's packet size (28 on
	// Android MTP).
	InterruptMaxPacketSize int `json:"interrupt_max_packet_size,omitempty"`
	// Name is the interface string ("MTP", "Nokia PC Suite"), when known.
	Name string `json:"name,omitempty"`
}

func (f Function) String() string {
	s := fmt.Sprintf("%s (config %d, interface %d alt %d", f.Protocol, f.Config, f.Interface, f.Alt)
	if f.DataInterface >= 0 {
		s += fmt.Sprintf(", data %d alt %d", f.DataInterface, f.DataAlt)
	}
	if f.Name != "" {
		s += fmt.Sprintf(", %q", f.Name)
	}
	return s + ")"
}

// Classify returns the handset functions of d, in configuration and
// interface order. Interface strings must have been read into Setting.Name:
//
//   - class 6/1/1 with bulk IN, bulk OUT and interrupt IN: mtp when the
//     interface string contains "MTP", else ptp (a camera, or a phone whose
//     string could not be read);
//   - vendor class 0xff (any subclass and protocol) with exactly those three
//     endpoints and "MTP" in the interface string: mtp (older Android
//     f_mtp.c gadgets use 0xff/0xff/0, some vendor kernels 0xff/0/0);
//   - 0xff/0x42/0x01 with bulk IN and OUT: adb;
//   - 2/0x0b (CDC WMC OBEX) followed by a data interface (class 0x0a) with
//     bulk IN and OUT in some alternate setting: obex;
//   - 2/2 (CDC ACM) followed by such a data interface: at;
//   - class 8 with bulk IN and OUT: msc.
//
// CDC functions name their data interface in a union functional descriptor
// that gousb v1.1.3 does not expose; the data interface is taken to be the
// next interface number, as on every handset in peers.md §3.4.
func Classify(d Descriptor) []Function { return classify(d, true) }

// Wanted reports whether d offers an interface that could be a handset
// function judging by descriptors alone: the filter run before a device is
// opened. It accepts every three-endpoint vendor-class interface, whose
// string must be read to tell MTP from anything else.
func Wanted(d Descriptor) bool {
	if d.Class == classHub {
		return false
	}
	return len(classify(d, false)) > 0
}

// classify implements Classify; with strict false a vendor-class interface
// of MTP shape counts without its "MTP" string.
func classify(d Descriptor, strict bool) []Function {
	var out []Function
	for _, c := range d.Configs {
		done := map[int]bool{} // interfaces already given a function
		for _, s := range c.Settings {
			if done[s.Interface] {
				continue
			}
			f, ok := classifySetting(c, s, strict)
			if !ok {
				continue
			}
			done[s.Interface] = true
			if f.DataInterface >= 0 {
				done[f.DataInterface] = true
			}
			out = append(out, f)
		}
	}
	return out
}

func classifySetting(c Config, s Setting, strict bool) (Function, bool) {
	f := Function{Config: c.Number, Interface: s.Interface, Alt: s.Alt, DataInterface: -1, Name: s.Name}
	hasMTP := strings.Contains(strings.ToUpper(s.Name), "MTP")
	switch {
	case s.Class == classImage && s.SubClass == 1 && s.Protocol == 1 && mtpShape(s, &f):
		f.Protocol = ProtoPTP
		if hasMTP {
			f.Protocol = ProtoMTP
		}
	case s.Class == classVendor && s.SubClass == subclassADB:
		if s.Protocol != protocolADB || !bulkPair(s, &f) {
			return f, false // 0x03 is fastboot: never ours
		}
		f.Protocol = ProtoADB
	case s.Class == classVendor && mtpShape(s, &f) && (hasMTP || !strict):
		f.Protocol = ProtoMTP
	case s.Class == classComm && (s.SubClass == subclassOBEX || s.SubClass == subclassACM):
		data, ok := dataSetting(c, s.Interface+1)
		if !ok || !bulkPair(data, &f) {
			return f, false
		}
		f.DataInterface, f.DataAlt = data.Interface, data.Alt
		if s.SubClass == subclassOBEX {
			f.Protocol = ProtoOBEX
		} else {
			f.Protocol = ProtoAT
			if ep, ok := endpoint(s, Interrupt, true); ok {
				f.InterruptIn, f.InterruptMaxPacketSize = ep.Address, ep.MaxPacketSize
			}
		}
	case s.Class == classMassStorage && bulkPair(s, &f):
		f.Protocol = ProtoMSC
	default:
		return f, false
	}
	return f, true
}

// mtpShape reports whether s has exactly bulk IN, bulk OUT and interrupt IN,
// and fills f's endpoints if so.
func mtpShape(s Setting, f *Function) bool {
	if len(s.Endpoints) != 3 {
		return false
	}
	ev, ok := endpoint(s, Interrupt, true)
	if !ok || !bulkPair(s, f) {
		return false
	}
	f.InterruptIn, f.InterruptMaxPacketSize = ev.Address, ev.MaxPacketSize
	return true
}

// bulkPair fills f's bulk endpoints from the first bulk IN and bulk OUT of s.
func bulkPair(s Setting, f *Function) bool {
	in, ok1 := endpoint(s, Bulk, true)
	out, ok2 := endpoint(s, Bulk, false)
	if !ok1 || !ok2 {
		return false
	}
	f.BulkIn, f.BulkOut, f.MaxPacketSize = in.Address, out.Address, in.MaxPacketSize
	return true
}

func endpoint(s Setting, t EndpointType, in bool) (Endpoint, bool) {
	for _, e := range s.Endpoints {
		if e.Type == t && e.In() == in {
			return e, true
		}
	}
	return Endpoint{}, false
}

// dataSetting returns the first alternate setting of interface n that is a
// CDC data interface with bulk IN and OUT (alt 0 of a WMC OBEX data
// interface has no endpoints; alt 1 has them).
func dataSetting(c Config, n int) (Setting, bool) {
	for _, s := range c.Settings {
		if s.Interface == n && s.Class == classData && bulkPair(s, &Function{}) {
			return s, true
		}
	}
	return Setting{}, false
}
