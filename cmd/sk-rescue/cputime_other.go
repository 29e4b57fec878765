//go:build !unix

package main

func usageNow() (usage, bool) { return usage{}, false }
