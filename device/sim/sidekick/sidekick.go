// Package sidekick generates the contents of a simulated T-Mobile Sidekick
// (Danger Hiptop), the phone whose users lost their data when the service's
// servers failed in October 2009. sk-rescue is tested against it.
//
// Everything is derived from Params.Seed through math/rand/v2 PCG streams,
// one stream per item, so the same Params always give the same bytes, and
// raising Contacts, Events or Todos only appends items (photo sizes and
// times are spread over Photos, so they change with it). The phone holds:
//
//   - /Contacts/Cnnnn.vcf: one vCard 2.1 (versit 1996) per contact, CRLF
//     line ends, bare TEL/ADR/EMAIL types, CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE
//     values with soft line breaks, inline BASE64 JPEG photos ended by a
//     blank line, X-IRMC-LUID;
//   - /Calendar/Ennnn.vcs and /Calendar/Tnnnn.vcs: one vCalendar 1.0
//     (versit/IMC 1996) VEVENT or VTODO per file, with basic-grammar RRULEs,
//     AALARM/DALARM, UTC and floating times;
//   - /DCIM/100SIDEK/SIDKnnnn.JPG: baseline JPEGs with a hand-written EXIF
//     APP1 (DateTime, DateTimeOriginal), padded with COM segments to a
//     target size.
//
// dataset.Truth records what each file means, computed here independently
// of any parser or converter in sk-rescue. Conventions: text is decoded
// (QP undone, UTF-8), line breaks inside values are "\n" (the files write
// CRLF, =0D=0A in QP); floating times are held as their wall-clock reading
// in UTC with Floating set; all-day events run from 00:00 to 00:00 the next
// day; Occurrences are nil for events without a rule.
package sidekick

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/sk-rescue/sk-rescue/device/sim/dataset"
)

// Random streams; each item draws from its own PCG (Seed, stream|index).
const (
	streamSerial uint64 = iota + 1
	streamContact
	streamEvent
	streamTodo
	streamPhoto
	streamPhotoSizes
	streamAvatar
)

// The phone's "now": the last sync before the servers failed.
var phoneNow = time.Date(2009, 10, 2, 18, 4, 11, 0, time.UTC)

// Generate builds the phone p describes. It panics if p is invalid;
// DefaultParams and ParseParams only give valid Params.
func Generate(p Params) *dataset.Phone {
	if err := p.validate(); err != nil {
		panic(err)
	}
	g := &gen{seed: uint64(p.Seed)}
	r := g.rng(streamSerial, 0)
	ph := &dataset.Phone{
		Maker:    "Danger",
		Model:    "Sidekick (sim)",
		Serial:   fmt.Sprintf("DGR%04X%08X", r.Uint32()&0xFFFF, r.Uint32()),
		Firmware: fmt.Sprintf("Danger OS 4.7.%d (build %d, sim)", r.IntN(4), 5000+r.IntN(900)),
		Battery:  p.Battery,
	}
	for i := range p.Contacts {
		f, c := g.contact(i)
		ph.Files = append(ph.Files, f)
		ph.Truth.Contacts = append(ph.Truth.Contacts, c)
	}
	for i := range p.Events {
		f, e := g.event(i)
		ph.Files = append(ph.Files, f)
		ph.Truth.Events = append(ph.Truth.Events, e)
	}
	for i := range p.Todos {
		f, t := g.todo(i)
		ph.Files = append(ph.Files, f)
		ph.Truth.Todos = append(ph.Truth.Todos, t)
	}
	// Photos dominate the cost; each draws from its own stream, so making
	// them in parallel changes nothing in the output.
	sizes := g.photoSizes(p)
	files := make([]dataset.File, len(sizes))
	truth := make([]dataset.Photo, len(sizes))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(sizes)) {
		wg.Go(func() {
			for i := range next {
				files[i], truth[i] = g.photo(i, sizes[i])
			}
		})
	}
	for i := range sizes {
		next <- i
	}
	close(next)
	wg.Wait()
	ph.Files = append(ph.Files, files...)
	ph.Truth.Photos = truth
	return ph
}

type gen struct {
	seed uint64
}

// rng returns the random stream for item i of a kind.
func (g *gen) rng(stream uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed, stream<<48^uint64(i)*0x9E3779B97F4A7C15))
}

// modified is a file modification time within the span before phoneNow,
// whole seconds, UTC.
func modified(r *rand.Rand, span time.Duration) time.Time {
	return phoneNow.Add(-time.Duration(r.Int64N(int64(span/time.Second))) * time.Second)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }
