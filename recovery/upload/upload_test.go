package upload

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/recovery"
)

// eventLog collects every progress event as a line, as the CLI would print.
type eventLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *eventLog) Report(e recovery.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	json.NewEncoder(&l.b).Encode(e)
}

func (l *eventLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func testOptions(server string, s *davServer) Options {
	return Options{
		Server:    server,
		User:      s.User,
		Password:  s.Password,
		Jobs:      2,
		Timeout:   5 * time.Second,
		RetryBase: 10 * time.Millisecond,
		RetryMax:  300 * time.Millisecond,
	}
}

func mustRun(t *testing.T, dir string, opts Options, rep recovery.Reporter) *Summary {
	t.Helper()
	sum, err := Run(context.Background(), dir, opts, rep)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return sum
}

func summaryJSON(t testing.TB, s *Summary) string {
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// uploadTwice is the core acceptance for one server: everything lands
// exactly once, a rerun sends no PUT and says "uploaded": 0.
func uploadTwice(t *testing.T, s *davServer, f fixture) {
	dir := t.TempDir()
	writeExport(t, dir, f)
	px := newFaultProxy(t, s.URL, 1, 0)
	opts := testOptions(px.URL, s)
	sum := mustRun(t, dir, opts, nil)
	want := f.Contacts + f.Events + f.Todos
	if sum.Uploaded != want || sum.Failed != 0 || !sum.Clean() {
		t.Fatalf("first run: %s", summaryJSON(t, sum))
	}
	if got := px.count("PUT"); got != want {
		t.Errorf("first run sent %d PUTs for %d items", got, want)
	}
	// requests = items + a constant per collection.
	if extra := sum.Requests.Total - want; extra > 16 {
		t.Errorf("first run: %d requests for %d items (%d beyond one per item): %v", sum.Requests.Total, want, extra, sum.Requests.ByMethod)
	}
	countState(t, s).checkExact(t, f)

	px.resetCounts()
	sum2 := mustRun(t, dir, opts, nil)
	if sum2.Uploaded != 0 || sum2.AlreadyThere != want || !sum2.Clean() {
		t.Fatalf("second run: %s", summaryJSON(t, sum2))
	}
	if got := px.count("PUT") + px.count("GET"); got != 0 {
		t.Errorf("second run sent %d PUT/GET requests, want 0", got)
	}
	js := summaryJSON(t, sum2)
	if !strings.Contains(js, `"uploaded": 0`) {
		t.Errorf("summary JSON lacks \"uploaded\": 0:\n%s", js)
	}
	countState(t, s).checkExact(t, f)

	// Without the journal, a rerun compares with the server and still
	// sends no PUT.
	os.Remove(filepath.Join(dir, JournalName))
	px.resetCounts()
	sum3 := mustRun(t, dir, opts, nil)
	if sum3.Uploaded != 0 || sum3.AlreadyThere != want || !sum3.Clean() {
		t.Fatalf("run without journal: %s", summaryJSON(t, sum3))
	}
	if got := px.count("PUT"); got != 0 {
		t.Errorf("run without journal sent %d PUTs", got)
	}
}

func TestRadicaleUploadTwice(t *testing.T) {
	s := startRadicale(t)
	uploadTwice(t, s, fixture{Contacts: 30, Events: 12, Todos: 6, OddUID: true})
}

func TestXandikosUploadTwice(t *testing.T) {
	s := startXandikos(t)
	uploadTwice(t, s, fixture{Contacts: 30, Events: 12, Todos: 6, OddUID: true})
}

func TestApachePhotos(t *testing.T) {
	w := startApache(t)
	dir := t.TempDir()
	f := fixture{Photos: 12}
	m := writeExport(t, dir, f)
	px := newFaultProxy(t, strings.TrimSuffix(w.URL, "photos/"), 1, 0)
	opts := Options{PhotosURL: px.URL + "photos/rescue/", User: w.User, Password: w.Password, RetryBase: 10 * time.Millisecond}
	sum := mustRun(t, dir, opts, nil)
	if sum.Uploaded != f.Photos || !sum.Clean() {
		t.Fatalf("first run: %s", summaryJSON(t, sum))
	}
	checkPhotos(t, dir, filepath.Join(w.Root, "rescue"), m)
	px.resetCounts()
	sum2 := mustRun(t, dir, opts, nil)
	if sum2.Uploaded != 0 || sum2.AlreadyThere != f.Photos || !sum2.Clean() {
		t.Fatalf("second run: %s", summaryJSON(t, sum2))
	}
	if n := px.count("PUT"); n != 0 {
		t.Errorf("second run sent %d PUTs", n)
	}
}

// checkPhotos compares every photo on the server's disk with the export.
func checkPhotos(t testing.TB, dir, root string, m *recovery.Manifest) {
	t.Helper()
	n := 0
	for _, it := range m.Items {
		if it.Kind != device.KindPhoto || it.Status == recovery.StatusFailed {
			continue
		}
		for _, o := range []recovery.Output{{Path: it.Raw}} {
			want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(o.Path)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(o.Path, "photos/"))))
			if err != nil {
				t.Errorf("photo %s not on the server: %v", o.Path, err)
				continue
			}
			if !bytes.Equal(got, want) {
				t.Errorf("photo %s differs on the server (%d bytes, want %d)", o.Path, len(got), len(want))
			}
			n++
		}
	}
	var files int
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files++
		}
		return nil
	})
	if files != n {
		t.Errorf("server folder holds %d files, want %d", files, n)
	}
}

// TestFaults puts the fault proxy in front of each server: random 5xx,
// 429 with Retry-After, replies slower than the client's timeout and cut
// connections, before and after the server did the work. The final state
// must equal a clean run's: everything once, nothing twice.
func TestFaults(t *testing.T) {
	f := fixture{Contacts: 25, Events: 10, Todos: 5, OddUID: true}
	for _, tc := range []struct {
		name  string
		start func(testing.TB) *davServer
	}{{"radicale", startRadicale}, {"xandikos", startXandikos}} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.start(t)
			dir := t.TempDir()
			writeExport(t, dir, f)
			px := newFaultProxy(t, s.URL, 42, 0.25)
			px.Delay = 700 * time.Millisecond
			opts := testOptions(px.URL, s)
			opts.Timeout = 500 * time.Millisecond
			opts.Retries = 8
			sum := mustRun(t, dir, opts, nil)
			if sum.Uploaded != f.Contacts+f.Events+f.Todos || !sum.Clean() {
				t.Fatalf("faulty run: %s", summaryJSON(t, sum))
			}
			t.Logf("faults injected: %v; requests %d (retries %d)", px.Faults, sum.Requests.Total, sum.Requests.Retries)
			countState(t, s).checkExact(t, f)
			// A rerun through the same faults changes nothing.
			sum2 := mustRun(t, dir, opts, nil)
			if sum2.Uploaded != 0 || !sum2.Clean() {
				t.Fatalf("rerun: %s", summaryJSON(t, sum2))
			}
			countState(t, s).checkExact(t, f)
		})
	}
	t.Run("apache", func(t *testing.T) {
		w := startApache(t)
		dir := t.TempDir()
		m := writeExport(t, dir, fixture{Photos: 15})
		px := newFaultProxy(t, strings.TrimSuffix(w.URL, "photos/"), 7, 0.25)
		px.Delay = 700 * time.Millisecond
		opts := Options{PhotosURL: px.URL + "photos/", User: w.User, Password: w.Password, Timeout: 500 * time.Millisecond,
			Retries: 8, RetryBase: 10 * time.Millisecond, RetryMax: 300 * time.Millisecond}
		sum := mustRun(t, dir, opts, nil)
		if sum.Uploaded != 15 || !sum.Clean() {
			t.Fatalf("faulty run: %s", summaryJSON(t, sum))
		}
		t.Logf("faults injected: %v", px.Faults)
		checkPhotos(t, dir, w.Root, m)
	})
}

// TestInterruptedResume cancels a run midway, then reruns: everything is
// there once.
func TestInterruptedResume(t *testing.T) {
	s := startRadicale(t)
	f := fixture{Contacts: 40}
	dir := t.TempDir()
	writeExport(t, dir, f)
	opts := testOptions(s.URL, s)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	rep := recovery.ReporterFunc(func(e recovery.Event) {
		if e.Stage == StageUpload {
			n++
			if n == 15 {
				cancel()
			}
		}
	})
	if _, err := Run(ctx, dir, opts, rep); err == nil {
		t.Fatal("cancelled run returned no error")
	}
	sum := mustRun(t, dir, opts, nil)
	if sum.Uploaded+sum.AlreadyThere != f.Contacts || sum.Uploaded >= f.Contacts || !sum.Clean() {
		t.Fatalf("resumed run: %s", summaryJSON(t, sum))
	}
	countState(t, s).checkExact(t, f)
}

// TestConflicts: a different copy under our name is reported (then
// replaced with --overwrite); a duplicate UID under another name is a 409
// reported per item; the rest goes on.
func TestConflicts(t *testing.T) {
	s := startRadicale(t)
	f := fixture{Contacts: 5}
	dir := t.TempDir()
	writeExport(t, dir, f)
	opts := testOptions(s.URL, s)
	opts.Only = []device.Kind{device.KindContact}
	sum := mustRun(t, dir, opts, nil)
	if sum.Uploaded != 5 {
		t.Fatal(summaryJSON(t, sum))
	}
	col := sum.Collections[0].URL
	d := davClient{t: t, user: s.User, pass: s.Password}
	// Change contact 2 on the server; put contact 3's UID under a new name.
	resp, _ := d.do("PUT", col+"sk-contact-0002.vcf", "", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:sk-contact-0002\r\nFN:Changed\r\nN:Changed;;;;\r\nEND:VCARD\r\n")
	if resp.StatusCode/100 != 2 {
		t.Fatal(resp.Status)
	}
	resp, _ = d.do("DELETE", col+"sk-contact-0003.vcf", "", "")
	if resp.StatusCode/100 != 2 {
		t.Fatal(resp.Status)
	}
	resp, _ = d.do("PUT", col+"other-name.vcf", "", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:sk-contact-0003\r\nFN:Other\r\nN:Other;;;;\r\nEND:VCARD\r\n")
	if resp.StatusCode/100 != 2 {
		t.Fatal(resp.Status)
	}
	sum = mustRun(t, dir, opts, nil)
	if sum.Different != 2 || sum.AlreadyThere != 3 || sum.Clean() {
		t.Fatalf("after server changes: %s", summaryJSON(t, sum))
	}
	reasons := map[string]string{}
	for _, p := range sum.Problems {
		reasons[p.UID] = p.Reason
	}
	if !strings.Contains(reasons["sk-contact-0003"], "409") || !strings.Contains(reasons["sk-contact-0002"], "--overwrite") {
		t.Errorf("reasons: %q", reasons)
	}
	opts.Overwrite = true
	sum = mustRun(t, dir, opts, nil)
	if sum.Overwritten != 1 || sum.Different != 1 {
		t.Fatalf("with overwrite: %s", summaryJSON(t, sum))
	}
	_, body := d.do("GET", col+"sk-contact-0002.vcf", "", "")
	if !bytes.Contains(body, []byte("Person 2")) {
		t.Errorf("overwrite did not replace the server copy:\n%s", body)
	}
}

// TestTooLarge: a server that answers 413 to big cards gets the contact
// with its inline photo scaled down; the export keeps the original.
func TestTooLarge(t *testing.T) {
	s := startRadicale(t)
	f := fixture{Contacts: 3, BigPhoto: 300 << 10}
	dir := t.TempDir()
	writeExport(t, dir, f)
	orig, _ := os.ReadFile(filepath.Join(dir, "contacts", "sk-contact-0000.vcf"))
	px := newFaultProxy(t, s.URL, 1, 0)
	px.TooLarge = 100 << 10
	opts := testOptions(px.URL, s)
	sum := mustRun(t, dir, opts, nil)
	if sum.Uploaded != 3 || sum.Scaled != 1 || !sum.Clean() {
		t.Fatalf("%s", summaryJSON(t, sum))
	}
	st := countState(t, s)
	card := st.Bodies["contact:sk-contact-0000"]
	if len(card) == 0 || len(card) > 100<<10 || !bytes.Contains(card, []byte("PHOTO")) {
		t.Errorf("server card: %d bytes, photo %v", len(card), bytes.Contains(card, []byte("PHOTO")))
	}
	now, _ := os.ReadFile(filepath.Join(dir, "contacts", "sk-contact-0000.vcf"))
	if !bytes.Equal(orig, now) {
		t.Error("the export's card was changed")
	}
	sum2 := mustRun(t, dir, opts, nil)
	if sum2.Uploaded != 0 || sum2.AlreadyThere != 3 || !sum2.Clean() {
		t.Fatalf("rerun: %s", summaryJSON(t, sum2))
	}
	os.Remove(filepath.Join(dir, JournalName))
	sum3 := mustRun(t, dir, opts, nil)
	if sum3.Uploaded != 0 || sum3.AlreadyThere != 3 {
		t.Fatalf("rerun without journal: %s", summaryJSON(t, sum3))
	}
}

// TestDryRun writes nothing.
func TestDryRun(t *testing.T) {
	s := startRadicale(t)
	f := fixture{Contacts: 4, Events: 2, Todos: 2}
	dir := t.TempDir()
	writeExport(t, dir, f)
	px := newFaultProxy(t, s.URL, 1, 0)
	opts := testOptions(px.URL, s)
	opts.DryRun = true
	sum := mustRun(t, dir, opts, nil)
	if sum.WouldUpload != 8 || sum.Uploaded != 0 {
		t.Fatalf("%s", summaryJSON(t, sum))
	}
	for _, m := range []string{"PUT", "MKCOL", "MKCALENDAR", "DELETE"} {
		if n := px.count(m); n != 0 {
			t.Errorf("dry run sent %d %s", n, m)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, JournalName)); err == nil {
		t.Error("dry run wrote a journal")
	}
	var would int
	for _, c := range sum.Collections {
		if c.WouldCreate {
			would++
		}
	}
	if would == 0 {
		t.Errorf("dry run names no collection to create: %s", summaryJSON(t, sum))
	}
}

// TestNoPasswordLeak: the password is in no event, summary, journal,
// error message, and not in the argument list of any process.
func TestNoPasswordLeak(t *testing.T) {
	s := startRadicale(t)
	w := startApache(t)
	dir := t.TempDir()
	writeExport(t, dir, fixture{Contacts: 3, Events: 1, Todos: 1, Photos: 2})
	log := &eventLog{}
	check := func(what, text string) {
		t.Helper()
		for _, v := range []string{testPassword, "s3cr3t"} {
			if strings.Contains(text, v) {
				t.Errorf("password in %s:\n%s", what, text)
			}
		}
	}
	opts := testOptions(s.URL, s)
	opts.PhotosURL = w.URL
	sum := mustRun(t, dir, opts, log)
	check("summary", summaryJSON(t, sum))
	// Credentials in the URLs are taken out too.
	opts2 := opts
	opts2.User, opts2.Password = "", ""
	opts2.Server = strings.Replace(s.URL, "http://", "http://"+testUser+":"+"s3cr3t-Pa55+w%2Ford%2520"+"@", 1)
	opts2.PhotosURL = ""
	opts2.Only = []device.Kind{device.KindContact}
	sum2, err := Run(context.Background(), dir, opts2, log)
	if err != nil {
		t.Fatalf("Run with credentials in the URL: %v", err)
	}
	check("summary (URL credentials)", summaryJSON(t, sum2))
	// Errors: wrong server, wrong password, unreachable host.
	for _, o := range []Options{
		{Server: "http://127.0.0.1:1/", User: testUser, Password: testPassword, Retries: -1},
		{Server: s.URL, User: testUser, Password: testPassword + "x", Retries: -1},
		{Server: "http://" + testUser + ":" + testPassword + "@192.0.2.1/", Retries: -1},
		{Server: "http://" + testUser + ":" + testPassword + "@127.0.0.1:1/", Retries: -1, Timeout: time.Second},
		{PhotosURL: "http://" + testUser + ":" + testPassword + "@127.0.0.1:1/x/", Retries: -1},
	} {
		sum, err := Run(context.Background(), dir, o, log)
		if err == nil {
			t.Errorf("Run(%s) succeeded", o.Server)
			continue
		}
		check("error", err.Error())
		check("error (%v)", fmt.Sprintf("%v %+v %#v", err, err, err))
		check("summary", summaryJSON(t, sum))
	}
	check("events", log.String())
	j, err := os.ReadFile(filepath.Join(dir, JournalName))
	if err != nil {
		t.Fatal(err)
	}
	check("journal", string(j))
	// No process of ours (nor a server) has the password in its argv.
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil {
			check("argv of pid "+e.Name(), string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
		}
	}
}
