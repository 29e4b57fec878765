// Package formats holds what the format converters share: a Record (one
// contact, event, to-do or note in its normalized, standard form) and the
// Result of converting one raw object from a handset.
//
// The converters live in sub-packages, one per family: formats/vcard (vCard
// 2.1, 3.0, 4.0 and AT phonebook entries → RFC 2426 / RFC 6350),
// formats/ical (vCalendar 1.0 and iCalendar → RFC 5545), formats/vnote,
// formats/photo (EXIF). They import no other package of sk-rescue's; recovery
// picks the converter by the raw object's media type.
//
// Every converter is a pure function of its input: the same raw bytes and
// Options give the same output bytes, with no wall-clock time in them. That is
// what lets an interrupted export resume and end byte-identical to an
// uninterrupted one.
package formats

import "time"

// Record kinds, matching device.Kind's values (formats does not import
// device).
const (
	KindContact = "contact"
	KindEvent   = "event"
	KindTodo    = "todo"
	KindNote    = "note"
)

// Options steer a conversion.
type Options struct {
	// VCardVersion is the vCard version written: "3.0" (default) or "4.0".
	VCardVersion string
	// UIDSeed makes UIDs for records that have none: a UID is derived from
	// the seed and the record's position, so it is stable across runs. The
	// recovery pipeline passes "<handset serial>/<item id>".
	UIDSeed string
	// Modified is the raw object's modification time on the handset, used
	// for REV / DTSTAMP when the record carries none; zero when unknown.
	Modified time.Time
	// ProdID is written as PRODID ("-//sk-rescue//sk-rescue 0.1//EN").
	ProdID string
}

// Record is one converted record.
type Record struct {
	// Kind is KindContact, KindEvent, KindTodo or KindNote.
	Kind string
	// UID is the record's UID, from the source or derived from
	// Options.UIDSeed.
	UID string
	// Name is a short human label: FN for a contact, SUMMARY for an event.
	Name string
	// Data is the normalized record as a complete file: one vCard, or one
	// VCALENDAR holding one component (with any VTIMEZONE it needs), or the
	// text of a note.
	Data []byte
	// Calendar, for a note read from an iCalendar VJOURNAL, is that
	// journal as a complete VCALENDAR with every field kept (DTSTART,
	// CATEGORIES, SUMMARY, …); writers of notes.ics use it instead of
	// making a VJOURNAL from the text. Nil for every other record.
	Calendar []byte
	// Warnings say what could not be converted exactly and how it was kept
	// (an X- property holding the original, say). A record with warnings
	// is still converted.
	Warnings []string
}

// Failure is a record inside a raw object that could not be converted. The
// raw object is archived whole regardless; Failure says which part failed
// and why.
type Failure struct {
	// Index is the record's position in the raw object, from 0.
	Index int
	// Raw is the record's source text, when it could be split out.
	Raw []byte
	// Err says why.
	Err error
}

// Result is what converting one raw object gives.
type Result struct {
	Records  []Record
	Failures []Failure
	// Warnings concern the object as a whole (an unknown charset, say).
	Warnings []string
}
