//go:build linux && (amd64 || arm64 || 386 || arm || riscv64 || loong64 || s390x)

package usb

import (
	"bytes"
	"errors"
	"syscall"
	"unsafe"
)

// Per-interface kernel driver control through usbfs, as libusb's
// linux_usbfs.c does it, on a descriptor of our own: gousb v1.1.3 exposes
// only SetAutoDetach, which unbinds every interface (see the package doc).
// The ioctl numbers use the generic _IOC encoding of the architectures in
// the build tag; <linux/usbdevice_fs.h>.

type usbdevfsIoctl struct {
	ifno      int32
	ioctlCode int32
	data      uintptr
}

type usbdevfsGetdriver struct {
	ifno   uint32
	driver [256]byte
}

const (
	iocWrite = 1
	iocRead  = 2

	usbdevfsDisconnect = 'U'<<8 | 22 // _IO('U', 22)
	usbdevfsConnect    = 'U'<<8 | 23 // _IO('U', 23)
)

var (
	usbdevfsIoctlReq     = ioc(iocRead|iocWrite, 18, unsafe.Sizeof(usbdevfsIoctl{}))
	usbdevfsGetdriverReq = ioc(iocWrite, 8, unsafe.Sizeof(usbdevfsGetdriver{}))
)

func ioc(dir, nr, size uintptr) uintptr { return dir<<30 | size<<16 | 'U'<<8 | nr }

func withNode(bus, addr int, f func(fd int) error) error {
	fd, err := syscall.Open(DevNode(bus, addr), syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	return f(fd)
}

func getDriver(fd, ifno int) (string, error) {
	g := usbdevfsGetdriver{ifno: uint32(ifno)}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), usbdevfsGetdriverReq, uintptr(unsafe.Pointer(&g))); e != 0 {
		if e == syscall.ENODATA {
			return "", nil
		}
		return "", e
	}
	name, _, _ := bytes.Cut(g.driver[:], []byte{0})
	return string(name), nil
}

func usbfsIoctl(fd, ifno int, code uintptr) error {
	c := usbdevfsIoctl{ifno: int32(ifno), ioctlCode: int32(code)}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), usbdevfsIoctlReq, uintptr(unsafe.Pointer(&c))); e != 0 {
		return e
	}
	return nil
}

// kernelDriver names the driver bound to interface ifno: "" for none,
// "usbfs" when another program has claimed it through libusb.
func kernelDriver(bus, addr, ifno int) (name string, err error) {
	err = withNode(bus, addr, func(fd int) error {
		name, err = getDriver(fd, ifno)
		return err
	})
	return name, err
}

// detachKernelDriver unbinds the kernel driver of interface ifno and returns
// its name ("" when none was bound). It never unbinds "usbfs": that is
// another program's claim, reported as busy by the claim that follows.
func detachKernelDriver(bus, addr, ifno int) (name string, err error) {
	err = withNode(bus, addr, func(fd int) error {
		name, err = getDriver(fd, ifno)
		if err != nil || name == "" || name == "usbfs" {
			return err
		}
		err = usbfsIoctl(fd, ifno, usbdevfsDisconnect)
		if errors.Is(err, syscall.ENODATA) { // unbound meanwhile
			name, err = "", nil
		}
		return err
	})
	return name, err
}

// attachKernelDriver lets kernel drivers bind interface ifno again, after
// it has been released.
func attachKernelDriver(bus, addr, ifno int) error {
	return withNode(bus, addr, func(fd int) error { return usbfsIoctl(fd, ifno, usbdevfsConnect) })
}
