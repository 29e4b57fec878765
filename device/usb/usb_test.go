package usb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/gousb"

	"github.com/sk-rescue/sk-rescue/device"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func TestHolders(t *testing.T) {
	root := t.TempDir()
	node := DevNode(1, 7)
	mk := func(pid, comm string, links ...string) {
		t.Helper()
		dir := filepath.Join(root, pid)
		if err := os.MkdirAll(filepath.Join(dir, "fd"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "comm"), []byte(comm+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for i, l := range links {
			if err := os.Symlink(l, filepath.Join(dir, "fd", fmt.Sprint(i+3))); err != nil {
				t.Fatal(err)
			}
		}
	}
	mk("1", "systemd", "/dev/null")
	mk("812", "gvfsd-mtp", "socket:[1234]", node)
	mk("955", "ModemManager", "/dev/bus/usb/001/008", node, node)
	mk("1200", "bash", "/dev/pts/0")
	mk("4242", "sk-rescue", node) // ourselves: not a holder
	if err := os.MkdirAll(filepath.Join(root, "self"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "uptime"), []byte("1 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	got, hidden := holders(root, node, 4242)
	want := []Process{{812, "gvfsd-mtp"}, {955, "ModemManager"}}
	if !reflect.DeepEqual(got, want) || hidden {
		t.Fatalf("holders = %v, hidden %v; want %v", got, hidden, want)
	}

	c := Candidate{Bus: 1, Address: 7}
	adv := busyAdvice(c, Function{Protocol: ProtoMTP}, got, false, "")
	for _, s := range []string{"gvfsd-mtp (pid 812)", "ModemManager (pid 955)", "gio mount -u", "ID_MM_DEVICE_IGNORE", node} {
		if !strings.Contains(adv, s) {
			t.Errorf("advice lacks %q:\n%s", s, adv)
		}
	}
	adv = busyAdvice(c, Function{Protocol: ProtoAT, Interface: 0}, nil, true, "cdc_acm")
	for _, s := range []string{"cdc_acm", "--keep-kernel-drivers", "sudo fuser -v " + node} {
		if !strings.Contains(adv, s) {
			t.Errorf("advice lacks %q:\n%s", s, adv)
		}
	}
	if adv := busyAdvice(c, Function{Protocol: ProtoADB}, nil, false, ""); !strings.Contains(adv, "adb kill-server") {
		t.Errorf("adb advice: %s", adv)
	}
}

func TestKindOf(t *testing.T) {
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	bg := context.Background()
	tests := []struct {
		ctx  context.Context
		err  error
		want error
	}{
		{bg, gousb.ErrorBusy, device.ErrBusy},
		// gousb wraps claim errors with %v: matched by text.
		{bg, fmt.Errorf("failed to claim interface 0 on vid=04e8,pid=6860,bus=1,addr=7,config=1: %v", gousb.ErrorBusy), device.ErrBusy},
		{bg, gousb.ErrorAccess, device.ErrPermission},
		{bg, gousb.ErrorNoDevice, device.ErrDisconnected},
		{bg, gousb.TransferNoDevice, device.ErrDisconnected},
		{expired, gousb.TransferCancelled, device.ErrTimeout},
		{cancelled, gousb.TransferCancelled, context.Canceled},
		{bg, gousb.TransferTimedOut, device.ErrTimeout},
		{bg, gousb.TransferStall, ErrStall},
		{bg, gousb.ErrorPipe, ErrStall},
		{bg, gousb.ErrorIO, nil},
	}
	for _, tt := range tests {
		if got := kindOf(tt.ctx, tt.err); got != tt.want {
			t.Errorf("kindOf(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	err := wrap(bg, Candidate{Bus: 1, Address: 7}, "bulk read 0x81", gousb.TransferStall)
	if !errors.Is(err, ErrStall) || !errors.Is(err, device.ErrProtocol) || !errors.Is(err, gousb.TransferStall) {
		t.Errorf("stall error does not unwrap to ErrStall, device.ErrProtocol and the gousb status: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "usb 1:7: bulk read 0x81: ") {
		t.Errorf("message: %q", err)
	}
	err = wrap(bg, Candidate{Bus: 1, Address: 7}, "open", gousb.ErrorAccess)
	if !errors.Is(err, device.ErrPermission) {
		t.Errorf("access error: %v", err)
	}
}

func TestNewContextPanicIsAnError(t *testing.T) {
	saved, savedCtx := newContext, shared.ctx
	defer func() { newContext, shared.ctx = saved, savedCtx }()
	newContext = func() *gousb.Context { panic(gousb.ErrorOther) }
	shared.ctx = nil

	_, err := Enumerate(context.Background())
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Enumerate = %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), "--device sim") || !strings.Contains(err.Error(), "libusb: unknown error") {
		t.Errorf("message lacks the advice or the cause: %v", err)
	}
}

func TestTransferContextFailureIsAnError(t *testing.T) {
	saved, savedCtx := startLibusb, transfers.ctx
	defer func() { startLibusb, transfers.ctx = saved, savedCtx }()
	startLibusb = func() (*libusbContext, error) {
		return nil, fmt.Errorf("usb: %w (%v)", ErrUnavailable, gousb.ErrorOther)
	}
	transfers.ctx = nil

	_, err := OpenFunction(context.Background(), Candidate{Bus: 1, Address: 7}, Function{Protocol: ProtoMTP}, Options{})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("OpenFunction = %v, want ErrUnavailable", err)
	}
	if transfers.ctx != nil {
		t.Error("a failed start was kept; the next call would not try again")
	}
}

// TestEnumerateHere runs libusb for real. The test machines have no USB bus:
// libusb starts and lists nothing, which is an empty list, not an error.
// Where a bus exists, whatever is attached is logged.
func TestEnumerateHere(t *testing.T) {
	cands, err := Enumerate(context.Background())
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("libusb cannot start here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, statErr := os.Stat("/dev/bus/usb"); os.IsNotExist(statErr) && len(cands) != 0 {
		t.Fatalf("no /dev/bus/usb but %d candidates", len(cands))
	}
	for _, c := range cands {
		t.Logf("%s serial %q: %v problem %v", c, c.Serial, c.Functions, c.Problem)
	}
}

func TestOpenFunctionRefusesMassStorage(t *testing.T) {
	_, err := OpenFunction(context.Background(), Candidate{Bus: 1, Address: 7}, Function{Protocol: ProtoMSC}, Options{})
	if err == nil || !strings.Contains(err.Error(), "dir:") {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenFunctionGone(t *testing.T) {
	_, err := OpenFunction(context.Background(), Candidate{Bus: 250, Address: 250, VID: 1, PID: 1}, Function{Protocol: ProtoMTP}, Options{})
	if errors.Is(err, ErrUnavailable) {
		t.Skip(err)
	}
	if !errors.Is(err, device.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}
