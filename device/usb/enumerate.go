package usb

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/google/gousb"
)

// newContext is gousb.NewContext; tests replace it with one that panics.
var newContext = gousb.NewContext

// shared is the process's one libusb context, started on first use and
// kept: libusb_init costs tens of milliseconds on a slow machine (13 % of
// a whole export in the USB lab, when Enumerate and OpenFunction each
// started their own), and a context is safe to share between goroutines.
var shared struct {
	sync.Mutex
	ctx *gousb.Context
}

// openContext returns the shared libusb context, starting libusb if need
// be. gousb panics when libusb_init fails (no usbfs on a libusb built
// without udev, a container without /dev/bus/usb); the panic becomes an
// error wrapping ErrUnavailable, and the next call tries again. Callers do
// not close the context.
func openContext() (ctx *gousb.Context, err error) {
	shared.Lock()
	defer shared.Unlock()
	if shared.ctx != nil {
		return shared.ctx, nil
	}
	defer func() {
		if r := recover(); r != nil {
			ctx, err = nil, fmt.Errorf("usb: %w (libusb: %v)", ErrUnavailable, r)
		}
	}()
	ctx = newContext()
	if ctx == nil {
		return nil, fmt.Errorf("usb: %w", ErrUnavailable)
	}
	shared.ctx = ctx
	return ctx, nil
}

// Enumerate lists the attached USB devices that offer a handset function,
// ordered by bus and address. A machine with no USB devices gives an empty
// list and no error; only a libusb that cannot start is an error
// (ErrUnavailable).
//
// Devices are filtered on descriptors (Wanted) before anything is opened.
// Those that pass are opened only to read their manufacturer, product,
// serial and interface strings, then closed: nothing is claimed, no
// configuration is set. A device that cannot be opened is still listed with
// Candidate.Problem set.
func Enumerate(ctx context.Context) ([]Candidate, error) {
	uctx, err := openContext()
	if err != nil {
		return nil, err
	}

	type wanted struct {
		d    Descriptor
		path []int
	}
	var want []wanted
	devs, openErr := uctx.OpenDevices(func(gd *gousb.DeviceDesc) bool {
		d := fromGousb(gd)
		if !Wanted(d) {
			return false
		}
		want = append(want, wanted{d, gd.Path})
		return true
	})
	var out []Candidate
	opened := map[[2]int]bool{}
	for _, dev := range devs {
		if ctx.Err() == nil {
			if c := describe(dev); len(c.Functions) > 0 {
				out = append(out, c)
			}
		}
		opened[[2]int{dev.Desc.Bus, dev.Desc.Address}] = true
		dev.Close()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Wanted devices that would not open are listed from their descriptors
	// with the reason (OpenDevices returns only the last error), so
	// "devices" can say "permission denied" rather than nothing.
	for _, w := range want {
		if opened[[2]int{w.d.Bus, w.d.Address}] {
			continue
		}
		c := candidateFrom(w.d, w.path)
		if openErr == nil {
			openErr = gousb.ErrorAccess
		}
		c.Problem = wrap(nil, c, "open", openErr)
		if len(c.Functions) > 0 {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bus != out[j].Bus {
			return out[i].Bus < out[j].Bus
		}
		return out[i].Address < out[j].Address
	})
	return out, nil
}

// describe reads an opened device's strings and classifies it.
func describe(dev *gousb.Device) Candidate {
	d := fromGousb(dev.Desc)
	for ci := range d.Configs {
		cfg := &d.Configs[ci]
		for si := range cfg.Settings {
			s := &cfg.Settings[si]
			if name, err := dev.InterfaceDescription(cfg.Number, s.Interface, s.Alt); err == nil {
				s.Name = strings.TrimSpace(name)
			}
		}
	}
	c := candidateFrom(d, dev.Desc.Path)
	c.Manufacturer, _ = dev.Manufacturer()
	c.Product, _ = dev.Product()
	c.Serial, _ = dev.SerialNumber()
	c.Manufacturer = strings.TrimSpace(c.Manufacturer)
	c.Product = strings.TrimSpace(c.Product)
	c.Serial = strings.TrimSpace(c.Serial)
	if n, err := dev.ActiveConfigNum(); err == nil {
		c.ActiveConfig = n
	}
	sortFunctions(&c)
	return c
}

func candidateFrom(d Descriptor, path []int) Candidate {
	return Candidate{
		Bus: d.Bus, Address: d.Address, Path: append([]int(nil), path...),
		VID: d.VID, PID: d.PID, Speed: d.Speed,
		Functions: Classify(d), Descriptor: d,
	}
}

// sortFunctions puts the active configuration's functions first, keeping
// descriptor order otherwise.
func sortFunctions(c *Candidate) {
	sort.SliceStable(c.Functions, func(i, j int) bool {
		return c.Functions[i].Config == c.ActiveConfig && c.Functions[j].Config != c.ActiveConfig
	})
}

// fromGousb copies the descriptor fields classification needs. Configs and
// interfaces come out in number order (gousb keeps configs in a map).
func fromGousb(gd *gousb.DeviceDesc) Descriptor {
	d := Descriptor{
		Bus: gd.Bus, Address: gd.Address,
		VID: uint16(gd.Vendor), PID: uint16(gd.Product),
		Class: uint8(gd.Class), Speed: gd.Speed.String(),
	}
	nums := make([]int, 0, len(gd.Configs))
	for n := range gd.Configs {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		gc := gd.Configs[n]
		c := Config{Number: gc.Number}
		for _, gi := range gc.Interfaces {
			for _, ga := range gi.AltSettings {
				s := Setting{
					Interface: gi.Number, Alt: ga.Alternate,
					Class: uint8(ga.Class), SubClass: uint8(ga.SubClass), Protocol: uint8(ga.Protocol),
				}
				for _, ge := range ga.Endpoints {
					s.Endpoints = append(s.Endpoints, Endpoint{
						Address:       uint8(ge.Address),
						Type:          EndpointType(ge.TransferType),
						MaxPacketSize: ge.MaxPacketSize,
					})
				}
				// gousb keeps endpoints in a map: restore address order.
				sort.Slice(s.Endpoints, func(i, j int) bool { return s.Endpoints[i].Address < s.Endpoints[j].Address })
				c.Settings = append(c.Settings, s)
			}
		}
		d.Configs = append(d.Configs, c)
	}
	return d
}
