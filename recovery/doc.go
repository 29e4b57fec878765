// Package recovery is sk-rescue's core: it exports everything a
// device.Handset holds into an output folder (the Archive), resumes an
// interrupted export, and verifies a finished one against its manifest.
//
// The output folder (see docs/ARCHIVE.md):
//
//	manifest.json   device info, tool version, every item with raw and output sha256
//	raw/            bytes exactly as the handset sent them
//	contacts/       one vCard per contact, named by UID (a vdir), and contacts.vcf
//	calendar/       one iCalendar per event, and calendar.ics
//	todos/          one iCalendar per to-do, and todos.ics
//	notes/          one text file per note, and notes.ics (VJOURNAL)
//	photos/         the handset's folder tree, original names and times
//
// Every file is written to a temporary name in its folder, synced and
// renamed; manifest.json is written last. Conversion is a pure function of
// the raw bytes, so a rerun that finds an item's raw bytes already archived
// does not fetch it again and still writes identical outputs.
package recovery
