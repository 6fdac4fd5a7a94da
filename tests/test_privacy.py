"""Personal data of leaders on SQLite and PostgreSQL: the export holds one leader's data and nobody else's,
erasure removes every trace of the person while every report figure stays the same, and old absence
reasons are cleared by the nightly job and by `pool privacy purge`.

The world: the Sandviken demo with two published weeks (1–14 February 2027, seated by hand, published
through the services so the outbox holds real messages), a newer draft of the same weeks, attendance up
to 7 February, the demo's funding links, an audit entry and a job summary naming the demo leader.
"Now" is Monday 8 February 2027 10:00 in Stockholm: the first week is history, the second upcoming.
"""
from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pool import accounts, feeds, notify, privacy, report, schedules
from pool.attendance import generate_demo_attendance
from pool.errors import Invalid
from pool.funding import generate_demo_funding
from pool.models import (Absence, Assignment, Attendance, AuditEntry, Base, JobRun, Leader, Need,
                         OutboxMessage, Pool, Role, Schedule, ScheduleState, User, utcnow)
from pool.planning import build_problem
from seed import load_demo
from seed.sandviken import DEMO_LEADER
from tests.conftest import demo_copy

FIRST, LAST = dt.date(2027, 2, 1), dt.date(2027, 2, 14)
TODAY = dt.date(2027, 2, 8)
NOW = dt.datetime(2027, 2, 8, 9, 0, tzinfo=dt.timezone.utc)  # 10:00 in Stockholm
CREW = [DEMO_LEADER, "erik-johansson", "sara-eriksson", "mahad-ali", "hodan-abdi", "oscar-nilsson"]


def build_world(session) -> tuple[Pool, Leader]:
    load_demo(session)
    pool = session.scalar(sa.select(Pool))
    leaders = {l.code: l for l in session.scalars(sa.select(Leader).where(Leader.code.in_(CREW)))}
    leaders[DEMO_LEADER].name = "Abdirahman Wärsame"  # a letter JSON columns store escaped (\u00e4)
    rotation = itertools.cycle(CREW)
    problem = build_problem(session, pool, FIRST, LAST, baseline=(), pinned=())
    needs = {n.code: n for n in session.scalars(sa.select(Need))}
    rows = [(needs[code].id, day, leaders[next(rotation)].id)
            for code, need in sorted(problem.needs.items()) for day in need.occurrences[:4]]
    assert any(l == leaders[DEMO_LEADER].id and d < TODAY for _, d, l in rows)
    assert any(l == leaders[DEMO_LEADER].id and d >= TODAY for _, d, l in rows)
    draft = Schedule(pool_id=pool.id, period_start=FIRST, period_end=LAST, version=1,
                     assignments=[Assignment(need_id=n, day=d, leader_id=l) for n, d, l in set(rows)])
    session.add(draft)
    session.flush()
    approved = schedules.approve(session, pool, draft.id, draft.row_version)
    schedules.publish(session, pool, approved.id, approved.row_version)
    session.add(Schedule(pool_id=pool.id, period_start=FIRST, period_end=LAST, version=2,
                         assignments=[Assignment(need_id=n, day=d, leader_id=l) for n, d, l in set(rows)]))
    coordinator = session.scalar(sa.select(User).where(User.role == Role.coordinator))
    generate_demo_funding(session, pool)
    generate_demo_attendance(session, pool, TODAY - dt.timedelta(days=1), recorded_by=coordinator)
    me = leaders[DEMO_LEADER]
    mine = {(a.need_id, a.day) for a in approved.assignments if a.leader_id == me.id}
    note = next(n for n in session.scalars(sa.select(Attendance).order_by(Attendance.id)) if (n.need_id, n.day) in mine)
    note.held, note.participants, note.girls = False, 0, 0
    note.cancel_reason = f"Inställt: {me.name} sjuk, ingen ersättare"  # free text can name anyone
    me.absences.append(Absence(first_day=dt.date(2027, 3, 1), last_day=dt.date(2027, 3, 2), reason="tandläkare"))
    feeds.rotate_feed_token(session, me)
    session.add(AuditEntry(pool_id=pool.id, user_id=coordinator.id, action="assign", object_type="assignment",
                           object_id=1, before={}, after={"leader": me.name, "leader_id": me.id}))
    session.add(JobRun(job_id="day-before", ok=True, summary=f"reminded {me.name}"))
    for message in session.scalars(sa.select(OutboxMessage)):
        message.sent_at = utcnow()  # the publication's messages went out
    tomorrow = [a for a in approved.assignments if a.leader_id == me.id and a.day > TODAY]
    assert notify.day_before(session, pool, me, tomorrow[0].day, tomorrow[:1]) == 1  # this one waits
    session.flush()
    return pool, me


def traces(session, leader: Leader) -> dict[str, str]:
    """What identifies the leader: name, code, addresses, phone."""
    user = session.scalar(sa.select(User).where(User.leader_id == leader.id))
    return {"name": leader.name, "code": leader.code, "email": leader.email, "phone": leader.phone,
            "login": user.email}


def found_anywhere(session, needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every text or JSON value in any table of the models that holds a needle."""
    hits = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(sa.select(table)).mappings():
            for column, value in row.items():
                if isinstance(value, (dict, list)):
                    value = json.dumps(value, ensure_ascii=False)
                if isinstance(value, str):
                    hits += [(table.name, column, n) for n in needles if n.lower() in value.lower()]
    return hits


def figures(session, pool: Pool, now: dt.datetime = NOW) -> list:
    """Every report the pool's parties see for Q1 2027: the whole pool and each funder's scope."""
    quarter = report.Quarter(2027, 1)
    now = now.astimezone(dt.timezone(dt.timedelta(hours=1))).replace(tzinfo=None)
    funders = sorted({f.funder_id for f in report.funding_links(session, pool)})
    return [report.pool_report(session, pool, quarter, now=now, funder_id=f) for f in [None, *funders]]


# ------------------------------------------------------------------------------ right of access
def check_export(session, me: Leader) -> None:
    """The export holds the leader's data, in every schedule state, and nothing of any other leader."""
    others = session.scalars(sa.select(Leader).where(Leader.id != me.id)).all()
    doc = privacy.export_leader(session, me, now=NOW)
    text = json.dumps(doc, ensure_ascii=False)

    assert doc["leader"]["name"] == "Abdirahman Wärsame" and doc["leader"]["email"] == me.email
    assert doc["leader"]["phone"] == me.phone and doc["leader"]["club"].startswith("Sandvikens IF")
    assert doc["leader"]["calendar_feed"] is True and me.calendar_token not in text  # presence, not the secret
    assert {"reason": "tandläkare", "first_day": "2027-03-01"}.items() <= doc["absences"][-1].items()
    assert doc["credentials"] and doc["availability"] and doc["leader"]["skills"] == me.skills
    states = {a["schedule_state"] for a in doc["assignments"]}
    assert states == {"published", "draft"}
    mine = session.scalars(sa.select(Assignment).where(Assignment.leader_id == me.id)).all()
    assert len(doc["assignments"]) == len(mine)
    first = doc["assignments"][0]
    assert {"day", "start", "end", "need", "site"} <= first.keys() and first["site"]
    assert doc["attendance"] and all(a["day"] < TODAY.isoformat() for a in doc["attendance"])
    assert doc["hours"]["total"] > 0 and list(doc["hours"]["per_quarter"]) == ["2027-Q1"]
    [account] = doc["user_accounts"]
    assert account["email"] == "ledare@sandviken.example" and "password" not in json.dumps(account)
    user = session.scalar(sa.select(User).where(User.leader_id == me.id))
    assert user.password_hash not in text
    assert doc["messages"] and all(m["to"] == "ledare@sandviken.example" for m in doc["messages"])

    leaked = [(o.code, needle) for o in others for needle in (o.name, o.email, o.phone) if needle and needle in text]
    assert leaked == []


# ------------------------------------------------------------------------------ right to erasure
def test_export_then_erasure(session):
    """Right of access, then right to erasure, on one world per database."""
    pool, me = build_world(session)
    check_export(session, me)
    before = figures(session, pool)
    assert before[0].summary.hours.minutes > 0 and me.club_id in before[0].by_club
    gone = traces(session, me)
    assert len(found_anywhere(session, list(gone.values()))) > 10  # the world really holds the traces
    past = {(a.need_id, a.day) for a in session.scalars(sa.select(Assignment).join(Schedule).where(
        Assignment.leader_id == me.id, Schedule.state == ScheduleState.published, Assignment.day < TODAY))}
    upcoming = session.scalars(sa.select(Assignment).join(Schedule).where(
        Assignment.leader_id == me.id, Schedule.state == ScheduleState.published, Assignment.day >= TODAY)).all()
    coordinator = session.scalar(sa.select(User).where(User.role == Role.coordinator))
    to_me = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == gone["login"])).all()
    sent = {m.id for m in to_me if m.sent_at is not None}
    waiting = {m.id for m in to_me if m.sent_at is None}
    assert sent and waiting

    alias = privacy.erase_leader(session, pool, me, coordinator, now=NOW)
    session.commit()
    session.expire_all()

    assert alias == f"Raderad ledare {me.id}" and me.name == alias
    assert (me.email, me.phone, me.skills, me.calendar_token, me.active) == ("", "", [], None, False)
    assert me.credentials == [] and me.availability == [] and me.absences == [] and me.erased_at is not None
    user = session.scalar(sa.select(User).where(User.leader_id == me.id))
    assert not user.active and user.name == alias and user.email != gone["login"]
    assert accounts.authenticate(session, gone["login"], "demo1234") is None
    assert found_anywhere(session, list(gone.values())) == []
    erased = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "erase")).all()
    assert [(e.user_id, e.object_type, e.object_id, e.after) for e in erased] == \
        [(coordinator.id, "leader", me.id, {"name": alias})]
    # messages to the leader are delivery records: a sent one stays, emptied; an unsent one has nobody to go to
    remaining = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(sent | waiting))).all()
    assert {m.id for m in remaining} == sent
    assert all(m.subject == m.body_text == m.to_address == privacy.REDACTED and m.sent_at for m in remaining)

    assert figures(session, pool) == before  # hours per club, funder, kind, area, quarter; costs; trend
    kept = {(a.need_id, a.day) for a in session.scalars(sa.select(Assignment).join(Schedule).where(
        Assignment.leader_id == me.id, Schedule.state == ScheduleState.published, Assignment.day < TODAY))}
    assert kept == past
    in_draft = session.scalars(sa.select(Assignment.day).join(Schedule).where(
        Assignment.leader_id == me.id, Schedule.state == ScheduleState.draft)).all()
    assert in_draft and all(day < TODAY for day in in_draft)  # the draft's upcoming seats are gone
    _problem, broken = schedules.broken_published(session, pool, TODAY, LAST)
    assert {b.assignment.id for b in broken if b.assignment.leader_id == me.id} == {a.id for a in upcoming}

    with pytest.raises(Invalid) as refused:
        privacy.erase_leader(session, pool, me, coordinator, now=NOW)
    assert refused.value.message == "This leader's personal data has already been erased."
    after = privacy.export_leader(session, me, now=NOW)  # what is left: the pseudonym and the history
    assert after["leader"]["name"] == alias and after["absences"] == after["credentials"] == []
    assert after["hours"] == privacy.export_leader(session, me)["hours"] and after["hours"]["total"] > 0


# ------------------------------------------------------------------------------ retention
def test_old_absence_reasons_are_cleared_recent_ones_kept(session, club):
    pool = session.get(Pool, club.pool_id)
    leader = Leader(pool_id=pool.id, club_id=club.id, code="l1", name="Amina Yusuf")
    today = dt.date(2027, 6, 30)
    old = Absence(first_day=dt.date(2027, 5, 1), last_day=today - dt.timedelta(days=31), reason="sjuk")
    edge = Absence(first_day=dt.date(2027, 5, 25), last_day=today - dt.timedelta(days=30), reason="operation")
    recent = Absence(first_day=dt.date(2027, 6, 20), last_day=today - dt.timedelta(days=2), reason="förkyld")
    unsaid = Absence(first_day=dt.date(2027, 1, 1), last_day=dt.date(2027, 1, 2), reason="")
    leader.absences += [old, edge, recent, unsaid]
    session.add(leader)
    session.flush()
    assert privacy.purge_absence_reasons(session, pool, today, days=30) == 1
    session.expire_all()
    assert (old.reason, edge.reason, recent.reason) == ("", "operation", "förkyld")
    assert (old.first_day, old.last_day) == (dt.date(2027, 5, 1), dt.date(2027, 5, 30))  # the absence stays
    assert len(leader.absences) == 4
    assert privacy.purge_absence_reasons(session, pool, today, days=30) == 0  # nothing twice
    assert privacy.purge_absence_reasons(session, pool, today, days=0) == 2


def test_the_nightly_job_and_the_command_clear_old_reasons(demo_database, tmp_path, monkeypatch):
    from pool import db, rhythm, scheduler
    from pool.cli import main
    url = demo_copy(demo_database, tmp_path)  # seven absences with reasons, ending 5 Feb … 28 May 2027
    engine = db.make_engine(url)
    assert "purge-absence-reasons" in {s.id for s in scheduler.job_specs(rhythm.Rhythm(), env={})}
    sessions = db.session_factory(engine)
    june = dt.datetime(2027, 6, 1, 1, 15, tzinfo=dt.timezone.utc)

    monkeypatch.setenv("POOL_ABSENCE_REASON_DAYS", "60")
    run = scheduler.execute_job(sessions, "purge-absence-reasons", now=june, retry=scheduler.Retry(attempts=1))
    assert run.ok and run.summary == "reasons_cleared 3"  # ended 5 Feb, 12 and 19 Mar: over 60 days before
    monkeypatch.delenv("POOL_ABSENCE_REASON_DAYS")
    run = scheduler.execute_job(sessions, "purge-absence-reasons", now=june, retry=scheduler.Retry(attempts=1))
    assert run.ok and run.summary == "reasons_cleared 2"  # the default 30 days: 9 and 18 Apr

    today = dt.date.today()
    limit = today - dt.timedelta(days=30)
    with sessions() as session:  # the command works on the real clock: one long ago, one ending today
        leader = session.scalar(sa.select(Leader).where(Leader.code == DEMO_LEADER))
        leader.absences += [Absence(first_day=dt.date(2020, 1, 1), last_day=dt.date(2020, 1, 2), reason="sjuk"),
                            Absence(first_day=today, last_day=today, reason="förkyld")]
        session.commit()
        # the long-ago one, and the demo's May absences once the calendar is 30 days past them
        due = session.scalar(sa.select(sa.func.count()).select_from(Absence)
                             .where(Absence.last_day < limit, Absence.reason != ""))
    monkeypatch.setenv("POOL_DATABASE_URL", url)
    result = CliRunner().invoke(main, ["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert due >= 1 and result.output.startswith(f"{due} absence reasons cleared (kept 30 days")
    with sessions() as session:
        reasons = dict(session.execute(sa.select(Absence.last_day, Absence.reason)).all())
        assert len(reasons) == 9 and {d: r for d, r in reasons.items() if r} == {
            d: r for d, r in {dt.date(2027, 5, 14): "semester", dt.date(2027, 5, 28): "studier",
                              today: "förkyld"}.items() if d >= limit}
    engine.dispose()


def test_erase_and_export_commands(demo_database, tmp_path, monkeypatch):
    from pool import db
    from pool.cli import main
    url = demo_copy(demo_database, tmp_path)
    engine = db.make_engine(url)
    with db.session_factory(engine)() as session:
        leader_id = session.scalar(sa.select(Leader.id).where(Leader.code == DEMO_LEADER))
    monkeypatch.setenv("POOL_DATABASE_URL", url)
    runner = CliRunner()

    exported = runner.invoke(main, ["leader", "export", str(leader_id), "-o", str(tmp_path / "me.json")])
    assert exported.exit_code == 0, exported.output
    assert json.loads((tmp_path / "me.json").read_text())["leader"]["name"] == "Abdirahman Warsame"

    asked = runner.invoke(main, ["leader", "erase", str(leader_id)], input="n\n")
    assert asked.exit_code == 1 and "This cannot be undone" in asked.output
    erased = runner.invoke(main, ["leader", "erase", str(leader_id), "--yes"])
    assert erased.exit_code == 0 and f"'Raderad ledare {leader_id}'" in erased.output
    again = runner.invoke(main, ["leader", "erase", str(leader_id), "--yes"])
    assert again.exit_code == 2 and "already been erased" in again.output
    missing = runner.invoke(main, ["leader", "export", "99999"])
    assert missing.exit_code == 2 and "no leader with id 99999" in missing.output
    with db.session_factory(engine)() as session:
        assert session.get(Leader, leader_id).name == f"Raderad ledare {leader_id}"
    engine.dispose()


THURSDAY, THURSDAY_NOW = dt.date(2027, 2, 4), dt.datetime(2027, 2, 4, 9, 0, tzinfo=dt.timezone.utc)


def delivered(session, pool: Pool, now: dt.datetime) -> list:
    """The figures of what already happened (delivered sessions), which no later plan may change."""
    local = now.astimezone(dt.timezone(dt.timedelta(hours=1))).replace(tzinfo=None)
    r = report.pool_report(session, pool, report.Quarter(2027, 1), now=local)
    return [r.summary.hours, r.summary.wage_cost, r.by_club, r.by_kind, r.by_area, r.by_funder, r.cost_by_source]


def test_the_replan_after_an_erasure_keeps_the_past_as_it_happened(demo_database, tmp_path):
    """An erasure mid-period breaks the leader's upcoming seats; the re-plan fills them and, once published,
    leaves every delivered figure as it was (the period's past days are history, whatever the rules say now).
    The period is solved and published as the rhythm does it, so the re-plan's pins are feasible."""
    import solver
    from pool import db, rhythm
    from pool.planning import store_schedule
    engine = db.make_engine(demo_copy(demo_database, tmp_path))
    sessions = db.session_factory(engine)
    with sessions() as session:
        pool = session.scalar(sa.select(Pool))
        last = THURSDAY + dt.timedelta(days=3)
        plan = solver.solve(build_problem(session, pool, FIRST, last), time_limit=0.5, num_workers=1, random_seed=0)
        published = store_schedule(session, pool, plan, FIRST, last)
        published.state = ScheduleState.published  # as publishing leaves it; its messages are not the point here
        generate_demo_funding(session, pool)
        days = defaultdict(set)
        for a in published.assignments:
            days[a.leader_id].add(a.day < THURSDAY)
        leader = session.get(Leader, min(l for l, seen in days.items() if seen == {True, False}))
        before = delivered(session, pool, THURSDAY_NOW)
        privacy.erase_leader(session, pool, leader, None, now=THURSDAY_NOW)
        session.commit()
    assert "replans 1" in rhythm.replan_broken(sessions, THURSDAY_NOW, rhythm.Rhythm(solve_seconds=0.5))
    with sessions() as session:
        pool = session.scalar(sa.select(Pool))
        proposal = session.scalar(sa.select(Schedule).where(Schedule.state == ScheduleState.draft)
                                  .order_by(Schedule.id.desc()).limit(1))
        session.get(Schedule, proposal.based_on_id).state = ScheduleState.superseded
        proposal.state = ScheduleState.published
        session.flush()
        assert delivered(session, pool, THURSDAY_NOW) == before
        assert before[0].minutes > 0
    engine.dispose()
