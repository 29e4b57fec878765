//go:build !linux || !(amd64 || arm64 || 386 || arm || riscv64 || loong64 || s390x)

package usb

import "errors"

// Elsewhere kernel drivers are not unbound: macOS and Windows need the user
// to quit the holding service or replace the driver (see permissionAdvice).

var errNoDetach = errors.New("usb: detaching kernel drivers is not supported on this system")

func kernelDriver(bus, addr, ifno int) (string, error)       { return "", errNoDetach }
func detachKernelDriver(bus, addr, ifno int) (string, error) { return "", nil }
func attachKernelDriver(bus, addr, ifno int) error           { return errNoDetach }
