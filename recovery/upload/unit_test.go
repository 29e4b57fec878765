package upload

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestResourceName(t *testing.T) {
	for _, tc := range []struct{ uid, path, want string }{
		{"sk-contact-0001", "", "sk-contact-0001.vcf"},
		{"A.b_c-9", "", "A.b_c-9.vcf"},
		{".hidden", "", resourceName(".hidden", "", ".vcf")},
		{"urn:uuid:1234", "", resourceName("urn:uuid:1234", "", ".vcf")},
		{"", "contacts/x.vcf", resourceName("", "contacts/x.vcf", ".vcf")},
	} {
		got := resourceName(tc.uid, tc.path, ".vcf")
		if got != tc.want {
			t.Errorf("resourceName(%q) = %q, want %q", tc.uid, got, tc.want)
		}
		if tc.uid != "sk-contact-0001" && tc.uid != "A.b_c-9" && !strings.HasPrefix(got, "sk-") {
			t.Errorf("resourceName(%q) = %q, want a hash name", tc.uid, got)
		}
	}
	if resourceName("a/b", "", ".ics") != resourceName("a/b", "", ".ics") || resourceName("a/b", "", ".ics") == resourceName("a/c", "", ".ics") {
		t.Error("hash names are not stable or not distinct")
	}
	if n := resourceName(strings.Repeat("x", 200), "", ".vcf"); len(n) > 60 {
		t.Errorf("overlong UID kept: %q", n)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Sun, 22 Nov 2026 12:00:10 GMT": 10 * time.Second,
		"Sun, 22 Nov 2026 11:00:00 GMT": 0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestETagEqual(t *testing.T) {
	if !etagEqual(`W/"12-34"`, `"12-34"`) || !etagEqual(`abc`, `"abc"`) || etagEqual(`""`, `""`) || etagEqual(`"a"`, `"b"`) {
		t.Error("etagEqual")
	}
}

func TestSameContent(t *testing.T) {
	a := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x\r\nTEL;TYPE=CELL;TYPE=pref:+49\r\nFN:A very long name that is folded somewhere in the middle of the li\r\n ne\r\nEND:VCARD\r\n"
	b := "BEGIN:VCARD\nVERSION:3.0\nFN:A very long name that is folded somewhere in the middle of the line\ntel;type=pref;type=CELL:+49\nUID:x\nPRODID:-//Radicale//EN\nEND:VCARD\n"
	if !sameContent([]byte(a), []byte(b), false) {
		t.Error("reordered, refolded, re-cased copy not recognised")
	}
	c := strings.Replace(b, "+49", "+48", 1)
	if sameContent([]byte(a), []byte(c), false) {
		t.Error("different value taken as equal")
	}
	if findUID([]byte(b)) != "x" {
		t.Error("findUID")
	}
}

func TestCheckSecure(t *testing.T) {
	for s, ok := range map[string]bool{
		"https://dav.example.com/": true,
		"http://127.0.0.1:5232/":   true,
		"http://[::1]:5232/":       true,
		"http://localhost/":        true,
		"http://dav.example.com/":  false,
		"http://192.168.1.10/":     false,
	} {
		u, _ := url.Parse(s)
		err := checkSecure(u, false)
		if (err == nil) != ok {
			t.Errorf("checkSecure(%s) = %v", s, err)
		}
		if err != nil && !errors.Is(err, ErrInsecure) {
			t.Errorf("checkSecure(%s) error is not ErrInsecure", s)
		}
	}
}

func TestScrub(t *testing.T) {
	pw := "p@ss w/rd%"
	err := scrubErr(fmt.Errorf("upload: %w: dial http://u:%s@h/ and %s", ErrAuth, url.QueryEscape(pw), pw), pw)
	if strings.Contains(err.Error(), "ss w") || strings.Contains(err.Error(), url.QueryEscape(pw)) {
		t.Errorf("not scrubbed: %v", err)
	}
	if !errors.Is(err, ErrAuth) {
		t.Error("scrubbing lost the sentinel")
	}
}

func TestScalePhoto(t *testing.T) {
	jp := jpegBytes(t, 512, 512, 1)
	card := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:p\r\nFN:P\r\nN:P;;;;\r\n" + foldLine("PHOTO;ENCODING=b;TYPE=JPEG:"+b64(jp)) + "END:VCARD\r\n"
	out, ok, err := scalePhoto([]byte(card), len(card)/4)
	if err != nil || !ok {
		t.Fatalf("scalePhoto: %v %v", ok, err)
	}
	if len(out) > len(card)/4 {
		t.Errorf("scaled card %d bytes, want ≤ %d", len(out), len(card)/4)
	}
	if !sameContent(out, []byte(card), true) || findUID(out) != "p" {
		t.Errorf("scaling changed more than the photo:\n%s", out[:200])
	}
	if _, ok, _ := scalePhoto([]byte("BEGIN:VCARD\r\nUID:x\r\nEND:VCARD\r\n"), 10); ok {
		t.Error("scaled a card without photo")
	}
}
