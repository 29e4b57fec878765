package recovery

import (
	"context"
	"fmt"

	"github.com/sk-rescue/sk-rescue/device"
)

// PreviewItems is how many item names Inventory keeps per kind.
const PreviewItems = 5

// KindInventory is what a handset holds of one kind.
type KindInventory struct {
	Kind device.Kind `json:"kind"`
	// Items is the number of raw objects the handset lists. One object may
	// hold many records (an IrMC phonebook), so this is a lower bound on
	// the records an export finds.
	Items int `json:"items"`
	// Bytes is the sum of the sizes the listing gives; Unsized counts the
	// items whose size it does not give.
	Bytes   int64 `json:"bytes"`
	Unsized int   `json:"unsized"`
	// Preview names the first few items, in listing order.
	Preview []string `json:"preview"`
}

// Inventory is what a handset holds, per kind, from one listing.
type Inventory struct {
	// Kinds has one entry per kind in device.Kinds order, including kinds
	// the handset holds none of.
	Kinds []KindInventory `json:"kinds"`
	Items int             `json:"items"`
	Bytes int64           `json:"bytes"`
}

// Kind returns the entry for k.
func (inv *Inventory) Kind(k device.Kind) KindInventory {
	for _, ki := range inv.Kinds {
		if ki.Kind == k {
			return ki
		}
	}
	return KindInventory{Kind: k}
}

// TakeInventory lists h once (one List call, no object is read) and counts
// what it holds per kind.
func TakeInventory(ctx context.Context, h device.Handset) (*Inventory, error) {
	items, err := h.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("recovery: list handset: %w", err)
	}
	return inventoryOf(items), nil
}

func inventoryOf(items []device.Item) *Inventory {
	idx := map[device.Kind]int{}
	inv := &Inventory{}
	for i, k := range device.Kinds {
		idx[k] = i
		inv.Kinds = append(inv.Kinds, KindInventory{Kind: k, Preview: []string{}})
	}
	for _, it := range items {
		i, ok := idx[it.Kind]
		if !ok {
			// A kind this version does not know: count it as a file.
			i = idx[device.KindFile]
		}
		ki := &inv.Kinds[i]
		ki.Items++
		inv.Items++
		if it.Size >= 0 {
			ki.Bytes += it.Size
			inv.Bytes += it.Size
		} else {
			ki.Unsized++
		}
		if len(ki.Preview) < PreviewItems {
			ki.Preview = append(ki.Preview, it.Name)
		}
	}
	return inv
}
