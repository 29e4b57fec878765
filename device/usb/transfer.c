// The transfer path of a claimed function (transfer.go says why it is C).
// Every transfer is submitted and waited for in the calling thread: the
// caller's buffer is handed to libusb for the length of the call and never
// after, and no other thread runs this context's events unless another
// transfer is waiting at the same time (libusb's event lock then lets one
// thread reap for all).
#include <pthread.h>
#include <time.h>

#include "transfer.h"

int sk_init(libusb_context **ctx)
{
	return libusb_init(ctx);
}

// sk_open opens the device at bus and addr if it still has vid and pid:
// addresses are reused after a replug.
int sk_open(libusb_context *ctx, int bus, int addr, int vid, int pid, libusb_device_handle **h)
{
	libusb_device **list;
	ssize_t n = libusb_get_device_list(ctx, &list);
	if (n < 0)
		return (int)n;
	int r = LIBUSB_ERROR_NOT_FOUND;
	for (ssize_t i = 0; i < n; i++) {
		libusb_device *d = list[i];
		struct libusb_device_descriptor desc;
		if (libusb_get_bus_number(d) != bus || libusb_get_device_address(d) != addr)
			continue;
		if (libusb_get_device_descriptor(d, &desc) == 0 && desc.idVendor == vid && desc.idProduct == pid)
			r = libusb_open(d, h);
		break;
	}
	libusb_free_device_list(list, 1);
	return r;
}

// sk_serial reads the serial number string: its length, 0 when the device
// has none, or a libusb error.
int sk_serial(libusb_device_handle *h, unsigned char *buf, int len)
{
	struct libusb_device_descriptor desc;
	int r = libusb_get_device_descriptor(libusb_get_device(h), &desc);
	if (r < 0)
		return r;
	if (desc.iSerialNumber == 0)
		return 0;
	return libusb_get_string_descriptor_ascii(h, desc.iSerialNumber, buf, len);
}

int sk_active_config(libusb_device_handle *h, int *config)
{
	return libusb_get_configuration(h, config);
}

static void LIBUSB_CALL done_cb(struct libusb_transfer *t)
{
	__atomic_store_n((int *)t->user_data, 1, __ATOMIC_RELEASE);
}

// lock guards every sk_xfer's fields: sk_cancel runs on another thread
// than the transfer's, at any time, even after the call has returned.
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

// sk_cancel asks for x's transfer to end: before it is submitted it never
// will be; in flight, its URB is cancelled at once, so the kernel completes
// it and whichever thread handles events reaps it and wakes the waiters
// (a libusb_interrupt_event_handler instead can be consumed by another
// thread's event handling before the waiting thread sees it).
void sk_cancel(sk_xfer *x)
{
	pthread_mutex_lock(&lock);
	x->cancel = 1;
	if (x->t)
		libusb_cancel_transfer(x->t);
	pthread_mutex_unlock(&lock);
}

// run submits t unless x was cancelled first, then handles events until t
// has completed. It returns the transfer status, or a negative libusb
// error when the submit failed; it never returns while t is in flight, so
// the caller's buffer is libusb's only for the length of the call.
static int run(libusb_context *ctx, sk_xfer *x, struct libusb_transfer *t)
{
	int done = 0;
	t->user_data = &done;
	t->callback = done_cb;
	pthread_mutex_lock(&lock);
	if (x->cancel) {
		pthread_mutex_unlock(&lock);
		return LIBUSB_TRANSFER_CANCELLED;
	}
	int r = libusb_submit_transfer(t);
	if (r == 0)
		x->t = t;
	pthread_mutex_unlock(&lock);
	if (r < 0)
		return r;
	int failing = 0;
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		struct timeval tv = {1, 0};
		r = libusb_handle_events_timeout_completed(ctx, &tv, &done);
		if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED && !__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
			// Not a state to spin in. The transfer is still the kernel's:
			// returning would let libusb reap into a buffer Go has reused,
			// so cancel it and keep reaping until libusb hands it back.
			// A device cannot cause this (its faults come back as transfer
			// statuses); a broken process can.
			if (failing++ == 0)
				libusb_cancel_transfer(t);
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	pthread_mutex_lock(&lock);
	x->t = NULL;
	pthread_mutex_unlock(&lock);
	return t->status;
}

int sk_transfer(libusb_context *ctx, sk_xfer *x, libusb_device_handle *h, unsigned char endpoint,
	unsigned char type, unsigned char *buf, int len, unsigned int timeout_ms, int *actual)
{
	struct libusb_transfer *t = libusb_alloc_transfer(0);
	if (!t)
		return LIBUSB_ERROR_NO_MEM;
	t->dev_handle = h;
	t->endpoint = endpoint;
	t->type = type;
	t->timeout = timeout_ms;
	t->buffer = buf;
	t->length = len;
	int r = run(ctx, x, t);
	*actual = t->actual_length;
	libusb_free_transfer(t);
	return r;
}

// sk_control runs a control transfer; buf holds 8 bytes for the setup
// packet followed by len bytes of data.
int sk_control(libusb_context *ctx, sk_xfer *x, libusb_device_handle *h, unsigned char request_type,
	unsigned char request, unsigned short value, unsigned short index,
	unsigned char *buf, int len, unsigned int timeout_ms, int *actual)
{
	struct libusb_transfer *t = libusb_alloc_transfer(0);
	if (!t)
		return LIBUSB_ERROR_NO_MEM;
	libusb_fill_control_setup(buf, request_type, request, value, index, (uint16_t)len);
	libusb_fill_control_transfer(t, h, buf, NULL, NULL, timeout_ms);
	int r = run(ctx, x, t);
	*actual = t->actual_length;
	libusb_free_transfer(t);
	return r;
}
