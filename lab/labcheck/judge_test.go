package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWaitsEnd(t *testing.T) {
	good := []string{
		"wait: deadline 300 ms: ended after 312 ms, 0 bytes, timeout true: usb 1:2: interrupt read 0x83: operation timed out",
		"wait: cancel after 300 ms: ended after 305 ms, 0 bytes, canceled true: context canceled",
		"wait: then GetStorageIDs: [10001], ok true: <nil>",
	}
	tests := []struct {
		name  string
		lines []string
		ok    bool
	}{
		{"both end and the session answers", good, true},
		{"the deadline was not a timeout", []string{strings.Replace(good[0], "timeout true", "timeout false", 1), good[1], good[2]}, false},
		{"the read did not wait", []string{strings.Replace(good[0], "after 312 ms", "after 2 ms", 1), good[1], good[2]}, false},
		{"the cancel was not seen", []string{good[0], strings.Replace(good[1], "canceled true", "canceled false", 1), good[2]}, false},
		{"the cancel hung", []string{good[0], strings.Replace(good[1], "after 305 ms", "after 60005 ms", 1), good[2]}, false},
		{"the session was broken", []string{good[0], good[1], strings.Replace(good[2], "ok true", "ok false", 1)}, false},
		{"a line is missing", good[:2], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out := "  10.0 ms  fetched 27 items\n" + strings.Join(tt.lines, "\n") + "\n"
			if err := os.WriteFile(filepath.Join(dir, "mtpprobe.out"), []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := waitsEnd(dir)
			if (err == nil) != tt.ok {
				t.Fatalf("waitsEnd = %q, %v; want ok %v", d, err, tt.ok)
			}
		})
	}
}

// writeRun writes one guest command's results as lab/init.sh's run does.
func writeRun(t *testing.T, dir, name string, rc, ms int, out string) {
	t.Helper()
	for ext, v := range map[string]string{".rc": fmt.Sprint(rc), ".ms": fmt.Sprint(ms), ".out": out, ".err": ""} {
		if err := os.WriteFile(filepath.Join(dir, name+ext), []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSpeed(t *testing.T) {
	// Round 3 is a slow moment of the host, for both sides of each ratio:
	// it moves neither a median nor a ratio.
	runs := func(dir string, files int, skRC int) {
		for i := 1; i <= 5; i++ {
			slow := 1
			if i == 3 {
				slow = 3
			}
			writeRun(t, dir, fmt.Sprintf("bench-sk-%d", i), skRC, (1000+10*i)*slow, "{}")
			writeRun(t, dir, fmt.Sprintf("bench-connect-%d", i), 0, (1500+10*i)*slow, fmt.Sprintf("files %d bytes 4231714", files))
			writeRun(t, dir, fmt.Sprintf("bench-libmtp-%d", i), 0, (500+10*i)*slow, fmt.Sprintf("files %d bytes 4231714 failed 0", files))
		}
		writeRun(t, dir, "bench-getfile-1", 0, 9010, fmt.Sprintf("files %d bytes 4231714", files))
	}
	dir := t.TempDir()
	runs(dir, 27, 0)
	d, err := speed(dir, 27)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"sk-rescue 1040 ms", "mtp-getfile per file 9010 ms (ratio 0.12)", "one mtp-connect 1540 ms (ratio 0.67)", "mtptree 540 ms (ratio 1.94)"} {
		if !strings.Contains(d, s) {
			t.Errorf("detail %q lacks %q", d, s)
		}
	}
	dir = t.TempDir()
	runs(dir, 26, 0)
	if _, err := speed(dir, 27); err == nil || !strings.Contains(err.Error(), "want 27 files") {
		t.Errorf("a libmtp way that fetched 26 of 27 files passed: %v", err)
	}
	dir = t.TempDir()
	runs(dir, 27, 1)
	if _, err := speed(dir, 27); err == nil || !strings.Contains(err.Error(), "sk-rescue run 1 exited 1") {
		t.Errorf("a failed sk-rescue run passed: %v", err)
	}
}
