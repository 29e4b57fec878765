package main

import (
	"slices"
	"testing"
)

func TestParseGammuMemory(t *testing.T) {
	out := "Memory SM, Location 1\nGeneral number       : \"+48510000000\"\nName                 : \"Łukasz Wiśniewski\"\n\n" +
		"Memory SM, Location 13\nGeneral number       : \"+81810213813\"\nName                 : \"山本 大輔\"\n\n"
	got, err := parseGammuMemory([]byte(out), "SM")
	if err != nil {
		t.Fatal(err)
	}
	want := []gammuEntry{{1, "Łukasz Wiśniewski", "+48510000000"}, {13, "山本 大輔", "+81810213813"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := parseGammuMemory([]byte("Memory SM, Location 2\nEmail : \"a@b\"\n"), "SM"); err == nil {
		t.Error("an unexpected field was accepted")
	}
}

// The simulator's folders as labcheck expects obexftp to list them, from
// device/sim/featurephone's data.
func TestSimFolder(t *testing.T) {
	names := func(es []obexEntry) []string {
		var s []string
		for _, e := range es {
			s = append(s, e.String())
		}
		slices.Sort(s)
		return s
	}
	if got, want := names(simFolder("/")), []string{"folder Pictures", "folder Sounds", "folder Themes"}; !slices.Equal(got, want) {
		t.Errorf("/: %q, want %q", got, want)
	}
	p := names(simFolder("/Pictures"))
	if len(p) != 12+1+1 || !slices.Contains(p, "folder Received") || !slices.Contains(p, "file ../../etc/passwd.jpg 12") {
		t.Errorf("/Pictures: %q", p)
	}
}

func TestParseListing(t *testing.T) {
	out := "<?xml version=\"1.0\"?>\r\n<!DOCTYPE folder-listing SYSTEM \"obex-folder-listing.dtd\">\r\n<folder-listing version=\"1.0\">\r\n" +
		"<parent-folder/>\r\n<folder name=\"Received\" modified=\"20091002T180411Z\"/>\r\n" +
		"<file name=\"Image001.jpg\" size=\"1265\" modified=\"20090101T000000Z\" user-perm=\"R\"/>\r\n</folder-listing>\r\n" +
		"Connecting...done\n"
	got, err := parseListing([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []obexEntry{{"folder", "Received", 0}, {"file", "Image001.jpg", 1265}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestPeerWritesSince(t *testing.T) {
	got, err := since([]string{"AT+MODE=2"}, []string{"AT+MODE=2", "AT+CFUN=1", "AT+MODE=2"})
	if err != nil || !slices.Equal(got, []string{"AT+CFUN=1", "AT+MODE=2"}) {
		t.Errorf("since: %q, %v", got, err)
	}
	if _, err := since([]string{"A", "B"}, []string{"A"}); err == nil {
		t.Error("a log that shrank was accepted")
	}
}
