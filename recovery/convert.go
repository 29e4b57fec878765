package recovery

import (
	"bytes"
	"fmt"
	"mime"
	"path"
	"strings"
	"time"

	"github.com/sk-rescue/sk-rescue/device"
	"github.com/sk-rescue/sk-rescue/formats"
	"github.com/sk-rescue/sk-rescue/formats/ical"
	"github.com/sk-rescue/sk-rescue/formats/photo"
	"github.com/sk-rescue/sk-rescue/formats/vcard"
	"github.com/sk-rescue/sk-rescue/formats/vnote"
)

// maxConvertSize bounds the raw objects converted, which are read whole: a
// phonebook of thousands of cards with photos is tens of MiB; more is kept
// raw rather than risk the memory of the machine doing the rescue.
const maxConvertSize = 256 << 20

// converter turns one raw object into records.
type converter func(raw []byte, opt formats.Options) (formats.Result, error)

// converterFor picks the converter for an item by its media type, then by
// its name's extension (handsets often label a .vcf as a generic file).
func converterFor(it device.Item) (converter, string) {
	mt, params, err := mime.ParseMediaType(it.Format)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(it.Format, ";")[0]))
	}
	switch mt {
	case "text/x-vcard", "text/vcard", "text/directory":
		return vcard.Convert, "vcard"
	case "text/x-vcalendar", "text/calendar":
		return ical.Convert, "ical"
	case "text/x-vnote":
		return vnote.Convert, "vnote"
	case "text/x-at-phonebook":
		charset, memory := params["charset"], params["memory"]
		return func(raw []byte, opt formats.Options) (formats.Result, error) {
			return vcard.ConvertAT(raw, charset, memory, opt)
		}, "at"
	}
	switch strings.ToLower(path.Ext(it.Name)) {
	case ".vcf", ".vcard":
		return vcard.Convert, "vcard"
	case ".vcs", ".ics":
		return ical.Convert, "ical"
	case ".vnt":
		return vnote.Convert, "vnote"
	}
	return nil, ""
}

// outputPlace says where records of a kind go.
var outputPlace = map[string]struct {
	dir, ext, combined string
	kind               device.Kind
}{
	formats.KindContact: {"contacts", ".vcf", "contacts.vcf", device.KindContact},
	formats.KindEvent:   {"calendar", ".ics", "calendar.ics", device.KindEvent},
	formats.KindTodo:    {"todos", ".ics", "todos.ics", device.KindTodo},
	formats.KindNote:    {"notes", ".txt", "notes.ics", device.KindNote},
}

// prodID is written into every converted file.
func (e *exporter) prodID() string {
	v := e.opt.ToolVersion
	if v == "" {
		v = "dev"
	}
	return "-//sk-rescue//sk-rescue " + v + "//EN"
}

// convertAll converts every archived item, writes one file per record and
// the combined files. Conversion reads only the archived raw bytes, so it
// gives the same result whether they were fetched now or in an earlier run.
func (e *exporter) convertAll() (err error) {
	byKind := map[string][]formats.Record{}
	outPaths := newPathPlan()
	// Outputs are staged and committed together at the end.
	var batch []*staged
	defer func() {
		if err != nil {
			e.a.discard(batch)
			return
		}
		err = e.a.commit(batch)
	}()
	// Pass 1: convert every item.
	var done []convertedItem
	for i := range e.items {
		it := &e.items[i]
		if it.Status == StatusFailed || it.SHA256 == "" {
			continue
		}
		if it.Status != StatusPartial { // partial says more than ok or kept_raw
			it.Status = StatusOK
		}
		if it.Kind == device.KindPhoto || it.Kind == device.KindFile {
			e.sum.Counts[it.Kind]++
			continue
		}
		conv, family := converterFor(it.Item)
		if conv == nil {
			e.keepRaw(it, -1, fmt.Sprintf("no converter for format %q; the raw bytes are kept", it.Format))
			continue
		}
		if it.RawSize > maxConvertSize {
			e.keepRaw(it, -1, fmt.Sprintf("%d bytes is more than sk-rescue converts (%d MiB); the raw bytes are kept", it.RawSize, maxConvertSize>>20))
			continue
		}
		raw, err := e.a.readFile(it.Raw)
		if err != nil {
			return fmt.Errorf("recovery: read back %s: %w", it.Raw, err)
		}
		e.report(Event{Stage: StageConvert, Kind: it.Kind, Item: it.Name, Done: i + 1, Total: len(e.items)})
		res, err := conv(raw, e.formatOptions(it))
		if err != nil {
			e.keepRaw(it, -1, err.Error())
			continue
		}
		for _, w := range res.Warnings {
			e.warn(it, w)
		}
		for _, f := range res.Failures {
			e.keepRaw(it, f.Index, f.Err.Error())
		}
		done = append(done, convertedItem{it: it, recs: res.Records, memory: family == "at"})
	}

	// Pass 2: one contact kept in several memories (SIM and phone) is one
	// card.
	e.mergeMemories(done)

	// Pass 3: write one file per record.
	for _, c := range done {
		it := c.it
		for _, rec := range c.recs {
			place, ok := outputPlace[rec.Kind]
			if !ok {
				e.keepRaw(it, -1, fmt.Sprintf("converter returned a record of unknown kind %q", rec.Kind))
				continue
			}
			rel := outPaths.place(path.Join(place.dir, safeUID(rec.UID)+place.ext))
			st, sum, err := e.a.stageBytes(rel, rec.Data)
			if err != nil {
				return err
			}
			if st != nil {
				batch = append(batch, st)
			}
			it.Outputs = append(it.Outputs, Output{Path: rel, SHA256: sum, Size: int64(len(rec.Data)),
				Kind: place.kind, UID: rec.UID, Name: rec.Name})
			for _, w := range rec.Warnings {
				e.warn(it, fmt.Sprintf("%s: %s", rec.Name, w))
			}
			e.sum.Counts[place.kind]++
			byKind[rec.Kind] = append(byKind[rec.Kind], rec)
		}
	}
	combined, err := e.writeCombined(byKind)
	batch = append(batch, combined...)
	return err
}

// convertedItem is an item's records between conversion and writing.
type convertedItem struct {
	it   *ManItem
	recs []formats.Record
	// memory is set for a phonebook memory read over AT (SIM, phone):
	// its contacts may also be in another memory.
	memory bool
}

func (e *exporter) formatOptions(it *ManItem) formats.Options {
	return formats.Options{
		VCardVersion: e.opt.VCardVersion,
		UIDSeed:      e.info.Serial + "/" + it.ID,
		Modified:     it.Modified,
		ProdID:       e.prodID(),
	}
}

// mergeMemories joins contacts that a phone keeps in several memories (its
// own address book and the SIM, read over AT) when name and number agree,
// so the customer gets one card, not two. It runs only when a phonebook
// memory was read: separate contacts that happen to share a name and number
// in one address book are the user's own business. The merged card keeps
// the first one's UID and the union of every value; a contact absorbed into
// another is said so in its item's warnings, and its raw bytes stay in raw/.
func (e *exporter) mergeMemories(done []convertedItem) {
	// ref names one contact record: done[item].recs[rec].
	type ref struct{ item, rec int }
	var book []ref     // every contact not from a phonebook memory: one set
	var memory [][]ref // each phonebook memory: a set of its own
	for i, c := range done {
		var refs []ref
		for j, r := range c.recs {
			if r.Kind == formats.KindContact {
				refs = append(refs, ref{i, j})
			}
		}
		switch {
		case len(refs) == 0:
		case c.memory:
			memory = append(memory, refs)
		default:
			book = append(book, refs...)
		}
	}
	if len(memory) == 0 || len(book)+len(memory) < 2 {
		return
	}
	order := book // the records in the order Merge sees them
	sets := [][]formats.Record{}
	for _, refs := range append([][]ref{book}, memory...) {
		var set []formats.Record
		for _, r := range refs {
			set = append(set, done[r.item].recs[r.rec])
		}
		sets = append(sets, set)
	}
	for _, refs := range memory {
		order = append(order, refs...)
	}
	merged, err := vcard.Merge(formats.Options{VCardVersion: e.opt.VCardVersion, ProdID: e.prodID()}, sets...)
	if err != nil {
		e.sum.Warnings = append(e.sum.Warnings, "contacts in several memories were not merged: "+err.Error())
		return
	}
	// Merge keeps the order of first appearance: walking the records in the
	// order it saw them, a record whose UID is the next merged card's heads
	// that card; any other was absorbed into an earlier one. Matching by
	// order, not by a UID map, keeps two distinct cards that share a UID
	// apart.
	replace := map[ref]formats.Record{}
	absorbed := map[ref]bool{}
	j := 0
	for _, r := range order {
		rec := done[r.item].recs[r.rec]
		if j < len(merged) && merged[j].UID == rec.UID {
			replace[r] = merged[j]
			j++
		} else {
			absorbed[r] = true
		}
	}
	if j != len(merged) {
		e.sum.Warnings = append(e.sum.Warnings, "contacts in several memories were not merged: the merge result did not line up with its input")
		return
	}
	for i := range done {
		c := &done[i]
		kept := c.recs[:0:0]
		for j, rec := range c.recs {
			r := ref{i, j}
			switch {
			case absorbed[r]:
				e.warn(c.it, fmt.Sprintf("%s: the same name and number are in another memory; merged into that card", rec.Name))
			case rec.Kind == formats.KindContact:
				kept = append(kept, replace[r])
			default:
				kept = append(kept, rec)
			}
		}
		c.recs = kept
	}
}

// writeCombined writes the all-in-one files every phone and program imports.
func (e *exporter) writeCombined(byKind map[string][]formats.Record) ([]*staged, error) {
	var batch []*staged
	for _, kind := range []string{formats.KindContact, formats.KindEvent, formats.KindTodo, formats.KindNote} {
		recs := byKind[kind]
		if len(recs) == 0 {
			continue
		}
		place := outputPlace[kind]
		var buf bytes.Buffer
		var err error
		switch kind {
		case formats.KindContact:
			for _, r := range recs {
				buf.Write(r.Data)
			}
		case formats.KindEvent, formats.KindTodo:
			err = ical.Combine(&buf, recs, e.prodID())
		case formats.KindNote:
			err = vnote.Journal(&buf, recs, e.prodID())
		}
		if err != nil {
			return batch, fmt.Errorf("recovery: write %s: %w", place.combined, err)
		}
		e.report(Event{Stage: StageWrite, Kind: place.kind, Item: place.combined})
		st, sum, err := e.a.stageBytes(place.combined, buf.Bytes())
		if err != nil {
			return batch, err
		}
		if st != nil {
			batch = append(batch, st)
		}
		e.combined = append(e.combined, Output{Path: place.combined, SHA256: sum, Size: int64(buf.Len()), Kind: place.kind})
	}
	return batch, nil
}

func (e *exporter) keepRaw(it *ManItem, record int, reason string) {
	if it.Status != StatusPartial {
		it.Status = StatusKeptRaw
	}
	it.Errors = append(it.Errors, ItemError{Record: record, Error: reason})
	if record >= 0 {
		reason = fmt.Sprintf("record %d: %s", record, reason)
	}
	e.sum.KeptRaw = append(e.sum.KeptRaw, ItemReport{Kind: it.Kind, ID: it.ID, Name: it.Name, Raw: it.Raw, Reason: reason})
	e.report(Event{Stage: StageConvert, Kind: it.Kind, Item: it.Name,
		Warning: fmt.Sprintf("%s kept raw (%s): %s", it.Name, it.Raw, reason)})
}

func (e *exporter) warn(it *ManItem, w string) {
	it.Warnings = append(it.Warnings, w)
	e.sum.Warnings = append(e.sum.Warnings, it.Name+": "+w)
}

// photoTime reads a photo's EXIF capture time, for handsets that give no
// modification time.
func photoTime(a *archive, rel string) (time.Time, bool) {
	f, err := a.root.Open(rel)
	if err != nil {
		return time.Time{}, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return time.Time{}, false
	}
	return photo.CaptureTime(f, st.Size())
}
