"""Precomputed facts every strategy shares: occurrences, who may take them, and which pairs clash.

Eligibility covers the per-assignment rules (occurrence, availability, absence, skills, credentials),
so a rule that only ever sees eligible (occurrence, leader) pairs cannot break them.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

from .problem import DAY, Leader, Need, Problem

IsoWeek = tuple[int, int]
Series = tuple[str, int]  # (need id, ISO weekday): the unit continuity is judged on


@dataclass(frozen=True)
class Occurrence:
    index: int
    need: Need
    date: dt.date
    start: int  # absolute minutes: date ordinal × 1440 + clock minutes, comparable across days
    end: int

    @cached_property
    def day(self) -> int:
        return self.date.toordinal()

    @cached_property
    def minutes(self) -> int:
        return self.end - self.start

    @cached_property
    def weight(self) -> int:
        """What one filled seat is worth to the fill objective."""
        return self.need.priority * self.minutes

    @cached_property
    def week(self) -> IsoWeek:
        iso = self.date.isocalendar()
        return iso[0], iso[1]

    @cached_property
    def series(self) -> Series:
        return self.need.id, self.date.isoweekday()

    @property
    def site(self) -> str:
        return self.need.site

    @property
    def seats(self) -> int:
        return self.need.seats


def statically_qualified(leader: Leader, need: Need) -> bool:
    """Skills and the existence of each credential kind: date-independent, checked once per pair."""
    return need.skills <= leader.skills and all(kind in leader.credentials for kind in need.credentials)


def eligible_on(leader: Leader, need: Need, day: dt.date) -> bool:
    """Rules 3 and 4 for one leader, need and occurrence date (assumes statically qualified)."""
    return leader.is_available(day, need.start, need.end) and present_and_credentialed(leader, need, day)


def present_and_credentialed(leader: Leader, need: Need, day: dt.date) -> bool:
    """The date-dependent half of eligibility: not absent, every credential still valid."""
    return present_while_valid(leader, day, credentials_valid_until(leader, need))


def present_while_valid(leader: Leader, day: dt.date, valid_until: dt.date) -> bool:
    """Not absent on ``day``, and ``day`` no later than ``valid_until`` (credentials_valid_until)."""
    return day <= valid_until and not leader.is_absent(day)


def credentials_valid_until(leader: Leader, need: Need) -> dt.date:
    """The last day every credential the need asks for is valid (assumes statically qualified)."""
    return min((leader.credentials[kind] for kind in need.credentials), default=dt.date.max)


def is_eligible(problem: Problem, need_id: str, day: dt.date, leader_id: str) -> bool:
    """Rules 1, 3 and 4 for a single assignment, for pins, baselines and checks."""
    need, leader = problem.needs.get(need_id), problem.leaders.get(leader_id)
    if need is None or leader is None or day not in need.occurrences:
        return False
    return statically_qualified(leader, need) and eligible_on(leader, need, day)


def clashes(problem: Problem, a: Occurrence, b: Occurrence) -> bool:
    """Rule 5 for one leader: overlap (half-open) or too little travel time between sites."""
    first, second = (a, b) if a.start <= b.start else (b, a)
    if second.start < first.end:
        return True
    return second.start - first.end < problem.travel_minutes(first.site, second.site)


@dataclass
class Index:
    problem: Problem
    occurrences: list[Occurrence]
    candidates: list[tuple[str, ...]]  # per occurrence index: eligible leader ids
    by_leader: dict[str, list[int]]  # leader id -> eligible occurrence indices, by start
    by_key: dict[tuple[str, dt.date], int]  # (need id, date) -> occurrence index
    max_travel: int

    def occurrence(self, need_id: str, day: dt.date) -> Occurrence | None:
        i = self.by_key.get((need_id, day))
        return None if i is None else self.occurrences[i]

    @cached_property
    def eligible_dates(self) -> dict[Series, Counter[str]]:
        """Per series, each leader with the number of its dates they are eligible for."""
        counts: dict[Series, Counter[str]] = defaultdict(Counter)
        for occ in self.occurrences:
            counts[occ.series].update(self.candidates[occ.index])
        return counts

    def weeks(self) -> list[IsoWeek]:
        return sorted({o.week for o in self.occurrences})


def build_index(problem: Problem) -> Index:
    occurrences: list[Occurrence] = []
    candidates: list[tuple[str, ...]] = []
    by_leader: dict[str, list[int]] = defaultdict(list)
    leaders = list(problem.leaders.values())
    absent = _absent_days(problem)
    free_at: dict[tuple[int, int, int], set[str]] = {}  # (weekday, start, end) -> leaders available
    for need in sorted(problem.needs.values(), key=lambda n: n.id):
        # each leader's credentials looked up once per need, not once per date
        qualified = [(l, credentials_valid_until(l, need)) for l in leaders if statically_qualified(l, need)]
        available: dict[int, list[tuple[Leader, dt.date]]] = {}  # availability depends only on the weekday
        for day in need.occurrences:
            weekday = day.isoweekday()
            if weekday not in available:
                slot = (weekday, need.start, need.end)
                if slot not in free_at:  # needs share their times: each leader asked once per slot
                    free_at[slot] = {l.id for l in leaders if l.is_available(day, need.start, need.end)}
                available[weekday] = [(l, valid) for l, valid in qualified if l.id in free_at[slot]]
            base = day.toordinal() * DAY
            occ = Occurrence(len(occurrences), need, day, base + need.start, base + need.end)
            # present_while_valid, unrolled: this runs for every (leader, date) pair of a region
            eligible = tuple(l.id for l, valid in available[weekday] if day <= valid and day not in absent[l.id])
            occurrences.append(occ)
            candidates.append(eligible)
    order = sorted(range(len(occurrences)), key=lambda i: (occurrences[i].start, i))
    for i in order:
        for leader_id in candidates[i]:
            by_leader[leader_id].append(i)
    by_key = {(o.need.id, o.date): o.index for o in occurrences}
    max_travel = max([problem.default_travel, *problem.travel.values()], default=0)
    return Index(problem, occurrences, candidates, dict(by_leader), by_key, max_travel)


def _absent_days(problem: Problem) -> dict[str, frozenset[dt.date]]:
    """Per leader, the dates of the problem's needs on which they are absent."""
    dates = {day for need in problem.needs.values() for day in need.occurrences}
    return {l.id: frozenset(day for day in dates if l.is_absent(day)) if l.absences else frozenset()
            for l in problem.leaders.values()}
