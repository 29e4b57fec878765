package recovery

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sk-rescue/sk-rescue/device"
)

// ManifestName is the manifest's file name in the output folder.
const ManifestName = "manifest.json"

// ManifestFormat names the manifest schema; readers refuse other values.
const ManifestFormat = "sk-rescue-manifest/1"

// Item statuses in the manifest.
const (
	StatusOK      = "ok"       // fetched and every record converted
	StatusKeptRaw = "kept_raw" // fetched; some or all records could not be converted and are kept raw only
	StatusFailed  = "failed"   // could not be read from the handset
	// StatusPartial: the handset stopped partway through this object (a
	// phonebook whose later slots it refuses, a phone that stops
	// answering). What came is kept and converted; Errors says what is
	// missing, and the next run of the same export reads it again.
	StatusPartial = "partial"
)

// Manifest is manifest.json: what was rescued, from which handset, with a
// SHA-256 for every file, so verify can prove nothing changed since.
type Manifest struct {
	Format  string      `json:"format"`
	Tool    Tool        `json:"tool"`
	Device  device.Info `json:"device"`
	Options ManOptions  `json:"options"`
	// Counts are records per kind (contacts, not contact files).
	Counts map[device.Kind]int `json:"counts"`
	// Bytes is the raw bytes fetched from the handset.
	Bytes int64     `json:"bytes"`
	Items []ManItem `json:"items"`
	// Combined are the all-in-one files: contacts.vcf, calendar.ics, ….
	Combined []Output `json:"combined"`
}

// Tool names the program that wrote the manifest.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// ManOptions are the export options that shape the output bytes.
type ManOptions struct {
	VCardVersion string        `json:"vcard_version"`
	Kinds        []device.Kind `json:"kinds"`
}

// ManItem is one raw object from the handset and what it became.
type ManItem struct {
	device.Item
	Status string `json:"status"`
	// Raw is the archived raw bytes' path, slash separated, relative to the
	// output folder. For photos and files the raw copy is the output itself
	// (photos/…): they are not converted, so storing them twice would only
	// double the disk used.
	Raw    string `json:"raw,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	// RawSize is the number of bytes archived.
	RawSize  int64       `json:"raw_size"`
	Outputs  []Output    `json:"outputs,omitempty"`
	Warnings []string    `json:"warnings,omitempty"`
	Errors   []ItemError `json:"errors,omitempty"`
}

// Output is one file written from an item.
type Output struct {
	Path   string      `json:"path"`
	SHA256 string      `json:"sha256"`
	Size   int64       `json:"size"`
	Kind   device.Kind `json:"kind,omitempty"`
	UID    string      `json:"uid,omitempty"`
	Name   string      `json:"name,omitempty"`
}

// ItemError is a record that could not be converted, or a fetch that failed.
type ItemError struct {
	// Record is the record's index in the raw object, or -1 for the whole
	// object.
	Record int    `json:"record"`
	Error  string `json:"error"`
}

// ReadManifest reads dir/manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("recovery: read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("recovery: %s is not a valid manifest: %w", filepath.Join(dir, ManifestName), err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("recovery: %s has format %q, want %q", filepath.Join(dir, ManifestName), m.Format, ManifestFormat)
	}
	return &m, nil
}
