package usb

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/google/gousb"

	"github.com/sk-rescue/sk-rescue/device"
)

var (
	// ErrUnavailable: libusb could not start, so there is no USB at all. The
	// other sources (sim, dir) still work.
	ErrUnavailable = errors.New("USB unavailable: libusb could not start (no /dev/bus/usb?); install libusb-1.0 or run with --device sim to try the simulator")
	// ErrStall: the device stalled an endpoint, its way of refusing a
	// request. It wraps device.ErrProtocol so drivers, which never import
	// this package, see a protocol error.
	ErrStall = fmt.Errorf("endpoint stalled: %w", device.ErrProtocol)
	// ErrNoInterrupt: ReadInterrupt on a function without an interrupt
	// endpoint (ADB, OBEX, mass storage).
	ErrNoInterrupt = errors.New("usb: function has no interrupt endpoint")
)

// Error is a failed USB operation. It unwraps to both Kind (a device
// sentinel, ErrStall, or nil) and Err (the gousb error), so
// errors.Is(err, device.ErrBusy) and errors.Is(err, gousb.ErrorBusy) both
// hold.
type Error struct {
	Location string // "usb:1:7"
	Op       string // "claim interface 0", "bulk read 0x81"
	Kind     error
	Err      error
	// Advice says what the user can do ("unmount it in the file manager").
	Advice string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "usb %s: %s: ", strings.TrimPrefix(e.Location, "usb:"), e.Op)
	switch {
	case e.Kind != nil && e.Err != nil:
		fmt.Fprintf(&b, "%v (%v)", e.Kind, e.Err)
	case e.Kind != nil:
		b.WriteString(e.Kind.Error())
	default:
		fmt.Fprint(&b, e.Err)
	}
	if e.Advice != "" {
		b.WriteString(": ")
		b.WriteString(e.Advice)
	}
	return b.String()
}

func (e *Error) Unwrap() []error {
	var out []error
	for _, err := range []error{e.Kind, e.Err} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// libusbErrors are the gousb errors with a device sentinel. gousb wraps claim
// and set-config failures with %v, so besides errors.As the mapping matches
// their text, which comes from the same gousb version.
var libusbErrors = []struct {
	err  gousb.Error
	kind error
}{
	{gousb.ErrorBusy, device.ErrBusy},
	{gousb.ErrorAccess, device.ErrPermission},
	{gousb.ErrorNoDevice, device.ErrDisconnected},
	{gousb.ErrorTimeout, device.ErrTimeout},
	{gousb.ErrorPipe, ErrStall},
}

// kindOf returns the sentinel for a gousb error. ctx is the context of the
// call: a cancelled transfer is a timeout when its deadline passed and the
// context's own error when it was cancelled.
func kindOf(ctx context.Context, err error) error {
	var ts gousb.TransferStatus
	if errors.As(err, &ts) {
		switch ts {
		case gousb.TransferCancelled:
			if ctx != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return device.ErrTimeout
			}
			if ctx != nil && ctx.Err() != nil {
				return ctx.Err()
			}
		case gousb.TransferTimedOut:
			return device.ErrTimeout
		case gousb.TransferStall:
			return ErrStall
		case gousb.TransferNoDevice:
			return device.ErrDisconnected
		case gousb.TransferOverflow:
			return device.ErrProtocol
		}
		return nil
	}
	for _, m := range libusbErrors {
		if errors.Is(err, m.err) || strings.Contains(err.Error(), m.err.Error()) {
			return m.kind
		}
	}
	return nil
}

// wrap turns a gousb error from op on c into an *Error with its sentinel and
// the generic advice for it. Busy errors get their holder advice in claim.
func wrap(ctx context.Context, c Candidate, op string, err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Location: c.Location(), Op: op, Kind: kindOf(ctx, err), Err: err}
	switch e.Kind {
	case device.ErrPermission:
		e.Advice = permissionAdvice(c)
	case device.ErrDisconnected:
		e.Advice = "the phone was unplugged, or it re-enumerated (a mode change on its screen); plug it in again and rerun: finished items are kept"
	}
	if e.Kind == nil && runtime.GOOS == "windows" && errors.Is(err, gousb.ErrorNotSupported) {
		e.Advice = "Windows binds phones to its own driver: install WinUSB for this interface with Zadig (and roll it back afterwards)"
	}
	return e
}

func permissionAdvice(c Candidate) string {
	switch runtime.GOOS {
	case "linux":
		return fmt.Sprintf("you may not open %s: install the udev rule (70-sk-rescue.rules into /etc/udev/rules.d/, then `sudo udevadm control --reload && sudo udevadm trigger` and replug), add yourself to the plugdev group, or run as root", DevNode(c.Bus, c.Address))
	case "darwin":
		return "macOS photo services hold the phone: quit Android File Transfer, Photos, Image Capture and Preview, run `killall ptpcamerad`, and retry at once"
	}
	return "the operating system refused access to the device"
}
