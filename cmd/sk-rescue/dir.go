package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/dir"
)

// openDir opens the folder a dir:PATH selector names as a handset. The
// errors say what to type instead: they carry no device sentinel, whose
// advice is about cables and phones.
func openDir(sel device.Selector) (device.Handset, error) {
	st, err := os.Stat(sel.Value)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("--device %s: there is no folder %q; name a folder that exists, e.g. dir:/media/card", sel, sel.Value)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("--device %s: the system refused to read %q; check its permissions", sel, sel.Value)
	case err != nil:
		return nil, fmt.Errorf("--device %s: %w", sel, err)
	case !st.IsDir():
		return nil, fmt.Errorf("--device %s: %q is a file, not a folder; name the folder that holds it", sel, sel.Value)
	}
	h, err := dir.Open(sel.Value, dir.Options{})
	switch {
	case errors.Is(err, device.ErrPermission), errors.Is(err, device.ErrNotFound):
		// %v: the sentinels' advice is about phones, not folders.
		return nil, fmt.Errorf("--device %s: %v; check that the folder is there and readable", sel, err)
	case err != nil:
		return nil, fmt.Errorf("--device %s: %w", sel, err)
	}
	return h, nil
}
