package dir

import (
	"bytes"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/sk-rescue/sk-rescue/device"
)

// Media types of the objects a folder holds. The vocabulary is device/mtp's,
// so recovery picks the same converter whichever driver listed a file.
const (
	formatVCard       = "text/x-vcard"
	formatVCalendar   = "text/x-vcalendar"
	formatICalendar   = "text/calendar"
	formatVNote       = "text/x-vnote"
	formatATPhonebook = "text/x-at-phonebook"
	formatOctets      = "application/octet-stream"
)

// extensions maps a lower-case extension to its kind and media type.
var extensions = map[string]struct {
	kind   device.Kind
	format string
}{
	"vcf":   {device.KindContact, formatVCard},
	"vcard": {device.KindContact, formatVCard},
	// A vCalendar object may hold VTODOs too; formats splits it, so the
	// kind is a hint.
	"vcs":  {device.KindEvent, formatVCalendar},
	"ics":  {device.KindEvent, formatICalendar},
	"ical": {device.KindEvent, formatICalendar},
	"ifb":  {device.KindEvent, formatICalendar},
	"vnt":  {device.KindNote, formatVNote},

	"jpg":  {device.KindPhoto, "image/jpeg"},
	"jpeg": {device.KindPhoto, "image/jpeg"},
	"jpe":  {device.KindPhoto, "image/jpeg"},
	"jfif": {device.KindPhoto, "image/jpeg"},
	"png":  {device.KindPhoto, "image/png"},
	"heic": {device.KindPhoto, "image/heif"},
	"heif": {device.KindPhoto, "image/heif"},
	"gif":  {device.KindPhoto, "image/gif"},
	"bmp":  {device.KindPhoto, "image/bmp"},
	"tif":  {device.KindPhoto, "image/tiff"},
	"tiff": {device.KindPhoto, "image/tiff"},
	"dng":  {device.KindPhoto, "image/x-adobe-dng"},
	"webp": {device.KindPhoto, "image/webp"},

	// Videos shot by the phone live beside its photos (DCIM) and are
	// rescued with them.
	"mp4":  {device.KindPhoto, "video/mp4"},
	"m4v":  {device.KindPhoto, "video/x-m4v"},
	"3gp":  {device.KindPhoto, "video/3gpp"},
	"3g2":  {device.KindPhoto, "video/3gpp2"},
	"mov":  {device.KindPhoto, "video/quicktime"},
	"avi":  {device.KindPhoto, "video/x-msvideo"},
	"mkv":  {device.KindPhoto, "video/x-matroska"},
	"webm": {device.KindPhoto, "video/webm"},
}

// byExtension decides a file's kind and media type from its name alone.
func byExtension(name string) (device.Kind, string, bool) {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	if e, ok := extensions[ext]; ok {
		return e.kind, e.format, true
	}
	return "", "", false
}

// Classify returns the kind and media type of a file from its name's
// extension, else from head, its first bytes (up to 512 are looked at):
//
//   - an AT phonebook read as Gammu dumps it — a command line AT+CPBR or
//     AT+SPBR, possibly after AT+CPBS (memory), AT+CSCS and their replies —
//     is a contact, "text/x-at-phonebook" with memory=… when AT+CPBS named
//     it; the charset is left out so the converter detects it;
//   - BEGIN:VCARD, BEGIN:VCALENDAR, BEGIN:VNOTE are a contact, an event, a
//     note;
//   - an image or video http.DetectContentType recognises is a photo;
//   - anything else (Gammu's .backup files among them) is a file,
//     "application/octet-stream", archived raw and not converted.
func Classify(name string, head []byte) (device.Kind, string) {
	if kind, format, ok := byExtension(name); ok {
		return kind, format
	}
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	if format, ok := atPhonebook(head); ok {
		return device.KindContact, format
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case hasPrefixFold(text, "BEGIN:VCARD"):
		return device.KindContact, formatVCard
	case hasPrefixFold(text, "BEGIN:VCALENDAR"):
		if bytes.Contains(bytes.ToUpper(text), []byte("VERSION:2.0")) {
			return device.KindEvent, formatICalendar
		}
		return device.KindEvent, formatVCalendar
	case hasPrefixFold(text, "BEGIN:VNOTE"):
		return device.KindNote, formatVNote
	}
	if len(head) > 0 {
		mt := http.DetectContentType(head)
		if (strings.HasPrefix(mt, "image/") && mt != "image/x-icon") || strings.HasPrefix(mt, "video/") {
			return device.KindPhoto, mt
		}
	}
	return device.KindFile, formatOctets
}

// atPhonebook recognises a dump of an AT phonebook read: command lines,
// their replies and OK, then AT+CPBR=… or AT+SPBR=….
func atPhonebook(head []byte) (string, bool) {
	memory := ""
	lines := strings.Split(string(head), "\n")
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if i == len(lines)-1 && len(head) == sniffLen {
			// A line cut by the sniff window is not judged.
			return "", false
		}
		up := strings.ToUpper(line)
		switch {
		case line == "", up == "OK":
		case strings.HasPrefix(up, "AT+CPBR") || strings.HasPrefix(up, "AT+SPBR"):
			if memory == "" {
				return formatATPhonebook, true
			}
			return mime.FormatMediaType(formatATPhonebook, map[string]string{"memory": memory}), true
		case strings.HasPrefix(up, "AT+CPBS="):
			memory = memoryName(line[len("AT+CPBS="):])
		case strings.HasPrefix(up, "+CPBS:"):
			if memory == "" {
				first, _, _ := strings.Cut(line[len("+CPBS:"):], ",")
				memory = memoryName(first)
			}
		case strings.HasPrefix(up, "AT"), strings.HasPrefix(up, "+CSCS:"):
			// ATE0, AT+CSCS="UCS2", AT+CPBS?, and their replies.
		default:
			return "", false
		}
	}
	return "", false
}

// memoryName reads a phonebook memory ("SM", "ME", "ON", …) from the
// argument of AT+CPBS=; "" when it is not a plausible name.
func memoryName(arg string) string {
	arg = strings.ToUpper(strings.Trim(strings.TrimSpace(arg), `"`))
	if arg == "" || len(arg) > 8 {
		return ""
	}
	for _, c := range arg {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return ""
		}
	}
	return arg
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}
