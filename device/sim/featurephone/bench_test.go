package featurephone_test

import (
	"context"
	"io"
	"testing"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/sim/featurephone"
)

// BenchmarkReadAll lists and reads every item of sim:featurephone (USB
// full speed: 64-byte packets, 1 MB/s) and reports payload MB/s and the
// share of the link's bandwidth used.
func BenchmarkReadAll(b *testing.B) {
	sel, _ := device.ParseSelector("sim:featurephone")
	var payload int64
	for b.Loop() {
		h, _, err := featurephone.Open(context.Background(), sel)
		if err != nil {
			b.Fatal(err)
		}
		items, err := h.List(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		payload = 0
		for _, it := range items {
			rc, err := h.Open(context.Background(), it)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil {
				b.Fatal(err)
			}
			payload += n
		}
		h.Close()
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(payload)/sec/1e6, "payload-MB/s")
	b.ReportMetric(float64(payload)/sec/featurephone.Bus.Bandwidth*100, "%link")
	b.ReportMetric(float64(payload), "bytes")
}
