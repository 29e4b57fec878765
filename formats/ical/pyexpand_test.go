package ical

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// pyExpand expands the first VEVENT/VTODO of each text with
// testdata/expand.py: python3-icalendar, dateutil's tzical (the text's own
// VTIMEZONEs) and dateutil's rrule — readers nobody on this project wrote.
// Without them the test is skipped on a developer's machine and fails in
// CI, where scripts/install-deps.sh test installs them.
func pyExpand(t *testing.T, texts []string, limit int) [][]string {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import icalendar, dateutil").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("independent readers missing (%v): scripts/install-deps.sh test installs them", err)
		}
		t.Skipf("independent readers missing: run scripts/install-deps.sh test")
	}
	in, _ := json.Marshal(texts)
	cmd := exec.Command(py, filepath.Join("testdata", "expand.py"), itoa(limit))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("expand.py: %v\n%s", err, stderr.String())
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(out, &raw); err != nil || len(raw) != len(texts) {
		t.Fatalf("expand.py output: %v (%d results for %d texts)", err, len(raw), len(texts))
	}
	res := make([][]string, len(texts))
	for i, r := range raw {
		if err := json.Unmarshal(r, &res[i]); err != nil {
			var e struct{ Error string }
			_ = json.Unmarshal(r, &e)
			t.Fatalf("expand.py cannot read text %d: %s\n%s", i, e.Error, texts[i])
		}
	}
	return res
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
