"""Tiny hand-built problems and assertions shared by the solver tests."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ortools.sat.python import cp_model

from solver.index import build_index, clashes
from solver.problem import (Absence, Assignment, Club, Leader, Need, Problem, Schedule, Site, Window,
                            occurrence_dates)
from solver.roster import Roster
from solver.variables import AssignmentVars

MONDAY = dt.date(2027, 1, 11)  # ISO week 2027-W02
SEED = {"num_workers": 1, "random_seed": 7}


def day(offset: int) -> dt.date:
    return MONDAY + dt.timedelta(days=offset)


def hm(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:])


def _span(start: int, end: int) -> tuple[int, int]:
    return start, end if end > start else end + 1440


def leader(id: str, *, club: str = "sif", skills=(), credentials=None, windows=None, absences=(),
           per_day=None, per_week=None) -> Leader:
    """Available every day 00:00-24:00 (plus the night after) unless windows are given."""
    if windows is None:
        windows = [(wd, "00:00", None) for wd in range(1, 8)]
    built = tuple(Window(wd, *_span(hm(a), hm(b) if b else 2 * 1440)) for wd, a, b in windows)
    return Leader(id, club, frozenset(skills), dict(credentials or {}), built,
                  tuple(Absence(a, b) for a, b in absences), per_day, per_week)


def need(id: str, *, start="10:00", end="12:00", seats=1, priority=3, site="a", weekdays=(1,),
         dates=(), skills=(), credentials=(), period=(MONDAY, MONDAY + dt.timedelta(days=6))) -> Need:
    begin, finish = hm(start), hm(end)
    if finish <= begin:
        finish += 1440
    occ = occurrence_dates(*period, weekdays=weekdays, dates=dates)
    return Need(id, site, id, begin, finish, seats, priority, frozenset(skills), frozenset(credentials),
                tuple(weekdays), tuple(dates), occurrences=occ)


def problem(leaders, needs, *, weeks: int = 1, travel=None, default_travel=0, baseline=(), pinned=(),
            clubs=None) -> Problem:
    end = MONDAY + dt.timedelta(days=7 * weeks - 1)
    sites = {n.site for n in needs}
    return Problem("test", MONDAY, end, {s: Site(s) for s in sites},
                   clubs or {l.club: Club(l.club) for l in leaders},
                   {l.id: l for l in leaders}, {n.id: n for n in needs},
                   {(min(a, b), max(a, b)): m for (a, b), m in (travel or {}).items()}, default_travel,
                   tuple(baseline), tuple(pinned))


def weekly(id: str, weeks: int, **kwargs) -> Need:
    return need(id, period=(MONDAY, MONDAY + dt.timedelta(days=7 * weeks - 1)), **kwargs)


def model_for(prob: Problem, *rules, force=()) -> AssignmentVars:
    """A model of the whole problem with only the given rules; ``force`` fixes (need, date, leader)."""
    index = build_index(prob)
    vars_ = AssignmentVars.create(Roster(index), index.occurrences)
    for rule in rules:
        rule(vars_)
    for need_id, date, leader_id in force:
        key = (index.by_key[(need_id, date)], leader_id)
        assert key in vars_.x, f"{leader_id} has no variable for {need_id} {date}"
        vars_.model.add(vars_.x[key] == 1)
    return vars_


def _status(vars_: AssignmentVars) -> int:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 7
    solver.parameters.max_time_in_seconds = 10
    return solver.solve(vars_.model)


def assert_feasible(vars_: AssignmentVars) -> None:
    assert _status(vars_) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def assert_infeasible(vars_: AssignmentVars) -> None:
    assert _status(vars_) == cp_model.INFEASIBLE


def violations(prob: Problem, schedule: Schedule) -> list[str]:
    """An independent check of the seven hard rules, written plainly rather than fast."""
    index = build_index(prob)
    found = []
    per_occ, per_leader = defaultdict(list), defaultdict(list)
    for a in schedule.assignments:
        occ = index.occurrence(a.need, a.date)
        if occ is None or a.leader not in prob.leaders:
            found.append(f"rule 1: {a}")
            continue
        if a.leader not in index.candidates[occ.index]:
            found.append(f"rules 3-4: {a}")
        per_occ[occ.index].append(a.leader)
        per_leader[a.leader].append(occ)
    for i, leaders in per_occ.items():
        if len(leaders) > index.occurrences[i].seats or len(set(leaders)) < len(leaders):
            found.append(f"rule 2: {index.occurrences[i].need.id} {index.occurrences[i].date}")
    for leader_id, occs in per_leader.items():
        ldr = prob.leaders[leader_id]
        for x, a in enumerate(occs):
            for b in occs[x + 1:]:
                if clashes(prob, a, b):
                    found.append(f"rule 5: {leader_id} {a.need.id} {b.need.id}")
        per_day, per_week = defaultdict(int), defaultdict(int)
        for o in occs:
            per_day[o.date] += o.minutes
            per_week[o.week] += o.minutes
        if ldr.max_minutes_per_day is not None and any(m > ldr.max_minutes_per_day for m in per_day.values()):
            found.append(f"rule 6 day: {leader_id}")
        if ldr.max_minutes_per_week is not None and any(m > ldr.max_minutes_per_week for m in per_week.values()):
            found.append(f"rule 6 week: {leader_id}")
    have = set(schedule.assignments)
    found.extend(f"rule 7: {p}" for p in prob.pinned if p not in have)
    return found


def continuity(prob: Problem, schedule: Schedule) -> float:
    distinct, occs = defaultdict(set), defaultdict(set)
    for a in schedule.assignments:
        key = (a.need, a.date.isoweekday())
        distinct[key].add(a.leader)
        occs[key].add(a.date)
    total = sum(len(d) for d in occs.values())
    return sum(len(occs[k]) * min(1, prob.needs[k[0]].seats / len(distinct[k])) for k in occs) / total


def assignment(need_id: str, date: dt.date, leader_id: str) -> Assignment:
    return Assignment(need_id, date, leader_id)
