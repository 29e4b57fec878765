package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/recovery"
	"github.com/sk-rescue/sk-rescue/recovery/upload"
	"github.com/sk-rescue/sk-rescue/tui"
)

// tuiAvailable: `sk-rescue` with no arguments on a terminal starts the TUI.
var tuiAvailable = true

// tuiOptions are the flags of `sk-rescue tui`.
type tuiOptions struct {
	Device string // --device: shown (and selected) on the first screen
	Out    string // --out: the folder offered for the export
}

func newTUICmd(e *env) *cobra.Command {
	var opt tuiOptions
	cmd := &cobra.Command{
		Use:   "tui",
		Short: "The guided rescue: choose the phone, see what is on it, copy it, check it",
		Example: `  sk-rescue tui
  sk-rescue tui --device sim --out rescued`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTUI(cmd.Context(), e, opt)
		},
	}
	cmd.Flags().StringVar(&opt.Device, "device", "", "select this handset: serial, bus:addr, vid:pid, sim[:PROFILE], dir:PATH")
	cmd.Flags().StringVar(&opt.Out, "out", "", "output folder (default: sk-rescue-YYYY-MM-DD); an earlier rescue there is resumed")
	return cmd
}

// runTUI runs the TUI, then prints what it did on stderr once the terminal
// is back, so the result stays in the scrollback.
func runTUI(ctx context.Context, e *env, opt tuiOptions) error {
	if opt.Out == "" {
		opt.Out = "sk-rescue-" + time.Now().Format("2006-01-02")
	}
	be := newTUIBackend(opt.Device)
	defer be.Close()
	res, err := tui.Run(ctx, be, tui.Options{
		Device: opt.Device, Out: opt.Out, ToolVersion: version, Advice: adviceFor,
	}, tui.RunOptions{In: e.stdin, Out: e.stdout, NoColor: e.getenv("NO_COLOR") != ""})
	if err != nil {
		return fmt.Errorf("tui: %w", err)
	}
	return tuiResult(e, res)
}

// tuiResult prints the outcome of a TUI session and maps it to the exit
// code, as `sk-rescue export` would.
func tuiResult(e *env, res tui.Result) error {
	switch {
	case res.Out == "":
		return nil // quit before copying anything
	case res.Stopped:
		fmt.Fprintf(e.stderr, "Export stopped. What was copied so far is in %s; run the same again to resume:\n  sk-rescue tui --out %s\n", res.Out, res.Out)
		return exitError{exitFatal}
	case res.Err != nil:
		return res.Err
	case res.Summary == nil:
		return nil
	}
	printExportSummary(e.stderr, res.Summary)
	if res.Verify != nil && !res.Verify.OK {
		fmt.Fprintf(e.stderr, "Verify found %d problems: sk-rescue verify %s\n", len(res.Verify.Problems), res.Out)
		return exitError{exitFatal}
	}
	if code := res.Summary.ExitCode(); code != exitOK {
		return exitError{code}
	}
	return nil
}

// tuiBackend gives the TUI the handsets through the driver wiring.
type tuiBackend struct {
	named string // --device, when it names a simulator or a folder

	mu    sync.Mutex
	entry *tui.Handset // named's entry, once opened
	// kept is named as opened for its entry, handed to the first Open
	// so a large simulator is not generated twice.
	kept device.Handset
}

var (
	_ tui.Backend  = (*tuiBackend)(nil)
	_ tui.Uploader = (*tuiBackend)(nil)
)

func newTUIBackend(selector string) *tuiBackend {
	b := &tuiBackend{}
	if sel, err := device.ParseSelector(selector); err == nil && (sel.Kind == device.SelectSim || sel.Kind == device.SelectDir) {
		// USB enumeration does not list these: the TUI shows them because
		// they were named.
		b.named = selector
	}
	return b
}

// Handsets lists the USB handsets, plus the simulator or folder named with
// --device (opened once to learn what it is).
func (b *tuiBackend) Handsets(ctx context.Context) ([]tui.Handset, error) {
	list, err := listHandsets(ctx)
	var out []tui.Handset
	for _, h := range list {
		out = append(out, tui.Handset{Selector: h.Selector, Maker: h.Maker, Model: h.Model, Serial: h.Serial,
			Protocols: h.Protocols, Battery: h.Battery, Problem: h.Problem})
	}
	if b.named != "" && !slices.ContainsFunc(out, func(h tui.Handset) bool { return h.Selector == b.named }) {
		entry, nerr := b.namedEntry(ctx)
		if nerr != nil && err == nil {
			err = nerr
		}
		if entry != nil {
			out = append(out, *entry)
		}
	}
	return out, err
}

func (b *tuiBackend) namedEntry(ctx context.Context) (*tui.Handset, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.entry != nil {
		return b.entry, nil
	}
	h, err := openHandset(ctx, b.named)
	if err != nil {
		return nil, fmt.Errorf("could not open %s: %w", b.named, err)
	}
	info := h.Info()
	b.kept = h
	b.entry = &tui.Handset{Selector: b.named, Maker: info.Maker, Model: info.Model, Serial: info.Serial,
		Protocols: []string{info.Protocol}, Battery: info.Battery}
	return b.entry, nil
}

func (b *tuiBackend) Open(ctx context.Context, selector string) (tui.Session, error) {
	b.mu.Lock()
	if h := b.kept; h != nil && selector == b.named {
		b.kept = nil
		b.mu.Unlock()
		return tuiSession{h}, nil
	}
	b.mu.Unlock()
	h, err := openHandset(ctx, selector)
	if err != nil {
		return nil, err
	}
	return tuiSession{h}, nil
}

// Close closes the handset kept for a first Open that never came.
func (b *tuiBackend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.kept != nil {
		b.kept.Close()
		b.kept = nil
	}
	return nil
}

// Upload puts an export folder on a server, as `sk-rescue upload` does.
func (b *tuiBackend) Upload(ctx context.Context, dir string, opt upload.Options, rep recovery.Reporter) (*upload.Summary, error) {
	return upload.Run(ctx, dir, opt, rep)
}

func (b *tuiBackend) Verify(ctx context.Context, dir string) (*recovery.VerifyResult, error) {
	return recovery.Verify(ctx, dir, nil)
}

// tuiSession is an opened handset as the TUI sees it.
type tuiSession struct{ h device.Handset }

func (s tuiSession) Info() device.Info { return s.h.Info() }

func (s tuiSession) Inventory(ctx context.Context) (*recovery.Inventory, error) {
	return recovery.TakeInventory(ctx, s.h)
}

func (s tuiSession) Export(ctx context.Context, opt recovery.Options) (*recovery.Summary, error) {
	return recovery.Export(ctx, s.h, opt)
}

func (s tuiSession) Close() error { return s.h.Close() }
