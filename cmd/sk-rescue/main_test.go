package main

import (
	"runtime"
	"testing"
)

func TestSpareProcessor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	t.Setenv("GOMAXPROCS", "")
	runtime.GOMAXPROCS(1)
	spareProcessor()
	if n := runtime.GOMAXPROCS(0); n != 2 {
		t.Errorf("one processor: GOMAXPROCS %d after spareProcessor, want 2", n)
	}
	runtime.GOMAXPROCS(4)
	spareProcessor()
	if n := runtime.GOMAXPROCS(0); n != 4 {
		t.Errorf("four processors: GOMAXPROCS %d after spareProcessor, want 4 left alone", n)
	}
	t.Setenv("GOMAXPROCS", "1")
	runtime.GOMAXPROCS(1)
	spareProcessor()
	if n := runtime.GOMAXPROCS(0); n != 1 {
		t.Errorf("GOMAXPROCS=1 set by the user: %d after spareProcessor, want 1", n)
	}
}
