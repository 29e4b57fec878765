package upload

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/sim"
	"github.com/sk-rescue/sk-rescue/recovery"
)

// TestEndToEndSim is issue 5's acceptance: export the simulated Sidekick
// (250 contacts, 120 events, 40 to-dos, 30 photos), upload it to Radicale
// and to Xandikos (photos to Apache): the servers hold exactly those
// counts, counted by PROPFIND and GET; a second upload sends no PUT and
// says "uploaded": 0; the photos on Apache are byte-identical.
func TestEndToEndSim(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not with -short")
	}
	rad := startRadicale(t)
	xan := startXandikos(t)
	ap := startApache(t)

	ctx := context.Background()
	sel, err := device.ParseSelector("sim")
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := sim.Open(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := recovery.Export(ctx, h, recovery.Options{Out: dir}); err != nil {
		t.Fatalf("export: %v", err)
	}
	h.Close()
	m, err := recovery.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := fixture{Contacts: 250, Events: 120, Todos: 40}

	for _, tc := range []struct {
		name string
		s    *davServer
	}{{"radicale", rad}, {"xandikos", xan}} {
		t.Run(tc.name, func(t *testing.T) {
			px := newFaultProxy(t, tc.s.URL, 1, 0)
			apx := newFaultProxy(t, strings.TrimSuffix(ap.URL, "photos/"), 1, 0)
			opts := testOptions(px.URL, tc.s)
			opts.PhotosURL = apx.URL + "photos/" + tc.name + "/"
			opts.PhotosUser, opts.PhotosPassword = ap.User, ap.Password
			opts.Journal = filepath.Join(t.TempDir(), JournalName) // one export, two servers
			sum := mustRun(t, dir, opts, nil)
			if sum.Failed != 0 || sum.Different != 0 || !sum.Clean() {
				t.Fatalf("first upload: %s", summaryJSON(t, sum))
			}
			countState(t, tc.s).checkExact(t, want)
			if n := sum.Kinds[device.KindPhoto]; n == nil || n.Uploaded != 30 {
				t.Errorf("photos: %+v", n)
			}
			checkPhotos(t, dir, filepath.Join(ap.Root, tc.name), m)

			px.resetCounts()
			apx.resetCounts()
			sum2 := mustRun(t, dir, opts, nil)
			js := summaryJSON(t, sum2)
			if sum2.Uploaded != 0 || !strings.Contains(js, `"uploaded": 0`) || !sum2.Clean() {
				t.Fatalf("second upload: %s", js)
			}
			if n := px.count("PUT") + apx.count("PUT"); n != 0 {
				t.Errorf("second upload sent %d PUTs", n)
			}
			countState(t, tc.s).checkExact(t, want)
		})
	}
}
