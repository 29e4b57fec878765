package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/device/sim/dataset"
	"github.com/sk-rescue/sk-rescue/device/sim/featurephone"
	"github.com/sk-rescue/sk-rescue/device/sim/sidekick"
	"github.com/sk-rescue/sk-rescue/recovery"
)

// runCLI runs sk-rescue in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// independentReader runs one of the Python readers in testdata, which use
// Debian's python3-vobject, python3-icalendar and python3-dateutil: parsers
// nobody on this project wrote. Without them the test is skipped on a
// developer's machine and fails in CI, which installs them.
func independentReader(t *testing.T, script, file string, v any) {
	t.Helper()
	py := "/usr/bin/python3"
	check := exec.Command(py, "-c", "import vobject, icalendar, dateutil")
	if err := check.Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("independent readers missing (%v): scripts/install-deps.sh test installs them", err)
		}
		t.Skipf("independent readers missing: run scripts/install-deps.sh test")
	}
	out, err := exec.Command(py, filepath.Join("testdata", script), file).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s %s: %v\n%s", script, file, err, stderr)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("%s output: %v", script, err)
	}
}

type pyCard struct {
	UID, FN, Given, Family string
	Tels, Emails           []string
	Adrs                   []struct{ Street, City, Region, Code, Country string }
	Bday, Note             string
	Photo                  int
}

type pyComp struct {
	Type, UID, Summary       string
	DTStamp                  bool `json:"dtstamp"`
	DTStart, DTEnd, Due      string
	Completed, Status, RRule string
	Priority                 int
	Alarms, Occurrences      []string
}

func wall(t time.Time, floating bool) string {
	if floating {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// TestExportSimEndToEnd is the vertical slice's acceptance: export the
// simulated Sidekick through the command line, then check every output
// against the simulator's source data with independent readers.
func TestExportSimEndToEnd(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rescued")
	code, stdout, stderr := runCLI(t, "export", "--all", "--device", "sim", "--out", out, "--json")
	if code != 0 {
		t.Fatalf("export exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	var sum struct {
		Device  struct{ Serial string }
		Out     string
		Counts  map[string]int
		Bytes   int64
		KeptRaw []any `json:"kept_raw"`
		Failed  []any
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout)
	}
	want := map[string]int{"contact": 250, "event": 120, "todo": 40, "note": 0, "photo": 30, "file": 0}
	for k, n := range want {
		if got, ok := sum.Counts[k]; !ok || got != n {
			t.Errorf("counts[%s] = %d (present %v), want %d", k, got, ok, n)
		}
	}
	if len(sum.KeptRaw) != 0 || len(sum.Failed) != 0 || sum.Out != out || sum.Bytes <= 0 {
		t.Errorf("summary: kept_raw %v failed %v out %q bytes %d", sum.KeptRaw, sum.Failed, sum.Out, sum.Bytes)
	}

	phone := sidekick.Generate(sidekick.DefaultParams())
	truth := phone.Truth

	t.Run("photos", func(t *testing.T) {
		n := 0
		for _, f := range phone.Files {
			if f.Format != dataset.FormatEXIFJPEG {
				continue
			}
			n++
			p := filepath.Join(out, "photos", filepath.FromSlash(strings.TrimPrefix(f.Path, "/")))
			b, err := os.ReadFile(p)
			if err != nil || !bytes.Equal(b, f.Data) {
				t.Errorf("%s: not byte-identical (%v)", p, err)
				continue
			}
			if st, _ := os.Stat(p); !st.ModTime().Equal(f.Modified) {
				t.Errorf("%s: mtime %v, want %v", p, st.ModTime(), f.Modified)
			}
		}
		if n != 30 {
			t.Errorf("simulator holds %d photos", n)
		}
	})

	t.Run("contacts", func(t *testing.T) {
		var cards []pyCard
		independentReader(t, "read_vcf.py", filepath.Join(out, "contacts.vcf"), &cards)
		if len(cards) != 250 {
			t.Fatalf("contacts.vcf holds %d cards, want 250", len(cards))
		}
		byName := map[string][]pyCard{}
		photos := 0
		for _, c := range cards {
			byName[c.FN] = append(byName[c.FN], c)
			photos += c.Photo
			if c.UID == "" {
				t.Errorf("card %q has no UID", c.FN)
			}
		}
		if photos != 5 {
			t.Errorf("%d cards with a photo, want 5", photos)
		}
		for _, tc := range truth.Contacts {
			cands := byName[tc.FullName]
			found := slices.IndexFunc(cands, func(c pyCard) bool {
				return sameSet(c.Tels, tc.Phones) && sameSet(c.Emails, tc.Emails) &&
					c.Given == tc.Given && c.Family == tc.Family && c.Note == tc.Note &&
					(tc.Birthday == "" || strings.ReplaceAll(c.Bday, "-", "") == strings.ReplaceAll(tc.Birthday, "-", "")) &&
					len(c.Adrs) == len(tc.Addresses)
			})
			if found < 0 {
				t.Errorf("contact %q (%s) not found intact: candidates %+v, want phones %v emails %v note %q",
					tc.FullName, tc.File, cands, tc.Phones, tc.Emails, tc.Note)
				continue
			}
			byName[tc.FullName] = slices.Delete(cands, found, found+1)
		}
	})

	t.Run("calendar", func(t *testing.T) {
		var comps []pyComp
		independentReader(t, "read_ics.py", filepath.Join(out, "calendar.ics"), &comps)
		if len(comps) != 120 {
			t.Fatalf("calendar.ics holds %d components, want 120", len(comps))
		}
		bySummary := map[string][]pyComp{}
		for _, c := range comps {
			if c.Type != "VEVENT" || c.UID == "" || !c.DTStamp {
				t.Errorf("component %q: type %s uid %q dtstamp %v", c.Summary, c.Type, c.UID, c.DTStamp)
			}
			bySummary[c.Summary] = append(bySummary[c.Summary], c)
		}
		recurring, alarms, allDay := 0, 0, 0
		for _, te := range truth.Events {
			start := wall(te.Start, te.Floating)
			if te.AllDay {
				start = te.Start.Format("2006-01-02")
			}
			i := slices.IndexFunc(bySummary[te.Summary], func(c pyComp) bool { return c.DTStart == start })
			if i < 0 {
				t.Errorf("event %q starting %s (%s) not found; have %+v", te.Summary, start, te.File, bySummary[te.Summary])
				continue
			}
			c := bySummary[te.Summary][i]
			if te.AlarmBefore > 0 {
				alarms++
				if len(c.Alarms) == 0 {
					t.Errorf("event %q lost its alarm", te.Summary)
				}
			}
			if te.AllDay {
				allDay++
			}
			if te.RRule == "" {
				if c.RRule != "" {
					t.Errorf("event %q gained a rule %q", te.Summary, c.RRule)
				}
				continue
			}
			recurring++
			var wantOcc []string
			for _, o := range te.Occurrences {
				wantOcc = append(wantOcc, wall(o, te.Floating || te.AllDay))
			}
			if len(wantOcc) > 20 {
				wantOcc = wantOcc[:20]
			}
			if !slices.Equal(c.Occurrences, wantOcc) {
				t.Errorf("event %q rule %q → %q: occurrences\n got %v\nwant %v", te.Summary, te.RRule, c.RRule, c.Occurrences, wantOcc)
			}
		}
		if recurring < 20 || alarms < 10 || allDay < 10 {
			t.Errorf("checked %d recurring, %d with alarms, %d all-day events", recurring, alarms, allDay)
		}
	})

	t.Run("todos", func(t *testing.T) {
		var comps []pyComp
		independentReader(t, "read_ics.py", filepath.Join(out, "todos.ics"), &comps)
		if len(comps) != 40 {
			t.Fatalf("todos.ics holds %d components, want 40", len(comps))
		}
		bySummary := map[string][]pyComp{}
		for _, c := range comps {
			bySummary[c.Summary] = append(bySummary[c.Summary], c)
		}
		for _, td := range truth.Todos {
			i := slices.IndexFunc(bySummary[td.Summary], func(c pyComp) bool {
				return c.Type == "VTODO" && c.DTStamp && (td.Due.IsZero() || c.Due == wall(td.Due, td.Floating)) &&
					(td.Completed == (c.Status == "COMPLETED")) && (td.Priority == 0 || c.Priority != 0)
			})
			if i < 0 {
				t.Errorf("to-do %q (due %v, completed %v, priority %d) not found intact: %+v", td.Summary, td.Due, td.Completed, td.Priority, bySummary[td.Summary])
				continue
			}
			bySummary[td.Summary] = slices.Delete(bySummary[td.Summary], i, i+1)
		}
	})

	t.Run("verify", func(t *testing.T) {
		if code, stdout, _ := runCLI(t, "verify", out); code != 0 || !strings.HasPrefix(stdout, "OK") {
			t.Fatalf("verify exit %d: %s", code, stdout)
		}
		victim := filepath.Join(out, "photos/DCIM/100SIDEK")
		ents, _ := os.ReadDir(victim)
		p := filepath.Join(victim, ents[0].Name())
		b, _ := os.ReadFile(p)
		b[100] ^= 0x40
		os.WriteFile(p, b, 0o644)
		code, stdout, _ := runCLI(t, "verify", out)
		if code != 1 || !strings.Contains(stdout, path.Join("photos/DCIM/100SIDEK", ents[0].Name())) {
			t.Errorf("verify after a changed byte: exit %d\n%s", code, stdout)
		}
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

// TestExportFeaturePhone is the feature-phone acceptance through the command
// line: OBEX (IrMC, folder browsing) and AT on one simulated phone, with the
// SIM contacts that are also in the phone memory merged.
func TestExportFeaturePhone(t *testing.T) {
	out := filepath.Join(t.TempDir(), "fp")
	code, stdout, stderr := runCLI(t, "export", "--all", "--device", "sim:featurephone", "--out", out, "--json")
	if code != 0 {
		t.Fatalf("export exit %d\n%s\n%s", code, stdout, stderr)
	}
	var sum struct {
		Device struct{ Protocol string }
		Counts map[string]int
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	for k, n := range map[string]int{"contact": 210, "event": 60, "todo": 25, "note": 10, "photo": 15} {
		if sum.Counts[k] != n {
			t.Errorf("counts[%s] = %d, want %d", k, sum.Counts[k], n)
		}
	}
	if sum.Device.Protocol != "obex+at" {
		t.Errorf("protocol %q, want obex+at", sum.Device.Protocol)
	}
	if code, stdout, _ := runCLI(t, "verify", out); code != 0 {
		t.Errorf("verify: %s", stdout)
	}
}

// TestExportFailingSIMKeepsPart: a SIM that fails from slot 101 on is read
// as far as it goes; those entries are kept and converted, the item is
// marked partial, the exit code is 2, and a rerun reads the SIM again and
// ends with the same files.
func TestExportFailingSIMKeepsPart(t *testing.T) {
	out := filepath.Join(t.TempDir(), "fp")
	args := []string{"export", "--all", "--device", "sim:featurephone?failfrom=101", "--out", out, "--json"}
	code, stdout, stderr := runCLI(t, args...)
	if code != 2 {
		t.Fatalf("export exit %d, want 2 (partial)\n%s\n%s", code, stdout, stderr)
	}
	type summary struct {
		Counts  map[string]int
		Fetched int
		Partial []struct{ ID, Raw, Reason string }
		Failed  []any
	}
	var sum summary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	lost := 0
	for _, e := range featurephone.Dataset().SIM {
		if e.Duplicate < 0 && e.Slot >= 101 {
			lost++
		}
	}
	if want := 210 - lost; sum.Counts["contact"] != want || lost == 0 {
		t.Errorf("contacts %d, want %d (the %d SIM-only entries past slot 100 missing, the rest kept)", sum.Counts["contact"], want, lost)
	}
	if len(sum.Partial) != 1 || sum.Partial[0].Raw != "raw/contacts/SM.atpb" ||
		!strings.Contains(sum.Partial[0].Reason, "refused 5 blocks") || len(sum.Failed) != 0 {
		t.Fatalf("partial %+v, failed %v", sum.Partial, sum.Failed)
	}
	m, err := recovery.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, it := range m.Items {
		if it.Status == recovery.StatusPartial {
			statuses = append(statuses, it.ID)
			if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(it.Raw))); err != nil || it.SHA256 == "" {
				t.Errorf("partial item's raw bytes not kept: %v", err)
			}
		}
	}
	if len(statuses) != 1 {
		t.Errorf("items marked partial: %v", statuses)
	}
	before := snapshot(t, out)
	code, stdout, _ = runCLI(t, args...)
	if code != 2 {
		t.Fatalf("rerun exit %d", code)
	}
	var again summary
	if err := json.Unmarshal([]byte(stdout), &again); err != nil {
		t.Fatal(err)
	}
	if again.Fetched != 1 {
		t.Errorf("rerun fetched %d items, want only the partial one again", again.Fetched)
	}
	if after := snapshot(t, out); !maps.Equal(before, after) {
		t.Errorf("the rerun changed the folder")
	}
}

// snapshot maps every file under dir to its contents' SHA-256.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := sha256.Sum256(b)
		files[p] = hex.EncodeToString(s[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestExportCorpusFolder exports a folder of real handsets' files (the Gammu
// samples kept in formats/*/testdata: Sony Ericsson, Nokia, Motorola and
// Samsung phones, Outlook, Evolution) as a handset, and reads every output
// back with the independent readers: nothing may be kept raw, and every
// record must parse.
func TestExportCorpusFolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "corpus")
	code, stdout, stderr := runCLI(t, "export", "--all", "--device", "dir:../../formats", "--out", out, "--json")
	if code != 0 {
		t.Fatalf("export exit %d\n%s\n%s", code, stdout, stderr)
	}
	var sum struct {
		Counts  map[string]int
		KeptRaw []struct{ Name, Reason string } `json:"kept_raw"`
		Failed  []any
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.KeptRaw) != 0 || len(sum.Failed) != 0 {
		t.Errorf("kept raw %v, failed %v", sum.KeptRaw, sum.Failed)
	}
	if sum.Counts["contact"] < 100 || sum.Counts["event"] < 20 || sum.Counts["note"] < 2 {
		t.Errorf("counts %v", sum.Counts)
	}
	var cards []pyCard
	independentReader(t, "read_vcf.py", filepath.Join(out, "contacts.vcf"), &cards)
	if len(cards) != sum.Counts["contact"] {
		t.Errorf("contacts.vcf: %d cards parsed, export counted %d", len(cards), sum.Counts["contact"])
	}
	for _, f := range []struct {
		file, kind string
	}{{"calendar.ics", "event"}, {"todos.ics", "todo"}, {"notes.ics", "note"}} {
		var comps []pyComp
		independentReader(t, "read_ics.py", filepath.Join(out, f.file), &comps)
		if len(comps) != sum.Counts[f.kind] {
			t.Errorf("%s: %d components parsed, export counted %d", f.file, len(comps), sum.Counts[f.kind])
		}
	}
}
