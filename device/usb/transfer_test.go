package usb

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/gousb"

	"github.com/sk-rescue/sk-rescue/device"
)

func TestMillis(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want uint32
	}{
		{0, 0}, {-time.Second, 0}, // none: libusb's 0 waits for ever
		{time.Microsecond, 1}, {time.Millisecond, 1}, {1500 * time.Microsecond, 2}, // rounded up, never 0
		{60 * time.Second, 60000},
		{2000 * time.Hour, 1<<32 - 1}, // capped: 83 days is for ever enough
	} {
		if got := millis(tt.d); got != tt.want {
			t.Errorf("millis(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestStatus(t *testing.T) {
	if err := status(0); err != nil {
		t.Errorf("completed: %v", err)
	}
	for _, tt := range []struct {
		r    int
		want error
	}{
		{int(gousb.ErrorNoDevice), device.ErrDisconnected}, // the submit failed
		{int(gousb.ErrorPipe), ErrStall},
		{int(gousb.TransferTimedOut), device.ErrTimeout}, // the transfer ended so
		{int(gousb.TransferStall), ErrStall},
		{int(gousb.TransferNoDevice), device.ErrDisconnected},
		{int(gousb.TransferOverflow), device.ErrProtocol},
	} {
		err := status(tt.r)
		if got := kindOf(context.Background(), err); got != tt.want {
			t.Errorf("status(%d) = %v, kind %v; want %v", tt.r, err, got, tt.want)
		}
	}
}

func TestLinkRefusesAfterTheDeadline(t *testing.T) {
	l := &link{cand: Candidate{Bus: 1, Address: 7}, active: map[*xfer]struct{}{}}
	gone, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	called := false
	_, err := l.do(gone, time.Second, "bulk read 0x81", func(*xfer, time.Duration) (int, error) {
		called = true
		return 0, nil
	})
	if called || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, transfer run %v; want the context's error and no transfer", err, called)
	}
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := l.do(cancelled, time.Second, "bulk read 0x81", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	l.closed = true
	if _, err := l.do(context.Background(), time.Second, "bulk read 0x81", nil); err == nil {
		t.Fatal("a closed link ran a transfer")
	}
}

func TestAltSettings(t *testing.T) {
	d := Descriptor{Configs: []Config{
		{Number: 1, Settings: []Setting{{Interface: 0}, {Interface: 1}, {Interface: 1, Alt: 1}}},
		{Number: 2, Settings: []Setting{{Interface: 0}, {Interface: 0, Alt: 1}, {Interface: 0, Alt: 2}}},
	}}
	for _, tt := range []struct{ cfg, num, want int }{{1, 0, 1}, {1, 1, 2}, {2, 0, 3}, {1, 5, 0}, {3, 0, 0}} {
		if got := d.altSettings(tt.cfg, tt.num); got != tt.want {
			t.Errorf("altSettings(%d, %d) = %d, want %d", tt.cfg, tt.num, got, tt.want)
		}
	}
}

// A cancel that comes before the transfer starts keeps it from being
// submitted at all (the device handle is never touched here), and a
// cancel after the transfer is a no-op: both run the real transfer.c.
func TestCancelBeforeAndAfter(t *testing.T) {
	xctx, err := transferContext()
	if err != nil {
		t.Skip(err)
	}
	h := &handle{ctx: xctx} // no device: a submit would crash
	x := &xfer{}
	x.cancel()
	buf := make([]byte, 512)
	n, err := h.transfer(x, 0x81, typeBulk, buf, time.Second)
	if n != 0 || !errors.Is(err, gousb.TransferCancelled) {
		t.Fatalf("transfer after cancel = %d, %v; want 0, cancelled", n, err)
	}
	if _, err := h.control(x, 0xA1, 0x67, 0, 0, buf[:4], time.Second); !errors.Is(err, gousb.TransferCancelled) {
		t.Fatalf("control after cancel: %v", err)
	}
	x.cancel() // after the transfer: nothing to do
	x.cancel()
}

// The caller's ctx may end just as a transfer finishes by itself, and the
// caller then closes the link: the cancel, already started by
// context.AfterFunc, runs after Close and must not touch the link.
func TestCancelAfterClose(t *testing.T) {
	xctx, err := transferContext()
	if err != nil {
		t.Skip(err)
	}
	for i := 0; i < 2000; i++ {
		l := &link{cand: Candidate{Bus: 1, Address: 7}, active: map[*xfer]struct{}{}, h: &handle{ctx: xctx}}
		ctx, cancel := context.WithCancel(context.Background())
		l.do(ctx, time.Second, "bulk read 0x81", func(*xfer, time.Duration) (int, error) {
			cancel()
			return 0, nil
		})
		l.Close()
	}
	time.Sleep(100 * time.Millisecond) // let the last cancels run
}

// A deadline in the caller's ctx ends a transfer through the ctx, never
// through libusb's own timeout, so ctx.Err() is set when the transfer
// returns: device/at keeps its session after a timeout only then.
func TestDeadlineEndsThroughTheContext(t *testing.T) {
	l := &link{cand: Candidate{Bus: 1, Address: 7}, active: map[*xfer]struct{}{}, opts: Options{Timeout: time.Minute}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	var got time.Duration
	_, err := l.do(ctx, l.opts.Timeout, "bulk read 0x81", func(x *xfer, timeout time.Duration) (int, error) {
		got = timeout
		<-ctx.Done() // as transfer.c waits until the AfterFunc cancels the URB
		return 0, gousb.TransferCancelled
	})
	if got != time.Minute {
		t.Errorf("libusb was given %v, want the link's own timeout", got)
	}
	if ctx.Err() == nil || !errors.Is(err, device.ErrTimeout) {
		t.Errorf("err %v, ctx.Err() %v; want device.ErrTimeout with the ctx ended", err, ctx.Err())
	}
}
