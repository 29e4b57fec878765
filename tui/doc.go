// Package tui is sk-rescue's terminal interface: a bubbletea program that
// walks an anxious, non-technical user (or a hurried technician) through a
// rescue in four calm steps — choose the handset, see what is on it, copy
// everything off it, read what was rescued — and renders the progress events
// package recovery emits.
//
// The TUI never talks to a driver: it reaches handsets through the small
// Backend interface defined here, which cmd/sk-rescue implements with the
// driver wiring. All slow work (listing USB, opening a handset, the export,
// verify) runs in tea.Cmds and comes back as messages; Init, Update and View
// do no I/O, so Update is table-tested with a fake Backend.
package tui
