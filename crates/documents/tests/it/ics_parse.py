"""Reads a Kojo invitation with Python's `icalendar` package (an independent parser) and prints
what a calendar would take from it, as JSON. The .ics arrives on standard input."""

import json
import sys
from datetime import timezone

import icalendar

calendar = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
events = list(calendar.walk("VEVENT"))
timezones = list(calendar.walk("VTIMEZONE"))
assert len(events) == 1, f"{len(events)} events"
event = events[0]
start = event.decoded("DTSTART")
end = event.decoded("DTEND")
print(
    json.dumps(
        {
            "method": str(calendar["METHOD"]),
            "version": str(calendar["VERSION"]),
            "timezones": [str(zone["TZID"]) for zone in timezones],
            "uid": str(event["UID"]),
            "sequence": int(event["SEQUENCE"]),
            "status": str(event.get("STATUS", "")),
            "summary": str(event["SUMMARY"]),
            "description": str(event["DESCRIPTION"]),
            "location": str(event["LOCATION"]),
            "start_tzid": event["DTSTART"].params.get("TZID"),
            "start_utc": start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end_utc": end.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "stamp_utc": event.decoded("DTSTAMP").astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "organizer": str(event["ORGANIZER"]),
            "organizer_cn": event["ORGANIZER"].params.get("CN"),
            "attendee": str(event["ATTENDEE"]),
            "attendee_cn": event["ATTENDEE"].params.get("CN"),
            "url": str(event.get("URL", "")),
        },
        ensure_ascii=False,
    )
)
