package vcard

import (
	"fmt"
	"sort"
	"strings"
	"time"

	govcard "github.com/emersion/go-vcard"

	"github.com/sk-rescue/sk-rescue/formats"
	"github.com/sk-rescue/sk-rescue/formats/internal/versit"
)

// Merge joins contacts found in several memories (SIM and phone, say): two
// records from different sets are one contact when their FN agree (case and spacing aside) and
// they share a phone number (normalized: see docs/FORMATS.md). The merged
// card keeps the first record's UID, FN and N, the union of every other
// property (duplicates dropped), the newest REV, and lists every source
// memory in X-SK-RESCUE-SOURCE. Records are taken in order, sets one after
// the other, and the result keeps the order of first appearance. Records
// that are not contacts pass through unchanged. Records of one set are
// never merged with each other: two alike cards in one address book are the
// user's own.
func Merge(opt formats.Options, sets ...[]formats.Record) ([]formats.Record, error) {
	ver, err := version(opt)
	if err != nil {
		return nil, err
	}
	type item struct {
		rec    formats.Record
		b      *builder
		uid    string
		rev    time.Time
		nums   []string
		merged int
		dead   bool
		// from holds the sets the card's records came from: a card takes
		// at most one record from each set, so two cards in one address
		// book are never merged, however alike.
		from map[int]bool
	}
	var items []*item
	byName := map[string][]*item{}
	for si, set := range sets {
		for _, r := range set {
			if r.Kind != formats.KindContact {
				items = append(items, &item{rec: r})
				continue
			}
			comps, _, err := versit.Parse(r.Data)
			if err != nil || len(comps) != 1 || comps[0].Name != "VCARD" {
				return nil, fmt.Errorf("vcard: merge: record %s is not one vCard", r.UID)
			}
			b, uid, rev, agents, err := build(comps[0], len(items), opt)
			if err != nil {
				return nil, fmt.Errorf("vcard: merge: record %s: %w", r.UID, err)
			}
			for _, p := range agents {
				b.addProp(p, "3.0") // our own AGENT;VALUE=uri or VALUE=text, kept as written
			}
			b.warns = append([]string(nil), r.Warnings...)
			it := &item{rec: r, b: b, uid: uid, from: map[int]bool{si: true}}
			if t, ok := parseStamp(rev); ok {
				it.rev = t
			}
			for _, f := range b.card[govcard.FieldTelephone] {
				if n := normNumber(f.Value); n != "" {
					it.nums = append(it.nums, n)
				}
			}
			key := normName(versit.Unescape(b.card.Value(govcard.FieldFormattedName)))
			var into *item
			for _, o := range byName[key] {
				if !o.from[si] && shareNumber(o.nums, it.nums) {
					into = o
					break
				}
			}
			if into == nil {
				items = append(items, it)
				byName[key] = append(byName[key], it)
				continue
			}
			mergeInto(into.b, b)
			into.from[si] = true
			into.nums = append(into.nums, it.nums...)
			if it.rev.After(into.rev) {
				into.rev = it.rev
			}
			into.merged++
		}
	}
	out := make([]formats.Record, 0, len(items))
	for _, it := range items {
		if it.b == nil || it.merged == 0 {
			out = append(out, it.rec)
			continue
		}
		it.b.warn("merged from %d records found in %s", it.merged+1, it.b.card.Value(PropSource))
		rev := ""
		if !it.rev.IsZero() {
			rev = it.rev.UTC().Format("20060102T150405Z")
		}
		rec, err := it.b.finish(it.uid, rev, opt, ver)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// mergeInto adds src's properties to dst.
func mergeInto(dst, src *builder) {
	sources := map[string]bool{}
	for _, c := range []govcard.Card{dst.card, src.card} {
		for _, f := range c[PropSource] {
			for _, s := range strings.Split(f.Value, ",") {
				if s = strings.TrimSpace(s); s != "" {
					sources[s] = true
				}
			}
		}
	}
	for k, fields := range src.card {
		switch k {
		case govcard.FieldFormattedName, govcard.FieldName, PropSource, govcard.FieldUID,
			govcard.FieldRevision, govcard.FieldProductID, govcard.FieldVersion:
			continue
		}
		for _, f := range fields {
			dup := false
			for i, g := range dst.card[k] {
				if g.Value == f.Value {
					dup = true
					break
				}
				if k == govcard.FieldTelephone && sameNumber(normNumber(g.Value), normNumber(f.Value)) {
					// Keep the international form, and the richer field.
					if strings.HasPrefix(normNumber(f.Value), "+") && !strings.HasPrefix(normNumber(g.Value), "+") {
						dst.card[k][i] = f
					}
					dup = true
					break
				}
			}
			if !dup {
				dst.card[k] = append(dst.card[k], f)
			}
		}
	}
	if len(sources) > 0 {
		list := make([]string, 0, len(sources))
		for s := range sources {
			list = append(list, s)
		}
		sort.Strings(list)
		dst.card[PropSource] = []*govcard.Field{{Value: strings.Join(list, ","), Params: govcard.Params{}}}
	}
	dst.warns = append(dst.warns, src.warns...)
}

func normName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// normNumber keeps digits, a leading "+" (also for a leading "00"), and
// * and #.
func normNumber(s string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9', r == '*', r == '#':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		}
	}
	n := b.String()
	if strings.HasPrefix(n, "00") {
		n = "+" + n[2:]
	}
	return n
}

// sameNumber: equal, or one international and one national form whose
// last nine (or all, if fewer, but at least seven) digits agree.
func sameNumber(a, b string) bool {
	if a == b {
		return true
	}
	if strings.HasPrefix(a, "+") == strings.HasPrefix(b, "+") {
		return false
	}
	a, b = strings.TrimPrefix(a, "+"), strings.TrimPrefix(b, "+")
	b = strings.TrimLeft(b, "0")
	a = strings.TrimLeft(a, "0")
	n := min(len(a), len(b), 9)
	if n < 7 {
		return false
	}
	return a[len(a)-n:] == b[len(b)-n:]
}

func shareNumber(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if sameNumber(x, y) {
				return true
			}
		}
	}
	return false
}
