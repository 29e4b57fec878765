package mtp_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/mtp"
	"github.com/sk-rescue/sk-rescue/device/sim"
	"github.com/sk-rescue/sk-rescue/device/sim/dataset"
	"github.com/sk-rescue/sk-rescue/device/sim/sidekick"
)

func photoPhone(n, size int) *dataset.Phone {
	p := &dataset.Phone{Maker: "Danger", Model: "Sidekick", Serial: "B1", Battery: 50}
	data := blob(1, size)
	for i := 0; i < n; i++ {
		p.Files = append(p.Files, dataset.File{Path: fmt.Sprintf("/DCIM/100SIDEK/SIDK%04d.JPG", i), Format: dataset.FormatEXIFJPEG, Data: data, Modified: t0})
	}
	return p
}

// benchPull pulls every photo per iteration over the USB2 model and
// reports link utilisation (payload bytes ÷ (elapsed × bandwidth)) and the
// share of the link's own limit achieved (bytes ÷ bandwidth plus one
// latency per object, ÷ elapsed).
func benchPull(b *testing.B, p *dataset.Phone) {
	h, _ := open(b, p, sim.Quirks{}, sim.USB2)
	ctx := context.Background()
	items, err := h.List(ctx, device.KindPhoto)
	if err != nil {
		b.Fatal(err)
	}
	var payload int64
	for _, it := range items {
		payload += it.Size
	}
	b.SetBytes(payload)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for _, it := range items {
			rc, err := h.Open(ctx, it)
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, rc); err != nil || n != it.Size {
				b.Fatalf("%s: %d bytes, %v", it.Name, n, err)
			}
			rc.Close()
		}
	}
	el := time.Since(start).Seconds()
	bw := sim.USB2.Bandwidth
	total := float64(payload) * float64(b.N)
	limit := total/bw + float64(len(items)*b.N)*sim.USB2.Latency.Seconds()
	b.ReportMetric(total/(el*bw), "link-util")
	b.ReportMetric(limit/el, "of-limit")
}

func BenchmarkPullPhotos2MiB(b *testing.B) { benchPull(b, photoPhone(16, 2<<20)) }

func BenchmarkPullPhotosSidekick(b *testing.B) {
	p := sidekick.DefaultParams()
	p.Contacts, p.Events, p.Todos = 0, 0, 0
	benchPull(b, sidekick.Generate(p))
}

// benchList lists a Sidekick phone and reports MTP transactions per listed
// object (counted by the responder, which is what a phone pays for).
func benchList(b *testing.B, q sim.Quirks) {
	p := sidekick.DefaultParams()
	p.Contacts, p.Photos = 2000, 300
	p.MinPhoto, p.MaxPhoto = 4<<10, 8<<10
	phone := sidekick.Generate(p)
	h, s := open(b, phone, q, sim.USB2)
	ctx := context.Background()
	b.ResetTimer()
	tx0 := s.MTP.Transactions()
	var n int
	for i := 0; i < b.N; i++ {
		items, err := h.List(ctx)
		if err != nil {
			b.Fatal(err)
		}
		n = len(items)
	}
	tx := float64(s.MTP.Transactions()-tx0) / float64(b.N)
	b.ReportMetric(tx/float64(n), "tx/object")
	b.ReportMetric(tx, "tx/list")
	b.ReportMetric(float64(n), "objects")
}

func BenchmarkListPropListAll(b *testing.B)    { benchList(b, sim.Quirks{}) }
func BenchmarkListPropListFolder(b *testing.B) { benchList(b, sim.Quirks{NoAllObjectsPropList: true}) }
func BenchmarkListObjectInfo(b *testing.B)     { benchList(b, sim.Quirks{NoPropList: true}) }

var _ = mtp.OpGetObject
