"""Upper bounds on fill for parts too big for an exact model: the congestion bound below, and the
linear relaxation of the assignment model (lp_bound), tighter but slower.

The congestion bound needs no model: leaders are in one place at a time.

At any instant every leader sits in at most one of the occurrences running then, so the seats
filled at that instant are at most the number of distinct leaders eligible for one of them, and
the seats of one requirement (skills and credentials) at most the leaders eligible for those.
Fill is a sum over minutes (priority per minute of each seat), so summing, over the stretches of
time in which the same occurrences run, the best priority-weighted seats those capacities allow,
bounds the whole fill. Travel, day and week limits and the pairing of leaders to seats are
relaxed away; for parts too big for an exact model this is the bound reported, and it shows where
the schedule is short because too few leaders are free at once (the afternoon rush).

The capacities form a laminar family (each requirement inside the whole), so taking seats by
priority while room is left is optimal for each stretch.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from ortools.linear_solver import pywraplp

from .index import Index, Occurrence


def congestion_bound(index: Index, occurrences: list[Occurrence]) -> int:
    """Upper bound on the filled weight (priority × minutes per seat) of ``occurrences``."""
    events = []
    for occ in occurrences:
        if index.candidates[occ.index]:
            events.append((occ.start, 1, occ.index))
            events.append((occ.end, 0, occ.index))  # ends before starts at the same minute
    events.sort()
    occs = index.occurrences
    active: set[int] = set()
    everyone: Counter[str] = Counter()  # leader -> running occurrences they are eligible for
    by_need: dict[tuple, Counter[str]] = defaultdict(Counter)
    bound = 0
    last = None
    for when, starts, i in events:
        if active and when > last:
            bound += (when - last) * _best_at_once(index, active, everyone, by_need)
        last = when
        occ = occs[i]
        group = by_need[_requirement(occ)]
        if starts:
            active.add(i)
            everyone.update(index.candidates[i])
            group.update(index.candidates[i])
        else:
            active.discard(i)
            _forget(everyone, index.candidates[i])
            _forget(group, index.candidates[i])
    return bound


def _requirement(occ: Occurrence) -> tuple:
    return tuple(sorted(occ.need.skills)), tuple(sorted(occ.need.credentials))


def _forget(counter: Counter, leaders) -> None:
    for leader_id in leaders:
        counter[leader_id] -= 1
        if not counter[leader_id]:
            del counter[leader_id]


def _best_at_once(index: Index, active: set[int], everyone: Counter, by_need: dict) -> int:
    """Most priority-weighted seats the running occurrences can fill at one instant."""
    occs = index.occurrences
    cap = {i: min(occs[i].seats, len(index.candidates[i])) for i in active}
    seats = sum(cap.values())
    room = len(everyone)
    room_of = {key: len(group) for key, group in by_need.items()}
    need_of = defaultdict(int)
    for i in active:
        need_of[_requirement(occs[i])] += cap[i]
    if seats <= room and all(n <= room_of[k] for k, n in need_of.items()):
        return sum(occs[i].need.priority * cap[i] for i in active)
    value = 0
    for i in sorted(active, key=lambda i: -occs[i].need.priority):
        occ = occs[i]
        key = _requirement(occ)
        take = min(cap[i], room, room_of[key])
        value += take * occ.need.priority
        room -= take
        room_of[key] -= take
        if not room:
            break
    return value


def lp_bound(index: Index, occurrences: list[Occurrence]) -> float:
    """Upper bound on the filled weight of ``occurrences``: the linear relaxation of the assignment
    model, week by week (day and week limits are per date and ISO week).

    Tighter than the congestion bound (it holds each leader to one seat at a time and to their
    minute limits), but it takes GLOP seconds per week of a region, so the solver itself does not
    wait for it. Travel, pins and the clashes of a night across a week boundary are relaxed away."""
    weeks: dict[tuple, list[Occurrence]] = defaultdict(list)
    for occ in occurrences:
        weeks[occ.week].append(occ)
    return sum(_week_lp(index, occs) for occs in weeks.values())


def _week_lp(index: Index, occurrences: list[Occurrence]) -> float:
    lp = pywraplp.Solver.CreateSolver("GLOP")
    objective = lp.Objective()
    objective.SetMaximization()
    x = {}
    mine: dict[str, list[Occurrence]] = defaultdict(list)
    for occ in sorted(occurrences, key=lambda o: o.start):
        for leader_id in index.candidates[occ.index]:
            x[occ.index, leader_id] = var = lp.NumVar(0, 1, "")
            objective.SetCoefficient(var, occ.weight)
            mine[leader_id].append(occ)

    def at_most(pairs, coefficients, most: float) -> None:
        row = lp.Constraint(-lp.infinity(), most)
        for pair, coefficient in zip(pairs, coefficients):
            row.SetCoefficient(x[pair], coefficient)

    for occ in occurrences:
        candidates = index.candidates[occ.index]
        if len(candidates) > occ.seats:
            at_most([(occ.index, l) for l in candidates], [1] * len(candidates), occ.seats)
    leaders = index.problem.leaders
    for leader_id, occs in mine.items():
        for clique in _running_together(occs):
            at_most([(o.index, leader_id) for o in clique], [1] * len(clique), 1)
        limits = (("date", leaders[leader_id].max_minutes_per_day),
                  ("week", leaders[leader_id].max_minutes_per_week))
        for period, most in limits:
            if most is None:
                continue
            groups = defaultdict(list)
            for occ in occs:
                groups[getattr(occ, period)].append(occ)
            for group in groups.values():
                if sum(o.minutes for o in group) > most:
                    at_most([(o.index, leader_id) for o in group], [o.minutes for o in group], most)
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        raise RuntimeError("the fill LP was not solved to optimality")
    return objective.Value()


def _running_together(occurrences: list[Occurrence]) -> list[list[Occurrence]]:
    """The maximal groups of ``occurrences`` (sorted by start) that all run at one instant."""
    groups, running = [], []
    for occ in occurrences:
        still = [o for o in running if o.end > occ.start]
        if len(still) < len(running) > 1:  # one has ended: those running until now can grow no more
            groups.append(running)
        running = still + [occ]
    if len(running) > 1:
        groups.append(running)
    return groups
