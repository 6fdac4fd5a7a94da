"""Exact CP-SAT solve of one block of occurrences (typically one ISO week of one component).

The objectives are lexicographic, encoded as one integer objective whose weights provably dominate:
a single unit of fill outweighs every possible stability and continuity term together, and one kept
baseline assignment outweighs every continuity term. So fill is never traded, yet one solve suffices.
"""
from __future__ import annotations

import math
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Callable

from ortools.sat.python import cp_model

from .index import Occurrence
from .roster import Roster
from .rules.continuity import MAX_COST, ContinuityCosts
from .rules.fill import fill_terms
from .rules.overlap import add_no_clashes
from .rules.seats import add_seat_limits
from .rules.stability import stability_terms
from .rules.workload import add_minute_limits
from .variables import AssignmentVars


@dataclass
class SolveSettings:
    num_workers: int = 2
    random_seed: int = 0
    # CP-SAT's full-problem workers (beside its shared LNS worker). Our models, weekly blocks and the
    # series stage's neighbourhoods alike, are small and the top tier dominates the objective, so what
    # they lack is a proof: max_lp finds it in about half the time of the default portfolio's
    # default_lp, and on the neighbourhoods in a sixth. Empty: the default portfolio.
    subsolvers: tuple[str, ...] = ("max_lp",)

    def solver(self, seconds: float) -> cp_model.CpSolver:
        """A CP-SAT solver for one of our models, stopping after ``seconds``."""
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, seconds)
        solver.parameters.num_workers = self.num_workers
        solver.parameters.random_seed = self.random_seed
        # The models are already reduced to eligible pairs and clique clashes; on them presolve costs
        # more time than it saves.
        solver.parameters.cp_model_presolve = False
        solver.parameters.subsolvers.extend(self.subsolvers)
        return solver


@dataclass
class BlockResult:
    status: str
    found: int  # filled weight the block added
    bound: int  # proven upper bound on what the block could add
    seconds: float
    model: AssignmentVars | None = None  # the block's model, to solve it again (solve_block's ``model``)


@dataclass
class Weights:
    fill: int
    stability: int
    continuity_total: int  # most the continuity costs can add up to in this block

    @classmethod
    def dominating(cls, vars_: AssignmentVars, stability_count: int) -> "Weights":
        seats = sum(min(vars_.roster.free_seats(vars_.occurrence(i)), len(ls))
                    for i, ls in vars_.by_occurrence.items())
        continuity_total = seats * MAX_COST
        stability = continuity_total + 1
        lower_tiers = stability_count * stability + continuity_total
        # one stability unit of headroom above the lower tiers: a search stopped within one kept
        # assignment of its bound (a re-plan's weeks) has then proven its fill, even with every
        # baseline assignment kept
        return cls(fill=lower_tiers + stability + 1, stability=stability, continuity_total=continuity_total)

    def fill_bound(self, objective_bound: float) -> int:
        """Any solution with fill F scores at least fill × F − continuity_total."""
        return int((objective_bound + self.continuity_total) // self.fill)


def build_model(roster: Roster, occurrences: list[Occurrence]) -> AssignmentVars:
    vars_ = AssignmentVars.create(roster, occurrences)
    add_seat_limits(vars_)
    add_no_clashes(vars_)
    add_minute_limits(vars_)
    return vars_


def solve_block(roster: Roster, occurrences: list[Occurrence], continuity: ContinuityCosts,
                baseline: set, settings: SolveSettings, time_limit: float,
                hint: set[tuple[int, str]] | None = None,
                incumbent: set[tuple[int, str]] | None = None, fill_floor: int | None = None,
                model: AssignmentVars | None = None) -> BlockResult:
    """Optimises the block and adds its assignments to the roster.

    ``hint``: (occurrence index, leader) pairs to guide the search, feasible or not. ``incumbent``: a
    feasible solution of the block; the result is never worse, so re-solving can only improve it. It
    guides the search only if it is the hint too.
    ``fill_floor``: the block's fill is already proven optimal at this weight; it becomes a constraint
    and only the lower tiers are optimised (a smaller objective that proves faster).
    ``model``: an earlier result's model of this block, valid while the roster holds for the block
    what it held then; it saves building the model again.
    """
    job = BlockJob(roster, occurrences, continuity, baseline, time_limit, hint, incumbent, fill_floor, model)
    job.run(settings)
    return job.settle(roster)


def solve_blocks_together(roster: Roster, jobs: list["BlockJob"], settings: SolveSettings,
                          meanwhile: Callable[[], None] | None = None) -> list[BlockResult]:
    """Solves blocks that share no leader's day or week at the same time, the workers split among
    them. A weekly model proves about as fast on one worker as on two, so two blocks at once come
    close to doubling the throughput; CP-SAT releases the GIL while it searches.

    ``meanwhile`` runs in this thread during the search (CP-SAT's threads leave it the GIL), such as
    building the next blocks' models; it must not change the roster, which is settled after it."""
    together = len(jobs) > 1 and settings.num_workers >= len(jobs)
    each = replace(settings, num_workers=settings.num_workers // len(jobs)) if together else settings

    def run_in_turn() -> None:
        for job in jobs:
            job.run(settings)

    with ThreadPoolExecutor(len(jobs) if together else 1) as pool:
        searches = [pool.submit(job.run, each) for job in jobs] if together else [pool.submit(run_in_turn)]
        if meanwhile is not None:
            meanwhile()
        for search in searches:
            search.result()
    return [job.settle(roster) for job in jobs]


class Lanes:
    """Searches started one after another and run two at a time, one worker each (with fewer than
    two workers: at once, in turn), while the caller models the next: no search waits for a slower
    partner, and the Python that builds a model runs while CP-SAT searches on the other core.
    Finished work is handed back in the order it was started, so each item can be settled knowing
    exactly which items were settled before it."""

    MOST_OUTSTANDING = 3  # started but not yet handed back: one may wait for an older one to finish

    def __init__(self, settings: SolveSettings):
        self.parallel = settings.num_workers >= 2
        self.settings = replace(settings, num_workers=settings.num_workers // 2) if self.parallel else settings
        self.pool = ThreadPoolExecutor(2) if self.parallel else None
        self.started: deque[tuple[object, Future | None]] = deque()

    def __enter__(self) -> "Lanes":
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    def outstanding(self) -> list:
        return [item for item, _ in self.started]

    def _searching(self) -> list[Future]:
        return [f for _, f in self.started if f is not None and not f.done()]

    def has_room(self) -> bool:
        return len(self._searching()) < 2 and len(self.started) < self.MOST_OUTSTANDING

    def start(self, item, search: Callable[[SolveSettings], None]) -> None:
        if self.parallel:
            self.started.append((item, self.pool.submit(search, self.settings)))
        else:
            search(self.settings)
            self.started.append((item, None))

    def finished(self) -> list:
        """Waits, then hands back the oldest items that are done, in order: perhaps none, when a
        newer search finished first and its lane is free again."""
        searching = self._searching()
        if len(searching) == 2:
            wait(searching, return_when=FIRST_COMPLETED)
        elif self.started and self.started[0][1] is not None:
            self.started[0][1].result()
        done = []
        while self.started and (self.started[0][1] is None or self.started[0][1].done()):
            item, future = self.started.popleft()
            if future is not None:
                future.result()  # a search that failed raises here
            done.append(item)
        return done


class BlockJob:
    """One block's solve in three steps: prepared from the roster as it stands, run (touching only
    its own model, so jobs can run side by side), then settled into the roster."""

    def __init__(self, roster: Roster, occurrences: list[Occurrence], continuity: ContinuityCosts,
                 baseline: set, time_limit: float, hint=None, incumbent=None, fill_floor: int | None = None,
                 model: AssignmentVars | None = None):
        self.began = time.perf_counter()
        self.deadline = self.began + time_limit
        self.vars_ = model or build_model(roster, occurrences)
        self.score = Score(self.vars_, continuity, baseline) if self.vars_.x else None
        self.hint, self.fill_floor = set(hint or ()), fill_floor
        self.best = set(incumbent) if incumbent is not None else None
        self.bound = 0

    def run(self, settings: SolveSettings) -> None:
        if self.score is None:
            return
        found, self.bound = _solve(self.vars_, self.score, settings, self.deadline, self.hint, self.fill_floor)
        if found is not None and (self.best is None or self.score.value(found) > self.score.value(self.best)):
            self.best = found

    def settle(self, roster: Roster) -> BlockResult:
        seconds = time.perf_counter() - self.began
        if self.score is None:
            return BlockResult("OPTIMAL", 0, 0, seconds, self.vars_)
        if self.best is None:
            return BlockResult("UNKNOWN", 0, self.score.seat_bound, seconds, self.vars_)
        roster.add_pairs(self.best)
        filled = sum(self.vars_.occurrence(i).weight for i, _ in self.best)
        bound = max(filled, self.bound)
        return BlockResult("OPTIMAL" if filled >= bound else "FEASIBLE", filled, bound, seconds, self.vars_)


class Score:
    """The block's objective terms and their lexicographic combination."""

    def __init__(self, vars_: AssignmentVars, continuity: ContinuityCosts, baseline: set):
        self.keys = list(vars_.x)
        self.fill = fill_terms(vars_)
        self.unit = math.gcd(*self.fill.values())  # smaller coefficients keep the LP comfortable
        self.keep = stability_terms(vars_, baseline)
        self.cost = continuity.terms(vars_)
        self.weights = Weights.dominating(vars_, len(self.keep))
        self.seat_bound = _seat_bound(vars_)

    def fill_units(self, key) -> int:
        return self.fill[key] // self.unit

    def lower(self, key) -> int:
        return self.weights.stability * self.keep.get(key, 0) - self.cost.get(key, 0)

    def combined(self, key) -> int:
        return self.weights.fill * self.fill_units(key) + self.lower(key)

    def value(self, pairs) -> int:
        return sum(self.combined(k) for k in pairs)


def _solve(vars_: AssignmentVars, score: Score, settings: SolveSettings, deadline: float, start: set,
           fill_floor: int | None = None):
    """One CP-SAT run on the combined objective; returns its solution (if any) and the fill bound.

    With ``fill_floor`` (the block's fill already proven optimal) fill becomes a constraint and only
    the lower tiers are the objective."""
    if fill_floor is None:
        vars_.at_least(score.keys, [], None)
        vars_.maximize(score.keys, [score.combined(k) for k in score.keys])
        _hint(vars_, start)
        # in a re-plan, a week stops once its fill and kept baseline are settled (within one kept
        # assignment): the time it leaves lets the weeks still open prove their fill
        status, solver = _run(vars_, settings, deadline, score.weights.stability - 1 if score.keep else 0)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, score.seat_bound
        return solution_pairs(vars_, solver), min(score.seat_bound,
                                          score.unit * score.weights.fill_bound(solver.best_objective_bound))
    vars_.at_least(score.keys, [score.fill_units(k) for k in score.keys], fill_floor // score.unit)
    vars_.maximize(score.keys, [score.lower(k) for k in score.keys])
    _hint(vars_, start)
    status, solver = _run(vars_, settings, deadline)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, fill_floor
    return solution_pairs(vars_, solver), fill_floor


def _hint(vars_: AssignmentVars, pairs: set[tuple[int, str]]) -> None:
    vars_.model.clear_hints()
    for key in pairs:
        if key in vars_.x:
            vars_.model.add_hint(vars_.x[key], 1)


def solution_pairs(vars_: AssignmentVars, solver: cp_model.CpSolver) -> set[tuple[int, str]]:
    """The (occurrence index, leader) pairs the solver's best solution takes."""
    return {key for key, var in vars_.x.items() if solver.boolean_value(var)}


def _run(vars_: AssignmentVars, settings: SolveSettings, deadline: float, enough: int = 0):
    """Solves until ``deadline``, or until the best solution is within ``enough`` of the bound."""
    solver = settings.solver(deadline - time.perf_counter())
    solver.parameters.absolute_gap_limit = enough
    return solver.solve(vars_.model), solver


def _seat_bound(vars_: AssignmentVars) -> int:
    """Without a proof: every open seat that has a candidate counted as filled."""
    return sum(vars_.occurrence(i).weight * min(vars_.roster.free_seats(vars_.occurrence(i)), len(leaders))
               for i, leaders in vars_.by_occurrence.items())
