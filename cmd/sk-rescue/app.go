package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/recovery"
	"github.com/sk-rescue/sk-rescue/tui"
)

// version is the tool version written into manifests.
const version = "0.1.0"

// Exit codes: the one place they are decided.
const (
	exitOK      = 0
	exitFatal   = 1 // usage or fatal error
	exitPartial = 2 // done, with items kept raw or failed (listed)
)

// usageError marks errors in how the command was called.
type usageError struct{ error }

// exitError carries a non-zero exit code from a command that printed its
// own result.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// env is what commands read and write, swappable in tests.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// isTerminal reports whether stderr (progress) and stdout are
	// terminals.
	stderrTTY, stdoutTTY bool
	getenv               func(string) string
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	tm.reset(stderr)
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	if f, ok := stderr.(*os.File); ok {
		e.stderrTTY = term.IsTerminal(int(f.Fd()))
	}
	if f, ok := stdout.(*os.File); ok {
		e.stdoutTTY = term.IsTerminal(int(f.Fd()))
	}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	tm.stopProfile()
	return exitCode(err, stderr)
}

// exitCode prints err (if any) and maps it to the process exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(stderr, "sk-rescue: %v\n", err)
	if advice := adviceFor(err); advice != "" {
		fmt.Fprintf(stderr, "  %s\n", advice)
	}
	return exitFatal
}

// adviceFor says what to do next for the errors a user can act on.
func adviceFor(err error) string {
	switch {
	case errors.Is(err, device.ErrNotFound):
		return "Check the cable, unlock the phone and choose \"File transfer\" if it asks; `sk-rescue devices` lists what is attached. To try sk-rescue without a phone: --device sim"
	case errors.Is(err, device.ErrBusy):
		return "Another program holds the phone: unmount it in your file manager (gio mount -u mtp://…) or stop gvfsd-mtp / ModemManager, then retry."
	case errors.Is(err, device.ErrPermission):
		return "The system refused access: install the udev rule from device/usb/70-sk-rescue.rules, or run as root."
	case errors.Is(err, device.ErrLocked):
		return "Unlock the phone and pick \"File transfer\" on its USB prompt, then retry."
	case errors.Is(err, device.ErrDisconnected), errors.Is(err, device.ErrTimeout):
		return "Reconnect the phone (keep it charging) and run the same command again: the export resumes where it stopped."
	}
	return ""
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "sk-rescue",
		Short: "Rescue contacts, calendars, to-dos, notes and photos from a handset, read-only",
		Long: `sk-rescue reads everything a phone holds — contacts, calendars, to-dos, notes,
photos — over USB without ever writing to it, into standard files (vCard,
iCalendar, the photos as they were) with a SHA-256 manifest, and can upload
them to a new CardDAV/CalDAV/WebDAV server.

Try it without a phone:  sk-rescue export --all --device sim --out rescued`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
		RunE: func(cmd *cobra.Command, args []string) error {
			if e.stdoutTTY && e.stderrTTY && tuiAvailable {
				return runTUI(cmd.Context(), e, tuiOptions{})
			}
			return cmd.Help()
		},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().BoolVar(&usbOptions.KeepKernelDrivers, "keep-kernel-drivers", false,
		"never detach a kernel driver from the phone's interface (for umockdev replays, or when another driver must stay bound)")
	var debugTiming bool
	root.PersistentFlags().BoolVar(&debugTiming, "debug-timing", false, "print where the time goes on stderr")
	root.PersistentFlags().StringVar(&tm.profile, "debug-cpuprofile", "", "write a CPU profile of the command to this file")
	_ = root.PersistentFlags().MarkHidden("debug-timing")
	_ = root.PersistentFlags().MarkHidden("debug-cpuprofile")
	root.PersistentPreRun = func(*cobra.Command, []string) {
		if debugTiming {
			tm.enable()
		}
		tm.startProfile()
	}
	root.AddCommand(newDevicesCmd(e), newExportCmd(e), newVerifyCmd(e), newUploadCmd(e), newTUICmd(e))
	return root
}

// result prints v as JSON on stdout with --json, else calls human.
func (e *env) result(asJSON bool, v any, human func()) error {
	if asJSON {
		return e.printJSON(v)
	}
	human()
	return nil
}

// printJSON writes v as indented JSON on stdout.
func (e *env) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newDevicesCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "devices",
		Short: "List connected handsets, their protocols and battery",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := listHandsets(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return e.printJSON(map[string]any{"handsets": list})
			}
			if len(list) == 0 {
				fmt.Fprintln(e.stdout, "No handset found on USB.")
				fmt.Fprintln(e.stdout, "Check the cable, unlock the phone and choose \"File transfer\" if it asks.")
				fmt.Fprintln(e.stdout, "To try sk-rescue without a phone: sk-rescue export --all --device sim --out rescued")
				return nil
			}
			for _, h := range list {
				battery := "battery unknown"
				if h.Battery >= 0 {
					battery = fmt.Sprintf("battery %d%%", h.Battery)
				}
				fmt.Fprintf(e.stdout, "%-10s %s %s  serial %s  %s  %s\n", h.Selector, h.Maker, h.Model, h.Serial,
					strings.Join(h.Protocols, ","), battery)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON on stdout")
	return cmd
}

// kindFlags are the --contacts, --calendar, … switches.
type kindFlags struct {
	all, contacts, calendar, todos, notes, photos, files bool
}

func (k *kindFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&k.all, "all", false, "everything (the default when no kind is named)")
	f.BoolVar(&k.contacts, "contacts", false, "contacts")
	f.BoolVar(&k.calendar, "calendar", false, "calendar events")
	f.BoolVar(&k.todos, "todos", false, "to-dos")
	f.BoolVar(&k.notes, "notes", false, "notes")
	f.BoolVar(&k.photos, "photos", false, "photos")
	f.BoolVar(&k.files, "files", false, "other files")
}

func (k *kindFlags) kinds() []device.Kind {
	if k.all {
		return nil
	}
	var out []device.Kind
	for _, c := range []struct {
		on   bool
		kind device.Kind
	}{{k.contacts, device.KindContact}, {k.calendar, device.KindEvent}, {k.todos, device.KindTodo},
		{k.notes, device.KindNote}, {k.photos, device.KindPhoto}, {k.files, device.KindFile}} {
		if c.on {
			out = append(out, c.kind)
		}
	}
	return out
}

func newExportCmd(e *env) *cobra.Command {
	var (
		kf       kindFlags
		selector string
		out      string
		asJSON   bool
		vcardVer string
	)
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Read everything off the handset into a folder (read-only; resumes when rerun)",
		Example: `  sk-rescue export --all --device sim --out rescued
  sk-rescue export --contacts --calendar --out case-1234 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				out = "sk-rescue-" + time.Now().Format("2006-01-02")
			}
			ctx := cmd.Context()
			h, err := openHandset(ctx, selector)
			if err != nil {
				return err
			}
			defer func() { h.Close(); tm.mark("handset closed") }()
			info := h.Info()
			if !asJSON || e.stderrTTY {
				fmt.Fprintf(e.stderr, "Handset: %s %s (serial %s, %s)%s\n", info.Maker, info.Model, info.Serial, info.Protocol, batteryNote(info.Battery))
			}
			rep := newProgress(e, asJSON)
			sum, err := recovery.Export(ctx, h, recovery.Options{
				Out: out, Kinds: kf.kinds(), VCardVersion: vcardVer,
				Reporter: tm.reporter(recovery.Throttle(rep, 100*time.Millisecond)), ToolVersion: version,
			})
			tm.mark("export returned")
			rep.finish()
			if err != nil {
				return err
			}
			if err := e.result(asJSON, sum, func() { printExportSummary(e.stderr, sum) }); err != nil {
				return err
			}
			if code := sum.ExitCode(); code != exitOK {
				return exitError{code}
			}
			return nil
		},
	}
	kf.add(cmd)
	cmd.Flags().StringVar(&selector, "device", "", "which handset: serial, bus:addr, vid:pid, sim[:PROFILE], dir:PATH (default: the only one attached)")
	cmd.Flags().StringVar(&out, "out", "", "output folder (default: sk-rescue-YYYY-MM-DD); rerun with the same folder to resume")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON summary on stdout")
	cmd.Flags().StringVar(&vcardVer, "vcard", "3.0", "vCard version written: 3.0 or 4.0")
	return cmd
}

func batteryNote(b int) string {
	switch {
	case b < 0:
		return ""
	case b < 20:
		return fmt.Sprintf(", battery %d%% — plug in a charger and do not restart the phone", b)
	}
	return fmt.Sprintf(", battery %d%%", b)
}

func printExportSummary(w io.Writer, s *recovery.Summary) {
	fmt.Fprintf(w, "Rescued into %s:\n", s.Out)
	for _, k := range device.Kinds {
		if n := s.Counts[k]; n > 0 {
			fmt.Fprintf(w, "  %-8s %d\n", k+"s", n)
		}
	}
	fmt.Fprintf(w, "  %d items, %s read from the handset", s.Items, tui.HumanBytes(s.Bytes))
	if s.Resumed > 0 {
		fmt.Fprintf(w, " (%d already in the folder from an earlier run)", s.Resumed)
	}
	fmt.Fprintln(w)
	if len(s.Warnings) > 0 {
		fmt.Fprintf(w, "  %d warnings (see manifest.json)\n", len(s.Warnings))
	}
	for _, r := range s.KeptRaw {
		fmt.Fprintf(w, "  kept raw: %s %s (%s): %s\n", r.Kind, r.Name, r.Raw, r.Reason)
	}
	for _, r := range s.Partial {
		fmt.Fprintf(w, "  PARTIAL:  %s %s (%s, what came is kept): %s\n", r.Kind, r.Name, r.Raw, r.Reason)
	}
	for _, r := range s.Failed {
		fmt.Fprintf(w, "  FAILED:   %s %s: %s\n", r.Kind, r.Name, r.Reason)
	}
	if len(s.Failed) > 0 || len(s.Partial) > 0 {
		fmt.Fprintln(w, "Some items could not be read in full: reconnect the phone and run the same command again to retry them.")
	}
	fmt.Fprintf(w, "Check it any time with: sk-rescue verify %s\n", s.Out)
}

func newVerifyCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Re-hash every file of an export against its manifest",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := recovery.Verify(cmd.Context(), args[0], nil)
			if err != nil {
				return err
			}
			if asJSON {
				if err := e.printJSON(res); err != nil {
					return err
				}
			} else if res.OK {
				fmt.Fprintf(e.stdout, "OK: %d files, %s, all match the manifest.\n", res.Files, tui.HumanBytes(res.Bytes))
			} else {
				fmt.Fprintf(e.stdout, "FAILED: %d of the files the manifest names do not match:\n", len(res.Problems))
				for _, p := range res.Problems {
					fmt.Fprintf(e.stdout, "  %s: %s\n", p.Path, p.Problem)
				}
				fmt.Fprintln(e.stdout, "The files above were changed or removed after the export. Export again from the handset if you still have it.")
			}
			if !res.OK {
				return exitError{exitFatal}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON on stdout")
	return cmd
}
