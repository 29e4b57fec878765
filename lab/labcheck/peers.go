package main

// The featurephone group's peers: gammu reads the modem's phonebooks,
// obexftp browses the OBEX responder over a transparent OBEX tty. The
// expectations come from device/sim/featurephone's data (deterministic),
// never from the peer; the responders' counters, dumped by lab/gadget
// around each peer (stats-*.json), say what the peer sent that would have
// changed a real phone.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sk-rescue/sk-rescue/device/sim/featurephone"
	"github.com/sk-rescue/sk-rescue/lab/internal/phonestats"
)

func readStats(dir, name string) (*phonestats.Stats, error) {
	b, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		return nil, fmt.Errorf("responders' counters: %w", err)
	}
	var s phonestats.Stats
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s.json: %w", name, err)
	}
	return &s, nil
}

// since returns the entries of after that came after before's (both logs
// only grow).
func since(before, after []string) ([]string, error) {
	if len(after) < len(before) || !slices.Equal(after[:len(before)], before) {
		return nil, fmt.Errorf("counters went backwards (%d logged, then %d)", len(before), len(after))
	}
	return after[len(before):], nil
}

// counted renders a list as "A ×2, B ×1" in first-seen order.
func counted(l []string) string {
	n := map[string]int{}
	var order []string
	for _, s := range l {
		if n[s] == 0 {
			order = append(order, s)
		}
		n[s]++
	}
	var parts []string
	for _, s := range order {
		parts = append(parts, fmt.Sprintf("%s ×%d", s, n[s]))
	}
	return strings.Join(parts, ", ")
}

// exportSentNoWrites checks that the phone counted no mutating request
// during sk-rescue's export (the first client on the phone; the counters
// start at zero with the gadget).
func exportSentNoWrites(dir string) (string, error) {
	st, err := readStats(dir, "stats-after-export")
	if err != nil {
		return "", err
	}
	if st.Mutating != 0 {
		return "", fmt.Errorf("sk-rescue sent %d mutating requests: AT %q, OBEX %q", st.Mutating, st.ATMutating, st.OBEXMutating)
	}
	return fmt.Sprintf("%d requests, 0 mutating", st.Requests), nil
}

// gammuAllowed are the mutating command lines gammu 1.42 sends on every
// connection and the phone tolerates (docs/TESTING.md, findings): the
// functionality set to the level the phone is at, answered OK, and
// Motorola's mode switch, which gammu tries on any phone and which the
// simulator refuses.
var gammuAllowed = []string{"AT+CFUN=1", "AT+MODE=2"}

// gammuEntry is one phonebook entry as gammu prints it.
type gammuEntry struct {
	slot         int
	name, number string
}

func (e gammuEntry) String() string { return fmt.Sprintf("%d %q %q", e.slot, e.name, e.number) }

// parseGammuMemory reads "gammu getallmemory MEM" output:
//
//	Memory SM, Location 1
//	General number       : "+48510000000"
//	Name                 : "Łukasz Wiśniewski"
func parseGammuMemory(b []byte, mem string) ([]gammuEntry, error) {
	var out []gammuEntry
	var cur *gammuEntry
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := sc.Text()
		if rest, ok := strings.CutPrefix(l, "Memory "+mem+", Location "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(rest))
			if err != nil {
				return nil, fmt.Errorf("gammu output: %q", l)
			}
			out = append(out, gammuEntry{slot: n})
			cur = &out[len(out)-1]
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok || cur == nil {
			continue
		}
		k = strings.TrimSpace(k)
		v, err := strconv.Unquote(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("gammu output, location %d: %q", cur.slot, l)
		}
		switch {
		case k == "Name":
			cur.name = v
		case strings.HasSuffix(k, "number"):
			if cur.number != "" {
				return nil, fmt.Errorf("gammu output, location %d: two numbers", cur.slot)
			}
			cur.number = v
		default:
			return nil, fmt.Errorf("gammu output, location %d: unexpected field %q", cur.slot, l)
		}
	}
	return out, sc.Err()
}

// simPhonebook is what the simulated modem holds in mem: the SIM entries
// in their slots, or the phone-memory contacts in slots 1…180 with their
// first number (device/sim/featurephone, Data.SIM).
func simPhonebook(mem string) []gammuEntry {
	d := featurephone.Dataset()
	var out []gammuEntry
	if mem == "SM" {
		for _, e := range d.SIM {
			out = append(out, gammuEntry{e.Slot, e.Name, e.Number})
		}
		return out
	}
	for i, c := range d.Truth.Contacts[:featurephone.PhoneContacts] {
		out = append(out, gammuEntry{i + 1, c.FullName, c.Phones[0]})
	}
	return out
}

// gammuReadsMemory judges "gammu getallmemory MEM" (step NAME): every entry
// the simulator holds in mem, with its slot, name and number, and nothing
// else; and between the counters BEFORE and AFTER, no mutating request
// but those in gammuAllowed, none over OBEX.
func gammuReadsMemory(dir, name, mem, before, after string) (string, error) {
	rc, ms, msg, err := step(dir, name)
	if err != nil {
		return "", err
	}
	if rc != 0 {
		return "", fmt.Errorf("gammu exited %d: %s", rc, msg)
	}
	b, err := os.ReadFile(filepath.Join(dir, name+".out"))
	if err != nil {
		return "", err
	}
	got, err := parseGammuMemory(b, mem)
	if err != nil {
		return "", err
	}
	want := simPhonebook(mem)
	if g, w := sortedStrings(got), sortedStrings(want); !slices.Equal(g, w) {
		return "", fmt.Errorf("gammu read %d entries, the simulator holds %d: %s", len(g), len(w), diff(g, w))
	}
	muts, err := peerWrites(dir, before, after, gammuAllowed)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d entries (slot, name, number) equal, %.1f s; mutating requests: %s", len(got), float64(ms)/1000, muts), nil
}

// peerWrites describes the mutating requests between two counter dumps,
// or fails if one is not in allowed (AT command lines; OBEX never).
func peerWrites(dir, before, after string, allowed []string) (string, error) {
	s0, err := readStats(dir, before)
	if err != nil {
		return "", err
	}
	s1, err := readStats(dir, after)
	if err != nil {
		return "", err
	}
	at, err := since(s0.ATMutating, s1.ATMutating)
	if err != nil {
		return "", err
	}
	ob, err := since(s0.OBEXMutating, s1.OBEXMutating)
	if err != nil {
		return "", err
	}
	refused, err := since(s0.ATRefused, s1.ATRefused)
	if err != nil {
		return "", err
	}
	var bad []string
	for _, c := range at {
		if !slices.Contains(allowed, c) {
			bad = append(bad, c)
		}
	}
	if len(bad) > 0 || len(ob) > 0 {
		return "", fmt.Errorf("mutating requests beyond %q: AT %s; OBEX %s", allowed, counted(bad), counted(ob))
	}
	if n := s1.Mutating - s0.Mutating; n != len(at) {
		return "", fmt.Errorf("%d mutating requests counted, %d logged", n, len(at))
	}
	if len(at) == 0 {
		return "none", nil
	}
	var parts []string
	for _, c := range slices.Compact(slices.Sorted(slices.Values(at))) {
		n, r := 0, 0
		for _, a := range at {
			if a == c {
				n++
			}
		}
		for _, a := range refused {
			if a == c {
				r++
			}
		}
		switch r {
		case 0:
			parts = append(parts, fmt.Sprintf("%s ×%d (answered OK)", c, n))
		case n:
			parts = append(parts, fmt.Sprintf("%s ×%d (refused)", c, n))
		default:
			parts = append(parts, fmt.Sprintf("%s ×%d (%d refused)", c, n, r))
		}
	}
	return strings.Join(parts, ", "), nil
}

// obexEntry is one entry of a folder listing (IrOBEX folder-listing DTD).
type obexEntry struct {
	kind string // "folder" or "file"
	name string
	size int64 // files only
}

func (e obexEntry) String() string {
	if e.kind == "folder" {
		return "folder " + e.name
	}
	return fmt.Sprintf("file %s %d", e.name, e.size)
}

// parseListing reads the x-obex/folder-listing XML obexftp -l prints.
func parseListing(b []byte) ([]obexEntry, error) {
	i := bytes.Index(b, []byte("<?xml"))
	if i < 0 {
		return nil, fmt.Errorf("no folder-listing XML in obexftp's output (%d bytes)", len(b))
	}
	var l struct {
		Folders []struct {
			Name string `xml:"name,attr"`
		} `xml:"folder"`
		Files []struct {
			Name string `xml:"name,attr"`
			Size string `xml:"size,attr"`
		} `xml:"file"`
	}
	dec := xml.NewDecoder(bytes.NewReader(b[i:]))
	dec.Strict = true
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("folder listing: %w", err)
	}
	var out []obexEntry
	for _, f := range l.Folders {
		out = append(out, obexEntry{kind: "folder", name: f.Name})
	}
	for _, f := range l.Files {
		n, err := strconv.ParseInt(f.Size, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("folder listing: file %q size %q", f.Name, f.Size)
		}
		out = append(out, obexEntry{kind: "file", name: f.Name, size: n})
	}
	return out, nil
}

// simFolder is what the simulator's folder browsing holds in dir ("/",
// "/Pictures"): the subfolders and files of its Data.Files, and in
// HostileFolder the listed-only hostile entry.
func simFolder(dir string) []obexEntry {
	seen := map[string]bool{}
	var out []obexEntry
	for _, f := range featurephone.Dataset().Files {
		if path.Dir(f.Path) == dir {
			out = append(out, obexEntry{kind: "file", name: path.Base(f.Path), size: int64(len(f.Data))})
		}
		for p := path.Dir(f.Path); p != "/"; p = path.Dir(p) {
			if path.Dir(p) == dir && !seen[p] {
				seen[p] = true
				out = append(out, obexEntry{kind: "folder", name: path.Base(p)})
			}
		}
	}
	if dir == featurephone.HostileFolder {
		out = append(out, obexEntry{kind: "file", name: featurephone.HostileFile, size: featurephone.HostileSize})
	}
	return out
}

// obexftpRan reads obexftp's record of step: obexftp 0.24 exits with the
// negated result of its last operation, so a success (1) exits 255 and a
// failure a small positive code, after printing "The operation failed".
func obexftpRan(dir, name string) (out []byte, ms int, err error) {
	rc, ms, msg, err := step(dir, name)
	if err != nil {
		return nil, 0, err
	}
	out, err = os.ReadFile(filepath.Join(dir, name+".out"))
	if err != nil {
		return nil, 0, err
	}
	if (rc != 0 && rc != 255) || bytes.Contains(out, []byte("The operation failed")) {
		return nil, 0, fmt.Errorf("%s exited %d: %s", name, rc, lastLines(msg+"\n"+string(out), 2))
	}
	return out, ms, nil
}

// obexftpFolders are the listings init.sh asks for: step name and folder.
var obexftpFolders = []struct{ step, dir string }{
	{"obexftp-root", "/"},
	{"obexftp-Pictures", "/Pictures"},
	{"obexftp-Pictures-Received", "/Pictures/Received"},
	{"obexftp-Sounds", "/Sounds"},
	{"obexftp-Themes", "/Themes"},
}

// obexftpLists judges obexftp's listings of every folder the simulator
// has against its data, and the OBEX requests of every obexftp run
// (listings and the fetch): none mutating.
func obexftpLists(dir string) (string, error) {
	entries := 0
	for _, f := range obexftpFolders {
		b, _, err := obexftpRan(dir, f.step)
		if err != nil {
			return "", err
		}
		got, err := parseListing(b)
		if err != nil {
			return "", fmt.Errorf("%s: %w", f.dir, err)
		}
		want := simFolder(f.dir)
		if g, w := sortedStrings(got), sortedStrings(want); !slices.Equal(g, w) {
			return "", fmt.Errorf("%s: obexftp lists %d entries, the simulator has %d: %s", f.dir, len(g), len(w), diff(g, w))
		}
		entries += len(got)
	}
	s0, err := readStats(dir, "stats-before-obexftp")
	if err != nil {
		return "", err
	}
	s1, err := readStats(dir, "stats-after-obexftp")
	if err != nil {
		return "", err
	}
	ob, err := since(s0.OBEXMutating, s1.OBEXMutating)
	if err != nil {
		return "", err
	}
	if len(ob) > 0 || s1.Mutating != s0.Mutating {
		return "", fmt.Errorf("obexftp sent %d mutating OBEX requests: %s", s1.Mutating-s0.Mutating, counted(ob))
	}
	var ops []string
	for op, n := range s1.OBEXOps {
		if d := n - s0.OBEXOps[op]; d > 0 {
			ops = append(ops, fmt.Sprintf("%s ×%d", opName(op), d))
		}
	}
	sort.Strings(ops)
	return fmt.Sprintf("%d folders, %d entries equal; %s, 0 mutating", len(obexftpFolders), entries, strings.Join(ops, ", ")), nil
}

// opName names an OBEX opcode as the stats write it ("0x83").
func opName(op string) string {
	switch op {
	case "0x80":
		return "CONNECT"
	case "0x81":
		return "DISCONNECT"
	case "0x03", "0x83":
		return "GET"
	case "0x85":
		return "SETPATH"
	case "0xff":
		return "ABORT"
	}
	return "opcode " + op
}

// obexftpFetches judges "obexftp -c Pictures -g Image001.jpg": the file it
// wrote is the simulator's, byte for byte.
func obexftpFetches(dir string) (string, error) {
	const name = "/Pictures/Image001.jpg"
	_, ms, err := obexftpRan(dir, "obexftp-get")
	if err != nil {
		return "", err
	}
	got, err := os.ReadFile(filepath.Join(dir, "obexftp-get", path.Base(name)))
	if err != nil {
		return "", err
	}
	for _, f := range featurephone.Dataset().Files {
		if f.Path != name {
			continue
		}
		if !bytes.Equal(got, f.Data) {
			return "", fmt.Errorf("obexftp fetched %s: %d bytes, sha256 %s; the simulator serves %d bytes, sha256 %s",
				name, len(got), sum(got)[:12], len(f.Data), sum(f.Data)[:12])
		}
		return fmt.Sprintf("%s, %d bytes byte-identical, %.1f s", name, len(got), float64(ms)/1000), nil
	}
	return "", fmt.Errorf("the simulator has no %s", name)
}

// sortedStrings is es as sorted strings, to compare two listings as sets.
func sortedStrings[T fmt.Stringer](es []T) []string {
	s := make([]string, 0, len(es))
	for _, e := range es {
		s = append(s, e.String())
	}
	sort.Strings(s)
	return s
}
