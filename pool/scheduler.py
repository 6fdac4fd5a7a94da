"""The one scheduler process (`pool scheduler`): APScheduler 3 with its job store in the application
database, guarded by a database lock so that however many are started, one runs the jobs.

APScheduler 3 cannot share a job store between processes, so the web app never starts a scheduler.
A second `pool scheduler` waits on the lock and takes over when the first one stops. Jobs are
referenced by text (``pool.scheduler:run_job``) with fixed ids; missed runs after downtime are
coalesced into one run within the grace time. Every attempt is recorded as a JobRun; a failing
attempt is logged with its error and retried with back-off.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import threading
import time
import traceback
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from pool import config, db, rhythm
from pool.models import JobRun, as_utc, utcnow

log = logging.getLogger("pool.scheduler")
JOBS_TABLE = "apscheduler_jobs"
LOCK_KEY = zlib.crc32(b"pool-scheduler")  # the PostgreSQL advisory lock's number


@dataclass(frozen=True)
class JobSpec:
    id: str
    trigger: object
    grace: int  # seconds a missed run may be late and still run (once)


def job_specs(settings: Optional[rhythm.Rhythm] = None, env=os.environ) -> list[JobSpec]:
    """The rhythm's jobs with their triggers; POOL_SCHEDULER_HEARTBEAT=N adds a test job every N seconds."""
    settings = settings or rhythm.Rhythm.from_env(env)
    zone = settings.timezone

    def at(text: str) -> CronTrigger:
        day, hour, minute = rhythm.weekday_and_time(text)
        return CronTrigger(day_of_week=day or "*", hour=hour, minute=minute, timezone=zone)
    specs = [JobSpec("weekly-draft", at(settings.draft), 6 * 3600),
             JobSpec("approval-reminder", at(settings.reminder), 6 * 3600),
             JobSpec("day-before", at(settings.day_before), 3 * 3600),
             JobSpec("credential-check", at(settings.credentials), 12 * 3600),
             JobSpec("purge-absence-reasons", at(settings.privacy), 12 * 3600),
             JobSpec("replan-broken", IntervalTrigger(minutes=1, timezone=zone), 300),
             JobSpec("deliver-outbox", IntervalTrigger(minutes=1, timezone=zone), 300)]
    heartbeat = env.get("POOL_SCHEDULER_HEARTBEAT")
    if heartbeat:
        specs.append(JobSpec("heartbeat", IntervalTrigger(seconds=float(heartbeat), timezone=zone), 1))
    return specs


# ------------------------------------------------------------------------------ running one job
@dataclass(frozen=True)
class Retry:
    """Attempts and back-off (seconds, doubled after each failure): POOL_JOB_ATTEMPTS, POOL_JOB_BACKOFF."""
    attempts: int = 3
    backoff: float = 30.0

    @classmethod
    def from_env(cls, env=os.environ) -> "Retry":
        return cls(int(env.get("POOL_JOB_ATTEMPTS", cls.attempts)), float(env.get("POOL_JOB_BACKOFF", cls.backoff)))


def execute_job(sessions, job_id: str, *, now: Optional[dt.datetime] = None, retry: Optional[Retry] = None,
                sleep: Callable[[float], None] = time.sleep,
                function: Optional[Callable[..., str]] = None) -> JobRun:
    """Run a job, recording each attempt; retry failures with back-off. Never raises: a failure is a
    JobRun with ok=False and the error, for the operations page and the log."""
    retry = retry or Retry.from_env()
    function = function or rhythm.JOBS[job_id]
    delay = retry.backoff
    for attempt in range(1, retry.attempts + 1):
        record = _record_start(sessions, job_id, attempt, now)
        try:
            summary = function(sessions, now or utcnow())
            return _record_end(sessions, record, True, summary)
        except Exception as error:  # noqa: BLE001 - any failure is recorded and retried
            log.exception("job %s failed (attempt %s of %s)", job_id, attempt, retry.attempts)
            last = traceback.format_exception_only(type(error), error)[-1].strip()
            run = _record_end(sessions, record, False, last)
            if attempt < retry.attempts:
                sleep(delay)
                delay *= 2
    return run


def _record_start(sessions, job_id: str, attempt: int, now: Optional[dt.datetime]) -> int:
    with sessions() as session:
        run = JobRun(job_id=job_id, attempt=attempt, started_at=now or utcnow(), summary="")
        session.add(run)
        session.commit()
        return run.id


def _record_end(sessions, run_id: int, ok: bool, summary: str) -> JobRun:
    with sessions() as session:
        run = session.get(JobRun, run_id)
        run.ok, run.summary = ok, summary[:4000]
        run.finished_at = max(utcnow(), as_utc(run.started_at))
        session.commit()
        return run


_sessions: dict[str, Callable] = {}


def run_job(job_id: str) -> None:
    """What APScheduler calls (by the text reference 'pool.scheduler:run_job'), in the scheduler process."""
    url = config.database_url()
    if url not in _sessions:
        _sessions[url] = db.session_factory(db.make_engine(url))
    execute_job(_sessions[url], job_id)


def last_runs(session, job_ids: list[str]) -> dict[str, JobRun]:
    """The newest run of each job."""
    newest = sa.select(JobRun.job_id, sa.func.max(JobRun.id).label("id")).where(
        JobRun.job_id.in_(job_ids)).group_by(JobRun.job_id).subquery()
    rows = session.scalars(sa.select(JobRun).join(newest, JobRun.id == newest.c.id))
    return {r.job_id: r for r in rows}


def running(session, job_id: str, within: dt.timedelta = dt.timedelta(minutes=30)) -> bool:
    """Whether an attempt of the job started recently and has not finished."""
    return session.scalar(sa.select(JobRun.id).where(
        JobRun.job_id == job_id, JobRun.finished_at.is_(None), JobRun.started_at >= utcnow() - within).limit(1)) \
        is not None


def next_runs(engine: sa.Engine) -> dict[str, dt.datetime]:
    """Next run of each job as the running scheduler stored it; empty before a scheduler has started."""
    if not sa.inspect(engine).has_table(JOBS_TABLE):
        return {}
    table = sa.table(JOBS_TABLE, sa.column("id"), sa.column("next_run_time"))
    with engine.connect() as conn:
        return {row.id: dt.datetime.fromtimestamp(row.next_run_time, dt.timezone.utc)
                for row in conn.execute(sa.select(table.c.id, table.c.next_run_time))
                if row.next_run_time is not None}


# ------------------------------------------------------------------------------ one scheduler, always
class SchedulerLock:
    """Held by the process that runs the jobs. PostgreSQL: a session advisory lock on a connection kept
    open (released by the server if the process dies). SQLite: an flock on a file beside the database,
    which the kernel releases the same way."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self._conn = None
        self._file = None

    def acquire(self) -> bool:
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            if conn.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar():
                conn.commit()
                self._conn = conn
                return True
            conn.close()
            return False
        handle = open(self._lock_path(), "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def alive(self) -> bool:
        """False when the lock's connection is gone: the server has released it, so this process must stop."""
        if self._conn is None:
            return self._file is not None
        try:
            self._conn.execute(sa.text("SELECT 1"))
            self._conn.commit()
            return True
        except sa.exc.DBAPIError:
            return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                self._conn.commit()
            except sa.exc.DBAPIError:
                pass
            self._conn.close()
            self._conn = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def _lock_path(self) -> Path:
        database = self.engine.url.database or ""
        if database in ("", ":memory:"):
            return config.instance_dir() / "scheduler.lock"
        return Path(database).with_name(Path(database).name + ".scheduler-lock")


def build_scheduler(engine: sa.Engine, timezone: str) -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=timezone)


def sync_jobs(scheduler: BackgroundScheduler, specs: list[JobSpec]) -> None:
    """Store the rhythm's jobs under fixed ids. A job whose trigger is unchanged keeps its stored next
    run, so a run missed while no scheduler ran still happens (once); jobs no longer defined go."""
    wanted = {spec.id for spec in specs}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
    for spec in specs:
        stored = scheduler.get_job(spec.id)
        if stored is not None and str(stored.trigger) == str(spec.trigger) \
                and stored.misfire_grace_time == spec.grace:
            continue
        scheduler.add_job("pool.scheduler:run_job", spec.trigger, args=[spec.id], id=spec.id, name=spec.id,
                          replace_existing=True, misfire_grace_time=spec.grace)


def serve(url: Optional[str] = None, *, stop: Optional[threading.Event] = None, lock_retry: Optional[float] = None,
          check_every: float = 5.0) -> None:
    """Wait for the lock, then run the jobs until ``stop`` is set or the lock is lost."""
    url = url or config.database_url()
    stop = stop or threading.Event()
    lock_retry = lock_retry if lock_retry is not None else float(os.environ.get("POOL_SCHEDULER_LOCK_RETRY", "10"))
    engine = db.make_engine(url)
    settings = rhythm.Rhythm.from_env()
    lock = SchedulerLock(engine)
    while not lock.acquire():
        log.info("another scheduler runs the jobs; standing by")
        if stop.wait(lock_retry):
            engine.dispose()
            return
    log.info("this process runs the jobs (pid %s)", os.getpid())
    scheduler = build_scheduler(engine, settings.timezone)
    try:
        scheduler.start(paused=True)
        sync_jobs(scheduler, job_specs(settings))
        scheduler.resume()
        while not stop.wait(check_every):
            if not lock.alive():
                log.error("the scheduler lock was lost; stopping so that no two schedulers run")
                break
    finally:
        scheduler.shutdown(wait=True)
        lock.release()
        engine.dispose()
