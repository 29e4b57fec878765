package recovery

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/sk-rescue/sk-rescue/device"
)

// fakeHandset is an in-memory device.Handset. It can be told to disconnect
// after a number of bytes, to test resume at any point of an export.
type fakeHandset struct {
	info  device.Info
	items []device.Item
	data  map[string][]byte

	mu sync.Mutex
	// cutAfter, when > 0, makes the handset disconnect once that many bytes
	// have been read in total.
	cutAfter int64
	read     int64
	opens    int
	// failIDs make Open of those items fail (an unreadable object), without
	// disconnecting.
	failIDs map[string]bool
	// partial: Open of those items gives their bytes but says, through
	// Incomplete, that the handset stopped partway (device/at's way).
	partial map[string]string
}

var _ device.Handset = (*fakeHandset)(nil)

func (f *fakeHandset) Info() device.Info { return f.info }

func (f *fakeHandset) List(ctx context.Context, kinds ...device.Kind) ([]device.Item, error) {
	if len(kinds) == 0 {
		return append([]device.Item(nil), f.items...), nil
	}
	want := map[device.Kind]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	var out []device.Item
	for _, it := range f.items {
		if want[it.Kind] {
			out = append(out, it)
		}
	}
	return out, nil
}

func (f *fakeHandset) Open(ctx context.Context, it device.Item) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opens++
	if f.failIDs[it.ID] {
		return nil, fmt.Errorf("fake: object %s: %w", it.ID, device.ErrProtocol)
	}
	d, ok := f.data[it.ID]
	if !ok {
		return nil, fmt.Errorf("fake: no object %s", it.ID)
	}
	fr := &fakeReader{f: f, r: bytes.NewReader(d)}
	if why, ok := f.partial[it.ID]; ok {
		return &partialFakeReader{fr, why}, nil
	}
	return fr, nil
}

type partialFakeReader struct {
	*fakeReader
	why string
}

func (r *partialFakeReader) Incomplete() error {
	return fmt.Errorf("fake: %s: %w", r.why, device.ErrProtocol)
}

func (f *fakeHandset) Close() error { return nil }

type fakeReader struct {
	f *fakeHandset
	r *bytes.Reader
}

func (r *fakeReader) Read(p []byte) (int, error) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	if r.f.cutAfter > 0 {
		left := r.f.cutAfter - r.f.read
		if left <= 0 {
			return 0, fmt.Errorf("fake: read: %w", device.ErrDisconnected)
		}
		if int64(len(p)) > left {
			p = p[:left]
		}
	}
	n, err := r.r.Read(p)
	r.f.read += int64(n)
	return n, err
}

func (r *fakeReader) Close() error { return nil }
