package ical

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

var weekdays = map[string]time.Weekday{
	"SU": time.Sunday, "MO": time.Monday, "TU": time.Tuesday, "WE": time.Wednesday,
	"TH": time.Thursday, "FR": time.Friday, "SA": time.Saturday,
}

var dayNames = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// untilFunc formats a vCal end date for the rule's UNTIL, in the frame of
// DTSTART (see docs/FORMATS.md).
type untilFunc func(end tval) (string, error)

// vcalRule converts a vCalendar 1.0 basic-grammar rule (D, W, MP, MD, YM, YD
// with an interval, modifiers, and #count or an end date) into an RFC 5545
// RRULE value. start is DTSTART's wall clock. exact is false when the rule
// uses what RFC 5545 cannot say (or this reader does not know): the caller
// then keeps the original instead.
func vcalRule(rule string, start time.Time, until untilFunc) (out string, exact bool, why string) {
	toks := strings.Fields(strings.ToUpper(rule))
	if len(toks) == 0 {
		return "", false, "empty rule"
	}
	head := toks[0]
	var freq string
	var letters string
	switch {
	case strings.HasPrefix(head, "MP"), strings.HasPrefix(head, "MD"), strings.HasPrefix(head, "YM"), strings.HasPrefix(head, "YD"):
		letters = head[:2]
	case strings.HasPrefix(head, "D"), strings.HasPrefix(head, "W"):
		letters = head[:1]
	default:
		return "", false, fmt.Sprintf("unknown frequency %q", head)
	}
	interval, err := strconv.Atoi(head[len(letters):])
	if err != nil || interval < 1 || interval > 10000 {
		return "", false, fmt.Sprintf("bad interval in %q", head)
	}
	switch letters {
	case "D":
		freq = "DAILY"
	case "W":
		freq = "WEEKLY"
	case "MP", "MD":
		freq = "MONTHLY"
	case "YM", "YD":
		freq = "YEARLY"
	}
	var (
		byday, bymonthday, bymonth, byyearday []string
		count                                 = -1 // -1: not given
		untilS                                string
		pendingOccs, curOccs                  []int
		sawDay                                bool
	)
	for _, tk := range toks[1:] {
		switch {
		case strings.HasPrefix(tk, "#"):
			n, err := strconv.Atoi(tk[1:])
			if err != nil || n < 0 {
				return "", false, fmt.Sprintf("bad count %q", tk)
			}
			if count >= 0 {
				return "", false, "two counts"
			}
			count = n
		case len(tk) >= 8 && tk[0] >= '0' && tk[0] <= '9' && (len(tk) == 8 || strings.Contains(tk, "T")):
			end, err := parseTime(tk)
			if err != nil {
				return "", false, err.Error()
			}
			if untilS != "" {
				return "", false, "two end dates"
			}
			untilS, err = until(end)
			if err != nil {
				return "", false, err.Error()
			}
		case weekdays[strings.TrimSuffix(tk, "$")] != 0 || strings.TrimSuffix(tk, "$") == "SU":
			if strings.HasSuffix(tk, "$") {
				return "", false, "weekday with $ (extended grammar)"
			}
			wd := tk
			switch letters {
			case "W":
				byday = append(byday, wd)
			case "MP":
				if len(pendingOccs) > 0 {
					curOccs, pendingOccs = pendingOccs, nil
				}
				occs := curOccs
				if len(occs) == 0 {
					occs = []int{nthOfMonth(start)}
				}
				for _, o := range occs {
					byday = append(byday, strconv.Itoa(o)+wd)
				}
				sawDay = true
			default:
				return "", false, fmt.Sprintf("weekday %s in a %s rule", wd, letters)
			}
		case tk == "LD" && letters == "MD":
			bymonthday = append(bymonthday, "-1")
		default:
			n, neg, ok := occurrence(tk)
			if !ok {
				return "", false, fmt.Sprintf("token %q not in the basic grammar", tk)
			}
			switch letters {
			case "MP":
				if n < 1 || n > 5 {
					return "", false, fmt.Sprintf("week %q out of range", tk)
				}
				if neg {
					n = -n
				}
				pendingOccs = append(pendingOccs, n)
				sawDay = false
			case "MD":
				if n < 1 || n > 31 {
					return "", false, fmt.Sprintf("month day %q out of range", tk)
				}
				if neg {
					n = -n
				}
				bymonthday = append(bymonthday, strconv.Itoa(n))
			case "YM":
				if neg || n < 1 || n > 12 {
					return "", false, fmt.Sprintf("month %q out of range", tk)
				}
				bymonth = append(bymonth, strconv.Itoa(n))
			case "YD":
				if n < 1 || n > 366 {
					return "", false, fmt.Sprintf("year day %q out of range", tk)
				}
				if neg {
					n = -n
				}
				byyearday = append(byyearday, strconv.Itoa(n))
			default:
				// D and W rules take times in the extended grammar.
				return "", false, fmt.Sprintf("token %q not in the basic grammar", tk)
			}
		}
	}
	if letters == "MP" {
		if len(pendingOccs) > 0 && !sawDay {
			// Weeks given without a weekday: DTSTART's weekday.
			for _, o := range pendingOccs {
				byday = append(byday, strconv.Itoa(o)+dayNames[start.Weekday()])
			}
		}
		if len(byday) == 0 {
			byday = append(byday, strconv.Itoa(nthOfMonth(start))+dayNames[start.Weekday()])
		}
	}
	parts := []string{"FREQ=" + freq}
	if interval > 1 {
		parts = append(parts, "INTERVAL="+strconv.Itoa(interval))
	}
	if len(bymonth) > 0 {
		parts = append(parts, "BYMONTH="+strings.Join(bymonth, ","))
	}
	if len(byyearday) > 0 {
		parts = append(parts, "BYYEARDAY="+strings.Join(byyearday, ","))
	}
	if len(bymonthday) > 0 {
		parts = append(parts, "BYMONTHDAY="+strings.Join(bymonthday, ","))
	}
	if len(byday) > 0 {
		parts = append(parts, "BYDAY="+strings.Join(dedupe(byday), ","))
	}
	switch {
	case untilS != "" && count > 0:
		// Both limits: the caller keeps the one that ends first
		// (conv.earlierLimit); RFC 5545 allows only one.
		parts = append(parts, "COUNT="+strconv.Itoa(count), "UNTIL="+untilS)
	case untilS != "":
		parts = append(parts, "UNTIL="+untilS)
	case count > 0:
		parts = append(parts, "COUNT="+strconv.Itoa(count))
	case count == 0:
		// #0: forever.
	default:
		// Neither count nor end date: the vCalendar default is #2.
		parts = append(parts, "COUNT=2")
	}
	return strings.Join(parts, ";"), true, ""
}

// occurrence reads 1, 1+, 1- .
func occurrence(tk string) (n int, neg bool, ok bool) {
	s := tk
	if strings.HasSuffix(s, "+") {
		s = s[:len(s)-1]
	} else if strings.HasSuffix(s, "-") {
		s = s[:len(s)-1]
		neg = true
	}
	n, err := strconv.Atoi(s)
	if err != nil || len(s) > 3 {
		return 0, false, false
	}
	return n, neg, true
}

// nthOfMonth is the week of the month DTSTART falls in (1-5).
func nthOfMonth(t time.Time) int { return (t.Day()-1)/7 + 1 }

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// normalizeRRule upper-cases an iCalendar RRULE's names and values (phones
// and old iCal write FREQ=Weekly).
func normalizeRRule(v string) string {
	parts := strings.Split(strings.TrimSpace(v), ";")
	out := parts[:0]
	for _, p := range parts {
		if p == "" {
			continue
		}
		k, val, _ := strings.Cut(p, "=")
		out = append(out, strings.ToUpper(strings.TrimSpace(k))+"="+strings.ToUpper(strings.TrimSpace(val)))
	}
	return strings.Join(out, ";")
}
