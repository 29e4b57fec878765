#!/usr/bin/python3
"""Independent vCard reader for the end-to-end test: parses a .vcf with
python3-vobject (Debian) and prints the cards as JSON."""
import json, sys, vobject

cards = []
with open(sys.argv[1], encoding="utf-8") as f:
    for c in vobject.readComponents(f.read()):
        def vals(name):
            return [x.value for x in c.contents.get(name, [])]
        n = c.n.value if hasattr(c, "n") else None
        cards.append({
            "uid": c.uid.value if hasattr(c, "uid") else "",
            "fn": c.fn.value if hasattr(c, "fn") else "",
            "given": n.given if n else "",
            "family": n.family if n else "",
            "tels": vals("tel"),
            "emails": vals("email"),
            "adrs": [{"street": a.street, "city": a.city, "region": a.region,
                      "code": a.code, "country": a.country} for a in vals("adr")],
            "bday": vals("bday")[0] if vals("bday") else "",
            "note": vals("note")[0] if vals("note") else "",
            "photo": len(c.contents.get("photo", [])),
        })
json.dump(cards, sys.stdout, ensure_ascii=False)
