package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sk-rescue/sk-rescue/recovery"
)

// timing is the hidden --debug-timing flag's record: where a command's wall
// time goes (process start, enumeration, opening the session, each export
// stage), printed on stderr as "timing:" lines. It exists for the USB lab's
// speed comparison (docs/BENCHMARKS.md); it changes nothing else.
type timing struct {
	mu    sync.Mutex
	on    bool
	w     io.Writer
	start time.Time // run() entered
	last  time.Time
	used  usage // at the last mark

	// profile, set by the hidden --debug-cpuprofile flag, names a file
	// for a CPU profile of the command; prof is that file while it runs.
	profile string
	prof    *os.File
}

// tm is the process's one timing record (run sets it up).
var tm timing

func (t *timing) reset(w io.Writer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.on, t.w, t.start, t.profile, t.prof = false, w, time.Now(), "", nil
	t.last = t.start
}

// enable turns printing on, first saying how long the process took from
// exec to run() (Linux only: from /proc, 10 ms resolution).
func (t *timing) enable() {
	t.mu.Lock()
	t.on = true
	t.mu.Unlock()
	if age, ok := processAge(); ok {
		fmt.Fprintf(t.w, "timing: %8.1f ms  process start → run (runtime and package init, ±10 ms)\n",
			float64((age-time.Since(t.start)).Microseconds())/1000)
	}
	t.mark("flags parsed")
}

// startProfile starts the CPU profile --debug-cpuprofile asked for.
func (t *timing) startProfile() {
	if t.profile == "" {
		return
	}
	f, err := os.Create(t.profile)
	if err != nil {
		fmt.Fprintf(t.w, "timing: cpu profile: %v\n", err)
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		fmt.Fprintf(t.w, "timing: cpu profile: %v\n", err)
		return
	}
	t.prof = f
}

func (t *timing) stopProfile() {
	if t.prof == nil {
		return
	}
	pprof.StopCPUProfile()
	t.prof.Close()
	t.prof = nil
}

// usage is the rusage figures --debug-timing prints.
type usage struct {
	user, sys               time.Duration
	faults, waits, preempts int64
}

// mark prints the time since run() and since the previous mark, and what
// the process used since the previous mark (the first mark: since exec):
// processor time (wall time well above it is time spent waiting, on the
// handset or the disk), page faults and context switches.
func (t *timing) mark(what string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.on {
		return
	}
	now := time.Now()
	used := ""
	if u, ok := usageNow(); ok {
		p := t.used
		used = fmt.Sprintf("  user +%7.1f sys +%7.1f ms  faults +%5d  switches +%5d/%d",
			float64((u.user-p.user).Microseconds())/1000, float64((u.sys-p.sys).Microseconds())/1000,
			u.faults-p.faults, u.waits-p.waits, u.preempts-p.preempts)
		t.used = u
	}
	fmt.Fprintf(t.w, "timing: %8.1f ms  +%7.1f ms%s  %s\n",
		float64(now.Sub(t.start).Microseconds())/1000, float64(now.Sub(t.last).Microseconds())/1000, used, what)
	t.last = now
}

// reporter wraps r to mark the first event of each export stage.
func (t *timing) reporter(r recovery.Reporter) recovery.Reporter {
	if !t.on {
		return r
	}
	var stage recovery.Stage
	return recovery.ReporterFunc(func(ev recovery.Event) {
		if ev.Stage != stage {
			t.mark("export stage " + string(ev.Stage))
			stage = ev.Stage
		}
		r.Report(ev)
	})
}

// processAge is how long ago this process started, from /proc/self/stat's
// start time and /proc/uptime.
func processAge() (time.Duration, bool) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	up, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces: count from its ")".
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, false
	}
	ticks, err := strconv.ParseInt(f[19], 10, 64) // field 22, starttime
	if err != nil {
		return 0, false
	}
	u := strings.Fields(string(up))
	if len(u) == 0 {
		return 0, false
	}
	secs, err := strconv.ParseFloat(u[0], 64)
	if err != nil {
		return 0, false
	}
	const hz = 100 // USER_HZ on every Linux architecture Go supports
	age := time.Duration(secs*float64(time.Second)) - time.Duration(ticks)*time.Second/hz
	return age, age >= 0
}
