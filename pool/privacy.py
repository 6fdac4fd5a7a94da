"""Personal data of leaders under the GDPR: what the pool holds about one leader (right of access),
erasing it while the pool's history stays right (right to erasure), and how long absence reasons
are kept (storage limitation).

Erasure pseudonymises rather than deletes the leader's row: past assignments point at it, and the
reports count hours per club and wage cost from them, so the row keeps its club and wage and loses
everything that identifies the person. Services flush and never commit; the caller owns the transaction.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections import defaultdict
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from pool import audit
from pool.calendar import local_today
from pool.errors import N_, Invalid
from pool.models import (Absence, Assignment, Attendance, AuditEntry, JobRun, Leader, Need, OutboxMessage, Pool,
                         Schedule, ScheduleState, User, utcnow)
from solver.problem import clock, span

EXPORT_FORMAT = "pool-personal-data/1"
REDACTED = "[raderat]"

# Absence reasons ("sjuk", "operation" …) may be health data (GDPR art. 9). The planner only needs the
# dates; the reason helps the club and the coordinator while the absence is current and shortly after
# (a question about a missed session, a correction of the dates). A month after the absence ends that
# need is gone, so 30 days is the default; a municipality can shorten or lengthen it.
DEFAULT_ABSENCE_REASON_DAYS = 30


def absence_reason_days(env=os.environ) -> int:
    """POOL_ABSENCE_REASON_DAYS: days an absence's reason is kept after its last day (default 30)."""
    raw = env.get("POOL_ABSENCE_REASON_DAYS", "").strip()
    days = int(raw) if raw else DEFAULT_ABSENCE_REASON_DAYS
    if days < 0:
        raise ValueError("POOL_ABSENCE_REASON_DAYS must be 0 or more")
    return days


def pseudonym(leader: Leader) -> str:
    return f"Raderad ledare {leader.id}"


# ------------------------------------------------------------------------------ right of access
def export_leader(session: orm.Session, leader: Leader, *, now: Optional[dt.datetime] = None,
                  full: bool = True) -> dict:
    """Everything the pool holds about ``leader``, as plain JSON-ready values (no password hash, no
    feed token itself: only whether one exists). Without ``full`` (a club admin asking) a confidential
    need shows only its time, place and role."""
    pool = session.get(Pool, leader.pool_id)
    rows = _assignments(session, leader)
    cancelled = _cancelled(session, rows)
    return {
        "format": EXPORT_FORMAT,
        "created_at": (now or utcnow()).isoformat(timespec="seconds"),
        "pool": {"slug": pool.slug, "name": pool.name},
        "leader": {
            "id": leader.id, "code": leader.code, "name": leader.name, "email": leader.email,
            "phone": leader.phone, "club": leader.club.name, "skills": list(leader.skills),
            "max_minutes_per_day": leader.max_minutes_per_day,
            "max_minutes_per_week": leader.max_minutes_per_week,
            "hourly_wage": str(leader.hourly_wage) if leader.hourly_wage is not None else None,
            "active": leader.active, "created_at": _moment(leader.created_at),
            "erased_at": _moment(leader.erased_at), "calendar_feed": leader.calendar_token is not None,
        },
        "credentials": [{"kind": c.kind, "valid_until": c.valid_until.isoformat()} for c in leader.credentials],
        "availability": [{"weekday": w.weekday, "start": clock(w.start_minute), "end": clock(w.end_minute)}
                         for w in leader.availability],
        "absences": [{"first_day": a.first_day.isoformat(), "last_day": a.last_day.isoformat(),
                      "reason": a.reason, "created_at": _moment(a.created_at)} for a in leader.absences],
        "assignments": [_assignment(a, (a.need_id, a.day) in cancelled, full) for a in rows],
        "attendance": _attendance(session, rows, full),
        "hours": _hours(rows, cancelled),
        "user_accounts": [_user(u) for u in _users(session, leader)],
        "messages": _messages(session, leader),
    }


def _assignments(session: orm.Session, leader: Leader) -> list[Assignment]:
    return list(session.scalars(
        sa.select(Assignment).join(Schedule).where(Assignment.leader_id == leader.id)
        .options(orm.joinedload(Assignment.schedule), orm.joinedload(Assignment.need).joinedload(Need.site))
        .order_by(Assignment.day, Schedule.period_start, Schedule.version, Assignment.id)))


def _cancelled(session: orm.Session, rows: list[Assignment]) -> set[tuple[int, dt.date]]:
    need_ids = {a.need_id for a in rows}
    return {(n, d) for n, d in session.execute(sa.select(Attendance.need_id, Attendance.day).where(
        Attendance.need_id.in_(need_ids), Attendance.held.is_(False)))} if need_ids else set()


def _need_name(need: Need, full: bool) -> tuple[str, Optional[str]]:
    """Title and code of a need, or for a confidential one seen without ``full`` only its role."""
    return (need.title, need.code) if full or not need.confidential else (need.activity_kind, None)


def _assignment(a: Assignment, cancelled: bool, full: bool) -> dict:
    start, end = span(a.need.start_minute, a.need.end_minute)
    name, code = _need_name(a.need, full)
    return {"day": a.day.isoformat(), "start": clock(start), "end": clock(end), "minutes": end - start,
            "need": name, "need_code": code, "site": a.need.site.name,
            "address": a.need.site.address, "schedule_id": a.schedule_id, "schedule_state": a.schedule.state.value,
            "schedule_version": a.schedule.version, "pinned": a.pinned, "session_cancelled": cancelled}


def _attendance(session: orm.Session, rows: list[Assignment], full: bool) -> list[dict]:
    """What was noted about the sessions the leader was published on (counts only, never names)."""
    published = {(a.need_id, a.day) for a in rows if a.schedule.state is ScheduleState.published}
    if not published:
        return []
    notes = session.scalars(sa.select(Attendance).where(Attendance.need_id.in_({n for n, _ in published}))
                            .options(orm.joinedload(Attendance.need)).order_by(Attendance.day, Attendance.id))
    return [{"day": n.day.isoformat(), "need": _need_name(n.need, full)[0], "held": n.held, "cancel_reason": n.cancel_reason,
             "participants": n.participants, "girls": n.girls, "recorded_at": _moment(n.recorded_at)}
            for n in notes if (n.need_id, n.day) in published]


def _hours(rows: list[Assignment], cancelled: set) -> dict:
    """Published hours per quarter, sessions noted as cancelled left out."""
    per_quarter: dict[str, int] = defaultdict(int)
    for a in rows:
        if a.schedule.state is ScheduleState.published and (a.need_id, a.day) not in cancelled:
            start, end = span(a.need.start_minute, a.need.end_minute)
            per_quarter[f"{a.day.year}-Q{(a.day.month - 1) // 3 + 1}"] += end - start
    return {"per_quarter": {q: round(m / 60, 2) for q, m in sorted(per_quarter.items())},
            "total": round(sum(per_quarter.values()) / 60, 2)}


def _users(session: orm.Session, leader: Leader) -> list[User]:
    return list(session.scalars(sa.select(User).where(User.leader_id == leader.id).order_by(User.id)))


def _user(user: User) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role.value,
            "locale": user.locale, "active": user.active, "created_at": _moment(user.created_at)}


def _addresses(leader: Leader, users: list[User]) -> set[str]:
    """The leader's addresses as written, and in lower case (how messages are matched)."""
    written = {a for a in [leader.email, *(u.email for u in users)] if a}
    return written | {a.lower() for a in written}


def _their_messages(session: orm.Session, leader: Leader) -> list[OutboxMessage]:
    """Messages to the leader: to one of their accounts or to one of their addresses."""
    users = _users(session, leader)
    addresses = _addresses(leader, users)
    return list(session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.pool_id == leader.pool_id,
        sa.or_(OutboxMessage.user_id.in_([u.id for u in users]),
               sa.func.lower(OutboxMessage.to_address).in_(addresses)))
        .order_by(OutboxMessage.id)))


def _messages(session: orm.Session, leader: Leader) -> list[dict]:
    return [{"to": m.to_address, "subject": m.subject, "body": m.body_text, "created_at": _moment(m.created_at),
             "sent_at": _moment(m.sent_at)} for m in _their_messages(session, leader)]


def _moment(value: Optional[dt.datetime]) -> Optional[str]:
    return value.isoformat(timespec="seconds") if value is not None else None


# ------------------------------------------------------------------------------ right to erasure
def erase_leader(session: orm.Session, pool: Pool, leader: Leader, actor: Optional[User] = None, *,
                 now: Optional[dt.datetime] = None) -> str:
    """Remove ``leader``'s personal data; returns the pseudonym the row keeps.

    Kept: the row's id, club and wage, and every assignment up to yesterday, so hours and costs per
    club, funder and quarter stay as they were. Removed: name, code, contact, skills, limits,
    credentials, availability, absences, feed token, their accounts' identity and password, their
    upcoming seats in drafts and approved plans; upcoming published seats stay and show as broken
    (the leader is no longer active), so the re-plan finds replacements. Messages to them are redacted
    or, unsent, dropped; their name, address and phone are cut out of other messages, job summaries and
    the audit log. ``actor`` is who asked (None: a command)."""
    if leader.pool_id != pool.id:
        raise Invalid("leader", N_("No such leader."))
    if leader.erased_at is not None:
        raise Invalid("leader", N_("This leader's personal data has already been erased."))
    today = local_today(pool, now)
    alias = pseudonym(leader)
    traces = {t: alias for t in (leader.name, leader.code) if t} | {t: REDACTED for t in (leader.phone,) if t}
    users = _users(session, leader)
    traces |= {u.name: alias for u in users if u.name}
    traces |= {address: REDACTED for address in _addresses(leader, users)}
    _redact_messages(session, leader)
    _drop_upcoming_unpublished(session, pool, leader, today)
    for user in users:
        user.email = f"raderad-{user.id}@invalid"
        user.name, user.password_hash, user.active = alias, "!", False
    leader.name, leader.code = alias, _free_alias_code(session, leader)
    leader.email = leader.phone = ""
    leader.skills = []
    leader.max_minutes_per_day = leader.max_minutes_per_week = None
    leader.credentials.clear()
    leader.availability.clear()
    leader.absences.clear()
    leader.calendar_token = None
    leader.active = False
    leader.erased_at = now or utcnow()
    session.flush()
    _scrub_logs(session, pool, traces)
    audit.record(session, pool, actor, "erase", leader, {}, {"name": alias})  # after the scrub, which it survives
    return alias


def _free_alias_code(session: orm.Session, leader: Leader) -> str:
    code = f"raderad-{leader.id}"
    taken = session.scalar(sa.select(Leader.id).where(Leader.pool_id == leader.pool_id, Leader.code == code,
                                                      Leader.id != leader.id))
    return code if taken is None else f"raderad-{leader.id}-{hashlib.sha256(code.encode()).hexdigest()[:6]}"


def _drop_upcoming_unpublished(session: orm.Session, pool: Pool, leader: Leader, today: dt.date) -> None:
    """Seats from today on in drafts and approved plans go; the plan's version moves on, so an edit
    made against the old version is refused as stale."""
    rows = session.scalars(sa.select(Assignment).join(Schedule).where(
        Assignment.leader_id == leader.id, Assignment.day >= today, Schedule.pool_id == pool.id,
        Schedule.state.in_((ScheduleState.draft, ScheduleState.approved)))).all()
    touched = set()
    for row in rows:
        touched.add(row.schedule)
        row.schedule.assignments.remove(row)
    for schedule in touched:
        info = dict(schedule.solver_info or {})
        info["erased_seats"] = int(info.get("erased_seats", 0)) + sum(1 for r in rows if r.schedule is schedule)
        schedule.solver_info = info


def _redact_messages(session: orm.Session, leader: Leader) -> None:
    """Messages to the leader are delivery records: a sent one keeps when and what kind (its key's
    subject part), nothing of its content or address; an unsent one is dropped, nobody is left to get it."""
    for message in _their_messages(session, leader):
        if message.sent_at is None:
            session.delete(message)
            continue
        about = message.dedupe_key.split("|", 1)[0]
        digest = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:16]
        message.dedupe_key = f"{about[:150]}|{REDACTED}{digest}"
        message.to_address = REDACTED
        message.subject, message.body_text = REDACTED, REDACTED
        message.body_html = message.calendar = ""
    session.flush()


def _scrub_logs(session: orm.Session, pool: Pool, traces: dict[str, str]) -> None:
    """Cut the leader's name, code, addresses and phone out of other people's messages, notes on cancelled
    sessions, job summaries and the audit log (its snapshots name the leader of a seat). The database
    picks the rows that mention a trace, so a long history is not read row by row."""
    texts = [(OutboxMessage, ("subject", "body_text", "body_html", "calendar", "to_address", "dedupe_key"),
              OutboxMessage.pool_id == pool.id),
             (Attendance, ("cancel_reason",), Attendance.pool_id == pool.id),
             (JobRun, ("summary",), sa.true()),
             (AuditEntry, ("before", "after"), AuditEntry.pool_id == pool.id)]
    for model, columns, scope in texts:
        for row in session.scalars(sa.select(model).where(scope, _mentions(model, columns, traces))):
            for column in columns:
                value = getattr(row, column)
                cleaned = _replace(value, traces)
                if cleaned != value:
                    setattr(row, column, cleaned)


def _mentions(model, columns, traces: dict[str, str]):
    """Rows whose text (or JSON, as stored, with non-ASCII escaped) holds a trace."""
    forms = {form for trace in traces for form in (trace, json.dumps(trace)[1:-1])}
    return sa.or_(*(sa.cast(getattr(model, column), sa.Text).contains(form, autoescape=True)
                    for column in columns for form in sorted(forms)))


def _replace(value, traces: dict[str, str]):
    """``value`` with every trace replaced, through nested JSON (longest trace first, so a name is
    replaced whole before a shorter trace inside it)."""
    if isinstance(value, str):
        for trace in sorted(traces, key=len, reverse=True):
            if trace in value:
                value = value.replace(trace, traces[trace])
        return value
    if isinstance(value, dict):
        return {k: _replace(v, traces) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, traces) for v in value]
    return value


def is_erased(leader: Leader) -> bool:
    return leader.erased_at is not None


# ------------------------------------------------------------------------------ retention
def purge_absence_reasons(session: orm.Session, pool: Pool, today: dt.date, days: Optional[int] = None) -> int:
    """Clear the reason of every absence of ``pool`` that ended more than ``days`` days before ``today``;
    the dates stay (the plan and its history need them). Returns how many reasons were cleared."""
    days = absence_reason_days() if days is None else days
    limit = today - dt.timedelta(days=days)
    leader_ids = sa.select(Leader.id).where(Leader.pool_id == pool.id).scalar_subquery()
    result = session.execute(sa.update(Absence).where(Absence.leader_id.in_(leader_ids), Absence.last_day < limit,
                                                      Absence.reason != "").values(reason="")
                             .execution_options(synchronize_session="fetch"))
    session.flush()
    return result.rowcount


def purge_all(session: orm.Session, now: Optional[dt.datetime] = None, days: Optional[int] = None
              ) -> dict[str, int]:
    """Purge every pool (each by its own local day); reasons cleared per pool slug."""
    return {pool.slug: purge_absence_reasons(session, pool, local_today(pool, now), days)
            for pool in session.scalars(sa.select(Pool).order_by(Pool.id))}
