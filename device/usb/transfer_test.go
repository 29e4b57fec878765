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

func TestCallTimeout(t *testing.T) {
	bg := context.Background()
	if d, ok := callTimeout(bg, 20*time.Second); d != 20*time.Second || !ok {
		t.Errorf("no deadline: %v %v", d, ok)
	}
	if d, ok := callTimeout(bg, 0); d != 0 || !ok {
		t.Errorf("no deadline, no timeout: %v %v", d, ok)
	}
	soon, cancel := context.WithTimeout(bg, time.Second)
	defer cancel()
	if d, ok := callTimeout(soon, 20*time.Second); d > time.Second || d < 900*time.Millisecond || !ok {
		t.Errorf("an earlier deadline shortens the timeout: %v %v", d, ok)
	}
	if d, ok := callTimeout(soon, 0); d > time.Second || !ok || d <= 0 {
		t.Errorf("a deadline bounds a transfer without a timeout: %v %v", d, ok)
	}
	late, cancel2 := context.WithTimeout(bg, time.Hour)
	defer cancel2()
	if d, ok := callTimeout(late, 20*time.Second); d != 20*time.Second || !ok {
		t.Errorf("a later deadline leaves the timeout: %v %v", d, ok)
	}
	gone, cancel3 := context.WithDeadline(bg, time.Now().Add(-time.Second))
	defer cancel3()
	if _, ok := callTimeout(gone, 20*time.Second); ok {
		t.Error("a passed deadline still gave a transfer time")
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
