// Expand an iCalendar feed with Mozilla's ical.js (the parser behind Thunderbird), independently of Python.
// Usage: node tests/ical_expand.mjs FROM TO < feed.ics   (dates YYYY-MM-DD, inclusive)
// Prints JSON: {"calendar": {name, method}, "timezones": [...], "events": [{uid, summary, status, sequence,
// allDay, days: [YYYY-MM-DD...], start, end}]} with every occurrence day inside [FROM, TO].
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [from, to] = process.argv.slice(2);
const text = readFileSync(0, "utf8");
const root = new ICAL.Component(ICAL.parse(text));
for (const tz of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(tz);
}

const iso = (t) => t.toString().slice(0, 10);
const events = [];
for (const vevent of root.getAllSubcomponents("vevent")) {
  const ev = new ICAL.Event(vevent);
  const days = [];
  const addSpan = (start, end) => {
    // All-day: DTEND is exclusive (DTEND = DTSTART would cover no day at all); a timed event covers the days
    // it touches.
    const last = end.clone();
    if (start.isDate) last.adjust(-1, 0, 0, 0);
    const cur = start.clone();
    for (let guard = 0; iso(cur) <= iso(last) && guard < 1000; guard++) {
      const day = iso(cur);
      if (day >= from && day <= to) days.push(day);
      cur.adjust(1, 0, 0, 0);
    }
  };
  if (ev.isRecurring()) {
    const it = ev.iterator();
    let next;
    while ((next = it.next())) {
      if (iso(next) > to) break;
      const occ = ev.getOccurrenceDetails(next);
      addSpan(occ.startDate, occ.endDate);
    }
  } else {
    addSpan(ev.startDate, ev.endDate);
  }
  events.push({
    uid: ev.uid,
    summary: ev.summary,
    status: vevent.getFirstPropertyValue("status"),
    sequence: ev.sequence,
    allDay: ev.startDate.isDate,
    start: ev.startDate.toString(),
    end: ev.endDate.toString(),
    tzid: ev.startDate.isDate ? null : ev.startDate.zone.tzid,
    days,
  });
}
process.stdout.write(JSON.stringify({
  calendar: {
    name: root.getFirstPropertyValue("x-wr-calname"),
    method: root.getFirstPropertyValue("method"),
  },
  timezones: root.getAllSubcomponents("vtimezone").map((tz) => tz.getFirstPropertyValue("tzid")),
  events,
}));
