package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/sk-rescue/sk-rescue/recovery"
	"github.com/sk-rescue/sk-rescue/recovery/upload"
)

// Uploader is the optional part of a Backend that puts an export folder on
// a CardDAV/CalDAV server (as upload.Run does). Without it the Done screen
// only names the command.
type Uploader interface {
	Upload(ctx context.Context, dir string, opt upload.Options, rep recovery.Reporter) (*upload.Summary, error)
}

// The upload screen's phases.
const (
	upForm        = iota // server, user, password
	upDiscovering        // dry run: discovery, what would be sent
	upReview             // the collections found, Enter to send
	upSending            // the upload and the server-side check
	upDone
)

type (
	uploadPlanMsg struct {
		sum *upload.Summary
		err error
	}
	uploadStartedMsg struct{ events <-chan tea.Msg }
	uploadEventMsg   struct{ ev recovery.Event }
	uploadDoneMsg    struct {
		sum *upload.Summary
		err error
	}
)

var errCancelled = errors.New("cancelled; nothing is lost: running the upload again sends only what is missing")

// uploadState is the upload screen.
type uploadState struct {
	phase  int
	fields [3]field // server, user, password
	focus  int
	plan   *upload.Summary
	last   recovery.Event
	sum    *upload.Summary
	err    error
	events <-chan tea.Msg
	cancel context.CancelFunc
}

func (m *Model) canUpload() bool {
	_, ok := m.be.(Uploader)
	return ok && m.expErr == nil && m.sum != nil
}

func (m *Model) uploadOptions(dry bool) upload.Options {
	f := &m.up.fields
	return upload.Options{Server: strings.TrimSpace(f[0].Value()), User: strings.TrimSpace(f[1].Value()),
		Password: f[2].Value(), DryRun: dry}
}

func (m *Model) startUploadForm() {
	m.screen = screenUpload
	m.up.phase, m.up.focus, m.up.err = upForm, 0, nil
	m.up.fields[2].masked = true
	m.up.fields[0].urlSecret = true
	for i := range m.up.fields {
		m.up.fields[i].Blur()
	}
	m.up.fields[0].Focus()
}

func (m *Model) keyUpload(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	up := &m.up
	if k.Type == tea.KeyCtrlC {
		return m.quit()
	}
	switch up.phase {
	case upDiscovering, upSending:
		if k.Type == tea.KeyEsc && up.cancel != nil {
			up.cancel() // the run returns context.Canceled; a rerun resumes
		}
	case upForm:
		switch k.Type {
		case tea.KeyCtrlC:
			return m.quit()
		case tea.KeyEsc:
			m.screen = screenDone
			return m, nil
		case tea.KeyTab, tea.KeyDown, tea.KeyUp, tea.KeyShiftTab:
			up.fields[up.focus].Blur()
			if k.Type == tea.KeyUp || k.Type == tea.KeyShiftTab {
				up.focus = (up.focus + 2) % 3
			} else {
				up.focus = (up.focus + 1) % 3
			}
			up.fields[up.focus].Focus()
		case tea.KeyEnter:
			if up.focus < 2 {
				up.fields[up.focus].Blur()
				up.focus++
				up.fields[up.focus].Focus()
				return m, nil
			}
			if up.fields[0].Value() == "" {
				up.err = fmt.Errorf("type the server's address first")
				return m, nil
			}
			up.phase, up.err = upDiscovering, nil
			up.fields[2].Blur()
			return m, m.uploadCmd(true)
		default:
			up.fields[up.focus].Update(k)
		}
	case upReview:
		switch {
		case k.Type == tea.KeyEnter:
			up.phase = upSending
			return m, m.uploadCmd(false)
		case k.Type == tea.KeyEsc:
			up.phase = upForm
		case key.Matches(k, m.keys.Quit):
			return m.quit()
		}
	case upDone:
		switch {
		case k.Type == tea.KeyEsc:
			m.screen = screenDone
		case key.Matches(k, m.keys.Quit):
			return m.quit()
		}
	}
	return m, nil
}

// uploadCmd runs upload.Run through the backend: a dry run (discovery and
// plan) returns at once; the real one streams events like an export.
func (m *Model) uploadCmd(dry bool) tea.Cmd {
	ctx, cancel := context.WithCancel(m.ctx)
	m.up.cancel = cancel
	u, dir, opt := m.be.(Uploader), m.folder.Value(), m.uploadOptions(dry)
	if dry {
		return func() tea.Msg {
			sum, err := u.Upload(ctx, dir, opt, nil)
			return uploadPlanMsg{sum: sum, err: err}
		}
	}
	every := m.opt.ProgressEvery
	return func() tea.Msg {
		ch := make(chan tea.Msg, 64)
		rep := recovery.Throttle(recovery.ReporterFunc(func(ev recovery.Event) {
			select {
			case ch <- uploadEventMsg{ev: ev}:
			case <-ctx.Done():
			}
		}), every)
		go func() {
			sum, err := u.Upload(ctx, dir, opt, rep)
			select {
			case ch <- uploadDoneMsg{sum: sum, err: err}:
			case <-ctx.Done():
			}
		}()
		return uploadStartedMsg{events: ch}
	}
}

func (m *Model) updateUpload(msg tea.Msg) tea.Cmd {
	up := &m.up
	switch msg := msg.(type) {
	case uploadPlanMsg:
		if errors.Is(msg.err, context.Canceled) {
			msg.err = errCancelled
		}
		up.cancel = nil
		if msg.err != nil {
			up.phase, up.err = upForm, msg.err
			up.fields[up.focus].Focus()
			return nil
		}
		up.phase, up.plan = upReview, msg.sum
	case uploadStartedMsg:
		up.events = msg.events
		return waitCmd(up.events)
	case uploadEventMsg:
		up.last = msg.ev
		return waitCmd(up.events)
	case uploadDoneMsg:
		if errors.Is(msg.err, context.Canceled) {
			msg.err = errCancelled
		}
		up.cancel = nil
		up.phase, up.sum, up.err, up.events = upDone, msg.sum, msg.err, nil
		up.fields[2].SetValue("") // the password is not kept
	}
	return nil
}

func (m *Model) viewUpload(w int) []string {
	up := &m.up
	out := wrap("Put the rescue in "+m.folder.Value()+" on a CardDAV/CalDAV server (contacts, calendar, to-dos).", w, 0)
	out = append(out, "")
	labels := [3]string{"Server URL", "User", "Password"}
	for i, f := range up.fields {
		mark := "  "
		if up.phase == upForm && i == up.focus {
			mark = "› "
		}
		out = append(out, wrap(fmt.Sprintf("%s%-10s  %s", mark, labels[i], f.View()), w, 14)...)
	}
	out = append(out, stDim.Render("  The password is only sent to the server: never shown, saved or logged."), "")
	if up.err != nil {
		out = append(out, para("✗ "+up.err.Error(), w, 2, stBad.Render)...)
		if a := m.opt.Advice(up.err); a != "" {
			out = append(out, para(a, w, 0, nil)...)
		}
	}
	switch up.phase {
	case upForm:
		out = append(out, para("Enter moves to the next field; on the password, Enter asks the server which address book and calendars to use.", w, 0, nil)...)
	case upDiscovering:
		out = append(out, m.spin.View()+" Asking the server which collections to use…")
	case upReview:
		p := up.plan
		out = append(out, stStep.Render("The server was found. It will use:"))
		for _, c := range p.Collections {
			what := "existing"
			if c.WouldCreate || c.Created {
				what = "new"
			}
			kinds := make([]string, len(c.Kinds))
			for i, k := range c.Kinds {
				kinds[i] = kindLabel(k)
			}
			out = append(out, para(fmt.Sprintf("  %s → %s %s", strings.Join(kinds, ", "), what, c.URL), w, 4, nil)...)
		}
		out = append(out, fmt.Sprintf("  %d items to send, %d already there.", p.WouldUpload, p.AlreadyThere))
		for _, n := range p.Notes {
			out = append(out, para("  "+n, w, 4, stWarn.Render)...)
		}
		out = append(out, "", "Press Enter to upload, Esc to change the server.")
	case upSending:
		ev := up.last
		frac := 0.0
		if ev.Total > 0 {
			frac = float64(ev.Done) / float64(ev.Total)
		}
		stage := map[recovery.Stage]string{upload.StageDiscover: "Finding the collections", upload.StageUpload: "Uploading",
			upload.StageVerify: "Checking on the server"}[ev.Stage]
		if stage == "" {
			stage = "Starting"
		}
		out = append(out, barLine(stage, frac, fmt.Sprintf("%d/%d", ev.Done, ev.Total), w, barWidth(w))...)
		out = append(out, m.spin.View()+" "+ev.Item)
	case upDone:
		if s := up.sum; s != nil {
			out = append(out, stStep.Render(fmt.Sprintf("%d uploaded, %d already there, %d failed, %d skipped.", s.Uploaded, s.AlreadyThere, s.Failed, s.Skipped)))
			switch v := s.Verify; {
			case v != nil && v.OK:
				out = append(out, stOK.Render(fmt.Sprintf("✓ Checked on the server: all %d items are there.", v.Checked)))
			case v != nil:
				out = append(out, stBad.Render(fmt.Sprintf("✗ Checked on the server: %d of %d present.", v.Present, v.Checked)))
			}
			for i, p := range s.Problems {
				if i == 4 {
					out = append(out, fmt.Sprintf("  … and %d more (sk-rescue upload --json lists them)", len(s.Problems)-4))
					break
				}
				out = append(out, para(fmt.Sprintf("  %s: %s %s", p.Path, p.Status, p.Reason), w, 4, nil)...)
			}
		}
		if up.err != nil || (up.sum != nil && !up.sum.Clean()) {
			out = append(out, para("Running the upload again sends only what is missing.", w, 0, nil)...)
		}
	}
	return out
}
