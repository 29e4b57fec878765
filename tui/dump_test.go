package tui

import (
	"fmt"
	"os"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func TestDumpViews(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	b, s := simLike(5)
	m := newTestModel(b, Options{Device: "sim"})
	settle(t, m, m.Init())
	fmt.Println(m.View())
	press(t, m, "enter")
	fmt.Println(m.View())
	m.Update(keyMsg("enter"))
	m.Update(progressMsg{ev: s.events[1]})
	fmt.Println(m.View())
	m.Update(exportDoneMsg{sum: s.sum})
	m.Update(verifiedMsg{res: b.verify})
	fmt.Println(m.View())
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m2 := newTestModel(&fakeBackend{}, Options{})
	m2.Update(handsetsMsg{})
	fmt.Println(m2.View())
}
