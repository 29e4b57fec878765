package recovery

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafeName(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" means: only check the invariants
	}{
		{in: "IMG_0001.JPG", want: "IMG_0001.JPG"},
		{in: "Zoë Çelik.vcf", want: "Zoë Çelik.vcf"},
		{in: "../../etc/passwd"},
		{in: "/etc/passwd"},
		{in: ".."},
		{in: "."},
		{in: ""},
		{in: "a\x00b"},
		{in: "con:trol\x07"},
		{in: ".hidden"},
		{in: strings.Repeat("x", 10000) + ".jpg"},
		{in: strings.Repeat("ж", 5000)},
		{in: "\xff\xfe bad utf8"},
		{in: "trailing. "},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		got := safeName(tt.in)
		if tt.want != "" && got != tt.want {
			t.Errorf("safeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got == "" || got == "." || got == ".." || strings.ContainsAny(got, "/\\\x00") || strings.HasPrefix(got, ".") {
			t.Errorf("safeName(%q) = %q: not a safe component", tt.in, got)
		}
		if len(got) > maxNameBytes || !utf8.ValidString(got) {
			t.Errorf("safeName(%q) = %q: %d bytes, valid UTF-8 %v", tt.in, got, len(got), utf8.ValidString(got))
		}
		if prev, ok := seen[got]; ok {
			t.Errorf("safeName(%q) and safeName(%q) collide: %q", prev, tt.in, got)
		}
		seen[got] = tt.in
	}
	if strings.HasSuffix(safeName(strings.Repeat("x", 400)+".jpg"), ".jpg") == false {
		t.Errorf("long name lost its extension")
	}
}

func TestSafeFolderStaysInside(t *testing.T) {
	for _, in := range []string{"/../../etc", "../..", "/DCIM/../../../x", `..\..\windows`, "/a/./b//c", strings.Repeat("/deep", 500)} {
		rel := safeFolder(in, 32)
		full := filepath.Join("/out", "photos", filepath.FromSlash(rel))
		if !strings.HasPrefix(full, "/out/photos") {
			t.Errorf("safeFolder(%q) = %q escapes: %s", in, rel, full)
		}
		if n := strings.Count(rel, "/"); n > 31 {
			t.Errorf("safeFolder(%q) has %d levels", in, n+1)
		}
	}
	if got := safeFolder("/DCIM/100SIDEK", 32); got != "DCIM/100SIDEK" {
		t.Errorf("safeFolder kept %q", got)
	}
}

func TestSafeUID(t *testing.T) {
	if got := safeUID("abc-123@sidekick.example"); got != "abc-123@sidekick.example" {
		t.Errorf("plain uid changed: %q", got)
	}
	a, b := safeUID("../x"), safeUID("../y")
	if a == b || strings.Contains(a, "/") || !strings.HasPrefix(a, "uid-") {
		t.Errorf("hostile uids: %q %q", a, b)
	}
}
