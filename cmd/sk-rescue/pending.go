package main

import (
	"fmt"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/spf13/cobra"
)

// The upload command is wired here until its package lands; whoever adds
// cmd/sk-rescue/upload.go removes the matching part.

func addExtraCommands(root *cobra.Command, e *env) {
	root.AddCommand(newTUICmd(e))
}

func openDir(sel device.Selector) (device.Handset, error) {
	return nil, fmt.Errorf("reading a folder as a handset is not built yet: %w", device.ErrNotFound)
}
