package dir

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

var pngHead = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")

// treeFiles are the regular files of hostileTree.
var treeFiles = map[string]string{
	"contacts.vcf":              "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;John\r\nEND:VCARD\r\n",
	"calendar/k770.vcs":         "BEGIN:VCALENDAR\r\nVERSION:1.0\r\nBEGIN:VTODO\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
	"calendar/holidays.ICS":     "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
	"notes/shopping.vnt":        "BEGIN:VNOTE\r\nBODY:milk\r\nEND:VNOTE\r\n",
	"DCIM/100PHONE/IMG_1.JPG":   "\xff\xd8\xff\xe0 not really a jpeg",
	"DCIM/100PHONE/IMG_2":       string(pngHead),
	"DCIM/100PHONE/VID_1.3gp":   "\x00\x00\x00\x14ftyp3gp4",
	"phonebook/sm.dump":         "AT+CPBS=\"SM\"\r\nOK\r\nAT+CPBR=1,250\r\n+CPBR: 1,\"123\",129,\"Mum\"\r\nOK\r\n",
	"phonebook/me.dump":         "AT+CPBR=1\n+CPBR: 1,\"+31234657899\",145,\"Mama GSM\"\nOK\n",
	"phonebook/gammu.backup":    "[Backup]\nFormat = 1.04\n",
	"phonebook/pb":              "\xef\xbb\xbfBEGIN:VCARD\nVERSION:3.0\nFN:X\nEND:VCARD\n",
	"empty.txt":                 "",
	"caf\xe9/na\xefve 100%.vcf": "BEGIN:VCARD\r\nEND:VCARD\r\n",
	".hidden.vcf":               "BEGIN:VCARD\r\nEND:VCARD\r\n",
	".git/config.vcf":           "BEGIN:VCARD\r\nEND:VCARD\r\n",
	"deep/a/b/c/d/e/f.vcf":      "BEGIN:VCARD\r\nEND:VCARD\r\n",
}

// hostileTree builds a folder with every kind of object and every trap the
// package promises to survive, and returns its path.
func hostileTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for name, data := range treeFiles {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if runtime.GOOS != "windows" {
		must(t, syscall.Mkfifo(filepath.Join(root, "fifo.vcf"), 0o644))
		must(t, os.Symlink("loop-b", filepath.Join(root, "loop-a")))
		must(t, os.Symlink("loop-a", filepath.Join(root, "loop-b")))
		must(t, os.Symlink(".", filepath.Join(root, "self")))
		must(t, os.Symlink("/etc/passwd", filepath.Join(root, "passwd.vcf")))
		must(t, os.Symlink("../../etc/passwd", filepath.Join(root, "notes", "up.vnt")))
		must(t, os.Symlink("contacts.vcf", filepath.Join(root, "link.vcf")))
	}
	// A fixed mtime, so Modified can be checked.
	mt := time.Date(2009, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	must(t, os.Chtimes(filepath.Join(root, "contacts.vcf"), mt, mt))
	return root
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func open(t *testing.T, root string, opt Options) *Handset {
	t.Helper()
	h, err := Open(root, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestList(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("FIFOs and symbolic links")
	}
	root := hostileTree(t)
	before := snapshot(t, root)
	h := open(t, root, Options{MaxDepth: 5})

	done := make(chan struct{})
	var items []device.Item
	var err error
	go func() {
		defer close(done)
		items, err = h.List(context.Background())
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("List hangs (FIFO opened or symlink loop followed?)")
	}
	if err != nil {
		t.Fatal(err)
	}

	type want struct {
		id     string
		kind   device.Kind
		format string
		folder string
	}
	wants := []want{
		{"DCIM/100PHONE/IMG_1.JPG", device.KindPhoto, "image/jpeg", "/DCIM/100PHONE"},
		{"DCIM/100PHONE/IMG_2", device.KindPhoto, "image/png", "/DCIM/100PHONE"},
		{"DCIM/100PHONE/VID_1.3gp", device.KindPhoto, "video/3gpp", "/DCIM/100PHONE"},
		{"/caf%E9/na%EFve 100%25.vcf", device.KindContact, "text/x-vcard", "/caf\xe9"},
		{"calendar/holidays.ICS", device.KindEvent, "text/calendar", "/calendar"},
		{"calendar/k770.vcs", device.KindEvent, "text/x-vcalendar", "/calendar"},
		{"contacts.vcf", device.KindContact, "text/x-vcard", "/"},
		{"empty.txt", device.KindFile, "application/octet-stream", "/"},
		{"link.vcf", device.KindContact, "text/x-vcard", "/"},
		{"notes/shopping.vnt", device.KindNote, "text/x-vnote", "/notes"},
		{"phonebook/gammu.backup", device.KindFile, "application/octet-stream", "/phonebook"},
		{"phonebook/me.dump", device.KindContact, "text/x-at-phonebook", "/phonebook"},
		{"phonebook/pb", device.KindContact, "text/x-vcard", "/phonebook"},
		{"phonebook/sm.dump", device.KindContact, "text/x-at-phonebook; memory=SM", "/phonebook"},
	}
	if len(items) != len(wants) {
		for _, it := range items {
			t.Logf("got %q %s %s", it.ID, it.Kind, it.Format)
		}
		t.Fatalf("List returned %d items, want %d", len(items), len(wants))
	}
	for i, w := range wants {
		it := items[i]
		if it.ID != w.id || it.Kind != w.kind || it.Format != w.format || it.Folder != w.folder {
			t.Errorf("item %d = {%q %s %q %q}, want {%q %s %q %q}", i,
				it.ID, it.Kind, it.Format, it.Folder, w.id, w.kind, w.format, w.folder)
		}
		p, _ := pathOf(it.ID)
		if p == "link.vcf" {
			p = "contacts.vcf"
		}
		if it.Size != int64(len(treeFiles[p])) {
			t.Errorf("%s: Size %d, want %d", it.ID, it.Size, len(treeFiles[p]))
		}
		if it.Modified.Location() != time.UTC || it.Modified.IsZero() {
			t.Errorf("%s: Modified %v, want a UTC time", it.ID, it.Modified)
		}
	}
	if got := items[6].Modified; !got.Equal(time.Date(2009, 3, 4, 4, 6, 7, 0, time.UTC)) {
		t.Errorf("contacts.vcf Modified = %v", got)
	}
	if items[3].Name != "na\xefve 100%.vcf" {
		t.Errorf("non-UTF-8 Name = %q", items[3].Name)
	}

	skipped := map[string]string{}
	for _, s := range h.Skipped() {
		skipped[s.Path] = s.Reason
	}
	for p, reason := range map[string]string{
		"fifo.vcf":       "special file",
		"loop-a":         "outside the folder or nowhere",
		"loop-b":         "outside the folder or nowhere",
		"self":           "to a folder",
		"passwd.vcf":     "outside the folder",
		"notes/up.vnt":   "outside the folder",
		"deep/a/b/c/d/e": "deeper than 5 folders",
		".git":           "hidden",
		".hidden.vcf":    "hidden",
	} {
		if !strings.Contains(skipped[p], reason) {
			t.Errorf("Skipped[%q] = %q, want it to mention %q", p, skipped[p], reason)
		}
	}
	if len(skipped) != 9 {
		t.Errorf("Skipped = %v", h.Skipped())
	}

	// Every listed item opens and streams exactly its listed size; nothing
	// in the folder changed.
	for _, it := range items {
		rc, err := h.Open(context.Background(), it)
		if err != nil {
			t.Errorf("Open(%q): %v", it.ID, err)
			continue
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil || n != it.Size {
			t.Errorf("Open(%q): read %d bytes, err %v; want %d", it.ID, n, err, it.Size)
		}
	}
	if after := snapshot(t, root); !slices.Equal(before, after) {
		t.Errorf("the folder changed:\nbefore %q\nafter  %q", before, after)
	}

	// Listing again gives the same items in the same order.
	again, err := h.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(items, again, func(a, b device.Item) bool { return a == b }) {
		t.Error("a second List differs from the first")
	}
}

// snapshot lists every entry under root with its mode, size and mtime.
func snapshot(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		out = append(out, p+" "+st.Mode().String()+" "+st.ModTime().String()+" "+string(rune(st.Size())))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestListKinds(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("FIFOs and symbolic links")
	}
	h := open(t, hostileTree(t), Options{})
	for _, tc := range []struct {
		kinds []device.Kind
		ids   []string
	}{
		{[]device.Kind{device.KindNote}, []string{"notes/shopping.vnt"}},
		{[]device.Kind{device.KindTodo}, []string{"calendar/holidays.ICS", "calendar/k770.vcs"}},
		{[]device.Kind{device.KindEvent, device.KindFile}, []string{"calendar/holidays.ICS", "calendar/k770.vcs",
			"empty.txt", "phonebook/gammu.backup"}},
		{[]device.Kind{device.KindContact}, []string{"/caf%E9/na%EFve 100%25.vcf", "contacts.vcf",
			"deep/a/b/c/d/e/f.vcf", "link.vcf", "phonebook/me.dump", "phonebook/pb", "phonebook/sm.dump"}},
	} {
		items, err := h.List(context.Background(), tc.kinds...)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range items {
			ids = append(ids, it.ID)
		}
		if !slices.Equal(ids, tc.ids) {
			t.Errorf("List(%v) = %q, want %q", tc.kinds, ids, tc.ids)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("FIFOs and symbolic links")
	}
	root := hostileTree(t)
	h := open(t, root, Options{})
	ctx := context.Background()
	for _, id := range []string{
		"passwd.vcf",   // symlink out of the folder
		"notes/up.vnt", // relative symlink out of the folder
		"../" + filepath.Base(root) + "/contacts.vcf",
		"/etc/passwd",        // an escaped ID: "etc/passwd", not in the folder
		"/%2E%2E/etc/passwd", // escaped "..": not a valid path
		"/%zz",               // bad escape
		".",
		"",
		"fifo.vcf", // must not block
		"loop-a",
		"self",
		"calendar", // a folder
		"missing.vcf",
	} {
		done := make(chan error, 1)
		go func() {
			rc, err := h.Open(ctx, device.Item{ID: id})
			if err == nil {
				rc.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("Open(%q) succeeded", id)
			} else if errors.Is(err, device.ErrDisconnected) {
				t.Errorf("Open(%q) = %v; a bad item must not end the export", id, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Open(%q) hangs", id)
		}
	}
}

func TestNonUTF8IDSurvivesJSON(t *testing.T) {
	root := t.TempDir()
	name := "caf\xe9 %41.vcf"
	if err := os.WriteFile(filepath.Join(root, name), []byte("BEGIN:VCARD\r\nEND:VCARD\r\n"), 0o644); err != nil {
		t.Skipf("file system refuses non-UTF-8 names: %v", err)
	}
	h := open(t, root, Options{})
	items, err := h.List(context.Background())
	if err != nil || len(items) != 1 {
		t.Fatalf("List = %v, %v", items, err)
	}
	j, err := json.Marshal(items[0])
	if err != nil {
		t.Fatal(err)
	}
	var back device.Item
	if err := json.Unmarshal(j, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != items[0].ID {
		t.Fatalf("ID %q came back from JSON as %q", items[0].ID, back.ID)
	}
	rc, err := h.Open(context.Background(), back)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); !bytes.HasPrefix(b, []byte("BEGIN:VCARD")) {
		t.Errorf("read %q", b)
	}
}

func TestUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 || runtime.GOOS == "windows" {
		t.Skip("permissions do not apply")
	}
	root := t.TempDir()
	p := filepath.Join(root, "locked.vcf")
	must(t, os.WriteFile(p, []byte("BEGIN:VCARD\r\n"), 0o000))
	q := filepath.Join(root, "locked.dump")
	must(t, os.WriteFile(q, []byte("AT+CPBR=1\r\n"), 0o000))
	sub := filepath.Join(root, "sub")
	must(t, os.Mkdir(sub, 0o000))
	t.Cleanup(func() { os.Chmod(sub, 0o755) })
	h := open(t, root, Options{})
	items, err := h.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Format != device.FormatOctets || items[1].Kind != device.KindContact {
		t.Fatalf("List = %+v; want both files listed", items)
	}
	for _, it := range items {
		if _, err := h.Open(context.Background(), it); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("Open(%s) = %v, want a permission error", it.ID, err)
		}
	}
	if s := h.Skipped(); len(s) != 1 || s[0].Path != "sub" {
		t.Errorf("Skipped = %v, want the unreadable folder", s)
	}
}

func TestMaxEntries(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"a.vcf", "b.vcf", "c.vcf", "d.vcf"} {
		must(t, os.WriteFile(filepath.Join(root, n), nil, 0o644))
	}
	h := open(t, root, Options{MaxEntries: 3})
	if _, err := h.List(context.Background()); !errors.Is(err, ErrTooManyEntries) ||
		!strings.Contains(err.Error(), "more than 3") {
		t.Errorf("List = %v, want ErrTooManyEntries", err)
	}
	h4 := open(t, root, Options{MaxEntries: 4})
	if items, err := h4.List(context.Background()); err != nil || len(items) != 4 {
		t.Errorf("List with room = %d items, %v", len(items), err)
	}
}

func TestCancel(t *testing.T) {
	root := t.TempDir()
	must(t, os.WriteFile(filepath.Join(root, "a.vcf"), []byte("BEGIN:VCARD\r\n"), 0o644))
	h := open(t, root, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.List(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("List = %v, want context.Canceled", err)
	}
	items, err := h.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	rc, err := h.Open(ctx, items[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	cancel()
	if _, err := rc.Read(make([]byte, 4)); !errors.Is(err, context.Canceled) {
		t.Errorf("Read after cancel = %v", err)
	}
}

func TestCloseAndGone(t *testing.T) {
	root := t.TempDir()
	card := filepath.Join(root, "card")
	must(t, os.Mkdir(card, 0o755))
	must(t, os.WriteFile(filepath.Join(card, "a.vcf"), []byte("BEGIN:VCARD\r\n"), 0o644))
	h := open(t, card, Options{})
	items, err := h.List(context.Background())
	if err != nil || len(items) != 1 {
		t.Fatalf("List = %v, %v", items, err)
	}
	// The card is pulled: Open says the handset is gone, so the export
	// stops and resumes later.
	must(t, os.RemoveAll(card))
	if _, err := h.Open(context.Background(), items[0]); !errors.Is(err, device.ErrDisconnected) {
		t.Errorf("Open after the folder vanished = %v, want ErrDisconnected", err)
	}
	must(t, h.Close())
	must(t, h.Close())
	if _, err := h.List(context.Background()); !errors.Is(err, device.ErrDisconnected) {
		t.Errorf("List after Close = %v", err)
	}
	if _, err := h.Open(context.Background(), items[0]); !errors.Is(err, device.ErrDisconnected) {
		t.Errorf("Open after Close = %v", err)
	}
}

func TestOpenFolder(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "x.vcf")
	must(t, os.WriteFile(file, nil, 0o644))
	if _, err := Open(filepath.Join(root, "missing"), Options{}); !errors.Is(err, device.ErrNotFound) {
		t.Errorf("Open(missing) = %v, want ErrNotFound", err)
	}
	if _, err := Open(file, Options{}); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("Open(file) = %v, want not a folder", err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	h := open(t, "testdata/gammu", Options{})
	abs := filepath.Join(wd, "testdata", "gammu")
	info := h.Info()
	if info.Maker != "folder" || info.Model != "gammu" || info.Protocol != "dir" || info.Battery != -1 ||
		info.Location != "dir:"+abs || len(info.Serial) != 16 {
		t.Errorf("Info = %+v", info)
	}
	h2 := open(t, abs+"/", Options{})
	if h2.Info() != info {
		t.Errorf("the same folder named two ways: %+v and %+v", info, h2.Info())
	}
	if h3 := open(t, root, Options{}); h3.Info().Serial == info.Serial {
		t.Error("two folders share a serial")
	}
}

// TestCorpus lists a few of Gammu's real samples (testdata/README.md).
func TestCorpus(t *testing.T) {
	h := open(t, "testdata/gammu", Options{})
	items, err := h.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.ID+" "+string(it.Kind)+" "+it.Format+" "+it.Folder+" "+it.Name)
	}
	want := []string{
		"at-getmemory/ucs2.dump contact text/x-at-phonebook /at-getmemory ucs2.dump",
		"samsung-memory/c301.dump contact text/x-at-phonebook /samsung-memory c301.dump",
		"vcal/01.ics event text/calendar /vcal 01.ics",
		"vcal/rrule-1.0.vcs event text/x-vcalendar /vcal rrule-1.0.vcs",
		"vcards/se-1.backup file application/octet-stream /vcards se-1.backup",
		"vcards/se-1.vcf contact text/x-vcard /vcards se-1.vcf",
		"vnote/nokia.vnt note text/x-vnote /vnote nokia.vnt",
	}
	if !slices.Equal(got, want) {
		t.Errorf("List:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, it := range items {
		rc, err := h.Open(context.Background(), it)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		want, _ := os.ReadFile(filepath.Join("testdata/gammu", filepath.FromSlash(it.ID)))
		if err != nil || !bytes.Equal(b, want) {
			t.Errorf("Open(%s): %d bytes, %v; want the file's %d bytes", it.ID, len(b), err, len(want))
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name, head string
		kind       device.Kind
		format     string
	}{
		{"a.VCF", "", device.KindContact, "text/x-vcard"},
		{"a.vcard", "garbage", device.KindContact, "text/x-vcard"},
		{"a.vcs", "", device.KindEvent, "text/x-vcalendar"},
		{"a.ics", "", device.KindEvent, "text/calendar"},
		{"a.vnt", "", device.KindNote, "text/x-vnote"},
		{"a.heic", "", device.KindPhoto, "image/heif"},
		{"a.jpeg", "", device.KindPhoto, "image/jpeg"},
		{"a.mp4", "", device.KindPhoto, "video/mp4"},
		{"a.backup", "[Backup]\n", device.KindFile, "application/octet-stream"},
		{"x.dump", "AT+CPBR=16\r\n+CPBR: 16,\"\",,\"0053\"\r\nOK\r\n", device.KindContact, "text/x-at-phonebook"},
		{"x.dump", "at+spbr=1\n", device.KindContact, "text/x-at-phonebook"},
		{"x.dump", "ATE0\r\nOK\r\nAT+CSCS=\"UCS2\"\r\nOK\r\nAT+CPBS=\"ME\"\r\nOK\r\nAT+CPBR=1,500\r\n", device.KindContact, "text/x-at-phonebook; memory=ME"},
		{"x.dump", "AT+CPBS?\r\n+CPBS: \"SM\",12,250\r\nOK\r\nAT+CPBR=1,250\r\n", device.KindContact, "text/x-at-phonebook; memory=SM"},
		{"x.dump", "AT+CPBS=\"S;M\"\r\nAT+CPBR=1\r\n", device.KindContact, "text/x-at-phonebook"},
		{"x.dump", "AT+CMGL=4\r\n+CMGL: 1\r\n", device.KindFile, "application/octet-stream"},
		{"x.txt", "Hello\nAT+CPBR=1\n", device.KindFile, "application/octet-stream"},
		{"x.dump", "AT+CPBS=\"SM\"\r\nOK\r\n", device.KindFile, "application/octet-stream"},
		{"pb", "begin:vcard\r\n", device.KindContact, "text/x-vcard"},
		{"cal", "\r\nBEGIN:VCALENDAR\r\nVERSION:2.0\r\n", device.KindEvent, "text/calendar"},
		{"cal", "BEGIN:VCALENDAR\r\nVERSION:1.0\r\n", device.KindEvent, "text/x-vcalendar"},
		{"n", "BEGIN:VNOTE\r\n", device.KindNote, "text/x-vnote"},
		{"img", string(pngHead), device.KindPhoto, "image/png"},
		{"img", "GIF89a\x01\x00", device.KindPhoto, "image/gif"},
		{"ico", "\x00\x00\x01\x00\x01\x00", device.KindFile, "application/octet-stream"},
		{"empty", "", device.KindFile, "application/octet-stream"},
		{"bin", "\x00\x01\x02\x03", device.KindFile, "application/octet-stream"},
	} {
		kind, format := Classify(tc.name, []byte(tc.head))
		if kind != tc.kind || format != tc.format {
			t.Errorf("Classify(%q, %q) = %s %q, want %s %q", tc.name, tc.head, kind, format, tc.kind, tc.format)
		}
	}
	// A command line cut by the sniff window is not judged.
	long := "AT+CSCS=\"GSM\"\r\n" + strings.Repeat("ATE0\r\n", 100)
	if _, format := Classify("x", []byte(long)); format != device.FormatOctets {
		t.Errorf("a cut prelude = %q", format)
	}
}

func TestIDRoundTrip(t *testing.T) {
	for _, p := range []string{"a.vcf", "sub/dir/x y.jpg", "100%.vcf", "caf\xe9/\xff%.vcf", "ünïcode/ok.vcf", "\xef\xbf\xbd.vcf"} {
		id := idOf(p)
		back, err := pathOf(id)
		if err != nil || back != p {
			t.Errorf("pathOf(idOf(%q)) = %q, %v", p, back, err)
		}
		if !strings.HasPrefix(id, "/") != (p == strings.ToValidUTF8(p, "")) {
			t.Errorf("idOf(%q) = %q", p, id)
		}
	}
}
