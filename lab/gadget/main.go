// Command gadget serves a device/sim MTP responder as a real USB function
// through Linux FunctionFS (Documentation/usb/functionfs.rst), so that a
// kernel with a UDC (the USB lab uses dummy_hcd inside a QEMU guest) shows
// the simulated handset on its USB bus, where sk-rescue, libmtp and any
// other host program reach it through usbcore, usbfs and libusb.
//
// It writes the function's descriptors and strings to ep0 of a mounted
// functionfs, then bridges the endpoints to the host end of a sim link:
//
//	ep1 bulk IN   ← sim link Read (data and responses)
//	ep2 bulk OUT  → sim link Write (commands)
//	ep3 intr IN   ← sim link ReadInterrupt (events)
//	ep0 SETUP     ↔ sim link Control (PTP class requests 0x64, 0x67)
//
// Transfer boundaries survive the bridge: a sim transfer that ends on a
// short packet ends on one on the wire, a ZLP becomes a zero-length write,
// and full-packet chunks are written without ending the host's transfer.
// The configfs gadget around the function, and binding it to a UDC, are
// the caller's (lab/init.sh); gadget prints "ready" once the endpoints
// exist.
//
//	gadget -ffs /dev/ffs-sim -device 'sim:sidekick?photos=30'
//
// "gadget featurephone" serves device/sim/featurephone instead, on the
// gadget ttys of the kernel's own acm and obex functions (featurephone.go).
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/sim"
	"github.com/sk-rescue/sk-rescue/device/sim/sidekick"
)

// FunctionFS constants (include/uapi/linux/usb/functionfs.h).
const (
	descriptorsMagicV2 = 3
	stringsMagic       = 2
	hasFSDesc          = 1
	hasHSDesc          = 2

	evBind    = 0
	evUnbind  = 1
	evEnable  = 2
	evDisable = 3
	evSetup   = 4
	evSuspend = 5
	evResume  = 6
	eventSize = 12
)

// quirkKeys are the selector keys the gadget reads itself; the others go to
// the sidekick generator.
var quirkKeys = []string{"proplist", "android", "devinfo", "stale", "battery"}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "featurephone" {
		if err := featurePhone(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "gadget featurephone:", err)
			os.Exit(1)
		}
		return
	}
	ffs := flag.String("ffs", "/dev/ffs-sim", "mounted functionfs instance")
	sel := flag.String("device", "sim:sidekick", "simulated handset: sim:sidekick?KEY=VALUE&… (generator parameters; proplist=0, android=1, devinfo=session, stale=1)")
	verbose := flag.Bool("v", false, "log ep0 events and control requests")
	flag.Parse()
	// No signal handling: the endpoints block in the kernel, and SIGTERM
	// ending the process is what the lab wants.
	ctx := context.Background()
	if err := run(ctx, *ffs, *sel, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "gadget:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, ffs, selector string, verbose bool) error {
	s, err := device.ParseSelector(selector)
	if err != nil {
		return err
	}
	if s.Kind != device.SelectSim || (s.Value != "" && s.Value != "sidekick") {
		return fmt.Errorf("-device %q: only sim:sidekick is served", selector)
	}
	var q sim.Quirks
	gen := url.Values{}
	for k, v := range s.Params {
		if !slices.Contains(quirkKeys, k) || k == "battery" {
			gen[k] = v
		}
	}
	q.NoPropList = s.Params.Get("proplist") == "0"
	q.Android = s.Params.Get("android") == "1"
	q.DeviceInfoNeedsSession = s.Params.Get("devinfo") == "session"
	q.StaleSession = s.Params.Get("stale") == "1"
	p, err := sidekick.ParseParams(gen)
	if err != nil {
		return err
	}
	host, dev := sim.NewLink(sim.Model{MaxPacketSize: 512})
	r := sim.NewMTPResponder(sidekick.Generate(p), q)
	go r.Serve(ctx, dev)

	// Raw blocking file descriptors: os.File skips zero-length reads and
	// writes, and FunctionFS needs them (a ZLP, a status stage, a stall).
	open := func(name string, flag int) (fd, error) {
		n, err := syscall.Open(filepath.Join(ffs, name), flag|syscall.O_CLOEXEC, 0)
		return fd(n), err
	}
	ep0, err := open("ep0", syscall.O_RDWR)
	if err != nil {
		return err
	}
	if _, err := ep0.Write(descriptors()); err != nil {
		return fmt.Errorf("write descriptors: %w", err)
	}
	if _, err := ep0.Write(stringsBlob("MTP")); err != nil {
		return fmt.Errorf("write strings: %w", err)
	}
	in, err := open("ep1", syscall.O_WRONLY)
	if err != nil {
		return err
	}
	out, err := open("ep2", syscall.O_RDONLY)
	if err != nil {
		return err
	}
	intr, err := open("ep3", syscall.O_WRONLY)
	if err != nil {
		return err
	}
	fmt.Println("ready")

	logf := func(format string, args ...any) {
		if verbose {
			fmt.Fprintf(os.Stderr, "gadget: "+format+"\n", args...)
		}
	}
	// Host → device: each FunctionFS read is one OUT transfer.
	go func() {
		buf := make([]byte, 64<<10)
		for ctx.Err() == nil {
			n, err := out.Read(buf)
			if err != nil {
				logf("ep2 read: %v", err)
				time.Sleep(20 * time.Millisecond) // disabled: wait for ENABLE
				continue
			}
			if _, err := host.Write(ctx, buf[:n]); err != nil {
				logf("sim write: %v", err)
				return
			}
		}
	}()
	// Device → host: each sim transfer is written as is. A chunk that
	// fills buf is a multiple of the packet size and does not end the
	// host's transfer; a short chunk or a ZLP does.
	go func() {
		buf := make([]byte, 64<<10)
		for ctx.Err() == nil {
			n, err := host.Read(ctx, buf)
			if err != nil {
				logf("sim read: %v", err)
				return
			}
			for {
				_, err := in.Write(buf[:n])
				if err == nil {
					break
				}
				logf("ep1 write (%d bytes): %v", n, err)
				if ctx.Err() != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}()
	go func() {
		buf := make([]byte, 64)
		for ctx.Err() == nil {
			n, err := host.ReadInterrupt(ctx, buf)
			if err != nil {
				return
			}
			if _, err := intr.Write(buf[:n]); err != nil {
				logf("ep3 write: %v", err)
			}
		}
	}()
	return serveEP0(ctx, ep0, host, logf)
}

// serveEP0 reads FunctionFS events and answers the class requests the
// kernel forwards (those addressed to our interface) with the responder's
// control handler. A request it cannot answer is stalled: FunctionFS stalls
// when the data stage goes the wrong way.
func serveEP0(ctx context.Context, ep0 fd, host device.Link, logf func(string, ...any)) error {
	buf := make([]byte, 4*eventSize)
	for {
		n, err := ep0.Read(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, syscall.EINTR) || errors.Is(err, syscall.EAGAIN) {
				continue
			}
			return fmt.Errorf("ep0: %w", err)
		}
		for off := 0; off+eventSize <= n; off += eventSize {
			ev := buf[off : off+eventSize]
			switch ev[8] {
			case evBind, evUnbind, evEnable, evDisable, evSuspend, evResume:
				logf("event %s", [...]string{"bind", "unbind", "enable", "disable", "setup", "suspend", "resume"}[ev[8]])
			case evSetup:
				setup(ctx, ep0, host, ev[:8], logf)
			}
		}
	}
}

func setup(ctx context.Context, ep0 fd, host device.Link, req []byte, logf func(string, ...any)) {
	rt, r := req[0], req[1]
	value, index, length := binary.LittleEndian.Uint16(req[2:]), binary.LittleEndian.Uint16(req[4:]), binary.LittleEndian.Uint16(req[6:])
	logf("setup type=0x%02x req=0x%02x value=%d index=%d length=%d", rt, r, value, index, length)
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	data := make([]byte, length)
	if rt&0x80 != 0 { // IN: the answer goes to the host
		n, err := host.Control(cctx, rt, r, value, index, data)
		if err != nil {
			logf("  stall: %v", err)
			ep0.Read(nil) // reading on an IN request stalls it
			return
		}
		ep0.Write(data[:n])
		return
	}
	if length > 0 { // OUT: the data stage first
		if _, err := ep0.Read(data); err != nil {
			logf("  data stage: %v", err)
			return
		}
	}
	if _, err := host.Control(cctx, rt, r, value, index, data); err != nil {
		logf("  refused after the data stage: %v", err)
	}
	if length == 0 {
		ep0.Read(nil) // ack the status stage
	}
}

// fd is a blocking file descriptor of a functionfs file.
type fd int

func (f fd) Read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(int(f), p)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

func (f fd) Write(p []byte) (int, error) {
	for {
		n, err := syscall.Write(int(f), p)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// descriptors returns the FunctionFS v2 descriptor blob: one interface of
// the Still Image class (6/1/1, as MTP 1.1 Appendix D and Android's f_mtp
// give it) named by string 1 ("MTP"), with bulk IN, bulk OUT and interrupt
// IN endpoints, at full and high speed. FunctionFS numbers the endpoints
// ep1, ep2, ep3 in descriptor order.
func descriptors() []byte {
	intf := []byte{9, 4, 0, 0, 3, 6, 1, 1, 1}
	ep := func(addr, attr uint8, mps uint16, interval uint8) []byte {
		return []byte{7, 5, addr, attr, byte(mps), byte(mps >> 8), interval}
	}
	speed := func(bulk uint16, interval uint8) []byte {
		var b []byte
		b = append(b, intf...)
		b = append(b, ep(0x81, 2, bulk, 0)...)
		b = append(b, ep(0x02, 2, bulk, 0)...)
		b = append(b, ep(0x83, 3, 28, interval)...)
		return b
	}
	fs, hs := speed(64, 6), speed(512, 6)
	var b []byte
	le := binary.LittleEndian
	b = le.AppendUint32(b, descriptorsMagicV2)
	b = le.AppendUint32(b, 0) // length, below
	b = le.AppendUint32(b, hasFSDesc|hasHSDesc)
	b = le.AppendUint32(b, 4) // descriptors per speed
	b = le.AppendUint32(b, 4)
	b = append(b, fs...)
	b = append(b, hs...)
	le.PutUint32(b[4:], uint32(len(b)))
	return b
}

// stringsBlob returns the FunctionFS strings blob: one language (en-US),
// the given strings, NUL-terminated.
func stringsBlob(strs ...string) []byte {
	var b []byte
	le := binary.LittleEndian
	b = le.AppendUint32(b, stringsMagic)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, uint32(len(strs)))
	b = le.AppendUint32(b, 1)
	b = le.AppendUint16(b, 0x0409)
	for _, s := range strs {
		b = append(b, s...)
		b = append(b, 0)
	}
	le.PutUint32(b[4:], uint32(len(b)))
	return b
}
