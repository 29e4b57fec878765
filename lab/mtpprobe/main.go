// Command mtpprobe is the USB lab's look inside an MTP session: it opens the
// only MTP handset on the bus through device/usb and device/mtp, as
// sk-rescue does, and prints what each listing strategy of the driver sees
// (GetObjectPropList for every object, GetObjectHandles flat and from the
// root), then what Handset.List returns, with timings. Runs in the guest;
// its output lands in OUT/GROUP/mtpprobe.out (docs/TESTING.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/mtp"
	"github.com/sk-rescue/sk-rescue/device/usb"
)

func main() {
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole probe to this file")
	flag.Parse()
	usb.SpareProcessor() // as sk-rescue's main does
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(context.Background()); err != nil {
		pprof.StopCPUProfile()
		fmt.Println("mtpprobe:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	t0 := time.Now()
	step := func(format string, args ...any) {
		fmt.Printf("%7.1f ms  %s\n", float64(time.Since(t0).Microseconds())/1000, fmt.Sprintf(format, args...))
	}
	cands, err := usb.Enumerate(ctx)
	if err != nil {
		return err
	}
	step("enumerate: %d candidates", len(cands))
	c, err := usb.Select(device.Selector{Kind: device.SelectAny}, cands)
	if err != nil {
		return err
	}
	f, ok := c.Function(usb.ProtoMTP, usb.ProtoPTP)
	if !ok {
		return fmt.Errorf("%s has no MTP function", c)
	}
	link, err := usb.OpenFunction(ctx, c, f, usb.Options{})
	if err != nil {
		return err
	}
	step("claimed %s %s", c, f)
	h, err := mtp.Open(ctx, link, mtp.Options{Location: c.Location(), Timeout: 5 * time.Second, ListTimeout: 5 * time.Second})
	if err != nil {
		link.Close()
		return err
	}
	defer h.Close()
	di := h.DeviceInfo()
	step("open: %q %q ext %q, list mode %s", di.Manufacturer, di.Model, di.VendorExtensionDesc, h.ListMode())
	for _, op := range di.Operations {
		fmt.Printf("             supports %s (0x%04x)\n", mtp.OpName(op), op)
	}
	cl := h.Client()
	// The driver's own listing and fetching first, on a fresh session.
	items, err := h.List(ctx)
	step("Handset.List: %d items, mode %s, %d transactions so far, err %v", len(items), h.ListMode(), cl.Transactions(), err)
	var n int64
	for _, it := range items {
		r, err := h.Open(ctx, it)
		if err != nil {
			return err
		}
		k, err := io.Copy(io.Discard, r)
		r.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", it.Name, err)
		}
		n += k
	}
	step("fetched %d items, %d bytes, %d transactions so far", len(items), n, cl.Transactions())
	waits(ctx, link, cl)
	// Then each listing primitive on its own, safest first (a responder
	// may not recover from the ones it refuses).
	ids, err := cl.StorageIDs(ctx)
	step("GetStorageIDs: %x %v", ids, err)
	for _, s := range ids {
		hs, err := cl.ObjectHandles(ctx, s, 0, mtp.ParentRoot)
		step("GetObjectHandles(0x%08x, root): %d handles %v", s, len(hs), err)
	}
	if di.Supports(mtp.OpGetObjectPropList) {
		for _, q := range []struct {
			name          string
			handle, depth uint32
		}{{"handle 0, depth 1", 0, 1}, {"handle 0xFFFFFFFF, depth 1", mtp.AllHandles, 1}, {"all objects", mtp.AllHandles, mtp.DepthAll}} {
			l, err := cl.ObjectPropList(ctx, q.handle, 0, mtp.AllProps, q.depth)
			objs := map[uint32]bool{}
			for _, e := range l {
				objs[e.Handle] = true
			}
			step("GetObjectPropList(%s, all props): %d objects, %d elements, %v", q.name, len(objs), len(l), err)
		}
	}
	hs, err := cl.ObjectHandles(ctx, mtp.AllStorages, 0, 0)
	step("GetObjectHandles(all storages, parent 0): %d handles %v", len(hs), err)
	for _, w := range cl.Warnings() {
		fmt.Println("             warning:", w)
	}
	return nil
}

// waits checks that a transfer waiting on the device ends when its context
// does, by deadline and by cancel, and that the session works afterwards.
// An idle QEMU usb-mtp sends no events, so each interrupt read waits until
// then. Lines start "wait:" for lab/labcheck (docs/TESTING.md).
func waits(ctx context.Context, link device.Link, cl *mtp.Client) {
	buf := make([]byte, 64)
	t := time.Now()
	dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	n, err := link.ReadInterrupt(dctx, buf)
	cancel()
	fmt.Printf("wait: deadline 300 ms: ended after %d ms, %d bytes, timeout %v: %v\n",
		time.Since(t).Milliseconds(), n, errors.Is(err, device.ErrTimeout), err)
	t = time.Now()
	cctx, cancel := context.WithCancel(ctx)
	stop := time.AfterFunc(300*time.Millisecond, cancel)
	n, err = link.ReadInterrupt(cctx, buf)
	stop.Stop()
	cancel()
	fmt.Printf("wait: cancel after 300 ms: ended after %d ms, %d bytes, canceled %v: %v\n",
		time.Since(t).Milliseconds(), n, errors.Is(err, context.Canceled), err)
	ids, err := cl.StorageIDs(ctx)
	fmt.Printf("wait: then GetStorageIDs: %x, ok %v: %v\n", ids, err == nil && len(ids) > 0, err)
}
