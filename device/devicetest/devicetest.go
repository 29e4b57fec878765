// Package devicetest is the conformance suite every handset driver passes
// against its simulator, as restic's backends pass its backend tests: a
// driver's package test calls Run with a Harness that starts a fresh
// simulated handset and opens it through the driver (or through the
// registry's combination, for drivers read together, such as obex+at).
//
// What the suite asserts, at the device layer:
//
//   - Read-only: a full List and a read of every item send no request the
//     simulator counts as mutating, and (when the simulator counts
//     requests) some requests were sent at all.
//   - Stable listing: two Lists of one session return the same items in
//     the same order, and every item ID is non-empty and unique.
//   - Unplugged mid-object: when the handset vanishes before half of an
//     object's bytes have crossed the link, opening and reading it gives an
//     error; when it vanishes after the reader handed over half the object,
//     the rest of the read is an error or — when the driver already held the
//     whole object — exactly the bytes of an undisturbed read; never short
//     data with a nil error. Either way the read ends (hang guard) and a
//     List afterwards fails.
//   - Cancel: a read whose context is cancelled ends (hang guard) with an
//     error or the whole object; a List under a cancelled context fails
//     with an error wrapping context.Canceled. On a slowed handset
//     (Harness.OpenSlow), a read waiting on the link when its context is
//     cancelled ends with an error, well before the object could arrive.
//   - Close twice returns nil both times; List after Close is an error,
//     not a panic.
//   - Hostile names and sizes (when the harness has a hostile handset):
//     List either refuses (an error) or returns items whose Size is -1 or
//     between 0 and MaxSize (device.PlausibleSize), and whose IDs are unique; reading any of them
//     ends, and a read that ends without error returns exactly Size bytes
//     when Size is known. Names and folders are not judged here: the device
//     layer passes them through as untrusted strings, and recovery's
//     sanitizer makes them paths (its own tests feed it "../", NUL,
//     control characters and 10,000-character names).
//
// "Ends" is checked by a hang guard (HangGuard, generous), never by a timed
// assertion: a driver that honours its context ends far sooner.
package devicetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

// HangGuard is how long the suite waits for a read or List that must end
// before it declares a hang. It is not a performance bound.
var HangGuard = 60 * time.Second

// MaxSize is the largest size the suite accepts in a listing
// (device.MaxObjectSize; drivers report larger ones as -1 with
// device.PlausibleSize).
const MaxSize = device.MaxObjectSize

// maxRead caps how much the suite reads of one object.
const maxRead = 64 << 20

// Sim is a running simulated handset, as the suite drives it.
type Sim interface {
	// Counts is the simulator's request accounting (device/sim.Counter):
	// requests by name, and how many would have modified a real phone.
	// requests is nil when the simulator cannot count them (a folder).
	Counts() (requests map[string]int, mutating int)
	// Unplug makes the handset vanish as a pulled cable does, once the
	// host has read afterBytes more bytes from it (0: at its next
	// transfer): transfers in flight and later ones fail. A simulator that
	// cannot count bytes (a folder) unplugs at once.
	Unplug(afterBytes int64)
}

// Harness starts simulated handsets for the suite.
type Harness struct {
	// Open starts a fresh handset with its ordinary dataset and opens it
	// through the driver under test. The suite closes the handset; the
	// harness stops the simulator in t.Cleanup if it must.
	Open func(t *testing.T) (device.Handset, Sim)
	// OpenHostile starts a handset whose listing carries hostile names
	// and sizes; nil when the simulator has none (the suite logs that the
	// check did not run).
	OpenHostile func(t *testing.T) (device.Handset, Sim)
	// OpenSlow starts a handset whose link is so slow that its largest
	// object takes far longer than a moment to arrive (MTP's harness: 200
	// KB/s for a 2 MiB photo); the suite cancels a read that is waiting
	// on the link and expects it to end with an error. nil when the
	// simulator cannot be slowed (the check is skipped).
	OpenSlow func(t *testing.T) (device.Handset, Sim)
}

// Run runs the suite as subtests of t.
func Run(t *testing.T, h Harness) {
	t.Run("ReadOnly", func(t *testing.T) { testReadOnly(t, h) })
	t.Run("StableList", func(t *testing.T) { testStableList(t, h) })
	t.Run("UnplugMidObject", func(t *testing.T) { testUnplug(t, h) })
	t.Run("Cancel", func(t *testing.T) { testCancel(t, h) })
	t.Run("CancelWaiting", func(t *testing.T) {
		if h.OpenSlow == nil {
			t.Skip("the simulator cannot be slowed")
		}
		testCancelWaiting(t, h)
	})
	t.Run("CloseTwice", func(t *testing.T) { testCloseTwice(t, h) })
	t.Run("Hostile", func(t *testing.T) {
		if h.OpenHostile == nil {
			t.Skip("the simulator has no hostile handset")
		}
		testHostile(t, h)
	})
}

// guard runs f and fails the test if it has not returned within HangGuard.
func guard[T any](t *testing.T, what string, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(HangGuard):
		t.Fatalf("%s did not end within %v: a hang", what, HangGuard)
		panic("unreachable")
	}
}

type readResult struct {
	data []byte
	err  error
}

// readItem opens it and reads it whole (capped), within the hang guard.
func readItem(t *testing.T, ctx context.Context, h device.Handset, it device.Item) readResult {
	t.Helper()
	return guard(t, "reading "+it.ID, func() readResult {
		rc, err := h.Open(ctx, it)
		if err != nil {
			return readResult{err: err}
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxRead))
		return readResult{b, err}
	})
}

func list(t *testing.T, ctx context.Context, h device.Handset) ([]device.Item, error) {
	t.Helper()
	type res struct {
		items []device.Item
		err   error
	}
	r := guard(t, "List", func() res {
		items, err := h.List(ctx)
		return res{items, err}
	})
	return r.items, r.err
}

func open(t *testing.T, h Harness) (device.Handset, Sim) {
	t.Helper()
	hs, sim := h.Open(t)
	t.Cleanup(func() { hs.Close() })
	return hs, sim
}

func testReadOnly(t *testing.T, h Harness) {
	ctx := context.Background()
	hs, sim := open(t, h)
	items, err := list(t, ctx, hs)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(items) == 0 {
		t.Fatal("the simulated handset listed nothing: the suite needs items to read")
	}
	for _, it := range items {
		if r := readItem(t, ctx, hs, it); r.err != nil {
			t.Errorf("read %s (%s): %v", it.ID, it.Name, r.err)
		} else if it.Size >= 0 && int64(len(r.data)) != it.Size {
			t.Errorf("read %s: %d bytes, listed %d", it.ID, len(r.data), it.Size)
		}
	}
	if err := hs.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	requests, mutating := sim.Counts()
	if mutating != 0 {
		t.Errorf("%d mutating requests reached the handset (requests: %v)", mutating, requests)
	}
	if requests != nil && total(requests) == 0 {
		t.Error("the simulator counted no request at all: its accounting is not wired")
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func testStableList(t *testing.T, h Harness) {
	ctx := context.Background()
	hs, _ := open(t, h)
	a, err := list(t, ctx, hs)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	b, err := list(t, ctx, hs)
	if err != nil {
		t.Fatalf("second List: %v", err)
	}
	if !slices.EqualFunc(a, b, sameItem) {
		t.Errorf("two Lists differ:\n%s\n%s", ids(a), ids(b))
	}
	checkIDs(t, a)
}

func sameItem(x, y device.Item) bool {
	return x.ID == y.ID && x.Kind == y.Kind && x.Name == y.Name && x.Folder == y.Folder &&
		x.Size == y.Size && x.Modified.Equal(y.Modified) && x.Format == y.Format
}

func ids(items []device.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func checkIDs(t *testing.T, items []device.Item) {
	t.Helper()
	seen := map[string]bool{}
	for _, it := range items {
		if it.ID == "" {
			t.Errorf("item %q has no ID", it.Name)
		}
		if seen[it.ID] {
			t.Errorf("ID %q listed twice", it.ID)
		}
		seen[it.ID] = true
	}
}

// largest returns the item with the most known bytes (the first when no
// size is known).
func largest(items []device.Item) device.Item {
	best := items[0]
	for _, it := range items[1:] {
		if it.Size > best.Size {
			best = it
		}
	}
	return best
}

// reference lists a fresh handset and reads its largest item undisturbed.
func reference(t *testing.T, h Harness) (device.Item, []byte) {
	t.Helper()
	ctx := context.Background()
	hs, _ := open(t, h)
	items, err := list(t, ctx, hs)
	if err != nil || len(items) == 0 {
		t.Fatalf("List: %d items, %v", len(items), err)
	}
	it := largest(items)
	r := readItem(t, ctx, hs, it)
	if r.err != nil {
		t.Fatalf("undisturbed read of %s: %v", it.ID, r.err)
	}
	if len(r.data) < 2 {
		t.Skipf("the largest object, %s, has %d bytes: nothing to cut in the middle", it.ID, len(r.data))
	}
	hs.Close()
	return it, r.data
}

// readAfter opens it on hs, reads half of it, calls disturb, and reads the
// rest; the result must be an error or exactly want.
func readAfter(t *testing.T, ctx context.Context, hs device.Handset, it device.Item, want []byte, what string, disturb func()) {
	t.Helper()
	r := guard(t, "a read after "+what, func() readResult {
		rc, err := hs.Open(ctx, it)
		if err != nil {
			return readResult{err: fmt.Errorf("open: %w", err)}
		}
		defer rc.Close()
		head := make([]byte, len(want)/2)
		n, err := io.ReadFull(rc, head)
		if err != nil {
			return readResult{data: head[:n], err: err}
		}
		disturb()
		rest, err := io.ReadAll(io.LimitReader(rc, maxRead))
		return readResult{append(head, rest...), err}
	})
	switch {
	case r.err == nil && !bytes.Equal(r.data, want):
		t.Errorf("after %s, %s read %d bytes and no error; the object has %d: truncated or altered data passed as whole",
			what, it.ID, len(r.data), len(want))
	case r.err != nil:
		t.Logf("after %s: %v", what, r.err)
	}
}

func testUnplug(t *testing.T, h Harness) {
	it, want := reference(t, h)
	ctx := context.Background()
	relist := func(hs device.Handset) device.Item {
		t.Helper()
		items, err := list(t, ctx, hs)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		i := slices.IndexFunc(items, func(x device.Item) bool { return x.ID == it.ID })
		if i < 0 {
			t.Fatalf("a fresh handset did not list %s again", it.ID)
		}
		return items[i]
	}

	// The link dies while the object is on the wire.
	hs, sim := open(t, h)
	again := relist(hs)
	sim.Unplug(int64(len(want) / 2))
	if r := readItem(t, ctx, hs, again); r.err == nil {
		t.Errorf("the handset vanished before half of %s's %d bytes crossed the link, yet the read returned %d bytes and no error",
			it.ID, len(want), len(r.data))
	} else {
		t.Logf("unplugged on the wire: %v", r.err)
	}
	if _, err := list(t, ctx, hs); err == nil {
		t.Error("List after the unplug succeeded: the harness's unplug does not work")
	}

	// The link dies after the reader handed over half the object.
	hs, sim = open(t, h)
	again = relist(hs)
	readAfter(t, ctx, hs, again, want, "an unplug", func() { sim.Unplug(0) })
	if _, mutating := sim.Counts(); mutating != 0 {
		t.Errorf("%d mutating requests", mutating)
	}
}

func testCancel(t *testing.T, h Harness) {
	it, want := reference(t, h)
	hs, _ := open(t, h)
	items, err := list(t, context.Background(), hs)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	i := slices.IndexFunc(items, func(x device.Item) bool { return x.ID == it.ID })
	if i < 0 {
		t.Fatalf("a fresh handset did not list %s again", it.ID)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readAfter(t, ctx, hs, items[i], want, "a cancel", cancel)

	// A List under a cancelled context fails and says why.
	if _, err := list(t, ctx, hs); !errors.Is(err, context.Canceled) {
		t.Errorf("List under a cancelled context: %v, want an error wrapping context.Canceled", err)
	}
}

func testCancelWaiting(t *testing.T, h Harness) {
	hs, sim := h.OpenSlow(t)
	t.Cleanup(func() { hs.Close() })
	items, err := list(t, context.Background(), hs)
	if err != nil || len(items) == 0 {
		t.Fatalf("List: %d items, %v", len(items), err)
	}
	it := largest(items)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The trigger, not an assertion: by then the read is waiting on the
	// link, whose object takes far longer to arrive.
	stop := time.AfterFunc(50*time.Millisecond, cancel)
	defer stop.Stop()
	r := readItem(t, ctx, hs, it)
	if r.err == nil {
		t.Errorf("%s: read %d bytes without error although its context was cancelled mid-read: the harness's link is not slow, or the cancel was ignored", it.ID, len(r.data))
	} else if !errors.Is(r.err, context.Canceled) {
		t.Errorf("%s: cancelled read: %v, want an error wrapping context.Canceled", it.ID, r.err)
	}
	if _, mutating := sim.Counts(); mutating != 0 {
		t.Errorf("%d mutating requests", mutating)
	}
}

func testCloseTwice(t *testing.T, h Harness) {
	hs, _ := h.Open(t)
	if _, err := list(t, context.Background(), hs); err != nil {
		t.Fatalf("List: %v", err)
	}
	if err := hs.Close(); err != nil {
		t.Errorf("first Close: %v", err)
	}
	if err := guard(t, "a second Close", hs.Close); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := list(t, context.Background(), hs); err == nil {
		t.Error("List after Close succeeded")
	}
}

func testHostile(t *testing.T, h Harness) {
	ctx := context.Background()
	hs, sim := h.OpenHostile(t)
	t.Cleanup(func() { hs.Close() })
	items, err := list(t, ctx, hs)
	if err != nil {
		t.Logf("the hostile listing was refused: %v", err)
		return
	}
	checkIDs(t, items)
	for _, it := range items {
		if it.Size < -1 || it.Size > MaxSize {
			t.Errorf("%s: size %d passed through; want -1 (unknown) or 0–%d", it.ID, it.Size, int64(MaxSize))
		}
		r := readItem(t, ctx, hs, it)
		if r.err == nil && it.Size >= 0 && int64(len(r.data)) != it.Size && len(r.data) < maxRead {
			t.Errorf("%s (%q): read %d bytes without error, listed %d", it.ID, it.Name, len(r.data), it.Size)
		}
		if errors.Is(r.err, device.ErrDisconnected) {
			t.Fatalf("%s: the handset was lost reading a hostile object: %v", it.ID, r.err)
		}
	}
	if _, mutating := sim.Counts(); mutating != 0 {
		t.Errorf("%d mutating requests", mutating)
	}
}
