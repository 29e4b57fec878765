//go:build unix

package main

import (
	"syscall"
	"time"
)

// cpuTime is the processor time the process (every thread) has used so
// far in user and in system mode, for --debug-timing.
func cpuTime() (user, sys time.Duration, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, false
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), true
}
