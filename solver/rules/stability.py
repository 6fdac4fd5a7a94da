"""Re-plan objective: keep what the published baseline promised wherever it is still possible."""
from __future__ import annotations

import datetime as dt

from ..index import Occurrence
from ..problem import Assignment
from ..variables import AssignmentVars


def baseline_keys(baseline: tuple[Assignment, ...]) -> set[tuple[str, dt.date, str]]:
    return {(a.need, a.date, a.leader) for a in baseline}


def kept(occurrences: list[Occurrence], pairs, baseline: set[tuple[str, dt.date, str]]) -> int:
    """How many of the (occurrence index, leader) ``pairs`` the baseline published."""
    return sum((occurrences[i].need.id, occurrences[i].date, l) in baseline for i, l in pairs)


def stability_terms(vars_: AssignmentVars, baseline: set[tuple[str, dt.date, str]]) -> dict[tuple[int, str], int]:
    terms = {}
    for i, leader_id in vars_.x:
        occ = vars_.occurrence(i)
        if (occ.need.id, occ.date, leader_id) in baseline:
            terms[(i, leader_id)] = 1
    return terms
