"""The proposal as a week grid: places down, days across, each occurrence with its crew and fill."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from pool.models import Assignment, Need, Schedule
from solver.problem import Problem, clock


@dataclass
class Cell:
    need: Need
    day: dt.date
    seats: int
    crew: list[Assignment] = field(default_factory=list)
    site: str = ""

    @property
    def filled(self) -> int:
        return min(len(self.crew), self.seats)

    @property
    def fill_class(self) -> str:
        return "full" if self.filled >= self.seats else ("empty" if not self.filled else "part")

    @property
    def hours(self) -> str:
        return f"{clock(self.need.start_minute)}–{clock(self.need.end_minute)}"

    @property
    def print_title(self) -> str:
        """The title without what its row and the hours already say ('Rastvärdar Sätraskolan 08:00–15:00'
        → 'Rastvärdar'), so that a busy week prints on one page."""
        return print_title(self.need.title, self.site, self.hours)


@dataclass
class Row:
    site: str
    days: list[list[Cell]]


def week_days(monday: dt.date) -> list[dt.date]:
    return [monday + dt.timedelta(days=i) for i in range(7)]


def build(session, schedule: Schedule, problem: Problem, monday: dt.date) -> list[Row]:
    days = week_days(monday)
    needs = {n.code: n for n in session.scalars(sa.select(Need).where(Need.pool_id == schedule.pool_id,
                                                                      Need.code.in_(list(problem.needs))))}
    crews: dict[tuple[int, dt.date], list[Assignment]] = defaultdict(list)
    for a in schedule.assignments:
        if monday <= a.day <= days[-1]:
            crews[(a.need_id, a.day)].append(a)
    rows: dict[str, list[list[Cell]]] = {}
    for need in sorted(problem.needs.values(), key=lambda n: (n.start, n.title)):
        for day in need.occurrences:
            if monday <= day <= days[-1]:
                site = problem.sites[need.site].name or need.site
                row = rows.setdefault(site, [[] for _ in days])
                crew = sorted(crews.get((needs[need.id].id, day), []), key=lambda a: a.leader.name)
                row[(day - monday).days].append(Cell(needs[need.id], day, need.seats, crew, site))
    return [Row(site, cells) for site, cells in sorted(rows.items())]


def print_title(title: str, site: str, hours: str) -> str:
    shorter = " ".join(title.replace(site, " ").replace(hours, " ").split()).strip(" –-")
    return shorter or title


def short_name(name: str) -> str:
    """'Amina Yusuf' → 'Amina Y.', so that a printed week fits on one page."""
    parts = name.split()
    return f"{parts[0]} {parts[-1][0]}." if len(parts) > 1 else name
