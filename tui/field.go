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
	// urlSecret hides the password of a URL typed as "https://user:pw@host".
	urlSecret bool
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
	} else if f.urlSecret {
		s = maskURLPassword(s)
	}
	if f.focused {
		s += "█"
	}
	return s
}

// maskURLPassword replaces the password in a URL's user information
// ("https://jane:pw@host/") with bullets, so a password typed into an
// address is not shown on the screen either.
func maskURLPassword(s string) string {
	scheme := strings.Index(s, "://")
	if scheme < 0 {
		return s
	}
	rest := s[scheme+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	colon := strings.Index(rest[:max(at, 0)], ":")
	if at < 0 || colon < 0 {
		return s
	}
	return s[:scheme+3] + rest[:colon+1] + strings.Repeat("•", len([]rune(rest[colon+1:at]))) + rest[at:]
}
