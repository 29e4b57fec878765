package recovery

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
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

var t0 = time.Date(2009, 10, 2, 9, 30, 0, 0, time.UTC)

// smallPhone is a handset with a few of every kind, a malformed card and
// hostile names.
func smallPhone() *fakeHandset {
	f := &fakeHandset{
		info: device.Info{Maker: "Danger", Model: "Fake", Serial: "FAKE0001", Protocol: "fake", Battery: 50},
		data: map[string][]byte{},
	}
	add := func(it device.Item, data string) {
		it.Size = int64(len(data))
		if it.Modified.IsZero() {
			it.Modified = t0
		}
		f.items = append(f.items, it)
		f.data[it.ID] = []byte(data)
	}
	for i := range 5 {
		add(device.Item{Kind: device.KindContact, ID: fmt.Sprintf("c%d", i), Name: fmt.Sprintf("C%04d.vcf", i),
			Folder: "/Contacts", Format: "text/x-vcard;version=2.1"},
			fmt.Sprintf("BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe%d;Jane\r\nFN:Jane Doe%d\r\nTEL;CELL:+1555000%d\r\nEMAIL;INTERNET:jane%d@example.com\r\nEND:VCARD\r\n", i, i, i, i))
	}
	add(device.Item{Kind: device.KindContact, ID: "bad", Name: "broken.vcf", Folder: "/Contacts", Format: "text/x-vcard;version=2.1"},
		"this is not a vcard at all\r\n")
	for i := range 3 {
		add(device.Item{Kind: device.KindEvent, ID: fmt.Sprintf("e%d", i), Name: fmt.Sprintf("E%04d.vcs", i),
			Folder: "/Calendar", Format: "text/x-vcalendar"},
			fmt.Sprintf("BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VEVENT\r\nUID:ev-%d@fake\r\nSUMMARY:Meeting %d\r\nDTSTART:20091002T100000Z\r\nDTEND:20091002T110000Z\r\nRRULE:W1 MO #3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", i, i))
	}
	add(device.Item{Kind: device.KindTodo, ID: "t0", Name: "T0001.vcs", Folder: "/Calendar", Format: "text/x-vcalendar"},
		"BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VTODO\r\nUID:todo-0@fake\r\nSUMMARY:Buy milk\r\nDUE:20091005T170000Z\r\nPRIORITY:1\r\nSTATUS:NEEDS ACTION\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
	rng := rand.New(rand.NewPCG(1, 2))
	photo := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return string(b)
	}
	add(device.Item{Kind: device.KindPhoto, ID: "p0", Name: "SIDK0001.JPG", Folder: "/DCIM/100SIDEK", Format: "image/jpeg"}, photo(70000))
	add(device.Item{Kind: device.KindPhoto, ID: "p1", Name: "SIDK0002.JPG", Folder: "/DCIM/100SIDEK", Format: "image/jpeg"}, photo(1<<20+3))
	// Hostile names: none may be written outside the output folder.
	add(device.Item{Kind: device.KindPhoto, ID: "h0", Name: "../../../../escape.jpg", Folder: "/../../..", Format: "image/jpeg"}, photo(100))
	add(device.Item{Kind: device.KindPhoto, ID: "h1", Name: "/etc/passwd", Folder: "/DCIM", Format: "image/jpeg"}, photo(100))
	add(device.Item{Kind: device.KindPhoto, ID: "h2", Name: "nul\x00name.jpg", Folder: "/DCIM\x00/x", Format: "image/jpeg"}, photo(100))
	add(device.Item{Kind: device.KindPhoto, ID: "h3", Name: strings.Repeat("L", 5000) + ".jpg", Folder: "/DCIM", Format: "image/jpeg"}, photo(100))
	add(device.Item{Kind: device.KindPhoto, ID: "h4", Name: "SIDK0001.JPG", Folder: "/DCIM/100SIDEK", Format: "image/jpeg"}, photo(10)) // same name twice
	add(device.Item{Kind: device.KindPhoto, ID: "h5", Name: "..", Folder: "..", Format: "image/jpeg"}, photo(10))
	return f
}

// tree reads every file under dir into a map, for byte-identity checks.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExportLayoutAndVerify(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	h := smallPhone()
	sum, err := Export(context.Background(), h, Options{Out: out, ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[device.Kind]int{device.KindContact: 5, device.KindEvent: 3, device.KindTodo: 1, device.KindPhoto: 8}
	for k, n := range want {
		if sum.Counts[k] != n {
			t.Errorf("counts[%s] = %d, want %d", k, sum.Counts[k], n)
		}
	}
	if len(sum.KeptRaw) != 1 || sum.KeptRaw[0].ID != "bad" || sum.ExitCode() != 2 {
		t.Errorf("kept raw = %+v, exit %d; want the broken card only, exit 2", sum.KeptRaw, sum.ExitCode())
	}
	files := tree(t, out)
	// Nothing escaped: the parent holds only the output folder.
	if ents, _ := os.ReadDir(parent); len(ents) != 1 {
		t.Errorf("parent folder holds %d entries, want only out/", len(ents))
	}
	for p := range files {
		if strings.Contains(p, tmpMarker) || p == journalName {
			t.Errorf("left behind: %s", p)
		}
	}
	for _, p := range []string{"manifest.json", "contacts.vcf", "calendar.ics", "todos.ics", "raw/contacts/broken.vcf",
		"photos/DCIM/100SIDEK/SIDK0001.JPG", "photos/DCIM/100SIDEK/SIDK0001~2.JPG"} {
		if _, ok := files[p]; !ok {
			t.Errorf("missing %s", p)
		}
	}
	if files["raw/contacts/broken.vcf"] != string(h.data["bad"]) {
		t.Errorf("malformed card not kept raw byte for byte")
	}
	if files["photos/DCIM/100SIDEK/SIDK0002.JPG"] != string(h.data["p1"]) {
		t.Errorf("photo not byte-identical")
	}
	if n := strings.Count(files["contacts.vcf"], "BEGIN:VCARD"); n != 5 {
		t.Errorf("contacts.vcf holds %d cards, want 5", n)
	}
	st, err := os.Stat(filepath.Join(out, "photos/DCIM/100SIDEK/SIDK0001.JPG"))
	if err != nil || !st.ModTime().Equal(t0) {
		t.Errorf("photo mtime = %v, want %v (%v)", st.ModTime(), t0, err)
	}

	res, err := Verify(context.Background(), out, nil)
	if err != nil || !res.OK {
		t.Fatalf("verify of a fresh export: %+v, %v", res, err)
	}
	// Any changed byte is found.
	for _, p := range []string{"contacts.vcf", "photos/DCIM/100SIDEK/SIDK0002.JPG", "raw/contacts/broken.vcf"} {
		full := filepath.Join(out, p)
		b, _ := os.ReadFile(full)
		b[len(b)/2] ^= 1
		os.WriteFile(full, b, 0o644)
		res, err := Verify(context.Background(), out, nil)
		if err != nil || res.OK || len(res.Problems) != 1 || res.Problems[0].Path != p {
			t.Errorf("verify after changing %s: %+v, %v", p, res, err)
		}
		b[len(b)/2] ^= 1
		os.WriteFile(full, b, 0o644)
	}
	os.Remove(filepath.Join(out, "todos.ics"))
	if res, _ := Verify(context.Background(), out, nil); res.OK || !strings.Contains(res.Problems[0].Problem, "missing") {
		t.Errorf("verify of a missing file: %+v", res)
	}
}

func TestExportFailedItemContinues(t *testing.T) {
	h := smallPhone()
	h.failIDs = map[string]bool{"e1": true}
	sum, err := Export(context.Background(), h, Options{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed) != 1 || sum.Failed[0].ID != "e1" || sum.Counts[device.KindEvent] != 2 {
		t.Errorf("failed = %+v, events %d", sum.Failed, sum.Counts[device.KindEvent])
	}
}

func TestRerunFetchesNothing(t *testing.T) {
	out := t.TempDir()
	h := smallPhone()
	if _, err := Export(context.Background(), h, Options{Out: out}); err != nil {
		t.Fatal(err)
	}
	first := tree(t, out)
	h.opens = 0
	sum, err := Export(context.Background(), h, Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if h.opens != 0 || sum.Resumed != len(h.items) {
		t.Errorf("rerun opened %d objects, resumed %d of %d", h.opens, sum.Resumed, len(h.items))
	}
	if second := tree(t, out); !sameTree(first, second) {
		t.Errorf("rerun changed the folder: %s", diffTree(first, second))
	}
}

// TestResumeAfterDisconnect cuts the link at many points of the export and
// checks that rerunning ends byte-identical to an uninterrupted export.
func TestResumeAfterDisconnect(t *testing.T) {
	ref := t.TempDir()
	if _, err := Export(context.Background(), smallPhone(), Options{Out: ref}); err != nil {
		t.Fatal(err)
	}
	want := tree(t, ref)
	var total int64
	for _, d := range smallPhone().data {
		total += int64(len(d))
	}
	rng := rand.New(rand.NewPCG(7, 7))
	cuts := []int64{1, 100, total - 1}
	for range 25 {
		cuts = append(cuts, 1+rng.Int64N(total-1))
	}
	for _, cut := range cuts {
		out := t.TempDir()
		h := smallPhone()
		h.cutAfter = cut
		_, err := Export(context.Background(), h, Options{Out: out})
		if !errors.Is(err, device.ErrDisconnected) {
			t.Fatalf("cut at %d: err = %v, want ErrDisconnected", cut, err)
		}
		// A second interruption, further on, before the run that finishes.
		h2 := smallPhone()
		h2.cutAfter = cut/2 + 1
		Export(context.Background(), h2, Options{Out: out})
		sum, err := Export(context.Background(), smallPhone(), Options{Out: out})
		if err != nil {
			t.Fatalf("resume after cut at %d: %v", cut, err)
		}
		if sum.Resumed == 0 && cut > 200000 {
			t.Errorf("cut at %d: nothing resumed", cut)
		}
		if got := tree(t, out); !sameTree(want, got) {
			t.Fatalf("cut at %d: resumed export differs: %s", cut, diffTree(want, got))
		}
	}
}

// TestPartialItemKeptAndRetried: an object the handset sent only in part
// (its reader says Incomplete) is kept and converted, marked partial, makes
// the exit code 2, is never resumed from but read again by the next run,
// and an interrupted export with it ends as an uninterrupted one.
func TestPartialItemKeptAndRetried(t *testing.T) {
	partialPhone := func() *fakeHandset {
		h := smallPhone()
		h.partial = map[string]string{"c0": "the phone stopped after slot 3", "p1": "the photo stops short"}
		return h
	}
	ref := t.TempDir()
	sum, err := Export(context.Background(), partialPhone(), Options{Out: ref})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Partial) != 2 || sum.ExitCode() != 2 || !strings.Contains(sum.Partial[0].Reason, "stopped after slot 3") {
		t.Fatalf("partial = %+v, exit %d", sum.Partial, sum.ExitCode())
	}
	m, err := ReadManifest(ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range m.Items {
		partial := it.ID == "c0" || it.ID == "p1"
		if (it.Status == StatusPartial) != partial {
			t.Errorf("%s: status %s", it.ID, it.Status)
		}
		if partial && (it.SHA256 == "" || len(it.Errors) == 0 || (it.ID == "c0" && len(it.Outputs) == 0)) {
			t.Errorf("%s: partial item not kept and converted: %+v", it.ID, it)
		}
	}
	want := tree(t, ref)

	// A rerun reads exactly the partial items again.
	h := partialPhone()
	sum, err = Export(context.Background(), h, Options{Out: ref})
	if err != nil || sum.Fetched != 2 || h.opens != 2 {
		t.Fatalf("rerun: err %v, fetched %d, opens %d; want the 2 partial items read again", err, sum.Fetched, h.opens)
	}
	if got := tree(t, ref); !sameTree(want, got) {
		t.Fatalf("rerun changed the folder: %s", diffTree(want, got))
	}

	// Interrupted after the partial photo was read, then resumed.
	out := t.TempDir()
	cut := partialPhone()
	for _, it := range cut.items { // cut just past the partial photo
		cut.cutAfter += it.Size
		if it.ID == "p1" {
			cut.cutAfter += 50
			break
		}
	}
	if _, err := Export(context.Background(), cut, Options{Out: out}); !errors.Is(err, device.ErrDisconnected) {
		t.Fatalf("cut: err = %v", err)
	}
	if _, err := Export(context.Background(), partialPhone(), Options{Out: out}); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, out); !sameTree(want, got) {
		t.Fatalf("resumed partial export differs: %s", diffTree(want, got))
	}

	// Once the handset gives everything, the items are whole and ok.
	sum, err = Export(context.Background(), smallPhone(), Options{Out: out})
	if err != nil || len(sum.Partial) != 0 || sum.Fetched != 2 {
		t.Fatalf("full run: err %v, partial %v, fetched %d", err, sum.Partial, sum.Fetched)
	}
}

func TestCancelStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := Export(ctx, smallPhone(), Options{Out: t.TempDir(), Reporter: ReporterFunc(func(e Event) {
		if e.Stage == StageFetch {
			if n++; n == 3 {
				cancel()
			}
		}
	})})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestFewerKindsKeepsEarlierItems(t *testing.T) {
	out := t.TempDir()
	if _, err := Export(context.Background(), smallPhone(), Options{Out: out}); err != nil {
		t.Fatal(err)
	}
	sum, err := Export(context.Background(), smallPhone(), Options{Out: out, Kinds: []device.Kind{device.KindContact}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[device.KindPhoto] != 8 {
		t.Errorf("photos from the first run dropped from the manifest: %d", sum.Counts[device.KindPhoto])
	}
	if res, err := Verify(context.Background(), out, nil); err != nil || !res.OK {
		t.Errorf("verify: %+v %v", res, err)
	}
}

func sameTree(a, b map[string]string) bool { return diffTree(a, b) == "" }

func diffTree(a, b map[string]string) string {
	var d []string
	for p, x := range a {
		if y, ok := b[p]; !ok {
			d = append(d, "missing "+p)
		} else if x != y {
			d = append(d, "differs "+p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			d = append(d, "extra "+p)
		}
	}
	return strings.Join(d, ", ")
}

func TestEmptyHandsetWarns(t *testing.T) {
	h := &fakeHandset{info: device.Info{Serial: "EMPTY"}, data: map[string][]byte{}}
	sum, err := Export(context.Background(), h, Options{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "listed nothing") {
		t.Errorf("warnings = %q, want one saying the handset listed nothing", sum.Warnings)
	}
}
