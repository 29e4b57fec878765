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
	"syscall"

	"github.com/sk-rescue/sk-rescue/device/usb"
)

func main() {
	usb.SpareProcessor()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
