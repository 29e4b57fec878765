package vcard

import (
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// peakHeap runs f while sampling the live heap, and returns the highest
// HeapAlloc seen above the heap before f ran.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	f()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if m.HeapAlloc > peak.Load() {
		peak.Store(m.HeapAlloc)
	}
	close(stop)
	wg.Wait()
	if peak.Load() < base {
		return 0
	}
	return peak.Load() - base
}

// tinyCards is n minimal 2.1 cards, 47 bytes each (the shape of the
// issue-16 amplification sample: 1,000,000 of them in 47 MB).
func tinyCards(n int) []byte {
	return bytes.Repeat([]byte("BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;J\r\nEND:VCARD\r\n"), n)
}

// tinyN is the number of cards BenchmarkTinyCards converts.
const tinyN = 200000

// BenchmarkTinyCards converts 200,000 tiny cards (9.4 MB) and reports the
// peak live heap above the input: the figure docs/BENCHMARKS.md records.
func BenchmarkTinyCards(b *testing.B) {
	raw := tinyCards(tinyN)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	var peak uint64
	for i := 0; i < b.N; i++ {
		p := peakHeap(func() {
			res, err := Convert(raw, testOpt)
			if err != nil || len(res.Records) != tinyN {
				b.Fatalf("%v, %d records", err, len(res.Records))
			}
			runtime.KeepAlive(res)
		})
		peak = max(peak, p)
	}
	b.ReportMetric(float64(peak)/float64(len(raw)), "peak-heap/input-byte")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
}
