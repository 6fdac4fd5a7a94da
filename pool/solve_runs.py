"""Solving a period in the background: a SolveRun row records the state and the progress, and the new
draft is written only when the solver has finished, so a crash leaves published plans untouched."""
from __future__ import annotations

import datetime as dt
import threading
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy import orm

import solver
from pool.errors import N_, Conflict, Invalid, NotFound
from pool.models import Pool, ScheduleState, SolveRun, SolveState, in_pool, utcnow
from pool.planning import build_problem, newest_schedule, store_schedule

MAX_TIME_LIMIT = 600.0
PROGRESS_EVERY = 0.5  # seconds between progress writes


def start(session: orm.Session, pool: Pool, first: dt.date, last: dt.date, *, time_limit: float,
          user_id: Optional[int] = None) -> SolveRun:
    """A queued run for first..last; one period is solved by one run at a time."""
    if not 0 < time_limit <= MAX_TIME_LIMIT:
        raise Invalid("time_limit", N_("Give the solver between 1 and %(max)s seconds."), max=int(MAX_TIME_LIMIT))
    busy = session.scalar(sa.select(SolveRun.id).where(
        SolveRun.pool_id == pool.id, SolveRun.period_start == first, SolveRun.period_end == last,
        SolveRun.state.in_((SolveState.queued, SolveState.running))).limit(1))
    if busy is not None:
        raise Conflict(N_("This period is already being solved."))
    run = SolveRun(pool_id=pool.id, period_start=first, period_end=last, time_limit=time_limit,
                   requested_by_id=user_id, state=SolveState.queued, progress={})
    session.add(run)
    session.flush()
    return run


def get_run(session: orm.Session, pool: Pool, run_id: int) -> SolveRun:
    run = in_pool(session, SolveRun, pool.id, run_id)
    if run is None:
        raise NotFound(N_("No such solve run."))
    return run


def recent_runs(session: orm.Session, pool: Pool, limit: int = 10) -> list[SolveRun]:
    return list(session.scalars(sa.select(SolveRun).where(SolveRun.pool_id == pool.id)
                                .order_by(SolveRun.id.desc()).limit(limit)))


def run_in_background(factory: Callable[[], orm.Session], run_id: int, **options) -> threading.Thread:
    thread = threading.Thread(target=execute, args=(factory, run_id), kwargs=options,
                              name=f"solve-run-{run_id}", daemon=True)
    thread.start()
    return thread


def execute(factory: Callable[[], orm.Session], run_id: int, *, num_workers: int = 2, random_seed: int = 0) -> None:
    """Solve the run's period in sessions of its own and store the result as the next draft."""
    with factory() as session:
        run = session.get(SolveRun, run_id)
        run.state = SolveState.running
        session.commit()
        reporter = _Reporter(factory, run_id, run.time_limit)
        try:
            pool = session.get(Pool, run.pool_id)
            problem = build_problem(session, pool, run.period_start, run.period_end)
            session.commit()  # hold no transaction while the reporter writes
            reporter.begin()
            try:
                result = solver.solve(problem, time_limit=run.time_limit, num_workers=num_workers,
                                      random_seed=random_seed, progress=reporter.record)
            finally:
                reporter.end()
            published = newest_schedule(session, pool, run.period_start, run.period_end, ScheduleState.published)
            draft = store_schedule(session, pool, result, run.period_start, run.period_end,
                                   pinned=problem.pinned, based_on=published)
            run.state, run.schedule_id, run.finished_at = SolveState.done, draft.id, utcnow()
            run.progress = reporter.snapshot(final=result.solver)
            session.commit()
        except Exception as error:  # the run must say it failed, whatever the cause
            session.rollback()
            run = session.get(SolveRun, run_id)
            run.state, run.error, run.finished_at = SolveState.failed, str(error) or type(error).__name__, utcnow()
            run.progress = reporter.snapshot()
            session.commit()


class _Reporter:
    """Takes the solver's progress callback (which only stores the figures) and writes them to the
    run from its own thread, at most every PROGRESS_EVERY seconds."""

    def __init__(self, factory, run_id: int, time_limit: float):
        self.factory, self.run_id, self.time_limit = factory, run_id, time_limit
        self.latest: dict = {}
        self._written: Optional[dict] = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"solve-progress-{run_id}", daemon=True)

    def record(self, info: dict) -> None:
        self.latest = info

    def begin(self) -> None:
        self._thread.start()

    def end(self) -> None:
        self._stop.set()
        self._thread.join()

    def snapshot(self, final: Optional[dict] = None) -> dict:
        info = {k: v for k, v in dict(self.latest).items() if isinstance(v, (int, float, str))}
        if final:
            info.update({k: final[k] for k in ("fill", "seconds", "status") if k in final})
        info["time_limit"] = self.time_limit
        return info

    def _loop(self) -> None:
        while not self._stop.wait(PROGRESS_EVERY):
            if self.latest is not self._written:
                self._written = self.latest
                try:
                    with self.factory() as session:
                        session.execute(sa.update(SolveRun).where(SolveRun.id == self.run_id)
                                        .values(progress=self.snapshot()))
                        session.commit()
                except sa.exc.OperationalError:
                    pass  # a busy database only delays the figures; the next tick writes them
