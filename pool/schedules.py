"""A schedule's life after the solver: review, hand edits checked against every rule, approval and
publication (draft → approved → published; publishing supersedes the period's previous plan).

Every edit names the version it was made against: a stale one raises Conflict instead of being applied.
Services change the models and flush; they never commit.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Optional

import sqlalchemy as sa
from sqlalchemy import orm

from pool import audit, notify
from pool.errors import N_, Conflict, Invalid, NotFound
from pool.models import (Assignment, CalendarKind, CalendarPeriod, Leader, Need, Pool, Schedule, ScheduleState,
                         User, in_pool, utcnow)
from pool.planning import build_problem, published_assignments
from pool.validate import Metrics, Violation, check_assignment, metrics, violations
from solver import problem as sp
from solver.reasons import explain

WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
STALE = N_("Someone else changed this since you loaded it. Reload the page and try again.")
PUBLISHED_MEANWHILE = N_("Another schedule for this period was published at the same moment. Reload the page "
                         "to see which one is published now.")


# ------------------------------------------------------------------------------ periods
def parse_period(session: orm.Session, pool: Pool, text: str) -> tuple[dt.date, dt.date]:
    """'2027-W03' → that ISO week (Monday to Sunday); a term's name ('vt 2027') → the term."""
    text = (text or "").strip()
    match = WEEK.match(text)
    if match:
        try:
            monday = dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            raise Invalid("period", N_("There is no week %(value)s."), value=text)
        return monday, monday + dt.timedelta(days=6)
    term = session.scalar(sa.select(CalendarPeriod).where(
        CalendarPeriod.pool_id == pool.id, CalendarPeriod.kind == CalendarKind.term,
        sa.func.lower(CalendarPeriod.name) == text.lower()))
    if term is None:
        raise Invalid("period", N_("Give a week like 2027-W03 or the name of a term."))
    return term.first_day, term.last_day


def week_of(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def terms(session: orm.Session, pool: Pool) -> list[CalendarPeriod]:
    return list(session.scalars(sa.select(CalendarPeriod).where(
        CalendarPeriod.pool_id == pool.id, CalendarPeriod.kind == CalendarKind.term).order_by(CalendarPeriod.first_day)))


# ------------------------------------------------------------------------------ reading
def get_schedule(session: orm.Session, pool: Pool, schedule_id: int) -> Schedule:
    """The schedule with its assignments, their needs and leaders (one query each, not one per row)."""
    schedule = session.scalar(sa.select(Schedule).where(Schedule.id == schedule_id).options(
        orm.selectinload(Schedule.assignments).options(orm.joinedload(Assignment.need),
                                                       orm.joinedload(Assignment.leader))))
    if schedule is None or schedule.pool_id != pool.id:
        raise NotFound(N_("No such schedule."))
    return schedule


def recent_schedules(session: orm.Session, pool: Pool, limit: int = 20) -> list[Schedule]:
    return list(session.scalars(sa.select(Schedule).where(Schedule.pool_id == pool.id)
                                .order_by(Schedule.id.desc()).limit(limit)))


def plain(rows: Iterable[Assignment]) -> list[sp.Assignment]:
    return [sp.Assignment(a.need.code, a.day, a.leader.code) for a in rows]


@dataclass
class Review:
    """A schedule measured and explained against the data as it is now."""
    schedule: Schedule
    problem: sp.Problem
    metrics: Metrics
    unfilled: tuple[sp.Unfilled, ...]
    leaders_per_club: dict[str, int]


def review(session: orm.Session, pool: Pool, schedule: Schedule) -> Review:
    """Figures and unfilled seats, recomputed so they stay right after hand edits and data changes."""
    problem = build_problem(session, pool, schedule.period_start, schedule.period_end)
    assignments = plain(schedule.assignments)
    per_club: Counter = Counter()
    for code in {a.leader for a in assignments if a.leader in problem.leaders}:
        per_club[problem.clubs[problem.leaders[code].club].name or problem.leaders[code].club] += 1
    return Review(schedule, problem, metrics(problem, assignments), explain(problem, assignments),
                  dict(sorted(per_club.items())))


@dataclass
class Change:
    need: Need
    day: dt.date
    added: list[Leader]
    removed: list[Leader]


def diff(session: orm.Session, pool: Pool, schedule: Schedule) -> list[Change]:
    """Per occurrence, who this schedule adds and removes compared with what is published."""
    published = [a for a in published_assignments(session, pool, schedule.period_start, schedule.period_end)
                 if a.schedule_id != schedule.id]
    before: dict[tuple, dict[int, Leader]] = defaultdict(dict)
    after: dict[tuple, dict[int, Leader]] = defaultdict(dict)
    needs: dict[int, Need] = {}
    for rows, side in ((published, before), (schedule.assignments, after)):
        for a in rows:
            side[(a.need_id, a.day)][a.leader_id] = a.leader
            needs[a.need_id] = a.need
    changes = []
    for key in sorted(set(before) | set(after), key=lambda k: (k[1], needs[k[0]].start_minute, needs[k[0]].title)):
        old, new = before.get(key, {}), after.get(key, {})
        added = [new[i] for i in new if i not in old]
        removed = [old[i] for i in old if i not in new]
        if added or removed:
            changes.append(Change(needs[key[0]], key[1], added, removed))
    return changes


@dataclass
class Broken:
    assignment: Assignment
    violations: list[Violation]


def broken_published(session: orm.Session, pool: Pool, first: dt.date, last: dt.date) -> tuple[sp.Problem, list[Broken]]:
    """Published assignments in first..last that a rule now forbids (an absence, an expired credential …)."""
    rows = published_assignments(session, pool, first, last)
    problem = build_problem(session, pool, first, last, baseline=rows, pinned=())
    found: dict[tuple, list[Violation]] = defaultdict(list)
    for v in violations(problem, plain(rows)):
        if v.rule != 7 and v.leader is not None and v.need is not None:
            found[(v.need, v.date, v.leader)].append(v)
    return problem, [Broken(a, found[(a.need.code, a.day, a.leader.code)]) for a in rows
                     if (a.need.code, a.day, a.leader.code) in found]


def leader_choices(session: orm.Session, pool: Pool, schedule: Schedule, problem: sp.Problem, need: Need,
                   day: dt.date) -> tuple[list[Leader], list[Leader]]:
    """Leaders who could take a seat on the occurrence without breaking a rule, and the others."""
    assignments = plain(schedule.assignments)
    leaders = session.scalars(sa.select(Leader).where(Leader.pool_id == pool.id, Leader.active)
                              .order_by(Leader.name)).all()
    fitting, others = [], []
    for leader in leaders:
        candidate = sp.Assignment(need.code, day, leader.code)
        (others if check_assignment(problem, assignments, candidate) else fitting).append(leader)
    return fitting, others


# ------------------------------------------------------------------------------ the state machine
def approve(session: orm.Session, pool: Pool, schedule_id: int, expected_version: int, *,
            actor: Optional[User] = None) -> Schedule:
    schedule = _current(session, pool, schedule_id, expected_version)
    if schedule.state is not ScheduleState.draft:
        raise Conflict(N_("Only a draft can be approved."))
    was = audit.schedule_snapshot(schedule)
    schedule.state = ScheduleState.approved
    schedule.approved_at = utcnow()
    _flush(session)
    audit.record(session, pool, actor, "approve", schedule, was, audit.schedule_snapshot(schedule))
    return schedule


def publish(session: orm.Session, pool: Pool, schedule_id: int, expected_version: int, *,
            actor: Optional[User] = None) -> Schedule:
    """Make an approved schedule the period's plan; the one published before it is superseded."""
    schedule = _current(session, pool, schedule_id, expected_version)
    if schedule.state is not ScheduleState.approved:
        raise Conflict(N_("Only an approved schedule can be published."))
    was = audit.schedule_snapshot(schedule)
    # Lock the period's published plan first: a concurrent publication of the period waits here, and what
    # the leaders are told is measured against the plan that is really replaced.
    previous = session.scalars(sa.select(Schedule).where(
        Schedule.pool_id == pool.id, Schedule.state == ScheduleState.published,
        Schedule.period_start == schedule.period_start, Schedule.period_end == schedule.period_end)
        .with_for_update().execution_options(populate_existing=True)).all()
    if schedule in previous:
        # someone published this very schedule once we had read it: the lock waited for their commit,
        # and the refreshed row is theirs to keep, not ours to supersede and publish again
        raise Conflict(STALE)
    before = notify.published_before(session, pool, schedule)
    for row in previous:
        row.state = ScheduleState.superseded
    _flush(session)  # the old plan steps down before the new one steps up: one published plan per period
    schedule.state = ScheduleState.published
    schedule.published_at = utcnow()
    _flush(session, taken=PUBLISHED_MEANWHILE)
    audit.record(session, pool, actor, "publish", schedule, was,
                 {**audit.schedule_snapshot(schedule), "replaces_version": previous[0].version if previous else None})
    notify.schedule_published(session, pool, schedule, before)  # everyone whose assignments changed hears what
    return schedule


# ------------------------------------------------------------------------------ hand edits (drafts only)
def assign(session: orm.Session, pool: Pool, schedule_id: int, *, need_id: int, day: dt.date, leader_id: int,
           expected_version: int, pinned: bool = False, actor: Optional[User] = None) -> Assignment:
    """Seat a leader on an occurrence, if no rule forbids it; ``expected_version`` is the schedule's."""
    schedule = _editable(session, pool, schedule_id)
    _check_version(schedule, expected_version)
    need = _in_pool(session, pool, Need, need_id, "need", N_("No such need."))
    leader = _in_pool(session, pool, Leader, leader_id, "leader", N_("No such leader."))
    if not schedule.period_start <= day <= schedule.period_end:
        raise Invalid("day", N_("The day is outside the schedule's period."))
    _refuse_broken(session, pool, schedule, sp.Assignment(need.code, day, leader.code), schedule.assignments)
    row = Assignment(need_id=need.id, day=day, leader_id=leader.id, pinned=pinned, need=need, leader=leader)
    schedule.assignments.append(row)
    _touch(schedule)
    _flush(session)
    audit.record(session, pool, actor, "assign", row, {}, audit.assignment_snapshot(row))
    return row


def unassign(session: orm.Session, pool: Pool, schedule_id: int, assignment_id: int, expected_version: int, *,
             actor: Optional[User] = None) -> None:
    """Free a seat; ``expected_version`` is the assignment's."""
    schedule = _editable(session, pool, schedule_id)
    row = _assignment(schedule, assignment_id, expected_version)
    was = audit.assignment_snapshot(row)
    schedule.assignments.remove(row)
    _touch(schedule)
    _flush(session)
    audit.record(session, pool, actor, "unassign", row, was, {})


def set_pinned(session: orm.Session, pool: Pool, schedule_id: int, assignment_id: int, pinned: bool,
               expected_version: int, *, actor: Optional[User] = None) -> Assignment:
    """A pinned assignment stays when the period is solved again."""
    schedule = _editable(session, pool, schedule_id)
    row = _assignment(schedule, assignment_id, expected_version)
    was = audit.assignment_snapshot(row)
    row.pinned = pinned
    _touch(schedule)
    _flush(session)
    audit.record(session, pool, actor, "pin" if pinned else "unpin", row, was, audit.assignment_snapshot(row))
    return row


def swap(session: orm.Session, pool: Pool, schedule_id: int, assignment_id: int, leader_id: int,
         expected_version: int, *, actor: Optional[User] = None) -> Assignment:
    """Put another leader on an assignment's seat, checked as if the first one had never been there."""
    schedule = _editable(session, pool, schedule_id)
    row = _assignment(schedule, assignment_id, expected_version)
    leader = _in_pool(session, pool, Leader, leader_id, "leader", N_("No such leader."))
    others = [a for a in schedule.assignments if a is not row]
    _refuse_broken(session, pool, schedule, sp.Assignment(row.need.code, row.day, leader.code), others)
    was = audit.assignment_snapshot(row)
    row.leader_id, row.leader = leader.id, leader
    _touch(schedule)
    _flush(session)
    audit.record(session, pool, actor, "swap", row, was, audit.assignment_snapshot(row))
    return row


def _refuse_broken(session, pool, schedule: Schedule, candidate: sp.Assignment, rows) -> None:
    problem = build_problem(session, pool, schedule.period_start, schedule.period_end, baseline=(), pinned=())
    broken = check_assignment(problem, plain(rows), candidate)
    if broken:
        field, message, params = explain_violation(broken[0], problem)
        raise Invalid(field, message, **params)


# ------------------------------------------------------------------------------ rules in words
RULE_MESSAGES = {  # violation code → (input it is about, message)
    "unknown_need": ("need", N_("Rule 1 (known need): there is no such need.")),
    "unknown_leader": ("leader", N_("Rule 1 (known leader): there is no such leader.")),
    "not_an_occurrence": ("day", N_("Rule 1 (occurrence): %(need)s does not run on %(date)s.")),
    "duplicate_leader": ("leader", N_("Rule 2 (seats): %(leader)s is already on this occurrence.")),
    "too_many_leaders": ("need", N_("Rule 2 (seats): all %(seats)s seats are already filled.")),
    "not_available": ("leader", N_("Rule 3 (availability): %(leader)s is not available %(when)s.")),
    "absent": ("leader", N_("Rule 3 (availability): %(leader)s is absent %(first)s – %(last)s.")),
    "missing_skill": ("leader", N_("Rule 4 (qualification): %(leader)s lacks %(skill)s.")),
    "missing_credential": ("leader", N_("Rule 4 (qualification): %(leader)s lacks %(credential)s.")),
    "credential_expired": ("leader", N_("Rule 4 (qualification): %(leader)s's %(credential)s was valid only "
                                        "until %(until)s.")),
    "overlap": ("leader", N_("Rule 5 (overlap): %(leader)s is already on %(other_need)s %(other_date)s at that "
                             "time.")),
    "travel": ("leader", N_("Rule 5 (travel): only %(gap)s minutes after %(other_need)s %(other_date)s, the "
                            "travel takes %(travel)s.")),
    "day_cap": ("leader", N_("Rule 6 (day limit): %(leader)s would work %(minutes)s minutes that day, the limit "
                             "is %(cap)s.")),
    "week_cap": ("leader", N_("Rule 6 (week limit): %(leader)s would work %(minutes)s minutes in week %(week)s, "
                              "the limit is %(cap)s.")),
    "pin_missing": ("leader", N_("Rule 7 (pins): the pinned %(leader)s is missing.")),
}


def explain_violation(v: Violation, problem: sp.Problem) -> tuple[str, str, dict]:
    """The input a broken rule is about, its message id and parameters with names instead of ids."""
    field, message = RULE_MESSAGES.get(v.code, ("leader", v.message))
    params = {k: (val.isoformat() if isinstance(val, dt.date) else val) for k, val in v.params.items()}
    leader = problem.leaders.get(v.leader or "")
    need = problem.needs.get(v.need or "")
    params["leader"] = (leader.name or leader.id) if leader else (v.leader or "")
    params["need"] = (need.title or need.id) if need else (v.need or "")
    if "other_need" in params and params["other_need"] in problem.needs:
        params["other_need"] = problem.needs[params["other_need"]].title
    if need is not None and v.date is not None:
        params["when"] = f"{v.date.isoformat()} {sp.clock(need.start)}–{sp.clock(need.end)}"
    params.setdefault("date", v.date.isoformat() if v.date else "")
    return field, message, params


# ------------------------------------------------------------------------------ helpers
def _current(session, pool, schedule_id: int, expected_version: int) -> Schedule:
    schedule = get_schedule(session, pool, schedule_id)
    _check_version(schedule, expected_version)
    return schedule


def _editable(session, pool, schedule_id: int) -> Schedule:
    schedule = get_schedule(session, pool, schedule_id)
    if schedule.state is not ScheduleState.draft:
        raise Conflict(N_("Only a draft can be changed; solve the period again for a new proposal."))
    return schedule


def _check_version(row, expected_version: Optional[int]) -> None:
    if expected_version is None or int(expected_version) != row.row_version:
        raise Conflict(STALE)


def _assignment(schedule: Schedule, assignment_id: int, expected_version: int) -> Assignment:
    row = next((a for a in schedule.assignments if a.id == assignment_id), None)
    if row is None:
        raise Conflict(STALE)  # removed by someone else since the page was loaded
    _check_version(row, expected_version)
    return row


def _in_pool(session, pool, model, row_id, field: str, message: str):
    row = in_pool(session, model, pool.id, row_id)
    if row is None:
        raise Invalid(field, message)
    return row


def _touch(schedule: Schedule) -> None:
    """Count the hand edit; the changed row also moves the schedule's version on."""
    info = dict(schedule.solver_info or {})
    info["manual_edits"] = int(info.get("manual_edits", 0)) + 1
    schedule.solver_info = info


def _flush(session: orm.Session, taken: Optional[str] = None) -> None:
    """Flush; a row changed by someone else meanwhile is a Conflict, and so is a uniqueness the database
    enforces against a concurrent transaction when ``taken`` says what it means."""
    try:
        session.flush()
    except orm.exc.StaleDataError:
        raise Conflict(STALE)
    except sa.exc.IntegrityError:
        if taken is None:
            raise
        raise Conflict(taken)
