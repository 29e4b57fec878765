package tui

import (
	"context"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/recovery"
)

// Handset is one entry of the Handsets screen: a handset that is attached
// (or a simulator named on the command line), not yet opened.
type Handset struct {
	// Selector opens it through Backend.Open ("sim", "1:7", a serial).
	Selector string
	Maker    string
	Model    string
	Serial   string
	// Protocols it offers: "mtp", "obex", "at", "adb", "dir".
	Protocols []string
	// Battery in percent, or -1 when unknown before opening.
	Battery int
	// Problem says why it cannot be opened (permissions, another program
	// holds it), or "".
	Problem string
}

// Backend is what the TUI needs from the rest of sk-rescue. Every method may
// be slow (USB round trips) and is only ever called from a tea.Cmd.
type Backend interface {
	// Handsets lists what is attached now. An empty list is not an error;
	// an error means the list could not be taken at all (no permission
	// to the USB bus, say).
	Handsets(ctx context.Context) ([]Handset, error)
	// Open opens the handset a selector names, for reading only.
	Open(ctx context.Context, selector string) (Session, error)
	// Verify re-hashes an export folder against its manifest.
	Verify(ctx context.Context, dir string) (*recovery.VerifyResult, error)
}

// Session is one opened handset. Its methods are called one at a time.
type Session interface {
	// Info is what the handset said about itself when opened.
	Info() device.Info
	// Inventory lists the handset once and counts what it holds.
	Inventory(ctx context.Context) (*recovery.Inventory, error)
	// Export copies the handset into opt.Out, as recovery.Export does,
	// reporting progress to opt.Reporter. A cancelled ctx stops it; what
	// was copied stays and a later Export into the same folder resumes.
	Export(ctx context.Context, opt recovery.Options) (*recovery.Summary, error)
	// Close ends the session; best effort.
	Close() error
}
