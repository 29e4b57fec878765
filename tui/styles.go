package tui

import "github.com/charmbracelet/lipgloss"

// Colours are adaptive (light and dark terminals) and degrade to plain text
// where the terminal has none or NO_COLOR is set: lipgloss decides. Nothing
// is conveyed by colour alone: a low battery also says "LOW", the selected
// row also has a marker.
var (
	colAccent = lipgloss.AdaptiveColor{Light: "#005F87", Dark: "#5FAFD7"}
	colOK     = lipgloss.AdaptiveColor{Light: "#00875F", Dark: "#5FD787"}
	colWarn   = lipgloss.AdaptiveColor{Light: "#AF5F00", Dark: "#FFAF5F"}
	colBad    = lipgloss.AdaptiveColor{Light: "#D70000", Dark: "#FF5F5F"}
	colDim    = lipgloss.AdaptiveColor{Light: "#6C6C6C", Dark: "#8A8A8A"}

	stTitle    = lipgloss.NewStyle().Bold(true).Foreground(colAccent)
	stStep     = lipgloss.NewStyle().Bold(true)
	stDim      = lipgloss.NewStyle().Foreground(colDim)
	stSelected = lipgloss.NewStyle().Bold(true).Foreground(colAccent)
	stOK       = lipgloss.NewStyle().Foreground(colOK)
	stWarn     = lipgloss.NewStyle().Foreground(colWarn)
	stBad      = lipgloss.NewStyle().Bold(true).Foreground(colBad)
	stBarFull  = lipgloss.NewStyle().Foreground(colAccent)
	stBarEmpty = lipgloss.NewStyle().Foreground(colDim)
)
