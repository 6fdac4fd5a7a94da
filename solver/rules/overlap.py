"""Rule 5: a leader's assignments neither overlap nor leave less than the travel time between sites.

Clashes are posted as cliques (at most one of a set of mutually clashing occurrences) rather than
pairs: far fewer constraints, and a much tighter LP relaxation, which is what proves fill optimal.
Occurrences that overlap in time are intervals, so the maximal sets running at one moment are found
by one sweep over their starts and cover every overlap; the few pairs that only clash through
travel time (one ends, the other starts too soon at another site) are added as pairs.
"""
from __future__ import annotations

from bisect import bisect_left

from ..index import Occurrence, clashes
from ..problem import Problem
from ..variables import AssignmentVars


def clash_cliques(occs: list[Occurrence], problem: Problem, max_travel: int) -> list[list[int]]:
    """Cliques (of occurrence indices) covering every clash among ``occs``, all for one leader."""
    occs = sorted(occs, key=lambda o: (o.start, o.index))
    cliques: list[list[int]] = []
    running: list[Occurrence] = []
    grown = False  # the running set gained a member since it was last written down
    for occ in occs:
        still = [o for o in running if o.end > occ.start]
        if len(still) < len(running):
            if grown and len(running) > 1:
                cliques.append([o.index for o in running])
            grown = False
        running = still + [occ]
        grown = True
    if grown and len(running) > 1:
        cliques.append([o.index for o in running])
    if max_travel:
        starts = [o.start for o in occs]
        for a in occs:
            for b in occs[bisect_left(starts, a.end):bisect_left(starts, a.end + max_travel)]:
                if clashes(problem, a, b):
                    cliques.append([a.index, b.index])
    return cliques


def add_no_clashes(vars_: AssignmentVars) -> None:
    index = vars_.roster.index
    occurrences = index.occurrences
    for leader_id, mine in vars_.by_leader.items():
        if len(mine) < 2:
            continue
        for clique in clash_cliques([occurrences[i] for i in mine], index.problem, index.max_travel):
            vars_.model.add_at_most_one([vars_.x[(i, leader_id)] for i in clique])
