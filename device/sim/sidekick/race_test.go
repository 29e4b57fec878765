//go:build race

package sidekick

const raceEnabled = true
