#!/usr/bin/python3
"""Independent iCalendar reader for the end-to-end test: parses a .ics with
python3-icalendar (Debian), expands recurrences with python3-dateutil, and
prints the components as JSON. Times are printed as "YYYY-MM-DDTHH:MM:SSZ"
when they are UTC or zoned, without Z when floating, and as "YYYY-MM-DD"
for dates."""
import datetime, json, sys
from icalendar import Calendar
from dateutil.rrule import rrulestr, rruleset

LIMIT = 20


def fmt(v):
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            return v.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return v.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(v, datetime.date):
        return v.strftime("%Y-%m-%d")
    return str(v)


def asdt(v):
    if isinstance(v, datetime.datetime):
        return v
    return datetime.datetime(v.year, v.month, v.day)


out = []
with open(sys.argv[1], "rb") as f:
    cal = Calendar.from_ical(f.read())
for comp in cal.walk():
    if comp.name not in ("VEVENT", "VTODO", "VJOURNAL"):
        continue
    d = {"type": comp.name, "uid": str(comp.get("UID", "")),
         "summary": str(comp.get("SUMMARY", "")), "dtstamp": "DTSTAMP" in comp}
    for key in ("DTSTART", "DTEND", "DUE", "COMPLETED"):
        if key in comp:
            d[key.lower()] = fmt(comp.decoded(key))
    if "PRIORITY" in comp:
        d["priority"] = int(comp["PRIORITY"])
    if "STATUS" in comp:
        d["status"] = str(comp["STATUS"])
    d["alarms"] = [str(a.get("TRIGGER").to_ical().decode()) for a in comp.walk("VALARM")]
    if "RRULE" in comp:
        start = asdt(comp.decoded("DTSTART"))
        rule = comp["RRULE"].to_ical().decode()
        d["rrule"] = rule
        # The recurrence set is RRULE + RDATE - EXDATE (RFC 5545 3.8.5).
        rs = rruleset()
        rs.rrule(rrulestr(rule, dtstart=start))
        for name, add in (("RDATE", rs.rdate), ("EXDATE", rs.exdate)):
            vals = comp.get(name, [])
            for v in vals if isinstance(vals, list) else [vals]:
                for x in v.dts:
                    add(asdt(x.dt))
        occ = []
        for t in rs:
            occ.append(fmt(t))
            if len(occ) >= LIMIT:
                break
        d["occurrences"] = occ
    out.append(d)
json.dump(out, sys.stdout, ensure_ascii=False)
