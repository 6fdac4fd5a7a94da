"""Rule 2: no occurrence gets more leaders than seats (a leader appears at most once: one variable)."""
from __future__ import annotations

from ..variables import AssignmentVars


def add_seat_limits(vars_: AssignmentVars) -> None:
    for i, leaders in vars_.by_occurrence.items():
        free = vars_.roster.free_seats(vars_.occurrence(i))
        if len(leaders) <= free:
            continue
        if free == 1:
            vars_.model.add_at_most_one([vars_.x[(i, l)] for l in leaders])
        else:
            vars_.add_at_most([(i, l) for l in leaders], [1] * len(leaders), free)
