// The transfer path of a claimed function, in C over libusb-1.0 (see
// transfer.go for why it is not gousb's).
#ifndef SK_RESCUE_TRANSFER_H
#define SK_RESCUE_TRANSFER_H

#include <libusb.h>

// sk_xfer is one call's cancellation record: Go owns its memory and keeps
// it alive for as long as anyone may cancel it; transfer.c guards its
// fields with one lock. t is the libusb transfer while it is in flight.
typedef struct sk_xfer {
	int cancel;
	struct libusb_transfer *t;
} sk_xfer;

int sk_init(libusb_context **ctx);
int sk_open(libusb_context *ctx, int bus, int addr, int vid, int pid, libusb_device_handle **h);
int sk_serial(libusb_device_handle *h, unsigned char *buf, int len);
int sk_active_config(libusb_device_handle *h, int *config);
int sk_transfer(libusb_context *ctx, sk_xfer *x, libusb_device_handle *h, unsigned char endpoint,
	unsigned char type, unsigned char *buf, int len, unsigned int timeout_ms, int *actual);
int sk_control(libusb_context *ctx, sk_xfer *x, libusb_device_handle *h, unsigned char request_type,
	unsigned char request, unsigned short value, unsigned short index,
	unsigned char *buf, int len, unsigned int timeout_ms, int *actual);
void sk_cancel(sk_xfer *x);

#endif
