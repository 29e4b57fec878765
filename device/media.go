package device

import (
	"path"
	"strings"
)

// Media types of the raw objects drivers label (Item.Format). recovery
// picks a converter by them, so every driver uses this one vocabulary.
const (
	FormatVCard       = "text/x-vcard"
	FormatVCalendar   = "text/x-vcalendar"
	FormatICalendar   = "text/calendar"
	FormatVNote       = "text/x-vnote"
	FormatATPhonebook = "text/x-at-phonebook"
	FormatOctets      = "application/octet-stream"
)

// extensions maps a lower-case extension to its kind and media type.
var extensions = map[string]struct {
	kind   Kind
	format string
}{
	"vcf":   {KindContact, FormatVCard},
	"vcard": {KindContact, FormatVCard},
	// A vCalendar object may hold VTODOs too; formats splits it, so the
	// kind is a hint.
	"vcs":  {KindEvent, FormatVCalendar},
	"ics":  {KindEvent, FormatICalendar},
	"ical": {KindEvent, FormatICalendar},
	"ifb":  {KindEvent, FormatICalendar},
	"vnt":  {KindNote, FormatVNote},

	"jpg":  {KindPhoto, "image/jpeg"},
	"jpeg": {KindPhoto, "image/jpeg"},
	"jpe":  {KindPhoto, "image/jpeg"},
	"jfif": {KindPhoto, "image/jpeg"},
	"png":  {KindPhoto, "image/png"},
	"heic": {KindPhoto, "image/heif"},
	"heif": {KindPhoto, "image/heif"},
	"gif":  {KindPhoto, "image/gif"},
	"bmp":  {KindPhoto, "image/bmp"},
	"wbmp": {KindPhoto, "image/vnd.wap.wbmp"},
	"tif":  {KindPhoto, "image/tiff"},
	"tiff": {KindPhoto, "image/tiff"},
	"dng":  {KindPhoto, "image/x-adobe-dng"},
	"webp": {KindPhoto, "image/webp"},

	// Videos shot by the phone live beside its photos (DCIM) and are
	// rescued with them.
	"mp4":  {KindPhoto, "video/mp4"},
	"m4v":  {KindPhoto, "video/x-m4v"},
	"3gp":  {KindPhoto, "video/3gpp"},
	"3g2":  {KindPhoto, "video/3gpp2"},
	"mov":  {KindPhoto, "video/quicktime"},
	"avi":  {KindPhoto, "video/x-msvideo"},
	"mkv":  {KindPhoto, "video/x-matroska"},
	"webm": {KindPhoto, "video/webm"},
}

// ByExtension decides an object's kind and media type from its name alone
// (".vcf" is a contact, ".JPG" a photo). ok is false for names it does not
// know; the driver then asks its protocol (an MTP format code, a sniff of
// the first bytes) or calls the object a file.
func ByExtension(name string) (kind Kind, format string, ok bool) {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	if e, found := extensions[ext]; found {
		return e.kind, e.format, true
	}
	return "", "", false
}
