package dir_test

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/devicetest"
	"github.com/sk-rescue/sk-rescue/device/dir"
)

// folderSim is a temporary folder as the conformance suite drives it. A
// folder counts no requests; a mutation is any change to the tree (a file
// added, removed, renamed, rewritten or touched) since it was made.
type folderSim struct {
	root string
	mu   sync.Mutex
	snap map[string]string
	gone bool
}

func snapshot(root string) map[string]string {
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		sum := ""
		if st.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum = fmt.Sprintf("%x", sha256.Sum256(b))
		}
		out[p] = fmt.Sprint(st.Mode(), st.Size(), st.ModTime().UnixNano(), sum)
		return nil
	})
	if err != nil {
		out["error"] = err.Error() // counts as a change
	}
	return out
}

// Counts reports no request counts (a folder has none) and, as mutations,
// how many entries changed since the folder was made.
func (s *folderSim) Counts() (map[string]int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return nil, 0 // the harness itself removed it
	}
	now := snapshot(s.root)
	n := 0
	for p, v := range s.snap {
		if now[p] != v {
			n++
		}
	}
	for p := range now {
		if _, ok := s.snap[p]; !ok {
			n++
		}
	}
	return nil, n
}

// Unplug is a card pulled: every file emptied, the folder removed. A
// folder cannot count bytes, so it happens at once.
func (s *folderSim) Unplug(int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone = true
	filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			os.Truncate(p, 0)
		}
		return nil
	})
	os.RemoveAll(s.root)
}

// makeFolder writes files into a fresh folder and opens it through the dir
// driver, as --device dir:PATH does.
func makeFolder(t *testing.T, files map[string][]byte) (device.Handset, devicetest.Sim) {
	root := filepath.Join(t.TempDir(), "card")
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := &folderSim{root: root, snap: snapshot(root)}
	h, err := dir.Driver.Open(t.Context(), device.Port{Protocol: "dir", Path: root, Interface: -1, Location: "dir:" + root})
	if err != nil {
		t.Fatal(err)
	}
	return h, s
}

func photo(n int) []byte {
	b := make([]byte, n)
	copy(b, "\xff\xd8\xff\xe0")
	for i := 4; i < n; i++ {
		b[i] = byte(i * 7)
	}
	return b
}

// TestConformance runs device/devicetest against the dir driver over a
// temporary folder laid out as a phone's card, and over one with hostile
// names: control characters, an escape sequence, a newline, a 255-byte
// name, a link out of the folder, "..." and a leading dash.
func TestConformance(t *testing.T) {
	devicetest.Run(t, devicetest.Harness{
		Open: func(t *testing.T) (device.Handset, devicetest.Sim) {
			return makeFolder(t, map[string][]byte{
				"contacts.vcf":         []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\n"),
				"calendar.ics":         []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"),
				"DCIM/100PHONE/a.jpg":  photo(300000),
				"DCIM/100PHONE/b.jpg":  photo(1000),
				"notes/shopping.txt":   []byte("milk\n"),
				"Pictures/Trip/c.jpeg": photo(5000),
			})
		},
		OpenHostile: func(t *testing.T) (device.Handset, devicetest.Sim) {
			h, s := makeFolder(t, map[string][]byte{
				"bell\a\x01\x7f.jpg":              photo(100),
				"\x1b[31mred\x1b[0m.vcf":          []byte("BEGIN:VCARD\r\nEND:VCARD\r\n"),
				"line\nbreak.txt":                 []byte("x"),
				strings.Repeat("n", 251) + ".jpg": photo(10),
				".../-rf.jpg":                     photo(10),
				"\xff\xfeLatin1 \xe9.jpg":         photo(10),
			})
			fs := s.(*folderSim)
			if err := os.Symlink("../../../../etc/passwd", filepath.Join(fs.root, "escape.txt")); err != nil {
				t.Fatal(err)
			}
			fs.snap = snapshot(fs.root)
			return h, s
		},
	})
}
