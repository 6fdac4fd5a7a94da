"""Crash safety on PostgreSQL: real processes killed with SIGKILL in the middle of their work.

A solver killed mid-run leaves the published plan exactly as it was and writes no draft; its run is
recognised as abandoned once silent, so the period can be solved again. A web process killed in the
middle of a publication leaves the old plan or the new one, never half of each.
"""
from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from pool import db, schedules, solve_runs
from pool.errors import Conflict
from pool.generator import generate, greedy_schedule
from pool.models import OutboxMessage, Pool, Schedule, ScheduleState, SolveRun, SolveState
from pool.planning import build_problem, import_problem, store_schedule
from solver import problem as sp
from tests.conftest import DEMO_LOGINS, _migrated_postgres, eventually, sign_in

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]
WAIT = 30.0  # seconds before the test gives up on something that should have happened


@pytest.fixture
def database(postgres_admin):
    """A fresh migrated PostgreSQL database: its URL and a session factory."""
    with _migrated_postgres(postgres_admin) as url:
        engine = db.make_engine(url)
        yield url, db.session_factory(engine)
        engine.dispose()


def plans(factory) -> tuple[list, list]:
    """Every schedule and every assignment, column by column, to compare before and after a crash."""
    with factory() as session:
        return (session.execute(sa.text("SELECT * FROM schedules ORDER BY id")).all(),
                session.execute(sa.text("SELECT * FROM assignments ORDER BY id")).all())


# ------------------------------------------------------------------------------ 2a. the solver killed
SOLVE = """
import sys
from pool import db, solve_runs
solve_runs.execute(db.session_factory(db.make_engine(sys.argv[1])), int(sys.argv[2]), num_workers=1)
"""


def test_a_solver_killed_mid_run_leaves_the_published_plan_untouched_and_its_run_is_abandoned(database):
    url, factory = database
    problem = generate(3, 130, 12, 2, baseline=True)  # two busy weeks: far from solved when killed
    with factory() as session:
        pool = import_problem(session, problem, slug="big")
        run = solve_runs.start(session, pool, problem.start, problem.end, time_limit=120)
        session.commit()
        pool_id, run_id = pool.id, run.id
    before = plans(factory)
    assert sorted(s.state for s in before[0]) == ["draft", "published"]  # the plan, and a draft with pins

    solver = subprocess.Popen([sys.executable, "-c", SOLVE, url, str(run_id)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        eventually(lambda: _progress(factory, run_id).get("fill") is not None, "the solver reports progress")
    finally:
        solver.send_signal(signal.SIGKILL)
        assert solver.wait(WAIT) == -signal.SIGKILL

    assert plans(factory) == before  # the published plan byte for byte, and no draft, not even half of one
    with factory() as session:
        pool = session.get(Pool, pool_id)
        run = session.get(SolveRun, run_id)
        assert run.state is SolveState.running and run.heartbeat_at is not None  # nobody could say otherwise
        with pytest.raises(Conflict, match="already being solved"):  # seconds of silence are not death
            solve_runs.start(session, pool, problem.start, problem.end, time_limit=2)
        session.rollback()

    silence = dt.timedelta(seconds=2)
    eventually(lambda: _silent_for(factory, run_id) > silence, "the killed run falls silent")
    with factory() as session:
        pool = session.get(Pool, pool_id)
        again = solve_runs.start(session, pool, problem.start, problem.end, time_limit=1, abandoned_after=silence)
        session.commit()
        dead = session.get(SolveRun, run_id)
        assert dead.state is SolveState.failed and dead.error.startswith("abandoned")
        assert dead.finished_at is not None
        assert again.state is SolveState.queued  # the period may be solved again
    assert plans(factory) == before


def _progress(factory, run_id: int) -> dict:
    with factory() as session:
        run = session.get(SolveRun, run_id)
        assert run.state in (SolveState.queued, SolveState.running), (run.state, run.error)
        return run.progress or {}


def _silent_for(factory, run_id: int) -> dt.timedelta:
    with factory() as session:
        return dt.datetime.now(dt.timezone.utc) - session.get(SolveRun, run_id).heartbeat_at


# ------------------------------------------------------------------------------ 2b. the web process killed
def test_a_web_process_killed_mid_publication_leaves_the_old_plan_whole(database, tmp_path):
    url, factory = database
    old_id, new_id = _old_published_and_new_approved(factory)
    before = plans(factory)

    with _web_process(url, tmp_path) as (base_url, server):
        coordinator = sign_in(base_url, DEMO_LOGINS["coordinator"])
        version = coordinator.get(f"{base_url}/api/schedules/{new_id}").json()["row_version"]
        with _outbox_locked(factory) as locker:
            publishing = threading.Thread(target=_post_quietly, daemon=True, args=(
                coordinator, f"{base_url}/api/schedules/{new_id}/publish", {"row_version": version}))
            publishing.start()
            backend = eventually(lambda: _waiting_for_outbox(locker), "the publication waits to queue its messages")
            # it has already written the state changes: it holds row locks on the schedules it changed
            assert _holds_row_locks_on_schedules(locker, backend)
            server.send_signal(signal.SIGKILL)
            assert server.wait(WAIT) == -signal.SIGKILL
        publishing.join(WAIT)
    # the orphaned database session notices its client is gone once it gets the lock, and rolls back
    eventually(lambda: not _alive(factory, backend), "the killed process's transaction ends")

    assert plans(factory) == before
    with factory() as session:
        assert _published(session) == [old_id]
        assert session.get(Schedule, new_id).state is ScheduleState.approved
        assert not session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like(f"published:{new_id}:%"))).all()

    with factory() as session:  # nothing is left locked or half done: publishing it again simply works
        schedules.publish(session, session.get(Pool, _demo_pool_id(session)), new_id, version)
        session.commit()
        assert _published(session) == [new_id]
        assert session.get(Schedule, old_id).state is ScheduleState.superseded
        assert session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like(f"published:{new_id}:%"))).all()


def _old_published_and_new_approved(factory) -> tuple[int, int]:
    """The demo, a week's plan published, and a changed plan of the same week approved (some leaders
    lose a seat, so publishing it has messages to queue)."""
    from seed import load_demo
    with factory() as session:
        load_demo(session)
        pool = session.scalar(sa.select(Pool))
        first, last = schedules.parse_period(session, pool, "2027-W05")
        plan = greedy_schedule(build_problem(session, pool, first, last, baseline=(), pinned=()))
        old = store_schedule(session, pool, sp.Schedule("old", tuple(plan)), first, last)
        schedules.approve(session, pool, old.id, old.row_version)
        schedules.publish(session, pool, old.id, old.row_version)
        new = store_schedule(session, pool, sp.Schedule("new", tuple(plan[::2])), first, last)
        schedules.approve(session, pool, new.id, new.row_version)
        session.commit()
        return old.id, new.id


@contextmanager
def _web_process(url: str, instance: Path):
    """`pool serve` (waitress) in a process of its own on a free port; yields its base URL and the process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "POOL_DATABASE_URL": url, "POOL_SECRET_KEY": "crash-test", "POOL_INSTANCE_DIR": str(instance)}
    server = subprocess.Popen([sys.executable, "-m", "pool", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        eventually(lambda: _answers(base_url, server), "the web process answers")
        yield base_url, server
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(WAIT)


def _answers(base_url: str, server: subprocess.Popen) -> bool:
    assert server.poll() is None, "the web process exited"
    try:
        return requests.get(base_url + "/login", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def _post_quietly(client: requests.Session, address: str, body: dict) -> None:
    try:
        client.post(address, json=body, timeout=WAIT)
    except requests.ConnectionError:
        pass  # the server was killed while it worked on this request: that is the point


@contextmanager
def _outbox_locked(factory):
    """A connection holding the outbox table exclusively, so a publication blocks when it queues messages."""
    with factory() as locker:
        locker.execute(sa.text("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE"))
        try:
            yield locker
        finally:
            locker.rollback()


def _waiting_for_outbox(locker) -> int | None:
    return locker.scalar(sa.text(
        "SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE c.relname = 'outbox' AND NOT l.granted"))


def _holds_row_locks_on_schedules(locker, pid: int) -> bool:
    return locker.scalar(sa.text(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.pid = :pid AND c.relname = 'schedules' AND l.mode = 'RowExclusiveLock' AND l.granted"),
        {"pid": pid}) == 1


def _alive(factory, pid: int) -> bool:
    with factory() as session:
        return session.scalar(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}) > 0


def _demo_pool_id(session) -> int:
    return session.scalar(sa.select(Pool.id))


def _published(session) -> list[int]:
    return list(session.scalars(sa.select(Schedule.id).where(Schedule.state == ScheduleState.published)))
