package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/recovery"
	"github.com/sk-rescue/sk-rescue/recovery/upload"
)

// passwordEnv is the environment variable a script passes the password in.
const passwordEnv = "SK_RESCUE_PASSWORD"

func newUploadCmd(e *env) *cobra.Command {
	var (
		opt          upload.Options
		passwordFile string
		only         []string
		asJSON       bool
	)
	cmd := &cobra.Command{
		Use:   "upload DIR --server URL",
		Short: "Put an export on a new CardDAV/CalDAV/WebDAV server (idempotent, resumable, verified)",
		Long: `upload puts every contact, event, to-do and photo of an export folder on a
new server exactly once: rerunning it sends nothing that is already there, and
it ends by listing the server to prove every item arrived.

The password is read from the SK_RESCUE_PASSWORD environment variable, from
--password-file, or asked for on the terminal; it is never taken from the
command line, and never printed, logged or written to the journal.`,
		Example: `  sk-rescue upload rescued --server https://dav.example.com --user jane
  sk-rescue upload rescued --server https://cloud.example.com/remote.php/dav/ --user jane \
      --password-file ~/.config/sk-rescue/pass --photos-url https://cloud.example.com/remote.php/dav/files/jane/Phone/
  sk-rescue upload rescued --server http://127.0.0.1:5232 --user jane --dry-run --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, o := range only {
				for _, name := range strings.Split(o, ",") {
					k, ok := device.ParseKind(strings.TrimSpace(name))
					if !ok || k == device.KindNote || k == device.KindFile {
						return usageError{fmt.Errorf("--only %q: choose from contacts, calendar, todos, photos", name)}
					}
					opt.Only = append(opt.Only, k)
				}
			}
			for flag, raw := range map[string]string{"--server": opt.Server, "--photos-url": opt.PhotosURL} {
				if u, err := url.Parse(raw); err == nil && u.User != nil {
					if _, has := u.User.Password(); has {
						fmt.Fprintf(e.stderr, "warning: a password inside %s is visible to other users of this computer; use %s or --password-file next time\n", flag, passwordEnv)
					}
				}
			}
			if opt.User != "" {
				pw, err := e.password(passwordFile)
				if err != nil {
					return err
				}
				opt.Password = pw
			}
			rep := newProgress(e, asJSON)
			sum, err := upload.Run(cmd.Context(), args[0], opt, recovery.Throttle(rep, 100*time.Millisecond))
			rep.finish()
			if err != nil {
				return err
			}
			if err := e.result(asJSON, sum, func() { printUploadSummary(e.stdout, sum) }); err != nil {
				return err
			}
			if !sum.Clean() {
				return exitError{exitPartial}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.Server, "server", "", "CardDAV/CalDAV server: a URL or a bare domain (discovered as RFC 6764 says)")
	f.StringVar(&opt.User, "user", "", "user name on the server")
	f.StringVar(&passwordFile, "password-file", "", "read the password from the first line of this file")
	f.StringVar(&opt.Addressbook, "addressbook", "", `address book to use: its name, or "default" (default: one named after the rescue, created when missing)`)
	f.StringVar(&opt.Calendar, "calendar", "", `calendar to use: its name, or "default"`)
	f.StringVar(&opt.Tasks, "tasks", "", "task list for to-dos (default: the calendar when it takes to-dos, else a task list beside it)")
	f.StringVar(&opt.PhotosURL, "photos-url", "", "WebDAV folder for the photos (default: photos are not uploaded)")
	f.StringSliceVar(&only, "only", nil, "kinds to upload: contacts,calendar,todos,photos (default: all)")
	f.IntVar(&opt.Jobs, "jobs", 0, "uploads in flight per collection (default 2)")
	f.BoolVar(&opt.DryRun, "dry-run", false, "find the collections and say what would be sent; write nothing")
	f.BoolVar(&opt.Overwrite, "overwrite", false, "replace server copies that differ from the export")
	f.BoolVar(&opt.InsecureHTTP, "insecure-http", false, "allow plain http:// to a host other than this computer")
	f.BoolVar(&asJSON, "json", false, "print a JSON summary on stdout")
	cmd.MarkFlagRequired("server")
	return cmd
}

// password gets the upload password from the environment, a file, or the
// terminal, in that order; never from the command line.
func (e *env) password(file string) (string, error) {
	if pw := e.getenv(passwordEnv); pw != "" {
		return pw, nil
	}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("password file: %w", err)
		}
		defer f.Close()
		line, err := bufio.NewReader(io.LimitReader(f, 64<<10)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("password file %s: %w", file, err)
		}
		if pw := strings.TrimRight(line, "\r\n"); pw != "" {
			return pw, nil
		}
		return "", fmt.Errorf("password file %s is empty", file)
	}
	if in, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(in.Fd())) {
		fmt.Fprint(e.stderr, "Password: ")
		b, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return string(b), nil
	}
	return "", usageError{fmt.Errorf("no password: set %s or use --password-file (passwords are never taken from the command line)", passwordEnv)}
}

func printUploadSummary(w io.Writer, s *upload.Summary) {
	verb := "Uploaded"
	if s.DryRun {
		verb = "Would upload"
	}
	fmt.Fprintf(w, "%s to %s:\n", verb, s.Server)
	for _, k := range []device.Kind{device.KindContact, device.KindEvent, device.KindTodo, device.KindPhoto} {
		kc := s.Kinds[k]
		if kc == nil || kc.Items == 0 {
			continue
		}
		n := kc.Uploaded
		if s.DryRun {
			n = kc.WouldUpload
		}
		fmt.Fprintf(w, "  %-8s %d new, %d already there", k+"s", n, kc.AlreadyThere)
		if kc.Different+kc.Failed+kc.Skipped > 0 {
			fmt.Fprintf(w, ", %d different, %d failed, %d skipped", kc.Different, kc.Failed, kc.Skipped)
		}
		fmt.Fprintln(w)
	}
	for _, c := range s.Collections {
		how := "used"
		switch {
		case c.Created:
			how = "created"
		case c.WouldCreate:
			how = "would create"
		}
		fmt.Fprintf(w, "  %s %s (%s) for %v\n", how, c.URL, c.Name, c.Kinds)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	for _, p := range s.Problems {
		fmt.Fprintf(w, "  %s %s: %s %s\n", p.Kind, p.Path, p.Status, p.Reason)
	}
	if s.Verify != nil {
		if s.Verify.OK {
			fmt.Fprintf(w, "Checked on the server: all %d items are there.\n", s.Verify.Checked)
		} else {
			fmt.Fprintf(w, "Checked on the server: %d of %d items are there; rerun the same command to send the rest.\n", s.Verify.Present, s.Verify.Checked)
		}
	}
	fmt.Fprintf(w, "%d requests in %.1f s.\n", s.Requests.Total, s.Elapsed)
}
