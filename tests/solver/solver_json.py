"""Reads a pool-problem/1 file into a Problem, for tests and measurements.

Uses the project's parser (pool.exchange) when present; the fallback here only covers what the
solver needs, so solver tests do not depend on the web side.
"""
from __future__ import annotations

import datetime as dt
import json

from solver.problem import (Absence, Assignment, Club, Leader, Need, Problem, Site, Window,
                            occurrence_dates, span)


def load(path: str) -> Problem:
    try:
        from pool.exchange import load_problem
    except ImportError:
        return parse(json.load(open(path, encoding="utf-8")))
    return load_problem(path)


def _minutes(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:5])


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _assignments(rows) -> tuple[Assignment, ...]:
    return tuple(Assignment(r["need"], _date(r["date"]), r["leader"]) for r in rows)


def _leader(row) -> Leader:
    windows = tuple(Window(w["weekday"], *span(_minutes(w["start"]), _minutes(w["end"])))
                    for w in row.get("availability", []))
    absences = tuple(Absence(_date(a["from"]), _date(a["to"])) for a in row.get("absences", []))
    return Leader(row["id"], row["club"], frozenset(row.get("skills", [])),
                  {c["kind"]: _date(c["valid_until"]) for c in row.get("credentials", [])},
                  windows, absences, row.get("max_minutes_per_day"), row.get("max_minutes_per_week"))


def _need(row, start: dt.date, end: dt.date) -> Need:
    first, last = row.get("from"), row.get("until")
    first, last = (_date(first) if first else None), (_date(last) if last else None)
    dates = tuple(_date(d) for d in row.get("dates", []))
    weekdays = tuple(row.get("weekdays", []))
    excepted = frozenset(_date(d) for d in row.get("except_dates", []))
    begin, finish = span(_minutes(row["start"]), _minutes(row["end"]))
    occ = occurrence_dates(start, end, weekdays=weekdays, dates=dates, first=first, last=last,
                           except_dates=excepted)
    return Need(row["id"], row["site"], row.get("title", ""), begin, finish, row["seats"],
                row.get("priority", 3), frozenset(row.get("skills", [])),
                frozenset(row.get("credentials", [])), weekdays, dates, first, last, excepted, occ)


def parse(doc: dict) -> Problem:
    start, end = _date(doc["period"]["start"]), _date(doc["period"]["end"])
    travel = {(min(t["from"], t["to"]), max(t["from"], t["to"])): t["minutes"]
              for t in doc.get("travel_minutes", [])}
    return Problem(
        name=doc.get("name", ""), start=start, end=end,
        sites={s["id"]: Site(s["id"], s.get("name", ""), s.get("area", "")) for s in doc.get("sites", [])},
        clubs={c["id"]: Club(c["id"], c.get("name", ""), c.get("pledged_minutes_per_week"))
               for c in doc.get("clubs", [])},
        leaders={row["id"]: _leader(row) for row in doc["leaders"]},
        needs={row["id"]: _need(row, start, end) for row in doc["needs"]},
        travel=travel, default_travel=doc.get("default_travel_minutes", 0),
        baseline=_assignments(doc.get("baseline", [])), pinned=_assignments(doc.get("pinned", [])),
        timezone=doc.get("timezone", "Europe/Stockholm"))


def schedule_document(schedule) -> dict:
    return {"format": "pool-schedule/1", "problem": schedule.problem,
            "assignments": [{"need": a.need, "date": str(a.date), "leader": a.leader}
                            for a in schedule.assignments],
            "unfilled": [{"need": u.need, "date": str(u.date), "missing": u.missing, "reasons": list(u.reasons)}
                         for u in schedule.unfilled],
            "solver": dict(schedule.solver)}


def dump(schedule, path: str) -> None:
    try:
        from pool.exchange import dump_schedule
    except ImportError:
        json.dump(schedule_document(schedule), open(path, "w", encoding="utf-8"), indent=1, default=str)
        return
    dump_schedule(schedule, path)
