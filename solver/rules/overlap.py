"""Rule 5: a leader's assignments neither overlap nor leave less than the travel time between sites.

Clashes are posted as cliques (at most one of a set of mutually clashing occurrences) rather than
pairs: far fewer constraints, and a much tighter LP relaxation, which is what proves fill optimal.
Occurrences that overlap in time are intervals, so the maximal sets running at one moment are found
by one sweep over their starts and cover every overlap. The clashes through travel time alone (one
ends, the other starts too soon at another site) go the same way: an occurrence with each maximal
set of its too-close successors that run at one moment. Which successors are too close does not
depend on the leader, so it is worked out once per model.
"""
from __future__ import annotations

from bisect import bisect_left

from ..index import Occurrence, clashes
from ..problem import Problem
from ..variables import AssignmentVars

TravelClashes = dict[int, list[Occurrence]]  # occurrence -> later ones it clashes with by travel alone


def travel_clashes(occs: list[Occurrence], problem: Problem, max_travel: int) -> TravelClashes:
    """For each occurrence, the later ones that start after it ends but before the travel time."""
    occs = sorted(occs, key=lambda o: (o.start, o.index))
    starts = [o.start for o in occs]
    found: TravelClashes = {}
    if max_travel:
        for a in occs:
            later = [b for b in occs[bisect_left(starts, a.end):bisect_left(starts, a.end + max_travel)]
                     if clashes(problem, a, b)]
            if later:
                found[a.index] = later
    return found


def running_together(occs: list[Occurrence]) -> list[list[Occurrence]]:
    """The maximal sets of ``occs`` (sorted by start) that run at one moment: every overlap lies
    within one of them, and so does every occurrence."""
    groups: list[list[Occurrence]] = []
    running: list[Occurrence] = []
    grown = False  # the running set gained a member since it was last written down
    for occ in occs:
        still = [o for o in running if o.end > occ.start]
        if len(still) < len(running) and grown:
            groups.append(running)
            grown = False
        running = still + [occ]
        grown = True
    if grown:
        groups.append(running)
    return groups


def clash_cliques(occs: list[Occurrence], problem: Problem, max_travel: int,
                  travel: TravelClashes | None = None) -> list[list[int]]:
    """Cliques (of occurrence indices) covering every clash among ``occs``, all for one leader.
    ``travel``: travel_clashes over a superset of ``occs``, to save working it out again."""
    occs = sorted(occs, key=lambda o: (o.start, o.index))
    if travel is None:
        travel = travel_clashes(occs, problem, max_travel)
    cliques = [[o.index for o in group] for group in running_together(occs) if len(group) > 1]
    mine = {o.index for o in occs}
    for a in occs:
        later = [b for b in travel.get(a.index, ()) if b.index in mine]
        cliques += [[a.index] + [b.index for b in group] for group in running_together(later)]
    return cliques


def add_no_clashes(vars_: AssignmentVars) -> None:
    index = vars_.roster.index
    occurrences = index.occurrences
    travel = travel_clashes([occurrences[i] for i in vars_.by_occurrence], index.problem, index.max_travel)
    for leader_id, mine in vars_.by_leader.items():
        if len(mine) < 2:
            continue
        for clique in clash_cliques([occurrences[i] for i in mine], index.problem, index.max_travel, travel):
            vars_.model.add_at_most_one([vars_.x[(i, leader_id)] for i in clique])
