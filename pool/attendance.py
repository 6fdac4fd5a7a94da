"""Attendance: after a session the leader or the coordinator notes in ten seconds whether it was held
and how many came (how many of them girls). Counts only — no child is ever named or stored.

A session is an occurrence of a need with at least one leader in a published schedule. A leader may
record only sessions they were assigned to, from the session's start on; the coordinator any session
of the pool. Edits carry the row_version read: a stale one is refused. Writes flush, never commit.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from pool.errors import N_, Conflict, Invalid, NotFound
from pool.models import Assignment, Attendance, Need, Pool, Role, Schedule, ScheduleState, User
from solver.problem import span

MAX_PARTICIPANTS = 1000
STALE = N_("Someone else saved this attendance after you opened it. Reload the page to see what they "
           "wrote, then save again.")


@dataclass(frozen=True)
class AttendanceInput:
    held: bool
    participants: Optional[int] = None
    girls: Optional[int] = None
    cancel_reason: str = ""


@dataclass(frozen=True)
class SessionRef:
    """One session of a published schedule, as the recording pages list it."""
    need: Need
    day: dt.date
    starts_at: dt.datetime
    leaders: int
    attendance: Optional[Attendance]


def starts_at(need: Need, day: dt.date) -> dt.datetime:
    """The local, naive start of the need's occurrence on ``day``."""
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=span(need.start_minute, need.end_minute)[0])


def _crew(session: orm.Session, pool: Pool, need_id: int, day: dt.date) -> set[int]:
    return set(session.scalars(
        sa.select(Assignment.leader_id).join(Schedule)
        .where(Schedule.pool_id == pool.id, Schedule.state == ScheduleState.published,
               Assignment.need_id == need_id, Assignment.day == day)))


def get_session_need(session: orm.Session, pool: Pool, user: User, need_id: int, day: dt.date) -> Need:
    """The need of a session ``user`` may see: the coordinator any in the pool, a leader only their own.
    Anything else looks missing."""
    need = session.get(Need, need_id)
    if need is None or need.pool_id != pool.id or user.pool_id != pool.id:
        raise NotFound(N_("No such session."))
    crew = _crew(session, pool, need_id, day)
    if not crew:
        raise NotFound(N_("No such session."))
    if user.role is Role.coordinator:
        return need
    if user.role is Role.leader and user.leader_id in crew:
        return need
    raise NotFound(N_("No such session."))


def attendance_of(session: orm.Session, pool: Pool, need_id: int, day: dt.date) -> Optional[Attendance]:
    return session.scalar(sa.select(Attendance).where(Attendance.pool_id == pool.id, Attendance.need_id == need_id,
                                                      Attendance.day == day))


def check(data: AttendanceInput) -> None:
    """The counts' rules, each naming its field."""
    if data.held:
        if data.participants is None:
            raise Invalid("participants", N_("Enter how many took part (0 if nobody came)."))
        if not 0 <= data.participants <= MAX_PARTICIPANTS:
            raise Invalid("participants", N_("Enter a number between 0 and %(max)s."), max=MAX_PARTICIPANTS)
        girls = data.girls or 0
        if girls < 0:
            raise Invalid("girls", N_("Enter a number between 0 and %(max)s."), max=data.participants)
        if girls > data.participants:
            raise Invalid("girls", N_("There cannot be more girls (%(girls)s) than participants (%(participants)s)."),
                          girls=girls, participants=data.participants)
    else:
        if not data.cancel_reason.strip():
            raise Invalid("cancel_reason", N_("Say briefly why it was cancelled, e.g. snowstorm, school closed."))
        if len(data.cancel_reason.strip()) > 200:
            raise Invalid("cancel_reason", N_("The reason is too long (at most %(max)s characters)."), max=200)


def record(session: orm.Session, pool: Pool, user: User, need_id: int, day: dt.date, data: AttendanceInput, *,
           expected_version: Optional[int] = None, now: Optional[dt.datetime] = None) -> Attendance:
    """Record (or correct) the attendance of a session. ``expected_version`` is the row_version the user
    saw, None when they saw no record; a record saved by someone else in between is refused."""
    need = get_session_need(session, pool, user, need_id, day)
    now = now or dt.datetime.now()
    if starts_at(need, day) > now:
        raise Invalid("day", N_("The session has not started yet; record it afterwards."))
    check(data)
    row = attendance_of(session, pool, need_id, day)
    if row is None:
        if expected_version is not None:
            raise Conflict(STALE)  # the record the user saw was removed
        row = Attendance(pool_id=pool.id, need_id=need_id, day=day)
        session.add(row)
    elif expected_version is None or int(expected_version) != row.row_version:
        raise Conflict(STALE)
    row.held = data.held
    row.participants = (data.participants or 0) if data.held else 0
    row.girls = (data.girls or 0) if data.held else 0
    row.cancel_reason = "" if data.held else data.cancel_reason.strip()
    row.recorded_by_id = user.id
    row.recorded_at = dt.datetime.now(dt.timezone.utc)
    try:
        session.flush()
    except (orm.exc.StaleDataError, sa.exc.IntegrityError):
        raise Conflict(STALE) from None
    return row


def sessions_between(session: orm.Session, pool: Pool, first: dt.date, last: dt.date, *,
                     leader_id: Optional[int] = None) -> list[SessionRef]:
    """Published sessions in first..last (only ``leader_id``'s when given), in time order, with their
    attendance if recorded."""
    query = (sa.select(Assignment.need_id, Assignment.day, sa.func.count(sa.distinct(Assignment.leader_id)))
             .join(Schedule).where(Schedule.pool_id == pool.id, Schedule.state == ScheduleState.published,
                                   Assignment.day >= first, Assignment.day <= last)
             .group_by(Assignment.need_id, Assignment.day))
    rows = session.execute(query).all()
    if leader_id is not None:
        own = set(tuple(row) for row in session.execute(
            sa.select(Assignment.need_id, Assignment.day).join(Schedule)
            .where(Schedule.pool_id == pool.id, Schedule.state == ScheduleState.published,
                   Assignment.leader_id == leader_id, Assignment.day >= first, Assignment.day <= last)))
        rows = [r for r in rows if (r[0], r[1]) in own]
    needs = {n.id: n for n in session.scalars(sa.select(Need).where(Need.id.in_({r[0] for r in rows}))
                                              .options(orm.selectinload(Need.site)))}
    notes = {(a.need_id, a.day): a for a in session.scalars(
        sa.select(Attendance).where(Attendance.pool_id == pool.id, Attendance.day >= first, Attendance.day <= last))}
    refs = [SessionRef(needs[n], d, starts_at(needs[n], d), count, notes.get((n, d))) for n, d, count in rows]
    return sorted(refs, key=lambda r: (r.starts_at, r.need.title))


# ------------------------------------------------------------------------------ demo data
CANCEL_REASONS = ("Snöoväder", "Skolan stängd", "Planen avstängd", "För få anmälda")
TYPICAL_PARTICIPANTS = {  # activity kind: (fewest, most, girls' share low, high)
    "nattfotboll": (45, 90, 0.15, 0.3),
    "rastvard": (25, 80, 0.4, 0.55),
    "sportfritids": (10, 22, 0.3, 0.5),
    "tjejgrupp": (6, 14, 1.0, 1.0),
    "nodstopp": (8, 20, 0.4, 0.7),
    "nattvandring": (0, 0, 0.0, 0.0),
    "cityvard": (0, 0, 0.0, 0.0),
    "sommarlager": (20, 40, 0.3, 0.5),
}


def generate_demo_attendance(session: orm.Session, pool: Pool, until: dt.date, seed: int = 0, *,
                             since: Optional[dt.date] = None, cancelled_share: float = 0.05,
                             unrecorded_share: float = 0.08, recorded_by: Optional[User] = None) -> int:
    """Plausible attendance for the published sessions up to ``until`` that have none yet; about
    ``cancelled_share`` cancelled and ``unrecorded_share`` left unrecorded (held-unconfirmed in the
    report). Girls' activities (needs asking for female leaders) are all girls. Deterministic for a
    ``seed``; returns how many records were written."""
    rng = random.Random(seed)
    first = since or dt.date(1970, 1, 1)
    written = 0
    for ref in sessions_between(session, pool, first, until):
        roll = rng.random()
        if ref.attendance is not None or roll < unrecorded_share:
            continue
        row = Attendance(pool_id=pool.id, need_id=ref.need.id, day=ref.day,
                         recorded_by_id=recorded_by.id if recorded_by else None)
        if roll < unrecorded_share + cancelled_share:
            row.held, row.cancel_reason = False, rng.choice(CANCEL_REASONS)
        else:
            row.held = True
            row.participants, row.girls = _demo_counts(rng, ref.need)
        session.add(row)
        written += 1
    session.flush()
    return written


def _demo_counts(rng: random.Random, need: Need) -> tuple[int, int]:
    low, high, share_low, share_high = TYPICAL_PARTICIPANTS.get(need.activity_kind, (5, 20, 0.3, 0.5))
    if "female" in (need.skills or []):  # girls' night football, girls' groups
        low, high, share_low, share_high = max(8, low // 3), max(12, high // 3), 1.0, 1.0
    participants = rng.randint(low, high)
    return participants, round(participants * rng.uniform(share_low, share_high))

