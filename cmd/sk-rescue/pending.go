package main

import (
	"github.com/spf13/cobra"
)

// The upload command is wired here until its package lands; whoever adds
// cmd/sk-rescue/upload.go removes the matching part.

func addExtraCommands(root *cobra.Command, e *env) {
	root.AddCommand(newTUICmd(e))
}
