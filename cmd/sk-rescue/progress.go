package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sk-rescue/sk-rescue/recovery"
	"github.com/sk-rescue/sk-rescue/tui"
)

// progress renders recovery events on stderr: a redrawn bar on a terminal,
// plain lines otherwise (logs, scripts, CI).
type progress struct {
	w       io.Writer
	tty     bool
	last    time.Time
	stage   recovery.Stage
	drawn   bool
	started time.Time
}

func newProgress(e *env, _ bool) *progress {
	return &progress{w: e.stderr, tty: e.stderrTTY, started: time.Now()}
}

// Report implements recovery.Reporter.
func (p *progress) Report(ev recovery.Event) {
	if ev.Warning != "" {
		p.clear()
		fmt.Fprintf(p.w, "warning: %s\n", ev.Warning)
	}
	if p.tty {
		p.drawBar(ev)
		return
	}
	now := time.Now()
	if ev.Stage != p.stage || now.Sub(p.last) >= 2*time.Second || (ev.Total > 0 && ev.Done == ev.Total && ev.Stage == recovery.StageFetch) {
		if line := progressLine(ev); line != "" {
			fmt.Fprintln(p.w, line)
		}
		p.last = now
		p.stage = ev.Stage
	}
}

// progressLine is one plain progress line.
func progressLine(ev recovery.Event) string {
	switch ev.Stage {
	case recovery.StageList:
		return "listing the handset…"
	case recovery.StageFetch:
		s := fmt.Sprintf("fetch: %d/%d items, %s", ev.Done, ev.Total, tui.HumanBytes(ev.Bytes))
		if ev.TotalBytes > 0 {
			s += " of " + tui.HumanBytes(ev.TotalBytes)
		}
		if ev.Battery >= 0 {
			s += fmt.Sprintf(", battery %d%%", ev.Battery)
		}
		return s
	case recovery.StageConvert:
		return "converting to vCard and iCalendar…"
	case recovery.StageWrite:
		return "writing " + ev.Item
	case recovery.StageDone:
		return fmt.Sprintf("done: %d items", ev.Total)
	}
	return ""
}

func (p *progress) drawBar(ev recovery.Event) {
	const width = 30
	frac := 0.0
	switch {
	case ev.TotalBytes > 0:
		frac = float64(ev.Bytes) / float64(ev.TotalBytes)
	case ev.Total > 0:
		frac = float64(ev.Done) / float64(ev.Total)
	}
	if frac > 1 {
		frac = 1
	}
	n := int(frac * width)
	bar := strings.Repeat("█", n) + strings.Repeat("░", width-n)
	text := progressLine(ev)
	if len(text) > 60 {
		text = text[:60]
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s %3.0f%% %s", bar, frac*100, text)
	p.drawn = true
}

func (p *progress) clear() {
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// finish ends the bar's line.
func (p *progress) finish() {
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}
