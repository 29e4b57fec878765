package vcard

import (
	"testing"

	"github.com/sk-rescue/sk-rescue/formats"
)

// TestMergeOnlyAcrossSets: a card takes at most one record from each set,
// so alike cards within one address book stay apart.
func TestMergeOnlyAcrossSets(t *testing.T) {
	card := func(uid string) formats.Record {
		res, err := Convert([]byte("BEGIN:VCARD\r\nVERSION:2.1\r\nUID:"+uid+"\r\nN:Doe;Jane\r\nFN:Jane Doe\r\nTEL;CELL:+15550001\r\nEND:VCARD\r\n"), formats.Options{})
		if err != nil || len(res.Records) != 1 {
			t.Fatalf("convert: %v %+v", err, res)
		}
		return res.Records[0]
	}
	tests := []struct {
		name string
		sets [][]formats.Record
		want int
	}{
		{"two alike in one set", [][]formats.Record{{card("a"), card("b")}}, 2},
		{"same person in two sets", [][]formats.Record{{card("a")}, {card("b")}}, 1},
		{"one in the phone, two alike on the SIM", [][]formats.Record{{card("a")}, {card("b"), card("c")}}, 2},
		{"one per set in three sets", [][]formats.Record{{card("a")}, {card("b")}, {card("c")}}, 1},
	}
	for _, tt := range tests {
		out, err := Merge(formats.Options{}, tt.sets...)
		if err != nil || len(out) != tt.want {
			t.Errorf("%s: %d cards (%v), want %d", tt.name, len(out), err, tt.want)
		}
	}
}
