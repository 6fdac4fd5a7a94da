"""Server time to render the coordinator's week grid for the demo's busiest week.

    python -m web.bench [--runs 30] [--warmups 3] [--solve-seconds 5]

Builds a fresh SQLite demo in a temporary folder, solves the busiest week of the spring term and stores
the result as a draft, then renders GET /plan/schedules/<id>?week=… through the Flask test client,
signed in as the demo coordinator, and prints the median and 90th percentile in milliseconds.
"""
from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import sqlalchemy as sa

import solver
from pool import db
from pool.models import Pool
from pool.planning import build_problem, store_schedule
from pool.schedules import week_of

COORDINATOR = "samordnare@sandviken.example"
TARGET_MS = 150


def prepare(folder: Path, solve_seconds: float) -> tuple[str, int, str, int]:
    """A demo database with a solved draft of the busiest week: (url, schedule id, ISO week, seats)."""
    from seed import load_demo
    from seed.sandviken import busiest_week
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    with db.transaction(engine) as session:
        load_demo(session)
    with db.transaction(engine) as session:
        pool = session.scalar(sa.select(Pool))
        monday, seats = busiest_week(session, pool)
        sunday = monday + dt.timedelta(days=6)
        problem = build_problem(session, pool, monday, sunday)
        result = solver.solve(problem, time_limit=solve_seconds, num_workers=2)
        schedule_id = store_schedule(session, pool, result, monday, sunday).id
    engine.dispose()
    return url, schedule_id, week_of(monday), seats


def measure(url: str, path: str, runs: int, warmups: int) -> list[float]:
    """Milliseconds per GET of ``path`` as the coordinator, after ``warmups`` unmeasured ones."""
    from seed.sandviken import DEMO_PASSWORD
    from web import create_app
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    signed_in = client.post("/login", data={"email": COORDINATOR, "password": DEMO_PASSWORD})
    if signed_in.status_code != 302:
        raise SystemExit(f"signing in as {COORDINATOR} failed ({signed_in.status_code})")
    timings = []
    for attempt in range(warmups + runs):
        started = time.perf_counter()
        answer = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code != 200:
            raise SystemExit(f"GET {path} answered {answer.status_code}")
        if attempt >= warmups:
            timings.append(elapsed)
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--solve-seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pool-bench-") as folder:
        # the demo is built and solved in a child process, so the measured one holds only what a server would
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
            url, schedule_id, week, seats = child.submit(prepare, Path(folder), args.solve_seconds).result()
        path = f"/plan/schedules/{schedule_id}?week={week}"
        timings = measure(url, path, args.runs, args.warmups)
    median = statistics.median(timings)
    print(f"week grid {path}: {seats} seat-occurrences in {week}")
    print(f"{args.runs} renders after {args.warmups} warm-ups: median {median:.1f} ms, "
          f"p90 {percentile(timings, 0.9):.1f} ms (target: median under {TARGET_MS} ms)")


if __name__ == "__main__":
    main()
