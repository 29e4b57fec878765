#!/usr/bin/python3
"""Expand the first VEVENT/VTODO of each iCalendar text independently of
sk-rescue: python3-icalendar reads the properties, dateutil.tz.tzical reads
the file's own VTIMEZONEs, dateutil.rrule expands RRULE/RDATE/EXDATE.

stdin: a JSON list of iCalendar texts. argv[1]: how many occurrences.
stdout: a JSON list (one per text) of occurrences, each written as
YYYYMMDDTHHMMSSZ (an instant, in UTC), YYYYMMDDTHHMMSS (floating) or
YYYYMMDD (a date); or {"error": "..."}.
"""
import io
import json
import re
import sys
from datetime import datetime, timezone

import icalendar
from dateutil import rrule, tz


def value(prop):
    v = prop.to_ical()
    return v.decode() if isinstance(v, bytes) else v


def parse_time(text, tzid, zones):
    text = text.strip()
    if len(text) == 8:
        return datetime.strptime(text, "%Y%m%d"), "date"
    if text.endswith("Z"):
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=tz.tzutc()), "utc"
    d = datetime.strptime(text, "%Y%m%dT%H%M%S")
    if tzid:
        return d.replace(tzinfo=zones.get(tzid)), "zoned"
    return d, "floating"


def fmt(d, kind):
    if kind == "date":
        return d.strftime("%Y%m%d")
    if d.tzinfo is None:
        return d.strftime("%Y%m%dT%H%M%S")
    return d.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def expand(text, limit):
    # VTIMEZONEs go to tzical as written; icalendar 4.0 would build its own
    # zone from them (and rejects a UTC UNTIL in an observance's RRULE).
    text = text.replace("\r\n ", "").replace("\r\n", "\n")
    vtz = "".join(re.findall(r"^BEGIN:VTIMEZONE\n.*?^END:VTIMEZONE\n", text, re.S | re.M))
    text = re.sub(r"^BEGIN:VTIMEZONE\n.*?^END:VTIMEZONE\n", "", text, flags=re.S | re.M)
    zones = tz.tzical(io.StringIO(vtz)) if vtz else None
    cal = icalendar.Calendar.from_ical(text)
    comp = next(c for c in cal.walk() if c.name in ("VEVENT", "VTODO"))
    p = comp.get("DTSTART") or comp.get("DUE")
    raw = p.to_ical().decode()
    start, kind = parse_time(raw, p.params.get("TZID"), zones)
    s = rrule.rruleset()
    rules = comp.get("RRULE")
    if rules is not None:
        if not isinstance(rules, list):
            rules = [rules]
        for r in rules:
            s.rrule(rrule.rrulestr(r.to_ical().decode(), dtstart=start))
    else:
        s.rdate(start)
    for name, add in (("RDATE", s.rdate), ("EXDATE", s.exdate)):
        props = comp.get(name)
        if props is None:
            continue
        if not isinstance(props, list):
            props = [props]
        for pr in props:
            for v in pr.to_ical().decode().split(","):
                add(parse_time(v, pr.params.get("TZID"), zones)[0])
    out = []
    for d in s:
        out.append(fmt(d, kind))
        if len(out) >= limit:
            break
    return out


def main():
    limit = int(sys.argv[1])
    res = []
    for text in json.load(sys.stdin):
        try:
            res.append(expand(text, limit))
        except Exception as e:  # reported to the Go test, which fails
            res.append({"error": "%s: %s" % (type(e).__name__, e)})
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main()
