"""Continuity-aware construction: the whole plan for parts too big for an exact model, and the
starting solution of every exact week (so a short time limit still gives a sensible week).

1. keep a given plan where it still fits: what the baseline published, or for the start of a
   re-plan's week each series' regulars (and, after an exact solve, take back what it gave away
   for nothing: restore_baseline);
2. crews: per series (need, weekday), the highest priority first and among equals the scarcest
   (so the repair seldom has to break a crew to trade up), pick for each seat the leader who can
   take the most of the series' dates, and give them all of those dates;
3. substitutes: fill what is still open, preferring the series' crew;
4. repair: free a leader for an open seat by handing one of their assignments to someone else (or
   by leaving it open when the seat gained is worth more: fill first, however the crews fare);
5. continuity: give dates taken by occasional leaders back to the series' regulars.
"""
from __future__ import annotations

import time
from collections import defaultdict

from .index import Occurrence, Series
from .roster import Roster
from .rules.continuity import ContinuityCosts, judged


class Construction:
    def __init__(self, roster: Roster, occurrences: list[Occurrence], continuity: ContinuityCosts,
                 deadline: float, keep: set = frozenset()):
        self.roster = roster
        self.index = roster.index
        self.occurrences = sorted(occurrences, key=lambda o: (o.start, o.index))
        self.continuity = continuity
        self.deadline = deadline
        self.keep = keep  # (need id, date, leader) pairs the continuity moves leave alone: the plan
        self.flexibility = {l: len(occs) for l, occs in self.index.by_leader.items()}
        self._no_stand_in: set[int] = set()  # occurrences no one else can take over, until a change
        self.series: dict[Series, list[Occurrence]] = defaultdict(list)
        for occ in self.occurrences:
            self.series[occ.series].append(occ)

    def out_of_time(self) -> bool:
        return time.perf_counter() > self.deadline

    def run(self, plan: tuple = ()) -> None:
        self.keep_plan(plan)
        self.build_crews()
        self.fill_with_substitutes()
        self.repair()
        self.return_to_regulars()

    # ---- 1. the plan
    def keep_plan(self, plan) -> None:
        mine = {o.index for o in self.occurrences}
        for a in sorted(plan, key=lambda a: (a.date, a.need, a.leader)):
            occ = self.index.occurrence(a.need, a.date)
            if occ is not None and occ.index in mine and a.leader not in self.roster.seated[occ.index] \
                    and self.roster.can_take(a.leader, occ):
                self.roster.add(a.leader, occ)

    # ---- 2. crews
    def build_crews(self) -> None:
        """Like the substitutes, runs to the end whatever the deadline: without it nothing is planned.

        Every series' regulars (from pins, the baseline or earlier weeks) go back to it before any
        newcomer is picked, so one series' newcomer is never another series' regular."""
        order = sorted(self.series, key=self._crew_order)
        for series in order:
            occs = self.series[series]
            crew = self.continuity.crew(self.roster, series)
            for leader_id in sorted(crew, key=lambda l: (-crew[l], l))[:occs[0].seats]:
                self._give(leader_id, occs)
        for series in order:
            occs = self.series[series]
            # which of its open dates each leader could take: giving the series a leader changes no
            # one else's assignments and only closes dates, so this holds for its other seats too
            dates: dict[str, list[Occurrence]] = {}
            for _ in range(occs[0].seats):
                best = self._best_crew_member(series, occs, dates)
                if best is None:
                    break
                self._give(best, occs)

    def _crew_order(self, series: Series) -> tuple:
        occs = self.series[series]
        candidates = len(self.continuity.eligible_dates[series])
        return -occs[0].need.priority, candidates / occs[0].seats, -occs[0].weight, series

    def _best_crew_member(self, series: Series, occs: list[Occurrence],
                          dates: dict[str, list[Occurrence]]) -> str | None:
        open_occs = [o for o in occs if self.roster.free_seats(o) > 0]
        if not open_occs:
            return None
        top_weight = max(o.weight for o in open_occs)
        counts = self.continuity.eligible_dates[series]
        seated = self.roster.series_leaders.get(series, {})
        ranked = sorted((l for l in counts if l not in seated),
                        key=lambda l: (-counts[l], self.flexibility.get(l, 0), self.roster.leader_minutes[l], l))
        best, best_score = None, 0
        for leader_id in ranked:
            if counts[leader_id] * top_weight <= best_score:
                break  # no later leader can beat the best: they are eligible for fewer dates
            if leader_id not in dates:
                dates[leader_id] = [o for o in open_occs if self._fits(leader_id, o)]
            score = sum(o.weight for o in dates[leader_id] if self.roster.free_seats(o) > 0)
            if score > best_score:
                best, best_score = leader_id, score
        return best

    def _fits(self, leader_id: str, occ: Occurrence) -> bool:
        return leader_id not in self.roster.seated[occ.index] and self.roster.fits(leader_id, occ)

    def _give(self, leader_id: str, occs: list[Occurrence]) -> None:
        for occ in occs:
            if self.roster.free_seats(occ) > 0 and self._fits(leader_id, occ):
                self.roster.add(leader_id, occ)

    # ---- 3. substitutes
    def fill_with_substitutes(self) -> None:
        """Runs to the end even past the deadline: it is quick, and what makes the result usable."""
        for occ in sorted(self.occurrences, key=lambda o: (-o.weight, o.start, o.index)):
            while self.roster.free_seats(occ) > 0:
                leader_id = self._substitute(occ)
                if leader_id is None:
                    break
                self.roster.add(leader_id, occ)

    def _substitute(self, occ: Occurrence, excluding: str | None = None) -> str | None:
        """The best leader who fits ``occ``: crew first, then the least flexible, then the least loaded."""
        fitting = [l for l in self.roster.could_join(occ) if l != excluding]
        if not fitting:
            return None
        costs = self.continuity.costs(self.roster, occ, fitting)
        return min(fitting, key=lambda l: (costs[l], self.flexibility.get(l, 0), self.roster.leader_minutes[l], l))

    # ---- 4. repair
    def repair(self) -> None:
        """Passes over the open seats, most valuable first, until a pass finds nothing to repair."""
        improved = True
        while improved and not self.out_of_time():
            improved = False
            for occ in sorted(self.occurrences, key=lambda o: (-o.weight, o.start, o.index)):
                while self.roster.free_seats(occ) > 0 and not self.out_of_time():
                    if not self._free_someone_for(occ):
                        break
                    improved = True

    def _free_someone_for(self, occ: Occurrence) -> bool:
        """Hands one assignment of a candidate to a stand-in (or, trading up, leaves a less valuable
        one open) so the candidate can take ``occ``."""
        roster = self.roster
        seated = roster.seated[occ.index]
        costs = self.continuity.costs(roster, occ, [l for l in self.index.candidates[occ.index] if l not in seated])
        for leader_id in sorted(costs, key=lambda l: (costs[l], l)):  # the series' crew first
            blocking = roster.clashing(leader_id, occ)
            if len(blocking) != 1 or not self._fits_without(leader_id, occ, blocking[0]):
                continue
            other = blocking[0]
            if other.index in self._no_stand_in or roster.is_pinned(leader_id, other):
                continue
            stand_in = self._substitute(other, excluding=leader_id)
            if stand_in is None and other.weight >= occ.weight:
                self._no_stand_in.add(other.index)
                continue
            roster.remove(leader_id, other)
            roster.add(leader_id, occ)
            if stand_in is not None:
                roster.add(stand_in, other)
            self._reopen_dead_ends(leader_id, other)
            return True
        return False

    def _reopen_dead_ends(self, leader_id: str, left: Occurrence) -> None:
        """Only a leader leaving an assignment can make them fit elsewhere: the occurrences with no
        stand-in that ``leader_id`` could now take, near ``left`` in time or in its ISO week (the
        limits), may have one again."""
        occs = self.index.occurrences
        self._no_stand_in = {i for i in self._no_stand_in
                             if not (self.roster.is_eligible(leader_id, occs[i])
                                     and (occs[i].week == left.week or abs(occs[i].day - left.day) <= 1))}

    def _fits_without(self, leader_id: str, occ: Occurrence, other: Occurrence) -> bool:
        """Would ``occ`` fit the leader's day and week limits once ``other`` is handed away?"""
        leader = self.index.problem.leaders[leader_id]
        day = self.roster.day_minutes[(leader_id, occ.date)] - (other.minutes if other.date == occ.date else 0)
        week = self.roster.week_minutes[(leader_id, occ.week)] - (other.minutes if other.week == occ.week else 0)
        return (leader.max_minutes_per_day is None or day + occ.minutes <= leader.max_minutes_per_day) and \
            (leader.max_minutes_per_week is None or week + occ.minutes <= leader.max_minutes_per_week)

    # ---- 5. continuity
    def return_to_regulars(self) -> None:
        """Passes over the series until one changes nothing (or time is up)."""
        while not self.out_of_time() and self._return_pass():
            pass

    def _return_pass(self) -> bool:
        moved = False
        for series, occs in self.series.items():
            if self.out_of_time():
                break
            served = self.roster.series_leaders.get(series, {})
            if len(served) <= occs[0].seats:
                continue
            regulars = [l for l, _ in sorted(served.items(), key=lambda kv: (-kv[1], kv[0]))[:occs[0].seats]]
            for occ in occs:
                for occasional in [l for l in self.roster.seated[occ.index]
                                   if l not in regulars and self._movable(l, occ)]:
                    for regular in regulars:
                        if regular not in self.roster.seated[occ.index] and self._hand_back(occ, occasional, regular):
                            moved = True
                            break
        return moved

    def _movable(self, leader_id: str, occ: Occurrence) -> bool:
        return not self.roster.is_pinned(leader_id, occ) and (occ.need.id, occ.date, leader_id) not in self.keep

    def _hand_back(self, occ: Occurrence, occasional: str, regular: str) -> bool:
        """Puts ``regular`` on ``occ`` instead of ``occasional``, moving one clashing assignment of the
        regular to a leader who already serves that series; fill stays the same.

        A move must leave the two series better: higher judged continuity, or the same with crews
        more concentrated (each leader's dates squared, summed), so the passes cannot go round in
        circles."""
        roster = self.roster
        if not roster.is_eligible(regular, occ):
            return False
        blocking = roster.clashing(regular, occ)
        if not blocking:
            if not roster.within_limits(regular, occ):
                return False
            roster.remove(occasional, occ)
            roster.add(regular, occ)
            return True
        if len(blocking) != 1 or not self._fits_without(regular, occ, blocking[0]) \
                or not self._movable(regular, blocking[0]):
            return False
        other = blocking[0]
        before = self._crews_value((occ, other))
        roster.remove(occasional, occ)
        roster.remove(regular, other)
        roster.add(regular, occ)
        there = roster.series_leaders[other.series]
        for stand_in in sorted(there, key=lambda l: (-there[l], l)):
            if stand_in not in roster.seated[other.index] and stand_in != regular and roster.fits(stand_in, other):
                roster.add(stand_in, other)
                if self._crews_value((occ, other)) > before:
                    return True
                roster.remove(stand_in, other)
                break  # the best-placed stand-in does not pay: one with fewer dates would not either
        roster.remove(regular, occ)
        roster.add(regular, other)
        roster.add(occasional, occ)
        return False

    def _crews_value(self, occs: tuple[Occurrence, Occurrence]) -> tuple[float, int]:
        """Continuity of the occurrences' series as judged, then how concentrated their crews are."""
        score, squares = 0.0, 0
        for occ in occs:
            served = self.roster.series_leaders[occ.series]
            score += judged(self.continuity.length[occ.series], occ.seats, len(served))
            squares += sum(n * n for n in served.values())
        return round(score, 9), squares


def construct(roster: Roster, occurrences: list[Occurrence], continuity: ContinuityCosts,
              deadline: float, plan: tuple = ()) -> None:
    keep = {(a.need, a.date, a.leader) for a in plan}
    Construction(roster, occurrences, continuity, deadline, keep).run(plan)


def return_to_regulars(roster: Roster, occurrences: list[Occurrence], continuity: ContinuityCosts,
                       deadline: float, keep: set) -> None:
    """Fill-neutral continuity moves over any schedule, e.g. one an exact solve left under time pressure."""
    Construction(roster, occurrences, continuity, deadline, keep).return_to_regulars()


def restore_baseline(roster: Roster, occurrences: list[Occurrence], baseline: tuple) -> int:
    """Puts published leaders back on their dates wherever fill does not suffer: into a free seat,
    in place of a leader who was not published there, or by swapping with that leader when the
    published one was moved to something the other can take. A time-limited exact solve may trade
    a week's whole baseline for one more seat; this takes back what that seat did not need.
    Returns how many published assignments came back."""
    index = roster.index
    mine = {o.index for o in occurrences}
    published: dict[int, set[str]] = defaultdict(set)
    for a in baseline:
        occ = index.occurrence(a.need, a.date)
        if occ is not None and occ.index in mine:
            published[occ.index].add(a.leader)
    restored = 0
    for i in sorted(published):
        occ = index.occurrences[i]
        for leader_id in sorted(published[i]):
            if leader_id not in roster.seated[i] and roster.is_eligible(leader_id, occ) and \
                    _bring_back(roster, occ, leader_id, published, mine):
                restored += 1
    return restored


def _bring_back(roster: Roster, occ: Occurrence, leader_id: str, published: dict[int, set[str]],
                block: set[int]) -> bool:
    """Seats a published leader on ``occ`` without losing fill or another published assignment."""
    moved = None  # the one unpublished assignment of the leader that stands in the way, handed over
    blocking = roster.clashing(leader_id, occ)
    if blocking:
        other = blocking[0]
        if len(blocking) > 1 or other.index not in block or leader_id in published.get(other.index, ()) \
                or roster.is_pinned(leader_id, other):
            return False
        roster.remove(leader_id, other)
        moved = other
    if not roster.within_limits(leader_id, occ):
        return _undo(roster, leader_id, moved)
    if roster.free_seats(occ) > 0:
        stand_in = _stand_in(roster, moved, leader_id) if moved else None
        if moved and stand_in is None and moved.weight > occ.weight:
            return _undo(roster, leader_id, moved)
        roster.add(leader_id, occ)
        if stand_in:
            roster.add(stand_in, moved)
        return True
    for other_id in [l for l in roster.seated[occ.index]
                     if l not in published.get(occ.index, ()) and not roster.is_pinned(l, occ)]:
        roster.remove(other_id, occ)
        if moved is None or roster.fits(other_id, moved):
            roster.add(leader_id, occ)
            if moved:
                roster.add(other_id, moved)  # the two swap places: every seat stays filled
            return True
        roster.add(other_id, occ)
    return _undo(roster, leader_id, moved)


def _stand_in(roster: Roster, occ: Occurrence, leaving: str) -> str | None:
    for leader_id in roster.index.candidates[occ.index]:
        if leader_id != leaving and leader_id not in roster.seated[occ.index] and roster.fits(leader_id, occ):
            return leader_id
    return None


def _undo(roster: Roster, leader_id: str, moved: Occurrence | None) -> bool:
    if moved is not None:
        roster.add(leader_id, moved)
    return False
