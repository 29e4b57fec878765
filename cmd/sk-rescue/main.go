// Command sk-rescue rescues the contacts, calendars, to-dos, notes and photos
// stranded on a handset whose sync service has died: it reads them off the
// phone over USB, read-only, into standard files with a verifiable manifest,
// and can upload them to a new CardDAV/CalDAV/WebDAV server.
//
// Run it with no arguments on a terminal for the guided TUI, or see
// `sk-rescue --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

func main() {
	spareProcessor()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// spareProcessor gives the Go scheduler a second P on a one-processor
// machine unless GOMAXPROCS is set. Every USB transfer is a blocking cgo
// call (device/usb), and with a single P the runtime's sysmon takes that
// P away from each call after 20 µs and starts a spinning thread to use
// it; the call then waits for the P on its way back. In the USB lab's
// one-CPU guest that cost 0.6 ms per transfer, and halved MTP listing
// (43 transactions: 197 → 82 ms) and the whole export (1.3 → 1.1 s) when
// a second P was there (docs/BENCHMARKS.md, "USB lab"). With a P idle,
// sysmon leaves a P in a syscall alone. On two processors or more nothing
// changes.
func spareProcessor() {
	if os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
}
