"""Solving a period in the background: a SolveRun row records the state and the progress, and the new
draft is written only when the solver has finished, so a crash leaves published plans untouched.

A live run stamps ``heartbeat_at`` every few seconds. A queued or running run silent for longer than
ABANDONED_AFTER belonged to a process that died (killed, out of memory, a restart): it counts as failed,
and the period may be solved again."""
from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy import orm

import solver
from pool.errors import N_, Conflict, Invalid, NotFound
from pool.models import Pool, ScheduleState, SolveRun, SolveState, as_utc, in_pool, utcnow
from pool.planning import build_problem, newest_schedule, store_schedule

MAX_TIME_LIMIT = 600.0
PROGRESS_EVERY = 0.5  # seconds between progress writes
HEARTBEAT_EVERY = 5.0  # seconds between signs of life when the progress has not changed
ABANDONED_AFTER = dt.timedelta(seconds=60)  # silence after which a run's process is taken for dead
UNFINISHED = (SolveState.queued, SolveState.running)
BUSY = N_("This period is already being solved.")
ABANDONED = "abandoned: the process solving it stopped without finishing (last sign of life %s)"


def start(session: orm.Session, pool: Pool, first: dt.date, last: dt.date, *, time_limit: float,
          user_id: Optional[int] = None, abandoned_after: dt.timedelta = ABANDONED_AFTER) -> SolveRun:
    """A queued run for first..last; one period is solved by one live run at a time."""
    if not 0 < time_limit <= MAX_TIME_LIMIT:
        raise Invalid("time_limit", N_("Give the solver between 1 and %(max)s seconds."), max=int(MAX_TIME_LIMIT))
    unfinished = session.scalars(sa.select(SolveRun).where(
        SolveRun.pool_id == pool.id, SolveRun.period_start == first, SolveRun.period_end == last,
        SolveRun.state.in_(UNFINISHED))).all()
    live = [run for run in unfinished if not give_up_if_abandoned(run, abandoned_after)]
    if live:
        raise Conflict(BUSY)
    session.flush()  # the abandoned runs step down before the new one is queued
    run = SolveRun(pool_id=pool.id, period_start=first, period_end=last, time_limit=time_limit,
                   requested_by_id=user_id, state=SolveState.queued, progress={}, heartbeat_at=utcnow())
    session.add(run)
    try:
        session.flush()
    except sa.exc.IntegrityError:  # another run was queued for the period at the same moment
        raise Conflict(BUSY) from None
    return run


def give_up_if_abandoned(run: SolveRun, abandoned_after: dt.timedelta = ABANDONED_AFTER) -> bool:
    """Mark an unfinished run failed when its process has been silent too long; whether it was."""
    last_sign = run.heartbeat_at or run.created_at
    if run.state not in UNFINISHED or last_sign is None or utcnow() - as_utc(last_sign) <= abandoned_after:
        return False
    run.state, run.finished_at = SolveState.failed, utcnow()
    run.error = ABANDONED % as_utc(last_sign).isoformat(timespec="seconds")
    return True


def get_run(session: orm.Session, pool: Pool, run_id: int) -> SolveRun:
    """The run, shown as failed when its process died (kept so when the caller commits)."""
    run = in_pool(session, SolveRun, pool.id, run_id)
    if run is None:
        raise NotFound(N_("No such solve run."))
    give_up_if_abandoned(run)
    return run


def recent_runs(session: orm.Session, pool: Pool, limit: int = 10) -> list[SolveRun]:
    runs = list(session.scalars(sa.select(SolveRun).where(SolveRun.pool_id == pool.id)
                                .order_by(SolveRun.id.desc()).limit(limit)))
    for run in runs:
        give_up_if_abandoned(run)
    return runs


def run_in_background(factory: Callable[[], orm.Session], run_id: int, **options) -> threading.Thread:
    thread = threading.Thread(target=execute, args=(factory, run_id), kwargs=options,
                              name=f"solve-run-{run_id}", daemon=True)
    thread.start()
    return thread


def execute(factory: Callable[[], orm.Session], run_id: int, *, num_workers: int = 2, random_seed: int = 0) -> None:
    """Solve the run's period in sessions of its own and store the result as the next draft."""
    with factory() as session:
        run = session.get(SolveRun, run_id)
        if run.state is not SolveState.queued:
            return  # given up as abandoned before it could start
        run.state, run.heartbeat_at = SolveState.running, utcnow()
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
            session.refresh(run)
            if run.state is not SolveState.running:
                return  # given up as abandoned while it was silent: another run may own the period now
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
        last_write = time.monotonic()
        while not self._stop.wait(PROGRESS_EVERY):
            latest = self.latest
            changed = latest is not self._written
            if (changed or time.monotonic() - last_write >= HEARTBEAT_EVERY) and self._write(changed):
                self._written, last_write = latest, time.monotonic()

    def _write(self, with_progress: bool) -> bool:
        """Stamp the heartbeat, with the figures when they changed; False when the database was busy."""
        values = {"heartbeat_at": utcnow(), **({"progress": self.snapshot()} if with_progress else {})}
        try:
            with self.factory() as session:
                session.execute(sa.update(SolveRun).where(SolveRun.id == self.run_id,
                                                          SolveRun.state == SolveState.running).values(**values))
                session.commit()
            return True
        except sa.exc.OperationalError:
            return False  # a busy database only delays the figures; the next tick writes them
