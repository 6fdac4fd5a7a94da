"""Continuity: the same leaders on a series (need, weekday) week after week.

Judged per series as min(1, seats / distinct leaders), so the cost of a seat falls on leaders new
to the series. Solving forwards in time, a leader who already served the series (or was published
for it in the baseline) costs nothing; a newcomer costs more once the series already has a full
crew, and more again the fewer of the series' dates the newcomer could come back for. Among those
already serving, the regulars (the most frequent, one per seat) cost nothing and occasional
members a little, so re-solving a week hands dates back to the regulars.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from ..index import Index, Occurrence, Series
from ..problem import Assignment
from ..roster import Roster
from ..variables import AssignmentVars

MAX_COST = 100
_JOIN_OPEN_CREW, _JOIN_FULL_CREW, _NO_RETURN, _OCCASIONAL = 10, 40, 60, 30


def judged(dates: int, seats: int, distinct: int) -> float:
    """A series' continuity as judged, weighted by its ``dates``: dates × min(1, seats / distinct
    leaders); a series no one serves yet loses nothing."""
    return dates * (min(1.0, seats / distinct) if distinct else 1.0)


class ContinuityCosts:
    def __init__(self, index: Index, baseline: tuple[Assignment, ...] = ()):
        self.index = index
        self.length: Counter[Series] = Counter()
        self.eligible_dates = index.eligible_dates
        for occ in index.occurrences:
            self.length[occ.series] += 1
        self.published: dict[Series, Counter[str]] = defaultdict(Counter)
        for a in baseline:
            occ = index.occurrence(a.need, a.date)
            if occ is not None:
                self.published[occ.series][a.leader] += 1

    def crew(self, roster: Roster, series: Series) -> Counter[str]:
        """Leaders who serve (or were published for) the series, with how many of its dates."""
        served = Counter(roster.series_leaders.get(series, ()))
        for leader_id, times in self.published.get(series, Counter()).items():
            served[leader_id] = max(served[leader_id], times)
        return served

    def cost(self, roster: Roster, occ: Occurrence, leader_id: str) -> int:
        return self.costs(roster, occ, (leader_id,))[leader_id]

    def costs(self, roster: Roster, occ: Occurrence, leaders, crew: Counter[str] | None = None) -> dict[str, int]:
        """Each leader's cost on ``occ`` (``crew``: the series' crew, if already at hand)."""
        crew = self.crew(roster, occ.series) if crew is None else crew
        # the crew's regulars cost nothing; occasional members a little, so regulars win back dates
        regular = sorted(crew.values(), reverse=True)[min(occ.seats, len(crew)) - 1] if crew else 0
        join = _JOIN_FULL_CREW if len(crew) >= occ.seats else _JOIN_OPEN_CREW
        eligible, length = self.eligible_dates[occ.series], self.length[occ.series]
        out = {}
        for leader_id in leaders:
            times = crew[leader_id]
            if times:
                out[leader_id] = 0 if times >= regular else round(_OCCASIONAL * (1 - times / regular))
            else:
                out[leader_id] = join + round(_NO_RETURN * (1 - eligible[leader_id] / length))
        return out

    def terms(self, vars_: AssignmentVars) -> dict[tuple[int, str], int]:
        crews: dict[Series, Counter[str]] = {}
        terms = {}
        for i, leaders in vars_.by_occurrence.items():
            occ = vars_.occurrence(i)
            if occ.series not in crews:
                crews[occ.series] = self.crew(vars_.roster, occ.series)
            for leader_id, cost in self.costs(vars_.roster, occ, leaders, crews[occ.series]).items():
                if cost:
                    terms[(i, leader_id)] = cost
        return terms
