// The transfer path of a claimed function, in C over libusb-1.0 (see
// transfer.go for why it is not gousb's).
#ifndef SK_RESCUE_TRANSFER_H
#define SK_RESCUE_TRANSFER_H

#include <libusb.h>

int sk_init(libusb_context **ctx);
int sk_open(libusb_context *ctx, int bus, int addr, int vid, int pid, libusb_device_handle **h);
int sk_serial(libusb_device_handle *h, unsigned char *buf, int len);
int sk_active_config(libusb_device_handle *h, int *config);
int sk_transfer(libusb_context *ctx, libusb_device_handle *h, unsigned char endpoint,
	unsigned char type, unsigned char *buf, int len, unsigned int timeout_ms,
	const int *cancel, int *actual);
int sk_control(libusb_context *ctx, libusb_device_handle *h, unsigned char request_type,
	unsigned char request, unsigned short value, unsigned short index,
	unsigned char *buf, int len, unsigned int timeout_ms, const int *cancel, int *actual);

#endif
