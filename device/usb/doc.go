// Package usb finds handsets on the USB bus and opens one of their functions
// as a device.Link. It is the only package in sk-rescue that imports gousb
// and the only one with cgo (libusb-1.0); protocol drivers never see it.
//
// Three layers, thinnest at the bottom:
//
//   - Descriptor, Classify, Wanted and Match are pure functions over a small
//     descriptor tree of our own. They decide which USB interfaces are handset
//     functions (MTP/PTP as in the MTP 1.1 spec and PTP ISO 15740 over USB
//     Still Image class 6/1/1; CDC-WMC OBEX and CDC-ACM from USB CDC 1.2 and
//     WMC 1.1; ADB 0xff/0x42/0x01; mass storage class 8) and are table tested
//     without hardware.
//   - Enumerate lists the bus with gousb. It filters on descriptors before
//     anything is opened, so a colour meter or a JTAG probe is never touched,
//     and opens only the devices that offer a handset interface, to read
//     their strings.
//   - OpenFunction claims one function's interfaces in the active
//     configuration (it never switches configurations, never resets) and
//     returns a device.Link over its endpoints with USB transfer semantics.
//     Its transfers do not go through gousb but through a few lines of C
//     over libusb (transfer.c), each submitted and reaped in the calling
//     thread: gousb's asynchronous path cost four times libmtp's time per
//     transaction in the USB lab (transfer.go says why).
//
// Errors carry the device package's sentinels (device.ErrBusy,
// device.ErrPermission, device.ErrDisconnected, device.ErrTimeout) and, where
// the operating system can tell, advice naming the process that holds the
// handset. ErrUnavailable says libusb itself could not start.
//
// Kernel drivers: gousb v1.1.3 can only detach the kernel drivers of every
// interface of a configuration at once (Device.SetAutoDetach(true) makes
// Device.Config detach all of them), which on a composite phone would unbind
// tethering (rndis_host, cdc_ether) and the modem (cdc_acm) to read one MTP
// interface. This package never calls SetAutoDetach. On Linux it detaches
// the driver of the function's own interfaces only, through the usbfs
// USBDEVFS_DISCONNECT ioctl on its own descriptor of /dev/bus/usb/BBB/DDD
// (what libusb_detach_kernel_driver does), and reattaches it on Close. It
// never detaches "usbfs", which means another program holds the interface.
// Options.KeepKernelDrivers turns detaching off (umockdev replays refuse the
// ioctl; a user may want cdc_acm left alone).
package usb
