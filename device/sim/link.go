// Package sim holds simulated handsets for tests, benchmarks and demos: an
// in-memory USB link with the transfer semantics of a real bus (packets,
// short-packet and zero-length-packet ends, a bandwidth and a per-transaction
// latency, fault injection), and protocol responders that serve a
// dataset.Phone over it. Every responder counts every request it receives and
// every request that would have modified a real phone, so tests can prove
// sk-rescue never sends one.
//
// The MTP responder speaks the MTP 1.1 / PTP (PIMA 15740) container format
// byte for byte through device/mtp's codec, the same codec the client uses.
package sim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

// Model is the simulated bus's speed.
//
// A transaction, for Latency, is one command turnaround: the first
// device→host (bulk IN) transfer that follows a host→device (bulk OUT)
// transfer is delayed by Latency. So a command/response round trip costs
// about one Latency, a command/data/response round trip also one Latency
// (the response follows the data without a turnaround), and a large read is
// bound by Bandwidth. Bandwidth is charged for every byte on the bulk pipes,
// container headers included, on one shared half-duplex bus clock, as USB 2.0
// is; the interrupt and control pipes are free. Time is real: readers sleep
// until the bytes they take have "arrived", so a benchmark can compute link
// utilisation as payload bytes ÷ (elapsed × Bandwidth).
type Model struct {
	// Bandwidth in bytes per second; 0 is unlimited.
	Bandwidth float64
	// Latency per transaction (see above); 0 is none.
	Latency time.Duration
	// MaxPacketSize of the bulk endpoints: 64, 512 (the default) or 1024.
	MaxPacketSize int
}

// USB2 is a USB 2.0 high-speed bus as phones achieve it: 40 MB/s of bulk
// bandwidth and 1 ms per command turnaround.
var USB2 = Model{Bandwidth: 40e6, Latency: time.Millisecond, MaxPacketSize: 512}

// ErrStall is returned by a transfer the fault injector stalled; it wraps
// device.ErrProtocol, as a STALL handshake is the device refusing the
// transfer.
var ErrStall = fmt.Errorf("sim: endpoint stalled: %w", device.ErrProtocol)

// ErrOverflow is returned by a Read whose buffer cannot hold a whole packet
// (USB babble); callers must pass multiples of MaxPacketSize.
var ErrOverflow = fmt.Errorf("sim: buffer not a multiple of the packet size (babble): %w", device.ErrProtocol)

var errClosed = fmt.Errorf("sim: link closed: %w", device.ErrDisconnected)

// Faults are failures the link injects into the host's view of the bus.
// Transfers are counted from 1 over host Read and Write calls together,
// from the moment the faults are set. Framing faults (a data header in its
// own packet, a junk byte instead of a ZLP, a response where the ZLP belongs)
// are the responder's to produce: see Quirks.
type Faults struct {
	// DisconnectAfterIn unplugs the device once the host has read this many
	// bytes from it (0: never). The Read that crosses the mark returns the
	// bytes up to it and an error wrapping device.ErrDisconnected.
	DisconnectAfterIn int64
	// DisconnectAtTransfer unplugs the device at this host transfer.
	DisconnectAtTransfer int
	// StallAtTransfer makes this host transfer fail with ErrStall; the link
	// stays up and nothing is consumed.
	StallAtTransfer int
	// GarbageAtTransfer makes this host Read return garbage of the same
	// length instead of what the device sent.
	GarbageAtTransfer int
}

// Counters are the link's traffic figures, as the host saw them.
type Counters struct {
	InBytes, OutBytes         int64 // bulk bytes device→host, host→device
	InTransfers, OutTransfers int   // host Read and Write calls that moved data or a ZLP
	Turnarounds               int   // command turnarounds charged Latency: MTP transactions
	Events                    int   // interrupt transfers read by the host
	Controls                  int   // control transfers
}

type segment struct {
	data  []byte
	off   int
	term  bool      // the last packet is short or a ZLP: the transfer ends here
	start time.Time // when the first byte starts to arrive
}

type pipe struct {
	segs   []*segment
	queued int
}

type bus struct {
	mu      sync.Mutex
	notify  chan struct{}
	model   Model
	mps     int
	in, out pipe
	events  []([]byte)
	busFree time.Time
	lastOut bool
	dead    error
	closed  bool
	control func(requestType, request uint8, value, index uint16, data []byte) (int, error)

	faults    Faults
	transfers int
	cnt       Counters
}

// maxQueued bounds how far a device may write ahead of the host, so a
// responder streaming a large object does not hold it in memory.
const maxQueued = 4 << 20

// NewLink returns the two ends of a simulated USB function: host implements
// device.Link for a protocol client; dev is where a responder sits.
func NewLink(m Model) (host *HostEnd, dev *DeviceEnd) {
	if m.MaxPacketSize == 0 {
		m.MaxPacketSize = 512
	}
	b := &bus{notify: make(chan struct{}), model: m, mps: m.MaxPacketSize}
	return &HostEnd{b: b}, &DeviceEnd{b: b}
}

func (b *bus) wake() {
	close(b.notify)
	b.notify = make(chan struct{})
}

// wait releases the lock until something changes or ctx ends.
func (b *bus) wait(ctx context.Context) error {
	ch := b.notify
	b.mu.Unlock()
	defer b.mu.Lock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *bus) err() error {
	if b.dead != nil {
		return b.dead
	}
	if b.closed {
		return errClosed
	}
	return nil
}

func (b *bus) disconnect(why string) {
	if b.dead == nil {
		b.dead = fmt.Errorf("sim: %s: %w", why, device.ErrDisconnected)
		b.wake()
	}
}

func (b *bus) duration(n int) time.Duration {
	if b.model.Bandwidth <= 0 {
		return 0
	}
	return time.Duration(float64(n) / b.model.Bandwidth * float64(time.Second))
}

// enqueue puts one transfer on a pipe, charging the bus clock.
func (b *bus) enqueue(ctx context.Context, p *pipe, data []byte, toHost bool) error {
	for p.queued > maxQueued {
		if err := b.err(); err != nil {
			return err
		}
		if err := b.wait(ctx); err != nil {
			return err
		}
	}
	if err := b.err(); err != nil {
		return err
	}
	now := time.Now()
	start := b.busFree
	if start.Before(now) {
		start = now
	}
	if toHost && b.lastOut {
		start = start.Add(b.model.Latency)
		b.cnt.Turnarounds++
	}
	b.lastOut = !toHost
	b.busFree = start.Add(b.duration(len(data)))
	s := &segment{data: append([]byte(nil), data...), start: start, term: len(data)%b.mps != 0 || len(data) == 0}
	p.segs = append(p.segs, s)
	p.queued += len(data)
	b.wake()
	return nil
}

// receive reads one transfer from a pipe into buf with USB semantics. It
// copies what is queued at once and then sleeps, once, until the last byte
// taken has "arrived" on the bus clock.
func (b *bus) receive(ctx context.Context, p *pipe, buf []byte) (int, error) {
	n := 0
	var due time.Time
	done := func(err error) (int, error) {
		if d := time.Until(due); d > 0 && err == nil {
			b.mu.Unlock()
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				err = ctx.Err()
			}
			t.Stop()
			b.mu.Lock()
			if err == nil {
				err = b.err()
			}
		}
		return n, err
	}
	for {
		if err := b.err(); err != nil {
			return n, err
		}
		if len(p.segs) == 0 {
			if err := b.wait(ctx); err != nil {
				return n, err
			}
			continue
		}
		s := p.segs[0]
		rest := len(s.data) - s.off
		space := len(buf) - n
		k := rest
		if k > space {
			k = space - space%b.mps
			if k == 0 {
				if n > 0 {
					return done(nil)
				}
				return 0, ErrOverflow
			}
		}
		copy(buf[n:], s.data[s.off:s.off+k])
		s.off += k
		n += k
		p.queued -= k
		if r := s.start.Add(b.duration(s.off)); r.After(due) {
			due = r
		}
		if s.off == len(s.data) {
			p.segs = p.segs[1:]
			b.wake()
			if s.term {
				return done(nil)
			}
		}
		if n == len(buf) {
			return done(nil)
		}
	}
}

// hostFault applies the fault injector to one host transfer.
func (b *bus) hostFault() (garbage bool, err error) {
	if err := b.err(); err != nil {
		return false, err
	}
	b.transfers++
	f := b.faults
	switch b.transfers {
	case f.DisconnectAtTransfer:
		b.disconnect(fmt.Sprintf("unplugged at transfer %d", b.transfers))
		return false, b.dead
	case f.StallAtTransfer:
		return false, ErrStall
	case f.GarbageAtTransfer:
		return true, nil
	}
	return false, nil
}

// HostEnd is the host's side of a simulated link; it implements
// device.Link.
type HostEnd struct{ b *bus }

var _ device.Link = (*HostEnd)(nil)

// Write sends p as one bulk OUT transfer; an empty p is a ZLP.
func (h *HostEnd) Write(ctx context.Context, p []byte) (int, error) {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.hostFault(); err != nil {
		return 0, err
	}
	if err := b.enqueue(ctx, &b.out, p, false); err != nil {
		return 0, err
	}
	b.cnt.OutBytes += int64(len(p))
	b.cnt.OutTransfers++
	return len(p), nil
}

// Read receives one bulk IN transfer (see device.Link).
func (h *HostEnd) Read(ctx context.Context, p []byte) (int, error) {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	garbage, err := b.hostFault()
	if err != nil {
		return 0, err
	}
	n, err := b.receive(ctx, &b.in, p)
	if lim := b.faults.DisconnectAfterIn; lim > 0 && b.cnt.InBytes+int64(n) >= lim {
		n = int(lim - b.cnt.InBytes)
		b.disconnect(fmt.Sprintf("unplugged after %d bytes", lim))
		err = b.dead
	}
	if garbage {
		for i := range p[:n] {
			p[i] = byte(0xA5 ^ i*7)
		}
	}
	b.cnt.InBytes += int64(n)
	b.cnt.InTransfers++
	return n, err
}

// ReadInterrupt receives one event from the interrupt IN endpoint.
func (h *HostEnd) ReadInterrupt(ctx context.Context, p []byte) (int, error) {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.events) == 0 {
		if err := b.err(); err != nil {
			return 0, err
		}
		if err := b.wait(ctx); err != nil {
			return 0, err
		}
	}
	ev := b.events[0]
	b.events = b.events[1:]
	b.cnt.Events++
	return copy(p, ev), nil
}

// Control performs a control transfer, answered by the responder's handler.
func (h *HostEnd) Control(ctx context.Context, requestType, request uint8, value, index uint16, data []byte) (int, error) {
	b := h.b
	b.mu.Lock()
	if err := b.err(); err != nil {
		b.mu.Unlock()
		return 0, err
	}
	b.cnt.Controls++
	fn := b.control
	b.mu.Unlock()
	if fn == nil {
		return 0, ErrStall
	}
	return fn(requestType, request, value, index, data)
}

// MaxPacketSize returns the bulk packet size.
func (h *HostEnd) MaxPacketSize() int { return h.b.mps }

// Close releases the link; the responder sees its reads fail.
func (h *HostEnd) Close() error {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		b.wake()
	}
	return nil
}

// SetFaults arms the fault injector; transfer numbers count from the next
// host transfer.
func (h *HostEnd) SetFaults(f Faults) {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	b.faults = f
	b.transfers = 0
	if f.DisconnectAfterIn > 0 {
		b.faults.DisconnectAfterIn += b.cnt.InBytes
	}
}

// Counters returns the traffic so far.
func (h *HostEnd) Counters() Counters {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cnt
}

// Model returns the link's model.
func (h *HostEnd) Model() Model { return h.b.model }

// DeviceEnd is the device's side of a simulated link, where a responder
// reads commands and writes data, responses and events.
type DeviceEnd struct{ b *bus }

// ErrHostClosed is what a DeviceEnd's calls return once the host closed the
// link; a responder loop ends on it.
var ErrHostClosed = errClosed

// Read receives one bulk OUT transfer from the host.
func (d *DeviceEnd) Read(ctx context.Context, p []byte) (int, error) {
	b := d.b
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.receive(ctx, &b.out, p)
}

// Write sends p as one bulk IN transfer to the host: its packets, the last
// one short when len(p) is not a multiple of the packet size. An empty p is
// a ZLP. Write returns once the bytes are queued on the bus; it blocks while
// more than a few MiB wait for the host.
func (d *DeviceEnd) Write(ctx context.Context, p []byte) (int, error) {
	b := d.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.enqueue(ctx, &b.in, p, true); err != nil {
		return 0, err
	}
	return len(p), nil
}

// SendEvent queues one interrupt IN transfer.
func (d *DeviceEnd) SendEvent(p []byte) error {
	b := d.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.err(); err != nil {
		return err
	}
	if len(b.events) >= 64 {
		return errors.New("sim: event queue full")
	}
	b.events = append(b.events, append([]byte(nil), p...))
	b.wake()
	return nil
}

// HandleControl sets the function that answers the host's control
// transfers.
func (d *DeviceEnd) HandleControl(fn func(requestType, request uint8, value, index uint16, data []byte) (int, error)) {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	d.b.control = fn
}

// Disconnect unplugs the device: every pending and later call on either end
// fails with an error wrapping device.ErrDisconnected.
func (d *DeviceEnd) Disconnect() {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	d.b.disconnect("device unplugged")
}

// MaxPacketSize returns the bulk packet size.
func (d *DeviceEnd) MaxPacketSize() int { return d.b.mps }

// Err reports whether the link is down, and why.
func (d *DeviceEnd) Err() error {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	return d.b.err()
}
