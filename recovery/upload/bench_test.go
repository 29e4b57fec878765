package upload

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The upload benchmark: on one fresh server, the same 1,000 contacts and
// 500 events go up three ways, each into its own new collections (server
// cost grows with collection size, so each starts empty):
//
//   - sk-rescue: Run with default options;
//   - vdirsyncer: Debian's vdirsyncer syncing a vdir of the same files
//     (generated config, driven with exec);
//   - bare: a loop of single PUTs with Content-Length and If-None-Match,
//     one keep-alive connection, no listing, no journal: the server's own
//     limit.
//
// Every request goes through the counting proxy (no faults), so the three
// are counted the same way. Metrics: items/s and requests per run.
//
//	go test ./recovery/upload -run '^$' -bench Upload -benchtime 1x -timeout 30m
//
// BENCH_CONTACTS and BENCH_EVENTS change the sizes.

func benchSizes() (int, int) {
	c, e := 1000, 500
	fmt.Sscan(os.Getenv("BENCH_CONTACTS"), &c)
	fmt.Sscan(os.Getenv("BENCH_EVENTS"), &e)
	return c, e
}

func BenchmarkUploadRadicale(b *testing.B) { benchUpload(b, startRadicale(b)) }

func BenchmarkUploadXandikos(b *testing.B) { benchUpload(b, startXandikos(b)) }

func benchUpload(b *testing.B, s *davServer) {
	nc, ne := benchSizes()
	dir := b.TempDir()
	f := fixture{Contacts: nc, Events: ne}
	m := writeExport(b, dir, f)
	items := nc + ne
	px := newFaultProxy(b, s.URL, 1, 0)
	home := strings.TrimSuffix(px.URL, "/") + s.CardHome
	calHome := strings.TrimSuffix(px.URL, "/") + s.CalHome
	run := 0

	report := func(b *testing.B, d time.Duration, reqs int) {
		b.ReportMetric(float64(items*b.N)/d.Seconds(), "items/s")
		b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
		b.ReportMetric(float64(reqs-items*b.N)/float64(b.N), "extra-requests/op")
	}
	total := func() int {
		px.mu.Lock()
		defer px.mu.Unlock()
		n := 0
		for _, v := range px.Methods {
			n += v
		}
		return n
	}

	b.Run("sk-rescue", func(b *testing.B) {
		var d time.Duration
		px.resetCounts()
		for range b.N {
			run++
			os.Remove(filepath.Join(dir, JournalName))
			opts := Options{Server: px.URL, User: s.User, Password: s.Password,
				Addressbook: fmt.Sprintf("bench-sk-%d-contacts", run), Calendar: fmt.Sprintf("bench-sk-%d-calendar", run)}
			t0 := time.Now()
			sum, err := Run(context.Background(), dir, opts, nil)
			d += time.Since(t0)
			if err != nil || sum.Uploaded != items || !sum.Clean() {
				b.Fatalf("Run: %v %s", err, summaryJSON(b, sum))
			}
		}
		report(b, d, total())
	})

	b.Run("bare", func(b *testing.B) {
		var d time.Duration
		px.resetCounts()
		for range b.N {
			run++
			card := fmt.Sprintf("%sbench-bare-%d-contacts/", home, run)
			cal := fmt.Sprintf("%sbench-bare-%d-calendar/", calHome, run)
			hc := &http.Client{}
			mk(b, hc, s, "MKCOL", card, `<?xml version="1.0"?><d:mkcol xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/><c:addressbook/></d:resourcetype></d:prop></d:set></d:mkcol>`)
			mk(b, hc, s, "MKCALENDAR", cal, "")
			t0 := time.Now()
			for _, it := range m.Items {
				o := it.Outputs[0]
				data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(o.Path)))
				if err != nil {
					b.Fatal(err)
				}
				u, ct := card+o.UID+".vcf", "text/vcard"
				if strings.HasSuffix(o.Path, ".ics") {
					u, ct = cal+o.UID+".ics", "text/calendar"
				}
				req, _ := http.NewRequest("PUT", u, bytes.NewReader(data))
				req.Header.Set("Content-Type", ct)
				req.Header.Set("If-None-Match", "*")
				if s.User != "" {
					req.SetBasicAuth(s.User, s.Password)
				}
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 201 && resp.StatusCode != 204 {
					b.Fatalf("PUT %s: %s", u, resp.Status)
				}
			}
			d += time.Since(t0)
		}
		report(b, d, total())
	})

	b.Run("vdirsyncer", func(b *testing.B) {
		bin, err := exec.LookPath("vdirsyncer")
		if err != nil {
			msg := "vdirsyncer not installed: run recovery/upload/testdata/install-servers.sh"
			if os.Getenv("CI") != "" {
				b.Fatal(msg)
			}
			b.Skip(msg)
		}
		var d time.Duration
		px.resetCounts()
		reqs := 0
		for range b.N {
			run++
			before := total()
			work := b.TempDir()
			vdir := filepath.Join(work, "vdir")
			for _, it := range m.Items {
				o := it.Outputs[0]
				sub := "contacts"
				if strings.HasSuffix(o.Path, ".ics") {
					sub = "calendar"
				}
				data, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(o.Path)))
				p := filepath.Join(vdir, sub, filepath.Base(o.Path))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, data, 0o644); err != nil {
					b.Fatal(err)
				}
			}
			card := fmt.Sprintf("%sbench-vdir-%d-contacts/", home, run)
			cal := fmt.Sprintf("%sbench-vdir-%d-calendar/", calHome, run)
			hc := &http.Client{}
			mk(b, hc, s, "MKCOL", card, `<?xml version="1.0"?><d:mkcol xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/><c:addressbook/></d:resourcetype></d:prop></d:set></d:mkcol>`)
			mk(b, hc, s, "MKCALENDAR", cal, "")
			auth := ""
			if s.User != "" {
				auth = fmt.Sprintf("username = %q\npassword = %q\n", s.User, s.Password)
			}
			conf := fmt.Sprintf(`[general]
status_path = %q

[pair contacts]
a = "local_contacts"
b = "remote_contacts"
collections = null
conflict_resolution = "a wins"

[storage local_contacts]
type = "filesystem"
path = %q
fileext = ".vcf"

[storage remote_contacts]
type = "carddav"
url = %q
%s
[pair calendar]
a = "local_calendar"
b = "remote_calendar"
collections = null
conflict_resolution = "a wins"

[storage local_calendar]
type = "filesystem"
path = %q
fileext = ".ics"

[storage remote_calendar]
type = "caldav"
url = %q
%s`, filepath.Join(work, "status")+"/", filepath.Join(vdir, "contacts"), card, auth, filepath.Join(vdir, "calendar"), cal, auth)
			cf := filepath.Join(work, "config")
			if err := os.WriteFile(cf, []byte(conf), 0o600); err != nil {
				b.Fatal(err)
			}
			vd := func(args ...string) {
				cmd := exec.Command(bin, append([]string{"-c", cf}, args...)...)
				cmd.Env = append(os.Environ(), "HOME="+work)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("vdirsyncer %v: %v\n%s", args, err, out)
				}
			}
			vd("discover")
			t0 := time.Now()
			vd("sync")
			d += time.Since(t0)
			reqs += total() - before
			n := countItems(b, s, card) + countItems(b, s, cal)
			if n != items {
				b.Fatalf("vdirsyncer left %d items on the server, want %d", n, items)
			}
		}
		report(b, d, reqs)
	})
}

func mk(b testing.TB, hc *http.Client, s *davServer, method, u, body string) {
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/xml")
	}
	if s.User != "" {
		req.SetBasicAuth(s.User, s.Password)
	}
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		b.Fatalf("%s %s: %s", method, u, resp.Status)
	}
}

// countItems counts the members of a collection (through the proxy, so
// it is counted too; done after the timing).
func countItems(b testing.TB, s *davServer, u string) int {
	d := davClient{t: b, user: s.User, pass: s.Password}
	n := 0
	for _, c := range d.propfindHrefs(u) {
		if !c {
			n++
		}
	}
	return n
}
