package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/recovery"
	"github.com/sk-rescue/sk-rescue/tui"
	"github.com/sk-rescue/sk-rescue/tui/tuitest"
)

func tuiOpts(selector string) tui.Options {
	return tui.Options{Device: selector, Out: "rescued", ToolVersion: version, Advice: adviceFor}
}

// TestTUIFlowSim drives the whole TUI on the simulated Sidekick at 100×30,
// as the acceptance check does (`sk-rescue tui --device sim --out DIR`):
// the simulator is selected, Enter shows its inventory, Enter exports
// everything, the Done screen shows the counts and the folder. The frames
// the user saw are compared with testdata/TestTUIFlowSim.golden (-update
// rewrites it), and the folder with what `recovery.Export` writes from the
// same handset.
func TestTUIFlowSim(t *testing.T) {
	var seen []string
	t.Run("flow", func(t *testing.T) {
		// A relative folder keeps the frames the same on every machine.
		t.Chdir(t.TempDir())
		ctx := context.Background()
		be := newTUIBackend("sim")
		defer be.Close()
		d := tuitest.Start(t, ctx, be, tuiOpts("sim"), 100, 30)
		seen = append(seen, d.WaitFor("handsets", 20*time.Second, "› Danger Sidekick (sim)", "battery", "37%"))
		d.Press("enter")
		seen = append(seen, d.WaitFor("inventory", 30*time.Second, "[x] Contacts", "250", "Save into: rescued"))
		d.Press("enter")
		seen = append(seen, d.WaitFor("done", 3*time.Minute,
			"250 contacts", "120 events", "40 to-dos", "30 photos", "rescued", "✓ Checked"))
		res := d.Quit(10 * time.Second)
		if res.Session != nil {
			res.Session.Close()
		}
		if res.Err != nil || res.Summary == nil || res.Out != "rescued" || res.Verify == nil || !res.Verify.OK {
			t.Fatalf("result: %+v", res)
		}
		if err := tuiResult(&env{stderr: &bytes.Buffer{}}, res); err != nil {
			t.Errorf("exit: %v", err)
		}

		// The same handset through recovery.Export, as `sk-rescue export
		// --all` does, writes the same tree byte for byte.
		h, err := openHandset(ctx, "sim")
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		if _, err := recovery.Export(ctx, h, recovery.Options{Out: "direct", ToolVersion: version}); err != nil {
			t.Fatal(err)
		}
		tuiSameTree(t, "rescued", "direct")
	})
	if len(seen) != 3 {
		return
	}
	tuitest.RequireGolden(t, strings.Join(seen, "\n\n======== next screen ========\n\n")+"\n")
}

// TestTUILowBattery opens a simulator at 5 % and checks the warning on the
// Handsets and Inventory screens.
func TestTUILowBattery(t *testing.T) {
	const sel = "sim?battery=5"
	be := newTUIBackend(sel)
	defer be.Close()
	d := tuitest.Start(t, context.Background(), be, tuiOpts(sel), 80, 24)
	warn := []string{"5% LOW", "Plug in a charger", "don't restart the phone"}
	d.WaitFor("handsets", 20*time.Second, append([]string{"› Danger Sidekick (sim)"}, warn...)...)
	d.Press("enter")
	d.WaitFor("inventory", 30*time.Second, warn...)
	res := d.Quit(10 * time.Second)
	if res.Session != nil {
		res.Session.Close()
	}
}

// tuiSameTree fails unless dirs a and b hold the same files with the same
// bytes and modification times.
func tuiSameTree(t *testing.T, a, b string) {
	t.Helper()
	list := func(root string) map[string]fs.FileInfo {
		out := map[string]fs.FileInfo{}
		err := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if !de.IsDir() {
				fi, err := de.Info()
				if err != nil {
					return err
				}
				out[rel] = fi
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	la, lb := list(a), list(b)
	if len(la) == 0 {
		t.Fatalf("%s is empty", a)
	}
	for p, fa := range la {
		fb, ok := lb[p]
		if !ok {
			t.Errorf("%s only in %s", p, a)
			continue
		}
		ba, _ := os.ReadFile(filepath.Join(a, p))
		bb, _ := os.ReadFile(filepath.Join(b, p))
		if !bytes.Equal(ba, bb) {
			t.Errorf("%s differs", p)
		}
		if !fa.ModTime().Equal(fb.ModTime()) && strings.HasPrefix(p, "photos") {
			t.Errorf("%s: mtime %v vs %v", p, fa.ModTime(), fb.ModTime())
		}
	}
	for p := range lb {
		if _, ok := la[p]; !ok {
			t.Errorf("%s only in %s", p, b)
		}
	}
}
