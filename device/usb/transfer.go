package usb

// The transfers of a claimed function go through a few lines of C of our
// own (transfer.c) over a libusb context of our own, not through gousb.
// gousb finds the handsets (Enumerate); the link moves their bytes.
//
// Why: gousb v1.1.3 submits every transfer asynchronously with a buffer it
// mallocs and copies, and completes it from its event goroutine, which sits
// in libusb's poll inside a cgo call and calls back into Go. Each transfer
// is then a wake-up of that goroutine's thread, a cgo callback that needs a
// P, a channel send and a second thread switch to the caller, which the Go
// scheduler can only make when sysmon retakes the P. In the USB lab's guest
// (one CPU, docs/BENCHMARKS.md) that was 1.2-1.6 ms of host-side time per
// transfer, against about 0.3 ms for libusb_bulk_transfer in the calling
// thread: four times libmtp's cost per transaction on the same device.
// Here the calling goroutine submits the transfer and runs the context's
// events itself until it completes, as libmtp does; no other thread takes
// part unless two transfers wait at once (an MTP event read beside a bulk
// transaction), and then libusb's event lock lets one thread reap for both.
// The context is separate from gousb's so that gousb's event goroutine
// never reaps these transfers.
//
// Timeouts and cancellation: libusb bounds a transfer by the link's own
// timeout only. The caller's context, its deadline included, and Close end
// it through a cancellation record (xfer) that cancels the URB itself, so
// the kernel completes it and the reaping thread, whichever it is, wakes
// the waiter; a deadline therefore always shows as ctx.Err() before the
// transfer returns, as device/at relies on. The caller's buffer is passed
// to C only for the length of the call (cgo's rules), which is why a
// transfer is never abandoned in flight.

/*
#cgo pkg-config: libusb-1.0
#include "transfer.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/google/gousb"
)

// libusbContext is the transfer path's libusb context.
type libusbContext struct{ c *C.libusb_context }

// startLibusb starts a libusb context; tests replace it with one that
// fails.
var startLibusb = func() (*libusbContext, error) {
	var c *C.libusb_context
	if r := C.sk_init(&c); r < 0 {
		return nil, fmt.Errorf("usb: %w (%v)", ErrUnavailable, gousb.Error(r))
	}
	return &libusbContext{c}, nil
}

// transfers is the process's one transfer context, started on first use
// and kept (a second libusb_init costs 20-30 ms in the lab's guest); it is
// safe to share between links and goroutines.
var transfers struct {
	sync.Mutex
	ctx *libusbContext
}

func transferContext() (*libusbContext, error) {
	transfers.Lock()
	defer transfers.Unlock()
	if transfers.ctx != nil {
		return transfers.ctx, nil
	}
	ctx, err := startLibusb()
	if err != nil {
		return nil, err
	}
	transfers.ctx = ctx
	return ctx, nil
}

// handle is one opened device in the transfer context.
type handle struct {
	ctx *libusbContext
	h   *C.libusb_device_handle
}

// openHandle opens the device at bus and address if it still has vid and
// pid. It returns gousb.ErrorNotFound when no such device is there.
func openHandle(ctx *libusbContext, bus, addr int, vid, pid uint16) (*handle, error) {
	var h *C.libusb_device_handle
	if r := C.sk_open(ctx.c, C.int(bus), C.int(addr), C.int(vid), C.int(pid), &h); r < 0 {
		return nil, gousb.Error(r)
	}
	return &handle{ctx: ctx, h: h}, nil
}

func (h *handle) close() {
	if h.h != nil {
		C.libusb_close(h.h)
		h.h = nil
	}
}

// serial reads the device's serial number string ("" when it has none).
func (h *handle) serial() (string, error) {
	buf := make([]byte, 256)
	n := C.sk_serial(h.h, (*C.uchar)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
	if n < 0 {
		return "", gousb.Error(n)
	}
	return strings.TrimSpace(string(buf[:n])), nil
}

func (h *handle) activeConfig() (int, error) {
	var cfg C.int
	if r := C.sk_active_config(h.h, &cfg); r < 0 {
		return 0, gousb.Error(r)
	}
	return int(cfg), nil
}

func (h *handle) claim(num int) error {
	if r := C.libusb_claim_interface(h.h, C.int(num)); r < 0 {
		return gousb.Error(r)
	}
	return nil
}

func (h *handle) setAlt(num, alt int) error {
	if r := C.libusb_set_interface_alt_setting(h.h, C.int(num), C.int(alt)); r < 0 {
		return gousb.Error(r)
	}
	return nil
}

func (h *handle) release(num int) { C.libusb_release_interface(h.h, C.int(num)) }

// transferType is a libusb_transfer_type.
type transferType uint8

const (
	typeBulk      transferType = C.LIBUSB_TRANSFER_TYPE_BULK
	typeInterrupt transferType = C.LIBUSB_TRANSFER_TYPE_INTERRUPT
)

// xfer is one transfer's cancellation record (transfer.h's sk_xfer). Go
// allocates it and keeps it alive for as long as a cancel may come, even
// after the transfer; only C touches its fields, under its lock.
type xfer struct{ c C.sk_xfer }

// cancel ends x's transfer: at once if it is in flight, before it starts
// if it has not. It is safe at any time, from any goroutine, and after the
// transfer has ended (then it does nothing).
func (x *xfer) cancel() { C.sk_cancel(&x.c) }

// transfer runs one bulk or interrupt transfer of p on endpoint ep, bounded
// by timeout (0: none) and cancelled through x. Its error is a gousb.Error
// (the submit failed) or a gousb.TransferStatus.
func (h *handle) transfer(x *xfer, ep uint8, typ transferType, p []byte, timeout time.Duration) (int, error) {
	var buf *C.uchar
	if len(p) > 0 {
		buf = (*C.uchar)(unsafe.Pointer(&p[0]))
	}
	var n C.int
	r := C.sk_transfer(h.ctx.c, &x.c, h.h, C.uchar(ep), C.uchar(typ), buf, C.int(len(p)), C.uint(millis(timeout)), &n)
	return int(n), status(int(r))
}

// control runs a control transfer; for IN requests data receives the
// reply.
func (h *handle) control(x *xfer, requestType, request uint8, value, index uint16, data []byte, timeout time.Duration) (int, error) {
	buf := make([]byte, 8+len(data)) // setup packet, then the data stage
	copy(buf[8:], data)
	var n C.int
	r := C.sk_control(h.ctx.c, &x.c, h.h, C.uchar(requestType), C.uchar(request), C.ushort(value), C.ushort(index),
		(*C.uchar)(unsafe.Pointer(&buf[0])), C.int(len(data)), C.uint(millis(timeout)), &n)
	if requestType&0x80 != 0 {
		copy(data, buf[8:8+int(n)])
	}
	return int(n), status(int(r))
}

// millis is a libusb timeout: milliseconds, rounded up, 0 for none.
func millis(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	return uint32(min((d+time.Millisecond-1)/time.Millisecond, 1<<32-1))
}

// status maps transfer.c's result: a negative libusb error, or a transfer
// status (0 is success).
func status(r int) error {
	switch {
	case r < 0:
		return gousb.Error(r)
	case r == int(gousb.TransferCompleted):
		return nil
	}
	return gousb.TransferStatus(r)
}

// SpareProcessor gives the Go scheduler a second P on a one-processor
// machine, unless GOMAXPROCS is set; a main that uses this package calls
// it first. Every transfer here is a blocking cgo call, and with a single P
// the runtime's sysmon takes that P away from each call after 20 µs and
// starts a spinning thread to use it; the call then waits for the P on its
// way back. In the USB lab's one-CPU guest that cost 0.6 ms per transfer:
// with a second P, MTP listing (43 transactions) went from 236 to 64 ms
// and the whole export from 1820 to 1460 ms (docs/BENCHMARKS.md, "USB
// lab"). With a P idle, sysmon leaves a P in a syscall alone. On two
// processors or more nothing changes.
func SpareProcessor() {
	if os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
}
