package device

import "context"

// Link is one USB function's endpoints as a protocol driver sees them: a bulk
// OUT pipe, a bulk IN pipe and an optional interrupt IN pipe, with USB
// transfer semantics. device/usb implements it over gousb; device/sim over an
// in-memory bus, so every driver is tested without hardware.
//
// Transfer semantics (USB 2.0 §5.8): data moves in packets of
// MaxPacketSize bytes. A transfer ends when the reader's buffer is full or
// when a short packet arrives; a sender whose transfer length is a multiple
// of MaxPacketSize ends it with a zero-length packet (ZLP).
type Link interface {
	// Write sends p as one bulk OUT transfer. A Write of an empty slice sends
	// a ZLP: a driver whose protocol ends a transfer of a multiple of
	// MaxPacketSize with one sends it itself, as it must over real USB.
	Write(ctx context.Context, p []byte) (int, error)
	// Read receives one bulk IN transfer into p: it returns when p is full,
	// or after a short or zero-length packet, whichever comes first. Callers
	// pass a buffer that is a multiple of MaxPacketSize. A return of 0, nil
	// is a ZLP.
	Read(ctx context.Context, p []byte) (int, error)
	// ReadInterrupt receives one interrupt IN transfer (MTP events, CDC
	// notifications). It blocks until one arrives or ctx ends.
	ReadInterrupt(ctx context.Context, p []byte) (int, error)
	// Control performs a class or vendor control transfer on endpoint 0
	// (PTP Cancel Request 0x64, Get Device Status 0x67; CDC
	// SET_CONTROL_LINE_STATE). For IN requests data receives the reply.
	Control(ctx context.Context, requestType, request uint8, value, index uint16, data []byte) (int, error)
	// MaxPacketSize is the bulk endpoints' packet size: 64 full speed, 512
	// high speed, 1024 super speed.
	MaxPacketSize() int
	// Close releases the interface.
	Close() error
}
