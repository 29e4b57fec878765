package upload

import (
	"bytes"
	"slices"
	"strings"
)

// contentLines unfolds a vCard or iCalendar text (RFC 6350 §3.2, RFC 5545
// §3.1) into logical lines, CRLF or LF, without empty lines.
func contentLines(b []byte) []string {
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(out) > 0 {
			out[len(out)-1] += l[1:]
			continue
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		out = append(out, l)
	}
	return out
}

// splitLine splits a content line into name, parameters and value, minding
// quoted parameter values.
func splitLine(l string) (name string, params []string, value string) {
	inQ := false
	start := 0
	var parts []string
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case '"':
			inQ = !inQ
		case ';':
			if !inQ {
				parts = append(parts, l[start:i])
				start = i + 1
			}
		case ':':
			if !inQ {
				parts = append(parts, l[start:i])
				value = l[i+1:]
				if len(parts) == 0 {
					return "", nil, value
				}
				return parts[0], parts[1:], value
			}
		}
	}
	parts = append(parts, l[start:])
	return parts[0], parts[1:], ""
}

// normLine is a content line in a form servers do not change when they
// re-serialize: upper-case names, parameters sorted, parameter names upper
// case, quotes around parameter values dropped.
func normLine(l string) (string, string) {
	name, params, value := splitLine(l)
	name = strings.ToUpper(name)
	ps := make([]string, 0, len(params))
	for _, p := range params {
		k, v, _ := strings.Cut(p, "=")
		ps = append(ps, strings.ToUpper(k)+"="+strings.Trim(v, `"`))
	}
	slices.Sort(ps)
	return name, name + ";" + strings.Join(ps, ";") + ":" + value
}

// sameContent reports whether a and b hold the same vCard or iCalendar
// data: byte equality, or the same multiset of normalized content lines
// (servers like Radicale reorder properties and parameters and refold).
// PRODID is ignored (some servers stamp their own). With ignorePhoto, PHOTO
// lines are ignored too (a contact stored with its photo scaled down).
func sameContent(a, b []byte, ignorePhoto bool) bool {
	if bytes.Equal(a, b) {
		return true
	}
	na, nb := normAll(a, ignorePhoto), normAll(b, ignorePhoto)
	return slices.Equal(na, nb)
}

func normAll(b []byte, ignorePhoto bool) []string {
	var out []string
	for _, l := range contentLines(b) {
		name, n := normLine(l)
		base := name
		if i := strings.IndexByte(base, '.'); i >= 0 {
			base = base[i+1:]
		}
		if base == "PRODID" || ignorePhoto && base == "PHOTO" {
			continue
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// findUID returns the first UID property's value in a vCard or iCalendar.
func findUID(b []byte) string {
	for _, l := range contentLines(b) {
		name, _, value := splitLine(l)
		if strings.EqualFold(name, "UID") {
			return strings.TrimSpace(value)
		}
	}
	return ""
}
