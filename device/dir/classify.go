package dir

import (
	"bytes"
	"mime"
	"net/http"
	"strings"

	"github.com/sk-rescue/sk-rescue/device"
)

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
	if kind, format, ok := device.ByExtension(name); ok {
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
		return device.KindContact, device.FormatVCard
	case hasPrefixFold(text, "BEGIN:VCALENDAR"):
		if bytes.Contains(bytes.ToUpper(text), []byte("VERSION:2.0")) {
			return device.KindEvent, device.FormatICalendar
		}
		return device.KindEvent, device.FormatVCalendar
	case hasPrefixFold(text, "BEGIN:VNOTE"):
		return device.KindNote, device.FormatVNote
	}
	if len(head) > 0 {
		mt := http.DetectContentType(head)
		if (strings.HasPrefix(mt, "image/") && mt != "image/x-icon") || strings.HasPrefix(mt, "video/") {
			return device.KindPhoto, mt
		}
	}
	return device.KindFile, device.FormatOctets
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
				return device.FormatATPhonebook, true
			}
			return mime.FormatMediaType(device.FormatATPhonebook, map[string]string{"memory": memory}), true
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
