"""No update is lost when people act at the same moment, on PostgreSQL with real parallel connections.

Each scenario runs two operations in two threads with two connections of their own. A "race" releases
both at one barrier, many rounds over, and checks what must hold however the database ordered them. An
"overlap" pins the worst interleaving: the first keeps its transaction open after writing until the
second is seen waiting for its locks (or has committed), so both really run at once every time.
"""
from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections import Counter

import pytest
import requests
import sqlalchemy as sa

from pool import db, leaders, schedules, solve_runs
from pool.errors import Conflict
from pool.models import Absence, Leader, OutboxMessage, Pool, Schedule, ScheduleState, SolveRun, SolveState
from pool.planning import import_problem, store_schedule
from solver import problem as sp
from tests.builders import LAST, MON, D, small_problem
from tests.conftest import DEMO_LOGINS, _migrated_postgres, sign_in

pytestmark = pytest.mark.postgres

ROUNDS = 10
NIGHT = D(2027, 1, 15)  # the small pool's draft pins l1 on night football that Friday
SERIAL = itertools.count()  # pools' slugs are unique in the module's database
WAIT = 20.0  # seconds before a test gives up waiting for the other connection


@pytest.fixture(scope="module")
def factory(postgres_admin):
    """One database for the module: every round builds a pool of its own in it."""
    with _migrated_postgres(postgres_admin) as url:
        engine = db.make_engine(url)
        yield db.session_factory(engine)
        engine.dispose()


# ------------------------------------------------------------------------------ running things at once
class _Worker(threading.Thread):
    """One operation in its own session and connection; keeps what it returned or raised."""

    def __init__(self, factory, action, before=None, after_flush=None):
        super().__init__(daemon=True)
        self.factory, self.action, self.before, self.after_flush = factory, action, before, after_flush
        self.pid = None
        self.finished = threading.Event()
        self.outcome = None  # "ok" or a Conflict
        self.error = None  # anything else is a failure of the test

    def run(self):
        try:
            with self.factory() as session:
                self.pid = session.scalar(sa.text("SELECT pg_backend_pid()"))
                if self.before:
                    self.before()
                try:
                    self.action(session)
                    session.flush()
                    if self.after_flush:
                        self.after_flush()
                    session.commit()
                    self.outcome = "ok"
                except Conflict as conflict:
                    session.rollback()
                    self.outcome = conflict
        except BaseException as error:  # noqa: B036 - handed to the test thread
            self.error = error
        finally:
            self.finished.set()

    def result(self):
        self.join(WAIT * 2)
        assert not self.is_alive(), "an operation never finished"
        if self.error is not None:
            raise self.error
        return self.outcome


def race(factory, *actions):
    """Run the actions at once, released together by a barrier once every one is connected."""
    barrier = threading.Barrier(len(actions), timeout=WAIT)
    workers = [_Worker(factory, action, before=barrier.wait) for action in actions]
    for worker in workers:
        worker.start()
    return [worker.result() for worker in workers]


def waiting_for_a_lock(factory, pid: int) -> bool:
    with factory() as session:
        return session.scalar(sa.text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
                              {"pid": pid}) is True


def overlap(factory, first, second, *, second_blocks: bool = True):
    """``first`` writes, then holds its transaction open until ``second`` (started only then) waits for one
    of its locks — or, when ``second_blocks`` is False, has committed — and only then commits."""
    started = threading.Event()

    def hold():
        started.set()
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if waiting_for_a_lock(factory, other.pid) if second_blocks else other.finished.is_set():
                return
            time.sleep(0.02)
        raise AssertionError("the second operation never overlapped the first")

    holder = _Worker(factory, first, after_flush=hold)
    other = _Worker(factory, second, before=lambda: started.wait(WAIT))
    holder.start()
    other.start()
    return holder.result(), other.result()


def outcomes_text(results) -> str:
    return "ok" if results == "ok" else "conflict"


# ------------------------------------------------------------------------------ small pools, one per round
def small_pool(factory, slug: str, *, published: bool = True, approved: int = 1) -> tuple[int, list[int]]:
    """A small pool (with or without a published plan) and ``approved`` approved schedules of its period."""
    slug = f"{slug}-{next(SERIAL)}"
    problem = small_problem() if published else dataclasses.replace(small_problem(), baseline=())
    problem = dataclasses.replace(problem, name=slug)
    with factory() as session:
        pool = import_problem(session, problem, slug=slug)
        session.execute(sa.update(Leader).where(Leader.pool_id == pool.id, Leader.code == "l1")
                        .values(email=f"l1@{slug}.example"))  # so a publication has someone to tell
        ids = []
        for _ in range(approved):
            draft = store_schedule(session, pool, sp.Schedule(slug, (sp.Assignment("natt", NIGHT, "l1"),)), MON, LAST)
            schedules.approve(session, pool, draft.id, draft.row_version)
            ids.append(draft.id)
        session.commit()
        return pool.id, ids


def publisher(pool_id: int, schedule_id: int, version: int):
    return lambda session: schedules.publish(session, session.get(Pool, pool_id), schedule_id, version)


def states(factory, pool_id: int) -> dict[int, ScheduleState]:
    with factory() as session:
        return dict(session.execute(sa.select(Schedule.id, Schedule.state).where(Schedule.pool_id == pool_id)).all())


def published_ids(factory, pool_id: int) -> list[int]:
    return [i for i, state in states(factory, pool_id).items() if state is ScheduleState.published]


def version_of(factory, schedule_id: int) -> int:
    with factory() as session:
        return session.get(Schedule, schedule_id).row_version


def assert_one_winner(results, says: str = "Reload the page"):
    assert sorted(map(outcomes_text, results)) == ["conflict", "ok"], results
    loser = next(r for r in results if r != "ok")
    assert says in loser.message


# ------------------------------------------------------------------------------ solving one period twice
def test_two_solves_of_one_period_started_at_once_queue_one_run(factory):
    """The check for a live run and the insert are two statements; the database's index closes the gap."""
    tally = Counter()
    for n in range(ROUNDS):
        pool_id, _ = small_pool(factory, f"solve{n}", approved=0)
        start = lambda session: solve_runs.start(session, session.get(Pool, pool_id), MON, LAST,  # noqa: E731
                                                 time_limit=5)
        results = race(factory, start, start)
        assert_one_winner(results, "already being solved")
        with factory() as session:
            runs = session.scalars(sa.select(SolveRun.state).where(SolveRun.pool_id == pool_id)).all()
        assert runs == [SolveState.queued]
        tally[tuple(sorted(map(outcomes_text, results)))] += 1
    print(f"two solve starts, {ROUNDS} concurrent rounds: {dict(tally)}")


# ------------------------------------------------------------------------------ 1a. publishing one period twice
def test_the_same_schedule_published_twice_at_once_publishes_it_once(factory):
    tally = Counter()
    for n in range(ROUNDS):
        pool_id, (schedule_id,) = small_pool(factory, f"same{n}", published=n % 2 == 0)
        version = version_of(factory, schedule_id)
        results = race(factory, publisher(pool_id, schedule_id, version), publisher(pool_id, schedule_id, version))
        assert_one_winner(results)
        assert published_ids(factory, pool_id) == [schedule_id]
        with factory() as session:  # the leaders were told once, not twice
            keys = session.scalars(sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.pool_id == pool_id)).all()
        assert keys and len(keys) == len(set(keys)) and all(f"published:{schedule_id}:" in k for k in keys)
        tally[tuple(sorted(map(outcomes_text, results)))] += 1
    print(f"same schedule, {ROUNDS} concurrent rounds: {dict(tally)}")


def test_a_publication_that_read_the_schedule_before_another_published_it_gets_a_conflict(factory):
    """The race above at its worst moment, pinned: the late one has read the approved schedule when the
    early one publishes it and commits, just before the late one locks the period's published plan."""
    pool_id, (schedule_id,) = small_pool(factory, "late", published=False)
    version = version_of(factory, schedule_id)
    early_done = []
    with factory() as late:
        @sa.event.listens_for(late, "do_orm_execute")
        def early_publishes_first(state):
            if state.execution_options.get("populate_existing") and not early_done:  # the locking read
                with factory() as early:
                    publisher(pool_id, schedule_id, version)(early)
                    early.commit()
                early_done.append(True)

        with pytest.raises(Conflict, match="Reload the page"):
            schedules.publish(late, late.get(Pool, pool_id), schedule_id, version)
    assert early_done and published_ids(factory, pool_id) == [schedule_id]


@pytest.mark.parametrize("published", [False, True], ids=["first-plan", "replacing-a-plan"])
def test_two_schedules_of_one_period_published_at_once_leave_one_published(factory, published):
    tally = Counter()
    for n in range(ROUNDS):
        pool_id, (a, b) = small_pool(factory, f"two{n}", published=published, approved=2)
        results = race(factory, publisher(pool_id, a, version_of(factory, a)),
                       publisher(pool_id, b, version_of(factory, b)))
        now = states(factory, pool_id)
        assert len(published_ids(factory, pool_id)) == 1, now
        if "ok" in results and results.count("ok") == 1:
            assert_one_winner(results)
            winner = (a, b)[results.index("ok")]
            assert now[winner] is ScheduleState.published and now[({a, b} - {winner}).pop()] is ScheduleState.approved
            tally["one ok, one conflict"] += 1
        else:  # the database ran them one after the other: the later one superseded the earlier
            assert results == ["ok", "ok"]
            assert {now[a], now[b]} == {ScheduleState.published, ScheduleState.superseded}
            tally["one after the other"] += 1
    print(f"two schedules ({'replacing' if published else 'first plan'}), {ROUNDS} concurrent rounds: {dict(tally)}")


@pytest.mark.parametrize("published", [False, True], ids=["first-plan", "replacing-a-plan"])
def test_while_one_publication_is_uncommitted_the_other_waits_then_gets_a_conflict(factory, published):
    for n in range(3):
        pool_id, (a, b) = small_pool(factory, f"held{n}", published=published, approved=2)
        first, second = overlap(factory, publisher(pool_id, a, version_of(factory, a)),
                                publisher(pool_id, b, version_of(factory, b)))
        assert first == "ok" and isinstance(second, Conflict)
        assert second.message == schedules.PUBLISHED_MEANWHILE
        now = states(factory, pool_id)
        assert now[a] is ScheduleState.published and now[b] is ScheduleState.approved
        with factory() as session:  # the loser can still be published on purpose afterwards
            schedules.publish(session, session.get(Pool, pool_id), b, version_of(factory, b))
            session.commit()
        assert published_ids(factory, pool_id) == [b]


def test_the_database_itself_refuses_a_second_published_schedule_for_a_period(factory):
    pool_id, (a, b) = small_pool(factory, "guard", published=False, approved=2)
    with factory() as session:
        session.execute(sa.update(Schedule).where(Schedule.id == a).values(state=ScheduleState.published))
        with pytest.raises(sa.exc.IntegrityError, match="uq_schedules_one_published"):
            session.execute(sa.update(Schedule).where(Schedule.id == b).values(state=ScheduleState.published))


@pytest.mark.parametrize("live_server_on", ["postgresql"], indirect=True)
def test_two_coordinators_publishing_over_http_at_once_get_one_200_and_one_409(live_server_on):
    coordinators = [sign_in(live_server_on, DEMO_LOGINS["coordinator"]) for _ in range(2)]
    api = live_server_on + "/api/schedules"
    schedule_id = _approved_draft(coordinators[0], api, "2027-W05")
    version = coordinators[0].get(f"{api}/{schedule_id}").json()["row_version"]
    barrier = threading.Barrier(2, timeout=WAIT)
    answers = [None, None]

    def publish(i):
        barrier.wait()
        answers[i] = coordinators[i].post(f"{api}/{schedule_id}/publish", json={"row_version": version})

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    assert sorted(a.status_code for a in answers) == [200, 409]
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.headers["Content-Type"].startswith("application/json")
    assert refused.json()["code"] == 409 and "Ladda om sidan" in refused.json()["message"]  # Swedish by default
    assert coordinators[0].get(f"{api}/{schedule_id}").json()["state"] == "published"


def _approved_draft(client: requests.Session, api: str, week: str) -> int:
    run = client.post(f"{api}/solve-runs", json={"period": week, "time_limit": 1}).json()
    deadline = time.monotonic() + 60
    while run["state"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        run = client.get(f"{api}/solve-runs/{run['id']}").json()
    assert run["state"] == "done", run
    version = client.get(f"{api}/{run['schedule_id']}").json()["row_version"]
    assert client.post(f"{api}/{run['schedule_id']}/approve", json={"row_version": version}).status_code == 200
    return run["schedule_id"]


# ------------------------------------------------------------------------------ 1b. two edits of one assignment
def _draft_with_pin(factory, slug: str) -> tuple[int, int, int, int]:
    """The small pool's draft, whose one assignment (l1 pinned on night football); ids and its version."""
    slug = f"{slug}-{next(SERIAL)}"
    with factory() as session:
        pool = import_problem(session, dataclasses.replace(small_problem(), name=slug), slug=slug)
        session.commit()
        draft = session.scalar(sa.select(Schedule).where(Schedule.pool_id == pool.id,
                                                         Schedule.state == ScheduleState.draft))
        (row,) = draft.assignments
        return pool.id, draft.id, row.id, row.row_version


def _unpin(pool_id, schedule_id, row_id, version):
    return lambda s: schedules.set_pinned(s, s.get(Pool, pool_id), schedule_id, row_id, False, version)


def _unassign(pool_id, schedule_id, row_id, version):
    return lambda s: schedules.unassign(s, s.get(Pool, pool_id), schedule_id, row_id, version)


EDITS = {"unpin": _unpin, "unassign": _unassign}


@pytest.mark.parametrize("pair", [("unpin", "unassign"), ("unpin", "unpin"), ("unassign", "unassign")],
                         ids="-vs-".join)
def test_two_edits_of_one_assignment_at_once_one_wins_and_nothing_is_lost(factory, pair):
    tally = Counter()
    for n in range(ROUNDS):
        pool_id, schedule_id, row_id, version = _draft_with_pin(factory, f"edit{n}")
        results = race(factory, *(EDITS[kind](pool_id, schedule_id, row_id, version) for kind in pair))
        assert_one_winner(results)
        winner = pair[results.index("ok")]
        with factory() as session:
            schedule = session.get(Schedule, schedule_id)
            rows = [(a.id, a.pinned, a.row_version) for a in schedule.assignments]
            assert rows == ([] if winner == "unassign" else [(row_id, False, version + 1)])
            assert schedule.solver_info["manual_edits"] == 1  # one edit counted: the loser's left no trace
        tally[winner + " won"] += 1
    print(f"{' vs '.join(pair)}, {ROUNDS} concurrent rounds: {dict(tally)}")


def test_an_edit_waiting_behind_an_uncommitted_edit_is_refused_not_applied(factory):
    pool_id, schedule_id, row_id, version = _draft_with_pin(factory, "held-edit")
    first, second = overlap(factory, _unpin(pool_id, schedule_id, row_id, version),
                            _unassign(pool_id, schedule_id, row_id, version))
    assert first == "ok" and isinstance(second, Conflict) and second.message == schedules.STALE
    with factory() as session:
        assert [(a.id, a.pinned) for a in session.get(Schedule, schedule_id).assignments] == [(row_id, False)]


# ------------------------------------------------------------------------------ 1c. an absence during a publication
def _absence_reporter(pool_id: int):
    def report(session):
        leader = session.scalar(sa.select(Leader).where(Leader.pool_id == pool_id, Leader.code == "l1"))
        leaders.report_absence(session, leader, NIGHT, NIGHT, "ill", today=MON)
    return report


def _both_kept(factory, pool_id: int, schedule_id: int):
    with factory() as session:
        pool = session.get(Pool, pool_id)
        assert session.get(Schedule, schedule_id).state is ScheduleState.published
        absences = session.scalars(sa.select(Absence).join(Leader).where(Leader.pool_id == pool_id,
                                                                         Absence.reason == "ill")).all()
        assert [(a.first_day, a.leader.code) for a in absences] == [(NIGHT, "l1")]
        _, broken = schedules.broken_published(session, pool, MON, LAST)
        assert [(b.assignment.need.code, b.assignment.day, b.assignment.leader.code, b.violations[0].code)
                for b in broken] == [("natt", NIGHT, "l1", "absent")]


def test_an_absence_reported_during_a_publication_is_kept_and_breaks_the_published_plan(factory):
    tally = Counter()
    for n in range(ROUNDS):
        pool_id, (schedule_id,) = small_pool(factory, f"ill{n}")
        results = race(factory, publisher(pool_id, schedule_id, version_of(factory, schedule_id)),
                       _absence_reporter(pool_id))
        assert results == ["ok", "ok"]
        _both_kept(factory, pool_id, schedule_id)
        tally["both kept"] += 1
    for first_is_publish in (True, False):  # and with either one held open while the other commits
        pool_id, (schedule_id,) = small_pool(factory, f"ill-held-{first_is_publish}")
        steps = [publisher(pool_id, schedule_id, version_of(factory, schedule_id)),
                 _absence_reporter(pool_id)]
        assert overlap(factory, *(steps if first_is_publish else steps[::-1]), second_blocks=False) == ("ok", "ok")
        _both_kept(factory, pool_id, schedule_id)
    print(f"absence during publication, {ROUNDS} concurrent rounds + 2 held: {dict(tally)}")

