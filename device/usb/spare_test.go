package usb

import (
	"runtime"
	"testing"
)

func TestSpareProcessor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	t.Setenv("GOMAXPROCS", "")
	runtime.GOMAXPROCS(1)
	SpareProcessor()
	if n := runtime.GOMAXPROCS(0); n != 2 {
		t.Errorf("one processor: GOMAXPROCS %d after SpareProcessor, want 2", n)
	}
	runtime.GOMAXPROCS(4)
	SpareProcessor()
	if n := runtime.GOMAXPROCS(0); n != 4 {
		t.Errorf("four processors: GOMAXPROCS %d after SpareProcessor, want 4 left alone", n)
	}
	t.Setenv("GOMAXPROCS", "1")
	runtime.GOMAXPROCS(1)
	SpareProcessor()
	if n := runtime.GOMAXPROCS(0); n != 1 {
		t.Errorf("GOMAXPROCS=1 set by the user: %d after SpareProcessor, want 1", n)
	}
}
