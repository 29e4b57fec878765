package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap holds every binding; bindingsFor picks the ones a screen uses, so
// the help line only shows keys that do something there.
type keyMap struct {
	Up, Down, Toggle, Enter, Back, EditFolder, Help, Quit, Stop, Yes, No, Retry, Upload key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Toggle:     key.NewBinding(key.WithKeys(" ", "x"), key.WithHelp("space", "select")),
		Enter:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		EditFolder: key.NewBinding(key.WithKeys("f", "tab"), key.WithHelp("f", "folder")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "keys")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Stop:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "stop")),
		Yes:        key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes, stop")),
		No:         key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no, go on")),
		Retry:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "look again")),
		Upload:     key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "upload")),
	}
}

// screenKeys is a help.KeyMap for one screen.
type screenKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

func (s screenKeys) ShortHelp() []key.Binding  { return s.short }
func (s screenKeys) FullHelp() [][]key.Binding { return s.full }
