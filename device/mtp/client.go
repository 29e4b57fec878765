package mtp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

// ResponseCode is a PTP/MTP response code.
type ResponseCode uint16

func (c ResponseCode) String() string {
	return fmt.Sprintf("%s (0x%04x)", RespName(uint16(c)), uint16(c))
}

// ResponseError is a response other than OK. It wraps device.ErrLocked for
// InvalidStorageID and StoreNotAvailable (what a locked Android phone
// answers) and device.ErrBusy for DeviceBusy.
type ResponseError struct {
	Op     uint16
	Code   ResponseCode
	Params []uint32
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("mtp: %s: handset answered %s", OpName(e.Op), e.Code)
}

// String returns the response's name and code.
func (e *ResponseError) String() string { return e.Code.String() }

// Unwrap maps the code to a device sentinel, when one fits.
func (e *ResponseError) Unwrap() error {
	switch uint16(e.Code) {
	case RespInvalidStorageID, RespStoreNotAvailable:
		return device.ErrLocked
	case RespDeviceBusy:
		return device.ErrBusy
	}
	return nil
}

// IsResponse reports whether err is a ResponseError with one of codes.
func IsResponse(err error, codes ...uint16) bool {
	var re *ResponseError
	if !errors.As(err, &re) {
		return false
	}
	for _, c := range codes {
		if uint16(re.Code) == c {
			return true
		}
	}
	return len(codes) == 0
}

// ReadBufferSize is the size of the client's bulk IN reads in the body
// of a long data phase: large, so it moves in few transfers, and a
// multiple of every packet size.
const ReadBufferSize = 1 << 20

// FirstReadSize bounds the first read of a transaction (a response, or a
// data container's header and first bytes) and every response read. A
// bulk read costs libusb one 16 KiB URB per 16 KiB of buffer on a
// controller without scatter-gather, all submitted and then cancelled at
// the short packet, so a 1 MiB buffer for a 12-byte response is 64 URBs
// (USB lab, docs/BENCHMARKS.md). Later reads are sized to what the
// container still holds, up to ReadBufferSize.
const FirstReadSize = 16 << 10

// maxDataset bounds a dataset the client holds in memory (a listing of
// every object, say); objects are streamed and never bounded.
const maxDataset = 256 << 20

// Default timeouts, per transfer (libmtp: 20 s default, 60 s for listings).
const (
	DefaultTimeout     = 20 * time.Second
	DefaultListTimeout = 60 * time.Second
)

// Client runs MTP transactions over a device.Link, one at a time. It is
// safe for concurrent use: transactions are serialised.
type Client struct {
	link device.Link
	mps  int
	// Timeout applies to each transfer of an ordinary operation;
	// ListTimeout to each transfer of GetObjectHandles and
	// GetObjectPropList, which can take seconds on big folders.
	Timeout, ListTimeout time.Duration

	mu       sync.Mutex
	buf      []byte
	small    int // FirstReadSize rounded down to packets
	tid      uint32
	session  uint32
	dirty    bool // a transaction was abandoned: drain before the next
	txCount  int
	warnings []string
}

// NewClient returns a Client over link. It sends nothing.
func NewClient(link device.Link) *Client {
	mps := link.MaxPacketSize()
	if mps <= 0 {
		mps = 512
	}
	return &Client{link: link, mps: mps, Timeout: DefaultTimeout, ListTimeout: DefaultListTimeout,
		buf: make([]byte, ReadBufferSize-ReadBufferSize%mps), small: max(mps, FirstReadSize-FirstReadSize%mps)}
}

// Transactions returns how many transactions the client has started.
func (c *Client) Transactions() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.txCount
}

// Warnings returns what the client tolerated (header mismatches, junk).
func (c *Client) Warnings() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.warnings...)
}

func (c *Client) warn(format string, args ...any) {
	if len(c.warnings) < 100 {
		c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
	}
}

func (c *Client) timeoutFor(op uint16) time.Duration {
	switch op {
	case OpGetObjectHandles, OpGetObjectPropList, OpGetNumObjects:
		return c.ListTimeout
	}
	return c.Timeout
}

// Run runs one transaction: the command op with params, a device→host data
// phase streamed into w when the device sends one (w may be nil to discard
// it), and the response. A response other than OK is a *ResponseError. The
// returned container is the response.
func (c *Client) Run(ctx context.Context, op uint16, params []uint32, w io.Writer) (Container, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.run(ctx, op, params, w)
}

func (c *Client) nextTID(op uint16) uint32 {
	if op == OpOpenSession || c.session == 0 {
		return 0
	}
	c.tid++
	if c.tid == 0 || c.tid == 0xFFFFFFFF {
		c.tid = 1
	}
	return c.tid
}

// transfer runs one link call under the op's timeout and maps errors.
func (c *Client) transfer(ctx context.Context, op uint16, write bool, p []byte) (int, error) {
	timeout := c.timeoutFor(op)
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var n int
	var err error
	if write {
		n, err = c.link.Write(tctx, p)
	} else {
		n, err = c.link.Read(tctx, p)
	}
	if err == nil {
		return n, nil
	}
	switch {
	case ctx.Err() != nil:
		return n, fmt.Errorf("mtp: %s: %w", OpName(op), ctx.Err())
	case errors.Is(err, context.DeadlineExceeded):
		return n, fmt.Errorf("mtp: %s: no answer in %v: %w", OpName(op), timeout, device.ErrTimeout)
	case errors.Is(err, device.ErrDisconnected), errors.Is(err, device.ErrProtocol), errors.Is(err, device.ErrTimeout):
		return n, fmt.Errorf("mtp: %s: %w", OpName(op), err)
	}
	return n, fmt.Errorf("mtp: %s: %w: %w", OpName(op), device.ErrProtocol, err)
}

func (c *Client) run(ctx context.Context, op uint16, params []uint32, w io.Writer) (Container, error) {
	if Mutating(op) {
		return Container{}, fmt.Errorf("mtp: %s: %w", OpName(op), device.ErrReadOnly)
	}
	if c.dirty {
		c.recover(op)
	}
	tid := c.nextTID(op)
	c.txCount++
	cmd := Container{Type: TypeCommand, Code: op, TID: tid, Params: params}.Marshal()
	if _, err := c.transfer(ctx, op, true, cmd); err != nil {
		c.dirty = true
		return Container{}, err
	}
	if len(cmd)%c.mps == 0 {
		if _, err := c.transfer(ctx, op, true, nil); err != nil {
			c.dirty = true
			return Container{}, err
		}
	}
	resp, err := c.receive(ctx, op, tid, w)
	if err != nil {
		var re *ResponseError
		if !errors.As(err, &re) {
			c.dirty = true
		}
		return resp, err
	}
	if resp.TID != tid {
		c.warn("%s: response for transaction %d, expected %d", OpName(op), resp.TID, tid)
	}
	if resp.Code != RespOK {
		return resp, &ResponseError{Op: op, Code: ResponseCode(resp.Code), Params: resp.Params}
	}
	return resp, nil
}

// errWriter is a write error from the caller's io.Writer: the data phase is
// abandoned and the transaction cancelled.
type errWriter struct{ err error }

func (e errWriter) Error() string { return e.err.Error() }
func (e errWriter) Unwrap() error { return e.err }

// receive reads an optional data phase into w and then the response.
func (c *Client) receive(ctx context.Context, op uint16, tid uint32, w io.Writer) (Container, error) {
	buf := c.buf
	var n int
	var err error
	// Skip stray ZLPs or junk bytes left by the previous transaction.
	for tries := 0; ; tries++ {
		n, err = c.transfer(ctx, op, false, buf[:c.small])
		if err != nil {
			return Container{}, err
		}
		if n >= HeaderSize || tries == 2 {
			break
		}
	}
	h, err := ParseHeader(buf[:n])
	if err != nil {
		return Container{}, fmt.Errorf("mtp: %s: %w", OpName(op), err)
	}
	switch h.Type {
	case TypeResponse:
		return c.parseResponse(op, buf[:n])
	case TypeData:
	default:
		return Container{}, fmt.Errorf("mtp: %s: expected data or response, got a %s container: %w", OpName(op), h.Type, device.ErrProtocol)
	}
	if h.Code != op || h.TID != tid {
		c.warn("%s: data header says code 0x%04x transaction %d, expected 0x%04x/%d", OpName(op), h.Code, h.TID, op, tid)
	}
	if w == nil {
		w = io.Discard
	}
	unknown := h.Length == LengthUnknown
	if !unknown && h.Length < HeaderSize {
		return Container{}, fmt.Errorf("mtp: %s: data container length %d: %w", OpName(op), h.Length, device.ErrProtocol)
	}
	remain := int64(h.Length) - HeaderSize
	var surplus []byte
	var werr error
	put := func(p []byte) {
		if werr == nil && len(p) > 0 {
			if _, err := w.Write(p); err != nil {
				werr = err
			}
		}
	}
	chunk := buf[HeaderSize:n]
	if unknown {
		put(chunk)
	} else {
		k := min(int64(len(chunk)), remain)
		put(chunk[:k])
		remain -= k
		surplus = chunk[k:]
	}
	got := int64(len(chunk)) - int64(len(surplus))
	ended := n < c.small // the transfer ended with a short packet or ZLP
	zlps := 0
	for werr == nil && ((!unknown && remain > 0) || (unknown && !ended)) {
		if werr = ctx.Err(); werr != nil {
			break
		}
		// Ask for what the container still holds, rounded up to a packet
		// (a short last packet ends the transfer), so libusb submits no
		// more than the data needs; the response is read on its own.
		size := len(buf)
		if !unknown && remain < int64(size) {
			size = int(remain+int64(c.mps)-1) / c.mps * c.mps
		}
		n, err = c.transfer(ctx, op, false, buf[:size])
		if err != nil {
			return Container{}, fmt.Errorf("%w (data phase cut after %d bytes)", err, got)
		}
		ended = n < size
		if unknown {
			put(buf[:n])
			got += int64(n)
			continue
		}
		if n == 0 {
			if zlps++; zlps > 3 {
				return Container{}, fmt.Errorf("mtp: %s: data phase stalled after %d of %d bytes: %w", OpName(op), got, h.Length-HeaderSize, device.ErrProtocol)
			}
			continue
		}
		if ended && int64(n) < remain && looksLikeResponse(buf[:n], tid) {
			return Container{}, fmt.Errorf("mtp: %s: handset claimed %d bytes of data, sent %d and then its response: %w",
				OpName(op), h.Length-HeaderSize, got, device.ErrProtocol)
		}
		k := min(int64(n), remain)
		put(buf[:k])
		remain -= k
		got += k
		surplus = buf[k:n]
	}
	if werr != nil {
		return Container{}, errWriter{werr}
	}
	// The response may have come in place of the ZLP, in the same transfer
	// as the data tail; or after a ZLP or a junk byte.
	if len(surplus) > 0 && !ended {
		more := make([]byte, len(surplus), 64)
		copy(more, surplus)
		m, err := c.transfer(ctx, op, false, buf[:c.small])
		if err != nil {
			return Container{}, err
		}
		surplus = append(more, buf[:m]...)
	}
	if len(surplus) >= HeaderSize {
		return c.parseResponse(op, surplus)
	}
	if len(surplus) > 0 {
		c.warn("%s: %d junk bytes after the data phase", OpName(op), len(surplus))
	}
	for tries := 0; ; tries++ {
		n, err = c.transfer(ctx, op, false, buf[:c.small])
		if err != nil {
			return Container{}, err
		}
		if n >= HeaderSize || tries == 2 {
			return c.parseResponse(op, buf[:n])
		}
		if n > 0 {
			c.warn("%s: %d junk bytes instead of a ZLP", OpName(op), n)
		}
	}
}

func looksLikeResponse(b []byte, tid uint32) bool {
	h, err := ParseHeader(b)
	return err == nil && h.Type == TypeResponse && int(h.Length) == len(b) && len(b) <= HeaderSize+4*MaxParams && h.TID == tid
}

func (c *Client) parseResponse(op uint16, b []byte) (Container, error) {
	r, err := ParseContainer(b)
	if err != nil {
		return r, fmt.Errorf("mtp: %s: bad response: %w", OpName(op), err)
	}
	if r.Type != TypeResponse {
		return r, fmt.Errorf("mtp: %s: expected a response, got a %s container: %w", OpName(op), r.Type, device.ErrProtocol)
	}
	return r, nil
}

// recover brings the pipe back to a clean state after an abandoned
// transaction: PTP Cancel Request (0x64), drain what the device still sends,
// then Get Device Status (0x67) until it is idle. Best effort, bounded to a
// few seconds.
func (c *Client) recover(op uint16) {
	c.dirty = false
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := binary.LittleEndian.AppendUint32([]byte{0x01, 0x40}, c.tid)
	c.link.Control(ctx, 0x21, 0x64, 0, 0, req)
	for {
		rctx, rcancel := context.WithTimeout(ctx, 100*time.Millisecond)
		n, err := c.link.Read(rctx, c.buf)
		rcancel()
		if err != nil || ctx.Err() != nil {
			break
		}
		if n >= HeaderSize && looksLikeResponse(c.buf[:n], c.tid) {
			break
		}
	}
	st := make([]byte, 32)
	for ctx.Err() == nil {
		n, err := c.link.Control(ctx, 0xA1, 0x67, 0, 0, st)
		if err != nil || n < 4 || binary.LittleEndian.Uint16(st[2:]) != RespDeviceBusy {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.warn("%s: recovered the pipe after an abandoned transaction", OpName(op))
}

// limitWriter collects a dataset up to a bound.
type limitWriter struct {
	b   []byte
	max int
}

var errTooLarge = fmt.Errorf("mtp: dataset larger than %d MiB: %w", maxDataset>>20, device.ErrProtocol)

func (l *limitWriter) Write(p []byte) (int, error) {
	if len(l.b)+len(p) > l.max {
		return 0, errTooLarge
	}
	l.b = append(l.b, p...)
	return len(p), nil
}

// RunData runs a transaction whose data phase is a dataset, and returns it.
func (c *Client) RunData(ctx context.Context, op uint16, params ...uint32) ([]byte, Container, error) {
	lw := &limitWriter{max: maxDataset}
	resp, err := c.Run(ctx, op, params, lw)
	var we errWriter
	if errors.As(err, &we) {
		err = we.err
	}
	return lw.b, resp, err
}

// OpenSession opens a session (id ≠ 0, transaction id 0). A handset that
// says a session is already open (SessionAlreadyOpen, left by another
// program) gets CloseSession and a second OpenSession, as go-mtpfs does.
func (c *Client) OpenSession(ctx context.Context, id uint32) error {
	if id == 0 {
		id = 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.session = 0
	_, err := c.run(ctx, OpOpenSession, []uint32{id}, nil)
	if IsResponse(err, RespSessionAlreadyOpen) {
		c.warn("OpenSession: a session was already open; closing it")
		c.session = 1 // so CloseSession runs inside "a" session with a fresh TID
		c.tid = 0
		c.run(ctx, OpCloseSession, nil, nil)
		c.session = 0
		_, err = c.run(ctx, OpOpenSession, []uint32{id}, nil)
	}
	if err != nil {
		return err
	}
	c.session, c.tid = id, 0
	return nil
}

// CloseSession ends the session.
func (c *Client) CloseSession(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session == 0 {
		return nil
	}
	_, err := c.run(ctx, OpCloseSession, nil, nil)
	c.session = 0
	return err
}

// DeviceInfo runs GetDeviceInfo.
func (c *Client) DeviceInfo(ctx context.Context) (*DeviceInfo, error) {
	b, _, err := c.RunData(ctx, OpGetDeviceInfo)
	if err != nil {
		return nil, err
	}
	return DecodeDeviceInfo(b)
}

// StorageIDs runs GetStorageIDs.
func (c *Client) StorageIDs(ctx context.Context) ([]uint32, error) {
	b, _, err := c.RunData(ctx, OpGetStorageIDs)
	if err != nil {
		return nil, err
	}
	return DecodeAU32(b)
}

// StorageInfo runs GetStorageInfo.
func (c *Client) StorageInfo(ctx context.Context, id uint32) (*StorageInfo, error) {
	b, _, err := c.RunData(ctx, OpGetStorageInfo, id)
	if err != nil {
		return nil, err
	}
	return DecodeStorageInfo(b)
}

// ObjectHandles runs GetObjectHandles(storage, format, parent); parent
// ParentRoot is the storage's root, 0 every object.
func (c *Client) ObjectHandles(ctx context.Context, storage uint32, format uint16, parent uint32) ([]uint32, error) {
	b, _, err := c.RunData(ctx, OpGetObjectHandles, storage, uint32(format), parent)
	if err != nil {
		return nil, err
	}
	return DecodeAU32(b)
}

// ObjectInfo runs GetObjectInfo.
func (c *Client) ObjectInfo(ctx context.Context, h uint32) (*ObjectInfo, error) {
	b, _, err := c.RunData(ctx, OpGetObjectInfo, h)
	if err != nil {
		return nil, err
	}
	return DecodeObjectInfo(b)
}

// ObjectPropList runs GetObjectPropList(handle, format, prop, group 0,
// depth).
func (c *Client) ObjectPropList(ctx context.Context, h uint32, format uint16, prop uint32, depth uint32) ([]PropElem, error) {
	b, _, err := c.RunData(ctx, OpGetObjectPropList, h, uint32(format), prop, 0, depth)
	if err != nil {
		return nil, err
	}
	return DecodePropList(b)
}

// ObjectPropValue runs GetObjectPropValue for a property of type t.
func (c *Client) ObjectPropValue(ctx context.Context, h uint32, prop uint16, t DataType) (Value, error) {
	b, _, err := c.RunData(ctx, OpGetObjectPropValue, h, uint32(prop))
	if err != nil {
		return Value{}, err
	}
	return DecodeValue(b, t)
}

// DevicePropDesc runs GetDevicePropDesc.
func (c *Client) DevicePropDesc(ctx context.Context, prop uint16) (*DevicePropDesc, error) {
	b, _, err := c.RunData(ctx, OpGetDevicePropDesc, uint32(prop))
	if err != nil {
		return nil, err
	}
	return DecodeDevicePropDesc(b)
}

// GetObject streams object h into w. A write error from w abandons the
// transfer (the device is told to cancel) and is returned.
func (c *Client) GetObject(ctx context.Context, h uint32, w io.Writer) error {
	_, err := c.Run(ctx, OpGetObject, []uint32{h}, w)
	var we errWriter
	if errors.As(err, &we) {
		return we.err
	}
	return err
}

// GetPartialObject streams up to n bytes of object h from offset off into
// w and returns how many the device says it sent.
func (c *Client) GetPartialObject(ctx context.Context, h uint32, off int64, n uint32, w io.Writer) (uint32, error) {
	var resp Container
	var err error
	if off > 0xFFFFFFFF {
		resp, err = c.Run(ctx, OpAndroidGetPartialObj64, []uint32{h, uint32(off), uint32(off >> 32), n}, w)
	} else {
		resp, err = c.Run(ctx, OpGetPartialObject, []uint32{h, uint32(off), n}, w)
	}
	var we errWriter
	if errors.As(err, &we) {
		return 0, we.err
	}
	return resp.Param(0), err
}

// ReadEvent waits for one event on the interrupt endpoint.
func (c *Client) ReadEvent(ctx context.Context) (Container, error) {
	b := make([]byte, 64)
	n, err := c.link.ReadInterrupt(ctx, b)
	if err != nil {
		return Container{}, err
	}
	ev, err := ParseContainer(b[:n])
	if err == nil && ev.Type != TypeEvent {
		err = fmt.Errorf("mtp: expected an event, got a %s container: %w", ev.Type, device.ErrProtocol)
	}
	return ev, err
}
