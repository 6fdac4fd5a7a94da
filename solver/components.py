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

    leaders: dict[str, set[str]] = defaultdict(set)  # per need, everyone who could take one of its dates
    for occ in index.occurrences:
        leaders[occ.need.id].update(index.candidates[occ.index])
    for need_id, candidates in leaders.items():
        union(("need", need_id), ("need", need_id))
        for leader_id in candidates:
            union(("need", need_id), ("leader", leader_id))
    groups: dict[object, list[Occurrence]] = defaultdict(list)
    for occ in index.occurrences:
        groups[find(("need", occ.need.id))].append(occ)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0].index))


def candidate_pairs(index: Index, occurrences: list[Occurrence]) -> int:
    return sum(len(index.candidates[o.index]) for o in occurrences)
