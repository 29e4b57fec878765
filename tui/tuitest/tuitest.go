// Package tuitest runs the sk-rescue TUI under teatest at a fixed terminal
// size, for tests that drive it over a real Backend (the driver wiring in
// cmd/sk-rescue, which package tui may not import). It records the frame
// each screen last drew, so tests wait on and compare what a user saw,
// without reading the model from another goroutine.
package tuitest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/sk-rescue/sk-rescue/tui"
)

// Driver is a TUI program under test.
type Driver struct {
	tb testing.TB
	tm *teatest.TestModel
	r  *recorder
}

// recorder wraps the model and keeps the last frame of every screen.
type recorder struct {
	m *tui.Model

	mu     sync.Mutex
	screen string
	frame  string
	frames map[string]string
}

func (r *recorder) Init() tea.Cmd { return r.m.Init() }

func (r *recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := r.m.Update(msg)
	return r, cmd
}

func (r *recorder) View() string {
	v := r.m.View()
	r.mu.Lock()
	r.screen, r.frame = r.m.Screen(), v
	r.frames[r.screen] = v
	r.mu.Unlock()
	return v
}

// Start runs the TUI over be at w×h, in plain text (no colours), so frames
// are comparable.
func Start(tb testing.TB, ctx context.Context, be tui.Backend, opt tui.Options, w, h int) *Driver {
	tb.Helper()
	lipgloss.SetColorProfile(termenv.Ascii)
	r := &recorder{m: tui.New(ctx, be, opt), frames: map[string]string{}}
	tm := teatest.NewTestModel(tb, r, teatest.WithInitialTermSize(w, h))
	return &Driver{tb: tb, tm: tm, r: r}
}

// Frame returns the screen shown and its last frame.
func (d *Driver) Frame() (screen, frame string) {
	d.r.mu.Lock()
	defer d.r.mu.Unlock()
	return d.r.screen, d.r.frame
}

// Frames returns the last frame of every screen shown so far.
func (d *Driver) Frames() map[string]string {
	d.r.mu.Lock()
	defer d.r.mu.Unlock()
	out := map[string]string{}
	for k, v := range d.r.frames {
		out[k] = v
	}
	return out
}

// WaitFor waits until the screen named is shown with every want in its
// frame, and returns the frame; it fails the test after timeout.
func (d *Driver) WaitFor(screen string, timeout time.Duration, want ...string) string {
	d.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s, f := d.Frame()
		ok := s == screen
		for _, w := range want {
			ok = ok && strings.Contains(f, w)
		}
		if ok {
			return f
		}
		if time.Now().After(deadline) {
			d.tb.Fatalf("after %v: screen %q, want %q with %q; frame:\n%s", timeout, s, screen, want, f)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Press sends keys: "enter", "esc", "up", "down", "ctrl+c", " ", or runes.
func (d *Driver) Press(keys ...string) {
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "up":
			msg = tea.KeyMsg{Type: tea.KeyUp}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "ctrl+c":
			msg = tea.KeyMsg{Type: tea.KeyCtrlC}
		case " ":
			msg = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		d.tm.Send(msg)
	}
}

// Quit ends the program (as q would on a screen where nothing runs) and
// returns the model's result; the session left open is the caller's to
// close.
func (d *Driver) Quit(timeout time.Duration) tui.Result {
	d.tb.Helper()
	if err := d.tm.Quit(); err != nil {
		d.tb.Fatal(err)
	}
	d.tm.WaitFinished(d.tb, teatest.WithFinalTimeout(timeout))
	return d.r.m.Result()
}

// RequireGolden compares out with testdata/<test name>.golden; run the
// tests with -update to rewrite it.
func RequireGolden(tb testing.TB, out string) {
	tb.Helper()
	golden.RequireEqual(tb, []byte(out))
}
