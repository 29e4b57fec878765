// Package obex is an OBEX client (IrDA Object Exchange 1.2, as carried by a
// USB CDC-WMC OBEX function's bulk pipes) and the device.Handset adapter
// that reads a feature phone through it: the IrMC sync service (IrMC 1.1,
// target "IRMC-SYNC": telecom/pb.vcf, telecom/cal.vcs, telecom/nt.vnt) for
// contacts, calendars and notes, and the Folder Browsing service (target
// F9EC7BC4-953C-11D2-984E-525400DC9E09, x-obex/folder-listing) for photos.
//
// The wire codec here is shared with the simulated phone in
// device/sim/featurephone, so both ends of every test speak the same bytes.
// The client never sends PUT, DELETE or a SETPATH that may create a folder.
package obex

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"

	"github.com/sk-rescue/sk-rescue/device"
)

// Request opcodes (OBEX 1.2 §3.3). The final bit 0x80 ends a request.
const (
	OpConnect    byte = 0x80
	OpDisconnect byte = 0x81
	OpPut        byte = 0x02
	OpPutFinal   byte = 0x82
	OpGet        byte = 0x03
	OpGetFinal   byte = 0x83
	OpSetPath    byte = 0x85
	OpAbort      byte = 0xFF
)

// Response codes, final bit included (OBEX 1.2 §3.2.1).
const (
	RespContinue           byte = 0x90
	RespSuccess            byte = 0xA0
	RespCreated            byte = 0xA1
	RespBadRequest         byte = 0xC0
	RespUnauthorized       byte = 0xC1
	RespForbidden          byte = 0xC3
	RespNotFound           byte = 0xC4
	RespNotAcceptable      byte = 0xC6
	RespUnsupportedMedia   byte = 0xCF
	RespInternalError      byte = 0xD0
	RespNotImplemented     byte = 0xD1
	RespServiceUnavailable byte = 0xD3
	RespDatabaseFull       byte = 0xE0
	RespDatabaseLocked     byte = 0xE1
)

// Header identifiers (OBEX 1.2 §2.1). The top two bits give the encoding:
// 00 NUL-terminated UTF-16BE text, 01 byte sequence, both with a 2-byte
// length; 10 one byte; 11 four bytes.
const (
	HdrCount        byte = 0xC0
	HdrName         byte = 0x01
	HdrType         byte = 0x42
	HdrLength       byte = 0xC3
	HdrTime         byte = 0x44
	HdrDescription  byte = 0x05
	HdrTarget       byte = 0x46
	HdrHTTP         byte = 0x47
	HdrBody         byte = 0x48
	HdrEndOfBody    byte = 0x49
	HdrWho          byte = 0x4A
	HdrConnectionID byte = 0xCB
	HdrAppParams    byte = 0x4C
)

// SETPATH flags (OBEX 1.2 §3.3.6).
const (
	// SetPathBackup goes up one level before applying Name.
	SetPathBackup byte = 0x01
	// SetPathNoCreate forbids the server to create the folder. sk-rescue
	// always sets it; a SETPATH without it is a mutating request.
	SetPathNoCreate byte = 0x02
)

// Version is the OBEX protocol version sent in CONNECT (1.0).
const Version byte = 0x10

// Targets of the services sk-rescue uses.
var (
	TargetIrMC = []byte("IRMC-SYNC")
	// TargetFolderBrowsing is F9EC7BC4-953C-11D2-984E-525400DC9E09.
	TargetFolderBrowsing = []byte{0xF9, 0xEC, 0x7B, 0xC4, 0x95, 0x3C, 0x11, 0xD2,
		0x98, 0x4E, 0x52, 0x54, 0x00, 0xDC, 0x9E, 0x09}
)

// ErrMalformed is returned for bytes that are not an OBEX packet; it wraps
// device.ErrProtocol.
var ErrMalformed = fmt.Errorf("obex: malformed packet: %w", device.ErrProtocol)

// Header is one OBEX header. Text headers (top bits 00) hold their UTF-16BE
// bytes, terminator included, in Data; byte sequences hold them as sent;
// one- and four-byte headers hold their value in Value.
type Header struct {
	ID    byte
	Data  []byte
	Value uint32
}

// Unicode returns a text header holding s as NUL-terminated UTF-16BE. An
// empty s gives an empty header (no terminator), as SETPATH to the root and
// "current folder" requests use.
func Unicode(id byte, s string) Header {
	if s == "" {
		return Header{ID: id}
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u)+2)
	for _, c := range u {
		b = binary.BigEndian.AppendUint16(b, c)
	}
	return Header{ID: id, Data: append(b, 0, 0)}
}

// Bytes returns a byte-sequence header.
func Bytes(id byte, b []byte) Header { return Header{ID: id, Data: b} }

// ASCII returns a byte-sequence header holding s NUL-terminated, as the
// Type header is sent.
func ASCII(id byte, s string) Header { return Header{ID: id, Data: append([]byte(s), 0)} }

// U32 returns a four-byte header.
func U32(id byte, v uint32) Header { return Header{ID: id, Value: v} }

// Text decodes a text header (UTF-16BE, NUL-terminated) or an ASCII byte
// sequence header (Type), without the terminator.
func (h Header) Text() (string, error) {
	switch h.ID & 0xC0 {
	case 0x00:
		d := h.Data
		if len(d)%2 != 0 {
			return "", fmt.Errorf("obex: header 0x%02x: odd UTF-16 length %d: %w", h.ID, len(d), ErrMalformed)
		}
		u := make([]uint16, 0, len(d)/2)
		for i := 0; i+1 < len(d); i += 2 {
			u = append(u, binary.BigEndian.Uint16(d[i:]))
		}
		for len(u) > 0 && u[len(u)-1] == 0 {
			u = u[:len(u)-1]
		}
		return string(utf16.Decode(u)), nil
	case 0x40:
		d := h.Data
		for len(d) > 0 && d[len(d)-1] == 0 {
			d = d[:len(d)-1]
		}
		return string(d), nil
	}
	return "", fmt.Errorf("obex: header 0x%02x is not text", h.ID)
}

// size is the header's encoded length.
func (h Header) size() int {
	switch h.ID & 0xC0 {
	case 0x80:
		return 2
	case 0xC0:
		return 5
	}
	return 3 + len(h.Data)
}

func (h Header) append(b []byte) []byte {
	b = append(b, h.ID)
	switch h.ID & 0xC0 {
	case 0x80:
		return append(b, byte(h.Value))
	case 0xC0:
		return binary.BigEndian.AppendUint32(b, h.Value)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(3+len(h.Data)))
	return append(b, h.Data...)
}

// Packet is one OBEX request or response. Prefix holds the fixed fields
// some packets carry between the length and the headers: four bytes
// (version, flags, maximum packet length) in CONNECT and its response, two
// (flags, constants) in SETPATH.
type Packet struct {
	Code    byte
	Prefix  []byte
	Headers []Header
}

// ConnectPrefix returns the fixed CONNECT fields.
func ConnectPrefix(maxPacket uint16) []byte {
	return binary.BigEndian.AppendUint16([]byte{Version, 0}, maxPacket)
}

// MaxPacket returns the maximum packet length a CONNECT or its response
// announces, or 0 when the prefix does not hold one.
func (p Packet) MaxPacket() uint16 {
	if len(p.Prefix) < 4 {
		return 0
	}
	return binary.BigEndian.Uint16(p.Prefix[2:])
}

// Header returns the first header with id.
func (p Packet) Header(id byte) (Header, bool) {
	for _, h := range p.Headers {
		if h.ID == id {
			return h, true
		}
	}
	return Header{}, false
}

// Len is the encoded length of p.
func (p Packet) Len() int {
	n := 3 + len(p.Prefix)
	for _, h := range p.Headers {
		n += h.size()
	}
	return n
}

// Marshal encodes p. A packet longer than 65535 bytes cannot be encoded.
func (p Packet) Marshal() ([]byte, error) {
	n := p.Len()
	if n > 0xFFFF {
		return nil, fmt.Errorf("obex: packet of %d bytes exceeds 65535", n)
	}
	for _, h := range p.Headers {
		if h.ID&0x80 == 0 && 3+len(h.Data) > 0xFFFF {
			return nil, fmt.Errorf("obex: header 0x%02x too long", h.ID)
		}
	}
	b := make([]byte, 0, n)
	b = append(b, p.Code)
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	b = append(b, p.Prefix...)
	for _, h := range p.Headers {
		b = h.append(b)
	}
	return b, nil
}

// PrefixLen is the number of fixed bytes after the length of a request with
// opcode op, or of the response to it.
func PrefixLen(op byte) int {
	switch op {
	case OpConnect:
		return 4
	case OpSetPath:
		return 2
	}
	return 0
}

// Parse decodes one whole packet whose fixed fields take prefix bytes. The
// packet's length field must equal len(b). Header data alias b.
func Parse(b []byte, prefix int) (Packet, error) {
	if len(b) < 3+prefix {
		return Packet{}, fmt.Errorf("obex: %d bytes is too short: %w", len(b), ErrMalformed)
	}
	if n := int(binary.BigEndian.Uint16(b[1:])); n != len(b) {
		return Packet{}, fmt.Errorf("obex: length field %d, packet %d bytes: %w", n, len(b), ErrMalformed)
	}
	p := Packet{Code: b[0], Prefix: b[3 : 3+prefix]}
	hs, err := ParseHeaders(b[3+prefix:])
	p.Headers = hs
	return p, err
}

// ParseRequest decodes a request, taking its fixed fields from its opcode.
func ParseRequest(b []byte) (Packet, error) {
	if len(b) == 0 {
		return Packet{}, fmt.Errorf("obex: empty packet: %w", ErrMalformed)
	}
	return Parse(b, PrefixLen(b[0]))
}

// maxHeaders bounds the headers one packet may hold (each takes ≥ 2 bytes
// anyway; this only bounds the slice for hostile input).
const maxHeaders = 4096

// ParseHeaders decodes a header sequence.
func ParseHeaders(b []byte) ([]Header, error) {
	var hs []Header
	for len(b) > 0 {
		if len(hs) >= maxHeaders {
			return hs, fmt.Errorf("obex: more than %d headers: %w", maxHeaders, ErrMalformed)
		}
		id := b[0]
		switch id & 0xC0 {
		case 0x80:
			if len(b) < 2 {
				return hs, fmt.Errorf("obex: truncated header 0x%02x: %w", id, ErrMalformed)
			}
			hs = append(hs, Header{ID: id, Value: uint32(b[1])})
			b = b[2:]
		case 0xC0:
			if len(b) < 5 {
				return hs, fmt.Errorf("obex: truncated header 0x%02x: %w", id, ErrMalformed)
			}
			hs = append(hs, Header{ID: id, Value: binary.BigEndian.Uint32(b[1:])})
			b = b[5:]
		default:
			if len(b) < 3 {
				return hs, fmt.Errorf("obex: truncated header 0x%02x: %w", id, ErrMalformed)
			}
			n := int(binary.BigEndian.Uint16(b[1:]))
			if n < 3 || n > len(b) {
				return hs, fmt.Errorf("obex: header 0x%02x claims %d bytes, %d left: %w", id, n, len(b), ErrMalformed)
			}
			hs = append(hs, Header{ID: id, Data: b[3:n:n]})
			b = b[n:]
		}
	}
	return hs, nil
}

// Transfers is one direction of a USB function's bulk pipes: a
// device.Link's Read and Write, or a simulated device end.
type Transfers interface {
	Read(ctx context.Context, p []byte) (int, error)
	Write(ctx context.Context, p []byte) (int, error)
}

// maxZLPs bounds zero-length transfers in a row while a packet is awaited.
const maxZLPs = 16

// PacketReader reassembles OBEX packets from bulk transfers. A packet may
// arrive split over several USB packets and transfers, or share a transfer
// with the next; only its 2-byte length says where it ends.
type PacketReader struct {
	// Check, when set, vets a packet's code and length as soon as they
	// arrive, so garbage is refused at once instead of waiting for tens of
	// kilobytes that will never come.
	Check   func(code byte, length int) error
	r       Transfers
	chunk   []byte
	pending []byte
}

// NewPacketReader reads from r, whose bulk packets are mps bytes.
func NewPacketReader(r Transfers, mps int) *PacketReader {
	if mps <= 0 {
		mps = 512
	}
	n := 64 << 10
	n -= n % mps
	if n == 0 {
		n = mps
	}
	return &PacketReader{r: r, chunk: make([]byte, n)}
}

// Next returns the next whole packet. The slice is valid until the next
// call. An error other than ctx's leaves the stream unsynchronised: call
// Reset before reading again.
func (pr *PacketReader) Next(ctx context.Context) ([]byte, error) {
	zlps := 0
	for {
		if len(pr.pending) >= 3 {
			n := int(binary.BigEndian.Uint16(pr.pending[1:]))
			if n < 3 {
				return nil, fmt.Errorf("obex: packet length %d: %w", n, ErrMalformed)
			}
			if pr.Check != nil {
				if err := pr.Check(pr.pending[0], n); err != nil {
					return nil, err
				}
			}
			if len(pr.pending) >= n {
				pkt := pr.pending[:n:n]
				pr.pending = pr.pending[n:]
				if len(pr.pending) == 0 {
					pr.pending = nil
				}
				return pkt, nil
			}
		}
		k, err := pr.r.Read(ctx, pr.chunk)
		if k > 0 {
			pr.pending = append(pr.pending, pr.chunk[:k]...)
			zlps = 0
		} else if err == nil {
			if zlps++; zlps > maxZLPs {
				return nil, fmt.Errorf("obex: %d empty transfers in a row: %w", zlps, device.ErrProtocol)
			}
		}
		if err != nil {
			return nil, err
		}
	}
}

// Buffered reports how many bytes of a following packet are held.
func (pr *PacketReader) Buffered() int { return len(pr.pending) }

// Reset drops any partly received packet.
func (pr *PacketReader) Reset() { pr.pending = nil }

// WritePacket sends b as one bulk OUT transfer over w, followed by a
// zero-length packet when its length is a multiple of mps (USB 2.0 §5.8.3),
// so the receiver sees the transfer end.
func WritePacket(ctx context.Context, w Transfers, mps int, b []byte) error {
	if _, err := w.Write(ctx, b); err != nil {
		return err
	}
	if mps > 0 && len(b)%mps == 0 {
		if _, err := w.Write(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// ValidResponse reports whether code is a response code OBEX 1.2 defines
// (final bit set).
func ValidResponse(code byte) bool {
	switch {
	case code == RespContinue, code >= 0xA0 && code <= 0xA6, code >= 0xB0 && code <= 0xB5,
		code >= 0xC0 && code <= 0xCF, code >= 0xD0 && code <= 0xD5, code == 0xE0, code == 0xE1:
		return true
	}
	return false
}

// RespName names a response code.
func RespName(code byte) string {
	switch code | 0x80 {
	case RespContinue:
		return "Continue"
	case RespSuccess:
		return "Success"
	case RespCreated:
		return "Created"
	case RespBadRequest:
		return "Bad Request"
	case RespUnauthorized:
		return "Unauthorized"
	case RespForbidden:
		return "Forbidden"
	case RespNotFound:
		return "Not Found"
	case RespNotAcceptable:
		return "Not Acceptable"
	case RespUnsupportedMedia:
		return "Unsupported Media Type"
	case RespInternalError:
		return "Internal Server Error"
	case RespNotImplemented:
		return "Not Implemented"
	case RespServiceUnavailable:
		return "Service Unavailable"
	case RespDatabaseFull:
		return "Database Full"
	case RespDatabaseLocked:
		return "Database Locked"
	}
	return "response"
}

// ResponseError is a request the phone answered with something other than
// Continue or Success.
type ResponseError struct {
	Op   string // "GET", "CONNECT", "SETPATH"
	Name string // the object or folder, when there is one
	Code byte
}

func (e *ResponseError) Error() string {
	s := "obex: " + e.Op
	if e.Name != "" {
		s += " " + e.Name
	}
	return fmt.Sprintf("%s: phone answered %s (0x%02X)", s, RespName(e.Code), e.Code)
}

// IsResponse reports whether err is a ResponseError with one of codes (any
// code when none are given).
func IsResponse(err error, codes ...byte) bool {
	var re *ResponseError
	if !errors.As(err, &re) {
		return false
	}
	if len(codes) == 0 {
		return true
	}
	for _, c := range codes {
		if re.Code|0x80 == c|0x80 {
			return true
		}
	}
	return false
}
