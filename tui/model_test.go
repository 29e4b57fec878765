package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/recovery"
	"github.com/sk-rescue/sk-rescue/recovery/upload"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

func newTestModel(b Backend, opt Options) *Model {
	opt.PollEvery = time.Hour // ticks never fire within a test
	if opt.Out == "" {
		opt.Out = "rescued"
	}
	opt.Advice = func(err error) string {
		if errors.Is(err, device.ErrBusy) {
			return "Another program holds the phone."
		}
		return ""
	}
	m := New(context.Background(), b, opt)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return m
}

// inboxes holds each model's message channel across settle calls, so a
// command still running when one settle gives up delivers to the next.
var inboxes sync.Map

// settle runs cmd and every command the resulting messages lead to, feeding
// the messages to m, until nothing arrives for a while. Timer messages
// (spinner ticks, polls) are dropped, so the loop ends.
func settle(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	ch, _ := inboxes.LoadOrStore(m, make(chan tea.Msg, 100))
	msgs := ch.(chan tea.Msg)
	var launch func(tea.Cmd)
	launch = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			msg := c()
			if b, ok := msg.(tea.BatchMsg); ok {
				for _, c := range b {
					launch(c)
				}
				return
			}
			msgs <- msg
		}()
	}
	launch(cmd)
	for {
		select {
		case msg := <-msgs:
			switch msg.(type) {
			case spinner.TickMsg, pollMsg, nil:
				continue
			}
			_, c := m.Update(msg)
			launch(c)
		case <-time.After(150 * time.Millisecond):
			return
		}
	}
}

func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case " ":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// press feeds keys and settles after each.
func press(t *testing.T, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		settle(t, m, cmd)
	}
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

// checkFits fails when a line of v is wider than w or v is taller than h.
func checkFits(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		t.Errorf("view has %d lines, terminal %d:\n%s", len(lines), h, v)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d wide, terminal %d: %q", i, n, w, l)
		}
	}
}

func TestUpdate(t *testing.T) {
	type tc struct {
		name  string
		setup func(t *testing.T, m *Model, b *fakeBackend, s *fakeSession)
		msg   tea.Msg
		check func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession)
	}
	listed := func(t *testing.T, m *Model, b *fakeBackend, s *fakeSession) {
		settle(t, m, m.Init())
	}
	inventory := func(t *testing.T, m *Model, b *fakeBackend, s *fakeSession) {
		listed(t, m, b, s)
		press(t, m, "enter")
		if m.screen != screenInventory {
			t.Fatalf("screen = %v, want inventory", m.screen)
		}
	}
	exporting := func(t *testing.T, m *Model, b *fakeBackend, s *fakeSession) {
		s.block = true
		inventory(t, m, b, s)
		press(t, m, "enter")
		if m.screen != screenExport {
			t.Fatalf("screen = %v, want export", m.screen)
		}
	}
	tests := []tc{
		{
			name: "init lists handsets and selects --device",
			setup: func(t *testing.T, m *Model, b *fakeBackend, s *fakeSession) {
				settle(t, m, m.Init())
			},
			msg: nil,
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if m.screen != screenHandsets || len(m.handsets) != 2 || m.cursor != 1 {
					t.Errorf("screen %v, %d handsets, cursor %d; want handsets, 2, 1", m.screen, len(m.handsets), m.cursor)
				}
				v := m.View()
				for _, want := range []string{"Step 1 of 4", "› Danger Sidekick (sim)", "Nokia 6230i", "battery unknown", "37%"} {
					if !strings.Contains(v, want) {
						t.Errorf("view lacks %q:\n%s", want, v)
					}
				}
			},
		},
		{
			name:  "hot-plug: a new handset keeps the selection",
			setup: listed,
			msg: handsetsMsg{list: []Handset{
				{Selector: "2:3", Maker: "Motorola", Model: "RAZR", Battery: 80},
				{Selector: "1:7", Maker: "Nokia", Model: "6230i", Battery: -1},
				{Selector: "sim", Maker: "Danger", Model: "Sidekick (sim)", Battery: 37},
			}},
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if m.cursor != 2 || m.handsets[m.cursor].Selector != "sim" {
					t.Errorf("cursor %d, want 2 (sim)", m.cursor)
				}
				if cmd == nil {
					t.Error("no next poll scheduled")
				}
				if !strings.Contains(m.View(), "Motorola RAZR") {
					t.Error("new handset not shown")
				}
			},
		},
		{
			name:  "hot-plug: the selected handset leaves",
			setup: listed,
			msg:   handsetsMsg{list: []Handset{{Selector: "1:7", Maker: "Nokia", Model: "6230i", Battery: -1}}},
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if m.cursor != 0 || len(m.handsets) != 1 {
					t.Errorf("cursor %d of %d", m.cursor, len(m.handsets))
				}
			},
		},
		{
			name:  "none found says what to check",
			setup: func(t *testing.T, m *Model, b *fakeBackend, s *fakeSession) {},
			msg:   handsetsMsg{},
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				v := m.View()
				for _, want := range []string{"No phone found", "cable", "File transfer", "unlocked", "other program", "udev"} {
					if !strings.Contains(v, want) {
						t.Errorf("view lacks %q:\n%s", want, v)
					}
				}
			},
		},
		{
			name:  "list error shows advice",
			setup: func(t *testing.T, m *Model, b *fakeBackend, s *fakeSession) {},
			msg:   handsetsMsg{err: fmt.Errorf("usb: %w", device.ErrBusy)},
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if v := m.View(); !strings.Contains(v, "Another program holds the phone.") {
					t.Errorf("no advice:\n%s", v)
				}
			},
		},
		{
			name:  "stale poll is ignored",
			setup: listed,
			msg:   pollMsg{gen: -1},
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if cmd != nil {
					t.Error("stale poll listed again")
				}
			},
		},
		{
			name:  "current poll lists again",
			setup: listed,
			msg:   nil, // set in check
			check: func(t *testing.T, m *Model, _ tea.Cmd, b *fakeBackend, s *fakeSession) {
				_, cmd := m.Update(pollMsg{gen: m.pollGen})
				if _, ok := cmd().(handsetsMsg); !ok {
					t.Error("poll did not list")
				}
			},
		},
		{
			name:  "down and up move the selection",
			setup: listed,
			msg:   keyMsg("k"),
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if m.cursor != 0 {
					t.Errorf("cursor %d after k", m.cursor)
				}
				m.Update(keyMsg("down"))
				m.Update(keyMsg("down"))
				if m.cursor != 1 {
					t.Errorf("cursor %d after down down", m.cursor)
				}
			},
		},
		{
			name:  "enter opens the handset off the event loop",
			setup: listed,
			msg:   keyMsg("enter"),
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if m.busy == "" || m.screen != screenHandsets {
					t.Errorf("busy %q, screen %v", m.busy, m.screen)
				}
				msg := cmd()
				om, ok := msg.(openedMsg)
				if !ok || om.sess != s {
					t.Fatalf("cmd gave %#v", msg)
				}
				m.Update(om)
				if m.screen != screenInventory || m.busy != "" {
					t.Errorf("screen %v busy %q", m.screen, m.busy)
				}
				for _, k := range []device.Kind{device.KindContact, device.KindEvent, device.KindTodo, device.KindPhoto} {
					if !m.selected[k] {
						t.Errorf("%s not selected", k)
					}
				}
				if m.selected[device.KindNote] {
					t.Error("notes selected but none on the phone")
				}
				if m.exportKinds() != nil {
					t.Errorf("exportKinds = %v, want nil (everything)", m.exportKinds())
				}
				v := m.View()
				for _, want := range []string{"Step 2 of 4", "[x] Contacts", "250", "none on this phone", "30.0 MiB", "C0000.vcf", "Save into: rescued"} {
					if !strings.Contains(v, want) {
						t.Errorf("view lacks %q:\n%s", want, v)
					}
				}
			},
		},
		{
			name: "open error stays on handsets with advice",
			setup: func(t *testing.T, m *Model, b *fakeBackend, s *fakeSession) {
				listed(t, m, b, s)
				b.openErr = device.ErrBusy
			},
			msg: keyMsg("enter"),
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				settle(t, m, cmd)
				if m.screen != screenHandsets || m.openErr == nil || m.busy != "" {
					t.Fatalf("screen %v err %v busy %q", m.screen, m.openErr, m.busy)
				}
				if v := m.View(); !strings.Contains(v, "could not open sim") || !strings.Contains(v, "Another program") {
					t.Errorf("view:\n%s", v)
				}
			},
		},
		{
			name:  "space leaves a kind out",
			setup: inventory,
			msg:   keyMsg(" "),
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if m.selected[device.KindContact] {
					t.Error("contacts still selected")
				}
				got := m.exportKinds()
				want := []device.Kind{device.KindEvent, device.KindTodo, device.KindPhoto}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("exportKinds = %v, want %v", got, want)
				}
				if !strings.Contains(m.View(), "[ ] Contacts") {
					t.Error("view does not show contacts unselected")
				}
			},
		},
		{
			name: "nothing selected refuses to start",
			setup: func(t *testing.T, m *Model, b *fakeBackend, s *fakeSession) {
				inventory(t, m, b, s)
				m.selected = map[device.Kind]bool{}
			},
			msg: keyMsg("enter"),
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if m.screen != screenInventory || cmd != nil || !strings.Contains(m.View(), "Select at least one") {
					t.Errorf("screen %v cmd %v", m.screen, cmd != nil)
				}
			},
		},
		{
			name:  "the folder is editable",
			setup: inventory,
			msg:   keyMsg("f"),
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if !m.editing {
					t.Fatal("not editing")
				}
				for _, k := range []string{"backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "c", "a", "s", "e", " ", "q"} {
					m.Update(keyMsg(k))
				}
				if m.screen != screenInventory {
					t.Fatal("q while editing left the screen")
				}
				m.Update(keyMsg("enter"))
				if m.editing || m.folder.Value() != "case q" {
					t.Errorf("editing %v, folder %q", m.editing, m.folder.Value())
				}
			},
		},
		{
			name:  "esc goes back and closes the session",
			setup: inventory,
			msg:   keyMsg("esc"),
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				settle(t, m, cmd)
				if m.screen != screenHandsets || s.closed != 1 || m.sess != nil {
					t.Errorf("screen %v closed %d", m.screen, s.closed)
				}
			},
		},
		{
			name:  "enter exports everything into the folder",
			setup: inventory,
			msg:   keyMsg("enter"),
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if m.screen != screenExport {
					t.Fatalf("screen %v", m.screen)
				}
				if v := m.View(); !strings.Contains(v, "Step 3 of 4") || !strings.Contains(v, "Contacts") {
					t.Errorf("view:\n%s", v)
				}
				settle(t, m, cmd)
				if len(s.opts) != 1 || s.opts[0].Out != "rescued" || s.opts[0].Kinds != nil || s.opts[0].Reporter == nil {
					t.Fatalf("export options %+v", s.opts)
				}
				if m.screen != screenDone || m.sum != s.sum || m.expErr != nil {
					t.Fatalf("screen %v err %v", m.screen, m.expErr)
				}
				if len(m.warnings) != 1 {
					t.Errorf("warnings %q", m.warnings)
				}
				if len(b.verified) != 1 || b.verified[0] != "rescued" || m.verified == nil {
					t.Errorf("verify %v", b.verified)
				}
				v := m.View()
				for _, want := range []string{"Step 4 of 4", "rescued", "250 contacts", "120 events", "40 to-dos", "30 photos",
					"all 901 files match", "C0007.vcf: record 0: bad", "sk-rescue upload rescued", "sk-rescue verify rescued"} {
					if !strings.Contains(v, want) {
						t.Errorf("done view lacks %q:\n%s", want, v)
					}
				}
				if !isQuit(func() tea.Msg { _, c := m.Update(keyMsg("q")); return c() }) {
					t.Error("q does not quit on done")
				}
			},
		},
		{
			name:  "q during export asks first",
			setup: exporting,
			msg:   keyMsg("q"),
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if !m.confirm || cmd != nil {
					t.Fatalf("confirm %v", m.confirm)
				}
				if v := m.View(); !strings.Contains(v, "Stop copying?") || !strings.Contains(v, "resumes") {
					t.Errorf("view:\n%s", v)
				}
				m.Update(keyMsg("n"))
				if m.confirm || m.stopping {
					t.Error("n did not go on")
				}
			},
		},
		{
			name:  "ctrl+c then y stops and says how to resume",
			setup: exporting,
			msg:   keyMsg("ctrl+c"),
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if !m.confirm {
					t.Fatal("no confirmation")
				}
				_, cmd = m.Update(keyMsg("y"))
				if !m.stopping {
					t.Fatal("not stopping")
				}
				settle(t, m, cmd) // the blocked export sees the cancel and returns
				// The wait command armed before the stop delivers the end.
				deadline := time.Now().Add(30 * time.Second) // a hang guard, not a timing check
				for m.screen != screenDone && time.Now().Before(deadline) {
					settle(t, m, nil)
				}
				if m.screen != screenDone || !m.stopped || !errors.Is(m.expErr, context.Canceled) {
					t.Fatalf("screen %v stopped %v err %v", m.screen, m.stopped, m.expErr)
				}
				v := m.View()
				for _, want := range []string{"stopped", "kept in rescued", "resumed", "sk-rescue tui --out rescued"} {
					if !strings.Contains(v, want) {
						t.Errorf("view lacks %q:\n%s", want, v)
					}
				}
				press(t, m, "r")
				if m.screen != screenHandsets || m.folder.Value() != "rescued" {
					t.Errorf("r: screen %v folder %q", m.screen, m.folder.Value())
				}
			},
		},
		{
			name: "progress fills the bars with rate and time left",
			setup: func(t *testing.T, m *Model, b *fakeBackend, s *fakeSession) {
				inventory(t, m, b, s)
				m.Update(keyMsg("enter"))
			},
			msg: nil,
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				t0 := time.Date(2009, 10, 10, 12, 0, 0, 0, time.UTC)
				ch := make(chan tea.Msg)
				m.Update(exportStartedMsg{events: ch, at: t0})
				m.Update(progressMsg{at: t0.Add(10 * time.Second), ev: recovery.Event{
					Stage: recovery.StageFetch, Kind: device.KindPhoto, Item: "SIDK0005.JPG",
					Done: 295, Total: 440, Bytes: 10 << 20, TotalBytes: 30 << 20,
					KindDone: 5, KindTotal: 30, KindBytes: 10 << 20, KindTotalBytes: 30 << 20, Battery: 36}})
				v := m.View()
				for _, want := range []string{"295/440 items", "10.0/30.0 MiB", "1.0 MiB/s", "20s left", "Read SIDK0005.JPG", "36%"} {
					if !strings.Contains(v, want) {
						t.Errorf("view lacks %q:\n%s", want, v)
					}
				}
				checkFits(t, v, 80, 24)
			},
		},
		{
			name:  "? shows all keys",
			setup: listed,
			msg:   keyMsg("?"),
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if !m.help.ShowAll {
					t.Error("help not expanded")
				}
			},
		},
		{
			name:  "q quits on the handsets screen",
			setup: listed,
			msg:   keyMsg("q"),
			check: func(t *testing.T, m *Model, cmd tea.Cmd, b *fakeBackend, s *fakeSession) {
				if !isQuit(cmd) {
					t.Error("no quit")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, s := simLike(37)
			m := newTestModel(b, Options{Device: "sim"})
			tt.setup(t, m, b, s)
			var cmd tea.Cmd
			if tt.msg != nil {
				_, cmd = m.Update(tt.msg)
			}
			tt.check(t, m, cmd, b, s)
		})
	}
}

func TestLowBattery(t *testing.T) {
	b, s := simLike(5)
	m := newTestModel(b, Options{Device: "sim"})
	settle(t, m, m.Init())
	for _, screen := range []string{"handsets", "inventory"} {
		v := m.View()
		for _, want := range []string{"5% LOW", "Plug in a charger", "don't restart the phone"} {
			if !strings.Contains(v, want) {
				t.Errorf("%s view lacks %q:\n%s", screen, want, v)
			}
		}
		press(t, m, "enter")
	}
	_ = s
	// A healthy battery shows no warning.
	b, _ = simLike(80)
	m = newTestModel(b, Options{Device: "sim"})
	settle(t, m, m.Init())
	if v := m.View(); strings.Contains(v, "LOW") || strings.Contains(v, "charger") {
		t.Errorf("warning at 80%%:\n%s", v)
	}
}

// TestViewFits renders every screen at the smallest supported size and a
// large one: no line wider than the terminal, no more lines than it has.
func TestViewFits(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}, {100, 30}} {
		b, s := simLike(5)
		long := strings.Repeat("/very-long-folder-name", 8)
		m := newTestModel(b, Options{Device: "sim", Out: long})
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		settle(t, m, m.Init())
		checkFits(t, m.View(), size[0], size[1])
		press(t, m, "enter")
		checkFits(t, m.View(), size[0], size[1])
		m.Update(keyMsg("enter"))
		for i := range 30 {
			m.warnings = append(m.warnings, fmt.Sprintf("warning %d: %s", i, strings.Repeat("long text ", 20)))
		}
		checkFits(t, m.View(), size[0], size[1])
		m.Update(exportDoneMsg{sum: s.sum})
		checkFits(t, m.View(), size[0], size[1])
		if v := m.View(); !strings.Contains(strings.ReplaceAll(v, "\n", ""), "very-long-folder-name/very") {
			t.Errorf("%v: folder not shown whole:\n%s", size, v)
		}
	}
}

// fakeUploader adds an upload to fakeBackend.
type fakeUploader struct {
	*fakeBackend
	opts []upload.Options
}

func (u *fakeUploader) Upload(ctx context.Context, dir string, opt upload.Options, rep recovery.Reporter) (*upload.Summary, error) {
	u.opts = append(u.opts, opt)
	if opt.Password != "s3cret" {
		return nil, upload.ErrAuth
	}
	if opt.DryRun {
		return &upload.Summary{DryRun: true, WouldUpload: 410, Collections: []upload.Collection{
			{Kinds: []device.Kind{device.KindContact}, URL: "https://dav.example/ab/", WouldCreate: true}}}, nil
	}
	rep.Report(recovery.Event{Stage: upload.StageUpload, Done: 1, Total: 410})
	return &upload.Summary{Uploaded: 410, Verify: &upload.Verify{OK: true, Checked: 410, Present: 410}}, nil
}

func TestUploadFlow(t *testing.T) {
	b, _ := simLike(37)
	u := &fakeUploader{fakeBackend: b}
	m := newTestModel(u, Options{Device: "sim"})
	settle(t, m, m.Init())
	press(t, m, "enter", "enter")
	if m.screen != screenDone || !strings.Contains(m.View(), "press u") {
		t.Fatalf("screen %v:\n%s", m.screen, m.View())
	}
	press(t, m, "u")
	if m.screen != screenUpload {
		t.Fatalf("screen %v", m.screen)
	}
	typeIn := func(s string) {
		for _, r := range s {
			m.Update(keyMsg(string(r)))
		}
	}
	typeIn("https://dav.example")
	press(t, m, "enter")
	typeIn("ann?")
	press(t, m, "enter")
	typeIn("wrong")
	if v := m.View(); strings.Contains(v, "wrong") || !strings.Contains(v, "•••••") {
		t.Errorf("password shown:\n%s", v)
	}
	press(t, m, "enter")
	if m.up.phase != upForm || !errors.Is(m.up.err, upload.ErrAuth) {
		t.Fatalf("phase %d err %v", m.up.phase, m.up.err)
	}
	for range 5 {
		m.Update(keyMsg("backspace"))
	}
	typeIn("s3cret")
	press(t, m, "enter")
	if m.up.phase != upReview || !strings.Contains(m.View(), "https://dav.example/ab/") {
		t.Fatalf("phase %d:\n%s", m.up.phase, m.View())
	}
	press(t, m, "enter")
	if m.up.phase != upDone {
		t.Fatalf("phase %d", m.up.phase)
	}
	v := m.View()
	if !strings.Contains(v, "410 uploaded") || !strings.Contains(v, "all 410 items are there") || strings.Contains(v, "s3cret") {
		t.Errorf("view:\n%s", v)
	}
	if got := u.opts[len(u.opts)-1]; got.Server != "https://dav.example" || got.User != "ann?" || got.DryRun {
		t.Errorf("options %+v", got)
	}
	if m.up.fields[2].Value() != "" {
		t.Error("password kept after the upload")
	}
	checkFits(t, v, 80, 24)
}

func TestMaskURLPassword(t *testing.T) {
	for in, want := range map[string]string{
		"https://jane:s3cret@dav.example.com/": "https://jane:••••••@dav.example.com/",
		"https://jane@dav.example.com/":        "https://jane@dav.example.com/",
		"https://dav.example.com/a:b@c":        "https://dav.example.com/a:b@c",
		"dav.example.com":                      "dav.example.com",
		"http://u:p@w@host":                    "http://u:•••@host",
	} {
		if got := maskURLPassword(in); got != want {
			t.Errorf("maskURLPassword(%q) = %q, want %q", in, got, want)
		}
	}
}
