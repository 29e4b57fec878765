package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The umockdev fast tier (docs/TESTING.md): conversations between
// sk-rescue and QEMU's usb-mtp, recorded in the USB lab with usbmon
// (lab/record-umockdev.sh), replayed here against the real binary on a
// machine without USB. umockdev's pcap replay is strictly in order: a
// request sk-rescue did not send in the recording (a skipped OpenSession,
// another read size, an extra control transfer) is never answered, the
// transfer times out and the run fails. Recorded control transfers that
// nobody asks for are skipped (umockdev takes them for the kernel's), so a
// dropped string read shows only in what devices --json prints.
const umockdevData = "testdata/umockdev"

// needUmockdev returns umockdev-run's path. Without it the test is skipped
// on a developer's machine and fails in CI, which installs it.
func needUmockdev(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("umockdev-run")
	if err == nil {
		return p
	}
	const msg = "umockdev-run not installed: run scripts/install-deps.sh test (Debian package umockdev)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// buildBinary builds this command (cgo, libusb) into a temporary folder,
// or returns $REPLAY_SKRESCUE when set: another build to try against the
// recording (a deliberately broken driver, say), as LAB_SKRESCUE does for
// the lab.
func buildBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("REPLAY_SKRESCUE"); p != "" {
		return p
	}
	bin := filepath.Join(t.TempDir(), "sk-rescue")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// fixtureSums reads testdata/umockdev/phone.sha256 (sha256sum's format):
// the phone's files, path from its root → sha256.
func fixtureSums(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(umockdevData, "phone.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("phone.sha256: bad line %q", sc.Text())
		}
		sums["/"+name] = sum
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return sums
}

func fileSum(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Error(err)
		return ""
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// foldUmockdev shortens umockdev-run's stderr: a stuck replay repeats the
// same diagnosis every two seconds, so each message is kept once, without
// its GLib timestamp.
func foldUmockdev(s string) string {
	seen := map[string]bool{}
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		key := line
		if strings.HasPrefix(strings.TrimSpace(line), "** Message:") {
			// "** Message: 01:59:01.010: umockdev-pcap.vala:229: Stuck for 2029 ms, …"
			if i := strings.Index(line, "umockdev-"); i >= 0 {
				key = line[i:]
			}
			if strings.Contains(key, "Stuck for") {
				key = "Stuck for"
			}
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestFixtureSums keeps phone.sha256 honest: it must describe the folder
// the lab's record group serves, file for file.
func TestFixtureSums(t *testing.T) {
	want := fixtureSums(t)
	root := filepath.Join(umockdevData, "phone")
	n := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		rel, _ := filepath.Rel(root, p)
		name := "/" + filepath.ToSlash(rel)
		if got := fileSum(t, p); want[name] != got {
			t.Errorf("%s: sha256 %s, phone.sha256 says %q", name, got, want[name])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Errorf("phone/ has %d files, phone.sha256 lists %d", n, len(want))
	}
}

// replayer runs the binary under umockdev-run with the lab's device
// description and one of its captures.
type replayer struct {
	umockdevRun, bin, sysPath string
}

func newReplayer(t *testing.T) replayer {
	t.Helper()
	r := replayer{umockdevRun: needUmockdev(t)}
	lines, err := os.ReadFile(filepath.Join(umockdevData, "device.txt"))
	if err != nil {
		t.Fatal(err)
	}
	node, sysPath, _ := strings.Cut(strings.TrimSpace(string(lines)), "\n")
	if !strings.HasPrefix(node, "/dev/bus/usb/") || !strings.HasPrefix(sysPath, "/devices/") {
		t.Fatalf("device.txt: want the usbfs node and the sysfs path, got %q", lines)
	}
	r.sysPath = "/sys" + sysPath
	r.bin = buildBinary(t)
	return r
}

// run replays capture (a file in testdata/umockdev) to sk-rescue
// --keep-kernel-drivers ARGS… and returns its stdout. It fails the test
// when sk-rescue fails or when umockdev reports that the replay got stuck
// (a transfer the recording does not have, even one sk-rescue survived).
func (r replayer) run(t *testing.T, capture string, args ...string) string {
	t.Helper()
	// A replay takes well under a second; a stuck one waits for
	// sk-rescue's transfer timeout (20 s), so the bound is generous.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.umockdevRun,
		"--device", filepath.Join(umockdevData, "phone.umockdev"),
		"--pcap", r.sysPath+"="+filepath.Join(umockdevData, capture),
		"--", r.bin)
	cmd.Args = append(append(cmd.Args, "--keep-kernel-drivers"), args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	t.Logf("replay of %s: %v", capture, time.Since(t0).Round(time.Millisecond))
	if err == nil && strings.Contains(stderr.String(), "umockdev-pcap") {
		err = errors.New("umockdev reports a stuck replay")
	}
	if err != nil {
		t.Fatalf("umockdev-run … sk-rescue %s: %v\n"+
			"A request the recording does not have (another order, length or payload) stalls the replay until\n"+
			"sk-rescue's transfer timeout; umockdev names the recorded packet it expected and what was submitted.\n"+
			"If the change is meant, re-record: lab/record-umockdev.sh (cmd/sk-rescue/testdata/umockdev/README.md).\n"+
			"stderr (umockdev's repeats folded):\n%s\nstdout:\n%s", strings.Join(args, " "), err, foldUmockdev(stderr.String()), stdout.String())
	}
	return stdout.String()
}

// TestUmockdevReplay runs the real binary under umockdev-run against the
// lab's recordings of the same commands.
func TestUmockdevReplay(t *testing.T) {
	r := newReplayer(t)
	t.Run("devices", func(t *testing.T) { replayDevices(t, r) })
	t.Run("export", func(t *testing.T) { replayExport(t, r) })
}

// replayDevices: `devices --json` prints what it printed on the real
// kernel. Maker, model and serial are the USB string descriptors (control
// transfers); the battery comes from an MTP session.
func replayDevices(t *testing.T, r replayer) {
	got := r.run(t, "devices.pcap", "devices", "--json")
	want, err := os.ReadFile(filepath.Join(umockdevData, "devices.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("devices --json: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("devices.json: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("devices --json under the replay:\n%s\non the lab's kernel (devices.json):\n%s", got, want)
	}
}

// replayExport: `export --all --json` of the recording equals the phone's
// folder: every file once, status ok, the folder's sha256 in the manifest
// and on disk, every converted output present with its recorded sha256.
func replayExport(t *testing.T, r replayer) {
	out := filepath.Join(t.TempDir(), "export")
	stdout := r.run(t, "export.pcap", "export", "--all", "--json", "--out", out)

	var sum struct {
		Device         struct{ Maker, Model, Protocol, Location string }
		Items, Fetched int
		Failed         []any
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout)
	}
	want := fixtureSums(t)
	if sum.Device.Maker != "QEMU" || sum.Device.Model != "QEMU filesharing" || sum.Device.Protocol != "mtp" || sum.Device.Location != "usb:1:2" {
		t.Errorf("device %+v, want QEMU filesharing over mtp at usb:1:2", sum.Device)
	}
	if sum.Items != len(want) || sum.Fetched != len(want) || len(sum.Failed) != 0 {
		t.Errorf("summary: %d items, %d fetched, failed %v; want %d, %d, none", sum.Items, sum.Fetched, sum.Failed, len(want), len(want))
	}

	b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Items []struct {
			Name, Folder, Status, Raw, SHA256 string
			Size                              int64
			RawSize                           int64 `json:"raw_size"`
			Outputs                           []struct{ Path, SHA256 string }
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	seen := map[string]bool{}
	for _, it := range m.Items {
		p := path.Join(it.Folder, it.Name)
		w, ok := want[p]
		switch {
		case !ok:
			t.Errorf("extra item %s", p)
			continue
		case seen[p]:
			t.Errorf("item twice: %s", p)
		case it.Status != "ok":
			t.Errorf("%s: status %q", p, it.Status)
		case it.SHA256 != w:
			t.Errorf("%s: manifest sha256 %s, the phone's file has %s", p, it.SHA256, w)
		case it.Size != it.RawSize:
			t.Errorf("%s: listed %d bytes, fetched %d", p, it.Size, it.RawSize)
		}
		seen[p] = true
		if got := fileSum(t, filepath.Join(out, filepath.FromSlash(it.Raw))); got != w {
			t.Errorf("%s: raw file %s has sha256 %s, want %s", p, it.Raw, got, w)
		}
		for _, o := range it.Outputs {
			if got := fileSum(t, filepath.Join(out, filepath.FromSlash(o.Path))); got != o.SHA256 {
				t.Errorf("%s: output %s has sha256 %s, the manifest says %s", p, o.Path, got, o.SHA256)
			}
		}
	}
	for p := range want {
		if !seen[p] {
			t.Errorf("missing from the manifest: %s", p)
		}
	}
}
