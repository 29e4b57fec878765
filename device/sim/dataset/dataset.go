// Package dataset holds what a simulated handset stores: its files, exactly
// as bytes, and the Truth they were generated from, so tests can check an
// export against the source data rather than against itself.
package dataset

import "time"

// MTP object format codes the simulators use (MTP 1.1 §3.6; libmtp ptp.h).
const (
	FormatUndefined   uint16 = 0x3000
	FormatAssociation uint16 = 0x3001
	FormatText        uint16 = 0x3004
	FormatEXIFJPEG    uint16 = 0x3801
	FormatVCard2      uint16 = 0xBB82
	FormatVCard3      uint16 = 0xBB83
	FormatVCal1       uint16 = 0xBE02
	FormatICal        uint16 = 0xBE03
)

// File is one object on a simulated handset.
type File struct {
	// Path is absolute and slash separated: "/Contacts/0001.vcf". Its
	// folders are created implicitly.
	Path string
	// Format is the MTP object format code the handset reports for it.
	Format uint16
	// Data is the file's bytes exactly as the handset sends them.
	Data []byte
	// Modified is the handset's modification time (UTC, whole seconds).
	Modified time.Time
}

// Phone is one simulated handset's identity and contents.
type Phone struct {
	Maker, Model, Serial, Firmware string
	// Battery is the charge in percent.
	Battery int
	Files   []File
	Truth   Truth
}

// Truth is the structured data the files were generated from.
type Truth struct {
	Contacts []Contact
	Events   []Event
	Todos    []Todo
	Notes    []Note
	Photos   []Photo
}

// Contact is a source contact.
type Contact struct {
	// File is the path of the file holding it.
	File       string
	UID        string // empty when the source card has none
	FullName   string // FN as a person reads it
	Given      string
	Family     string
	Phones     []string // as written in the card
	Emails     []string
	Addresses  []Address
	Birthday   string // YYYY-MM-DD, or ""
	Note       string // decoded; line breaks as "\n"
	PhotoJPEG  []byte // inline photo, or nil
	Categories []string
	// Org is the organisation (ORG), or "".
	Org string
}

// Address is a postal address.
type Address struct {
	Type                                    string // "HOME", "WORK"
	Street, City, Region, Postcode, Country string
}

// Event is a source calendar event.
type Event struct {
	File    string
	UID     string
	Summary string
	// Start and End are the event's bounds. For all-day events they are
	// dates at 00:00 UTC and AllDay is set.
	Start, End time.Time
	AllDay     bool
	Location   string
	// RRule is the vCalendar 1.0 rule as written ("W1 MO WE #10"), or "".
	RRule string
	// Occurrences are the start times the rule means, computed
	// independently of any converter, up to a horizon: every occurrence for
	// a rule with a count or end date, the first 20 for one that repeats
	// forever.
	Occurrences []time.Time
	// AlarmBefore is how long before Start the alarm rings; 0 for none.
	AlarmBefore time.Duration
	// Description is the event's DESCRIPTION decoded, line breaks as "\n".
	Description string
	// Floating is set when the file writes times without "Z" (local wall
	// clock, no zone); Start, End and Occurrences then hold that wall-clock
	// time in UTC.
	Floating bool
}

// Todo is a source to-do.
type Todo struct {
	File      string
	UID       string
	Summary   string
	Due       time.Time // zero when none
	Priority  int       // 1 high … 3 low, 0 none
	Completed bool
	// CompletedAt is the completion time when Completed.
	CompletedAt time.Time
	// Floating is set when DUE is written without "Z"; Due then holds that
	// wall-clock time in UTC.
	Floating bool
}

// Note is a source note (vNote).
type Note struct {
	File string
	Body string
}

// Photo is a source photo.
type Photo struct {
	File     string
	Captured time.Time // EXIF DateTimeOriginal, local time written as UTC
	Size     int
}
