package recovery

import (
	"sync"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

// Stage is a phase of an export or upload.
type Stage string

// The stages, in the order an export passes them.
const (
	StageList    Stage = "list"    // asking the handset what it holds
	StageFetch   Stage = "fetch"   // reading raw bytes off the handset
	StageConvert Stage = "convert" // turning raw bytes into standard files
	StageWrite   Stage = "write"   // combined files, manifest
	StageDone    Stage = "done"
)

// Event is the one progress message recovery emits. The TUI turns events into
// screen updates; the CLI into lines or, with --json, nothing until the
// summary.
type Event struct {
	Stage Stage       `json:"stage"`
	Kind  device.Kind `json:"kind,omitempty"`
	// Item is the name of the item being worked on, if any.
	Item string `json:"item,omitempty"`
	// Done and Total count items over the whole run; Bytes and TotalBytes
	// count raw bytes fetched (TotalBytes is -1 when sizes are unknown).
	Done       int   `json:"done"`
	Total      int   `json:"total"`
	Bytes      int64 `json:"bytes"`
	TotalBytes int64 `json:"total_bytes"`
	// KindDone, KindTotal, KindBytes, KindTotalBytes are the same for
	// Kind alone.
	KindDone       int   `json:"kind_done"`
	KindTotal      int   `json:"kind_total"`
	KindBytes      int64 `json:"kind_bytes"`
	KindTotalBytes int64 `json:"kind_total_bytes"`
	// Skipped is set when the item was already in the archive (resume).
	Skipped bool `json:"skipped,omitempty"`
	// Warning, when set, is something the user should read: an item kept
	// raw, a conversion that was not exact.
	Warning string `json:"warning,omitempty"`
	// Battery is the handset's charge in percent when known, else -1.
	Battery int `json:"battery"`
}

// Reporter receives progress events. Report is called from the goroutine
// running the export and must not block for long.
type Reporter interface {
	Report(Event)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(Event)

// Report calls f(e).
func (f ReporterFunc) Report(e Event) { f(e) }

type nopReporter struct{}

func (nopReporter) Report(Event) {}

// Throttle passes on at most one event per interval, but always passes stage
// changes, warnings and the final event, so renderers never miss what
// matters and never redraw thousands of times a second. It is the one place
// progress is rate-limited.
func Throttle(r Reporter, every time.Duration) Reporter {
	return &throttle{next: r, every: every}
}

type throttle struct {
	mu    sync.Mutex
	next  Reporter
	every time.Duration
	last  time.Time
	stage Stage
}

func (t *throttle) Report(e Event) {
	t.mu.Lock()
	now := time.Now()
	pass := e.Warning != "" || e.Stage != t.stage || e.Stage == StageDone ||
		(e.Total > 0 && e.Done == e.Total) || now.Sub(t.last) >= t.every
	if pass {
		t.last = now
		t.stage = e.Stage
	}
	t.mu.Unlock()
	if pass {
		t.next.Report(e)
	}
}
