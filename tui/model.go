package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/recovery"
)

// LowBattery is the charge, in percent, below which the TUI warns that the
// phone may switch off mid-rescue.
const LowBattery = 20

// Options configure the TUI.
type Options struct {
	// Device is the selector given with --device: that handset is
	// selected on the Handsets screen as soon as it is listed.
	Device string
	// Out is the output folder offered on the Inventory screen; a dated
	// folder in the current directory when empty.
	Out string
	// ToolVersion is written into the manifest.
	ToolVersion string
	// VCardVersion is passed to the export ("3.0" when empty).
	VCardVersion string
	// PollEvery is how often the Handsets screen looks for handsets
	// coming and going (2 s when zero).
	PollEvery time.Duration
	// ProgressEvery is the least time between two progress redraws
	// during an export (100 ms when zero).
	ProgressEvery time.Duration
	// Advice says what the user can do about an error, or "".
	Advice func(error) string
	// Today dates the default output folder (time.Now when zero).
	Today time.Time
}

type screen int

const (
	screenHandsets screen = iota
	screenInventory
	screenExport
	screenDone
	screenUpload
)

func (s screen) String() string {
	return [...]string{"handsets", "inventory", "export", "done", "upload"}[s]
}

// Messages: every slow thing comes back as one of these.
type (
	handsetsMsg struct {
		list []Handset
		err  error
	}
	pollMsg   struct{ gen int }
	openedMsg struct {
		selector string
		sess     Session
		inv      *recovery.Inventory
		err      error
	}
	exportStartedMsg struct {
		events <-chan tea.Msg
		at     time.Time
	}
	progressMsg struct {
		ev recovery.Event
		at time.Time
	}
	exportDoneMsg struct {
		sum *recovery.Summary
		err error
		at  time.Time
	}
	verifiedMsg struct {
		res *recovery.VerifyResult
		err error
	}
	closedMsg struct{}
)

// kindRun is one kind's progress during an export.
type kindRun struct {
	done, total       int
	bytes, totalBytes int64
	first, last       time.Time // first: when the kind started; last: latest event
}

// Model is the bubbletea model of the whole program.
type Model struct {
	ctx  context.Context
	be   Backend
	opt  Options
	keys keyMap
	help help.Model
	spin spinner.Model

	width, height int
	screen        screen

	// Handsets screen.
	handsets []Handset
	listed   bool // a first list arrived
	listErr  error
	cursor   int
	want     string // selector to select once it is listed
	pollGen  int
	busy     string // what runs now ("Opening …"); most keys wait for it
	openErr  error

	// Inventory screen.
	sess      Session
	info      device.Info
	inv       *recovery.Inventory
	rows      []device.Kind
	selected  map[device.Kind]bool
	invCursor int
	folder    field
	editing   bool
	notice    string

	// Export screen.
	cancel   context.CancelFunc
	events   <-chan tea.Msg
	started  time.Time
	lastAt   time.Time
	last     recovery.Event
	runs     map[device.Kind]*kindRun
	order    []device.Kind // kinds in the order the export met them
	warnings []string
	battery  int
	confirm  bool
	stopping bool

	// Done screen.
	sum       *recovery.Summary
	expErr    error
	stopped   bool
	verifying bool
	verified  *recovery.VerifyResult
	verifyErr error

	// Upload screen.
	up uploadState
}

// New returns the model for a program reading handsets through be. ctx
// bounds every backend call; cancelling it ends a running export.
func New(ctx context.Context, be Backend, opt Options) *Model {
	if opt.PollEvery <= 0 {
		opt.PollEvery = 2 * time.Second
	}
	if opt.ProgressEvery <= 0 {
		opt.ProgressEvery = 100 * time.Millisecond
	}
	if opt.Advice == nil {
		opt.Advice = func(error) string { return "" }
	}
	if opt.Out == "" {
		today := opt.Today
		if today.IsZero() {
			today = time.Now()
		}
		opt.Out = "sk-rescue-" + today.Format("2006-01-02")
	}
	var fi field
	fi.SetValue(opt.Out)
	h := help.New()
	h.ShowAll = false
	return &Model{
		ctx: ctx, be: be, opt: opt,
		keys:    newKeyMap(),
		help:    h,
		spin:    spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		width:   80,
		height:  24,
		want:    opt.Device,
		folder:  fi,
		battery: -1,
	}
}

// Init asks for the list of handsets; it does no I/O itself.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.listCmd(), m.spin.Tick)
}

// Screen names the screen shown: "handsets", "inventory", "export", "done".
func (m *Model) Screen() string { return m.screen.String() }

// Result is what the program did, for the command line to print once the
// terminal is restored.
type Result struct {
	// Summary of the export, if one ran to its end (or was stopped after
	// listing).
	Summary *recovery.Summary
	// Out is the folder the export wrote into; "" when none started.
	Out string
	// Err is the error that ended an export, if any.
	Err error
	// Stopped is set when the user stopped the export.
	Stopped bool
	// Verify is the result of verifying the folder after the export.
	Verify *recovery.VerifyResult
	// Session is the handset still open when the program ended; the
	// caller closes it.
	Session Session
}

// Result returns what the program did.
func (m *Model) Result() Result {
	r := Result{Summary: m.sum, Err: m.expErr, Stopped: m.stopped, Verify: m.verified, Session: m.sess}
	if m.screen >= screenExport {
		r.Out = m.folder.Value()
	}
	return r
}

// Commands. Each runs the slow part off the event loop.

func (m *Model) listCmd() tea.Cmd {
	ctx, be := m.ctx, m.be
	return func() tea.Msg {
		list, err := be.Handsets(ctx)
		return handsetsMsg{list: list, err: err}
	}
}

func (m *Model) pollCmd() tea.Cmd {
	gen := m.pollGen
	return tea.Tick(m.opt.PollEvery, func(time.Time) tea.Msg { return pollMsg{gen: gen} })
}

func (m *Model) openCmd(selector string) tea.Cmd {
	ctx, be := m.ctx, m.be
	return func() tea.Msg {
		s, err := be.Open(ctx, selector)
		if err != nil {
			return openedMsg{selector: selector, err: err}
		}
		inv, err := s.Inventory(ctx)
		if err != nil {
			s.Close()
			return openedMsg{selector: selector, err: err}
		}
		return openedMsg{selector: selector, sess: s, inv: inv}
	}
}

func closeCmd(s Session) tea.Cmd {
	return func() tea.Msg {
		s.Close()
		return closedMsg{}
	}
}

// exportCmd starts the export in its own goroutine and hands back the
// channel its progress arrives on; waitCmd re-arms a read of it after each
// message. The reporter blocks rather than drop an event (warnings matter),
// but never past the end of ctx or of the program.
func exportCmd(ctx, life context.Context, s Session, opt recovery.Options, every time.Duration) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan tea.Msg, 64)
		rep := recovery.ReporterFunc(func(ev recovery.Event) {
			select {
			case ch <- progressMsg{ev: ev, at: time.Now()}:
			case <-ctx.Done():
			case <-life.Done():
			}
		})
		opt.Reporter = recovery.Throttle(rep, every)
		started := time.Now()
		go func() {
			sum, err := s.Export(ctx, opt)
			select {
			case ch <- exportDoneMsg{sum: sum, err: err, at: time.Now()}:
			case <-life.Done():
			}
		}()
		return exportStartedMsg{events: ch, at: started}
	}
}

func waitCmd(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg { return <-ch }
}

func (m *Model) verifyCmd(dir string) tea.Cmd {
	ctx, be := m.ctx, m.be
	return func() tea.Msg {
		res, err := be.Verify(ctx, dir)
		return verifiedMsg{res: res, err: err}
	}
}

// Update handles one message. It does no I/O: slow work goes out as a
// tea.Cmd and comes back as a message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		return m, nil
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case handsetsMsg:
		return m, m.gotHandsets(msg)
	case pollMsg:
		if msg.gen != m.pollGen || m.screen != screenHandsets || m.busy != "" {
			return m, nil
		}
		return m, m.listCmd()
	case openedMsg:
		return m, m.opened(msg)
	case exportStartedMsg:
		m.events = msg.events
		m.started, m.lastAt = msg.at, msg.at
		return m, waitCmd(m.events)
	case progressMsg:
		m.progress(msg)
		return m, waitCmd(m.events)
	case exportDoneMsg:
		return m, m.exportDone(msg)
	case verifiedMsg:
		m.verifying = false
		m.verified, m.verifyErr = msg.res, msg.err
		return m, nil
	case closedMsg:
		return m, nil
	case uploadPlanMsg, uploadStartedMsg, uploadEventMsg, uploadDoneMsg:
		return m, m.updateUpload(msg)
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m *Model) gotHandsets(msg handsetsMsg) tea.Cmd {
	m.listed = true
	m.listErr = msg.err
	if msg.err == nil || len(msg.list) > 0 {
		// With an error, what could be listed (a simulator) still shows.
		var cur string
		if m.cursor < len(m.handsets) {
			cur = m.handsets[m.cursor].Selector
		}
		m.handsets = msg.list
		m.cursor = 0
		for i, h := range m.handsets {
			if h.Selector == cur {
				m.cursor = i
			}
		}
		if m.want != "" {
			for i, h := range m.handsets {
				if h.Selector == m.want || h.Serial == m.want {
					m.cursor = i
					m.want = ""
					break
				}
			}
		}
	}
	if m.screen != screenHandsets {
		return nil
	}
	m.pollGen++
	return m.pollCmd()
}

func (m *Model) opened(msg openedMsg) tea.Cmd {
	m.busy = ""
	if msg.err != nil {
		m.openErr = fmt.Errorf("could not open %s: %w", msg.selector, msg.err)
		m.pollGen++
		return m.pollCmd()
	}
	if m.screen != screenHandsets {
		// The user left meanwhile (cannot happen today: keys wait).
		return closeCmd(msg.sess)
	}
	m.openErr = nil
	m.sess, m.inv = msg.sess, msg.inv
	m.info = msg.sess.Info()
	m.battery = m.info.Battery
	m.rows = m.rows[:0]
	m.selected = map[device.Kind]bool{}
	for _, ki := range m.inv.Kinds {
		if ki.Kind == device.KindFile && ki.Items == 0 {
			continue
		}
		m.rows = append(m.rows, ki.Kind)
		if ki.Items > 0 {
			m.selected[ki.Kind] = true
		}
	}
	m.invCursor = 0
	for i, k := range m.rows {
		if m.inv.Kind(k).Items > 0 {
			m.invCursor = i
			break
		}
	}
	m.notice = ""
	m.screen = screenInventory
	return nil
}

// exportKinds is nil (everything, as `export --all`) when every kind the
// handset holds is selected.
func (m *Model) exportKinds() []device.Kind {
	out := []device.Kind{}
	all := true
	for _, k := range m.rows {
		if m.inv.Kind(k).Items == 0 {
			continue
		}
		if m.selected[k] {
			out = append(out, k)
		} else {
			all = false
		}
	}
	if all {
		return nil
	}
	return out
}

func (m *Model) startExport() tea.Cmd {
	kinds := m.exportKinds()
	if kinds != nil && len(kinds) == 0 {
		m.notice = "Select at least one kind with space."
		return nil
	}
	out := strings.TrimSpace(m.folder.Value())
	if out == "" {
		m.notice = "Type the folder to save into (press f)."
		return nil
	}
	m.folder.SetValue(out)
	ctx, cancel := context.WithCancel(m.ctx)
	m.cancel = cancel
	m.screen = screenExport
	m.runs = map[device.Kind]*kindRun{}
	m.order = nil
	for _, k := range m.rows {
		ki := m.inv.Kind(k)
		if ki.Items > 0 && (kinds == nil || slices.Contains(kinds, k)) {
			m.runs[k] = &kindRun{total: ki.Items, totalBytes: ki.Bytes}
			m.order = append(m.order, k)
		}
	}
	m.warnings = nil
	m.last = recovery.Event{Stage: recovery.StageList, Battery: m.battery}
	opt := recovery.Options{Out: out, Kinds: kinds, VCardVersion: m.opt.VCardVersion, ToolVersion: m.opt.ToolVersion}
	return exportCmd(ctx, m.ctx, m.sess, opt, m.opt.ProgressEvery)
}

func (m *Model) progress(msg progressMsg) {
	ev := msg.ev
	m.last = ev
	if ev.Battery >= 0 {
		m.battery = ev.Battery
	}
	if ev.Warning != "" {
		m.warnings = append(m.warnings, ev.Warning)
	}
	if ev.Stage == recovery.StageFetch && ev.Kind != "" && ev.KindTotal > 0 {
		r := m.runs[ev.Kind]
		if r == nil {
			r = &kindRun{}
			m.runs[ev.Kind] = r
			m.order = append(m.order, ev.Kind)
		}
		if r.first.IsZero() {
			r.first = m.lastAt
		}
		r.done, r.total = ev.KindDone, ev.KindTotal
		r.bytes, r.totalBytes = ev.KindBytes, ev.KindTotalBytes
		r.last = msg.at
	}
	m.lastAt = msg.at
}

func (m *Model) exportDone(msg exportDoneMsg) tea.Cmd {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	m.events = nil
	m.sum, m.expErr = msg.sum, msg.err
	m.stopped = msg.err != nil && (m.stopping || errors.Is(msg.err, context.Canceled))
	m.confirm, m.stopping = false, false
	m.lastAt = msg.at
	m.screen = screenDone
	if msg.err != nil {
		return nil
	}
	m.verifying = true
	return m.verifyCmd(m.folder.Value())
}

// quit ends the program; the caller of Run closes the open session.
func (m *Model) quit() (tea.Model, tea.Cmd) {
	return m, tea.Quit
}

func (m *Model) key(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	typing := m.editing || (m.screen == screenUpload && m.up.phase == upForm)
	if key.Matches(k, m.keys.Help) && !typing {
		m.help.ShowAll = !m.help.ShowAll
		return m, nil
	}
	switch m.screen {
	case screenHandsets:
		return m.keyHandsets(k)
	case screenInventory:
		return m.keyInventory(k)
	case screenExport:
		return m.keyExport(k)
	case screenDone:
		return m.keyDone(k)
	case screenUpload:
		return m.keyUpload(k)
	}
	return m, nil
}

func (m *Model) keyHandsets(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.Quit):
		return m.quit()
	case m.busy != "":
		return m, nil
	case key.Matches(k, m.keys.Up):
		if m.cursor > 0 {
			m.cursor--
		}
	case key.Matches(k, m.keys.Down):
		if m.cursor < len(m.handsets)-1 {
			m.cursor++
		}
	case key.Matches(k, m.keys.Retry):
		m.openErr = nil
		return m, m.listCmd()
	case key.Matches(k, m.keys.Enter):
		if m.cursor >= len(m.handsets) {
			return m, nil
		}
		h := m.handsets[m.cursor]
		m.busy = "Opening " + strings.TrimSpace(h.Maker+" "+h.Model) + " and listing what it holds…"
		m.openErr = nil
		m.pollGen++ // no listing while the handset is being opened
		return m, m.openCmd(h.Selector)
	}
	return m, nil
}

func (m *Model) keyInventory(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.editing {
		switch k.Type {
		case tea.KeyEnter, tea.KeyEsc, tea.KeyTab:
			m.editing = false
			m.folder.Blur()
			if strings.TrimSpace(m.folder.Value()) == "" {
				m.folder.SetValue(m.opt.Out)
			}
			return m, nil
		case tea.KeyCtrlC:
			return m.quit()
		}
		m.folder.Update(k)
		return m, nil
	}
	m.notice = ""
	switch {
	case key.Matches(k, m.keys.Quit):
		return m.quit()
	case key.Matches(k, m.keys.Back):
		s := m.sess
		m.sess, m.inv = nil, nil
		m.screen = screenHandsets
		m.pollGen++
		return m, tea.Batch(closeCmd(s), m.listCmd())
	case key.Matches(k, m.keys.Up):
		if m.invCursor > 0 {
			m.invCursor--
		}
	case key.Matches(k, m.keys.Down):
		if m.invCursor < len(m.rows)-1 {
			m.invCursor++
		}
	case key.Matches(k, m.keys.Toggle):
		if m.invCursor < len(m.rows) {
			kd := m.rows[m.invCursor]
			if m.inv.Kind(kd).Items > 0 {
				m.selected[kd] = !m.selected[kd]
			}
		}
	case key.Matches(k, m.keys.EditFolder):
		m.editing = true
		m.folder.Focus()
		return m, nil
	case key.Matches(k, m.keys.Enter):
		return m, m.startExport()
	}
	return m, nil
}

func (m *Model) keyExport(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case m.stopping:
		return m, nil
	case m.confirm && (key.Matches(k, m.keys.Yes) || k.Type == tea.KeyCtrlC):
		m.confirm = false
		m.stopping = true
		if m.cancel != nil {
			m.cancel()
		}
	case m.confirm && key.Matches(k, m.keys.No):
		m.confirm = false
	case key.Matches(k, m.keys.Stop):
		m.confirm = true
	}
	return m, nil
}

func (m *Model) keyDone(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.Quit):
		return m.quit()
	case key.Matches(k, m.keys.Upload) && m.canUpload():
		m.startUploadForm()
		return m, nil
	case m.expErr != nil && (key.Matches(k, m.keys.Retry) || key.Matches(k, m.keys.Enter)):
		// Back to the handsets, same folder: the next export resumes.
		s := m.sess
		m.sess, m.inv = nil, nil
		m.screen = screenHandsets
		m.sum, m.expErr, m.stopped = nil, nil, false
		m.pollGen++
		var cmds []tea.Cmd
		if s != nil {
			cmds = append(cmds, closeCmd(s))
		}
		return m, tea.Batch(append(cmds, m.listCmd())...)
	}
	return m, nil
}

// keysFor is the help line of the screen shown.
func (m *Model) keysFor() screenKeys {
	k := m.keys
	switch m.screen {
	case screenHandsets:
		enter := k.Enter
		enter.SetHelp("enter", "open")
		s := []key.Binding{k.Up, k.Down, enter, k.Retry, k.Quit, k.Help}
		return screenKeys{short: s, full: [][]key.Binding{{k.Up, k.Down}, {enter, k.Retry}, {k.Quit}}}
	case screenInventory:
		if m.editing {
			done := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "done"))
			return screenKeys{short: []key.Binding{done}, full: [][]key.Binding{{done}}}
		}
		enter := k.Enter
		enter.SetHelp("enter", "copy")
		s := []key.Binding{k.Toggle, k.EditFolder, enter, k.Back, k.Quit, k.Help}
		return screenKeys{short: s, full: [][]key.Binding{{k.Up, k.Down, k.Toggle}, {k.EditFolder, enter}, {k.Back, k.Quit}}}
	case screenExport:
		if m.confirm {
			return screenKeys{short: []key.Binding{k.Yes, k.No}, full: [][]key.Binding{{k.Yes, k.No}}}
		}
		if m.stopping {
			return screenKeys{}
		}
		return screenKeys{short: []key.Binding{k.Stop}, full: [][]key.Binding{{k.Stop}}}
	}
	if m.expErr != nil {
		retry := k.Retry
		retry.SetHelp("r", "resume")
		return screenKeys{short: []key.Binding{retry, k.Quit}, full: [][]key.Binding{{retry, k.Quit}}}
	}
	if m.screen == screenUpload {
		var s []key.Binding
		switch m.up.phase {
		case upForm:
			s = []key.Binding{key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
				key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next / find server")), k.Back}
		case upReview:
			s = []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "upload")), k.Back, k.Quit}
		case upDone:
			s = []key.Binding{k.Back, k.Quit}
		default:
			s = []key.Binding{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))}
		}
		return screenKeys{short: s, full: [][]key.Binding{s}}
	}
	if m.canUpload() {
		return screenKeys{short: []key.Binding{k.Upload, k.Quit}, full: [][]key.Binding{{k.Upload, k.Quit}}}
	}
	return screenKeys{short: []key.Binding{k.Quit}, full: [][]key.Binding{{k.Quit}}}
}

// kindsInOrder lists the kinds with progress, in device.Kinds order.
func (m *Model) kindsInOrder() []device.Kind {
	out := slices.Clone(m.order)
	slices.SortStableFunc(out, func(a, b device.Kind) int {
		return slices.Index(device.Kinds, a) - slices.Index(device.Kinds, b)
	})
	return out
}
