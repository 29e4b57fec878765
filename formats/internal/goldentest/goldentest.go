// Package goldentest holds what the format packages' golden tests share:
// one text rendering of a conversion result and the compare-or-rewrite step
// behind their -update flag. Only tests import it.
package goldentest

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/sk-rescue/sk-rescue/formats"
)

// Update is the -update flag: rewrite the golden files instead of comparing.
var Update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Render puts a conversion result in one text for a golden file: each
// record with its kind, UID, name and warnings, then failures and
// object-level warnings; line ends as LF so the files diff well.
func Render(res formats.Result) []byte {
	var b bytes.Buffer
	for _, r := range res.Records {
		b.WriteString("# record " + r.Kind + " uid=" + r.UID + " name=" + r.Name + "\n")
		for _, w := range r.Warnings {
			b.WriteString("# warning: " + w + "\n")
		}
		b.Write(bytes.ReplaceAll(r.Data, []byte("\r\n"), []byte("\n")))
		if r.Calendar != nil {
			b.WriteString("# calendar\n")
			b.Write(bytes.ReplaceAll(r.Calendar, []byte("\r\n"), []byte("\n")))
		}
	}
	for _, f := range res.Failures {
		b.WriteString("# failure " + f.Err.Error() + "\n")
	}
	for _, w := range res.Warnings {
		b.WriteString("# object warning: " + w + "\n")
	}
	return b.Bytes()
}

// Compare checks got against the golden file at path, or rewrites the file
// when -update is given.
func Compare(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; run go test -update and review the diff", path)
	}
}
