package usb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/gousb"

	"github.com/sk-rescue/sk-rescue/device"
)

// Default per-call timeouts.
const (
	// DefaultTimeout bounds one bulk transfer. It is long because a phone
	// composes a listing of thousands of objects before the first byte of
	// the reply (libmtp waits 60 s too); drivers pass a shorter deadline in
	// ctx where a short answer is due.
	DefaultTimeout = 60 * time.Second
	// DefaultControlTimeout bounds one control transfer.
	DefaultControlTimeout = 5 * time.Second
)

// Options tune OpenFunction. The zero value is the default.
type Options struct {
	// KeepKernelDrivers leaves kernel drivers bound. By default a kernel
	// driver bound to the function's own interfaces (cdc_acm on a modem,
	// rarely anything on MTP) is detached for the session and reattached by
	// Close; other interfaces are never touched. Set it for umockdev
	// replays, which refuse the detach ioctl, or to keep a modem's
	// /dev/ttyACM for another program; the claim then fails busy while a
	// driver is bound.
	KeepKernelDrivers bool
	// Timeout bounds each bulk Read and Write whose ctx has no earlier
	// deadline; 0 means DefaultTimeout. ReadInterrupt is bounded by its ctx
	// only: events come when they come.
	Timeout time.Duration
	// ControlTimeout bounds each Control; 0 means DefaultControlTimeout.
	// libusb cannot cancel a control transfer, so ctx only shortens it.
	ControlTimeout time.Duration
}

// OpenFunction claims function f of candidate c and returns a device.Link
// over its endpoints. It opens the device found at c's bus and address
// (checking vendor, product and serial, since addresses are reused), claims
// f's interface and, for CDC functions, its data interface in the active
// configuration, selecting their alternate settings. It never sets a
// configuration or resets the device. Mass storage is refused: read the
// mounted folder with a dir: selector instead.
//
// Errors wrap device.ErrBusy (with the holding processes named),
// device.ErrPermission, device.ErrNotFound (no longer attached) or
// ErrUnavailable.
func OpenFunction(ctx context.Context, c Candidate, f Function, opts Options) (device.Link, error) {
	if f.Protocol == ProtoMSC {
		return nil, fmt.Errorf("usb: %s is a mass storage device: mount it and use --device dir:MOUNTPOINT", c)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.ControlTimeout <= 0 {
		opts.ControlTimeout = DefaultControlTimeout
	}
	uctx, err := openContext()
	if err != nil {
		return nil, err
	}
	l := &link{cand: c, fn: f, opts: opts, uctx: uctx}
	l.base, l.stopAll = context.WithCancel(context.Background())
	if err := l.open(ctx); err != nil {
		l.stopAll()
		l.release()
		return nil, err
	}
	return l, nil
}

// link is a device.Link over one claimed function.
type link struct {
	cand Candidate
	fn   Function
	opts Options

	uctx     *gousb.Context
	dev      *gousb.Device
	cfg      *gousb.Config
	intfs    []*gousb.Interface
	detached []int // interfaces whose kernel driver we unbound

	in, ev *gousb.InEndpoint
	out    *gousb.OutEndpoint

	mu       sync.Mutex
	closed   bool
	base     context.Context // cancelled by Close: ends transfers in flight
	stopAll  context.CancelFunc
	inflight sync.WaitGroup
	ctrlMu   sync.Mutex // serializes Control: gousb's timeout is a Device field
}

var _ device.Link = (*link)(nil)

func (l *link) open(ctx context.Context) error {
	c, f := l.cand, l.fn
	devs, err := l.uctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		return d.Bus == c.Bus && d.Address == c.Address && uint16(d.Vendor) == c.VID && uint16(d.Product) == c.PID
	})
	for _, d := range devs[min(1, len(devs)):] {
		d.Close()
	}
	if len(devs) == 0 {
		if err != nil && kindOf(ctx, err) == device.ErrPermission {
			return wrap(ctx, c, "open", err)
		}
		return fmt.Errorf("usb: %s: %w: it is no longer attached there; list devices again", c, device.ErrNotFound)
	}
	l.dev = devs[0]
	if c.Serial != "" {
		if s, err := l.dev.SerialNumber(); err == nil && strings.TrimSpace(s) != c.Serial {
			return fmt.Errorf("usb: %s: %w: another device (serial %q) now has that address; list devices again", c, device.ErrNotFound, s)
		}
	}
	active, err := l.dev.ActiveConfigNum()
	if err != nil {
		return wrap(ctx, c, "read active configuration", err)
	}
	if f.Config != active {
		return fmt.Errorf("usb: %s: %s is in configuration %d but the device is in configuration %d; sk-rescue does not switch configurations (it would disturb every other interface)", c, f, f.Config, active)
	}

	type claim struct{ num, alt int }
	claims := []claim{{f.Interface, f.Alt}}
	if f.DataInterface >= 0 {
		claims = append(claims, claim{f.DataInterface, f.DataAlt})
	}
	// drivers names the driver bound to an interface, for the advice when
	// its claim fails busy. With KeepKernelDrivers nothing here touches the
	// device node: the driver is looked up only if the claim fails, because
	// these lookups are Go's own syscalls, which an LD_PRELOAD mock such as
	// umockdev does not see (they would reach a real /dev/bus/usb node).
	drivers := map[int]string{}
	for _, cl := range claims {
		if l.opts.KeepKernelDrivers {
			continue
		}
		name, err := detachKernelDriver(c.Bus, c.Address, cl.num)
		switch {
		case err != nil:
			// The claim below reports what matters (busy, permission).
			drivers[cl.num], _ = kernelDriver(c.Bus, c.Address, cl.num)
		case name == "usbfs":
			drivers[cl.num] = name
		case name != "":
			l.detached = append(l.detached, cl.num)
		}
	}

	l.cfg, err = l.dev.Config(active)
	if err != nil {
		return wrap(ctx, c, fmt.Sprintf("use configuration %d", active), err)
	}
	for _, cl := range claims {
		intf, err := claimInterface(l.cfg, cl.num, cl.alt)
		if err != nil {
			e := wrap(ctx, c, fmt.Sprintf("claim interface %d", cl.num), err)
			if ue := (*Error)(nil); errors.As(e, &ue) && ue.Kind == device.ErrBusy {
				if l.opts.KeepKernelDrivers {
					drivers[cl.num], _ = kernelDriver(c.Bus, c.Address, cl.num)
				}
				procs, hidden := Holders(c.Bus, c.Address)
				ue.Advice = busyAdvice(c, f, procs, hidden, drivers[cl.num])
			}
			return e
		}
		l.intfs = append(l.intfs, intf)
	}

	data := l.intfs[len(l.intfs)-1] // the data interface of a CDC function
	if l.in, err = data.InEndpoint(int(f.BulkIn & 0x0f)); err != nil {
		return fmt.Errorf("usb: %s: %w", c, err)
	}
	if l.out, err = data.OutEndpoint(int(f.BulkOut & 0x0f)); err != nil {
		return fmt.Errorf("usb: %s: %w", c, err)
	}
	if f.InterruptIn != 0 {
		if l.ev, err = l.intfs[0].InEndpoint(int(f.InterruptIn & 0x0f)); err != nil {
			return fmt.Errorf("usb: %s: %w", c, err)
		}
	}
	return nil
}

// claimInterface is Config.Interface with gousb v1.1.3's slice-index bug
// (it reads Interfaces[num] to decide on SetAltSetting, fixed upstream in
// #134) turned from a panic into an error.
func claimInterface(cfg *gousb.Config, num, alt int) (intf *gousb.Interface, err error) {
	if num >= len(cfg.Desc.Interfaces) {
		return nil, fmt.Errorf("gousb v1.1.3 cannot claim interface %d of a configuration with %d interfaces (non-contiguous interface numbers)", num, len(cfg.Desc.Interfaces))
	}
	defer func() {
		if r := recover(); r != nil {
			intf, err = nil, fmt.Errorf("claim interface %d: %v", num, r)
		}
	}()
	return cfg.Interface(num, alt)
}

// call derives a transfer's context: the caller's, cut short by the
// link's Close and by timeout unless ctx already ends sooner. done must be
// called when the transfer is over; Close waits for it.
func (l *link) call(ctx context.Context, timeout time.Duration) (cctx context.Context, done func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, nil, fmt.Errorf("usb: %s: link is closed", l.cand.Location())
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var cancel context.CancelFunc
	if d, ok := ctx.Deadline(); timeout > 0 && (!ok || time.Until(d) > timeout) {
		cctx, cancel = context.WithTimeout(ctx, timeout)
	} else {
		cctx, cancel = context.WithCancel(ctx)
	}
	stop := context.AfterFunc(l.base, cancel)
	l.inflight.Add(1)
	return cctx, func() { stop(); cancel(); l.inflight.Done() }, nil
}

func (l *link) Write(ctx context.Context, p []byte) (int, error) {
	cctx, done, err := l.call(ctx, l.opts.Timeout)
	if err != nil {
		return 0, err
	}
	defer done()
	n, err := l.out.WriteContext(cctx, p) // an empty p is a ZLP
	return n, l.transferErr(cctx, ctx, fmt.Sprintf("bulk write 0x%02x", l.fn.BulkOut), err)
}

func (l *link) Read(ctx context.Context, p []byte) (int, error) {
	return l.read(ctx, l.in, l.opts.Timeout, p, fmt.Sprintf("bulk read 0x%02x", l.fn.BulkIn))
}

func (l *link) ReadInterrupt(ctx context.Context, p []byte) (int, error) {
	if l.ev == nil {
		return 0, ErrNoInterrupt
	}
	return l.read(ctx, l.ev, 0, p, fmt.Sprintf("interrupt read 0x%02x", l.fn.InterruptIn))
}

// read performs one IN transfer. A buffer that is not a multiple of the
// packet size is rounded up internally so a full last packet cannot
// overflow in libusb; a transfer longer than p is then a protocol error.
func (l *link) read(ctx context.Context, ep *gousb.InEndpoint, timeout time.Duration, p []byte, op string) (int, error) {
	cctx, done, err := l.call(ctx, timeout)
	if err != nil {
		return 0, err
	}
	defer done()
	buf := p
	if mps := ep.Desc.MaxPacketSize; mps > 0 && len(p)%mps != 0 {
		buf = make([]byte, (len(p)/mps+1)*mps)
	}
	n, err := ep.ReadContext(cctx, buf)
	if len(buf) != len(p) {
		copy(p, buf[:n])
		if n > len(p) && err == nil {
			return len(p), &Error{Location: l.cand.Location(), Op: op, Kind: device.ErrProtocol,
				Err: fmt.Errorf("device sent %d bytes into a %d-byte buffer", n, len(p))}
		}
		n = min(n, len(p))
	}
	return n, l.transferErr(cctx, ctx, op, err)
}

// transferErr maps a transfer error. A cancellation caused by the caller's
// own ctx returns ctx's error; one caused by the per-call timeout is
// device.ErrTimeout.
func (l *link) transferErr(cctx, ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ctx.Err()
	}
	if l.base.Err() != nil {
		return fmt.Errorf("usb: %s: %s: link closed", l.cand.Location(), op)
	}
	return wrap(cctx, l.cand, op, err)
}

func (l *link) Control(ctx context.Context, requestType, request uint8, value, index uint16, data []byte) (int, error) {
	timeout := l.opts.ControlTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	if timeout < time.Millisecond { // libusb counts milliseconds; 0 would mean forever
		return 0, &Error{Location: l.cand.Location(), Op: "control", Kind: device.ErrTimeout}
	}
	_, done, err := l.call(ctx, 0)
	if err != nil {
		return 0, err
	}
	defer done()
	l.ctrlMu.Lock()
	defer l.ctrlMu.Unlock()
	l.dev.ControlTimeout = timeout
	n, err := l.dev.Control(requestType, request, value, index, data)
	if err != nil {
		return n, wrap(ctx, l.cand, fmt.Sprintf("control request 0x%02x", request), err)
	}
	return n, nil
}

func (l *link) MaxPacketSize() int { return l.fn.MaxPacketSize }

// Close ends transfers in flight, releases the interfaces, reattaches any
// kernel driver OpenFunction detached and closes the device. It is best
// effort and returns nil when the handset is already gone.
func (l *link) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.stopAll()
	l.mu.Unlock()
	l.inflight.Wait()
	l.release()
	return nil
}

func (l *link) release() {
	for i := len(l.intfs) - 1; i >= 0; i-- {
		l.intfs[i].Close()
	}
	l.intfs = nil
	for _, n := range l.detached {
		_ = attachKernelDriver(l.cand.Bus, l.cand.Address, n)
	}
	l.detached = nil
	if l.cfg != nil {
		l.cfg.Close()
		l.cfg = nil
	}
	if l.dev != nil {
		l.dev.Close()
		l.dev = nil
	}
	l.uctx = nil // shared (openContext): never closed
}
