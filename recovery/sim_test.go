package recovery_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/sim"
	"github.com/sk-rescue/sk-rescue/recovery"
)

// openSim opens a simulated Sidekick and checks, when the test ends, that
// nothing sk-rescue sent would have modified it.
func openSim(t testing.TB, selector string) (device.Handset, *sim.Sim) {
	t.Helper()
	sel, err := device.ParseSelector(selector)
	if err != nil {
		t.Fatal(err)
	}
	h, s, err := sim.Open(context.Background(), sel)
	if err != nil {
		t.Fatalf("open %s: %v", selector, err)
	}
	t.Cleanup(func() {
		h.Close()
		if _, mutating := s.Stats(); mutating != 0 {
			t.Errorf("%s: %d mutating requests reached the handset", selector, mutating)
		}
	})
	return h, s
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	return out
}

// TestResumeOverMTP unplugs the simulated phone at random points of the
// photo data, reconnects (a fresh session, as after a real replug) and
// resumes; the folder must end byte-identical to an uninterrupted export,
// with no temporary file left, and the phone must have seen no write.
func TestResumeOverMTP(t *testing.T) {
	const small = "sim:sidekick?contacts=40&events=20&todos=10&photos=6&maxphoto=400000"
	ref := t.TempDir()
	h, _ := openSim(t, small)
	if _, err := recovery.Export(context.Background(), h, recovery.Options{Out: ref}); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, ref)

	rng := rand.New(rand.NewPCG(3, 9))
	points := 8
	if testing.Short() {
		points = 3
	}
	for i := range points {
		drop := 1 + rng.IntN(900000)
		t.Run(fmt.Sprintf("drop=%d", drop), func(t *testing.T) {
			out := t.TempDir()
			h, _ := openSim(t, fmt.Sprintf("%s&drop=%d", small, drop))
			_, err := recovery.Export(context.Background(), h, recovery.Options{Out: out})
			if !errors.Is(err, device.ErrDisconnected) {
				t.Fatalf("export over a link unplugged after %d bytes: %v, want ErrDisconnected", drop, err)
			}
			h2, _ := openSim(t, small)
			sum, err := recovery.Export(context.Background(), h2, recovery.Options{Out: out})
			if err != nil {
				t.Fatalf("resume: %v", err)
			}
			if i > 0 && sum.Resumed == 0 && drop > 300000 {
				t.Errorf("resume fetched everything again")
			}
			got := readTree(t, out)
			for p, b := range want {
				if got[p] != b {
					t.Errorf("%s differs after resume", p)
				}
			}
			for p := range got {
				if _, ok := want[p]; !ok {
					t.Errorf("extra file after resume: %s", p)
				}
				if strings.Contains(p, ".sk-tmp-") {
					t.Errorf("temp file left: %s", p)
				}
			}
		})
	}
}

// TestHostileHandsetStaysInside exports a phone whose object names and
// folders try to escape the output folder.
func TestHostileHandsetStaysInside(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	h, _ := openSim(t, "sim:sidekick?contacts=3&events=2&todos=1&photos=1&hostile=1")
	sum, err := recovery.Export(context.Background(), h, recovery.Options{Out: out})
	if err != nil {
		t.Fatalf("export of a hostile handset: %v", err)
	}
	ents, _ := os.ReadDir(parent)
	if len(ents) != 1 {
		t.Errorf("export wrote outside its folder: %v", ents)
	}
	if res, err := recovery.Verify(context.Background(), out, nil); err != nil || !res.OK {
		t.Errorf("verify: %+v %v", res, err)
	}
	t.Logf("hostile export: %d items, %d failed, %d kept raw", sum.Items, len(sum.Failed), len(sum.KeptRaw))
}

// TestMTPWarningsReachSummary: what the MTP client tolerated (here, a
// session the phone still had open from an earlier program) reaches the
// export summary through device.Warner, prefixed "handset: ".
func TestMTPWarningsReachSummary(t *testing.T) {
	h, _ := openSim(t, "sim:sidekick?contacts=3&events=2&todos=1&photos=1&stale=1")
	if _, ok := h.(device.Warner); !ok {
		t.Fatalf("%T does not offer device.Warner", h)
	}
	sum, err := recovery.Export(context.Background(), h, recovery.Options{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range sum.Warnings {
		found = found || strings.HasPrefix(w, "handset: ") && strings.Contains(w, "session was already open")
	}
	if !found {
		t.Errorf("warnings %q: want the MTP client's stale-session warning", sum.Warnings)
	}
}
