"""Rule 5: a leader's assignments neither overlap nor leave less than the travel time between sites.

Clashes are posted as cliques (at most one of a set of mutually clashing occurrences) rather than
pairs: far fewer constraints, and a much tighter LP relaxation, which is what proves fill optimal.
"""
from __future__ import annotations

from ..variables import AssignmentVars


def clash_cliques(mine: list[int], clashes: dict[int, list[int]], order: dict[int, int]) -> list[list[int]]:
    """Greedy clique cover of the clash edges among ``mine``, sweeping occurrences by start time."""
    present = set(mine)
    neighbours = {i: {j for j in clashes.get(i, ()) if j in present} for i in mine}
    uncovered = {(i, j) for i in mine for j in neighbours[i] if order[i] < order[j]}
    cliques = []
    for i in sorted(mine, key=order.__getitem__):
        later = sorted((j for j in neighbours[i] if order[j] > order[i] and (i, j) in uncovered),
                       key=order.__getitem__)
        if not later:
            continue
        clique = [i]
        for j in later:
            if all(j in neighbours[k] for k in clique[1:]):
                clique.append(j)
        for a_pos, a in enumerate(clique):
            for b in clique[a_pos + 1:]:
                uncovered.discard((a, b) if order[a] < order[b] else (b, a))
        cliques.append(clique)
        # edges from i left out of the clique get their own pair
        for j in later:
            if (i, j) in uncovered:
                cliques.append([i, j])
                uncovered.discard((i, j))
    return cliques


def add_no_clashes(vars_: AssignmentVars) -> None:
    index = vars_.roster.index
    order = {o.index: (o.start, o.index) for o in vars_.occurrences}
    for leader_id, mine in vars_.by_leader.items():
        if len(mine) < 2:
            continue
        for clique in clash_cliques(mine, index.conflicts(leader_id), order):
            vars_.model.add_at_most_one(vars_.x[(i, leader_id)] for i in clique)
