package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestSelectorsThroughRegistry: every selector form reaches its handset
// through the one registry, and the errors a person reads say what to type.
func TestSelectorsThroughRegistry(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct{ selector, protocol string }{
		{"sim", "mtp"},
		{"sim:sidekick?contacts=2&photos=1", "mtp"},
		{"sim:featurephone", "obex+at"},
		{"dir:" + t.TempDir(), "dir"},
	} {
		h, err := openHandset(ctx, tt.selector)
		if err != nil {
			t.Errorf("%s: %v", tt.selector, err)
			continue
		}
		if got := h.Info().Protocol; got != tt.protocol {
			t.Errorf("%s: protocol %q, want %q", tt.selector, got, tt.protocol)
		}
		h.Close()
	}

	code, _, stderr := runCLI(t, "export", "--all", "--device", "sim:nope", "--out", t.TempDir())
	if code != 1 || !strings.Contains(stderr, `no simulated handset "nope"`) || !strings.Contains(stderr, "sidekick, featurephone") {
		t.Errorf("unknown profile: exit %d, %s", code, stderr)
	}
	missing := filepath.Join(t.TempDir(), "nothing")
	_, err := openHandset(ctx, "dir:"+missing)
	if err == nil || !strings.Contains(err.Error(), "there is no folder") || strings.Contains(err.Error(), "handset") {
		t.Errorf("missing folder: %v", err)
	}
}

// TestDriversListed: the command lists each driver once; the registry
// accepts the list.
func TestDriversListed(t *testing.T) {
	var names []string
	for _, d := range drivers() {
		names = append(names, d.Name)
	}
	if got := strings.Join(names, ","); got != "mtp,obex,at,dir" {
		t.Errorf("drivers %s", got)
	}
	if got := strings.Join(handsets().SimProfiles(), ","); got != "sidekick,featurephone" {
		t.Errorf("profiles %s", got)
	}
}
