"""The weekly rhythm: the jobs the scheduler runs, as plain functions of a session factory and ``now``.

Each job goes through every pool, opens its own sessions and commits per pool; it is idempotent, so
running it twice, or again after a crash, proposes nothing twice and queues no message twice:
proposals are recognised by the marker they carry in ``solver_info["proposal"]``, messages by the
outbox's dedupe key. A solve holds no database transaction, so the web app can write meanwhile.

Times are configured per municipality in the environment (see ``Rhythm.from_env``).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy import orm

import solver
from pool import notify, schedules
from pool.calendar import local_today
from pool.models import (Credential, Leader, Pool, Schedule, ScheduleState, SolveRun, SolveState, utcnow)
from pool.planning import build_problem, newest_schedule, published_assignments, store_schedule
from pool.validate import violations
from solver import problem as sp

Sessions = Callable[[], orm.Session]


@dataclass(frozen=True)
class Rhythm:
    """When the jobs run (in ``timezone``) and how hard they work."""
    draft: str = "wed 12:00"  # the weekly proposal for next week
    reminder: str = "fri 12:00"  # the reminder when next week is not yet published
    day_before: str = "18:00"  # each leader's reminder of tomorrow's assignments
    credentials: str = "02:30"  # the nightly credential check
    privacy: str = "03:15"  # the nightly clearing of old absence reasons
    timezone: str = "Europe/Stockholm"
    solve_seconds: float = 10.0
    solver_workers: int = 1
    credential_days: int = 30  # how early a club admin hears of an expiring credential
    replan_days: int = 28  # how far ahead broken published assignments are re-planned

    @classmethod
    def from_env(cls, env=os.environ) -> "Rhythm":
        """POOL_RHYTHM_DRAFT, _REMINDER, _DAY_BEFORE, _CREDENTIALS, _PRIVACY, _TIMEZONE, _SOLVE_SECONDS,
        _SOLVER_WORKERS, _CREDENTIAL_DAYS, _REPLAN_DAYS."""
        values = {}
        for item in dataclasses.fields(cls):
            raw = env.get(f"POOL_RHYTHM_{item.name.upper()}")
            if raw:
                values[item.name] = type(item.default)(raw)
        return cls(**values)


def weekday_and_time(text: str) -> tuple[Optional[str], int, int]:
    """'wed 12:00' → ('wed', 12, 0); '18:00' → (None, 18, 0)."""
    parts = text.split()
    day = parts[0].lower()[:3] if len(parts) == 2 else None
    hour, minute = parts[-1].split(":")
    return day, int(hour), int(minute)


# ------------------------------------------------------------------------------ dates
def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=7 - today.weekday())


def _pool_ids(sessions: Sessions) -> list[int]:
    with sessions() as session:
        return list(session.scalars(sa.select(Pool.id).order_by(Pool.id)))


def _summary(counts: Counter) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v) or "nothing to do"


def _each_pool(sessions: Sessions, now: dt.datetime, work) -> str:
    """Run ``work(session, pool, now)`` per pool in a transaction of its own; a pool that fails does not
    stop the others, and the first error is raised at the end so the run counts as failed."""
    counts: Counter = Counter()
    errors = []
    for pool_id in _pool_ids(sessions):
        try:
            with sessions() as session:
                counts.update(work(session, session.get(Pool, pool_id), now))
                session.commit()
        except Exception as error:  # noqa: BLE001 - reported below, after the other pools had their turn
            errors.append(error)
    if errors:
        raise errors[0]
    return _summary(counts)


# ------------------------------------------------------------------------------ the jobs
def weekly_draft(sessions: Sessions, now: dt.datetime, rhythm: Optional[Rhythm] = None) -> str:
    """Propose next week's schedule (a re-plan against what is published) and tell the coordinator."""
    rhythm = rhythm or Rhythm.from_env()
    return _each_pool(sessions, now, lambda session, pool, now: _weekly_draft(session, pool, now, rhythm))


def approval_reminder(sessions: Sessions, now: dt.datetime, rhythm: Optional[Rhythm] = None) -> str:
    """Remind the coordinator when nothing is published for next week."""
    return _each_pool(sessions, now, _approval_reminder)


def day_before(sessions: Sessions, now: dt.datetime, rhythm: Optional[Rhythm] = None) -> str:
    """Each leader with published assignments tomorrow gets them in one message."""
    return _each_pool(sessions, now, _day_before)


def credential_check(sessions: Sessions, now: dt.datetime, rhythm: Optional[Rhythm] = None) -> str:
    """Credentials expiring soon go to the club admin; published assignments that an expired one breaks
    get a re-plan proposal."""
    rhythm = rhythm or Rhythm.from_env()

    def work(session, pool, now):
        return _expiring_credentials(session, pool, now, rhythm) + _replan(session, pool, now, rhythm)
    return _each_pool(sessions, now, work)


def replan_broken(sessions: Sessions, now: dt.datetime, rhythm: Optional[Rhythm] = None) -> str:
    """Published assignments broken by an absence (or anything else) get a re-plan proposal, once."""
    rhythm = rhythm or Rhythm.from_env()
    return _each_pool(sessions, now, lambda session, pool, now: _replan(session, pool, now, rhythm))


def deliver_outbox(sessions: Sessions, now: dt.datetime, rhythm: Optional[Rhythm] = None) -> str:
    """Send what waits in the outbox when SMTP is configured; otherwise it stays there to be read."""
    settings = notify.SmtpSettings.from_env()
    if settings is None:
        return "SMTP not configured: messages stay in the outbox"
    with sessions() as session:
        sent, failed = notify.deliver(session, settings, now=now)
        session.commit()
    return _summary(Counter(sent=sent, failed=failed))


def purge_absence_reasons(sessions: Sessions, now: dt.datetime, rhythm: Optional[Rhythm] = None) -> str:
    """Clear absence reasons kept longer than POOL_ABSENCE_REASON_DAYS after the absence (pool/privacy.py)."""
    from pool import privacy
    days = privacy.absence_reason_days()
    return _each_pool(sessions, now, lambda session, pool, now: Counter(
        reasons_cleared=privacy.purge_absence_reasons(session, pool, local_today(pool, now), days)))


def heartbeat(sessions: Sessions, now: dt.datetime, rhythm: Optional[Rhythm] = None) -> str:
    """A test job: says which process ran it."""
    return f"pid {os.getpid()}"


JOBS: dict[str, Callable[..., str]] = {
    "weekly-draft": weekly_draft,
    "approval-reminder": approval_reminder,
    "day-before": day_before,
    "credential-check": credential_check,
    "replan-broken": replan_broken,
    "deliver-outbox": deliver_outbox,
    "purge-absence-reasons": purge_absence_reasons,
    "heartbeat": heartbeat,
}


# ------------------------------------------------------------------------------ per pool
def _weekly_draft(session: orm.Session, pool: Pool, now: dt.datetime, rhythm: Rhythm) -> Counter:
    monday = next_monday(local_today(pool, now))
    sunday = monday + dt.timedelta(days=6)
    published = newest_schedule(session, pool, monday, sunday, ScheduleState.published)
    pending = _pending(session, pool, monday, sunday, published)
    counts = Counter()
    if pending is None and published is not None:
        return counts  # published already; anything broken in it is the re-plan job's
    if pending is None:
        problem = build_problem(session, pool, monday, sunday)
        pending = _solve_and_store(session, pool, problem, rhythm, marker=f"week:{monday.isoformat()}",
                                   based_on_id=None)
        counts["proposals"] += 1
    if not notify.queued_about(session, notify.proposal_about(pending)):
        seats = _seats(build_problem(session, pool, monday, sunday, pinned=()))
        counts["messages"] += notify.proposal_waiting(session, pool, pending, len(pending.assignments), seats)
    return counts


def _pending(session, pool, first, last, published: Optional[Schedule]) -> Optional[Schedule]:
    """The newest draft or approved version of the period made after what is published."""
    return session.scalar(sa.select(Schedule).where(
        Schedule.pool_id == pool.id, Schedule.period_start == first, Schedule.period_end == last,
        Schedule.state.in_((ScheduleState.draft, ScheduleState.approved)),
        Schedule.version > (published.version if published else 0)).order_by(Schedule.version.desc()).limit(1))


def _approval_reminder(session: orm.Session, pool: Pool, now: dt.datetime) -> Counter:
    monday = next_monday(local_today(pool, now))
    sunday = monday + dt.timedelta(days=6)
    covered = session.scalar(sa.select(Schedule.id).where(
        Schedule.pool_id == pool.id, Schedule.state == ScheduleState.published,
        Schedule.period_start <= sunday, Schedule.period_end >= monday).limit(1))
    if covered is not None:
        return Counter()
    pending = _pending(session, pool, monday, sunday, None)
    return Counter(reminders=notify.approval_reminder(session, pool, monday, pending))


def _day_before(session: orm.Session, pool: Pool, now: dt.datetime) -> Counter:
    tomorrow = local_today(pool, now) + dt.timedelta(days=1)
    per_leader = defaultdict(list)
    for row in published_assignments(session, pool, tomorrow, tomorrow):
        per_leader[row.leader_id].append(row)
    sent = sum(notify.day_before(session, pool, rows[0].leader, tomorrow, rows)
               for _, rows in sorted(per_leader.items()))
    return Counter(reminders=sent)


def _expiring_credentials(session: orm.Session, pool: Pool, now: dt.datetime, rhythm: Rhythm) -> Counter:
    today = local_today(pool, now)
    expiring = session.scalars(sa.select(Credential).join(Leader).where(
        Leader.pool_id == pool.id, Leader.active, Credential.valid_until >= today,
        Credential.valid_until <= today + dt.timedelta(days=rhythm.credential_days))
        .order_by(Credential.valid_until, Credential.id)).all()
    return Counter(credential_notices=sum(notify.credential_expiring(session, pool, c) for c in expiring))


def _replan(session: orm.Session, pool: Pool, now: dt.datetime, rhythm: Rhythm) -> Counter:
    """One proposal per published schedule and set of broken assignments in it, from today on."""
    today = local_today(pool, now)
    problem, broken = schedules.broken_published(session, pool, today, today + dt.timedelta(days=rhythm.replan_days))
    per_schedule = defaultdict(list)
    for item in broken:
        per_schedule[item.assignment.schedule_id].append(item)
    counts = Counter()
    for schedule_id, items in sorted(per_schedule.items()):
        published = session.get(Schedule, schedule_id)
        marker = _replan_marker(published, items)
        draft = _proposal(session, pool, published, marker)
        if draft is None:
            draft = _solve_and_store(session, pool, _replan_problem(session, pool, published, today), rhythm,
                                     marker=marker, based_on_id=published.id, keep_before=today)
            counts["replans"] += 1
        if not notify.queued_about(session, notify.replan_about(draft)):
            seats = _seats(build_problem(session, pool, draft.period_start, draft.period_end, pinned=()))
            counts["messages"] += notify.replan_proposed(session, pool, draft, items, len(draft.assignments), seats)
    return counts


def _replan_marker(published: Schedule, items) -> str:
    ids = ",".join(str(i) for i in sorted(b.assignment.id for b in items))
    return f"replan:{published.id}:{hashlib.sha256(ids.encode()).hexdigest()[:16]}"


def _proposal(session, pool, published: Schedule, marker: str) -> Optional[Schedule]:
    rows = session.scalars(sa.select(Schedule).where(
        Schedule.pool_id == pool.id, Schedule.period_start == published.period_start,
        Schedule.period_end == published.period_end))
    return next((s for s in rows if (s.solver_info or {}).get("proposal") == marker), None)


def _replan_problem(session, pool, published: Schedule, today: dt.date) -> sp.Problem:
    """The published schedule's period, its days before today pinned as they happened."""
    problem = build_problem(session, pool, published.period_start, published.period_end, pinned=())
    past = schedules.plain(a for a in published.assignments if a.day < today)
    broken = {(v.need, v.date, v.leader) for v in violations(problem, past)}
    return dataclasses.replace(problem, pinned=tuple(sorted(
        a for a in past if (a.need, a.date, a.leader) not in broken)))


def _seats(problem: sp.Problem) -> int:
    return sum(n.seats * len(n.occurrences) for n in problem.needs.values())


def _solve_and_store(session: orm.Session, pool: Pool, problem: sp.Problem, rhythm: Rhythm, *, marker: str,
                     based_on_id: Optional[int], keep_before: Optional[dt.date] = None) -> Schedule:
    """Solve with no transaction open, then store the draft (with a finished SolveRun) in a short one."""
    first, last = problem.start, problem.end
    session.commit()  # keep what is done; hold no lock on the database while the solver works
    result = solver.solve(problem, time_limit=rhythm.solve_seconds, num_workers=rhythm.solver_workers,
                          random_seed=0)
    pool = session.get(Pool, pool.id)
    based_on = session.get(Schedule, based_on_id) if based_on_id else \
        newest_schedule(session, pool, first, last, ScheduleState.published)
    if keep_before is not None:  # days gone by stay exactly as they happened, even seats a rule now forbids
        # (a leader since deactivated or erased): they are history, and the reports count them
        kept = schedules.plain(a for a in based_on.assignments if a.day < keep_before) if based_on else \
            [a for a in problem.pinned if a.date < keep_before]
        result = dataclasses.replace(result, assignments=tuple(sorted(
            set(kept) | {a for a in result.assignments if a.date >= keep_before})))
    draft = store_schedule(session, pool, result, first, last, pinned=problem.pinned, based_on=based_on)
    draft.solver_info = {**draft.solver_info, "proposal": marker}
    session.add(SolveRun(pool_id=pool.id, period_start=first, period_end=last, state=SolveState.done,
                         time_limit=rhythm.solve_seconds, schedule_id=draft.id, finished_at=utcnow(),
                         progress={k: v for k, v in draft.solver_info.items() if k in ("fill", "seconds", "status")}))
    session.flush()
    return draft
