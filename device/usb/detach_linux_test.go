//go:build linux && amd64

package usb

import "testing"

// The request numbers as <linux/usbdevice_fs.h> gives them on x86-64.
func TestUsbdevfsRequests(t *testing.T) {
	if usbdevfsIoctlReq != 0xc0105512 {
		t.Errorf("USBDEVFS_IOCTL = %#x", usbdevfsIoctlReq)
	}
	if usbdevfsGetdriverReq != 0x41045508 {
		t.Errorf("USBDEVFS_GETDRIVER = %#x", usbdevfsGetdriverReq)
	}
	if usbdevfsDisconnect != 0x5516 || usbdevfsConnect != 0x5517 {
		t.Errorf("DISCONNECT/CONNECT = %#x/%#x", usbdevfsDisconnect, usbdevfsConnect)
	}
}
