//go:build !linux

package recovery

import (
	"fmt"
	"os"
)

// syncAll makes the staged files durable with one fsync each, then syncs
// the folders they are renamed in, where the system allows it. (Linux has
// syncfs, which does all of it in one call.)
func (a *archive) syncAll(batch []*staged) error {
	for _, st := range batch {
		f, err := a.root.OpenFile(st.tmp, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("recovery: sync %s: %w", st.rel, err)
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return fmt.Errorf("recovery: sync %s: %w", st.rel, err)
		}
	}
	if batch == nil {
		if d, err := a.root.Open("."); err == nil {
			_ = d.Sync() // best effort: not every system can sync a folder
			d.Close()
		}
	}
	return nil
}
