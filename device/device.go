// Package device holds what every handset driver shares: the Handset
// interface the recovery pipeline reads through, the Item and Info values it
// returns, the small Link interface protocol drivers speak over (real USB in
// device/usb, an in-memory bus in device/sim), and the selector syntax used to
// pick one handset.
//
// It also holds what the driver registry (device/registry) is made of:
// Driver (one per protocol package), Source and Port (a handset's functions
// keyed by link protocol, as device/usb and the simulators supply them),
// SimProfile and Finder; and the optional abilities a handset may offer
// beside BatteryReader (features.go: Warner, Incompleter), each asserted at
// compile time by the drivers that have it.
//
// A Handset is read-only by contract: no implementation may send an operation
// that writes to, deletes from or resets the phone. The simulators in
// device/sim count every such request so tests can prove the count is zero.
package device

import (
	"context"
	"errors"
	"io"
	"time"
)

// Kind is what a record or object on the handset is.
type Kind string

// The kinds sk-rescue rescues. A raw object (one IrMC telecom/cal.vcs, say)
// may hold records of several kinds; its Item.Kind is then the main one and
// formats splits it.
const (
	KindContact Kind = "contact"
	KindEvent   Kind = "event"
	KindTodo    Kind = "todo"
	KindNote    Kind = "note"
	KindPhoto   Kind = "photo"
	KindFile    Kind = "file"
)

// Kinds lists every Kind in the order reports print them.
var Kinds = []Kind{KindContact, KindEvent, KindTodo, KindNote, KindPhoto, KindFile}

// ParseKind returns the Kind named by s, accepting the plural forms the
// command line uses ("contacts", "photos", "calendar" for events).
func ParseKind(s string) (Kind, bool) {
	switch s {
	case "contact", "contacts":
		return KindContact, true
	case "event", "events", "calendar", "calendars":
		return KindEvent, true
	case "todo", "todos", "task", "tasks":
		return KindTodo, true
	case "note", "notes":
		return KindNote, true
	case "photo", "photos":
		return KindPhoto, true
	case "file", "files":
		return KindFile, true
	}
	return "", false
}

// Item is one raw object on the handset as its listing describes it. Every
// string in it comes from the device and is untrusted: it must be sanitized
// before it becomes part of a path.
type Item struct {
	Kind Kind `json:"kind"`
	// ID is stable on this handset across sessions where the protocol allows
	// (MTP persistent UID or handle, OBEX path, "SM:17", a row id). Resume
	// matches on it.
	ID string `json:"id"`
	// Name is the object's name as the handset gives it.
	Name string `json:"name"`
	// Folder is the object's folder on the handset ("/DCIM/100SIDEK"), slash
	// separated, for photos and files.
	Folder string `json:"folder,omitempty"`
	// Size in bytes, or -1 when the listing does not say.
	Size int64 `json:"size"`
	// Modified is the handset's modification time; zero when unknown.
	Modified time.Time `json:"modified,omitzero"`
	// Format is the media type of the raw bytes: "text/x-vcard;version=2.1",
	// "text/x-vcalendar", "text/calendar", "text/x-vnote", "image/jpeg",
	// "application/octet-stream".
	Format string `json:"format"`
}

// Info describes an opened handset.
type Info struct {
	Maker    string `json:"maker"`
	Model    string `json:"model"`
	Serial   string `json:"serial"`
	Firmware string `json:"firmware,omitempty"`
	// Protocol is the protocol the handset was opened through: "mtp",
	// "obex", "at", "adb", "dir"; several joined by "+" when a driver
	// combines interfaces.
	Protocol string `json:"protocol"`
	// Battery is the charge in percent at open time, or -1 when the handset
	// does not report it.
	Battery int `json:"battery"`
	// Location is where the handset was found: "usb:1:7", "sim:sidekick",
	// "dir:/media/card".
	Location string `json:"location,omitempty"`
}

// Handset is an opened phone, read through one protocol.
//
// Implementations never modify the handset. Methods may be called from one
// goroutine at a time; protocol sessions are strictly serial.
type Handset interface {
	// Info returns what the handset said about itself when opened.
	Info() Info
	// List returns the objects of the given kinds (all kinds when none are
	// given) in one pass with as few round trips as the protocol allows. The
	// order is stable for an unchanged handset.
	List(ctx context.Context, kinds ...Kind) ([]Item, error)
	// Open streams one object's raw bytes exactly as the handset sends them.
	// A read error from the returned reader means the object was not read
	// whole; the caller decides whether to retry.
	Open(ctx context.Context, it Item) (io.ReadCloser, error)
	// Close ends the session. It is best effort: a handset that is already
	// gone is not an error worth reporting.
	Close() error
}

// BatteryReader is implemented by handsets that can report their charge
// while open, so a long export can show it falling.
type BatteryReader interface {
	// Battery returns the charge in percent.
	Battery(ctx context.Context) (int, error)
}

// Sentinel errors shared by every driver. Drivers wrap them with context; the
// command line maps them to advice.
var (
	// ErrNotFound: no handset matches the selector.
	ErrNotFound = errors.New("no handset found")
	// ErrBusy: another program or a kernel driver holds the interface.
	ErrBusy = errors.New("handset is busy")
	// ErrPermission: the operating system refused access to the device.
	ErrPermission = errors.New("permission denied")
	// ErrDisconnected: the handset went away mid-session.
	ErrDisconnected = errors.New("handset disconnected")
	// ErrTimeout: the handset did not answer in time.
	ErrTimeout = errors.New("handset did not answer in time")
	// ErrLocked: the handset answers but shows no storage (locked screen,
	// "charging only" mode).
	ErrLocked = errors.New("handset is locked or not in file transfer mode")
	// ErrProtocol: the handset sent something the protocol does not allow.
	ErrProtocol = errors.New("protocol error")
	// ErrReadOnly is returned by sk-rescue's own code when something tries a
	// mutating operation; it should never be seen.
	ErrReadOnly = errors.New("refused: sk-rescue never writes to a handset")
)
