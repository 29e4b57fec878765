package usb

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestHardwareOpen claims the first MTP or PTP function attached and
// releases it again; it sends nothing on the bulk endpoints. Opt in with
// SK_RESCUE_USB_HW=1 and a phone in file transfer mode.
func TestHardwareOpen(t *testing.T) {
	if os.Getenv("SK_RESCUE_USB_HW") != "1" {
		t.Skip("set SK_RESCUE_USB_HW=1 with a phone attached")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cands, err := Enumerate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cands {
		f, ok := c.Function(ProtoMTP, ProtoPTP)
		if !ok {
			continue
		}
		l, err := OpenFunction(ctx, c, f, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		t.Logf("%s: opened %s, packet size %d", c, f, l.MaxPacketSize())
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Skip("no MTP or PTP function attached")
}
