"""A whole week of the rhythm's jobs on a controllable clock, on SQLite and PostgreSQL, on the demo:
the Wednesday proposal, the Friday reminder, publication and its change notices, day-before reminders,
an absence and its re-plan, an expiring and a broken credential. Every job also runs twice, to show
that it proposes and sends nothing twice."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from pool import db, leaders, rhythm, schedules
from pool.cli_report import publish_demo_period
from pool.feeds import stable_uid
from pool.models import Leader, OutboxMessage, Pool, Schedule, ScheduleState, User
from pool.planning import published_assignments
from seed import load_demo

ZONE = ZoneInfo("Europe/Stockholm")
FAST = rhythm.Rhythm(solve_seconds=1.5)
WEEK2, WEEK3 = dt.date(2027, 1, 11), dt.date(2027, 1, 18)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2027, 1, day, hour, minute, tzinfo=ZONE)


@pytest.fixture
def sessions(engine):
    """The demo with week 2 published (its own messages cleared), the demo leader reading English."""
    factory = db.session_factory(engine)
    with factory() as session:
        load_demo(session)
        pool = session.scalar(sa.select(Pool))
        publish_demo_period(session, pool, WEEK2, WEEK2 + dt.timedelta(days=6), time_limit=1.5)
        session.execute(sa.delete(OutboxMessage))
        session.execute(sa.update(User).where(User.email == "ledare@sandviken.example").values(locale="en"))
        session.commit()
    return factory


def outbox(sessions, prefix: str) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key.like(prefix + "%"))
                                    .order_by(OutboxMessage.id)))


def twice(job, sessions, now) -> str:
    """Run a job, then again: the second run must change nothing."""
    with sessions() as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)), \
            session.scalar(sa.select(sa.func.count()).select_from(Schedule))
    first = job(sessions, now, FAST)
    with sessions() as session:
        middle = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)), \
            session.scalar(sa.select(sa.func.count()).select_from(Schedule))
    assert job(sessions, now, FAST) == "nothing to do"
    with sessions() as session:
        assert (session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)),
                session.scalar(sa.select(sa.func.count()).select_from(Schedule))) == middle
    assert middle != before or first == "nothing to do"
    return first


def publish_newest_draft(sessions) -> Schedule:
    with sessions() as session:
        pool = session.scalar(sa.select(Pool))
        draft = session.scalar(sa.select(Schedule).where(Schedule.state == ScheduleState.draft)
                               .order_by(Schedule.id.desc()).limit(1))
        approved = schedules.approve(session, pool, draft.id, draft.row_version)
        published = schedules.publish(session, pool, approved.id, approved.row_version)
        session.commit()
        return published


def week3_rows(sessions, weekday: int, *, credential: bool = False):
    with sessions() as session:
        pool = session.scalar(sa.select(Pool))
        rows = sorted(published_assignments(session, pool, WEEK3, WEEK3 + dt.timedelta(days=6)),
                      key=lambda a: (a.day, a.need.code, a.leader.code))
        return next((a.id, a.leader_id, a.leader.name, a.day, a.need.code) for a in rows
                    if a.day.isoweekday() == weekday and (bool(a.need.credentials) or not credential))


def test_a_week_of_the_rhythm(sessions):
    # Monday evening: tomorrow's assignments, to each leader once; the demo leader reads English
    assert twice(rhythm.day_before, sessions, at(11, 18)).startswith("reminders ")
    english = [m for m in outbox(sessions, "day-before") if m.to_address == "ledare@sandviken.example"]
    assert english and english[0].subject == "Reminder: your assignments tomorrow, Tuesday 12 January"
    assert all(m.subject.startswith("Påminnelse: dina uppdrag i morgon, tisdag 12 januari")
               for m in outbox(sessions, "day-before") if m.to_address != "ledare@sandviken.example")

    # Tuesday: nothing to propose yet is fine; Wednesday 12:00 the proposal for week 3
    assert twice(rhythm.weekly_draft, sessions, at(13, 12)) == "messages 1, proposals 1"
    [proposal] = outbox(sessions, "proposal")
    assert proposal.to_address == "samordnare@sandviken.example"
    assert "vecka 3" in proposal.subject and "/plan/schedules/" in proposal.body_text
    with sessions() as session:  # a crash after the draft was stored, before its message was queued
        session.delete(session.merge(proposal))
        session.commit()
    assert rhythm.weekly_draft(sessions, at(13, 12, 5), FAST) == "messages 1"  # the message, not a new draft

    # Friday 12:00: week 3 is not published, so the coordinator is reminded (of the waiting proposal)
    assert twice(rhythm.approval_reminder, sessions, at(15, 12)) == "reminders 1"
    [reminder] = outbox(sessions, "reminder")
    assert "inte publicerad" in reminder.subject and "Ett förslag väntar redan" in reminder.body_text

    # Friday 15:00 the coordinator publishes: every leader hears of their new assignments, with iCal
    published = publish_newest_draft(sessions)
    leader_notes = outbox(sessions, f"published:{published.id}:leader")
    unit_notes = outbox(sessions, f"published:{published.id}:unit")
    assert leader_notes and unit_notes
    note = next(m for m in leader_notes if m.to_address != "ledare@sandviken.example")
    assert "Nytt:" in note.body_text and "BEGIN:VEVENT" in note.calendar and "STATUS:CONFIRMED" in note.calendar
    assert twice(rhythm.replan_broken, sessions, at(15, 15, 1)) == "nothing to do"
    assert rhythm.weekly_draft(sessions, at(15, 15, 2), FAST) == "nothing to do"  # published, nothing broken

    # Saturday 10:00 a leader reports ill for Tuesday; within a minute a re-plan is proposed, once
    assignment_id, ill_id, ill_name, tuesday, need_code = week3_rows(sessions, 2)
    with sessions() as session:
        leaders.report_absence(session, session.get(Leader, ill_id), tuesday, tuesday, "sjuk", today=dt.date(2027, 1, 16))
        session.commit()
    assert twice(rhythm.replan_broken, sessions, at(16, 10, 1)) == "messages 1, replans 1"
    [replan] = outbox(sessions, "replan")
    assert f"{ill_name} är frånvarande tisdag 19 januari" in replan.body_text

    # the coordinator publishes the re-plan: the ill leader's Tuesday is cancelled in their calendar
    replanned = publish_newest_draft(sessions)
    with sessions() as session:
        ill = session.get(Leader, ill_id)
        code = ill.code
    [cancelled] = [m for m in outbox(sessions, f"published:{replanned.id}:leader:{ill_id}|")]
    assert "Inställt: tisdag 19 januari" in cancelled.body_text
    assert stable_uid(need_code, tuesday.isoformat(), code) in cancelled.calendar.replace("\r\n ", "")
    assert "STATUS:CANCELLED" in cancelled.calendar
    assert any("Nytt: tisdag 19 januari" in m.body_text for m in outbox(sessions, f"published:{replanned.id}:leader"))
    assert twice(rhythm.replan_broken, sessions, at(16, 11, 1)) == "nothing to do"

    # a background check corrected to end before Thursday: the club admin hears, and a re-plan is proposed
    _id, holder_id, holder_name, thursday, _code = week3_rows(sessions, 4, credential=True)
    with sessions() as session:
        credential = session.get(Leader, holder_id).credentials[0]
        credential.valid_until = thursday - dt.timedelta(days=1)
        session.commit()
    summary = twice(rhythm.credential_check, sessions, at(17, 2, 30))
    assert "credential_notices" in summary and "replans 1" in summary
    assert any(holder_name in m.subject for m in outbox(sessions, "credential"))
    assert any("saknar giltigt belastningsregisterutdrag torsdag 21 januari" in m.body_text
               for m in outbox(sessions, "replan"))

    # Sunday evening: Monday's assignments of week 3
    assert twice(rhythm.day_before, sessions, at(17, 18)).startswith("reminders ")
    assert any("måndag 18 januari" in m.subject for m in outbox(sessions, "day-before"))


def test_times_come_from_the_environment():
    settings = rhythm.Rhythm.from_env({"POOL_RHYTHM_DRAFT": "tue 09:30", "POOL_RHYTHM_SOLVE_SECONDS": "3"})
    assert settings.draft == "tue 09:30" and settings.solve_seconds == 3.0 and settings.reminder == "fri 12:00"
    assert rhythm.weekday_and_time(settings.draft) == ("tue", 9, 30)
    assert rhythm.weekday_and_time("18:00") == (None, 18, 0)
