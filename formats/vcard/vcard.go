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
	"io"
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

// Bounds on what one input may make.
const (
	// MaxNestedCards bounds the cards converted out of one card (AGENTs
	// and embedded cards, at any depth); more stay in the raw file.
	MaxNestedCards = 16
	// MaxNestDepth bounds how deep embedded cards are converted.
	MaxNestDepth = 3
	// MaxWarnings bounds the warnings kept on one record and on the
	// object; the rest are counted in a last "and N more" warning.
	MaxWarnings = 10
	// MaxTotalWarnings bounds the record warnings of one object; later
	// records' warnings are only counted, in an object warning.
	MaxTotalWarnings = 1000
)

// Convert reads every vCard in raw (2.1, 3.0 or 4.0; one or many) and
// writes each as one normalized vCard. A card that cannot be read becomes a
// Failure and the others go on; the error is for input that holds no vCard
// at all. Cards are read and converted one at a time, so memory beyond the
// input and the output stays that of one card.
func Convert(raw []byte, opt formats.Options) (formats.Result, error) {
	var res formats.Result
	if len(bytes.TrimSpace(raw)) == 0 {
		return res, fmt.Errorf("%w: empty", ErrNoVCard)
	}
	if _, err := version(opt); err != nil {
		return res, err
	}
	r := versit.NewReader(raw)
	idx := 0
	for {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			res.Warnings = append(res.Warnings, r.Warnings()...)
			return res, fmt.Errorf("%w: %v", ErrNoVCard, err)
		}
		if c.Name != "VCARD" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("skipped a %s component", c.Name))
			continue
		}
		i := idx
		idx++
		recs, fails, err := convertCard(c, i, opt)
		if err != nil {
			res.Failures = append(res.Failures, formats.Failure{Index: i, Raw: c.Raw, Err: err})
			continue
		}
		res.Records = append(res.Records, recs...)
		res.Failures = append(res.Failures, fails...)
	}
	res.Warnings = append(res.Warnings, r.Warnings()...)
	boundWarnings(&res)
	if idx == 0 {
		return res, ErrNoVCard
	}
	return res, nil
}

// boundWarnings keeps at most MaxWarnings warnings per record and on the
// object, and at most MaxTotalWarnings over all records; what is cut is
// counted in a last warning, so a hostile file cannot multiply them.
func boundWarnings(res *formats.Result) {
	total, hidden, hiddenRecs := 0, 0, 0
	for i := range res.Records {
		r := &res.Records[i]
		if len(r.Warnings) == 0 {
			continue
		}
		if total >= MaxTotalWarnings {
			hidden += len(r.Warnings)
			hiddenRecs++
			r.Warnings = nil
			continue
		}
		r.Warnings = capWarnings(r.Warnings, MaxWarnings)
		total += len(r.Warnings)
	}
	res.Warnings = capWarnings(res.Warnings, MaxWarnings)
	if hidden > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d more warnings on %d later contacts not listed", hidden, hiddenRecs))
	}
}

func capWarnings(ws []string, n int) []string {
	if len(ws) <= n {
		return ws
	}
	out := append(ws[:n:n], fmt.Sprintf("and %d more warnings", len(ws)-n))
	return out
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

// convertCard converts one card and the cards embedded in it (2.1
// AGENTs, 3.0 AGENTs holding a card, cards nested without AGENT): the card
// first, then the embedded ones. An embedded card that fails is a Failure
// of its own; the error is for the card itself.
func convertCard(c *versit.Component, index int, opt formats.Options) ([]formats.Record, []formats.Failure, error) {
	n := &nest{index: index, opt: opt}
	rec, err := n.card(c, "", 0)
	if err != nil {
		return nil, nil, err
	}
	return append([]formats.Record{rec}, n.recs...), n.fails, nil
}

// nest converts one top-level card with its embedded cards, within the
// bounds MaxNestedCards and MaxNestDepth.
type nest struct {
	index   int
	opt     formats.Options
	count   int // embedded cards converted so far
	skipped int // embedded cards left in the raw file
	recs    []formats.Record
	fails   []formats.Failure
}

// card converts c; parentUID is "" for the top-level card.
func (n *nest) card(c *versit.Component, parentUID string, depth int) (formats.Record, error) {
	b, uid, rev, agents, err := build(c, n.index, n.opt)
	if err != nil {
		return formats.Record{}, err
	}
	if uid == "" {
		if parentUID == "" {
			uid = versit.UUID(n.opt.UIDSeed, strconv.Itoa(n.index))
		} else {
			uid = versit.UUID(parentUID, "embedded", strconv.Itoa(n.count))
		}
	}
	for _, p := range agents {
		b.agent(n, p, uid, depth)
	}
	plain, first := 0, 0
	for _, ch := range c.Children {
		if ch.Name != "VCARD" {
			b.warn("a %s component inside the card (line %d) not converted; it stays in the raw file", ch.Name, ch.Line)
			continue
		}
		cuid, ok := n.embedded(ch, uid, depth, ch.Raw)
		switch {
		case ok && ch.Agent:
			b.link(cuid, "")
		case ok:
			if plain == 0 {
				first = ch.Line
			}
			plain++
		}
	}
	if plain > 0 {
		b.warn("%d card(s) nested inside this one without AGENT (from line %d) converted as contacts of their own", plain, first)
	}
	if n.skipped > 0 && depth == 0 {
		b.warns = append([]string{fmt.Sprintf("%d embedded card(s), with any cards inside them, not converted (more than %d, or nested deeper than %d); they stay in the raw file", n.skipped, MaxNestedCards, MaxNestDepth)}, b.warns...)
	}
	ver, _ := version(n.opt)
	return b.finish(uid, rev, n.opt, ver)
}

// embedded converts a card found inside another, if the bounds allow, and
// returns its UID.
func (n *nest) embedded(c *versit.Component, parentUID string, depth int, raw []byte) (string, bool) {
	if depth+1 > MaxNestDepth || n.count >= MaxNestedCards {
		n.skipped++
		return "", false
	}
	n.count++
	// The embedded card goes before the cards embedded in it.
	pos := len(n.recs)
	n.recs = append(n.recs, formats.Record{})
	rec, err := n.card(c, parentUID, depth+1)
	if err != nil {
		n.recs = n.recs[:pos]
		n.fails = append(n.fails, formats.Failure{Index: n.index, Raw: raw, Err: fmt.Errorf("embedded card at line %d: %w", c.Line, err)})
		return "", false
	}
	n.recs[pos] = rec
	return rec.UID, true
}

// agent carries an AGENT property: a card in its value (vCard 3.0) becomes
// a contact of its own, linked; a text or URI value is kept — in 3.0 as
// AGENT;VALUE=text or AGENT;VALUE=uri, in 4.0 as RELATED;TYPE=agent.
func (b *builder) agent(n *nest, p *versit.Prop, parentUID string, depth int) {
	v := strings.TrimSpace(versit.NormalizeNewlines(p.Value))
	if v == "" {
		return
	}
	text := versit.Unescape(v)
	if len(text) >= 11 && strings.EqualFold(text[:11], "BEGIN:VCARD") {
		comps, _, err := versit.Parse([]byte(text))
		if err == nil && len(comps) > 0 && comps[0].Name == "VCARD" {
			if uid, ok := n.embedded(comps[0], parentUID, depth, []byte(text)); ok {
				b.link(uid, p.Group)
			}
			return
		}
	}
	vt, _ := p.Param("VALUE")
	if strings.EqualFold(vt, "uri") || strings.EqualFold(vt, "url") {
		b.link(strings.TrimSpace(strings.ReplaceAll(text, "\n", " ")), p.Group)
		return
	}
	if b.v4 {
		b.add("RELATED", &govcard.Field{Group: p.Group, Value: versit.Escape(text), Params: govcard.Params{"TYPE": {"agent"}, "VALUE": {"text"}}})
	} else {
		b.add("AGENT", &govcard.Field{Group: p.Group, Value: versit.Escape(text), Params: govcard.Params{"VALUE": {"text"}}})
	}
}

// link points the card at its agent by URI (a UID becomes urn:uuid:),
// in the source property's group.
func (b *builder) link(uri, group string) {
	if !strings.Contains(uri, ":") {
		uri = "urn:uuid:" + uri
	}
	uri = versit.OneLine(uri)
	if b.v4 {
		b.add("RELATED", &govcard.Field{Group: group, Value: uri, Params: govcard.Params{"TYPE": {"agent"}}})
	} else {
		b.add("AGENT", &govcard.Field{Group: group, Value: uri, Params: govcard.Params{"VALUE": {"uri"}}})
	}
}

// build reads a source card into a builder, returning its UID, REV and
// AGENT properties.
func build(c *versit.Component, index int, opt formats.Options) (b *builder, uid, rev string, agents []*versit.Prop, err error) {
	if c.Err != nil {
		return nil, "", "", nil, fmt.Errorf("vcard: card %d: %w", index, c.Err)
	}
	ver, err := version(opt)
	if err != nil {
		return nil, "", "", nil, err
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
			content++
			agents = append(agents, p)
			continue
		}
		content++
		b.addProp(p, srcVersion)
	}
	if content == 0 && len(c.Children) == 0 {
		return nil, "", "", nil, fmt.Errorf("vcard: card %d has no properties", index)
	}
	return b, uid, rev, agents, nil
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
	if !validParam(p.Name) || (p.Group != "" && !validParam(p.Group)) || p.Name == "BEGIN" || p.Name == "END" {
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
	if vt, ok := p.Param("VALUE"); ok && strings.EqualFold(vt, "text") && kind == kVerbatim {
		kind = kText // RELATED;VALUE=text, say
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
func (b *builder) finish(uid, rev string, opt formats.Options, ver string) (formats.Record, error) {
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
