"""Independent parts of a problem: occurrences linked through leaders who could take them.

Two parts share no leader, so no rule connects them and each can be solved on its own.
"""
from __future__ import annotations

from collections import defaultdict

from .index import Index, Occurrence


def components(index: Index) -> list[list[Occurrence]]:
    """Groups of occurrences with no eligible leader in common, largest first."""
    parent: dict[object, object] = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

    for occ in index.occurrences:
        union(("need", occ.need.id), ("need", occ.need.id))
        for leader_id in index.candidates[occ.index]:
            union(("need", occ.need.id), ("leader", leader_id))
    groups: dict[object, list[Occurrence]] = defaultdict(list)
    for occ in index.occurrences:
        groups[find(("need", occ.need.id))].append(occ)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0].index))


def candidate_pairs(index: Index, occurrences: list[Occurrence]) -> int:
    return sum(len(index.candidates[o.index]) for o in occurrences)
