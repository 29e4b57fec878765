package recovery

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Problem is one thing verify found wrong.
type Problem struct {
	Path    string `json:"path"`
	Problem string `json:"problem"`
}

// VerifyResult is what Verify found.
type VerifyResult struct {
	Dir      string    `json:"dir"`
	Files    int       `json:"files"`
	Bytes    int64     `json:"bytes"`
	OK       bool      `json:"ok"`
	Problems []Problem `json:"problems"`
}

// Verify re-hashes every file the manifest in dir names and compares it with
// the recorded SHA-256 and size. A missing manifest, an unreadable one, or
// an interrupted export are errors; changed or missing files are Problems
// in the result (OK false).
func Verify(ctx context.Context, dir string, rep Reporter) (*VerifyResult, error) {
	if rep == nil {
		rep = nopReporter{}
	}
	m, err := ReadManifest(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("recovery: %s holds no manifest.json: is it an sk-rescue export folder? (an export that was interrupted before its end has none yet: run it again)", dir)
		}
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("recovery: open %s: %w", dir, err)
	}
	defer root.Close()
	a := &archive{dir: dir, root: root}

	res := &VerifyResult{Dir: dir, Problems: []Problem{}}
	type want struct {
		path string
		sum  string
		size int64
	}
	var files []want
	for _, it := range m.Items {
		if it.Raw != "" && it.SHA256 != "" {
			files = append(files, want{it.Raw, it.SHA256, it.RawSize})
		}
		for _, o := range it.Outputs {
			files = append(files, want{o.Path, o.SHA256, o.Size})
		}
	}
	for _, o := range m.Combined {
		files = append(files, want{o.Path, o.SHA256, o.Size})
	}
	if _, err := root.Stat(journalName); err == nil {
		res.Problems = append(res.Problems, Problem{Path: journalName,
			Problem: "an export into this folder was interrupted after this manifest was written: run the same export again to finish it"})
	}
	for i, w := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rep.Report(Event{Stage: "verify", Item: w.path, Done: i, Total: len(files), Battery: -1})
		sum, n, err := a.hashFile(w.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			res.Problems = append(res.Problems, Problem{Path: w.path, Problem: "missing"})
			continue
		case err != nil:
			res.Problems = append(res.Problems, Problem{Path: w.path, Problem: "unreadable: " + strings.TrimPrefix(err.Error(), "recovery: ")})
			continue
		}
		res.Files++
		res.Bytes += n
		if sum != w.sum || n != w.size {
			res.Problems = append(res.Problems, Problem{Path: w.path,
				Problem: fmt.Sprintf("changed since export: sha256 %s… (%d bytes), manifest says %s… (%d bytes)", short(sum), n, short(w.sum), w.size)})
		}
	}
	res.OK = len(res.Problems) == 0
	return res, nil
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
}
