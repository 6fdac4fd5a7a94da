"""The solver's single entry point: a Problem in, a valid Schedule out.

Strategy by structure: the problem is split into independent components (no shared leader); each is
solved ISO week by ISO week, exactly with CP-SAT where a week is small enough, by a continuity-aware
construction where not. Weekly limits are per ISO week, so the weekly split is exact for them;
continuity is carried forward through the crews already seated, so the first week, which picks
the crews, gets a larger share of the time. Pins are placed first.

Exact weeks are never worse than a quick construction's solution, and a re-plan's weeks start from
it; time left after the first pass re-solves each week knowing all the others' crews (with a proven
week's fill held as a constraint), in passes while that helps, and then whole series at once
(solver.improve), which a week-by-week view cannot do. Once every week's fill is proven, those
passes get only a share of the time left and the series stage the rest: it gains far more continuity
per second. A re-plan is the exception: its weeks stop once fill and the kept baseline are settled,
and the passes get all the time left. Each of its weeks then takes back the published assignments
its solve gave away for nothing (construct.restore_baseline). Each exact week's model is built
while CP-SAT searches the week before it; a re-plan's weeks are searched two at a time, the next
prepared as soon as one finishes. Parts too big for exact weeks spend what the construction
leaves on the same series stage: seeking fill first, then holding it. The fill bound reported is the
sum of the weeks' proven bounds (for parts too big for exact weeks: how many leaders are free at
once, solver.bounds); it bounds the whole problem unless a clash crosses a week boundary (a night
need on Sunday and an early one on Monday), which the report flags as ``weeks_coupled``.
"""
from __future__ import annotations

import time
from collections import defaultdict
from typing import Callable, Optional

from .components import candidate_pairs, components
from .bounds import congestion_bound
from .construct import construct, restore_baseline, return_to_regulars
from .exact import BlockJob, BlockResult, Lanes, SolveSettings, build_model, solve_blocks_together
from .improve import SeriesImprover
from .index import Occurrence, build_index, clashes
from .problem import Assignment, Problem, Schedule
from .reasons import explain
from .roster import Roster
from .rules.continuity import ContinuityCosts, judged
from .rules.pins import place_pins
from .rules.stability import baseline_keys, kept
from .variables import AssignmentVars

# A week with more candidate (occurrence, leader) pairs than this goes to the construction: beyond it
# the pairwise clash constraints grow too large to build and prove within a normal time limit.
EXACT_PAIRS_PER_WEEK = 30_000

Progress = Optional[Callable[[dict], None]]


class Run:
    """One solve: the shared state, the clock and the running totals for reporting."""

    POLISH_PASSES = 4
    # once every week's fill is proven, polishing weeks one at a time gets at most this share of the
    # time left: the series stage, which frees whole series on all their dates, gains more per second
    POLISH_SHARE = 0.3
    # in a re-plan the polish passes get all the time left, each week at least this long while it
    # lasts: there, a week re-solved knowing every other week gains more than the series stage
    REPLAN_POLISH_SECONDS = 0.3
    FIRST_WEEK_WEIGHT = 2.5  # the first week's time, relative to its size
    GREEDY_SHARE = 0.2  # of a week's time, at most, for the construction that starts its exact solve
    FILL_SHARE = 0.3  # of the time a construction leaves, for series neighbourhoods that seek fill
    REPORTING_SECONDS = 0.0001  # per occurrence, kept back for explaining the unfilled seats

    def __init__(self, problem: Problem, time_limit: float, settings: SolveSettings, progress: Progress):
        self.began = time.perf_counter()
        self.deadline = self.began + time_limit
        self.settings = settings
        self.progress = progress
        self.index = build_index(problem)
        self.deadline -= min(0.2 * time_limit, self.REPORTING_SECONDS * len(self.index.occurrences))
        self.roster = Roster(self.index)
        place_pins(self.index, self.roster)
        self.continuity = ContinuityCosts(self.index, problem.baseline)
        self.baseline = baseline_keys(problem.baseline)
        self.published: dict[int, list[Assignment]] = defaultdict(list)  # baseline by occurrence
        for a in problem.baseline:
            occ = self.index.occurrence(a.need, a.date)
            if occ is not None:
                self.published[occ.index].append(a)
        self.total_weight = sum(o.weight * o.seats for o in self.index.occurrences)
        self.parts = components(self.index)
        # upper bounds on filled weight per (component, ISO week): each seat with a candidate at
        # first, tightened to CP-SAT's proven bound as weeks are solved
        self.week_bounds: dict[tuple[int, tuple], int] = defaultdict(int)
        for part_id, part in enumerate(self.parts):
            for occ in part:
                self.week_bounds[(part_id, occ.week)] += \
                    occ.weight * min(occ.seats, len(self.index.candidates[occ.index]))
        self.weeks_coupled = False  # a clash across a week boundary makes the weekly bounds conditional
        # each exact week's model: with no clash across weeks, a week's model depends only on that
        # week's pins, so the polish passes solve it again instead of building it again
        self.week_models: dict[tuple[int, tuple], AssignmentVars] = {}
        self.strategies: set[str] = set()
        self.series_steps = self.series_improved = 0  # neighbourhoods re-solved, and improved (solver.improve)

    @property
    def bound(self) -> int:
        return sum(self.week_bounds.values())

    def elapsed(self) -> float:
        return time.perf_counter() - self.began

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.perf_counter())

    def report(self, stage: str) -> None:
        if self.progress is None:
            return
        total = self.total_weight or 1
        self.progress({"stage": stage, "fill": self.roster.filled_weight() / total,
                       "bound": self.bound / total, "seconds": round(self.elapsed(), 3)})

    # ---- strategies
    def solve_component(self, part_id: int, occurrences: list[Occurrence], budget: float) -> None:
        weeks: dict[tuple, list[Occurrence]] = defaultdict(list)
        for occ in occurrences:
            weeks[occ.week].append(occ)
        largest_week = max(candidate_pairs(self.index, w) for w in weeks.values())
        if largest_week <= EXACT_PAIRS_PER_WEEK:
            self.strategies.add("weekly-exact")
            finish = time.perf_counter() + budget
            self.weeks_coupled |= self._clash_across_weeks(occurrences)
            self.solve_weekly(part_id, weeks, finish)
            polish_until = self._polish_until(part_id, weeks, finish)
            for _ in range(self.POLISH_PASSES):
                before = self._series_score(occurrences)
                self.polish_weekly(part_id, weeks, polish_until)
                if self._series_score(occurrences) <= before or polish_until - time.perf_counter() < 1.0:
                    break
                # between passes a short series stage, so the next pass starts from its crews
                now = time.perf_counter()
                self.improve_series(part_id, weeks, occurrences, now + 0.25 * (finish - now))
            self.week_models.clear()  # no longer needed: the series stage builds its own models
            return_to_regulars(self.roster, occurrences, self.continuity, finish, self.baseline)
            self.improve_series(part_id, weeks, occurrences, finish)
        else:
            self.strategies.add("construction")
            finish = time.perf_counter() + budget
            for week, occs in weeks.items():
                key = (part_id, week)
                self.week_bounds[key] = min(self.week_bounds[key], congestion_bound(self.index, occs))
            self.construct(occurrences, budget)
            # the time the construction leaves: whole series re-solved exactly, fill first; the
            # construction's repair has taken most of what such neighbourhoods can fill, so after a
            # share of the time they hold fill and work on continuity
            finish = min(finish, self.deadline)
            now = time.perf_counter()
            for until, include_fill in ((now + self.FILL_SHARE * (finish - now), True), (finish, False)):
                if until - time.perf_counter() > 0.5:
                    improver = SeriesImprover(self.roster, occurrences, self.baseline, self.settings,
                                              seed=self.settings.random_seed)
                    improver.run(until, include_fill=include_fill)
                    self._count(improver)
                    self.report("series")

    def _polish_until(self, part_id: int, weeks: dict[tuple, list[Occurrence]], finish: float) -> float:
        """Weeks whose fill is not proven may use all the time (a proof comes first), and so may a
        re-plan's; otherwise the polish passes leave most of it to the series stage."""
        if self.baseline or not self._weeks_proven(part_id, weeks):
            return finish
        now = time.perf_counter()
        return now + self.POLISH_SHARE * (finish - now)

    def _weeks_proven(self, part_id: int, weeks: dict[tuple, list[Occurrence]]) -> bool:
        return all(self.week_bounds[(part_id, w)] <= self._seated_weight(occs) for w, occs in weeks.items())

    def solve_weekly(self, part_id: int, weeks: dict[tuple, list[Occurrence]], finish: float) -> None:
        """First pass, in time order, each week started from a quick construction.

        A fresh plan's weeks go one by one on all workers: each follows the crews of all the weeks
        before it, and a hard week solved on one worker beside another was left unproven. A
        re-plan's weeks after the first are searched two at a time, one worker each, the next
        prepared as soon as a lane is free (unless a clash crosses a week boundary): each stops once
        its fill and kept baseline are settled, so the pass is short of time, and the published crews
        stand in for the choices of the week beside it."""
        sizes = {w: candidate_pairs(self.index, occs) + 1 for w, occs in weeks.items()}
        # the first week picks every series' crew, or in a re-plan the pattern the later weeks' starts
        # repeat where the published plan filled poorly: it is the hardest to solve, and the later
        # weeks follow its choices, so it gets a larger share
        sizes[min(weeks)] *= self.FIRST_WEEK_WEIGHT
        order = sorted(weeks)
        if self.baseline and not self.weeks_coupled:
            self._weeks_in_turn(part_id, weeks, order[:1], sizes, finish)
            self._weeks_in_lanes(part_id, weeks, order[1:], sizes, finish)
        else:
            self._weeks_in_turn(part_id, weeks, order, sizes, finish)

    def _weeks_in_turn(self, part_id: int, weeks: dict[tuple, list[Occurrence]], order: list[tuple],
                       sizes: dict[tuple, float], finish: float) -> None:
        """Each week of ``order`` on all workers, with the next one's model built during its search;
        its share of the time is its share of ``sizes``, which may hold weeks solved after these."""
        left = sum(sizes.values())
        built: dict[tuple, AssignmentVars] = {}

        def build(week: tuple) -> None:
            built[week] = build_model(self.roster, weeks[week])

        for pos, week in enumerate(order):
            share = max(0.05, (finish - time.perf_counter()) * sizes[week] / left)
            left -= sizes[week]
            job = self._week_job(weeks[week], share, built.pop(week, None))
            # a week's variables and constraints do not depend on the weeks before it unless a clash
            # crosses a week boundary (only its objective does, through their crews)
            following = order[pos + 1] if pos + 1 < len(order) and not self.weeks_coupled else None
            [result] = solve_blocks_together(self.roster, [job], self.settings,
                                             meanwhile=None if following is None else lambda: build(following))
            self._settled(part_id, weeks, week, result)

    def _weeks_in_lanes(self, part_id: int, weeks: dict[tuple, list[Occurrence]], order: list[tuple],
                        sizes: dict[tuple, float], finish: float) -> None:
        """Two weeks searched at a time, one worker each (exact.Lanes). A week's share of the time
        is its share of the core-seconds left: this lane's until ``finish``, and the other lane's
        from when the search in it must end."""
        left = sum(sizes[w] for w in order)
        pending = list(order)
        with Lanes(self.settings) as lanes:
            while pending or lanes.outstanding():
                while pending and lanes.has_room():
                    now = time.perf_counter()
                    other = max((job.deadline for _, job in lanes.outstanding()), default=now)
                    cores = (finish - now) + (finish - min(finish, max(now, other))) if lanes.parallel \
                        else finish - now
                    week = pending.pop(0)
                    share = min(finish - now, cores * sizes[week] / left)
                    job = self._week_job(weeks[week], max(0.05, share))
                    left -= sizes[week]
                    lanes.start((week, job), job.run)
                for week, job in lanes.finished():
                    self._settled(part_id, weeks, week, job.settle(self.roster))

    def _week_job(self, occurrences: list[Occurrence], share: float, model: AssignmentVars | None = None) -> BlockJob:
        """A week's exact solve, prepared from the roster as it stands, started from a construction."""
        began = time.perf_counter()
        start = self._greedy(occurrences, began + self.GREEDY_SHARE * share)
        # a fresh week's construction is only the fallback: as a hint it held CP-SAT near its
        # crews, where CP-SAT's own search, led by the objective's LP, finds better ones; a
        # re-plan's start carries the published plan, which the search should stay close to
        return BlockJob(self.roster, occurrences, self.continuity, self.baseline,
                        share - (time.perf_counter() - began), hint=start if self.baseline else None,
                        incumbent=start, model=model)

    def _settled(self, part_id: int, weeks: dict[tuple, list[Occurrence]], week: tuple, result: BlockResult) -> None:
        """Bookkeeping once a week's solve is in the roster (its pins and what the solve added)."""
        pinned = self._seated_weight(weeks[week]) - result.found
        restore_baseline(self.roster, weeks[week], self._published(weeks[week]))
        key = (part_id, week)
        if not self.weeks_coupled:
            self.week_models[key] = result.model
        self.week_bounds[key] = min(self.week_bounds[key], pinned + result.bound)
        self.report(f"week {week[0]}-W{week[1]:02d}")

    def _greedy(self, occurrences: list[Occurrence], deadline: float) -> set[tuple[int, str]]:
        """A quick continuity-aware solution of the block, returned as pairs and not kept: the
        exact solve can only do better, so a loaded machine or a short time limit still yields a
        sensible week.

        A re-plan builds two and starts from the one that fills more (then keeps more): one keeps
        what the published plan still allows, the other gives each series its regulars so far. A
        published plan that filled poorly is a poor start for a week too hard for CP-SAT to leave
        it in its share of the time."""
        if not self.baseline:
            return self._constructed(occurrences, deadline, (), ())
        published = self._published(occurrences)
        halfway = time.perf_counter() + 0.5 * (deadline - time.perf_counter())
        starts = [self._constructed(occurrences, halfway, published, published),
                  self._constructed(occurrences, deadline, self._regulars(occurrences), published)]
        return max(starts, key=self._fill_then_kept)

    def _published(self, occurrences: list[Occurrence]) -> tuple[Assignment, ...]:
        return tuple(a for occ in occurrences for a in self.published.get(occ.index, ()))

    def _regulars(self, occurrences: list[Occurrence]) -> tuple[Assignment, ...]:
        """Each occurrence given its series' regulars so far: the leaders who served it most often,
        one per seat (the recurring pattern as solved, whoever stood in for an absent one)."""
        plan = []
        for occ in occurrences:
            served = self.roster.series_leaders.get(occ.series, {})
            regulars = sorted(served, key=lambda l: (-served[l], l))[:occ.seats]
            plan += [Assignment(occ.need.id, occ.date, l) for l in regulars]
        return tuple(plan)

    def _constructed(self, occurrences: list[Occurrence], deadline: float, plan: tuple[Assignment, ...],
                     published: tuple[Assignment, ...]) -> set[tuple[int, str]]:
        """A construction that keeps ``plan`` where it fits, then takes back every ``published``
        assignment that costs no fill (construct.restore_baseline)."""
        before = {o.index: list(self.roster.seated.get(o.index, ())) for o in occurrences}
        construct(self.roster, occurrences, self.continuity, deadline, plan)
        restore_baseline(self.roster, occurrences, published)
        added = {(o.index, l) for o in occurrences for l in self.roster.seated.get(o.index, ())
                 if l not in before[o.index]}
        for i, leader_id in added:
            self.roster.remove(leader_id, self.index.occurrences[i])
        return added

    def _fill_then_kept(self, pairs: set[tuple[int, str]]) -> tuple[int, int]:
        """Filled weight and kept baseline assignments of (occurrence index, leader) pairs."""
        occs = self.index.occurrences
        return sum(occs[i].weight for i, _ in pairs), kept(occs, pairs, self.baseline)

    def improve_series(self, part_id: int, weeks: dict[tuple, list[Occurrence]], occurrences: list[Occurrence],
                       finish: float) -> None:
        """The continuity stage: whole series re-solved together, fill never lost (solver.improve)."""
        finish = min(finish, self.deadline)
        if finish - time.perf_counter() < 0.2:
            return
        improver = SeriesImprover(self.roster, occurrences, self.baseline, self.settings,
                                  seed=self.settings.random_seed)
        improver.run(finish, include_fill=not self._weeks_proven(part_id, weeks))
        self._count(improver)
        self.report("series")

    def _count(self, improver: SeriesImprover) -> None:
        self.series_steps += improver.steps
        self.series_improved += improver.improved

    def polish_weekly(self, part_id: int, weeks: dict[tuple, list[Occurrence]], finish: float) -> None:
        """Re-solves each week knowing the crews of all other weeks, while time is left.

        The first pass only saw earlier weeks; now a leader who serves a series in any other week
        joins it for free, which removes newcomers that later weeks made unnecessary. Weeks whose
        fill is not yet proven go first, one by one. Then, unless a clash crosses a week boundary,
        two weeks are re-solved at once, each knowing the other as it was.
        """
        order = sorted(weeks, key=lambda w: (self.week_bounds[(part_id, w)] <= self._seated_weight(weeks[w]), w))
        unproven = sum(self.week_bounds[(part_id, w)] > self._seated_weight(weeks[w]) for w in order)
        at_once = 1 if self.weeks_coupled else 2
        starts = list(range(unproven)) + list(range(unproven, len(order), at_once))
        for pos, end in zip(starts, starts[1:] + [len(order)]):
            group = order[pos:end]
            left = min(self.remaining(), finish - time.perf_counter())
            # a week whose fill is not proven yet may take up to half of what is left: a proof there
            # is worth more than polishing continuity elsewhere
            share = left / (len(order) - pos) if pos >= unproven else max(left / (len(order) - pos),
                                                                          0.5 * left / (unproven - pos))
            if self.baseline and left >= self.REPLAN_POLISH_SECONDS:
                share = max(share, self.REPLAN_POLISH_SECONDS)
            if share < 0.2:
                return
            jobs = self._polish_jobs(part_id, weeks, group, min(left, share * len(group)))
            results = solve_blocks_together(self.roster, [job for job, _ in jobs], self.settings)
            for week, (_, fixed), result in zip(group, jobs, results):
                key = (part_id, week)
                self.week_bounds[key] = min(self.week_bounds[key], fixed + result.bound)
                self.report(f"polish {week[0]}-W{week[1]:02d}")

    def _polish_jobs(self, part_id: int, weeks: dict[tuple, list[Occurrence]], group: list[tuple],
                     seconds: float) -> list[tuple[BlockJob, int]]:
        """The weeks of ``group`` taken out of the roster, each prepared for its re-solve while the
        others were still in place (its continuity costs count their crews), with its pinned weight.
        A week whose fill is proven keeps it as a floor."""
        jobs = []
        for pos, week in enumerate(group):
            current = self.roster.take_out(weeks[week])
            fixed = self._seated_weight(weeks[week])
            key = (part_id, week)
            weight = sum(self.index.occurrences[i].weight for i, _ in current)
            floor = weight if self.week_bounds[key] <= fixed + weight else None
            jobs.append((BlockJob(self.roster, weeks[week], self.continuity, self.baseline, seconds,
                                  hint=current, incumbent=current, fill_floor=floor,
                                  model=self.week_models.get(key)), fixed))
            if pos < len(group) - 1:
                self.roster.add_pairs(current)  # the weeks after it are priced with its crews in place
        for week in group[:-1]:
            self.roster.take_out(weeks[week])
        return jobs

    def construct(self, occurrences: list[Occurrence], budget: float) -> None:
        construct(self.roster, occurrences, self.continuity, time.perf_counter() + budget,
                  self.index.problem.baseline)
        self.report("construction")

    def _clash_across_weeks(self, occurrences: list[Occurrence]) -> bool:
        """Could a leader serve both a Sunday occurrence and a clashing one in the next ISO week?
        Only one early on the Monday can clash: no occurrence runs a whole day."""
        reach = self.index.max_travel
        by_day: dict[int, list[Occurrence]] = defaultdict(list)
        for occ in occurrences:
            by_day[occ.day].append(occ)
        for occ in occurrences:
            if occ.date.isoweekday() != 7:
                continue
            leaders = set(self.index.candidates[occ.index])
            for monday in by_day.get(occ.day + 1, ()):
                if monday.start < occ.end + reach and clashes(self.index.problem, occ, monday) \
                        and not leaders.isdisjoint(self.index.candidates[monday.index]):
                    return True
        return False

    def _series_score(self, occurrences: list[Occurrence]) -> tuple[int, int, float]:
        """Fill, kept baseline assignments and continuity (as judged) of these occurrences."""
        seated = {(o.index, l) for o in occurrences for l in self.roster.seated.get(o.index, ())}
        fill, keep = self._fill_then_kept(seated)
        filled: dict = defaultdict(int)
        seats: dict = {}
        for o in occurrences:
            if self.roster.seated.get(o.index):
                filled[o.series] += 1
            seats[o.series] = o.seats
        score = sum(judged(n, seats[s], len(self.roster.series_leaders[s])) for s, n in filled.items())
        return fill, keep, round(score, 9)

    def _seated_weight(self, occurrences: list[Occurrence]) -> int:
        return sum(o.weight * len(self.roster.seated.get(o.index, ())) for o in occurrences)



def solve(problem: Problem, *, time_limit: float = 10.0, num_workers: int = 2, random_seed: int = 0,
          progress: Progress = None) -> Schedule:
    """Plans the problem within ``time_limit`` seconds (the whole solve, start-up included).

    Raises ``InfeasiblePin`` when a pinned assignment breaks a hard rule.
    """
    run = Run(problem, time_limit, SolveSettings(num_workers, random_seed), progress)
    left = sum(candidate_pairs(run.index, p) for p in run.parts) or 1
    for part_id, part in enumerate(run.parts):
        size = candidate_pairs(run.index, part)
        if size:
            run.solve_component(part_id, part, run.remaining() * size / left)
            left -= size
    return _schedule(problem, run)


def _schedule(problem: Problem, run: Run) -> Schedule:
    assignments = tuple(sorted(Assignment(o.need.id, o.date, l) for o, l in run.roster.pairs()))
    filled = run.roster.filled_weight()
    total = run.total_weight or 1
    bound = max(filled, run.bound)
    # the fill stage; continuity and the rest are optimised within it
    proven = filled >= bound and not run.weeks_coupled and "construction" not in run.strategies
    info = {
        "status": "OPTIMAL" if proven else "FEASIBLE",
        "seconds": round(run.elapsed(), 3),
        "objective": filled, "bound": bound, "gap": (bound - filled) / total,
        "fill": filled / total, "fill_bound": bound / total, "fill_proven": proven,
        "weeks_coupled": run.weeks_coupled,
        "num_workers": run.settings.num_workers, "random_seed": run.settings.random_seed,
        "strategy": "+".join(sorted(run.strategies)) or "none",
        "series_neighbourhoods": run.series_steps, "series_improved": run.series_improved,
    }
    return Schedule(problem.name, assignments, tuple(explain(problem, assignments)), info)
