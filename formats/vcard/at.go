package vcard

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	govcard "github.com/emersion/go-vcard"

	"github.com/sk-rescue/sk-rescue/formats"
	"github.com/sk-rescue/sk-rescue/formats/internal/versit"
)

// Properties ConvertAT adds.
const (
	// PropATIndex is the entry's memory and slot: "SM:17".
	PropATIndex = "X-SK-RESCUE-AT-INDEX"
	// PropATExtra keeps fields after the name (dates, times, flags) as read.
	PropATExtra = "X-SK-RESCUE-AT-EXTRA"
	// PropATRawNumber keeps, in hex, a number that is not a phone number.
	PropATRawNumber = "X-SK-RESCUE-AT-RAW-NUMBER"
)

// ErrNoEntries is returned when an AT reply holds no phonebook line.
var ErrNoEntries = errors.New("vcard: no +CPBR or +SPBR entries in AT reply")

// atField is one comma-separated field of an AT reply line.
type atField struct {
	val    string
	quoted bool
}

// ConvertAT reads an AT phonebook reply — +CPBR lines (3GPP TS 27.007) or
// Samsung +SPBR lines — read from the given memory ("SM", "ME", …) with
// the given AT+CSCS charset ("UCS2", "HEX", "GSM", "PCCP437", "UTF-8",
// "IRA", "8859-1", …). Each used slot becomes one vCard with FN and N from
// the entry's text, TEL (type 145 adds the "+"), X-SK-RESCUE-SOURCE (the
// memory) and X-SK-RESCUE-AT-INDEX; its UID is derived from
// Options.UIDSeed, the memory and the slot. Echoed commands, OK and error
// lines are skipped.
func ConvertAT(raw []byte, charset, memory string, opt formats.Options) (formats.Result, error) {
	var res formats.Result
	ver, err := version(opt)
	if err != nil {
		return res, err
	}
	memory = strings.ToUpper(strings.TrimSpace(memory))
	if _, known := versit.Charset(charset); !known && !isATCharset(charset) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("charset %q unknown; text read as UTF-8 or windows-1252", charset))
	}
	entries := atLines(raw)
	if len(entries) == 0 {
		return res, ErrNoEntries
	}
	for i, e := range entries {
		b := &builder{v4: ver == "4.0", card: govcard.Card{}}
		var slot string
		var ok bool
		if e.cmd == "+SPBR" {
			slot, ok = b.spbr(e.fields, charset)
		} else {
			slot, ok = b.cpbr(e.fields, charset)
		}
		if !ok {
			res.Failures = append(res.Failures, formats.Failure{Index: i, Raw: e.raw, Err: fmt.Errorf("vcard: %s line %d not understood", e.cmd, i)})
			continue
		}
		if len(b.card) == 0 {
			continue // empty slot
		}
		if memory != "" {
			b.card.Add(PropSource, &govcard.Field{Value: memory, Params: govcard.Params{}})
		}
		b.card.Add(PropATIndex, &govcard.Field{Value: memory + ":" + slot, Params: govcard.Params{}})
		uid := versit.UUID(opt.UIDSeed, memory, slot)
		rec, err := b.finish(uid, "", opt, ver)
		if err != nil {
			res.Failures = append(res.Failures, formats.Failure{Index: i, Raw: e.raw, Err: err})
			continue
		}
		res.Records = append(res.Records, rec)
	}
	return res, nil
}

func isATCharset(cs string) bool {
	switch strings.ToUpper(strings.TrimSpace(cs)) {
	case "UCS2", "HEX", "GSM":
		return true
	}
	return false
}

type atEntry struct {
	cmd    string
	fields []atField
	raw    []byte
}

// atLines finds the +CPBR:/+SPBR: lines. A quoted field may hold line
// breaks (Samsung sends raw bytes there): a quote closes only where a comma
// or the line's end follows.
func atLines(raw []byte) []atEntry {
	var out []atEntry
	pos := 0
	for pos < len(raw) {
		// Start of a line.
		lineEnd := bytes.IndexAny(raw[pos:], "\r\n")
		start := pos
		s := bytes.TrimLeft(raw[pos:], " \t")
		off := len(raw[pos:]) - len(s)
		var cmd string
		for _, c := range []string{"+CPBR:", "+SPBR:"} {
			if len(s) >= len(c) && strings.EqualFold(string(s[:len(c)]), c) {
				cmd = strings.ToUpper(c[:len(c)-1])
			}
		}
		if cmd == "" {
			if lineEnd < 0 {
				break
			}
			pos += lineEnd + 1
			continue
		}
		i := pos + off + len(cmd) + 1
		var fields []atField
		for {
			for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t') {
				i++
			}
			if i < len(raw) && raw[i] == '"' {
				j := i + 1
				end := -1
				for k := j; k < len(raw); k++ {
					if raw[k] == '"' && (k+1 == len(raw) || raw[k+1] == ',' || raw[k+1] == '\r' || raw[k+1] == '\n') {
						end = k
						break
					}
				}
				if end < 0 {
					// Unterminated: up to the line's end.
					e := bytes.IndexAny(raw[j:], "\r\n")
					if e < 0 {
						e = len(raw) - j
					}
					fields = append(fields, atField{val: string(raw[j : j+e]), quoted: true})
					i = j + e
				} else {
					fields = append(fields, atField{val: string(raw[j:end]), quoted: true})
					i = end + 1
				}
			} else {
				j := i
				for j < len(raw) && raw[j] != ',' && raw[j] != '\r' && raw[j] != '\n' {
					j++
				}
				fields = append(fields, atField{val: strings.TrimSpace(string(raw[i:j]))})
				i = j
			}
			if i < len(raw) && raw[i] == ',' {
				i++
				continue
			}
			break
		}
		out = append(out, atEntry{cmd: cmd, fields: fields, raw: raw[start:i]})
		pos = i
		for pos < len(raw) && raw[pos] != '\n' {
			pos++
		}
		pos++
	}
	return out
}

// cpbr reads index, number, type, text[, extras].
func (b *builder) cpbr(f []atField, cs string) (slot string, ok bool) {
	if len(f) < 2 {
		return "", false
	}
	if _, err := strconv.Atoi(f[0].val); err != nil {
		return "", false
	}
	slot = f[0].val
	ni := 1
	for i := 1; i+1 < len(f); i++ {
		if n, err := strconv.Atoi(f[i+1].val); err == nil && !f[i+1].quoted && n >= 128 && n <= 255 {
			ni = i
			break
		}
	}
	get := func(i int) atField {
		if i < len(f) {
			return f[i]
		}
		return atField{}
	}
	num, typ, text := get(ni), get(ni+1), get(ni+2)
	name := atText(text.val, cs, &b.warns)
	b.number(num.val, typ.val, cs, "")
	if name != "" {
		b.card.Add(govcard.FieldFormattedName, &govcard.Field{Value: versit.Escape(name), Params: govcard.Params{}})
		b.card.Add(govcard.FieldName, &govcard.Field{Value: versit.Escape(name) + ";;;;", Params: govcard.Params{}})
	}
	var extras []string
	for i := ni + 3; i < len(f); i++ {
		if f[i].val != "" {
			extras = append(extras, f[i].val)
		}
	}
	if len(b.card) > 0 && len(extras) > 0 {
		b.card.Add(PropATExtra, &govcard.Field{Value: versit.Escape(strings.Join(extras, ",")), Params: govcard.Params{}})
	}
	return slot, true
}

// spbr reads Samsung's index, mobile, home, work, fax, other, e-mail,
// "len,first", "len,last", [birthday year, month, day,] "len,note", ….
func (b *builder) spbr(f []atField, cs string) (slot string, ok bool) {
	if len(f) < 7 {
		return "", false
	}
	if _, err := strconv.Atoi(f[0].val); err != nil {
		return "", false
	}
	slot = f[0].val
	for i, typ := range []string{"CELL", "HOME", "WORK", "FAX", ""} {
		b.number(f[1+i].val, "", cs, typ)
	}
	if e := strings.TrimSpace(atText(f[6].val, cs, &b.warns)); e != "" {
		b.card.Add(govcard.FieldEmail, &govcard.Field{Value: e, Params: govcard.Params{}})
	}
	var texts []string
	var nums []int
	for _, x := range f[7:] {
		if x.quoted {
			_, t, _ := strings.Cut(x.val, ",")
			texts = append(texts, atText(t, cs, &b.warns))
		} else if n, err := strconv.Atoi(x.val); err == nil {
			nums = append(nums, n)
		}
	}
	first, last, note := "", "", ""
	if len(texts) > 0 {
		first = texts[0]
	}
	if len(texts) > 1 {
		last = texts[1]
	}
	if len(texts) > 2 {
		note = texts[2]
	}
	if first != "" || last != "" {
		b.card.Add(govcard.FieldName, &govcard.Field{Value: versit.Escape(last) + ";" + versit.Escape(first) + ";;;", Params: govcard.Params{}})
	}
	if note != "" {
		b.card.Add(govcard.FieldNote, &govcard.Field{Value: versit.Escape(note), Params: govcard.Params{}})
	}
	if len(nums) >= 3 && !(nums[0] == 1900 && nums[1] == 1 && nums[2] == 1) && nums[0] > 1800 && nums[1] >= 1 && nums[1] <= 12 && nums[2] >= 1 && nums[2] <= 31 {
		b.card.Add(govcard.FieldBirthday, &govcard.Field{Value: b.date(fmt.Sprintf("%04d%02d%02d", nums[0], nums[1], nums[2])), Params: govcard.Params{}})
	}
	return slot, true
}

func dialable(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789+*#pPwW,;.()- ", r) {
			return false
		}
	}
	return true
}

// number adds a TEL from an AT number field.
func (b *builder) number(v, typ, cs, telType string) {
	if v == "" {
		return
	}
	num := v
	if strings.EqualFold(cs, "UCS2") && !dialable(num) {
		if d, ok := ucs2(num); ok && dialable(d) {
			num = d
		}
	}
	num = strings.TrimSpace(num)
	if !dialable(num) {
		b.card.Add(PropATRawNumber, &govcard.Field{Value: hex.EncodeToString([]byte(v)), Params: govcard.Params{}})
		b.warn("number field %q is not a phone number; kept in hex as %s", strings.ToValidUTF8(v, "?"), PropATRawNumber)
		return
	}
	if typ == "145" && !strings.HasPrefix(num, "+") {
		num = "+" + num
	}
	f := &govcard.Field{Value: num, Params: govcard.Params{}}
	if telType != "" {
		t := telType
		if b.v4 {
			t = strings.ToLower(t)
		}
		f.Params["TYPE"] = []string{t}
	}
	b.card.Add(govcard.FieldTelephone, f)
}

func isHex(s string) bool {
	if s == "" || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if _, ok := unhexDigit(s[i]); !ok {
			return false
		}
	}
	return true
}

func unhexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// ucs2 decodes hex UTF-16BE.
func ucs2(s string) (string, bool) {
	if len(s)%4 != 0 || !isHex(s) {
		return "", false
	}
	b, _ := hex.DecodeString(s)
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return strings.TrimRight(string(utf16.Decode(u)), "\x00"), true
}

// printableWithNUL reports whether b is printable ASCII followed by one or
// more NULs: Motorola's HEX answer while UCS2 is selected.
func printableWithNUL(b []byte) bool {
	t := bytes.TrimRight(b, "\x00")
	if len(t) == len(b) || len(t) == 0 {
		return false
	}
	for _, c := range t {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// atText decodes an entry's text in the AT charset, with gammu's
// heuristics for phones that answer in another one.
func atText(v, cs string, warns *[]string) string {
	if v == "" {
		return ""
	}
	switch strings.ToUpper(strings.TrimSpace(cs)) {
	case "UCS2":
		if isHex(v) {
			b, _ := hex.DecodeString(v)
			if printableWithNUL(b) {
				*warns = append(*warns, fmt.Sprintf("text %q is 8-bit hex although UCS2 was selected (Motorola); read as such", v))
				return string(bytes.TrimRight(b, "\x00"))
			}
			if s, ok := ucs2(v); ok {
				return s
			}
		}
		// Unencoded text in UCS2 mode.
		s, _ := versit.DecodeCharset([]byte(v), "")
		return s
	case "HEX":
		if len(v)%4 == 0 && strings.HasPrefix(v, "00") {
			if s, ok := ucs2(v); ok {
				*warns = append(*warns, fmt.Sprintf("text %q is UCS2 although HEX was selected; read as UCS2", v))
				return s
			}
		}
		if isHex(v) {
			b, _ := hex.DecodeString(v)
			return gsmDecode(bytes.TrimRight(b, "\x00"))
		}
		return gsmDecode([]byte(v))
	case "GSM":
		return gsmDecode([]byte(v))
	}
	s, w := versit.DecodeCharset([]byte(v), cs)
	if w != "" {
		*warns = append(*warns, w)
	}
	return s
}

// GSM 03.38 default alphabet, one septet per byte.
var gsmBasic = []rune("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")

var gsmExt = map[byte]rune{0x0A: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2F: '\\', 0x3C: '[', 0x3D: '~', 0x3E: ']', 0x40: '|', 0x65: '€'}

func gsmDecode(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == 0x1b && i+1 < len(b) {
			if r, ok := gsmExt[b[i+1]]; ok {
				sb.WriteRune(r)
				i++
				continue
			}
		}
		if int(c) < len(gsmBasic) {
			sb.WriteRune(gsmBasic[c])
		} else {
			sb.WriteRune(utf8.RuneError)
		}
	}
	return sb.String()
}
