"""Rule 6: assigned minutes per leader stay within the day (start date) and ISO-week limits."""
from __future__ import annotations

from collections import defaultdict

from ..variables import AssignmentVars


def add_minute_limits(vars_: AssignmentVars) -> None:
    roster = vars_.roster
    leaders = roster.index.problem.leaders
    occurrences = roster.index.occurrences
    for leader_id, mine in vars_.by_leader.items():
        leader = leaders[leader_id]
        occs = [occurrences[i] for i in mine]
        if leader.max_minutes_per_day is not None:
            _limit(vars_, leader_id, occs, "date", leader.max_minutes_per_day, roster.day_minutes)
        if leader.max_minutes_per_week is not None:
            _limit(vars_, leader_id, occs, "week", leader.max_minutes_per_week, roster.week_minutes)


def _limit(vars_: AssignmentVars, leader_id: str, occs, period: str, most: int, used: dict) -> None:
    """At most ``most`` minutes in each day or week (``period``), less what the roster already uses."""
    groups = defaultdict(list)
    for occ in occs:
        groups[getattr(occ, period)].append(occ)
    for when, group in groups.items():
        room = most - used[(leader_id, when)]
        minutes = [o.minutes for o in group]
        if sum(minutes) > room:  # otherwise it cannot bind: no constraint
            vars_.add_at_most([(o.index, leader_id) for o in group], minutes, room)
