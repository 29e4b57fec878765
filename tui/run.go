package tui

import (
	"context"
	"io"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// RunOptions say where the program draws.
type RunOptions struct {
	In  io.Reader
	Out io.Writer
	// NoColor forces plain text (NO_COLOR is honoured anyway).
	NoColor bool
}

// Run runs the TUI full-screen until the user quits, then returns what was
// done. The handset left open, if any, is closed before Run returns.
func Run(ctx context.Context, be Backend, opt Options, ro RunOptions) (Result, error) {
	if ro.NoColor {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := New(ctx, be, opt)
	popts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}
	if ro.In != nil {
		popts = append(popts, tea.WithInput(ro.In))
	}
	if ro.Out != nil {
		popts = append(popts, tea.WithOutput(ro.Out))
	}
	final, err := tea.NewProgram(m, popts...).Run()
	res := m.Result()
	if fm, ok := final.(*Model); ok {
		res = fm.Result()
	}
	if res.Session != nil {
		res.Session.Close()
		res.Session = nil
	}
	return res, err
}
