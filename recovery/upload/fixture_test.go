package upload

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/recovery"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func shaPasswd(p string) string {
	h := sha1.Sum([]byte(p))
	return "{SHA}" + base64.StdEncoding.EncodeToString(h[:])
}

// fixture describes an export folder written by the tests, in the layout
// recovery.Export writes (recovery/doc.go): per-item files plus manifest.
type fixture struct {
	Contacts, Events, Todos, Photos int
	// BigPhoto gives contact 0 an inline JPEG of about this many bytes.
	BigPhoto int
	// OddUID gives contact 1 a UID that cannot be a file name.
	OddUID bool
}

func jpegBytes(t testing.TB, w, h int, seed int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// Noise-like pattern so JPEG stays large.
			v := uint8((x*31 + y*17 + seed*7 + (x*y)%13*19) % 256)
			img.Set(x, y, color.RGBA{v, uint8(int(v) * 3 % 256), uint8((x ^ y ^ seed) % 256), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func foldLine(l string) string {
	var b strings.Builder
	for len(l) > 75 {
		b.WriteString(l[:75] + "\r\n ")
		l = l[75:]
	}
	b.WriteString(l + "\r\n")
	return b.String()
}

// writeExport writes an export folder to dir and returns its manifest.
func writeExport(t testing.TB, dir string, f fixture) *recovery.Manifest {
	t.Helper()
	m := &recovery.Manifest{
		Format: recovery.ManifestFormat,
		Tool:   recovery.Tool{Name: "sk-rescue", Version: "test"},
		Device: device.Info{Maker: "Danger", Model: "Sidekick II", Serial: "SK2-0042", Protocol: "sim", Battery: -1},
		Counts: map[device.Kind]int{},
	}
	add := func(kind device.Kind, rel, uid string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(data)
		sum := hex.EncodeToString(h[:])
		mi := recovery.ManItem{
			Item:    device.Item{Kind: kind, ID: rel, Name: path.Base(rel), Size: int64(len(data)), Format: "text/plain"},
			Status:  recovery.StatusOK,
			SHA256:  sum,
			RawSize: int64(len(data)),
			Outputs: []recovery.Output{{Path: rel, SHA256: sum, Size: int64(len(data)), Kind: kind, UID: uid}},
		}
		if kind == device.KindPhoto {
			// As recovery.Export writes them: the raw copy is the output.
			mi.Raw, mi.Outputs, mi.Format = rel, nil, "image/jpeg"
		}
		m.Items = append(m.Items, mi)
		m.Counts[kind]++
	}
	for i := range f.Contacts {
		uid := fmt.Sprintf("sk-contact-%04d", i)
		if f.OddUID && i == 1 {
			uid = "urn:uuid:odd/uid with space@example.org"
		}
		var b strings.Builder
		b.WriteString("BEGIN:VCARD\r\nVERSION:3.0\r\n")
		b.WriteString("UID:" + uid + "\r\n")
		fmt.Fprintf(&b, "FN:Person %d Müller\r\nN:Müller;Person %d;;;\r\n", i, i)
		fmt.Fprintf(&b, "TEL;TYPE=CELL:+49 170 %07d\r\n", i)
		fmt.Fprintf(&b, "EMAIL;TYPE=INTERNET:p%d@example.org\r\n", i)
		if f.BigPhoto > 0 && i == 0 {
			side := 64
			var jp []byte
			for {
				jp = jpegBytes(t, side, side, i)
				if len(jp) >= f.BigPhoto || side > 4000 {
					break
				}
				side *= 2
			}
			b.WriteString(foldLine("PHOTO;ENCODING=b;TYPE=JPEG:" + base64.StdEncoding.EncodeToString(jp)))
		}
		b.WriteString("END:VCARD\r\n")
		name := fmt.Sprintf("contacts/%s.vcf", strings.NewReplacer("/", "_", " ", "_", ":", "_", "@", "_").Replace(uid))
		add(device.KindContact, name, uid, []byte(b.String()))
	}
	base := time.Date(2009, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range f.Events {
		uid := fmt.Sprintf("sk-event-%04d", i)
		s := base.Add(time.Duration(i) * 26 * time.Hour)
		data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//sk-rescue//test//EN\r\nBEGIN:VEVENT\r\n" +
			"UID:" + uid + "\r\nDTSTAMP:20261101T120000Z\r\n" +
			"DTSTART:" + s.Format("20060102T150405Z") + "\r\nDTEND:" + s.Add(time.Hour).Format("20060102T150405Z") + "\r\n" +
			fmt.Sprintf("SUMMARY:Meeting %d\\, room %d\r\n", i, i%7) +
			"END:VEVENT\r\nEND:VCALENDAR\r\n"
		add(device.KindEvent, "calendar/"+uid+".ics", uid, []byte(data))
	}
	for i := range f.Todos {
		uid := fmt.Sprintf("sk-todo-%04d", i)
		data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//sk-rescue//test//EN\r\nBEGIN:VTODO\r\n" +
			"UID:" + uid + "\r\nDTSTAMP:20261101T120000Z\r\n" +
			fmt.Sprintf("SUMMARY:Task %d\r\nPRIORITY:%d\r\n", i, 1+i%9) +
			"END:VTODO\r\nEND:VCALENDAR\r\n"
		add(device.KindTodo, "todos/"+uid+".ics", uid, []byte(data))
	}
	for i := range f.Photos {
		rel := fmt.Sprintf("photos/DCIM/100SIDEK/IMG_%04d.JPG", i)
		if i%5 == 4 {
			rel = fmt.Sprintf("photos/Camera Roll/Föto %d #1.jpg", i)
		}
		add(device.KindPhoto, rel, "", jpegBytes(t, 64+i, 48, i))
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, recovery.ManifestName), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return m
}

// serverState is what a server holds, counted by PROPFIND and GET.
type serverState struct {
	Contacts, Events, Todos int
	// UIDs counts every UID seen per kind, to find duplicates.
	UIDs map[string]int
	// Bodies maps UID to the server's bytes.
	Bodies map[string][]byte
}

type tMultistatus struct {
	Responses []struct {
		Href     string `xml:"href"`
		Propstat []struct {
			Prop struct {
				ResourceType struct {
					Collection *struct{} `xml:"collection"`
				} `xml:"resourcetype"`
			} `xml:"prop"`
		} `xml:"propstat"`
	} `xml:"response"`
}

// propfindHrefs lists u's members: (href, isCollection).
func (d davClient) propfindHrefs(u string) map[string]bool {
	d.t.Helper()
	resp, body := d.do("PROPFIND", u, "1", `<?xml version="1.0"?><propfind xmlns="DAV:"><prop><resourcetype/></prop></propfind>`)
	if resp.StatusCode != 207 {
		d.t.Fatalf("PROPFIND %s: %s %s", u, resp.Status, body)
	}
	var ms tMultistatus
	if err := xml.Unmarshal(body, &ms); err != nil {
		d.t.Fatal(err)
	}
	base, _ := url.Parse(u)
	out := map[string]bool{}
	for _, r := range ms.Responses {
		h, err := base.Parse(r.Href)
		if err != nil {
			d.t.Fatal(err)
		}
		if strings.TrimSuffix(h.Path, "/") == strings.TrimSuffix(base.Path, "/") {
			continue
		}
		coll := false
		for _, ps := range r.Propstat {
			if ps.Prop.ResourceType.Collection != nil {
				coll = true
			}
		}
		out[h.String()] = coll
	}
	return out
}

// countState walks every collection under the home sets and GETs every
// item.
func countState(t testing.TB, s *davServer) serverState {
	t.Helper()
	d := davClient{t: t, user: s.User, pass: s.Password}
	st := serverState{UIDs: map[string]int{}, Bodies: map[string][]byte{}}
	base := strings.TrimSuffix(s.URL, "/")
	homes := []string{base + s.CardHome}
	if s.CalHome != s.CardHome {
		homes = append(homes, base+s.CalHome)
	}
	for _, h := range homes {
		for col, isCol := range d.propfindHrefs(h) {
			if !isCol {
				continue
			}
			for href, sub := range d.propfindHrefs(col) {
				if sub {
					continue
				}
				resp, body := d.do("GET", href, "", "")
				if resp.StatusCode != 200 {
					t.Fatalf("GET %s: %s", href, resp.Status)
				}
				uid := findUID(body)
				switch {
				case bytes.Contains(body, []byte("BEGIN:VCARD")):
					st.Contacts++
					uid = "contact:" + uid
				case bytes.Contains(body, []byte("BEGIN:VTODO")):
					st.Todos++
					uid = "todo:" + uid
				case bytes.Contains(body, []byte("BEGIN:VEVENT")):
					st.Events++
					uid = "event:" + uid
				default:
					t.Errorf("unknown item at %s", href)
				}
				st.UIDs[uid]++
				st.Bodies[uid] = body
			}
		}
	}
	return st
}

func (st serverState) checkExact(t testing.TB, f fixture) {
	t.Helper()
	if st.Contacts != f.Contacts || st.Events != f.Events || st.Todos != f.Todos {
		t.Errorf("server holds %d contacts, %d events, %d to-dos; want %d, %d, %d", st.Contacts, st.Events, st.Todos, f.Contacts, f.Events, f.Todos)
	}
	for uid, n := range st.UIDs {
		if n != 1 {
			t.Errorf("%s is on the server %d times", uid, n)
		}
	}
}
