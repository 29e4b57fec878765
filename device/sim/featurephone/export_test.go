package featurephone_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/device/sim"
	"github.com/sk-rescue/sk-rescue/recovery"
)

// TestExportCounts runs the export pipeline on sim:featurephone, as
// `sk-rescue export --all --device sim:featurephone` does, and checks the
// acceptance counts and that names in every script survive exactly.
func TestExportCounts(t *testing.T) {
	h, ph := open(t, "sim:featurephone")
	out := t.TempDir()
	sum, err := recovery.Export(context.Background(), h, recovery.Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	want := map[device.Kind]int{device.KindContact: 210, device.KindEvent: 60, device.KindTodo: 25, device.KindNote: 10, device.KindPhoto: 15}
	for k, n := range want {
		if sum.Counts[k] != n {
			t.Errorf("%s: %d, want %d", k, sum.Counts[k], n)
		}
	}
	if len(sum.Failed) > 0 || len(sum.KeptRaw) > 0 {
		t.Errorf("failed %v kept raw %v", sum.Failed, sum.KeptRaw)
	}
	all, err := os.ReadFile(filepath.Join(out, "contacts.vcf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ph.Data.Truth.Contacts {
		if !strings.Contains(string(all), "FN:"+c.FullName+"\r\n") {
			t.Errorf("FN %q not in contacts.vcf", c.FullName)
		}
	}
}

// TestExportResumesAfterDisconnect unplugs the phone in the middle of the
// phonebook's body; the export fails with ErrDisconnected, and a second
// export into the same folder, after replugging, completes it.
func TestExportResumesAfterDisconnect(t *testing.T) {
	h, ph := open(t, "sim:featurephone")
	ph.OBEXLink.SetFaults(sim.Faults{DisconnectAfterIn: 60000})
	out := t.TempDir()
	_, err := recovery.Export(context.Background(), h, recovery.Options{Out: out})
	if !errors.Is(err, device.ErrDisconnected) {
		t.Fatalf("first export: %v, want ErrDisconnected", err)
	}
	h2, _ := open(t, "sim:featurephone")
	sum, err := recovery.Export(context.Background(), h2, recovery.Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[device.KindContact] != 210 || sum.Counts[device.KindPhoto] != 15 || sum.Resumed == 0 {
		t.Errorf("resumed export: counts %v, resumed %d", sum.Counts, sum.Resumed)
	}
}
