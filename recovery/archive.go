package recovery

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"
)

// tmpMarker is in every temporary file's name, so a resumed export can find
// and remove what an interrupted one left.
const tmpMarker = ".sk-tmp-"

// archive is the output folder. Every write goes through an os.Root, so no
// name from the handset, however hostile, and no symlink planted in the
// folder can make sk-rescue write outside it.
type archive struct {
	dir  string
	root *os.Root

	// folders holds a Root for each folder stage has written in, opened
	// once: through the archive's root every create, time stamp and
	// rename re-walks the path one openat per folder, which was a tenth
	// of an export's CPU time in the USB lab's emulated guest.
	mu      sync.Mutex
	folders map[string]*os.Root
}

// openArchive creates dir if needed and opens it as a root.
func openArchive(dir string) (*archive, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("recovery: create output folder: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("recovery: open output folder: %w", err)
	}
	return &archive{dir: dir, root: root, folders: map[string]*os.Root{}}, nil
}

func (a *archive) Close() error {
	a.mu.Lock()
	for _, r := range a.folders {
		r.Close()
	}
	a.folders = map[string]*os.Root{}
	a.mu.Unlock()
	return a.root.Close()
}

// folder returns a Root for folder dir of the archive ("" is the archive
// itself), creating the folder the first time. The Root cannot reach
// outside dir, as the archive's cannot reach outside the archive.
func (a *archive) folder(dir string) (*os.Root, error) {
	if dir == "" {
		return a.root, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if r, ok := a.folders[dir]; ok {
		return r, nil
	}
	if a.folders == nil {
		a.folders = map[string]*os.Root{}
	}
	if err := a.root.MkdirAll(dir, 0o755); err != nil {
		return nil, &writeError{fmt.Errorf("create folder %s: %w", dir, err)}
	}
	r, err := a.root.OpenRoot(dir)
	if err != nil {
		return nil, &writeError{fmt.Errorf("open folder %s: %w", dir, err)}
	}
	a.folders[dir] = r
	return r, nil
}

// removeTemps deletes temporary files an interrupted run left behind.
func (a *archive) removeTemps() error {
	return fs.WalkDir(a.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isTempName(d.Name()) {
			if err := a.root.Remove(p); err != nil {
				return fmt.Errorf("recovery: remove stale temp file %s: %w", p, err)
			}
		}
		return nil
	})
}

// tempName matches exactly the names stage gives temporary files: a
// leading dot (which safeName never leaves on a name from the handset), the
// marker and 12 hex digits. Anything else, such as a photo the phone named
// "holiday.sk-tmp-1.jpg", is not ours to delete.
// It is compiled on first use: a fresh export never needs it, and
// compiling at package init is process start-up time for every command.
var tempName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\..*\.sk-tmp-[0-9a-f]{12}$`) })

func isTempName(name string) bool { return tempName().MatchString(name) }

// writeError marks a failure to write the archive (a full disk, a
// permission), as opposed to a failure to read the handset: the export
// cannot go on past it.
type writeError struct{ err error }

func (e *writeError) Error() string { return "recovery: write the output folder: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// hashingWriter counts and hashes what passes through it.
type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashingWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	if err != nil {
		err = &writeError{err}
	}
	return n, err
}

// staged is a file written under a temporary name, waiting for commit to
// make it durable and give it its real name.
type staged struct {
	tmp, rel string // paths in the archive
	sum      string
	n        int64

	folder        *os.Root // the folder both are in (archive.folder)
	tmpName, name string   // their names in folder
}

// stage writes r to a temporary file beside rel, hashing it on the way. It
// does not sync: commit does, for a whole batch at once, because one sync
// per file made an export of small records wait on the disk far longer than
// on the phone. On error nothing is left behind.
func (a *archive) stage(rel string, r io.Reader, mtime time.Time) (*staged, error) {
	return a.stageWith(rel, mtime, func(f *os.File) (string, int64, error) {
		hw := &hashingWriter{w: f, h: sha256.New()}
		if _, err := io.CopyBuffer(hw, r, make([]byte, 1<<20)); err != nil {
			return "", 0, err
		}
		return hex.EncodeToString(hw.h.Sum(nil)), hw.n, nil
	})
}

// stageData is stage for bytes in memory whose SHA-256 (hex) the caller
// has already computed from the same slice: the bytes are written as they
// are and not hashed a second time (hashing is most of an export's CPU time
// on a machine without SHA instructions; USB lab, docs/BENCHMARKS.md).
func (a *archive) stageData(rel string, data []byte, sum string, mtime time.Time) (*staged, error) {
	return a.stageWith(rel, mtime, func(f *os.File) (string, int64, error) {
		n, err := f.Write(data)
		if err != nil {
			return "", int64(n), &writeError{err}
		}
		return sum, int64(n), nil
	})
}

// stageWith creates the temporary file beside rel, lets write fill it and
// report its SHA-256 and size, closes it and sets its time.
func (a *archive) stageWith(rel string, mtime time.Time, write func(*os.File) (string, int64, error)) (st *staged, err error) {
	dir, base := path.Split(rel)
	dir = strings.TrimSuffix(dir, "/")
	folder, err := a.folder(dir)
	if err != nil {
		return nil, err
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmpName := "." + truncateUTF8(base, 100) + tmpMarker + hex.EncodeToString(rnd[:])
	f, err := folder.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, &writeError{fmt.Errorf("create %s: %w", rel, err)}
	}
	defer func() {
		if err != nil {
			f.Close()
			folder.Remove(tmpName)
		}
	}()
	sum, n, err := write(f)
	if err != nil {
		return nil, err
	}
	if err = f.Close(); err != nil {
		return nil, &writeError{fmt.Errorf("close %s: %w", rel, err)}
	}
	if !mtime.IsZero() {
		if err = folder.Chtimes(tmpName, mtime, mtime); err != nil {
			return nil, &writeError{fmt.Errorf("set time of %s: %w", rel, err)}
		}
	}
	return &staged{tmp: path.Join(dir, tmpName), rel: rel, sum: sum, n: n,
		folder: folder, tmpName: tmpName, name: base}, nil
}

// discard removes staged files that will not be committed.
func (a *archive) discard(batch []*staged) {
	for _, st := range batch {
		st.folder.Remove(st.tmpName)
	}
}

// commit makes a batch of staged files durable under their real names:
// sync the data, rename each, sync again so the renames are durable too.
// Only after commit returns may anything (the journal, the manifest) refer
// to them.
func (a *archive) commit(batch []*staged) error {
	if len(batch) == 0 {
		return nil
	}
	if err := a.syncAll(batch); err != nil {
		a.discard(batch)
		return err
	}
	for i, st := range batch {
		if err := st.folder.Rename(st.tmpName, st.name); err != nil {
			a.discard(batch[i:])
			return &writeError{fmt.Errorf("rename into %s: %w", st.rel, err)}
		}
	}
	return a.syncAll(nil)
}

// writeFile writes data to rel atomically (temp file, sync, rename, sync)
// unless rel already holds exactly data. It returns the SHA-256.
func (a *archive) writeFile(rel string, data []byte) (string, error) {
	st, sum, err := a.stageBytes(rel, data)
	if err != nil || st == nil {
		return sum, err
	}
	return sum, a.commit([]*staged{st})
}

// stageBytes stages data for rel unless rel already holds exactly data, in
// which case it returns nil: a resumed run rewrites nothing it need not.
func (a *archive) stageBytes(rel string, data []byte) (*staged, string, error) {
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	if old, err := a.root.ReadFile(rel); err == nil && bytes.Equal(old, data) {
		return nil, hexSum, nil
	}
	st, err := a.stageData(rel, data, hexSum, time.Time{})
	if err != nil {
		return nil, "", err
	}
	return st, hexSum, nil
}

// hashFile returns the SHA-256 and size of rel, or an error wrapping
// fs.ErrNotExist when it is not there.
func (a *archive) hashFile(rel string) (string, int64, error) {
	f, err := a.root.Open(rel)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, make([]byte, 1<<20))
	if err != nil {
		return "", 0, fmt.Errorf("recovery: read %s: %w", rel, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func (a *archive) readFile(rel string) ([]byte, error) { return a.root.ReadFile(rel) }

func (a *archive) remove(rel string) error {
	err := a.root.Remove(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
