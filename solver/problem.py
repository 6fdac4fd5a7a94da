"""The planning problem and its schedule as plain, frozen data.

Everything the solver knows arrives here; nothing here knows about Flask, SQLAlchemy or JSON.
Times are minutes after midnight of an occurrence's start date; an ``end`` above 1440 runs past
midnight into the next day. Weekdays are ISO (1 = Monday … 7 = Sunday).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping, Optional

DAY = 1440
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def span(start: int, end: int) -> tuple[int, int]:
    """Clock times (0..1440) to a start and an end after it; an end at or before start is next day."""
    return start, end if end > start else end + DAY


def clock(minutes: int) -> str:
    """Minutes to 'HH:MM' on a 24-hour clock (an end past midnight shows its clock time)."""
    minutes %= DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Window:
    """A weekly availability window; ``end`` > ``start``, above 1440 when it runs past midnight."""
    weekday: int
    start: int
    end: int

    def covers(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end


@dataclass(frozen=True)
class Absence:
    first: dt.date
    last: dt.date
    reason: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Leader:
    id: str
    club: str
    skills: frozenset[str] = frozenset()
    credentials: Mapping[str, dt.date] = field(default_factory=dict)  # kind -> valid until
    availability: tuple[Window, ...] = ()
    absences: tuple[Absence, ...] = ()
    max_minutes_per_day: Optional[int] = None
    max_minutes_per_week: Optional[int] = None
    name: str = ""

    def __hash__(self) -> int:
        return hash(self.id)

    def is_absent(self, day: dt.date) -> bool:
        return any(a.covers(day) for a in self.absences)

    def is_available(self, day: dt.date, start: int, end: int) -> bool:
        weekday = day.isoweekday()
        return any(w.weekday == weekday and w.covers(start, end) for w in self.availability)

    def credential_valid(self, kind: str, day: dt.date) -> bool:
        until = self.credentials.get(kind)
        return until is not None and until >= day


@dataclass(frozen=True)
class Need:
    """A recurring fixed-time need. ``occurrences`` is derived once by :func:`occurrence_dates`."""
    id: str
    site: str
    title: str
    start: int
    end: int
    seats: int
    priority: int = 3
    skills: frozenset[str] = frozenset()
    credentials: frozenset[str] = frozenset()
    weekdays: tuple[int, ...] = ()
    dates: tuple[dt.date, ...] = ()
    first: Optional[dt.date] = None
    last: Optional[dt.date] = None
    except_dates: frozenset[dt.date] = frozenset()
    occurrences: tuple[dt.date, ...] = ()

    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def minutes(self) -> int:
        return self.end - self.start


def occurrence_dates(period_start: dt.date, period_end: dt.date, *, weekdays=(), dates=(),
                     first: Optional[dt.date] = None, last: Optional[dt.date] = None,
                     except_dates=frozenset()) -> tuple[dt.date, ...]:
    """Dates inside both the period and first..last, on ``weekdays`` (or among ``dates``), minus exceptions."""
    lo = max(period_start, first) if first else period_start
    hi = min(period_end, last) if last else period_end
    if dates:
        candidates = sorted(set(dates))
    else:
        wanted = set(weekdays)
        candidates = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
        candidates = [d for d in candidates if d.isoweekday() in wanted]
    return tuple(d for d in candidates if lo <= d <= hi and d not in except_dates)


@dataclass(frozen=True)
class Site:
    id: str
    name: str = ""
    area: str = ""


@dataclass(frozen=True)
class Club:
    id: str
    name: str = ""
    pledged_minutes_per_week: Optional[int] = None


@dataclass(frozen=True, order=True)
class Assignment:
    need: str
    date: dt.date
    leader: str


@dataclass(frozen=True)
class Problem:
    name: str
    start: dt.date
    end: dt.date
    sites: Mapping[str, Site]
    clubs: Mapping[str, Club]
    leaders: Mapping[str, Leader]
    needs: Mapping[str, Need]
    travel: Mapping[tuple[str, str], int] = field(default_factory=dict)  # keyed (min id, max id)
    default_travel: int = 0
    baseline: tuple[Assignment, ...] = ()
    pinned: tuple[Assignment, ...] = ()
    timezone: str = "Europe/Stockholm"

    def travel_minutes(self, a: str, b: str) -> int:
        if a == b:
            return 0
        return self.travel.get((min(a, b), max(a, b)), self.default_travel)


@dataclass(frozen=True)
class Unfilled:
    need: str
    date: dt.date
    missing: int
    reasons: tuple = ()  # solver.reasons.Reason (code + params) or plain str; str() gives English


@dataclass(frozen=True)
class Schedule:
    problem: str
    assignments: tuple[Assignment, ...]
    unfilled: tuple[Unfilled, ...] = ()
    solver: Mapping[str, object] = field(default_factory=dict)
