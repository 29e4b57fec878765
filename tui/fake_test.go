package tui

import (
	"context"
	"errors"
	"sync"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/recovery"
)

// fakeBackend is an in-memory Backend: a list of handsets, each opened as a
// fakeSession.
type fakeBackend struct {
	mu       sync.Mutex
	list     []Handset
	listErr  error
	openErr  error
	sessions map[string]*fakeSession
	verify   *recovery.VerifyResult
	verified []string
}

var _ Backend = (*fakeBackend)(nil)

func (b *fakeBackend) Handsets(ctx context.Context) ([]Handset, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Handset(nil), b.list...), b.listErr
}

func (b *fakeBackend) Open(ctx context.Context, sel string) (Session, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openErr != nil {
		return nil, b.openErr
	}
	s, ok := b.sessions[sel]
	if !ok {
		return nil, device.ErrNotFound
	}
	return s, nil
}

func (b *fakeBackend) Verify(ctx context.Context, dir string) (*recovery.VerifyResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.verified = append(b.verified, dir)
	if b.verify == nil {
		return nil, errors.New("fake: no verify result")
	}
	return b.verify, nil
}

// fakeSession reports the events it is given, then returns sum; with block
// set it waits for ctx to end first and returns its error.
type fakeSession struct {
	info   device.Info
	inv    *recovery.Inventory
	events []recovery.Event
	sum    *recovery.Summary
	block  bool

	mu     sync.Mutex
	opts   []recovery.Options
	closed int
}

var _ Session = (*fakeSession)(nil)

func (s *fakeSession) Info() device.Info { return s.info }

func (s *fakeSession) Inventory(ctx context.Context) (*recovery.Inventory, error) { return s.inv, nil }

func (s *fakeSession) Export(ctx context.Context, opt recovery.Options) (*recovery.Summary, error) {
	s.mu.Lock()
	s.opts = append(s.opts, opt)
	s.mu.Unlock()
	for _, ev := range s.events {
		opt.Reporter.Report(ev)
	}
	if s.block {
		<-ctx.Done()
		return s.sum, ctx.Err()
	}
	return s.sum, nil
}

func (s *fakeSession) Close() error {
	s.mu.Lock()
	s.closed++
	s.mu.Unlock()
	return nil
}

// simLike is a fake of the default simulated Sidekick.
func simLike(battery int) (*fakeBackend, *fakeSession) {
	inv := &recovery.Inventory{Items: 440, Bytes: 30 << 20}
	for _, k := range device.Kinds {
		ki := recovery.KindInventory{Kind: k, Preview: []string{}}
		switch k {
		case device.KindContact:
			ki.Items, ki.Bytes, ki.Preview = 250, 250<<10, []string{"C0000.vcf", "C0001.vcf"}
		case device.KindEvent:
			ki.Items, ki.Bytes = 120, 120<<9
		case device.KindTodo:
			ki.Items, ki.Bytes = 40, 40<<9
		case device.KindPhoto:
			ki.Items, ki.Bytes = 30, 30<<20
		}
		inv.Kinds = append(inv.Kinds, ki)
	}
	s := &fakeSession{
		info: device.Info{Maker: "Danger", Model: "Sidekick (sim)", Serial: "DGR1", Protocol: "mtp", Battery: battery},
		inv:  inv,
		events: []recovery.Event{
			{Stage: recovery.StageList, Battery: battery},
			{Stage: recovery.StageFetch, Kind: device.KindContact, Item: "C0000.vcf", Done: 1, Total: 440, Bytes: 1 << 10, TotalBytes: 30 << 20,
				KindDone: 1, KindTotal: 250, KindBytes: 1 << 10, KindTotalBytes: 250 << 10, Battery: battery},
			{Stage: recovery.StageConvert, Kind: device.KindContact, Item: "C0007.vcf", Warning: "C0007.vcf kept raw (raw/contacts/C0007.vcf): record 0: bad", Battery: battery},
			{Stage: recovery.StageDone, Done: 440, Total: 440, Battery: battery},
		},
		sum: &recovery.Summary{
			Out:    "rescued",
			Counts: map[device.Kind]int{device.KindContact: 250, device.KindEvent: 120, device.KindTodo: 40, device.KindPhoto: 30},
			Items:  440, Fetched: 440, Bytes: 30 << 20,
			KeptRaw: []recovery.ItemReport{{Kind: device.KindContact, ID: "7", Name: "C0007.vcf", Raw: "raw/contacts/C0007.vcf", Reason: "record 0: bad"}},
			Failed:  []recovery.ItemReport{},
		},
	}
	b := &fakeBackend{
		list: []Handset{
			{Selector: "1:7", Maker: "Nokia", Model: "6230i", Serial: "N1", Protocols: []string{"obex", "at"}, Battery: -1},
			{Selector: "sim", Maker: "Danger", Model: "Sidekick (sim)", Serial: "DGR1", Protocols: []string{"mtp"}, Battery: battery},
		},
		sessions: map[string]*fakeSession{"sim": s},
		verify:   &recovery.VerifyResult{Dir: "rescued", Files: 901, OK: true, Problems: []recovery.Problem{}},
	}
	return b, s
}
