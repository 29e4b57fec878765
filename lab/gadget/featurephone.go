package main

// gadget featurephone: device/sim/featurephone's two responders behind a
// configfs gadget (lab/init.sh), in one of two shapes:
//
//   - the phone's USB face: the kernel's acm function (CDC-ACM 2/2, the
//     modem, gadget tty /dev/ttyGSn) and a FunctionFS CDC-WMC OBEX
//     function this program serves itself (ffsOBEX):
//     gadget featurephone -at /dev/ttyGS0 -ffs /dev/ffs-obex
//   - a transparent OBEX serial port, as phones exposed OBEX over a cable
//     or Bluetooth RFCOMM: an acm function whose tty carries OBEX packets
//     and nothing else (obexftp -t finds it by its answer to an ABORT), no
//     modem:
//     gadget featurephone -at "" -obex /dev/ttyGS1
//
// (The kernel's own obex function is not used: f_obex keeps the gadget
// off the bus until its tty is opened while connected, which needs
// enumeration first; see docs/TESTING.md.)
//
// A tty is bridged, in raw mode, to the host end of its responder's sim
// link:
//
//	tty read  → sim link Write (AT command bytes, OBEX request bytes)
//	sim link Read → tty write (replies)
//
// Both protocols are byte streams that frame themselves (AT lines end in
// CR, OBEX packets carry their length), which is all the responders need:
// the AT responder splits on CR, the OBEX responder reassembles packets by
// their length field, whatever the transfer boundaries. Zero-length reads
// from the link (the responder's ZLPs) have no meaning on a tty and are
// dropped.
//
// u_serial hangs the tty up whenever its function is disconnected: bus
// reset, enumeration, a SET_INTERFACE on the ACM data interface (libusb
// claiming it). The bridge reopens the tty after each hangup; the
// responders and their links live as long as the process, as a phone's
// state outlives a cable.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/sim"
	"github.com/sk-rescue/sk-rescue/device/sim/featurephone"
	"github.com/sk-rescue/sk-rescue/lab/internal/phonestats"
)

func featurePhone(args []string) error {
	fs := flag.NewFlagSet("featurephone", flag.ExitOnError)
	atTTY := fs.String("at", "/dev/ttyGS0", "gadget tty of the acm function (the modem); empty: no modem")
	obexTTY := fs.String("obex", "", "gadget tty carrying transparent OBEX (an acm function's, as a phone's OBEX serial port), instead of -ffs")
	obexFFS := fs.String("ffs", "/dev/ffs-obex", "mounted functionfs instance for the OBEX function, when -obex is empty")
	sel := fs.String("device", "sim:featurephone", "simulated phone: sim:featurephone?KEY=VALUE&… (the selector's parameters)")
	verbose := fs.Bool("v", false, "log tty opens, hangups and byte counts")
	statsPath := fs.String("stats", "", "on SIGUSR1, write the responders' counters to this file (JSON)")
	fs.Parse(args)
	s, err := device.ParseSelector(*sel)
	if err != nil {
		return err
	}
	if s.Kind != device.SelectSim || s.Value != featurephone.Profile {
		return fmt.Errorf("-device %q: only sim:%s is served", *sel, featurephone.Profile)
	}
	p, err := featurephone.ParseParams(s)
	if err != nil {
		return err
	}
	logf := func(format string, args ...any) {
		if *verbose {
			fmt.Fprintf(os.Stderr, "gadget: "+format+"\n", args...)
		}
	}
	ph := featurephone.Start(p)
	ctx := context.Background()
	refused := &refusals{}
	if *statsPath != "" {
		go dumpStats(*statsPath, ph, refused, logf)
	}
	fmt.Println("ready")
	if *obexTTY != "" {
		go bridgeTTY(ctx, "obex", *obexTTY, ph.OBEXLink, nil, logf)
	} else {
		ep0, err := ffsOBEX(ctx, *obexFFS, ph.OBEXLink, logf)
		if err != nil {
			return err
		}
		go serveEP0(ctx, ep0, ph.OBEXLink, logf)
	}
	if *atTTY == "" {
		select {} // OBEX only: serve until killed
	}
	bridgeTTY(ctx, "at", *atTTY, ph.ATLink, refused, logf)
	return nil
}

// dumpStats writes the counters to path (via a rename, so a reader never
// sees half a file) each time the process gets SIGUSR1.
func dumpStats(path string, ph *featurephone.Phone, r *refusals, logf func(string, ...any)) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	for range c {
		cmds, _ := ph.AT.Stats()
		ops, _, _ := ph.OBEX.Stats()
		st := phonestats.Stats{Requests: ph.Requests(), Mutating: ph.Mutating(), ATCmds: cmds, ATRefused: r.list(),
			ATMutating: ph.AT.MutatingCommands(), OBEXOps: map[string]int{}, OBEXMutating: ph.OBEX.MutatingRequests()}
		for op, n := range ops {
			st.OBEXOps[fmt.Sprintf("0x%02x", op)] = n
		}
		b, _ := json.MarshalIndent(st, "", "  ")
		if err := os.WriteFile(path+".tmp", b, 0o644); err != nil {
			logf("stats: %v", err)
			continue
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			logf("stats: %v", err)
		}
	}
}

// refusals pairs the AT command lines going to the modem with the final
// result codes coming back (V.250 5.7: one final result per command line)
// and keeps the lines that got "+CME ERROR: 3".
type refusals struct {
	mu      sync.Mutex
	pending []string // command lines sent, not yet answered
	in, out []byte   // partial lines
	refused []string
}

func (r *refusals) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.refused)
}

// sent sees bytes going to the modem; command lines end in CR.
func (r *refusals) sent(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range b {
		switch c {
		case '\r':
			r.pending = append(r.pending, strings.TrimSpace(string(r.in)))
			r.in = r.in[:0]
		case '\n':
		default:
			r.in = append(r.in, c)
		}
	}
}

// received sees the modem's replies: lines between CR LF; the final
// result codes answer the oldest pending command line.
func (r *refusals) received(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range b {
		if c != '\r' && c != '\n' {
			r.out = append(r.out, c)
			continue
		}
		l := string(r.out)
		r.out = r.out[:0]
		final := l == "OK" || l == "ERROR" || strings.HasPrefix(l, "+CME ERROR:") || strings.HasPrefix(l, "+CMS ERROR:")
		if !final || len(r.pending) == 0 {
			continue
		}
		cmd := r.pending[0]
		r.pending = r.pending[1:]
		if l == "+CME ERROR: 3" {
			r.refused = append(r.refused, cmd)
		}
	}
}

// ffsOBEX serves link as a CDC-WMC OBEX function through FunctionFS: a
// communication interface 2/0x0b/0 without endpoints and the data
// interface 0x0a/0/0 after it with bulk IN and OUT (what device/usb
// classifies as obex). FunctionFS refuses class-specific descriptors
// (type 0x24), so the CDC header, union and OBEX functional descriptors
// real phones carry are missing: enough for sk-rescue, which takes the
// next interface as the data interface, not for clients that parse the
// union descriptor (openobex).
func ffsOBEX(ctx context.Context, dir string, link *sim.HostEnd, logf func(string, ...any)) (fd, error) {
	open := func(name string, flag int) (fd, error) {
		n, err := syscall.Open(filepath.Join(dir, name), flag|syscall.O_CLOEXEC, 0)
		return fd(n), err
	}
	ep0, err := open("ep0", syscall.O_RDWR)
	if err != nil {
		return 0, err
	}
	if _, err := ep0.Write(obexDescriptors()); err != nil {
		return 0, fmt.Errorf("write descriptors: %w", err)
	}
	if _, err := ep0.Write(stringsBlob("OBEX", "OBEX data")); err != nil {
		return 0, fmt.Errorf("write strings: %w", err)
	}
	in, err := open("ep1", syscall.O_WRONLY)
	if err != nil {
		return 0, err
	}
	out, err := open("ep2", syscall.O_RDONLY)
	if err != nil {
		return 0, err
	}
	go func() { // host → phone: each read is one OUT transfer
		buf := make([]byte, 64<<10)
		for {
			n, err := out.Read(buf)
			if err != nil {
				logf("obex ep2 read: %v", err)
				time.Sleep(20 * time.Millisecond)
				continue
			}
			if _, err := link.Write(ctx, buf[:n]); err != nil {
				logf("obex link write: %v", err)
				return
			}
		}
	}()
	go func() { // phone → host: each sim transfer as one write (a ZLP too)
		buf := make([]byte, 64<<10)
		for {
			n, err := link.Read(ctx, buf)
			if err != nil {
				logf("obex link read: %v", err)
				return
			}
			writeIn(in, buf[:n], logf)
			// The sim link hands the host a transfer and its ZLP as one
			// read. A read shorter than buf ended a transfer; when it
			// filled whole packets of the real bus (512 bytes: dummy_hcd
			// is high speed), only a ZLP ends it on the wire, and
			// FunctionFS sends none by itself.
			if n > 0 && n < len(buf) && n%512 == 0 {
				writeIn(in, nil, logf)
			}
		}
	}()
	return ep0, nil
}

// obexDescriptors is the FunctionFS v2 blob for ffsOBEX, full and high
// speed: interface 0 (2/0x0b/0, string 1), interface 1 (0x0a, string 2)
// with bulk IN ep1 and bulk OUT ep2.
func obexDescriptors() []byte {
	ep := func(addr uint8, mps uint16) []byte {
		return []byte{7, 5, addr, 2, byte(mps), byte(mps >> 8), 0}
	}
	speed := func(mps uint16) []byte {
		var b []byte
		b = append(b, 9, 4, 0, 0, 0, 2, 0x0b, 0, 1)
		b = append(b, 9, 4, 1, 0, 2, 0x0a, 0, 0, 2)
		b = append(b, ep(0x81, mps)...)
		b = append(b, ep(0x02, mps)...)
		return b
	}
	var b []byte
	le := binary.LittleEndian
	b = le.AppendUint32(b, descriptorsMagicV2)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, hasFSDesc|hasHSDesc)
	b = le.AppendUint32(b, 4)
	b = le.AppendUint32(b, 4)
	b = append(b, speed(64)...)
	b = append(b, speed(512)...)
	le.PutUint32(b[4:], uint32(len(b)))
	return b
}

// bridgeTTY bridges the tty at path and link until the link fails,
// reopening the tty after every hangup.
func bridgeTTY(ctx context.Context, name, path string, link *sim.HostEnd, seen *refusals, logf func(string, ...any)) {
	var (
		mu  sync.Mutex
		cur = -1 // the open tty, -1 between hangup and reopen
	)
	// link → tty. A reply that cannot be written (the tty was hung up) is
	// dropped: the host that asked is gone.
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := link.Read(ctx, buf)
			if err != nil {
				logf("%s: link read: %v", name, err)
				return
			}
			b := buf[:n]
			if seen != nil {
				seen.received(b)
			}
			for len(b) > 0 {
				mu.Lock()
				f := cur
				mu.Unlock()
				if f < 0 {
					logf("%s: %d reply bytes dropped, tty closed", name, len(b))
					break
				}
				w, err := fd(f).Write(b)
				if err != nil {
					logf("%s: tty write: %v (%d bytes dropped)", name, err, len(b))
					break
				}
				b = b[w:]
			}
		}
	}()
	// tty → link, reopening after each hangup.
	buf := make([]byte, 4096)
	for opens := 1; ; opens++ {
		f, err := syscall.Open(path, syscall.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
		if err != nil {
			logf("%s: open %s: %v", name, path, err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if err := makeRaw(f); err != nil {
			logf("%s: raw mode on %s: %v", name, path, err)
		}
		mu.Lock()
		cur = f
		mu.Unlock()
		logf("%s: %s open (#%d)", name, path, opens)
		total := 0
		for {
			n, err := fd(f).Read(buf)
			if n <= 0 || err != nil {
				logf("%s: %s hung up after %d bytes (read %d, %v)", name, path, total, n, err)
				break
			}
			total += n
			if seen != nil {
				seen.sent(buf[:n])
			}
			if _, err := link.Write(ctx, buf[:n]); err != nil {
				logf("%s: link write: %v", name, err)
				return
			}
		}
		mu.Lock()
		cur = -1
		mu.Unlock()
		syscall.Close(f)
		time.Sleep(10 * time.Millisecond)
	}
}

// makeRaw is cfmakeraw(3): no echo, no line editing, no CR/NL mapping, no
// output processing, 8 bits; reads return as soon as one byte is there.
func makeRaw(f int) error {
	var t syscall.Termios
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(f), syscall.TCGETS, uintptr(unsafe.Pointer(&t))); e != 0 {
		return e
	}
	t.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP | syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON
	t.Oflag &^= syscall.OPOST
	t.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
	t.Cflag &^= syscall.CSIZE | syscall.PARENB
	t.Cflag |= syscall.CS8 | syscall.CLOCAL
	t.Cc[syscall.VMIN], t.Cc[syscall.VTIME] = 1, 0
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(f), syscall.TCSETS, uintptr(unsafe.Pointer(&t))); e != 0 {
		return e
	}
	return nil
}

func writeIn(in fd, b []byte, logf func(string, ...any)) {
	for {
		_, err := in.Write(b)
		if err == nil {
			return
		}
		logf("obex ep1 write (%d bytes): %v", len(b), err)
		time.Sleep(20 * time.Millisecond)
	}
}
