package tui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// field is a one-line text entry: typing appends, Backspace deletes,
// Ctrl+U clears, and a paste inserts its text. Masked fields show one • per
// character and never the text. (bubbles/textinput would pull in a
// clipboard module this tree does not carry.)
type field struct {
	value   []rune
	focused bool
	masked  bool
}

func (f *field) SetValue(s string) { f.value = []rune(s) }
func (f *field) Value() string     { return string(f.value) }
func (f *field) Focus()            { f.focused = true }
func (f *field) Blur()             { f.focused = false }

// Update applies one key.
func (f *field) Update(k tea.KeyMsg) {
	switch k.Type {
	case tea.KeyBackspace:
		if len(f.value) > 0 {
			f.value = f.value[:len(f.value)-1]
		}
	case tea.KeyCtrlU:
		f.value = nil
	case tea.KeyRunes, tea.KeySpace:
		for _, r := range k.Runes {
			if r >= ' ' && r != 0x7f {
				f.value = append(f.value, r)
			}
		}
	}
}

// View shows the text (or its mask) with a block cursor when focused.
func (f *field) View() string {
	s := string(f.value)
	if f.masked {
		s = strings.Repeat("•", len(f.value))
	}
	if f.focused {
		s += "█"
	}
	return s
}
