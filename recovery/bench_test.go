package recovery_test

import (
	"context"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/recovery"
)

// BenchmarkExportUSB2 exports the default simulated Sidekick over the USB 2.0
// link model (40 MB/s, 1 ms per transaction) end to end: listing, fetching,
// converting, writing. link-util is the raw bytes fetched ÷ (elapsed ×
// bandwidth): how close the whole export comes to the cable's own limit.
func BenchmarkExportUSB2(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		out := b.TempDir()
		h, s := openSim(b, "sim:sidekick?link=usb2")
		b.StartTimer()
		start := time.Now()
		sum, err := recovery.Export(context.Background(), h, recovery.Options{Out: out})
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		b.ReportMetric(float64(sum.Bytes)/(el.Seconds()*s.Link.Model().Bandwidth), "link-util")
		b.ReportMetric(float64(sum.Bytes)/el.Seconds()/1e6, "MB/s")
		b.ReportMetric(float64(s.MTP.Transactions())/float64(sum.Items), "tx/item")
	}
}
