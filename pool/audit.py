"""The audit log: who approved, published, edited by hand, pinned or changed a role — when, and the record
before and after.

Services call ``record`` in the same transaction as the change it describes, so a change that is rolled
back leaves no entry and a committed change always has one. Entries are only ever added: nothing here
changes or deletes them. Snapshots stay small: what a coordinator needs to recognise the record and see
what moved, never free text such as absence reasons, and nothing about children (the model holds none).
``actor`` None is the system: a scheduled job, the seed or a command without a signed-in person.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import orm

from pool.models import Assignment, AuditEntry, Pool, Schedule, User

# The actions the services record, in the order a filter lists them.
ACTIONS = ("approve", "publish", "assign", "unassign", "swap", "pin", "unpin", "create_user", "role",
           "activate", "deactivate", "erase")


def record(session: orm.Session, pool: Pool, actor: Optional[User], action: str, obj, before: dict,
           after: dict) -> AuditEntry:
    """Add one entry about ``obj`` (a Schedule, Assignment, User or Leader, already flushed so it has its id)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(pool_id=pool.id, user_id=actor.id if actor is not None else None, action=action,
                       object_type=type(obj).__name__.lower(), object_id=obj.id, before=before, after=after)
    session.add(entry)
    session.flush()
    return entry


# ------------------------------------------------------------------------------ snapshots
def schedule_snapshot(schedule: Schedule) -> dict:
    return {"state": schedule.state.value, "version": schedule.version,
            "period": f"{schedule.period_start.isoformat()}–{schedule.period_end.isoformat()}"}


def assignment_snapshot(row: Assignment) -> dict:
    """The seat: which need on which day, who sits on it, pinned or not, in which schedule version."""
    return {"need_id": row.need_id, "need": row.need.title, "day": row.day.isoformat(),
            "leader_id": row.leader_id, "leader": row.leader.name or row.leader.code, "pinned": row.pinned,
            "schedule_id": row.schedule.id, "schedule_version": row.schedule.version}


def user_snapshot(user: User) -> dict:
    """Role and what it is bound to, and whether the account may sign in; the name to recognise it by."""
    organisation, leader = user.organisation, user.leader
    return {"name": user.name, "role": user.role.value,
            "organisation_id": user.organisation_id, "organisation": organisation.name if organisation else None,
            "leader_id": user.leader_id, "leader": (leader.name or leader.code) if leader else None,
            "active": user.active}


# ------------------------------------------------------------------------------ reading
@dataclass
class Entry:
    entry: AuditEntry
    actor_name: Optional[str]  # None: the system


def entries(session: orm.Session, pool: Pool, *, action: Optional[str] = None, first: Optional[dt.date] = None,
            last: Optional[dt.date] = None, limit: int = 50, offset: int = 0) -> list[Entry]:
    """The pool's entries, newest first; ``first``..``last`` are local days in the pool's time zone."""
    query = (sa.select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.user_id)
             .where(AuditEntry.pool_id == pool.id))
    if action:
        query = query.where(AuditEntry.action == action)
    if first is not None:
        query = query.where(AuditEntry.at >= _start_of(first, pool))
    if last is not None:
        query = query.where(AuditEntry.at < _start_of(last + dt.timedelta(days=1), pool))
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    return [Entry(entry, name) for entry, name in session.execute(query)]


def _start_of(day: dt.date, pool: Pool) -> dt.datetime:
    """The UTC moment the local ``day`` begins (stored times are UTC; SQLite keeps them naive)."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(pool.timezone))
    return local.astimezone(dt.timezone.utc)
