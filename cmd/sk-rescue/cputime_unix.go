//go:build unix

package main

import (
	"syscall"
	"time"
)

// usageNow is what the process (every thread) has used so far, for
// --debug-timing: processor time in user and in system mode, page faults,
// and context switches it made (waits) and suffered (preemptions).
func usageNow() (u usage, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}, false
	}
	return usage{user: time.Duration(ru.Utime.Nano()), sys: time.Duration(ru.Stime.Nano()),
		faults: int64(ru.Minflt + ru.Majflt), waits: int64(ru.Nvcsw), preempts: int64(ru.Nivcsw)}, true
}
