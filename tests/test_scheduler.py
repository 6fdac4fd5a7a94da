"""One scheduler, always exactly one: the database lock, two real scheduler processes, coalesced missed
runs that survive a restart, and failing jobs retried with back-off and recorded."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.interval import IntervalTrigger

from pool import db, scheduler
from pool.models import JobRun, as_utc, utcnow
from tests.conftest import eventually

ROOT = Path(__file__).resolve().parents[1]


def runs(engine, job_id: str) -> list[JobRun]:
    with db.session_factory(engine)() as session:
        return list(session.scalars(sa.select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.id)))


def test_the_lock_lets_one_scheduler_in(engine):
    first, second = scheduler.SchedulerLock(engine), scheduler.SchedulerLock(engine)
    assert first.acquire() and first.alive()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_two_scheduler_processes_run_each_job_once(database_url, tmp_path):
    """Two `python -m pool scheduler` on one database: one runs the heartbeat every second, the other
    stands by, and takes over when the first stops."""
    env = dict(os.environ, POOL_DATABASE_URL=database_url, POOL_SCHEDULER_HEARTBEAT="1",
               POOL_SCHEDULER_LOCK_RETRY="0.2", PYTHONPATH=str(ROOT))
    logs = [(tmp_path / f"scheduler{i}.log").open("w") for i in range(2)]
    processes = [subprocess.Popen([sys.executable, "-m", "pool", "scheduler"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=log) for log in logs]
    engine = db.make_engine(database_url)
    try:
        beats = eventually(lambda: [r for r in runs(engine, "heartbeat") if r.ok] if
                           len([r for r in runs(engine, "heartbeat") if r.ok]) >= 4 else None, "four heartbeats")
        pids = {r.summary for r in beats}
        assert len(pids) == 1, "only the lock holder runs jobs"
        starts = sorted(as_utc(r.started_at) for r in beats)
        assert all(later - earlier >= dt.timedelta(seconds=0.5) for earlier, later in zip(starts, starts[1:])), \
            "each heartbeat ran once"

        holder = next(p for p in processes if f"pid {p.pid}" in pids)
        holder.terminate()
        holder.wait(timeout=20)
        other = next(p for p in processes if p is not holder)
        eventually(lambda: any(r.summary == f"pid {other.pid}" for r in runs(engine, "heartbeat")),
                   "the standby takes over")
    finally:
        for process, log in zip(processes, logs):
            process.terminate()
            process.wait(timeout=20)
            log.close()
        engine.dispose()


def test_missed_runs_are_coalesced_and_survive_a_restart(database_url, monkeypatch):
    monkeypatch.setenv("POOL_DATABASE_URL", database_url)
    engine = db.make_engine(database_url)
    hourly = [scheduler.JobSpec("heartbeat", IntervalTrigger(hours=1, timezone="Europe/Stockholm"), 6 * 3600)]
    first = scheduler.build_scheduler(engine, "Europe/Stockholm")
    first.start(paused=True)
    scheduler.sync_jobs(first, hourly)
    first.shutdown()
    missed = utcnow() - dt.timedelta(hours=3, minutes=30)  # the scheduler was down for three runs
    store = SQLAlchemyJobStore(engine=engine, tablename=scheduler.JOBS_TABLE)
    store.start(first, "default")
    job = store.lookup_job("heartbeat")
    job._modify(next_run_time=missed)
    store.update_job(job)

    second = scheduler.build_scheduler(engine, "Europe/Stockholm")
    second.start(paused=True)
    scheduler.sync_jobs(second, hourly)  # unchanged trigger: the stored next run is kept
    assert second.get_job("heartbeat").next_run_time == missed.astimezone(second.timezone)
    second.resume()
    eventually(lambda: [r for r in runs(engine, "heartbeat") if r.finished_at], "a heartbeat finishes")
    second.shutdown(wait=True)
    assert len(runs(engine, "heartbeat")) == 1
    engine.dispose()


def test_a_failing_job_is_recorded_and_retried_with_back_off(engine):
    sessions = db.session_factory(engine)
    calls, waits = [], []

    def flaky(_sessions, now):
        calls.append(now)
        if len(calls) < 3:
            raise RuntimeError("the database went away")
        return "done"
    run = scheduler.execute_job(sessions, "flaky", retry=scheduler.Retry(attempts=3, backoff=5), sleep=waits.append,
                                function=flaky)
    assert run.ok and run.attempt == 3 and waits == [5, 10]
    recorded = runs(engine, "flaky")
    assert [(r.attempt, r.ok) for r in recorded] == [(1, False), (2, False), (3, True)]
    assert recorded[0].summary == "RuntimeError: the database went away"

    def broken(_sessions, now):
        raise ValueError("bad data")
    run = scheduler.execute_job(sessions, "broken", retry=scheduler.Retry(attempts=2, backoff=1), sleep=waits.append,
                                function=broken)
    assert run.ok is False and "bad data" in run.summary  # recorded, never raised


def test_job_times_follow_the_settings():
    from pool.rhythm import Rhythm
    specs = {s.id: s for s in scheduler.job_specs(Rhythm(draft="tue 09:30"), env={})}
    assert "heartbeat" not in specs
    moment = specs["weekly-draft"].trigger.get_next_fire_time(None, dt.datetime(2027, 1, 11, tzinfo=dt.timezone.utc))
    assert (moment.isoweekday(), moment.hour, moment.minute) == (2, 9, 30)
    assert moment.utcoffset() == dt.timedelta(hours=1)  # Stockholm in winter
