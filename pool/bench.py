"""Benchmark the solver on generated Sandviken-like instances and judge its schedules.

    pool bench [--sizes S,M] [--seed N] [--out DIR]

Each instance runs in a fresh child process, so its peak memory is its own. Time is wall clock
from generating the problem to holding the schedule. Schedules are judged by pool.validate, not by
the solver; with ``--out`` the problem and schedule JSON are written for an external checker.
Where fill is not proven optimal, the gap shown is to the tighter of the solver's own bound and the
linear relaxation of the whole problem (solver.bounds.lp_bound), computed after the solve and not
counted in its time or memory. Lines around the table say what machine the figures come from and
how fast it ran before and after them: the solver works to time limits, so what it reaches scales
with the machine's speed.
"""
from __future__ import annotations

import multiprocessing
import os
import platform
import random
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Optional

# name -> generator arguments and the solver's time limit in seconds
SIZES = {
    "S": {"leaders": 150, "schools": 20, "weeks": 1, "time_limit": 2},
    "M": {"leaders": 150, "schools": 20, "weeks": 10, "time_limit": 10},
    "M-scarce": {"leaders": 150, "schools": 20, "weeks": 10, "scarcity": 1.0, "time_limit": 10},
    "R": {"leaders": 150, "schools": 20, "weeks": 10, "baseline": True, "time_limit": 5},
    "L": {"leaders": 1000, "schools": 120, "weeks": 10, "time_limit": 60},
}


def run(sizes=("S", "M", "M-scarce", "R", "L"), seed: int = 1, out_dir=None,
        solve: Optional[Callable] = None) -> list[dict]:
    """Run each size in its own process and return one result row per size.

    ``solve`` replaces ``solver.solve`` (it must be importable by name in a child process).
    """
    check_sizes(sizes)
    rows = []
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: memory starts from zero
    for size in sizes:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as child:
            rows.append(child.submit(run_instance, size, seed, out_dir, solve).result())
    return rows


def check_sizes(sizes) -> None:
    """Raises ValueError naming what is not one of SIZES, or that no size was given."""
    unknown = [s for s in sizes if s not in SIZES]
    if unknown or not sizes:
        what = f"unknown size(s) {', '.join(unknown)}" if unknown else "no size given"
        raise ValueError(f"{what}; choose from {', '.join(SIZES)}")


def run_instance(size: str, seed: int, out_dir=None, solve: Optional[Callable] = None) -> dict:
    """Generate, solve and judge one instance (meant to run in a child process)."""
    from pool.generator import generate, sizes as problem_sizes
    from pool.validate import metrics, violations

    options = dict(SIZES[size])
    time_limit = options.pop("time_limit")
    row = {"instance": size, "seed": seed, "time_limit": time_limit}
    problem = generate(seed, **options)
    row.update(problem_sizes(problem))
    began = time.perf_counter()  # the solve's time, not the generator's (R's includes a whole greedy plan)
    try:
        schedule = (solve or _solver_solve())(problem, time_limit=time_limit)
    except Exception as exc:  # a crashing solver is a result too; report it and go on
        row.update(seconds=time.perf_counter() - began, error=f"{type(exc).__name__}: {exc}",
                   peak_mb=_peak_mb())
        return row
    row["seconds"] = time.perf_counter() - began
    judged = metrics(problem, schedule.assignments)
    row.update(fill=judged.fill, continuity=judged.continuity, stability=judged.stability,
               filled_seats=judged.filled_seats, status=str(schedule.solver.get("status", "")),
               fill_bound=schedule.solver.get("fill_bound"),
               violations=len(violations(problem, schedule.assignments)), peak_mb=_peak_mb())
    if row["status"] != "OPTIMAL":
        row["fill_bound"] = min(row["fill_bound"] or 1.0, _lp_fill_bound(problem))
    if out_dir:
        _write(problem, schedule, Path(out_dir), f"{size}-seed{seed}")
    return row


def _solver_solve() -> Callable:
    from solver import solve
    return solve


def _lp_fill_bound(problem) -> float:
    from solver.bounds import lp_bound
    from solver.index import build_index
    index = build_index(problem)
    total = sum(o.weight * o.seats for o in index.occurrences)
    return lp_bound(index, index.occurrences) / total if total else 1.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _write(problem, schedule, out_dir: Path, stem: str) -> None:
    from pool.exchange import dump_problem, dump_schedule
    out_dir.mkdir(parents=True, exist_ok=True)
    dump_problem(problem, out_dir / f"{stem}-problem.json")
    dump_schedule(schedule, out_dir / f"{stem}-schedule.json")


def machine() -> str:
    """The cores and versions the figures come from."""
    from ortools import __version__ as ortools_version
    return f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, OR-Tools {ortools_version}"


def speed_reference() -> str:
    """How fast this machine runs right now, for both kinds of work a solve does: a fixed
    single-threaded Python loop (the constructions, the models' building) and a fixed amount of
    CP-SAT's deterministic work on one worker (the searches). A shared machine's speed drifts, so it
    is taken before the instances and again after them."""
    began = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    python = time.perf_counter() - began
    work, wall = _cp_sat_work(0.5)
    return f"10^7 Python additions in {python:.2f} s; {work:.2f} s of CP-SAT work in {wall:.2f} s"


def _cp_sat_work(most: float) -> tuple[float, float]:
    """CP-SAT's deterministic seconds (at most ``most``: it does not close this fixed multiple
    knapsack that fast) and the wall clock they took."""
    from ortools.sat.python import cp_model
    rnd = random.Random(0)
    model = cp_model.CpModel()
    weights = [rnd.randint(10, 40) for _ in range(60)]
    take = [[model.new_bool_var("") for _ in range(6)] for _ in weights]
    for row in take:
        model.add_at_most_one(row)
    for sack in range(6):
        model.add(sum(w * row[sack] for w, row in zip(weights, take)) <= 100 + 20 * sack)
    model.maximize(sum(rnd.randint(5, 60) * var for row in take for var in row))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = most
    began = time.perf_counter()
    solver.solve(model)
    return solver.deterministic_time, time.perf_counter() - began


# ------------------------------------------------------------------------------- the table
COLUMNS = ["instance", "leaders", "occurrences / seats", "time s", "fill", "optimal",
           "continuity", "stability", "peak MB", "valid"]


def table(rows: list[dict]) -> str:
    cells = [COLUMNS] + [_cells(row) for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip() for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    errors = [f"{row['instance']}: {row['error']}" for row in rows if row.get("error")]
    return "\n".join(lines + errors)


def _cells(row: dict) -> list[str]:
    def number(key: str, digits: int = 3) -> str:
        value = row.get(key)
        return "-" if value is None else f"{value:.{digits}f}"

    if row.get("error"):
        valid = "error"
    else:
        valid = "yes" if row["violations"] == 0 else f"no ({row['violations']})"
    optimal = "-" if row.get("error") else ("yes" if row.get("status") == "OPTIMAL" else "no")
    if optimal == "no" and row.get("fill_bound") is not None:
        optimal = f"gap {max(0.0, row['fill_bound'] - row['fill']):.3f}"  # fill that may still be possible
    return [row["instance"], str(row["leaders"]), f"{row['occurrences']} / {row['seats']}",
            number("seconds", 1), number("fill"), optimal, number("continuity"), number("stability"),
            number("peak_mb", 0), valid]


def valid(rows: list[dict]) -> bool:
    """Did every instance give a schedule without violations?"""
    return all(not row.get("error") and row["violations"] == 0 for row in rows)
