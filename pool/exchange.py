"""Read and write the planning exchange format: problems (`pool-problem/1`) and schedules
(`pool-schedule/1`).

Parsing is strict: the first problem found raises :class:`ExchangeError`, whose text is one line
naming the field path and the offending value, e.g. ``needs[3].weekdays[1]: 8 is not an ISO
weekday (1-7)``.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from solver.problem import (Absence, Assignment, Club, Leader, Need, Problem, Schedule, Site,
                            Unfilled, Window, clock, occurrence_dates, span)

PROBLEM_FORMAT = "pool-problem/1"
SCHEDULE_FORMAT = "pool-schedule/1"
_MISSING = object()
MAX_INTEGER = 2**31 - 1  # integers are 32-bit columns in the database
ID_LENGTH = 60  # the longest id (code) a site, club or leader can have in the database; a need's is 80
NEED_ID_LENGTH = 80
NAME_LENGTH = 200  # names, titles and reasons
AREA_LENGTH = 100


class ExchangeError(ValueError):
    """A malformed exchange document; ``path`` names the field (``needs[2].site``)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


# ------------------------------------------------------------------------------- field readers
def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _object(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise ExchangeError(path or "document", f"expected an object, got {_show(value)}")
    return value


def _show(value: Any) -> str:
    """A short rendering of a bad value for an error line."""
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _field(obj: dict, key: str, path: str, kind: type, default: Any = _MISSING) -> Any:
    """obj[key] checked to be of ``kind``; absent or null gives ``default`` or a 'missing' error."""
    value = obj.get(key)
    where = _join(path, key)
    if value is None:
        if default is _MISSING:
            raise ExchangeError(where, "missing required field")
        return default
    if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        raise ExchangeError(where, f"expected an integer, got {_show(value)}")
    if kind is int and abs(value) > MAX_INTEGER:
        raise ExchangeError(where, f"{value} is too large (at most {MAX_INTEGER})")
    if kind is not int and not isinstance(value, kind):
        names = {str: "a string", list: "a list", dict: "an object"}
        raise ExchangeError(where, f"expected {names[kind]}, got {_show(value)}")
    if kind is str:
        _no_nul(value, where)
    return value


def _no_nul(text: str, path: str) -> None:
    if "\x00" in text:
        raise ExchangeError(path, f"{_show(text)} contains a NUL character")


def _text(obj: dict, key: str, path: str, most: int, default: Any = _MISSING) -> str:
    """A string field that fits its database column."""
    value = _field(obj, key, path, str, default)
    if value is not None and len(value) > most:
        raise ExchangeError(_join(path, key), f"{_show(value)} is longer than {most} characters")
    return value


def _timezone(doc: dict) -> str:
    name = _field(doc, "timezone", "", str, "Europe/Stockholm")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ExchangeError("timezone", f"{_show(name)} is not a time zone such as 'Europe/Stockholm'") from None
    return name


def _date(value: Any, path: str) -> dt.date:
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ExchangeError(path, f"{_show(value)} is not a date YYYY-MM-DD")


def _time(value: Any, path: str, *, is_end: bool = False) -> int:
    """'HH:MM' to minutes after midnight; '24:00' only as an end."""
    ok = isinstance(value, str) and len(value) == 5 and value[2] == ":" \
        and (value[:2] + value[3:]).isdigit()
    if ok:
        hours, minutes = int(value[:2]), int(value[3:])
        if minutes < 60 and (hours < 24 or (is_end and value == "24:00")):
            return hours * 60 + minutes
    raise ExchangeError(path, f"{_show(value)} is not a time HH:MM")


def _non_negative(obj: dict, key: str, path: str, default: Any = None) -> Optional[int]:
    value = _field(obj, key, path, int, default)
    if value is not None and value < 0:
        raise ExchangeError(_join(path, key), f"{value} is negative")
    return value


def _strings(obj: dict, key: str, path: str) -> list[str]:
    values = _field(obj, key, path, list, [])
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise ExchangeError(f"{_join(path, key)}[{i}]", f"expected a string, got {_show(value)}")
        _no_nul(value, f"{_join(path, key)}[{i}]")
    return values


def _items(doc: dict, key: str, required: bool = True) -> list[tuple[str, dict]]:
    """The objects of a top-level list with their paths (``sites[3]``)."""
    values = _field(doc, key, "", list, _MISSING if required else [])
    return [(f"{key}[{i}]", _object(value, f"{key}[{i}]")) for i, value in enumerate(values)]


def _unique_id(obj: dict, path: str, seen: dict, most: int = ID_LENGTH) -> str:
    ident = _text(obj, "id", path, most)
    if not ident:
        raise ExchangeError(f"{path}.id", "must not be empty")
    if ident in seen:
        raise ExchangeError(f"{path}.id", f"duplicate id {ident!r}")
    return ident


def _reference(obj: dict, key: str, path: str, known: dict, what: str) -> str:
    ident = _field(obj, key, path, str)
    if ident not in known:
        raise ExchangeError(_join(path, key), f"unknown {what} {ident!r}")
    return ident


# ------------------------------------------------------------------------------- problem
def parse_problem(doc: Any) -> Problem:
    """A ``pool-problem/1`` document (already decoded JSON) to a :class:`Problem`."""
    doc = _object(doc, "")
    if doc.get("format") != PROBLEM_FORMAT:
        raise ExchangeError("format", f"expected {PROBLEM_FORMAT!r}, got {_show(doc.get('format'))}")
    period = _object(_field(doc, "period", "", dict), "period")
    start = _date(_field(period, "start", "period", str), "period.start")
    end = _date(_field(period, "end", "period", str), "period.end")
    if end < start:
        raise ExchangeError("period.end", f"'{end}' is before the start '{start}'")
    sites = _parse_sites(doc)
    clubs = _parse_clubs(doc)
    leaders = _parse_leaders(doc, clubs)
    needs = {n.id: n for n in _parse_needs(doc, sites, start, end)}
    return Problem(
        name=_text(doc, "name", "", NAME_LENGTH, ""),
        start=start, end=end, sites=sites, clubs=clubs, leaders=leaders, needs=needs,
        travel=_parse_travel(doc, sites),
        default_travel=_non_negative(doc, "default_travel_minutes", "", 0),
        baseline=_parse_baseline(doc, needs, leaders),
        pinned=_parse_pinned(doc, needs, leaders),
        timezone=_timezone(doc),
    )


def _parse_sites(doc: dict) -> dict[str, Site]:
    sites: dict[str, Site] = {}
    for path, obj in _items(doc, "sites"):
        ident = _unique_id(obj, path, sites)
        sites[ident] = Site(ident, _text(obj, "name", path, NAME_LENGTH, ""), _text(obj, "area", path, AREA_LENGTH, ""))
    return sites


def _parse_clubs(doc: dict) -> dict[str, Club]:
    clubs: dict[str, Club] = {}
    for path, obj in _items(doc, "clubs"):
        ident = _unique_id(obj, path, clubs)
        clubs[ident] = Club(ident, _text(obj, "name", path, NAME_LENGTH, ""),
                            _non_negative(obj, "pledged_minutes_per_week", path))
    return clubs


def _parse_travel(doc: dict, sites: dict) -> dict[tuple[str, str], int]:
    travel: dict[tuple[str, str], int] = {}
    for path, obj in _items(doc, "travel_minutes", required=False):
        a = _reference(obj, "from", path, sites, "site")
        b = _reference(obj, "to", path, sites, "site")
        if a == b:
            raise ExchangeError(f"{path}.to", f"{b!r} is the same site as 'from'")
        minutes = _non_negative(obj, "minutes", path, _MISSING)
        key = (min(a, b), max(a, b))
        if travel.get(key, minutes) != minutes:
            raise ExchangeError(f"{path}.minutes",
                                f"{minutes} conflicts with {travel[key]} listed earlier for {a!r}/{b!r}")
        travel[key] = minutes
    return travel


def _parse_leaders(doc: dict, clubs: dict) -> dict[str, Leader]:
    leaders: dict[str, Leader] = {}
    for path, obj in _items(doc, "leaders"):
        ident = _unique_id(obj, path, leaders)
        leaders[ident] = Leader(
            id=ident, club=_reference(obj, "club", path, clubs, "club"),
            name=_text(obj, "name", path, NAME_LENGTH, ""),
            skills=frozenset(_strings(obj, "skills", path)),
            credentials=_parse_credentials(obj, path),
            availability=tuple(sorted((_parse_window(w, p) for p, w in _sub_items(obj, "availability", path)),
                                      key=lambda w: (w.weekday, w.start, w.end))),
            absences=tuple(_parse_absence(a, p) for p, a in _sub_items(obj, "absences", path)),
            max_minutes_per_day=_non_negative(obj, "max_minutes_per_day", path),
            max_minutes_per_week=_non_negative(obj, "max_minutes_per_week", path),
        )
    return leaders


def _sub_items(obj: dict, key: str, path: str) -> list[tuple[str, dict]]:
    base = _join(path, key)
    return [(f"{base}[{i}]", _object(v, f"{base}[{i}]"))
            for i, v in enumerate(_field(obj, key, path, list, []))]


def _parse_credentials(obj: dict, path: str) -> dict[str, dt.date]:
    """kind -> valid until; a kind listed twice keeps the later date (a renewal)."""
    credentials: dict[str, dt.date] = {}
    for p, cred in _sub_items(obj, "credentials", path):
        kind = _text(cred, "kind", p, ID_LENGTH)
        until = _date(_field(cred, "valid_until", p, str), f"{p}.valid_until")
        credentials[kind] = max(until, credentials.get(kind, until))
    return credentials


def _parse_window(obj: dict, path: str) -> Window:
    weekday = _weekday(_field(obj, "weekday", path, int), f"{path}.weekday")
    start = _time(_field(obj, "start", path, str), f"{path}.start")
    end = _time(_field(obj, "end", path, str), f"{path}.end", is_end=True)
    return Window(weekday, *span(start, end))


def _weekday(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 7:
        raise ExchangeError(path, f"{_show(value)} is not an ISO weekday (1-7)")
    return value


def _parse_absence(obj: dict, path: str) -> Absence:
    first = _date(_field(obj, "from", path, str), f"{path}.from")
    last = _date(_field(obj, "to", path, str), f"{path}.to")
    if last < first:
        raise ExchangeError(f"{path}.to", f"'{last}' is before 'from' '{first}'")
    return Absence(first, last, _text(obj, "reason", path, NAME_LENGTH, ""))


def _parse_needs(doc: dict, sites: dict, period_start: dt.date, period_end: dt.date) -> list[Need]:
    needs: dict[str, Need] = {}
    for path, obj in _items(doc, "needs"):
        ident = _unique_id(obj, path, needs, NEED_ID_LENGTH)
        needs[ident] = _parse_need(obj, path, ident, sites, period_start, period_end)
    return list(needs.values())


def _parse_need(obj: dict, path: str, ident: str, sites: dict,
                period_start: dt.date, period_end: dt.date) -> Need:
    start = _time(_field(obj, "start", path, str), f"{path}.start")
    start, end = span(start, _time(_field(obj, "end", path, str), f"{path}.end", is_end=True))
    seats = _field(obj, "seats", path, int)
    if seats < 1:
        raise ExchangeError(f"{path}.seats", f"{seats} is less than 1")
    priority = _field(obj, "priority", path, int, 3)
    if not 1 <= priority <= 5:
        raise ExchangeError(f"{path}.priority", f"{priority} is outside 1..5")
    weekdays, dates = _need_days(obj, path)
    first = _optional_date(obj, "from", path)
    last = _optional_date(obj, "until", path)
    if first and last and last < first:
        raise ExchangeError(f"{path}.until", f"'{last}' is before 'from' '{first}'")
    except_dates = frozenset(_date(v, f"{path}.except_dates[{i}]")
                             for i, v in enumerate(_field(obj, "except_dates", path, list, [])))
    occurrences = occurrence_dates(period_start, period_end, weekdays=weekdays, dates=dates,
                                   first=first, last=last, except_dates=except_dates)
    return Need(
        id=ident, site=_reference(obj, "site", path, sites, "site"),
        title=_text(obj, "title", path, NAME_LENGTH, ""), start=start, end=end, seats=seats,
        priority=priority, skills=frozenset(_strings(obj, "skills", path)),
        credentials=frozenset(_strings(obj, "credentials", path)), weekdays=weekdays, dates=dates,
        first=first, last=last, except_dates=except_dates, occurrences=occurrences)


def _need_days(obj: dict, path: str) -> tuple[tuple[int, ...], tuple[dt.date, ...]]:
    """Exactly one of weekdays / dates, as a sorted tuple without repeats."""
    has_weekdays, has_dates = obj.get("weekdays") is not None, obj.get("dates") is not None
    if has_weekdays == has_dates:
        which = "both" if has_weekdays else "neither"
        raise ExchangeError(path, f"need {obj.get('id')!r} has {which} of 'weekdays' and 'dates'"
                                  " (exactly one is required)")
    key = "weekdays" if has_weekdays else "dates"
    values = _field(obj, key, path, list)
    if not values:
        raise ExchangeError(f"{path}.{key}", "must not be empty")
    if has_weekdays:
        return tuple(sorted({_weekday(v, f"{path}.weekdays[{i}]") for i, v in enumerate(values)})), ()
    return (), tuple(sorted({_date(v, f"{path}.dates[{i}]") for i, v in enumerate(values)}))


def _optional_date(obj: dict, key: str, path: str) -> Optional[dt.date]:
    value = obj.get(key)
    return None if value is None else _date(value, _join(path, key))


def _parse_entry(obj: dict, path: str) -> Assignment:
    return Assignment(_field(obj, "need", path, str),
                      _date(_field(obj, "date", path, str), f"{path}.date"),
                      _field(obj, "leader", path, str))


def _parse_baseline(doc: dict, needs: dict, leaders: dict) -> tuple[Assignment, ...]:
    """The published schedule, in canonical order; entries naming needs or leaders that are gone are dropped."""
    entries = (_parse_entry(obj, path) for path, obj in _items(doc, "baseline", required=False))
    return tuple(sorted({a for a in entries if a.need in needs and a.leader in leaders}))


def _parse_pinned(doc: dict, needs: dict, leaders: dict) -> tuple[Assignment, ...]:
    pinned = []
    for path, obj in _items(doc, "pinned", required=False):
        _reference(obj, "need", path, needs, "need")
        _reference(obj, "leader", path, leaders, "leader")
        pinned.append(_parse_entry(obj, path))
    return tuple(sorted(set(pinned)))


def problem_to_doc(problem: Problem) -> dict:
    """A :class:`Problem` as a ``pool-problem/1`` document; ``parse_problem`` gives it back.

    Baseline and pinned entries of a need that does not run in the period, or of a leader no longer
    active, are left out: the format can only name what the document lists."""
    listed = lambda entries: [_entry_doc(a) for a in entries  # noqa: E731
                              if a.need in problem.needs and a.leader in problem.leaders]
    return {
        "format": PROBLEM_FORMAT,
        "name": problem.name,
        "timezone": problem.timezone,
        "period": {"start": problem.start.isoformat(), "end": problem.end.isoformat()},
        "default_travel_minutes": problem.default_travel,
        "sites": [{"id": s.id, "name": s.name, "area": s.area} for s in problem.sites.values()],
        "travel_minutes": [{"from": a, "to": b, "minutes": m} for (a, b), m in problem.travel.items()],
        "clubs": [_club_doc(c) for c in problem.clubs.values()],
        "leaders": [_leader_doc(l) for l in problem.leaders.values()],
        "needs": [_need_doc(n) for n in problem.needs.values()],
        "baseline": listed(problem.baseline),
        "pinned": listed(problem.pinned),
    }


def _club_doc(club: Club) -> dict:
    doc: dict = {"id": club.id, "name": club.name}
    if club.pledged_minutes_per_week is not None:
        doc["pledged_minutes_per_week"] = club.pledged_minutes_per_week
    return doc


def _leader_doc(leader: Leader) -> dict:
    doc: dict = {"id": leader.id, "club": leader.club}
    if leader.name:
        doc["name"] = leader.name
    doc.update({
        "skills": sorted(leader.skills),
        "credentials": [{"kind": k, "valid_until": d.isoformat()}
                        for k, d in sorted(leader.credentials.items())],
        "availability": [{"weekday": w.weekday, "start": clock(w.start), "end": _end_clock(w.start, w.end)}
                         for w in leader.availability],
        "absences": [_absence_doc(a) for a in leader.absences],
    })
    for key in ("max_minutes_per_day", "max_minutes_per_week"):
        if getattr(leader, key) is not None:
            doc[key] = getattr(leader, key)
    return doc


def _end_clock(start: int, end: int) -> str:
    """An end time that reads back to the same span; '24:00' for a window ending at midnight."""
    return "24:00" if end == 1440 and start > 0 else clock(end)


def _absence_doc(absence: Absence) -> dict:
    doc = {"from": absence.first.isoformat(), "to": absence.last.isoformat()}
    if absence.reason:
        doc["reason"] = absence.reason
    return doc


def _need_doc(need: Need) -> dict:
    doc: dict = {"id": need.id, "site": need.site, "title": need.title}
    if need.dates:
        doc["dates"] = [d.isoformat() for d in need.dates]
    else:
        doc["weekdays"] = list(need.weekdays)
    doc.update({"start": clock(need.start), "end": _end_clock(need.start, need.end), "seats": need.seats})
    if need.first:
        doc["from"] = need.first.isoformat()
    if need.last:
        doc["until"] = need.last.isoformat()
    doc.update({
        "except_dates": sorted(d.isoformat() for d in need.except_dates),
        "skills": sorted(need.skills), "credentials": sorted(need.credentials),
        "priority": need.priority,
    })
    return doc


def _entry_doc(a: Assignment) -> dict:
    return {"need": a.need, "date": a.date.isoformat(), "leader": a.leader}


def load_problem(path) -> Problem:
    return parse_problem(_read_json(path))


def dump_problem(problem: Problem, path) -> None:
    _write_json(problem_to_doc(problem), path)


# ------------------------------------------------------------------------------- schedule
def parse_schedule(doc: Any, problem: Problem) -> Schedule:
    """A ``pool-schedule/1`` document for ``problem``. Assignments are kept as written (unknown
    needs or leaders are for the validator to report); reasons stay plain strings."""
    doc = _object(doc, "")
    if doc.get("format") != SCHEDULE_FORMAT:
        raise ExchangeError("format", f"expected {SCHEDULE_FORMAT!r}, got {_show(doc.get('format'))}")
    name = _field(doc, "problem", "", str, problem.name)
    if name != problem.name:
        raise ExchangeError("problem", f"{name!r} does not match the problem's name {problem.name!r}")
    assignments = tuple(_parse_entry(obj, path) for path, obj in _items(doc, "assignments"))
    unfilled = tuple(_parse_unfilled(obj, path) for path, obj in _items(doc, "unfilled", required=False))
    return Schedule(problem=name, assignments=assignments, unfilled=unfilled,
                    solver=_field(doc, "solver", "", dict, {}))


def _parse_unfilled(obj: dict, path: str) -> Unfilled:
    missing = _field(obj, "missing", path, int)
    if missing < 1:
        raise ExchangeError(f"{path}.missing", f"{missing} is less than 1")
    return Unfilled(_field(obj, "need", path, str), _date(_field(obj, "date", path, str), f"{path}.date"),
                    missing, tuple(_strings(obj, "reasons", path)))


def schedule_to_doc(schedule: Schedule) -> dict:
    """A :class:`Schedule` as a ``pool-schedule/1`` document; reason objects are written as text."""
    return {
        "format": SCHEDULE_FORMAT,
        "problem": schedule.problem,
        "assignments": [_entry_doc(a) for a in schedule.assignments],
        "unfilled": [{"need": u.need, "date": u.date.isoformat(), "missing": u.missing,
                      "reasons": [str(r) for r in u.reasons]} for u in schedule.unfilled],
        "solver": _jsonable(dict(schedule.solver)),
    }


def _jsonable(value: Any) -> Any:
    """Solver details are free-form; anything JSON cannot hold is written as its text."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def load_schedule(path, problem: Problem) -> Schedule:
    return parse_schedule(_read_json(path), problem)


def dump_schedule(schedule: Schedule, path) -> None:
    _write_json(schedule_to_doc(schedule), path)


# ------------------------------------------------------------------------------- files
def _read_json(path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise ExchangeError("", f"cannot read {path}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ExchangeError("", f"{path} is not valid JSON: {exc}") from None


def _write_json(doc: dict, path) -> None:
    Path(path).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
