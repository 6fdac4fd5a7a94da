"""Rule 6: assigned minutes per leader stay within the day (start date) and ISO-week limits."""
from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from ..variables import AssignmentVars


def add_minute_limits(vars_: AssignmentVars) -> None:
    roster = vars_.roster
    for leader_id, mine in vars_.by_leader.items():
        leader = roster.index.problem.leaders[leader_id]
        by_day, by_week = defaultdict(list), defaultdict(list)
        for i in mine:
            occ = vars_.occurrence(i)
            by_day[occ.date].append(occ)
            by_week[occ.week].append(occ)
        if leader.max_minutes_per_day is not None:
            for day, occs in by_day.items():
                room = leader.max_minutes_per_day - roster.day_minutes[(leader_id, day)]
                _limit(vars_, leader_id, occs, room)
        if leader.max_minutes_per_week is not None:
            for week, occs in by_week.items():
                room = leader.max_minutes_per_week - roster.week_minutes[(leader_id, week)]
                _limit(vars_, leader_id, occs, room)


def _limit(vars_: AssignmentVars, leader_id: str, occs, room: int) -> None:
    if sum(o.minutes for o in occs) <= room:
        return  # cannot bind: skip the constraint
    vars_.model.add(cp_model.LinearExpr.weighted_sum([vars_.x[(o.index, leader_id)] for o in occs],
                                                     [o.minutes for o in occs]) <= room)
