package recovery

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sk-rescue/sk-rescue/device"
)

// TestPhotoNamedLikeATempFileSurvives: only our own temp files are removed
// on resume, never a photo whose name merely contains the marker.
func TestPhotoNamedLikeATempFileSurvives(t *testing.T) {
	out := t.TempDir()
	h := smallPhone()
	h.items = append(h.items, device.Item{Kind: device.KindPhoto, ID: "tmpname", Name: "holiday.sk-tmp-0123456789ab",
		Folder: "/DCIM", Size: 5, Modified: t0, Format: "image/jpeg"})
	h.data["tmpname"] = []byte("hello")
	for run := range 2 {
		if _, err := Export(context.Background(), h, Options{Out: out}); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if b, err := os.ReadFile(filepath.Join(out, "photos/DCIM/holiday.sk-tmp-0123456789ab")); err != nil || string(b) != "hello" {
			t.Fatalf("run %d: photo gone or changed: %q %v", run, b, err)
		}
	}
}

// TestFileAndFolderOfOneName: a photo named "DCIM" and a folder "DCIM"
// cannot share a path, in either order; both are kept.
func TestFileAndFolderOfOneName(t *testing.T) {
	for _, fileFirst := range []bool{true, false} {
		h := &fakeHandset{info: device.Info{Serial: "CLASH"}, data: map[string][]byte{}}
		file := device.Item{Kind: device.KindPhoto, ID: "file", Name: "DCIM", Folder: "/", Size: 4, Format: "image/jpeg"}
		inner := device.Item{Kind: device.KindPhoto, ID: "inner", Name: "x.jpg", Folder: "/dcim", Size: 5, Format: "image/jpeg"}
		h.data["file"], h.data["inner"] = []byte("file"), []byte("inner")
		if fileFirst {
			h.items = []device.Item{file, inner}
		} else {
			h.items = []device.Item{inner, file}
		}
		out := t.TempDir()
		sum, err := Export(context.Background(), h, Options{Out: out})
		if err != nil || sum.Counts[device.KindPhoto] != 2 || len(sum.Failed) != 0 {
			t.Fatalf("file first %v: %v, %+v", fileFirst, err, sum)
		}
		if res, err := Verify(context.Background(), out, nil); err != nil || !res.OK {
			t.Errorf("file first %v: verify %+v %v", fileFirst, res, err)
		}
	}
}

// TestInterruptedThenFewerKinds: what an interrupted run fetched stays in
// the manifest when the next run asks for other kinds only.
func TestInterruptedThenFewerKinds(t *testing.T) {
	out := t.TempDir()
	h := smallPhone()
	h.cutAfter = 200000 // after every contact and event, inside the photos
	if _, err := Export(context.Background(), h, Options{Out: out}); !errors.Is(err, device.ErrDisconnected) {
		t.Fatalf("first run: %v", err)
	}
	sum, err := Export(context.Background(), smallPhone(), Options{Out: out, Kinds: []device.Kind{device.KindPhoto}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[device.KindContact] != 5 || sum.Counts[device.KindEvent] != 3 {
		t.Errorf("counts %v: contacts and events fetched before the interruption left the manifest", sum.Counts)
	}
	if res, err := Verify(context.Background(), out, nil); err != nil || !res.OK {
		t.Errorf("verify %+v %v", res, err)
	}
}

// TestObjectLongerThanListed: a handset that sends far more than it listed
// does not get to fill the disk; the item fails, the rest goes on.
func TestObjectLongerThanListed(t *testing.T) {
	h := smallPhone()
	h.items = append(h.items, device.Item{Kind: device.KindPhoto, ID: "long", Name: "LONG.JPG", Folder: "/DCIM",
		Size: 100, Format: "image/jpeg"})
	h.data["long"] = make([]byte, 3<<20)
	out := t.TempDir()
	sum, err := Export(context.Background(), h, Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed) != 1 || sum.Failed[0].ID != "long" || !strings.Contains(sum.Failed[0].Reason, "more bytes than it listed") {
		t.Errorf("failed = %+v", sum.Failed)
	}
	if _, err := os.Stat(filepath.Join(out, "photos/DCIM/LONG.JPG")); err == nil {
		t.Errorf("the overlong object was kept")
	}
}
