"""The assignments made so far, with the bookkeeping that makes "can this leader take it?" cheap."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from .index import Index, IsoWeek, Occurrence, Series, clashes


class Roster:
    def __init__(self, index: Index):
        self.index = index
        self.seated: dict[int, list[str]] = defaultdict(list)  # occurrence -> leaders
        # leader -> date ordinal -> assignments starting that day
        self.busy: dict[str, dict[int, list[Occurrence]]] = defaultdict(lambda: defaultdict(list))
        self.day_minutes: dict[tuple[str, dt.date], int] = defaultdict(int)
        self.week_minutes: dict[tuple[str, IsoWeek], int] = defaultdict(int)
        self.leader_minutes: dict[str, int] = defaultdict(int)
        self.series_leaders: dict[Series, Counter[str]] = defaultdict(Counter)  # leader -> dates served
        self.pinned: set[tuple[int, str]] = set()  # (occurrence, leader) pairs that must stay
        self._eligible = [frozenset(c) for c in index.candidates]
        # for could_join: when each leader's assignments last changed, counted in adds and removes
        # (who fits where stays true for every leader not changed since), and per occurrence the
        # count then with the candidates who could join it then
        self._changes = 0
        self._changed_at: dict[str, int] = {}
        self._joinable: dict[int, tuple[int, set[str]]] = {}

    # ---- queries
    def free_seats(self, occ: Occurrence) -> int:
        return occ.seats - len(self.seated[occ.index])

    def is_eligible(self, leader_id: str, occ: Occurrence) -> bool:
        return leader_id in self._eligible[occ.index]

    def clashing(self, leader_id: str, occ: Occurrence) -> list[Occurrence]:
        """The leader's current assignments that clash with ``occ`` (rule 5)."""
        days = self.busy.get(leader_id)
        if not days:
            return []
        found = []
        reach = self.index.max_travel
        for day in (occ.day - 1, occ.day, occ.day + 1):
            for other in days.get(day, ()):
                if other.end + reach <= occ.start or occ.end + reach <= other.start:
                    continue  # too far apart in time to clash whatever the travel
                if other.index == occ.index or clashes(self.index.problem, occ, other):
                    found.append(other)
        return found

    def within_limits(self, leader_id: str, occ: Occurrence) -> bool:
        """Rule 6: the occurrence still fits the leader's day and week minutes."""
        leader = self.index.problem.leaders[leader_id]
        if leader.max_minutes_per_day is not None and \
                self.day_minutes[(leader_id, occ.date)] + occ.minutes > leader.max_minutes_per_day:
            return False
        return leader.max_minutes_per_week is None or \
            self.week_minutes[(leader_id, occ.week)] + occ.minutes <= leader.max_minutes_per_week

    def fits(self, leader_id: str, occ: Occurrence) -> bool:
        """Could the leader be added to ``occ`` given everything already assigned (seats aside)?"""
        return self.is_eligible(leader_id, occ) and self.within_limits(leader_id, occ) \
            and not self.clashing(leader_id, occ)

    def could_join(self, occ: Occurrence) -> set[str]:
        """The candidates who fit ``occ`` and are not on it (read only). The construction's repair and
        the series stage ask this again and again for the same occurrences while few leaders change
        in between: only the leaders changed since the last time are checked again."""
        cached = self._joinable.get(occ.index)
        leaders = self.index.candidates[occ.index]
        if cached is None:
            joinable = set()
        else:
            since, joinable = cached
            leaders = [l for l in leaders if self._changed_at.get(l, 0) > since]
        seated = self.seated[occ.index]
        for leader_id in leaders:
            if leader_id not in seated and self.fits(leader_id, occ):
                joinable.add(leader_id)
            else:
                joinable.discard(leader_id)
        self._joinable[occ.index] = (self._changes, joinable)
        return joinable

    def can_take(self, leader_id: str, occ: Occurrence) -> bool:
        return self.free_seats(occ) > 0 and self.fits(leader_id, occ)

    # ---- changes
    def add(self, leader_id: str, occ: Occurrence) -> None:
        self._touch(leader_id)
        self.seated[occ.index].append(leader_id)
        self.busy[leader_id][occ.day].append(occ)
        self.day_minutes[(leader_id, occ.date)] += occ.minutes
        self.week_minutes[(leader_id, occ.week)] += occ.minutes
        self.leader_minutes[leader_id] += occ.minutes
        self.series_leaders[occ.series][leader_id] += 1

    def _touch(self, leader_id: str) -> None:
        self._changes += 1
        self._changed_at[leader_id] = self._changes

    def is_pinned(self, leader_id: str, occ: Occurrence) -> bool:
        return (occ.index, leader_id) in self.pinned

    def remove(self, leader_id: str, occ: Occurrence) -> None:
        if self.is_pinned(leader_id, occ):
            raise ValueError(f"{leader_id} is pinned to {occ.need.id} on {occ.date}")
        self._touch(leader_id)
        self.seated[occ.index].remove(leader_id)
        self.busy[leader_id][occ.day].remove(occ)
        self.day_minutes[(leader_id, occ.date)] -= occ.minutes
        self.week_minutes[(leader_id, occ.week)] -= occ.minutes
        self.leader_minutes[leader_id] -= occ.minutes
        served = self.series_leaders[occ.series]
        served[leader_id] -= 1
        if not served[leader_id]:
            del served[leader_id]

    def take_out(self, occurrences) -> set[tuple[int, str]]:
        """Removes the occurrences' assignments but the pinned ones, and returns them as
        (occurrence index, leader) pairs."""
        taken = set()
        for occ in occurrences:
            for leader_id in list(self.seated.get(occ.index, ())):
                if not self.is_pinned(leader_id, occ):
                    self.remove(leader_id, occ)
                    taken.add((occ.index, leader_id))
        return taken

    def add_pairs(self, pairs) -> None:
        """Adds (occurrence index, leader) pairs, such as take_out returned."""
        for i, leader_id in pairs:
            self.add(leader_id, self.index.occurrences[i])

    def remove_pairs(self, pairs) -> None:
        """Removes (occurrence index, leader) pairs, such as add_pairs added."""
        for i, leader_id in pairs:
            self.remove(leader_id, self.index.occurrences[i])

    def pairs(self):
        """Every (occurrence, leader) assigned so far."""
        occs = self.index.occurrences
        for i, leaders in self.seated.items():
            for leader_id in leaders:
                yield occs[i], leader_id

    def filled_weight(self) -> int:
        return sum(occ.weight for occ, _ in self.pairs())
