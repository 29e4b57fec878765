// Command labcheck is the host side of the USB lab (docs/TESTING.md): it
// writes the fake phone's folder that QEMU's usb-mtp and umtp-responder
// serve, and it judges what the guest brought back, one line per scenario
// and a closing "N passed, N failed".
//
//	labcheck fixture DIR          write the fixture folder (deterministic)
//	labcheck report OUT FIXTURE [GROUP…]
//	                              judge OUT/{qemu-mtp,umtprd,sim,featurephone} (or only
//	                              the groups named) against FIXTURE and
//	                              OUT/sim-ref (a host-side export of the
//	                              same simulator); exit 1 when a scenario
//	                              failed
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: labcheck fixture DIR | labcheck report OUT FIXTURE")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "fixture":
		if err := writeFixture(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "labcheck:", err)
			os.Exit(1)
		}
	case "report":
		if len(os.Args) < 4 {
			fmt.Fprintln(os.Stderr, "usage: labcheck report OUT FIXTURE [GROUP…]")
			os.Exit(2)
		}
		groups := os.Args[4:]
		if len(groups) == 0 {
			groups = []string{"qemu-mtp", "umtprd", "sim", "featurephone"}
		}
		os.Exit(report(os.Args[2], os.Args[3], groups))
	default:
		fmt.Fprintln(os.Stderr, "labcheck: unknown command", os.Args[1])
		os.Exit(2)
	}
}

// writeFixture writes a small phone: an address book exported as one
// .vcf, a calendar as one .ics, a DCIM tree of real JPEGs and a text file.
func writeFixture(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(7, 11))
	files := map[string][]byte{}
	var vcf strings.Builder
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&vcf, "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:lab-contact-%03d\r\nFN:Contact %03d Łukasz\r\nN:%03d;Contact;;;\r\nTEL;TYPE=CELL:+1555%07d\r\nEMAIL:c%03d@example.org\r\nEND:VCARD\r\n", i, i, i, rng.IntN(1e7), i)
	}
	files["Contacts/contacts.vcf"] = []byte(vcf.String())
	var ics strings.Builder
	ics.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//sk-rescue//usb lab//EN\r\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&ics, "BEGIN:VEVENT\r\nUID:lab-event-%02d@sk-rescue\r\nDTSTAMP:20090101T000000Z\r\nDTSTART:2009%02d15T090000Z\r\nDTEND:2009%02d15T100000Z\r\nSUMMARY:Meeting %02d\r\nEND:VEVENT\r\n", i, i, i, i)
	}
	ics.WriteString("END:VCALENDAR\r\n")
	files["Calendar/calendar.ics"] = []byte(ics.String())
	files["Download/readme.txt"] = []byte("This folder is the USB lab's fake phone (lab/labcheck).\n")
	for i := 1; i <= 24; i++ {
		w, h := 480+rng.IntN(160), 360+rng.IntN(120)
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img.Set(x, y, color.RGBA{uint8(x + rng.IntN(64)), uint8(y + rng.IntN(64)), uint8(rng.IntN(256)), 255})
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 92}); err != nil {
			return err
		}
		sub := "Camera"
		if i > 20 {
			sub = "Screenshots"
		}
		files[fmt.Sprintf("DCIM/%s/IMG_%04d.jpg", sub, i)] = b.Bytes()
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// recordFixture is the folder the record group's usb-mtp serves, relative
// to the repository's root (lab/run.sh runs labcheck there).
const recordFixture = "cmd/sk-rescue/testdata/umockdev/phone"

// manifest is the part of sk-rescue's manifest.json the lab compares.
type manifest struct {
	Device struct {
		Maker, Model, Serial string
	} `json:"device"`
	Items []item `json:"items"`
}

type item struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	Folder  string `json:"folder"`
	Size    int64  `json:"size"`
	Status  string `json:"status"`
	Raw     string `json:"raw"`
	SHA256  string `json:"sha256"`
	Outputs []struct {
		Path   string `json:"path"`
		SHA256 string `json:"sha256"`
	} `json:"outputs"`
}

func (it item) path() string { return path.Join(it.Folder, it.Name) }

type result struct {
	name   string
	ok     bool
	detail string
}

func report(out, fixture string, groups []string) int {
	var results []result
	add := func(name string, err error, detail string) {
		if err != nil {
			results = append(results, result{name, false, err.Error()})
		} else {
			results = append(results, result{name, true, detail})
		}
	}
	want, err := folderFiles(fixture)
	if err != nil {
		fmt.Fprintln(os.Stderr, "labcheck:", err)
		return 1
	}
	for _, g := range []string{"qemu-mtp", "umtprd"} {
		if !slices.Contains(groups, g) {
			continue
		}
		dir := filepath.Join(out, g)
		d, err := exportMatchesFolder(dir, want)
		add(g+": sk-rescue export --all is byte-identical to the folder", err, d)
		d, err = libmtpListsFolder(dir, want)
		add(g+": libmtp (mtp-detect, mtp-files) lists the same files", err, d)
	}
	if slices.Contains(groups, "record") {
		// The umockdev fast tier's recording: judged like qemu-mtp, against
		// the tiny phone it serves (lab/record-umockdev.sh).
		w, err := folderFiles(recordFixture)
		d := ""
		if err == nil {
			d, err = exportMatchesFolder(filepath.Join(out, "record"), w)
		}
		add("record: the recorded sk-rescue export is byte-identical to the folder", err, d)
	}
	if slices.Contains(groups, "qemu-mtp") {
		d, err := waitsEnd(filepath.Join(out, "qemu-mtp"))
		add("qemu-mtp: a transfer waiting on the device ends at its deadline and on cancel", err, d)
		d, err = speed(filepath.Join(out, "qemu-mtp"), len(want))
		add("qemu-mtp: speed, sk-rescue vs libmtp's tools and libmtp on the same tree", err, d)
	}
	ref, err := readManifest(filepath.Join(out, "sim-ref", "manifest.json"))
	switch {
	case !slices.Contains(groups, "sim"):
	case err != nil:
		add("sim: sk-rescue over USB equals the in-memory export", fmt.Errorf("host reference export: %v", err), "")
		add("sim: libmtp lists and fetches from our simulator", fmt.Errorf("host reference export: %v", err), "")
	default:
		dir := filepath.Join(out, "sim")
		d, err := simMatchesRef(dir, ref)
		add("sim: sk-rescue over USB equals the in-memory export", err, d)
		d, err = libmtpReadsSim(dir, ref, filepath.Join(out, "sim-ref"))
		add("sim: libmtp lists and fetches from our simulator", err, d)
	}
	if slices.Contains(groups, "featurephone") {
		const name = "featurephone: sk-rescue over USB (ACM + OBEX) equals the in-memory export"
		ref, err := readManifest(filepath.Join(out, "featurephone-ref", "manifest.json"))
		if err != nil {
			add(name, fmt.Errorf("host reference export: %v", err), "")
		} else {
			dir := filepath.Join(out, "featurephone")
			d, err := functionsSeen(dir, "at", "obex")
			if err == nil {
				d, err = simMatchesRef(dir, ref)
			}
			if err == nil {
				var w string
				w, err = exportSentNoWrites(dir)
				d += "; " + w
			}
			add(name, err, d)
		}
		dir := filepath.Join(out, "featurephone")
		d, err := gammuReadsMemory(dir, "gammu-sm", "SM", "stats-before-gammu-sm", "stats-after-gammu-sm")
		add("featurephone: gammu getallmemory SM reads the simulator's SIM phonebook", err, d)
		d, err = gammuReadsMemory(dir, "gammu-me", "ME", "stats-after-gammu-sm", "stats-after-gammu-me")
		add("featurephone: gammu getallmemory ME reads the simulator's phone memory", err, d)
		d, err = obexftpLists(dir)
		add("featurephone: obexftp lists the simulator's OBEX folders (transparent OBEX tty)", err, d)
		d, err = obexftpFetches(dir)
		add("featurephone: obexftp -g fetches a photo byte-identical (transparent OBEX tty)", err, d)
	}
	pass := 0
	for _, r := range results {
		word := "FAIL"
		if r.ok {
			word = "PASS"
			pass++
		}
		fmt.Printf("%s  %-58s %s\n", word, r.name, r.detail)
	}
	fmt.Printf("%d passed, %d failed\n", pass, len(results)-pass)
	if pass != len(results) {
		return 1
	}
	return 0
}

// folderFiles maps every non-hidden file under dir ("/DCIM/Camera/a.jpg")
// to its sha256 and size.
func folderFiles(dir string) (map[string]fileSum, error) {
	m := map[string]fileSum{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		m["/"+filepath.ToSlash(rel)] = fileSum{sum(b), int64(len(b))}
		return nil
	})
	return m, err
}

type fileSum struct {
	sha  string
	size int64
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func readManifest(p string) (*manifest, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return &m, nil
}

// step reads the guest's record of one command: exit code, wall time in
// ms and the first line of its stderr (for messages).
func step(dir, name string) (rc int, ms int, errLine string, err error) {
	b, err := os.ReadFile(filepath.Join(dir, name+".rc"))
	if err != nil {
		if _, serr := os.Stat(dir); serr != nil {
			return 0, 0, "", fmt.Errorf("no results from the guest (see %s.log)", dir)
		}
		return 0, 0, "", fmt.Errorf("%s did not run (see %s.log)", name, dir)
	}
	rc, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	if b, err := os.ReadFile(filepath.Join(dir, name+".ms")); err == nil {
		ms, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if b, err := os.ReadFile(filepath.Join(dir, name+".err")); err == nil {
		errLine = lastLines(string(b), 2)
	}
	return rc, ms, errLine, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

func exportMatchesFolder(dir string, want map[string]fileSum) (string, error) {
	rc, ms, msg, err := step(dir, "export")
	if err != nil {
		return "", err
	}
	if rc != 0 {
		return "", fmt.Errorf("sk-rescue export exited %d: %s", rc, msg)
	}
	m, err := readManifest(filepath.Join(dir, "export", "manifest.json"))
	if err != nil {
		return "", err
	}
	seen := map[string]bool{}
	var problems []string
	for _, it := range m.Items {
		p := it.path()
		w, ok := want[p]
		switch {
		case !ok:
			problems = append(problems, "extra item "+p)
			continue
		case seen[p]:
			problems = append(problems, "item twice "+p)
		case it.Status != "ok":
			problems = append(problems, fmt.Sprintf("%s status %s", p, it.Status))
		case it.SHA256 != w.sha:
			problems = append(problems, "manifest sha256 differs for "+p)
		}
		seen[p] = true
		raw, err := os.ReadFile(filepath.Join(dir, "export", filepath.FromSlash(it.Raw)))
		if err != nil {
			problems = append(problems, "raw file missing for "+p)
		} else if sum(raw) != w.sha {
			problems = append(problems, fmt.Sprintf("raw bytes differ for %s (%d bytes, want %d)", p, len(raw), w.size))
		}
	}
	for p := range want {
		if !seen[p] {
			problems = append(problems, "missing "+p)
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return "", fmt.Errorf("%d problems: %s", len(problems), strings.Join(first(problems, 4), "; "))
	}
	return fmt.Sprintf("%d files, %.2f s", len(m.Items), float64(ms)/1000), nil
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("… %d more", len(s)-n))
	}
	return s
}

// mtpFile is one entry of mtp-files' output.
type mtpFile struct {
	id   int
	name string
	size int64
}

func parseMTPFiles(p string) ([]mtpFile, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mtpFile
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(l, "File ID: "):
			id, _ := strconv.Atoi(strings.TrimPrefix(l, "File ID: "))
			out = append(out, mtpFile{id: id, size: -1})
		case strings.HasPrefix(l, "Filename: ") && len(out) > 0:
			out[len(out)-1].name = strings.TrimPrefix(l, "Filename: ")
		case strings.HasPrefix(l, "File size ") && len(out) > 0:
			f := strings.Fields(l)
			if len(f) >= 3 {
				out[len(out)-1].size, _ = strconv.ParseInt(f[2], 10, 64)
			}
		}
	}
	return out, sc.Err()
}

// libmtpList checks mtp-detect ran cleanly and returns mtp-files' listing.
func libmtpList(dir string) ([]mtpFile, error) {
	rc, _, msg, err := step(dir, "mtp-detect")
	if err != nil {
		return nil, err
	}
	detect, _ := os.ReadFile(filepath.Join(dir, "mtp-detect.out"))
	if rc != 0 || bytes.Contains(detect, []byte("PANIC")) || !bytes.Contains(detect, []byte("Device info:")) {
		return nil, fmt.Errorf("mtp-detect exited %d: %s", rc, msg)
	}
	rc, _, msg, err = step(dir, "mtp-files")
	if err != nil {
		return nil, err
	}
	if rc != 0 {
		return nil, fmt.Errorf("mtp-files exited %d: %s", rc, msg)
	}
	return parseMTPFiles(filepath.Join(dir, "mtp-files.out"))
}

// nameSizes is a sorted "name size" list, for comparing listings.
func nameSizes(n int, at func(int) (string, int64)) []string {
	out := make([]string, n)
	for i := range out {
		name, size := at(i)
		out[i] = fmt.Sprintf("%s %d", name, size)
	}
	sort.Strings(out)
	return out
}

func diff(got, want []string) string {
	var miss, extra []string
	g := slices.Clone(got)
	for _, w := range want {
		if i := slices.Index(g, w); i >= 0 {
			g = slices.Delete(g, i, i+1)
		} else {
			miss = append(miss, w)
		}
	}
	extra = g
	return fmt.Sprintf("missing [%s] extra [%s]", strings.Join(first(miss, 3), ", "), strings.Join(first(extra, 3), ", "))
}

func libmtpListsFolder(dir string, want map[string]fileSum) (string, error) {
	files, err := libmtpList(dir)
	if err != nil {
		return "", err
	}
	var paths []string
	for p := range want {
		paths = append(paths, p)
	}
	w := nameSizes(len(paths), func(i int) (string, int64) { return path.Base(paths[i]), want[paths[i]].size })
	g := nameSizes(len(files), func(i int) (string, int64) { return files[i].name, files[i].size })
	if !slices.Equal(g, w) {
		return "", fmt.Errorf("mtp-files lists %d files, the folder has %d: %s", len(g), len(w), diff(g, w))
	}
	return fmt.Sprintf("%d files", len(files)), nil
}

// waitsEnd judges lab/mtpprobe's "wait:" lines: an interrupt read on an
// idle device, first with a 300 ms deadline, then cancelled after 300 ms,
// must wait that long and then end with device.ErrTimeout and
// context.Canceled, and the session must answer afterwards. The upper
// bound is only a hang guard.
func waitsEnd(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "mtpprobe.out"))
	if err != nil {
		return "", fmt.Errorf("no mtpprobe output: %v", err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "wait: ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 3 {
		return "", fmt.Errorf("mtpprobe printed %d wait lines, want 3 (see mtpprobe.out)", len(lines))
	}
	var times []string
	for i, want := range []string{"timeout true", "canceled true"} {
		var ms int
		if _, err := fmt.Sscanf(lines[i][strings.Index(lines[i], "ended after "):], "ended after %d ms", &ms); err != nil {
			return "", fmt.Errorf("%q: %v", lines[i], err)
		}
		if !strings.Contains(lines[i], want) || ms < 290 || ms > 10000 {
			return "", fmt.Errorf("want %s after about 300 ms: %q", want, lines[i])
		}
		times = append(times, fmt.Sprintf("%d ms", ms))
	}
	if !strings.Contains(lines[2], "ok true") {
		return "", fmt.Errorf("the session did not answer after the waits: %q", lines[2])
	}
	return fmt.Sprintf("deadline after %s, cancel after %s, session fine", times[0], times[1]), nil
}

// speed reads the qemu-mtp group's timed runs (lab/init.sh): five rounds
// of sk-rescue's export, libmtp's tools in one mtp-connect session and
// libmtp's API (mtptree), and one run of the tools with an mtp-getfile per
// file. Each way is given as its median and sk-rescue's ratio to it: the
// median of the five rounds' ratios where there are rounds, so a slow
// moment of the host weighs on both sides of a ratio. It fails only when a
// run failed or fetched the wrong number of files, never on a ratio: TCG
// timing is noisy (docs/BENCHMARKS.md, "USB lab").
func speed(dir string, nfiles int) (string, error) {
	const rounds = 5
	ways := []struct {
		step, what string
		runs       int
	}{
		{"bench-sk", "sk-rescue", rounds},
		{"bench-getfile", "mtp-getfile per file", 1},
		{"bench-connect", "one mtp-connect", rounds},
		{"bench-libmtp", "mtptree", rounds},
	}
	ms := make([][]int, len(ways))
	for w, way := range ways {
		for i := 1; i <= way.runs; i++ {
			name := fmt.Sprintf("%s-%d", way.step, i)
			rc, t, msg, err := step(dir, name)
			if err != nil {
				return "", err
			}
			if rc != 0 {
				return "", fmt.Errorf("%s run %d exited %d: %s", way.what, i, rc, msg)
			}
			if w > 0 { // the libmtp ways say what they fetched
				b, _ := os.ReadFile(filepath.Join(dir, name+".out"))
				if !strings.Contains("\n"+string(b), fmt.Sprintf("\nfiles %d ", nfiles)) {
					return "", fmt.Errorf("%s run %d fetched %q, want %d files", way.what, i, strings.TrimSpace(string(b)), nfiles)
				}
			}
			ms[w] = append(ms[w], max(t, 1))
		}
	}
	medInt := func(v []int) int { v = slices.Clone(v); slices.Sort(v); return v[len(v)/2] }
	medF := func(v []float64) float64 { v = slices.Clone(v); slices.Sort(v); return v[len(v)/2] }
	parts := []string{fmt.Sprintf("medians: sk-rescue %d ms", medInt(ms[0]))}
	for w := 1; w < len(ways); w++ {
		var ratios []float64
		for i := range ms[w] {
			ratios = append(ratios, float64(ms[0][i])/float64(ms[w][i]))
		}
		if len(ms[w]) == 1 {
			ratios = []float64{float64(medInt(ms[0])) / float64(ms[w][0])}
		}
		parts = append(parts, fmt.Sprintf("%s %d ms (ratio %.2f)", ways[w].what, medInt(ms[w]), medF(ratios)))
	}
	return strings.Join(parts, "; ") + "; aim ≤ 0.80", nil
}

func simMatchesRef(dir string, ref *manifest) (string, error) {
	rc, ms, msg, err := step(dir, "export")
	if err != nil {
		return "", err
	}
	if rc != 0 {
		return "", fmt.Errorf("sk-rescue export exited %d: %s", rc, msg)
	}
	m, err := readManifest(filepath.Join(dir, "export", "manifest.json"))
	if err != nil {
		return "", err
	}
	key := func(it item) string {
		var outs []string
		for _, o := range it.Outputs {
			outs = append(outs, o.Path+"="+o.SHA256)
		}
		return fmt.Sprintf("%s %s %s %d %s %s %s", it.ID, it.Kind, it.path(), it.Size, it.Status, it.SHA256, strings.Join(outs, ","))
	}
	got := nameSizes(len(m.Items), func(i int) (string, int64) { return key(m.Items[i]), 0 })
	want := nameSizes(len(ref.Items), func(i int) (string, int64) { return key(ref.Items[i]), 0 })
	if !slices.Equal(got, want) {
		return "", fmt.Errorf("%d items over USB, %d in memory: %s", len(got), len(want), diff(got, want))
	}
	if m.Device != ref.Device {
		return "", fmt.Errorf("device info over USB %+v, in memory %+v", m.Device, ref.Device)
	}
	return fmt.Sprintf("%d items, every sha256 equal, %.2f s", len(m.Items), float64(ms)/1000), nil
}

func libmtpReadsSim(dir string, ref *manifest, refDir string) (string, error) {
	files, err := libmtpList(dir)
	if err != nil {
		return "", err
	}
	w := nameSizes(len(ref.Items), func(i int) (string, int64) { return ref.Items[i].Name, ref.Items[i].Size })
	g := nameSizes(len(files), func(i int) (string, int64) { return files[i].name, files[i].size })
	if !slices.Equal(g, w) {
		return "", fmt.Errorf("mtp-files lists %d files, the simulator has %d: %s", len(g), len(w), diff(g, w))
	}
	if b, err := os.ReadFile(filepath.Join(dir, "get.failed")); err == nil {
		b2, _ := os.ReadFile(filepath.Join(dir, "get.err"))
		return "", fmt.Errorf("mtp-getfile failed for ids %s: %s", strings.Fields(string(b)), lastLines(string(b2), 2))
	}
	byID := map[string]item{}
	for _, it := range ref.Items {
		byID[it.ID] = it
	}
	got, _ := os.ReadDir(filepath.Join(dir, "get"))
	if len(got) == 0 {
		return "", fmt.Errorf("mtp-getfile fetched nothing")
	}
	for _, e := range got {
		id, _ := strconv.Atoi(e.Name())
		it, ok := byID[fmt.Sprintf("0x%08x", id)]
		if !ok {
			return "", fmt.Errorf("fetched object %d is not in the reference export", id)
		}
		b, err := os.ReadFile(filepath.Join(dir, "get", e.Name()))
		if err != nil {
			return "", err
		}
		if sum(b) != it.SHA256 {
			return "", fmt.Errorf("mtp-getfile %d (%s): %d bytes, sha256 differs from the in-memory export", id, it.path(), len(b))
		}
	}
	return fmt.Sprintf("%d files listed, %d fetched byte-identical", len(files), len(got)), nil
}

// functionsSeen checks that sk-rescue devices listed one handset offering
// exactly the protocols want (usb.Classify on the real descriptors).
func functionsSeen(dir string, want ...string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "devices.out"))
	if err != nil {
		return "", err
	}
	var v struct {
		Handsets []struct {
			Protocols []string `json:"protocols"`
		} `json:"handsets"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return "", fmt.Errorf("devices --json: %v", err)
	}
	if len(v.Handsets) != 1 || !slices.Equal(v.Handsets[0].Protocols, want) {
		return "", fmt.Errorf("devices --json: want one handset offering %v, got %s", want, strings.Join(strings.Fields(string(b)), " "))
	}
	return "", nil
}
