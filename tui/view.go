package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/recovery"
)

// View renders the screen shown. It does no I/O and fits the terminal: no
// line is wider than it, and long text wraps rather than being cut.
func (m *Model) View() string {
	w := m.width
	if w <= 0 {
		w = 80
	}
	var body []string
	switch m.screen {
	case screenHandsets:
		body = m.viewHandsets(w)
	case screenInventory:
		body = m.viewInventory(w)
	case screenExport:
		body = m.viewExport(w)
	case screenDone:
		body = m.viewDone(w)
	case screenUpload:
		body = m.viewUpload(w)
	}
	m.help.Width = w
	foot := strings.Split(m.help.View(m.keysFor()), "\n")
	head := []string{m.header(w), ""}
	lines := head
	room := m.height - len(head) - len(foot) - 1
	if m.height <= 0 {
		room = len(body)
	}
	if room < 1 {
		room = 1
	}
	if len(body) > room {
		body = append(body[:room-1], stDim.Render("… (make the window taller to see the rest)"))
	}
	lines = append(lines, body...)
	if m.height > 0 {
		for len(lines) < m.height-len(foot) {
			lines = append(lines, "")
		}
	} else {
		lines = append(lines, "")
	}
	lines = append(lines, foot...)
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return strings.Join(lines, "\n")
}

var stepNames = [...]string{"Choose the phone", "See what is on it", "Copy it", "Done"}

func (m *Model) header(w int) string {
	left := "sk-rescue · Upload to a new server"
	if m.screen < screenUpload {
		left = fmt.Sprintf("sk-rescue · Step %d of 4: %s", int(m.screen)+1, stepNames[m.screen])
	}
	right := "the phone is only read"
	gap := w - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 2 {
		return stTitle.Render(left)
	}
	return stTitle.Render(left) + strings.Repeat(" ", gap) + stDim.Render(right)
}

// wrap breaks text into lines of at most w cells, indenting continuation
// lines by indent spaces; words longer than a line (paths) are broken.
func wrap(text string, w, indent int) []string {
	if w-indent < 10 {
		indent = 0
	}
	first := ansi.Wrap(text, w, "")
	lines := strings.Split(first, "\n")
	if len(lines) <= 1 || indent == 0 {
		return lines
	}
	rest := ansi.Wrap(strings.Join(lines[1:], " "), w-indent, "")
	out := []string{lines[0]}
	for _, l := range strings.Split(rest, "\n") {
		out = append(out, strings.Repeat(" ", indent)+l)
	}
	return out
}

// para wraps text and styles every line of it.
func para(text string, w, indent int, st func(...string) string) []string {
	lines := wrap(text, w, indent)
	if st != nil {
		for i, l := range lines {
			lines[i] = st(l)
		}
	}
	return lines
}

// gauge is a battery gauge: ten cells and the percentage; red with "LOW"
// under LowBattery.
func gauge(b int) string {
	if b < 0 {
		return "battery unknown"
	}
	if b > 100 {
		b = 100
	}
	n := (b + 5) / 10
	cells := strings.Repeat("█", n) + strings.Repeat("░", 10-n)
	if b < LowBattery {
		return "battery " + stBad.Render(fmt.Sprintf("%s %d%% LOW", cells, b))
	}
	return "battery " + stOK.Render(cells) + fmt.Sprintf(" %d%%", b)
}

func lowBatteryLines(name string, b, w int) []string {
	if b < 0 || b >= LowBattery {
		return nil
	}
	text := fmt.Sprintf("! The battery of %s is at %d%%. Plug in a charger now, and don't restart the phone: "+
		"if it switches off, what is on it may be lost.", name, b)
	return para(text, w, 2, stBad.Render)
}

// bar is a progress bar of width cells.
func bar(frac float64, width int) string {
	if frac < 0 {
		frac = 0
	}
	if frac > 1 {
		frac = 1
	}
	n := int(frac*float64(width) + 0.5)
	if frac < 1 && n == width {
		n = width - 1
	}
	return stBarFull.Render(strings.Repeat("█", n)) + stBarEmpty.Render(strings.Repeat("░", width-n))
}

func handsetName(maker, model string) string {
	s := strings.TrimSpace(maker + " " + model)
	if s == "" {
		return "the phone"
	}
	return s
}

func (m *Model) viewHandsets(w int) []string {
	var out []string
	if !m.listed {
		return []string{m.spin.View() + " Looking for phones on USB…"}
	}
	if m.listErr != nil {
		out = append(out, para(m.listErr.Error(), w, 2, stBad.Render)...)
		if a := m.opt.Advice(m.listErr); a != "" {
			out = append(out, para(a, w, 0, nil)...)
		}
		out = append(out, "")
	}
	if len(m.handsets) == 0 && m.listErr == nil {
		out = append(out, stStep.Render("No phone found yet."), "Check that:")
		for _, s := range []string{
			"the cable is plugged in firmly at both ends (some cables only charge: try another)",
			"the phone is switched on and unlocked",
			"on the phone's USB prompt, \"File transfer\" (MTP) is chosen, not \"Charging only\"",
			"no other program holds the phone: close photo importers, unmount it in the file manager",
			"on Linux, the udev rule device/usb/70-sk-rescue.rules is installed (or run as root)",
		} {
			out = append(out, para("• "+s, w, 2, nil)...)
		}
		out = append(out, "")
		out = append(out, para("This list updates by itself when a phone is plugged in. "+
			"To try sk-rescue without a phone: sk-rescue tui --device sim", w, 0, stDim.Render)...)
		return out
	}
	if len(m.handsets) > 0 {
		n := "1 phone found"
		if len(m.handsets) > 1 {
			n = fmt.Sprintf("%d phones found", len(m.handsets))
		}
		out = append(out, stStep.Render("Choose the phone to rescue")+stDim.Render(" ("+n+")"), "")
	}
	var low []string
	for i, h := range m.handsets {
		name := handsetName(h.Maker, h.Model)
		mark, st := "  ", func(s ...string) string { return strings.Join(s, " ") }
		if i == m.cursor {
			mark, st = "› ", stSelected.Render
		}
		out = append(out, mark+st(name))
		var parts []string
		if h.Serial != "" {
			parts = append(parts, "serial "+h.Serial)
		}
		if len(h.Protocols) > 0 {
			parts = append(parts, strings.Join(h.Protocols, "+"))
		}
		parts = append(parts, gauge(h.Battery))
		if h.Selector != "" {
			parts = append(parts, stDim.Render(h.Selector))
		}
		out = append(out, para("    "+strings.Join(parts, "  ·  "), w, 4, nil)...)
		if h.Problem != "" {
			out = append(out, para("    cannot be opened: "+h.Problem, w, 6, stBad.Render)...)
		}
		low = append(low, lowBatteryLines(name, h.Battery, w)...)
	}
	if len(low) > 0 {
		out = append(out, "")
		out = append(out, low...)
	}
	if m.busy != "" {
		out = append(out, "", m.spin.View()+" "+m.busy)
	} else if m.openErr != nil {
		out = append(out, "")
		out = append(out, para(m.openErr.Error(), w, 2, stBad.Render)...)
		if a := m.opt.Advice(m.openErr); a != "" {
			out = append(out, para(a, w, 0, nil)...)
		}
	} else if len(m.handsets) > 0 {
		out = append(out, "", "Press Enter to see what is on the selected phone.")
		out = append(out, para("The list updates by itself when a phone is plugged in or out.", w, 0, stDim.Render)...)
	}
	return out
}

// kindLabel is how a kind is named in a list.
func kindLabel(k device.Kind) string {
	switch k {
	case device.KindContact:
		return "Contacts"
	case device.KindEvent:
		return "Calendar"
	case device.KindTodo:
		return "To-dos"
	case device.KindNote:
		return "Notes"
	case device.KindPhoto:
		return "Photos"
	}
	return "Other files"
}

// kindPlural is how a count of a kind reads ("250 contacts").
func kindPlural(k device.Kind, n int) string {
	one, many := string(k), string(k)+"s"
	switch k {
	case device.KindTodo:
		one, many = "to-do", "to-dos"
	case device.KindEvent:
		one, many = "event", "events"
	}
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func (m *Model) viewInventory(w int) []string {
	name := handsetName(m.info.Maker, m.info.Model)
	parts := []string{stStep.Render(name)}
	if m.info.Serial != "" {
		parts = append(parts, "serial "+m.info.Serial)
	}
	if m.info.Protocol != "" {
		parts = append(parts, m.info.Protocol)
	}
	out := []string{strings.Join(parts, "  ·  "), gauge(m.battery)}
	out = append(out, lowBatteryLines(name, m.battery, w)...)
	out = append(out, "", "What is on the phone — everything is selected; space leaves a kind out:")
	for i, k := range m.rows {
		ki := m.inv.Kind(k)
		mark := "  "
		if i == m.invCursor {
			mark = "› "
		}
		box := "[ ]"
		if m.selected[k] {
			box = "[x]"
		}
		var line string
		if ki.Items == 0 {
			none := "none on this phone"
			if k == device.KindTodo && m.inv.Kind(device.KindEvent).Items > 0 {
				// vCalendar files hold to-dos as well as events.
				none = "none listed apart: the calendar files hold any"
			}
			line = fmt.Sprintf("%s %-11s %s", box, kindLabel(k), none)
		} else {
			size := HumanBytes(ki.Bytes)
			if ki.Unsized == ki.Items {
				size = "size unknown"
			}
			line = fmt.Sprintf("%s %-11s %6d  %10s", box, kindLabel(k), ki.Items, size)
		}
		if i == m.invCursor {
			line = stSelected.Render(line)
		} else if ki.Items == 0 {
			line = stDim.Render(line)
		}
		out = append(out, mark+line)
	}
	if m.invCursor < len(m.rows) {
		k := m.rows[m.invCursor]
		ki := m.inv.Kind(k)
		if len(ki.Preview) > 0 {
			text := "First " + strings.ToLower(kindLabel(k)) + ": " + strings.Join(ki.Preview, ", ")
			if ki.Items > len(ki.Preview) {
				text += fmt.Sprintf(" and %d more", ki.Items-len(ki.Preview))
			}
			out = append(out, "")
			out = append(out, para(text, w, 2, stDim.Render)...)
		}
	}
	out = append(out, "")
	if m.editing {
		out = append(out, "Save into: "+m.folder.View())
		out = append(out, para("Type the folder (created if missing; a folder of an earlier rescue of this phone is resumed), then Enter.", w, 0, stDim.Render)...)
	} else {
		out = append(out, wrap("Save into: "+m.folder.Value(), w, 11)...)
		out = append(out, stDim.Render("(f to change; an earlier rescue in that folder is resumed)"))
		out = append(out, "", "Press Enter to copy the selected items into that folder.")
	}
	if m.notice != "" {
		out = append(out, stWarn.Render(m.notice))
	}
	return out
}

func (m *Model) viewExport(w int) []string {
	name := handsetName(m.info.Maker, m.info.Model)
	out := wrap(fmt.Sprintf("Copying from %s into %s", name, m.folder.Value()), w, 2)
	out = append(out, gauge(m.battery))
	out = append(out, lowBatteryLines(name, m.battery, w)...)
	out = append(out, "")

	ev := m.last
	elapsed := m.lastAt.Sub(m.started)
	frac := 0.0
	switch {
	case ev.TotalBytes > 0:
		frac = float64(ev.Bytes) / float64(ev.TotalBytes)
	case ev.Total > 0:
		frac = float64(ev.Done) / float64(ev.Total)
	}
	if ev.Stage == recovery.StageConvert || ev.Stage == recovery.StageWrite || ev.Stage == recovery.StageDone {
		frac = 1
	}
	detail := fmt.Sprintf("%d/%d items", ev.Done, ev.Total)
	if ev.TotalBytes > 0 {
		detail += " · " + bytesOf(ev.Bytes, ev.TotalBytes)
	}
	if ev.Stage == recovery.StageFetch && ev.Done < ev.Total && elapsed >= 500*time.Millisecond && ev.Bytes > 0 {
		detail += " · " + HumanBytes(int64(float64(ev.Bytes)/elapsed.Seconds())) + "/s"
		if left, ok := m.timeLeft(); ok {
			detail += " · " + humanDuration(left) + " left"
		}
	}
	bw := barWidth(w)
	out = append(out, barLine("All", frac, detail, w, bw)...)
	out = append(out, "")
	for _, k := range m.kindsInOrder() {
		r := m.runs[k]
		f := 0.0
		switch {
		case r.totalBytes > 0:
			f = float64(r.bytes) / float64(r.totalBytes)
		case r.total > 0:
			f = float64(r.done) / float64(r.total)
		}
		d := fmt.Sprintf("%d/%d", r.done, r.total)
		if r.totalBytes > 0 {
			d += " · " + bytesOf(r.bytes, r.totalBytes)
		}
		if r.done > 0 && r.done < r.total {
			d += eta(r.bytes, r.totalBytes, r.last.Sub(r.first))
		}
		out = append(out, barLine(kindLabel(k), f, d, w, bw)...)
	}
	out = append(out, "")
	var now string
	switch ev.Stage {
	case recovery.StageList:
		now = "Asking the phone what it holds…"
	case recovery.StageFetch:
		now = "Read " + ev.Item
		if ev.Skipped {
			now += " (already in the folder from an earlier run)"
		}
	case recovery.StageConvert:
		now = "Converting to vCard and iCalendar…"
	case recovery.StageWrite:
		now = "Writing " + ev.Item
	default:
		now = "Finishing…"
	}
	out = append(out, m.spin.View()+" "+now)

	switch {
	case m.stopping:
		out = append(out, "")
		out = append(out, para("Stopping… the item being read is finished first, so nothing is left half-written.", w, 0, stWarn.Render)...)
	case m.confirm:
		out = append(out, "")
		out = append(out, para(fmt.Sprintf("Stop copying? What was copied so far stays in %s; running sk-rescue again with the same folder resumes where it stopped. Press y to stop, n to go on.", m.folder.Value()), w, 0, stWarn.Render)...)
	}

	if len(m.warnings) > 0 {
		out = append(out, "", stWarn.Render(fmt.Sprintf("Warnings (%d; all are also in manifest.json):", len(m.warnings))))
		room := m.height - 3 - len(out) - 2
		if room < 1 {
			room = 1
		}
		ws := m.warnings
		if len(ws) > room {
			ws = ws[len(ws)-room:]
		}
		for _, x := range ws {
			out = append(out, "  "+x)
		}
	}
	return out
}

// barWidth is the width of every bar on the export screen, so they line
// up: 20 cells at 80 columns, up to 40.
func barWidth(w int) int {
	return min(40, max(10, w-60))
}

// barLine is "Label  ███░░  42%  detail"; the detail goes on a line of its
// own when the terminal is too narrow for both.
func barLine(label string, frac float64, detail string, w, bw int) []string {
	pct := fmt.Sprintf("%3.0f%%", frac*100)
	if frac < 1 && pct == "100%" {
		pct = " 99%"
	}
	line := fmt.Sprintf("%-11s %s %s", label, bar(frac, bw), pct)
	if ansi.StringWidth(line)+2+ansi.StringWidth(detail) <= w {
		return []string{line + "  " + detail}
	}
	return []string{line, strings.Repeat(" ", 12) + detail}
}

// bytesOf is "10.0/30.0 MiB", or "512.0 KiB/30.0 MiB" across units.
func bytesOf(n, total int64) string {
	if total <= 0 {
		return HumanBytes(n)
	}
	a, b := HumanBytes(n), HumanBytes(total)
	ua, ub := a[strings.LastIndexByte(a, ' '):], b[strings.LastIndexByte(b, ' '):]
	if ua == ub {
		return strings.TrimSuffix(a, ua) + "/" + b
	}
	return a + "/" + b
}

// timeLeft sums the time left of every kind, each at its own rate: small
// records cost a round trip each, photos cost their bytes, so one overall
// rate would be wrong by orders of magnitude. It is known only once every
// unfinished kind has started.
func (m *Model) timeLeft() (time.Duration, bool) {
	var left time.Duration
	for _, r := range m.runs {
		if r.done >= r.total {
			continue
		}
		el := r.last.Sub(r.first)
		if r.done == 0 || el < 500*time.Millisecond {
			return 0, false
		}
		if r.totalBytes > 0 && r.bytes > 0 {
			left += time.Duration(float64(r.totalBytes-r.bytes) / float64(r.bytes) * float64(el))
		} else {
			left += time.Duration(float64(r.total-r.done) / float64(r.done) * float64(el))
		}
	}
	return left, true
}

// eta is " · 6s left", or "".
func eta(n, total int64, elapsed time.Duration) string {
	if elapsed < 500*time.Millisecond || n <= 0 || total <= n {
		return ""
	}
	rate := float64(n) / elapsed.Seconds()
	left := time.Duration(float64(total-n) / rate * float64(time.Second))
	return " · " + humanDuration(left) + " left"
}

func humanDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return "<1s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// HumanBytes formats a byte count for people: "22.5 MiB". The command
// line's plain output uses it too, so both speak alike.
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// shellQuote quotes a path for a command the user may paste.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t'\"$`\\!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (m *Model) viewDone(w int) []string {
	dir := m.folder.Value()
	var out []string
	if m.expErr != nil {
		if m.stopped {
			out = append(out, stWarn.Render("Copying stopped, as you asked."))
		} else {
			out = append(out, para("✗ Copying stopped: "+m.expErr.Error(), w, 2, stBad.Render)...)
			if a := m.opt.Advice(m.expErr); a != "" {
				out = append(out, para(a, w, 0, nil)...)
			}
		}
		out = append(out, "")
		out = append(out, wrap("What was copied so far is kept in "+dir, w, 2)...)
		out = append(out, "")
		out = append(out, para("The export can be resumed: press r and open the phone again, or run sk-rescue again "+
			"with the same folder; nothing already copied is read twice:", w, 0, nil)...)
		cmd := "  sk-rescue tui --out " + shellQuote(dir)
		if m.opt.Device != "" {
			cmd += " --device " + shellQuote(m.opt.Device)
		}
		out = append(out, wrap(cmd, w, 4)...)
		return out
	}
	s := m.sum
	if s == nil {
		return []string{"Nothing was exported."}
	}
	if s.ExitCode() == 0 {
		out = append(out, stOK.Render("✓ Rescued. Everything the phone held is now in:"))
	} else {
		out = append(out, stWarn.Render("Rescued, with exceptions listed below. The rest is in:"))
	}
	out = append(out, wrap("  "+dir, w, 2)...)
	out = append(out, "")
	var counts []string
	for _, k := range device.Kinds {
		if n := s.Counts[k]; n > 0 {
			counts = append(counts, kindPlural(k, n))
		}
	}
	if len(counts) == 0 {
		counts = []string{"nothing (the phone held none of the kinds asked for)"}
	}
	out = append(out, para(strings.Join(counts, " · "), w, 2, stStep.Render)...)
	line := fmt.Sprintf("%d items, %s", s.Items, HumanBytes(s.Bytes))
	if s.Resumed > 0 {
		line += fmt.Sprintf(" (%d were already in the folder from an earlier run)", s.Resumed)
	}
	out = append(out, para(line, w, 2, nil)...)

	switch {
	case m.verifying:
		out = append(out, m.spin.View()+" Checking every file against the manifest…")
	case m.verifyErr != nil:
		out = append(out, para("✗ Could not check the folder: "+m.verifyErr.Error(), w, 2, stBad.Render)...)
	case m.verified != nil && m.verified.OK:
		out = append(out, stOK.Render(fmt.Sprintf("✓ Checked: all %d files match the manifest (SHA-256).", m.verified.Files)))
	case m.verified != nil:
		out = append(out, stBad.Render(fmt.Sprintf("✗ Check failed: %d files do not match the manifest:", len(m.verified.Problems))))
		for i, p := range m.verified.Problems {
			if i == 3 {
				out = append(out, fmt.Sprintf("  … and %d more (sk-rescue verify %s)", len(m.verified.Problems)-3, shellQuote(dir)))
				break
			}
			out = append(out, para("  "+p.Path+": "+p.Problem, w, 4, nil)...)
		}
	}
	out = append(out, reportList("Kept as the phone sent them (could not be converted)", s.KeptRaw, w)...)
	out = append(out, reportList("Read only in part (what came is kept)", s.Partial, w)...)
	out = append(out, reportList("Could not be read", s.Failed, w)...)
	if len(s.Failed) > 0 || len(s.Partial) > 0 {
		out = append(out, para("Reconnect the phone and run sk-rescue again with the same folder to retry them.", w, 0, nil)...)
	}
	if len(s.Warnings) > 0 {
		out = append(out, stWarn.Render(fmt.Sprintf("%d warnings, listed in manifest.json.", len(s.Warnings))))
	}
	out = append(out, "", stStep.Render("Next:"))
	for _, t := range []string{
		"Open the folder: contacts.vcf goes into any address book; the .ics files into any calendar; photos/ holds the photos as they were.",
		m.uploadHint(dir),
		"Check it again later: sk-rescue verify " + shellQuote(dir),
	} {
		out = append(out, para("• "+t, w, 2, nil)...)
	}
	return out
}

func reportList(title string, rs []recovery.ItemReport, w int) []string {
	if len(rs) == 0 {
		return nil
	}
	out := []string{"", stWarn.Render(fmt.Sprintf("%s (%d):", title, len(rs)))}
	for i, r := range rs {
		if i == 4 {
			out = append(out, fmt.Sprintf("  … and %d more, listed in manifest.json", len(rs)-4))
			break
		}
		out = append(out, para(fmt.Sprintf("  %s %s: %s", r.Kind, r.Name, r.Reason), w, 4, nil)...)
	}
	return out
}

func (m *Model) uploadHint(dir string) string {
	if m.canUpload() {
		return "Put it on a new server (CardDAV/CalDAV): press u"
	}
	return "Put it on a new server: sk-rescue upload " + shellQuote(dir) + " --server URL"
}
