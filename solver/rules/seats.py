"""Rule 2: no occurrence gets more leaders than seats (a leader appears at most once: one variable)."""
from __future__ import annotations

from ..variables import AssignmentVars


def add_seat_limits(vars_: AssignmentVars) -> None:
    for i, leaders in vars_.by_occurrence.items():
        occ = vars_.occurrence(i)
        free = vars_.roster.free_seats(occ)
        if len(leaders) > free:
            vars_.model.add(sum(vars_.x[(i, l)] for l in leaders) <= free)
