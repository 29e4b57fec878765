#!/usr/bin/python3
"""Independent iCalendar reader for the end-to-end test: parses a .ics with
python3-icalendar (Debian), expands recurrences with python3-dateutil, and
prints the components as JSON. Times are printed as "YYYY-MM-DDTHH:MM:SSZ"
when they are UTC or zoned, without Z when floating, and as "YYYY-MM-DD"
for dates."""
import datetime, json, sys
from icalendar import Calendar
from dateutil.rrule import rrulestr

LIMIT = 20


def fmt(v):
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            return v.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return v.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(v, datetime.date):
        return v.strftime("%Y-%m-%d")
    return str(v)


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
        start = comp.decoded("DTSTART")
        if not isinstance(start, datetime.datetime):
            start = datetime.datetime(start.year, start.month, start.day)
        rule = comp["RRULE"].to_ical().decode()
        d["rrule"] = rule
        occ = []
        for t in rrulestr(rule, dtstart=start):
            occ.append(fmt(t))
            if len(occ) >= LIMIT:
                break
        d["occurrences"] = occ
    out.append(d)
json.dump(out, sys.stdout, ensure_ascii=False)
