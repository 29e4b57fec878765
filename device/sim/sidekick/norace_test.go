//go:build !race

package sidekick

const raceEnabled = false
