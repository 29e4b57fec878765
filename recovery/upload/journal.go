package upload

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
)

// JournalName is the journal's file name in the export folder.
const JournalName = "upload-journal.json"

// JournalFormat names the journal schema.
const JournalFormat = "sk-rescue-upload-journal/1"

// Journal records what an upload put on a server, so a rerun sends only what
// is missing. It holds no credentials: URLs are stored without user
// information and the password is never written.
type Journal struct {
	Format string `json:"format"`
	// Entries are keyed by the resource's URL (no credentials).
	Entries map[string]JournalEntry `json:"entries"`
}

// JournalEntry is one resource on a server.
type JournalEntry struct {
	// Server is the server URL the run was given, without credentials.
	Server string      `json:"server"`
	Path   string      `json:"path"` // in the export folder
	Kind   device.Kind `json:"kind"`
	// SHA256 is the exported item's hash (as in the manifest).
	SHA256 string `json:"sha256"`
	// SentSHA256 is the hash of the bytes sent when they differ from the
	// export (a contact whose photo was scaled down).
	SentSHA256 string `json:"sent_sha256,omitempty"`
	// ETag is the server's ETag after the PUT, or as last listed.
	ETag string    `json:"etag,omitempty"`
	Time time.Time `json:"time"`
}

// journal is the in-memory journal with periodic atomic saves.
type journal struct {
	path string
	mu   sync.Mutex
	j    Journal
	// dirty counts changes since the last save; saved is when that was.
	dirty int
	saved time.Time
	off   bool // dry run: never written
}

func openJournal(path string, off bool) (*journal, error) {
	jl := &journal{path: path, off: off, j: Journal{Format: JournalFormat, Entries: map[string]JournalEntry{}}, saved: time.Now()}
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return jl, nil
	}
	if err != nil {
		return nil, fmt.Errorf("upload: read journal: %w", err)
	}
	var j Journal
	if err := json.Unmarshal(b, &j); err != nil || j.Format != JournalFormat {
		// A damaged journal costs a re-check, not the run: every item is
		// compared with the server again.
		return jl, nil
	}
	if j.Entries == nil {
		j.Entries = map[string]JournalEntry{}
	}
	jl.j = j
	return jl, nil
}

func (jl *journal) get(href string) (JournalEntry, bool) {
	jl.mu.Lock()
	defer jl.mu.Unlock()
	e, ok := jl.j.Entries[href]
	return e, ok
}

// put records e and saves the journal when it has not been saved for a
// second; the save is atomic, so a crash loses at most that second, which a
// rerun re-checks against the server.
func (jl *journal) put(href string, e JournalEntry) error {
	jl.mu.Lock()
	defer jl.mu.Unlock()
	jl.j.Entries[href] = e
	jl.dirty++
	if time.Since(jl.saved) >= time.Second {
		return jl.saveLocked()
	}
	return nil
}

func (jl *journal) setETag(href, etag string) {
	jl.mu.Lock()
	defer jl.mu.Unlock()
	if e, ok := jl.j.Entries[href]; ok && e.ETag != etag {
		e.ETag = etag
		jl.j.Entries[href] = e
		jl.dirty++
	}
}

func (jl *journal) save() error {
	jl.mu.Lock()
	defer jl.mu.Unlock()
	return jl.saveLocked()
}

func (jl *journal) saveLocked() error {
	jl.saved = time.Now()
	if jl.off || jl.dirty == 0 {
		return nil
	}
	b, err := json.MarshalIndent(&jl.j, "", " ")
	if err != nil {
		return err
	}
	if err := writeAtomic(jl.path, append(b, '\n')); err != nil {
		return fmt.Errorf("upload: write journal: %w", err)
	}
	jl.dirty = 0
	return nil
}

// writeAtomic writes b to a temporary file next to path, syncs it and
// renames it over path.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
