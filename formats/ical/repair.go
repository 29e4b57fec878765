package ical

import (
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"
)

// Repairs of invalid-but-unambiguous iCalendar input, so that the output is
// valid RFC 5545 UTF-8 even when the source is not. Each repair is warned;
// the source bytes are in the raw copy.

// durationRE is RFC 5545's dur-value (§3.3.6): weeks stand alone, the time
// part lists hours, minutes, seconds in order without gaps.
var durationRE = regexp.MustCompile(`^[+-]?P(\d+W|\d+D(T(\d+H(\d+M(\d+S)?)?|\d+M(\d+S)?|\d+S))?|T(\d+H(\d+M(\d+S)?)?|\d+M(\d+S)?|\d+S))$`)

// repairDuration gives an RFC 5545 duration for v: v itself when valid, else
// the same length written validly (`-P1W6DT15H` → `-P13DT15H`). ok is false
// when v is not a duration at all.
func repairDuration(v string) (out string, changed, ok bool) {
	v = strings.TrimSpace(v)
	if durationRE.MatchString(v) {
		return v, false, true
	}
	d, ok := parseDuration(v)
	if !ok {
		return v, false, false
	}
	out = fmtDuration(d)
	if d == 0 && strings.HasPrefix(v, "-") {
		out = "PT0S"
	}
	return out, out != v, true
}

// repairRRule mends an RFC 5545 RRULE: escaped separators
// (`FREQ=DAILY\;COUNT=10`), lower-case names, and an UNTIL whose value type
// does not match DTSTART's (RFC 5545 §3.3.10: a date DTSTART takes a date
// UNTIL; a floating one a floating UNTIL; a UTC or zoned one a UTC UNTIL).
// A date UNTIL on a date-time event means the end of that day in the
// event's frame.
func (c *conv) repairRRule(val string, start tval, hasStart bool) string {
	if strings.Contains(val, `\;`) || strings.Contains(val, `\,`) {
		c.warn("RRULE %q has escaped separators; unescaped", val)
		val = strings.NewReplacer(`\;`, ";", `\,`, ",").Replace(val)
	}
	val = normalizeRRule(val)
	if !hasStart {
		return val
	}
	parts := strings.Split(val, ";")
	for i, part := range parts {
		k, v, _ := strings.Cut(part, "=")
		if k != "UNTIL" {
			continue
		}
		u, err := parseTime(v)
		if err != nil {
			continue
		}
		fixed := ""
		switch {
		case start.kind == tDate && u.kind != tDate:
			fixed = u.t.Format("20060102")
		case start.kind == tDate:
		case u.kind == tDate || u.kind == tFloating:
			w := u.t
			if u.kind == tDate {
				w = time.Date(w.Year(), w.Month(), w.Day(), 23, 59, 59, 0, time.UTC)
			}
			switch start.kind {
			case tFloating:
				if u.kind == tDate {
					fixed = w.Format("20060102T150405")
				}
			case tUTC:
				fixed = w.Format("20060102T150405Z")
			case tZoned:
				fixed = c.wallUTC(start, w).Format("20060102T150405Z")
			}
		case u.kind == tUTC && start.kind == tFloating:
			fixed = u.t.Format("20060102T150405")
		}
		if fixed != "" && fixed != v {
			c.warn("RRULE UNTIL %s does not match DTSTART's value type; written as %s", v, fixed)
			parts[i] = "UNTIL=" + fixed
		}
	}
	return strings.Join(parts, ";")
}

// cleanText replaces control characters (other than tab) and invalid UTF-8
// in a property or parameter value with U+FFFD; changed says whether any
// were found.
func cleanText(s string) (string, bool) {
	bad := !utf8.ValidString(s)
	if !bad {
		for i := 0; i < len(s); i++ {
			if b := s[i]; b < 0x20 && b != '\t' || b == 0x7f {
				bad = true
				break
			}
		}
	}
	if !bad {
		return s, false
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s), true
}

// sanitize makes every value and parameter value of comp (and its
// sub-components) valid UTF-8 without control characters.
func (c *conv) sanitize(comp *goical.Component) {
	for _, name := range sortedKeys(comp.Props) {
		props := comp.Props[name]
		for i := range props {
			p := &props[i]
			if v, changed := cleanText(p.Value); changed {
				c.warn("%s had control characters or invalid bytes; replaced by U+FFFD", name)
				p.Value = v
			}
			for _, pn := range sortedKeys(p.Params) {
				vals := p.Params[pn]
				for j, v := range vals {
					if v2, changed := cleanText(v); changed {
						c.warn("parameter %s of %s had control characters or invalid bytes; replaced by U+FFFD", pn, name)
						vals[j] = v2
					}
				}
			}
		}
	}
	for _, ch := range comp.Children {
		c.sanitize(ch)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
