// Package featurephone is the simulated pre-smartphone handset behind the
// selector sim:featurephone: one USB device with two functions, an OBEX
// interface (IrMC sync and folder browsing) and an AT-command modem, each
// on its own simulated link, holding exactly
//
//   - phone memory: 180 contacts as one IrMC telecom/pb.vcf (vCard 2.1,
//     quoted-printable UTF-8, names in Polish, Russian, Greek and Japanese),
//     also readable entry by entry (telecom/pb/<n>.vcf) and over AT (ME);
//   - SIM memory: 50 AT phonebook entries (SM, UCS2 names), 20 of them the
//     same person and number as a phone-memory contact;
//   - 60 events and 25 to-dos in one vCalendar 1.0 telecom/cal.vcs;
//   - 10 notes in telecom/nt.vnt (vNote 1.1);
//   - 15 photos (small EXIF JPEGs) under /Pictures, by folder browsing;
//   - battery 64 %.
//
// Everything is deterministic. Both responders count every request and
// every one that would have modified a real phone, judged by tables of
// their own (not device/obex's or device/at's rules): any OBEX request but
// CONNECT, DISCONNECT, GET, ABORT and a SETPATH that may not create, any
// AT command not known to be read-only; they refuse the AT ones.
package featurephone

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/at"
	"github.com/sk-rescue/sk-rescue/device/obex"
	"github.com/sk-rescue/sk-rescue/device/registry"
	"github.com/sk-rescue/sk-rescue/device/sim"
)

// Profile is the selector's profile name.
const Profile = "featurephone"

// Bus is the simulated bus: USB 1.1 full speed, as most feature phones
// are: 64-byte packets and about 1 MB/s of bulk bandwidth; turnaround
// latency only with latency=1 (1 ms), to keep tests quick.
var Bus = sim.Model{Bandwidth: 1e6, Latency: 0, MaxPacketSize: 64}

// Params are the selector's parameters (sim:featurephone?refusebulk=1&…).
type Params struct {
	// RefuseBulk (refusebulk=1|forbidden|notfound) refuses
	// telecom/pb.vcf; the client then reads the entries one by one.
	RefuseBulk byte
	// FailBlock (failblock=1) makes AT block reads over one SIM slot fail.
	FailBlock bool
	// HexArgs (hexargs=1) makes the modem want hex-encoded arguments
	// after UCS2 is selected.
	HexArgs bool
	// Split (split=1) sends OBEX responses in short USB transfers.
	Split bool
	// Busy (busy=N) answers the first N OBEX GETs Service Unavailable.
	Busy int
	// Battery (battery=N), default 64.
	Battery int
	// Latency (latency=1) charges 1 ms per command turnaround.
	Latency bool
	// EmptyContinue (emptycontinue=1) answers GET telecom/pb.vcf with
	// Continue and no body, forever.
	EmptyContinue bool
	// OverLength (overlength=1) sends telecom/pb.vcf's body on and on past
	// its Length header.
	OverLength bool
	// NoLength (nolength=1) sends no Length header.
	NoLength bool
	// FailME (failme=1) refuses every AT read of the phone memory.
	FailME bool
	// FailFrom (failfrom=N) refuses every AT read of SIM slot N or later.
	FailFrom int
	// MaxPacket (maxpacket=N, 255–65535) is the largest OBEX packet the
	// phone sends or accepts; 0 means the responder's default (2048).
	// Phones on serial links often had small ones.
	MaxPacket int
}

// Keys are the accepted parameter names.
var Keys = []string{"refusebulk", "failblock", "hexargs", "split", "busy", "battery", "latency",
	"emptycontinue", "overlength", "nolength", "failme", "failfrom", "maxpacket"}

// ParseParams reads the selector's parameters.
func ParseParams(sel device.Selector) (Params, error) {
	p := Params{Battery: 64}
	for k, vs := range sel.Params {
		v := ""
		if len(vs) > 0 {
			v = vs[len(vs)-1]
		}
		flag := func() (bool, error) {
			switch v {
			case "", "1", "true", "yes":
				return true, nil
			case "0", "false", "no":
				return false, nil
			}
			return false, fmt.Errorf("featurephone: %s=%q: want 1 or 0", k, v)
		}
		var err error
		switch k {
		case "refusebulk":
			switch v {
			case "", "1", "true", "forbidden":
				p.RefuseBulk = obex.RespForbidden
			case "notfound":
				p.RefuseBulk = obex.RespNotFound
			case "0", "false":
			default:
				err = fmt.Errorf("featurephone: refusebulk=%q: want 1, forbidden or notfound", v)
			}
		case "failblock":
			p.FailBlock, err = flag()
		case "hexargs":
			p.HexArgs, err = flag()
		case "split":
			p.Split, err = flag()
		case "latency":
			p.Latency, err = flag()
		case "emptycontinue":
			p.EmptyContinue, err = flag()
		case "overlength":
			p.OverLength, err = flag()
		case "nolength":
			p.NoLength, err = flag()
		case "failme":
			p.FailME, err = flag()
		case "failfrom":
			n, e := strconv.Atoi(v)
			if e != nil || n < 1 || n > SIMSlots {
				err = fmt.Errorf("featurephone: failfrom=%q: want a SIM slot, 1–%d", v, SIMSlots)
			}
			p.FailFrom = n
		case "maxpacket":
			n, e := strconv.Atoi(v)
			if e != nil || n < 255 || n > 65535 {
				err = fmt.Errorf("featurephone: maxpacket=%q: want 255–65535 (IrOBEX's minimum to its maximum)", v)
			}
			p.MaxPacket = n
		case "busy", "battery":
			n, e := strconv.Atoi(v)
			if e != nil || n < 0 || (k == "battery" && n > 100) || n > 1000 {
				err = fmt.Errorf("featurephone: %s=%q: want a number (battery 0–100)", k, v)
			}
			if k == "busy" {
				p.Busy = n
			} else {
				p.Battery = n
			}
		default:
			err = fmt.Errorf("featurephone: unknown parameter %q (known: %v)", k, Keys)
		}
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

var (
	genOnce sync.Once
	gen     *Data
)

// Dataset returns the phone's contents (generated once; do not modify).
func Dataset() *Data {
	genOnce.Do(func() { gen = Generate() })
	return gen
}

// Phone is a running simulated feature phone: its data, its two
// responders and the host ends of its two links (for fault injection and
// traffic counters).
type Phone struct {
	Data     *Data
	OBEX     *OBEXResponder
	AT       *ATResponder
	OBEXLink *sim.HostEnd
	ATLink   *sim.HostEnd
	Params   Params
}

// Start powers a phone up and connects its two functions; nothing is
// opened on the host side yet.
func Start(p Params) *Phone {
	d := Dataset()
	m := Bus
	if p.Latency {
		m.Latency = time.Millisecond
	}
	ph := &Phone{Data: d, Params: p,
		OBEX: NewOBEXResponder(d, OBEXQuirks{RefuseBulk: p.RefuseBulk, Busy: p.Busy, Split: p.Split,
			EmptyContinue: p.EmptyContinue, OverLength: p.OverLength, NoLength: p.NoLength, MaxPacket: uint16(p.MaxPacket)}),
		AT: NewATResponder(d, ATQuirks{HexArgs: p.HexArgs, FailBlock: p.FailBlock, FailME: p.FailME, FailFrom: p.FailFrom}, p.Battery)}
	var obexDev, atDev *sim.DeviceEnd
	ph.OBEXLink, obexDev = sim.NewLink(m)
	ph.ATLink, atDev = sim.NewLink(m)
	go ph.OBEX.Serve(context.Background(), obexDev)
	go ph.AT.Serve(context.Background(), atDev)
	return ph
}

// Requests returns the requests both responders received.
func (p *Phone) Requests() int { return p.OBEX.Requests() + p.AT.Requests() }

// Mutating returns the requests that would have modified a real phone.
func (p *Phone) Mutating() int {
	_, _, m1 := p.OBEX.Stats()
	_, m2 := p.AT.Stats()
	return m1 + m2
}

// Counts is both responders' request accounting (sim.Counter): OBEX
// operations as "obex:GET", "obex:CONNECT", …, AT commands as "at:" and
// the command.
func (p *Phone) Counts() (map[string]int, int) {
	ops, _, m1 := p.OBEX.Stats()
	cmds, m2 := p.AT.Stats()
	out := make(map[string]int, len(ops)+len(cmds))
	for op, n := range ops {
		out["obex:"+obexOpName(op)] += n
	}
	for c, n := range cmds {
		out["at:"+c] += n
	}
	return out, m1 + m2
}

func obexOpName(op byte) string {
	switch op &^ 0x80 {
	case 0x00:
		return "CONNECT"
	case 0x01:
		return "DISCONNECT"
	case 0x02:
		return "PUT"
	case 0x03:
		return "GET"
	case 0x05:
		return "SETPATH"
	case 0x06:
		return "ACTION"
	case 0x07:
		return "SESSION"
	case 0x7f:
		return "ABORT"
	}
	return fmt.Sprintf("0x%02x", op)
}

var (
	_ sim.Counter   = (*Phone)(nil)
	_ device.Source = (*Phone)(nil)
)

// Location is "sim:featurephone".
func (p *Phone) Location() string { return "sim:" + Profile }

// Offers lists the phone's two functions, as device/usb would: the OBEX
// interface and the modem.
func (p *Phone) Offers() []string { return []string{"obex", "at"} }

// Claim returns a function's simulated link.
func (p *Phone) Claim(ctx context.Context, proto string) (device.Port, error) {
	port := device.Port{Protocol: proto, Interface: -1, Location: p.Location()}
	switch proto {
	case "obex":
		port.Link = p.OBEXLink
	case "at":
		port.Link = p.ATLink
	default:
		return device.Port{}, fmt.Errorf("featurephone: no %s function: %w", proto, device.ErrNotFound)
	}
	return port, nil
}

// Close unplugs both links; the responders stop.
func (p *Phone) Close() error {
	p.OBEXLink.Close()
	p.ATLink.Close()
	return nil
}

// SimProfile is sim:featurephone for the driver registry.
var SimProfile = device.SimProfile{
	Name:    Profile,
	Summary: "a feature phone over OBEX and an AT modem (IrMC phonebook, SIM phonebook, calendar, notes, photos)",
	Start: func(ctx context.Context, sel device.Selector) (device.Source, error) {
		params, err := ParseParams(sel)
		if err != nil {
			return nil, err
		}
		return Start(params), nil
	},
}

// Options are the drivers' options Open uses; tests may shorten them.
type Options struct {
	OBEX obex.Options
	AT   at.Options
}

// Open starts a phone for sel (profile "featurephone") and opens it as
// sk-rescue opens a real feature phone: through the driver registry, which
// combines the OBEX and AT handsets ("obex+at").
func Open(ctx context.Context, sel device.Selector) (device.Handset, *Phone, error) {
	return OpenWith(ctx, sel, Options{})
}

// OpenWith is Open with driver options.
func OpenWith(ctx context.Context, sel device.Selector, opt Options) (device.Handset, *Phone, error) {
	if sel.Kind != device.SelectSim || sel.Value != Profile {
		return nil, nil, fmt.Errorf("featurephone: selector %q is not sim:%s", sel.String(), Profile)
	}
	params, err := ParseParams(sel)
	if err != nil {
		return nil, nil, err
	}
	ph := Start(params)
	reg, err := registry.New(registry.Config{Drivers: []device.Driver{obex.DriverWith(opt.OBEX), at.DriverWith(opt.AT)}})
	if err != nil {
		ph.Close()
		return nil, nil, err
	}
	h, err := reg.OpenSource(ctx, ph)
	if err != nil {
		return nil, nil, err
	}
	return h, ph, nil
}
