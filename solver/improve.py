"""Large-neighbourhood improvement over whole series: the continuity stage, and more fill where
the weekly pass left some.

A week-by-week solve can only ever see one date of a series at a time, so a leader who serves a
series on three dates looks "free" to each of those weeks and is never removed from all three at
once. Here a neighbourhood is a handful of series that compete for the same leaders (same weekday,
times close enough to clash), above all those whose crews hold the leaders who could serve the
improved series on most of its dates, freed on all their dates together. Everything else stays as
it is, and the neighbourhood is re-solved exactly with CP-SAT on the lexicographic objective

    fill  >  stability (kept baseline assignments)  >  continuity (the judged score itself)

with the fill of the neighbourhood constrained to at least what it had (and the kept baseline
assignments too), so no step ever loses on a higher tier. In the model each distinct leader beyond
a series' seats costs the judged loss of the first one beyond them (linear, so the LP helps); a
result is accepted only if it is better on the judged scores themselves, per series
``n × min(1, seats / distinct leaders)``. Balance is the last tier: on the smallest neighbourhoods
minutes lean toward leaders who have fewer, and among results equal on every judged tier the one
with the more even spread of minutes (sum of squares) wins.

Used after the weekly exact pass (fill proven: fill is only held) and after the construction of
parts too large for it (fill first, then the rest). Neighbourhoods that share no series are searched
two at a time, one CP-SAT worker each, while the next is modelled (work_through).
"""
from __future__ import annotations

import math
import random
import time
from collections import defaultdict

from ortools.sat.python import cp_model

from .exact import Lanes, solution_pairs
from .index import Occurrence, Series
from .roster import Roster
from .rules.continuity import judged
from .rules.overlap import add_no_clashes
from .rules.seats import add_seat_limits
from .rules.stability import kept
from .rules.workload import add_minute_limits
from .variables import AssignmentVars

SCALE = 60  # continuity points per filled occurrence of a series with a single crew (×seats/d)
# how many competing series are freed together with the one being improved, in rounds: with fill
# settled first none, then one, then more; where fill is still open, none and then two
NEIGHBOURS = (0, 1, 2, 4, 6)
NEIGHBOURS_FILL_OPEN = (0, 2)
# how much a competitor counts for holding leaders who could serve the improved series on its dates
HELD_WEIGHT = 3
# how many of the next targets are looked at for the next neighbourhood to search beside those out
PARTNER_SEARCH = 8


class SeriesImprover:
    def __init__(self, roster: Roster, occurrences: list[Occurrence], baseline: set, settings,
                 seed: int = 0):
        self.roster = roster
        self.index = roster.index
        self.baseline = baseline
        self.settings = settings
        self.rnd = random.Random(seed)
        self.series: dict[Series, list[Occurrence]] = defaultdict(list)
        for occ in occurrences:
            self.series[occ.series].append(occ)
        self.eligible = self.index.eligible_dates  # per series: leader -> dates they could serve
        self.candidates: dict[Series, set[str]] = {s: set(self.eligible[s]) for s in self.series}
        # series by weekday, to find the competitors of one quickly
        self.by_weekday: dict[int, list[Series]] = defaultdict(list)
        for s in self.series:
            self.by_weekday[s[1]].append(s)
        self.tried: dict[Series, int] = defaultdict(int)
        self.steps = self.improved = 0
        self.balance = True  # the last tier: among equal schedules, the more even spread of minutes
        self.include_fill = True  # False once fill is proven optimal: then it is only held

    # ---- what to work on
    def excess(self, series: Series) -> int:
        occs = self.series[series]
        return max(0, len(self.roster.series_leaders.get(series, ())) - occs[0].seats)

    def targets(self) -> list[Series]:
        """Series that lose fill (open seats someone could take) or continuity, worst first; those
        tried least often before the others."""
        scored = []
        for s, occs in self.series.items():
            d = len(self.roster.series_leaders.get(s, ()))
            seats = occs[0].seats
            open_weight = sum(o.weight * self.roster.free_seats(o) for o in occs
                              if self.include_fill and self.index.candidates[o.index])
            loss = len(occs) * (1 - seats / d) if d > seats else 0.0
            if open_weight or loss:
                scored.append((self.tried[s], -open_weight, -loss, s))
        scored.sort()
        return [s for *_, s in scored]

    def neighbourhood(self, series: Series, size: int = 2) -> list[Series]:
        occs = self.series[series]
        first = occs[0]
        mine = self.candidates[series]
        reach = self.index.max_travel
        scored = []
        for other in self.by_weekday[series[1]]:
            if other == series:
                continue
            o = self.series[other][0]
            # clock times of the two needs (the same weekday): close enough to compete for a leader
            if o.need.start >= first.need.end + reach or first.need.start >= o.need.end + reach:
                continue
            shared = len(mine & self.candidates[other])
            if not shared:
                continue
            # the competitor's crew, counted by how many of this series' dates each could serve: freeing
            # the series that hold its best candidates lets one of them move over
            held = sum(self.eligible[series][l] for l in self.roster.series_leaders.get(other, ())) / len(occs)
            scored.append(((shared + HELD_WEIGHT * held) * (0.5 + self.rnd.random()), other))
        scored.sort(reverse=True)
        return [series] + [s for _, s in scored[:size]]

    # ---- the loop
    def run(self, deadline: float, step_seconds: float = 0.5, include_fill: bool = True) -> None:
        """First each losing series alone (everything else fixed: a tiny model, proven at once), then
        each with one competitor (when fill is only held), then with several, until nothing improves
        or time is up. Pairs prove fast, so many of them fit in the time, and with fill settled they
        find most of what continuity larger groups would; fill still open needs the larger groups.
        Time the pairs leave goes to groups of five and seven, which free chains of crews."""
        self.include_fill = include_fill
        for size in NEIGHBOURS_FILL_OPEN if include_fill else NEIGHBOURS:
            for _ in range(3):
                if not self.work_through(self.targets(), size, deadline, step_seconds if size else 0.3):
                    break
                if time.perf_counter() >= deadline - 0.05:
                    return

    def work_through(self, targets: list[Series], size: int, deadline: float, step_seconds: float) -> bool:
        """Re-solves the targets' neighbourhoods in turn, two searched at a time (exact.Lanes); True
        when any improved.

        Neighbourhoods out at once share no series. Each is modelled with the crews of those started
        after it in place, but not with those still out for their own search. So its result is
        kept only if it fits beside what was settled before it and the old crews of those started
        after it, which may yet go back; if not, its own old crews go back. Whatever is settled, the
        roster with the old crews of all still out stays valid."""
        progressed = False
        with Lanes(self.settings) as lanes:
            while True:
                while lanes.has_room() and time.perf_counter() < deadline - 0.05:
                    out = {s for step in lanes.outstanding() for s in step.group}
                    group = self._next_group(targets, size, out)
                    if group is None:
                        break
                    step = self._prepare([o for s in group for o in self.series[s]],
                                         min(deadline, time.perf_counter() + step_seconds),
                                         check=bool(out))
                    lanes.start(step, step.search)
                if not lanes.outstanding():
                    return progressed
                done = lanes.finished()
                for pos, step in enumerate(done):
                    later = done[pos + 1:] + lanes.outstanding()
                    progressed |= self._settle(step, [other.current for other in later])

    def _next_group(self, targets: list[Series], size: int, busy: set[Series]) -> list[Series] | None:
        """The neighbourhood of the first of the next few targets that shares no series with those
        being searched (``busy``), on another weekday if one is among them: results of the same
        weekday often want the same free leader, and only one of them can be kept. The target leaves
        ``targets``."""
        days = {s[1] for s in busy}
        nearby = targets[:PARTNER_SEARCH]
        for pos in sorted(range(len(nearby)), key=lambda p: nearby[p][1] in days):
            if nearby[pos] in busy:
                continue
            group = self.neighbourhood(nearby[pos], size)
            if not busy.intersection(group):
                self.tried[targets.pop(pos)] += 1
                return group
        return None

    def solve_group(self, group: list[Series], time_limit: float) -> bool:
        """Re-solves the series of ``group`` on all their dates, alone and at once (work_through
        pipelines them); keeps the result and returns True when it is better."""
        step = self._prepare([o for s in group for o in self.series[s]], time.perf_counter() + time_limit)
        step.search(self.settings)
        return self._settle(step)

    def _prepare(self, occs: list[Occurrence], deadline: float, check: bool = False) -> "Step":
        """Frees ``occs`` (pins stay) and models their re-solve, to be searched until ``deadline``.
        ``check``: others are out for their own search, and the model does not see their crews."""
        roster = self.roster
        self.steps += 1
        group = sorted({o.series for o in occs})
        occs_set = set(occs)
        current = roster.take_out(occs)
        vars_ = AssignmentVars.create(roster, occs)
        model = vars_.model
        add_seat_limits(vars_)
        add_no_clashes(vars_)
        add_minute_limits(vars_)
        occurrences = self.index.occurrences
        weight = {k: occurrences[k[0]].weight for k in vars_.x}
        unit = math.gcd(*weight.values()) if weight else 1
        fill_now = sum(weight.get(k, 0) for k in current) // unit
        fill = sum((weight[k] // unit) * v for k, v in vars_.x.items())
        model.add(fill >= fill_now)
        keep_keys = [k for k in vars_.x
                     if (occurrences[k[0]].need.id, occurrences[k[0]].date, k[1]) in self.baseline]
        keep_set = set(keep_keys)
        keep_now = sum(1 for k in current if k in keep_set)
        keep = sum(vars_.x[k] for k in keep_keys)
        if keep_keys:
            model.add(keep >= keep_now)
        # continuity: per series, distinct leaders (fixed ones included) and the judged score
        cont_terms, cont_max = [], 0
        hints = []
        by_series_leader: dict[tuple[Series, str], list] = defaultdict(list)
        for (i, leader_id), var in vars_.x.items():
            by_series_leader[(occurrences[i].series, leader_id)].append(var)
        for s in group:
            fixed = set(roster.series_leaders.get(s, ()))
            ys = []
            for (ss, leader_id), xs in by_series_leader.items():
                if ss != s:
                    continue
                if leader_id in fixed:
                    continue
                if len(xs) == 1:
                    ys.append(xs[0])  # one date of the series in the block: the date is the newcomer
                    continue
                y = model.new_bool_var("")
                hints.append((y, int(any((i, leader_id) in current for i in
                                         {occ.index for occ in self.series.get(s, ()) if occ in occs_set}))))
                for x in xs:
                    model.add_implication(x, y)
                ys.append(y)
            seats = self.series[s][0].seats
            n = len(self.series[s])
            top = len(fixed) + len(ys)
            if not ys:
                continue
            # each leader beyond the seats costs what the first one beyond them costs in the judged
            # score (linear, so the LP bound stays useful; the result is accepted on the exact score)
            excess = model.new_int_var(0, top, "")
            model.add(excess >= len(fixed) + sum(ys) - seats)
            current_new = {l for i, l in current if occurrences[i].series == s and l not in fixed}
            hints.append((excess, max(0, len(fixed) + len(current_new) - seats)))
            base = max(len(fixed), seats)
            penalty = max(1, round(SCALE * n * (min(1.0, seats / base) - seats / (base + 1))))
            cont_terms.append(-penalty * excess)
            cont_max += penalty * top
        # balance, the last tier: minutes to leaders with fewer so far (a tiny, bounded tie-break)
        load = {l: roster.leader_minutes[l] for l in vars_.by_leader}
        top_load = max(load.values(), default=0) + 1
        balance = self.balance and len(group) == 1  # cheap only on the smallest neighbourhoods
        bal = {k: 0 for k in vars_.x} if not balance else \
            {k: (top_load - load[k[1]]) * 10 // top_load for k in vars_.x}  # 0..10 per pair
        bal_max = (10 * len(vars_.x) if balance else 0) + 1
        cont_weight = bal_max
        keep_weight = cont_weight * (cont_max + 1)
        objective = keep_weight * keep + cont_weight * sum(cont_terms) + \
            cp_model.LinearExpr.weighted_sum([vars_.x[k] for k in vars_.x], [bal[k] for k in vars_.x])
        total_keep_scale = keep_weight * (len(keep_keys) + 1)
        if self.include_fill and total_keep_scale * 1.0 * (fill_now + 1) < 2 ** 60:
            model.maximize(total_keep_scale * fill + objective)
        else:
            model.maximize(objective)
        for key, var in vars_.x.items():
            model.add_hint(var, int(key in current))
        for var, value in hints:
            model.add_hint(var, value)
        return Step(group, current, vars_, deadline, check)

    def _settle(self, step: "Step", later: list[set[tuple[int, str]]] = ()) -> bool:
        """Keeps the step's result if it is better (and, if it was modelled while others were out
        for their own search, still fits the roster with the ``later`` steps' old crews back in),
        else puts back what it freed."""
        chosen, better = step.current, False
        if step.found is not None and self._better(step.found, step.current, step.group) \
                and (not step.check or self._fits(step.found, later)):
            chosen, better = step.found, True
        self.roster.add_pairs(chosen)
        if better:
            self.improved += 1
        return better

    def _fits(self, pairs: set[tuple[int, str]], beside: list[set[tuple[int, str]]] = ()) -> bool:
        """Could every pair be added to the roster as it stands, together, with ``beside`` in too?"""
        added = []
        occurrences = self.index.occurrences
        for other in beside:
            self.roster.add_pairs(other)
        try:
            for i, leader_id in sorted(pairs):
                occ = occurrences[i]
                if not self.roster.can_take(leader_id, occ):
                    return False
                self.roster.add(leader_id, occ)
                added.append((leader_id, occ))
            return True
        finally:
            for leader_id, occ in added:
                self.roster.remove(leader_id, occ)
            for other in beside:
                self.roster.remove_pairs(other)

    def _better(self, found: set, current: set, group: list[Series]) -> bool:
        a, b = self._score(found, group), self._score(current, group)
        if a[:3] != b[:3]:
            return a[:3] > b[:3]
        if not self.balance:
            return False
        # equal on every judged tier: the more even spread of minutes wins (over the same leaders)
        leaders = {l for _, l in found | current}
        return self._spread_over(found, leaders) < self._spread_over(current, leaders)

    def _spread_over(self, pairs: set, leaders: set[str]) -> int:
        occurrences = self.index.occurrences
        minutes: dict[str, int] = {l: self.roster.leader_minutes[l] for l in leaders}
        for i, l in pairs:
            minutes[l] += occurrences[i].minutes
        return sum(m * m for m in minutes.values())

    def _score(self, pairs: set[tuple[int, str]], group: list[Series]) -> tuple:
        """The lexicographic value of the group's assignments ``pairs`` (not yet in the roster)."""
        occurrences = self.index.occurrences
        fill = sum(occurrences[i].weight for i, _ in pairs)
        keep = kept(occurrences, pairs, self.baseline)
        cont = 0.0
        extra: dict[Series, set[str]] = defaultdict(set)
        for i, l in pairs:
            extra[occurrences[i].series].add(l)
        for s in group:
            d = len(set(self.roster.series_leaders.get(s, ())) | extra[s])
            seats = self.series[s][0].seats
            cont += judged(len(self.series[s]), seats, d)
        return fill, keep, round(cont, 9)


class Step:
    """One neighbourhood's re-solve: what it freed, its model, and what the search found."""

    def __init__(self, group: list[Series], current: set[tuple[int, str]], vars_: AssignmentVars,
                 deadline: float, check: bool = False):
        self.group, self.current, self.vars_, self.deadline = group, current, vars_, deadline
        self.check = check  # modelled while others were out: the result must still fit when settled
        self.found: set[tuple[int, str]] | None = None

    def search(self, settings) -> None:
        """Runs CP-SAT on the step's own model only, so steps can run side by side."""
        solver = settings.solver(self.deadline - time.perf_counter())
        if solver.solve(self.vars_.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.found = solution_pairs(self.vars_, solver)
