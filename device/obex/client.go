package obex

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

// ClientOptions tune a Client. The zero value is the default.
type ClientOptions struct {
	// Timeout bounds one request/response round trip; 0 means 10 s.
	Timeout time.Duration
	// Retries is how many times a request the phone answers Forbidden,
	// Service Unavailable or Database Locked is repeated (phones give those
	// while a dialog is open or the database is busy); 0 means 4, a
	// negative value none.
	Retries int
	// RetryDelay is the first back-off; it doubles per retry. 0 means
	// 200 ms (gammu's figure).
	RetryDelay time.Duration
	// MaxPacket is the largest packet sk-rescue offers to receive; 0 means
	// 0x4000. A reply claiming more is refused as garbage.
	MaxPacket uint16
}

func (o ClientOptions) withDefaults() ClientOptions {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Retries == 0 {
		o.Retries = 4
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = 200 * time.Millisecond
	}
	if o.MaxPacket == 0 {
		o.MaxPacket = 0x4000
	}
	return o
}

// Client is one OBEX session over a link. It is not safe for concurrent
// use; OBEX is strictly request/response.
type Client struct {
	link   device.Link
	pr     *PacketReader
	opt    ClientOptions
	peer   int // the phone's maximum packet length
	connID uint32
	hasID  bool
	target []byte
	broken error
	reqs   int
	busy   bool // a GetReader is open
}

// NewClient returns a client over link; call Connect before anything else.
func NewClient(link device.Link, opt ClientOptions) *Client {
	c := &Client{link: link, pr: NewPacketReader(link, link.MaxPacketSize()), opt: opt.withDefaults(), peer: 255}
	c.pr.Check = func(code byte, n int) error {
		if !ValidResponse(code) {
			return fmt.Errorf("obex: 0x%02X is not a response code: %w", code, ErrMalformed)
		}
		if n > int(c.opt.MaxPacket) {
			return fmt.Errorf("obex: reply of %d bytes exceeds the negotiated %d: %w", n, c.opt.MaxPacket, ErrMalformed)
		}
		return nil
	}
	return c
}

// Requests returns how many requests the client sent.
func (c *Client) Requests() int { return c.reqs }

// PeerMaxPacket is the maximum packet length the phone announced.
func (c *Client) PeerMaxPacket() int { return c.peer }

// Target is the service the session is connected to, nil when none.
func (c *Client) Target() []byte { return c.target }

// roundTrip sends req and reads one response within the per-request
// timeout. Transport failures and malformed replies break the session.
func (c *Client) roundTrip(ctx context.Context, req Packet) (Packet, error) {
	if c.broken != nil {
		return Packet{}, c.broken
	}
	if c.hasID && req.Code != OpConnect {
		req.Headers = append([]Header{U32(HdrConnectionID, c.connID)}, req.Headers...)
	}
	b, err := req.Marshal()
	if err != nil {
		return Packet{}, err
	}
	if len(b) > c.peer && req.Code != OpConnect {
		return Packet{}, fmt.Errorf("obex: request of %d bytes exceeds the phone's maximum packet %d", len(b), c.peer)
	}
	tctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	c.reqs++
	if err := WritePacket(tctx, c.link, c.link.MaxPacketSize(), b); err != nil {
		return Packet{}, c.fail(ctx, tctx, err)
	}
	raw, err := c.pr.Next(tctx)
	if err != nil {
		return Packet{}, c.fail(ctx, tctx, err)
	}
	prefix := 0
	if req.Code == OpConnect {
		prefix = 4
	}
	resp, err := Parse(raw, prefix)
	if err == nil && resp.Code&0x80 == 0 {
		err = fmt.Errorf("obex: response code 0x%02X lacks the final bit: %w", resp.Code, ErrMalformed)
	}
	if err != nil {
		c.broken = fmt.Errorf("obex: session lost after a malformed reply: %w", err)
		c.pr.Reset()
		return Packet{}, err
	}
	return resp, nil
}

// fail maps a transport error: the caller's cancellation stays itself, our
// own timeout becomes device.ErrTimeout, anything else breaks the session.
func (c *Client) fail(ctx, tctx context.Context, err error) error {
	c.pr.Reset()
	if ctx.Err() != nil {
		c.broken = fmt.Errorf("obex: session abandoned: %w", ctx.Err())
		return ctx.Err()
	}
	if tctx.Err() != nil && !errors.Is(err, device.ErrDisconnected) {
		err = fmt.Errorf("obex: no answer within %v: %w", c.opt.Timeout, device.ErrTimeout)
	} else {
		err = fmt.Errorf("obex: %w", err)
	}
	c.broken = err
	return err
}

// Connect opens a session with target (nil: the default inbox service)
// and negotiates the packet size.
func (c *Client) Connect(ctx context.Context, target []byte) error {
	req := Packet{Code: OpConnect, Prefix: ConnectPrefix(c.opt.MaxPacket)}
	if target != nil {
		req.Headers = append(req.Headers, Bytes(HdrTarget, target))
	}
	resp, err := c.roundTrip(ctx, req)
	if err != nil {
		return err
	}
	if resp.Code != RespSuccess {
		return &ResponseError{Op: "CONNECT", Name: targetName(target), Code: resp.Code}
	}
	c.peer = 255
	if m := int(resp.MaxPacket()); m >= 255 {
		c.peer = m
	}
	c.hasID = false
	if h, ok := resp.Header(HdrConnectionID); ok {
		c.connID, c.hasID = h.Value, true
	}
	c.target = target
	return nil
}

func targetName(t []byte) string {
	switch string(t) {
	case string(TargetFolderBrowsing):
		return "folder-browsing"
	case "":
		return ""
	}
	return string(t)
}

// Disconnect ends the session. It is best effort.
func (c *Client) Disconnect(ctx context.Context) error {
	if c.broken != nil || c.target == nil && !c.hasID {
		return nil
	}
	_, err := c.roundTrip(ctx, Packet{Code: OpDisconnect})
	c.hasID, c.target = false, nil
	return err
}

// transient reports whether a response code is worth retrying.
func transient(code byte) bool {
	switch code {
	case RespForbidden, RespServiceUnavailable, RespDatabaseLocked:
		return true
	}
	return false
}

// retry runs req until it is answered with something other than a
// transient refusal, backing off between tries.
func (c *Client) retry(ctx context.Context, req Packet) (Packet, error) {
	delay := c.opt.RetryDelay
	for try := 0; ; try++ {
		resp, err := c.roundTrip(ctx, req)
		if err != nil || !transient(resp.Code) || try >= c.opt.Retries {
			return resp, err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return Packet{}, ctx.Err()
		case <-t.C:
		}
		delay *= 2
	}
}

// SetPath changes the current folder: to the root when name is "" and up
// is false, one level up when up is set, else into the child name. It
// never lets the phone create a folder.
func (c *Client) SetPath(ctx context.Context, name string, up bool) error {
	flags := SetPathNoCreate
	if up {
		flags |= SetPathBackup
	}
	req := Packet{Code: OpSetPath, Prefix: []byte{flags, 0}}
	if !up {
		req.Headers = []Header{Unicode(HdrName, name)}
	}
	resp, err := c.retry(ctx, req)
	if err != nil {
		return err
	}
	if resp.Code != RespSuccess {
		op := "SETPATH"
		if up {
			op, name = "SETPATH ..", ""
		} else if name == "" {
			name = "/"
		}
		return &ResponseError{Op: op, Name: name, Code: resp.Code}
	}
	return nil
}

// Limits on one GET. A phone that keeps a GET going without ever ending
// it would otherwise hold a read open forever: every round trip has its
// own timeout, but nothing bounded their number.
const (
	// MaxEmptyContinues is how many Continue responses in a row without
	// any body bytes end a GET as a protocol error. Phones send a few
	// (the first answer to a GET often carries only headers); 64 in a row
	// is a phone that is stuck.
	MaxEmptyContinues = 64
	// LengthSlack is how many bytes beyond its Length header an object may
	// run (one packet of the largest size sk-rescue accepts) before the
	// GET fails: enough for a phone that counts a trailing line ending
	// wrong, far short of a body that never ends.
	LengthSlack = 0x4000
	// MaxIrMCBytes caps one IrMC object (a whole phonebook or calendar):
	// a feature phone's 2,000 contacts with photos are a few MiB, so
	// 256 MiB is no phone's data and is a stream that does not end.
	MaxIrMCBytes int64 = 256 << 20
	// MaxObjectBytes caps any one object, files by folder browsing
	// included: 4 GiB is what OBEX's 4-byte Length header can announce
	// and more than any feature phone's memory card file (FAT32 files end
	// at 4 GiB - 1).
	MaxObjectBytes int64 = 4 << 30
)

// Get starts reading the object named name (none when "") of media type
// typ (none when ""), of at most MaxObjectBytes. The returned reader
// streams the body; closing it before the end sends ABORT. Only one
// reader may be open at a time.
func (c *Client) Get(ctx context.Context, name, typ string) (*GetReader, error) {
	return c.GetLimited(ctx, name, typ, MaxObjectBytes)
}

// GetLimited is Get for an object of at most limit bytes: more (or a
// Length header announcing more) fails the read with an error wrapping
// device.ErrProtocol, as do MaxEmptyContinues empty Continue responses in
// a row and a body running past its Length header by more than
// LengthSlack. The GET is aborted then, so the session stays usable.
func (c *Client) GetLimited(ctx context.Context, name, typ string, limit int64) (*GetReader, error) {
	if c.busy {
		return nil, errors.New("obex: a GET is already in progress")
	}
	req := Packet{Code: OpGetFinal}
	if name != "" {
		req.Headers = append(req.Headers, Unicode(HdrName, name))
	}
	if typ != "" {
		req.Headers = append(req.Headers, ASCII(HdrType, typ))
	}
	label := name
	if label == "" {
		label = typ
	}
	resp, err := c.retry(ctx, req)
	if err != nil {
		return nil, err
	}
	g := &GetReader{c: c, ctx: ctx, name: label, length: -1, limit: limit}
	if err := g.take(resp); err != nil {
		if IsResponse(err) {
			return nil, err
		}
		g.abort()
		return nil, fmt.Errorf("obex: GET %s: %w", label, err)
	}
	if !g.done {
		c.busy = true
	}
	return g, nil
}

// GetBytes reads a whole object of at most limit bytes.
func (c *Client) GetBytes(ctx context.Context, name, typ string, limit int64) ([]byte, error) {
	g, err := c.GetLimited(ctx, name, typ, limit)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	b, err := io.ReadAll(io.LimitReader(g, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("obex: GET %s: object larger than %d bytes", g.name, limit)
	}
	return b, nil
}

// GetReader streams one GET's body. Each Read that finds its buffer empty
// asks the phone for the next packet.
type GetReader struct {
	c      *Client
	ctx    context.Context
	name   string
	buf    []byte
	done   bool
	err    error
	length int64
	read   int64 // bytes handed to the caller
	recv   int64 // bytes received
	limit  int64
	empty  int // Continue responses in a row without body bytes
}

// Length is the object's size from the Length header, or -1.
func (g *GetReader) Length() int64 { return g.length }

// take absorbs one response.
func (g *GetReader) take(resp Packet) error {
	switch resp.Code {
	case RespContinue, RespSuccess:
	default:
		g.done = true
		return &ResponseError{Op: "GET", Name: g.name, Code: resp.Code}
	}
	n := 0
	for _, h := range resp.Headers {
		switch h.ID {
		case HdrBody, HdrEndOfBody:
			g.buf = append(g.buf, h.Data...)
			n += len(h.Data)
		case HdrLength:
			g.length = int64(h.Value)
		}
	}
	g.recv += int64(n)
	if resp.Code == RespSuccess {
		g.done = true
	}
	switch {
	case g.length > g.limit:
		return fmt.Errorf("the phone announces %d bytes, more than the %d sk-rescue accepts for one object: %w",
			g.length, g.limit, device.ErrProtocol)
	case g.recv > g.limit:
		return fmt.Errorf("the phone sent more than the %d bytes sk-rescue accepts for one object: %w",
			g.limit, device.ErrProtocol)
	case g.length >= 0 && g.recv > g.length+LengthSlack:
		return fmt.Errorf("the phone sent %d bytes of an object its Length header gives as %d: %w",
			g.recv, g.length, device.ErrProtocol)
	}
	if resp.Code == RespContinue && n == 0 {
		g.empty++
		if g.empty >= MaxEmptyContinues {
			return fmt.Errorf("the phone answered Continue %d times in a row without sending data: %w",
				g.empty, device.ErrProtocol)
		}
	} else {
		g.empty = 0
	}
	return nil
}

func (g *GetReader) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		if g.err != nil {
			return 0, g.err
		}
		if g.done {
			g.finish()
			return 0, io.EOF
		}
		if err := g.ctx.Err(); err != nil {
			g.abort()
			g.err = err
			return 0, err
		}
		resp, err := g.c.roundTrip(g.ctx, Packet{Code: OpGetFinal})
		if err == nil {
			if err = g.take(resp); err != nil {
				g.buf = nil
				g.abort() // the phone still holds the GET open
			}
		}
		if err != nil {
			if g.ctx.Err() != nil {
				err = g.ctx.Err()
			} else {
				err = fmt.Errorf("obex: GET %s after %d bytes: %w", g.name, g.read, err)
			}
			g.err = err
			g.finish()
			return 0, err
		}
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	g.read += int64(n)
	return n, nil
}

func (g *GetReader) finish() { g.c.busy = false }

// abort sends ABORT for an unfinished GET, with its own short deadline
// since the caller's ctx may be done.
func (g *GetReader) abort() {
	if g.done {
		return
	}
	g.done = true
	defer g.finish()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(g.ctx), 2*time.Second)
	defer cancel()
	if _, err := g.c.roundTrip(ctx, Packet{Code: OpAbort}); err != nil {
		g.c.broken = fmt.Errorf("obex: session lost: ABORT failed: %w", err)
	}
}

// Close ends the GET, sending ABORT if the body was not read to its end.
func (g *GetReader) Close() error {
	if g.err == nil && !g.done {
		g.abort()
	}
	g.finish()
	if g.err == nil {
		g.err = errors.New("obex: read after close")
	}
	return nil
}

// Reconnect drops a broken or live session and connects again to the last
// target, for a caller resuming after a failed transfer on a link that is
// still up.
func (c *Client) Reconnect(ctx context.Context) error {
	t := c.target
	c.broken, c.hasID, c.busy = nil, false, false
	c.pr.Reset()
	return c.Connect(ctx, t)
}

// Broken returns why the session is unusable, or nil.
func (c *Client) Broken() error { return c.broken }
