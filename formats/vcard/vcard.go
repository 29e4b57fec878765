// Package vcard converts the contacts handsets hold — vCard 2.1 (versit),
// vCard 3.0 (RFC 2426), vCard 4.0 (RFC 6350) and AT phonebook replies
// (3GPP TS 27.007 +CPBR, Samsung +SPBR) — into normalized vCards: 3.0 by
// default or 4.0, UTF-8, with FN, N, UID and PRODID always present.
//
// The cards are built as go-vcard Cards whose values are kept in their
// escaped wire form, and written by this package's own encoder, which
// escapes structured values correctly and folds long lines (go-vcard's
// encoder does neither). The rules are listed in docs/FORMATS.md.
package vcard

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	govcard "github.com/emersion/go-vcard"

	"github.com/sk-rescue/sk-rescue/formats"
	"github.com/sk-rescue/sk-rescue/formats/internal/versit"
)

// DefaultProdID is written when Options.ProdID is empty.
const DefaultProdID = "-//sk-rescue//sk-rescue//EN"

// Property names this package adds.
const (
	// PropSource names the phone memories a contact was found in ("SM",
	// "ME"), comma separated.
	PropSource = "X-SK-RESCUE-SOURCE"
	// PropOrigRev keeps a source REV that is not a timestamp.
	PropOrigRev = "X-SK-RESCUE-ORIGINAL-REV"
)

// ErrNoVCard is returned when the input holds no vCard at all.
var ErrNoVCard = errors.New("vcard: no vCard in input")

// Convert reads every vCard in raw (2.1, 3.0 or 4.0; one or many) and
// writes each as one normalized vCard. A card that cannot be read becomes a
// Failure and the others go on; the error is for input that holds no vCard
// at all.
func Convert(raw []byte, opt formats.Options) (formats.Result, error) {
	var res formats.Result
	if len(bytes.TrimSpace(raw)) == 0 {
		return res, fmt.Errorf("%w: empty", ErrNoVCard)
	}
	comps, warns, err := versit.Parse(raw)
	res.Warnings = append(res.Warnings, warns...)
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrNoVCard, err)
	}
	idx := 0
	for _, c := range comps {
		if c.Name != "VCARD" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("skipped a %s component", c.Name))
			continue
		}
		i := idx
		idx++
		rec, err := convertCard(c, i, opt)
		if err != nil {
			res.Failures = append(res.Failures, formats.Failure{Index: i, Raw: c.Raw, Err: err})
			continue
		}
		res.Records = append(res.Records, rec)
	}
	if idx == 0 {
		return res, ErrNoVCard
	}
	return res, nil
}

// version returns the output version.
func version(opt formats.Options) (string, error) {
	switch opt.VCardVersion {
	case "", "3.0", "3":
		return "3.0", nil
	case "4.0", "4":
		return "4.0", nil
	}
	return "", fmt.Errorf("vcard: cannot write version %q", opt.VCardVersion)
}

// builder collects one output card.
type builder struct {
	v4    bool
	card  govcard.Card
	warns []string
}

func (b *builder) add(name string, f *govcard.Field) { b.card[name] = append(b.card[name], f) }

func (b *builder) warn(format string, a ...any) { b.warns = append(b.warns, fmt.Sprintf(format, a...)) }

// Value kinds.
const (
	kText       = iota // escaped text
	kStructured        // ;-separated components, each text
	kList              // ,-separated text list
	kVerbatim          // URI, number, date: kept as read, no line breaks
	kBinary            // base64 or URI
	kUnknown           // unknown property: value as read
)

var kinds = map[string]int{
	"FN": kText, "NOTE": kText, "TITLE": kText, "ROLE": kText, "MAILER": kText,
	"LABEL": kText, "SORT-STRING": kText, "CLASS": kText, "NAME": kText,
	"N": kStructured, "ADR": kStructured, "ORG": kStructured, "GENDER": kStructured,
	"CATEGORIES": kList, "NICKNAME": kList,
	"TEL": kVerbatim, "EMAIL": kVerbatim, "URL": kVerbatim, "UID": kVerbatim,
	"BDAY": kVerbatim, "ANNIVERSARY": kVerbatim, "REV": kVerbatim, "GEO": kVerbatim,
	"TZ": kVerbatim, "IMPP": kVerbatim, "KIND": kVerbatim, "LANG": kVerbatim,
	"SOURCE": kVerbatim, "MEMBER": kVerbatim, "RELATED": kVerbatim, "FBURL": kVerbatim,
	"CALURI": kVerbatim, "CALADRURI": kVerbatim, "X-IRMC-LUID": kVerbatim,
	"PHOTO": kBinary, "LOGO": kBinary, "SOUND": kBinary, "KEY": kBinary,
}

// structured component counts.
var components = map[string]int{"N": 5, "ADR": 7}

func convertCard(c *versit.Component, index int, opt formats.Options) (formats.Record, error) {
	b, uid, rev, err := build(c, index, opt)
	if err != nil {
		return formats.Record{}, err
	}
	ver, _ := version(opt)
	return b.finish(index, uid, rev, opt, ver)
}

// build reads a source card into a builder, returning its UID and REV.
func build(c *versit.Component, index int, opt formats.Options) (b *builder, uid, rev string, err error) {
	if c.Err != nil {
		return nil, "", "", fmt.Errorf("vcard: card %d: %w", index, c.Err)
	}
	ver, err := version(opt)
	if err != nil {
		return nil, "", "", err
	}
	b = &builder{v4: ver == "4.0", card: govcard.Card{}}
	b.warns = append(b.warns, c.Warnings...)
	srcVersion := "2.1"
	if p := c.Get("VERSION"); p != nil {
		srcVersion = strings.TrimSpace(p.Value)
	}
	var (
		revSeen bool
		content int
	)
	for _, p := range c.Props {
		switch p.Name {
		case "VERSION", "PRODID":
			continue
		case "UID":
			if uid == "" {
				uid = versit.OneLine(versit.Unescape(p.Value))
			}
			continue
		case "REV":
			if !revSeen {
				rev, revSeen = strings.TrimSpace(p.Value), true
			}
			continue
		case "AGENT":
			b.warn("AGENT (an embedded contact) not converted; it stays in the raw file")
			continue
		}
		content++
		b.addProp(p, srcVersion)
	}
	if content == 0 {
		return nil, "", "", fmt.Errorf("vcard: card %d has no properties", index)
	}
	return b, uid, rev, nil
}

// params converts source parameters.
func (b *builder) params(p *versit.Prop) govcard.Params {
	out := govcard.Params{}
	var types []string
	seen := map[string]bool{}
	for _, pa := range p.Params {
		switch pa.Name {
		case "CHARSET", "ENCODING":
			continue
		case "TYPE":
			for _, t := range pa.Values {
				t = strings.TrimSpace(t)
				if t == "" {
					continue
				}
				u := strings.ToUpper(t)
				if b.v4 {
					if u == "PREF" {
						out["PREF"] = []string{"1"}
						continue
					}
					t = strings.ToLower(t)
				} else {
					t = u
				}
				if !seen[t] {
					seen[t] = true
					types = append(types, t)
				}
			}
			continue
		}
		if !validParam(pa.Name) {
			b.warn("parameter %q dropped", pa.Name)
			continue
		}
		var vals []string
		for _, v := range pa.Values {
			vals = append(vals, strings.ReplaceAll(v, `"`, ""))
		}
		out[pa.Name] = append(out[pa.Name], vals...)
	}
	if len(types) > 0 {
		out["TYPE"] = types
	}
	return out
}

func (b *builder) addProp(p *versit.Prop, srcVersion string) {
	if !validParam(p.Name) || (p.Group != "" && !validParam(p.Group)) {
		fixed := strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
				return r
			}
			return '-'
		}, strings.ToUpper(p.Name))
		if !strings.HasPrefix(fixed, "X-") {
			fixed = "X-" + fixed
		}
		b.warn("property name %q is not valid; written as %s", p.Name, fixed)
		q := *p
		q.Name, q.Group = fixed, ""
		p = &q
	}
	kind, known := kinds[p.Name]
	if !known {
		kind = kUnknown
	}
	f := &govcard.Field{Group: p.Group, Params: b.params(p)}
	val := versit.NormalizeNewlines(p.Value)
	switch kind {
	case kText:
		t := versit.Unescape(val)
		if p.Name == "FN" {
			t = strings.TrimSpace(t)
		}
		f.Value = versit.Escape(t)
	case kStructured:
		parts := versit.Split(val, ';')
		if n := components[p.Name]; n > 0 {
			for len(parts) < n {
				parts = append(parts, "")
			}
		}
		for i, s := range parts {
			parts[i] = versit.Escape(strings.TrimSpace(versit.Unescape(s)))
		}
		f.Value = strings.Join(parts, ";")
	case kList:
		var items []string
		for _, s := range versit.Split(val, ',') {
			s = strings.TrimSpace(versit.Unescape(s))
			if s != "" {
				items = append(items, versit.Escape(s))
			}
		}
		f.Value = strings.Join(items, ",")
	case kVerbatim:
		f.Value = strings.TrimSpace(strings.ReplaceAll(versit.Unescape(val), "\n", " "))
		switch p.Name {
		case "BDAY", "ANNIVERSARY":
			f.Value = b.date(f.Value)
		case "EMAIL", "TEL", "URL":
			if f.Value == "" {
				return // phones send empty EMAIL slots
			}
		}
	case kBinary:
		if !b.binary(p, f) {
			return
		}
	case kUnknown:
		if strings.TrimSpace(val) == "" {
			return
		}
		f.Value = strings.ReplaceAll(val, "\n", `\n`)
	}
	b.add(p.Name, f)
}

// date writes a birthday in the output version's form when it is a plain
// date; anything else stays as it was.
func (b *builder) date(v string) string {
	for _, layout := range []string{"20060102", "2006-01-02", "2006-01-02T15:04:05Z", "20060102T150405Z"} {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		if len(layout) > 10 && (t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0) {
			return v
		}
		if b.v4 {
			return t.Format("20060102")
		}
		return t.Format("2006-01-02")
	}
	return v
}

var mediaTypes = map[string]string{
	"JPEG": "image/jpeg", "JPG": "image/jpeg", "GIF": "image/gif", "PNG": "image/png",
	"BMP": "image/bmp", "TIFF": "image/tiff", "WAVE": "audio/wav", "WAV": "audio/wav",
	"PCM": "audio/basic", "MP3": "audio/mpeg", "X509": "application/pkix-cert", "PGP": "application/pgp-keys",
}

// binary converts PHOTO, LOGO, SOUND and KEY. It reports false when the
// property is dropped.
func (b *builder) binary(p *versit.Prop, f *govcard.Field) bool {
	if p.Encoding != "BASE64" {
		// A URI (VALUE=URL, or 4.0 data: URIs).
		v := strings.TrimSpace(p.Value)
		if v == "" {
			return false
		}
		f.Value = v
		if vt, ok := p.Param("VALUE"); ok && strings.EqualFold(vt, "URL") {
			f.Params["VALUE"] = []string{"uri"}
			if !b.v4 {
				f.Params["VALUE"] = []string{"URI"}
			}
		}
		return true
	}
	data, err := base64.StdEncoding.DecodeString(p.Value)
	if err != nil {
		// Some writers drop the padding.
		data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(p.Value, "="))
	}
	if err != nil || len(data) == 0 {
		b.warn("%s dropped: its base64 data is not valid (line %d)", p.Name, p.Line)
		return false
	}
	typ := ""
	for _, t := range p.Types() {
		if _, ok := mediaTypes[t]; ok {
			typ = t
			break
		}
	}
	if typ == "" && len(data) > 3 && data[0] == 0xFF && data[1] == 0xD8 {
		typ = "JPEG"
	}
	enc := base64.StdEncoding.EncodeToString(data)
	delete(f.Params, "VALUE")
	if b.v4 {
		delete(f.Params, "TYPE")
		mt := mediaTypes[typ]
		if mt == "" {
			mt = "application/octet-stream"
		}
		f.Value = "data:" + mt + ";base64," + enc
		return true
	}
	f.Params["ENCODING"] = []string{"b"}
	if typ != "" {
		f.Params["TYPE"] = []string{typ}
	}
	f.Value = enc
	return true
}

// finish adds FN, N, UID, REV, PRODID and encodes the card.
func (b *builder) finish(index int, uid, rev string, opt formats.Options, ver string) (formats.Record, error) {
	c := b.card
	// N: one, always.
	if ns := c[govcard.FieldName]; len(ns) > 1 {
		for _, extra := range ns[1:] {
			c["X-SK-RESCUE-N"] = append(c["X-SK-RESCUE-N"], extra)
		}
		c[govcard.FieldName] = ns[:1]
		b.warn("card has %d N properties; the extra ones are kept as X-SK-RESCUE-N", len(ns))
	}
	if fns := c[govcard.FieldFormattedName]; len(fns) > 1 && !b.v4 {
		for _, extra := range fns[1:] {
			c["X-SK-RESCUE-FN"] = append(c["X-SK-RESCUE-FN"], extra)
		}
		c[govcard.FieldFormattedName] = fns[:1]
		b.warn("card has %d FN properties; the extra ones are kept as X-SK-RESCUE-FN", len(fns))
	}
	fn := ""
	if f := c.Get(govcard.FieldFormattedName); f != nil {
		fn = versit.Unescape(f.Value)
	}
	if strings.TrimSpace(fn) == "" {
		delete(c, govcard.FieldFormattedName)
		fn = deriveFN(c)
		c.Add(govcard.FieldFormattedName, &govcard.Field{Value: versit.Escape(fn), Params: govcard.Params{}})
	}
	if c.Get(govcard.FieldName) == nil {
		c.Add(govcard.FieldName, &govcard.Field{Value: versit.Escape(fn) + ";;;;", Params: govcard.Params{}})
	}
	// UID.
	if uid == "" {
		uid = versit.UUID(opt.UIDSeed, strconv.Itoa(index))
	}
	c[govcard.FieldUID] = []*govcard.Field{{Value: uid, Params: govcard.Params{}}}
	// REV.
	delete(c, govcard.FieldRevision)
	var revT time.Time
	if rev != "" {
		if t, ok := parseStamp(rev); ok {
			revT = t
		} else {
			c.Add(PropOrigRev, &govcard.Field{Value: rev, Params: govcard.Params{}})
			b.warn("REV %q is not a timestamp; kept as %s", rev, PropOrigRev)
		}
	}
	if revT.IsZero() && !opt.Modified.IsZero() {
		revT = opt.Modified
	}
	if !revT.IsZero() {
		layout := "2006-01-02T15:04:05Z"
		if b.v4 {
			layout = "20060102T150405Z"
		}
		c[govcard.FieldRevision] = []*govcard.Field{{Value: revT.UTC().Format(layout), Params: govcard.Params{}}}
	}
	prod := opt.ProdID
	if prod == "" {
		prod = DefaultProdID
	}
	c[govcard.FieldProductID] = []*govcard.Field{{Value: versit.Escape(prod), Params: govcard.Params{}}}
	c[govcard.FieldVersion] = []*govcard.Field{{Value: ver, Params: govcard.Params{}}}
	var buf bytes.Buffer
	if err := encode(&buf, c); err != nil {
		return formats.Record{}, err
	}
	return formats.Record{
		Kind:     formats.KindContact,
		UID:      uid,
		Name:     fn,
		Data:     buf.Bytes(),
		Warnings: b.warns,
	}, nil
}

// deriveFN makes a display name from N, ORG, NICKNAME, EMAIL or TEL.
func deriveFN(c govcard.Card) string {
	if f := c.Get(govcard.FieldName); f != nil {
		parts := versit.Split(f.Value, ';')
		for len(parts) < 5 {
			parts = append(parts, "")
		}
		// prefix given additional family suffix
		var words []string
		for _, i := range []int{3, 1, 2, 0, 4} {
			if s := strings.TrimSpace(versit.Unescape(parts[i])); s != "" {
				words = append(words, s)
			}
		}
		if len(words) > 0 {
			return strings.Join(words, " ")
		}
	}
	for _, k := range []string{govcard.FieldOrganization, govcard.FieldNickname} {
		if f := c.Get(k); f != nil {
			s := strings.TrimSpace(versit.Unescape(strings.ReplaceAll(f.Value, ";", " ")))
			if s != "" {
				return s
			}
		}
	}
	for _, k := range []string{govcard.FieldEmail, govcard.FieldTelephone} {
		if f := c.Get(k); f != nil && f.Value != "" {
			return f.Value
		}
	}
	return "Unnamed contact"
}

func parseStamp(s string) (time.Time, bool) {
	for _, layout := range []string{"20060102T150405Z", "2006-01-02T15:04:05Z", "2006-01-02T15:04:05Z07:00",
		"20060102T150405", "2006-01-02T15:04:05", "20060102", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

var lineBreaks = strings.NewReplacer("\r", "", "\n", `\n`)

// encode writes c: VERSION first, then the properties sorted by name, each
// name's fields in their order; parameters sorted; lines folded at 75
// octets. Values are written as they are held (already escaped).
func encode(w *bytes.Buffer, c govcard.Card) error {
	var out bytes.Buffer
	out.WriteString("BEGIN:VCARD\r\n")
	out.WriteString("VERSION:" + c.Value(govcard.FieldVersion) + "\r\n")
	keys := make([]string, 0, len(c))
	for k := range c {
		if k != govcard.FieldVersion {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, f := range c[k] {
			if f.Group != "" {
				out.WriteString(f.Group + ".")
			}
			out.WriteString(k)
			pk := make([]string, 0, len(f.Params))
			for p := range f.Params {
				pk = append(pk, p)
			}
			sort.Strings(pk)
			for _, p := range pk {
				vals := f.Params[p]
				if len(vals) == 0 {
					continue
				}
				out.WriteString(";" + p + "=")
				for i, v := range vals {
					if i > 0 {
						out.WriteByte(',')
					}
					v = strings.Map(func(r rune) rune {
						if r == '"' || r == '\r' || r == '\n' {
							return -1
						}
						return r
					}, v)
					if strings.ContainsAny(v, ";:,") {
						out.WriteString(`"` + v + `"`)
					} else {
						out.WriteString(v)
					}
				}
			}
			out.WriteByte(':')
			out.WriteString(lineBreaks.Replace(f.Value))
			out.WriteString("\r\n")
		}
	}
	out.WriteString("END:VCARD\r\n")
	return versit.Fold(w, out.Bytes())
}

func validParam(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
