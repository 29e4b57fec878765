package usb

import (
	"context"
	"errors"
	"fmt"
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
	xctx, err := transferContext()
	if err != nil {
		return nil, err
	}
	l := &link{cand: c, fn: f, opts: opts, active: map[*xfer]struct{}{},
		opIn:   fmt.Sprintf("bulk read 0x%02x", f.BulkIn),
		opOut:  fmt.Sprintf("bulk write 0x%02x", f.BulkOut),
		opIntr: fmt.Sprintf("interrupt read 0x%02x", f.InterruptIn)}
	if err := l.open(ctx, xctx); err != nil {
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

	h        *handle
	claimed  []int
	detached []int // interfaces whose kernel driver we unbound

	opIn, opOut, opIntr string // operation names for errors

	mu       sync.Mutex
	closed   bool
	active   map[*xfer]struct{} // transfers in flight, for Close to cancel
	inflight sync.WaitGroup
}

var _ device.Link = (*link)(nil)

func (l *link) open(ctx context.Context, xctx *libusbContext) error {
	c, f := l.cand, l.fn
	h, err := openHandle(xctx, c.Bus, c.Address, c.VID, c.PID)
	switch {
	case err == nil:
	case kindOf(ctx, err) == device.ErrPermission:
		return wrap(ctx, c, "open", err)
	case errors.Is(err, gousb.ErrorNotFound), errors.Is(err, gousb.ErrorNoDevice):
		return fmt.Errorf("usb: %s: %w: it is no longer attached there; list devices again", c, device.ErrNotFound)
	default:
		return fmt.Errorf("usb: %s: %w: it could not be opened there (%v); list devices again", c, device.ErrNotFound, err)
	}
	l.h = h
	if c.Serial != "" {
		if s, err := h.serial(); err == nil && s != c.Serial {
			return fmt.Errorf("usb: %s: %w: another device (serial %q) now has that address; list devices again", c, device.ErrNotFound, s)
		}
	}
	active, err := h.activeConfig()
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

	for _, cl := range claims {
		if err := h.claim(cl.num); err != nil {
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
		l.claimed = append(l.claimed, cl.num)
		// SET_INTERFACE only where there is a choice, as gousb does: a
		// device with one setting per interface never sees the request.
		if c.Descriptor.altSettings(f.Config, cl.num) > 1 {
			if err := h.setAlt(cl.num, cl.alt); err != nil {
				return wrap(ctx, c, fmt.Sprintf("select alternate setting %d of interface %d", cl.alt, cl.num), err)
			}
		}
	}
	return nil
}

// begin registers a transfer with the link, so that Close can cancel it and
// waits for it.
func (l *link) begin() (*xfer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, fmt.Errorf("usb: %s: link is closed", l.cand.Location())
	}
	x := &xfer{}
	l.active[x] = struct{}{}
	l.inflight.Add(1)
	return x, nil
}

func (l *link) end(x *xfer) {
	l.mu.Lock()
	delete(l.active, x)
	l.mu.Unlock()
	l.inflight.Done()
}

// do runs one transfer: f is the transfer itself, bounded by the link's
// timeout (0: none). The caller's ctx, its deadline included, cancels it;
// the cancel may run after do has returned, and then does nothing.
func (l *link) do(ctx context.Context, timeout time.Duration, op string, f func(x *xfer, timeout time.Duration) (int, error)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	x, err := l.begin()
	if err != nil {
		return 0, err
	}
	defer l.end(x)
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, x.cancel)
		defer stop()
	}
	n, err := f(x, timeout)
	if err == nil {
		return n, nil
	}
	return n, l.transferErr(ctx, op, err)
}

func (l *link) Write(ctx context.Context, p []byte) (int, error) {
	return l.do(ctx, l.opts.Timeout, l.opOut, func(x *xfer, timeout time.Duration) (int, error) {
		return l.h.transfer(x, l.fn.BulkOut, typeBulk, p, timeout) // an empty p is a ZLP
	})
}

func (l *link) Read(ctx context.Context, p []byte) (int, error) {
	return l.read(ctx, l.fn.BulkIn, typeBulk, l.fn.MaxPacketSize, l.opts.Timeout, p, l.opIn)
}

func (l *link) ReadInterrupt(ctx context.Context, p []byte) (int, error) {
	if l.fn.InterruptIn == 0 {
		return 0, ErrNoInterrupt
	}
	return l.read(ctx, l.fn.InterruptIn, typeInterrupt, l.fn.InterruptMaxPacketSize, 0, p, l.opIntr)
}

// read performs one IN transfer. A buffer that is not a multiple of the
// packet size is rounded up internally so a full last packet cannot
// overflow in libusb; a transfer longer than p is then a protocol error.
func (l *link) read(ctx context.Context, ep uint8, typ transferType, mps int, timeout time.Duration, p []byte, op string) (int, error) {
	buf := p
	if mps > 0 && len(p)%mps != 0 {
		buf = make([]byte, (len(p)/mps+1)*mps)
	}
	n, err := l.do(ctx, timeout, op, func(x *xfer, timeout time.Duration) (int, error) {
		return l.h.transfer(x, ep, typ, buf, timeout)
	})
	if len(buf) != len(p) {
		copy(p, buf[:n])
		if n > len(p) && err == nil {
			return len(p), &Error{Location: l.cand.Location(), Op: op, Kind: device.ErrProtocol,
				Err: fmt.Errorf("device sent %d bytes into a %d-byte buffer", n, len(p))}
		}
		n = min(n, len(p))
	}
	return n, err
}

// transferErr maps a transfer error. A cancellation by the caller's own
// ctx returns ctx's error; one by its deadline, or the link's timeout, is
// device.ErrTimeout.
func (l *link) transferErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ctx.Err()
	}
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return fmt.Errorf("usb: %s: %s: link closed", l.cand.Location(), op)
	}
	return wrap(ctx, l.cand, op, err)
}

func (l *link) Control(ctx context.Context, requestType, request uint8, value, index uint16, data []byte) (int, error) {
	op := fmt.Sprintf("control request 0x%02x", request)
	return l.do(ctx, l.opts.ControlTimeout, op, func(x *xfer, timeout time.Duration) (int, error) {
		return l.h.control(x, requestType, request, value, index, data, timeout)
	})
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
	for x := range l.active {
		x.cancel()
	}
	l.mu.Unlock()
	l.inflight.Wait()
	l.release()
	return nil
}

func (l *link) release() {
	if l.h == nil {
		return
	}
	for i := len(l.claimed) - 1; i >= 0; i-- {
		l.h.release(l.claimed[i])
	}
	l.claimed = nil
	for _, n := range l.detached {
		_ = attachKernelDriver(l.cand.Bus, l.cand.Address, n)
	}
	l.detached = nil
	l.h.close()
	l.h = nil
}
