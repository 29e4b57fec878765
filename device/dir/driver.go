package dir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/sk-rescue/sk-rescue/device"
)

// Driver is the folder driver for the registry (device/registry), which
// gives it the "dir" port of a dir:PATH selector. Precedence 0: a folder
// offers nothing else.
//
// Its errors say what to type instead: they carry no device sentinel,
// whose advice is about cables and phones.
var Driver = DriverWith(Options{})

// DriverWith is Driver with walk limits.
func DriverWith(opt Options) device.Driver {
	return device.Driver{
		Name:  "dir",
		Links: []string{"dir"},
		Open: func(ctx context.Context, p device.Port) (device.Handset, error) {
			return openChecked(p.Path, opt)
		},
	}
}

var _ device.Warner = (*Handset)(nil)

// openChecked is Open with the messages a person reads after --device dir:PATH
// (the registry prefixes the location).
func openChecked(path string, opt Options) (device.Handset, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("there is no folder %q; name a folder that exists, e.g. dir:/media/card", path)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("the system refused to read %q; check its permissions", path)
	case err != nil:
		return nil, err
	case !st.IsDir():
		return nil, fmt.Errorf("%q is a file, not a folder; name the folder that holds it", path)
	}
	h, err := Open(path, opt)
	switch {
	case errors.Is(err, device.ErrPermission), errors.Is(err, device.ErrNotFound):
		// %v: the sentinels' advice is about phones, not folders.
		return nil, fmt.Errorf("%v; check that the folder is there and readable", err)
	case err != nil:
		return nil, err
	}
	return h, nil
}
