"""Adapters between the database and the solver's plain problem: build one for a period, store
a solved schedule back, and load an exchanged problem into a pool. Writes flush, never commit."""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional

import sqlalchemy as sa
from sqlalchemy import orm

from pool.calendar import school_closed_days
from pool.models import (Absence, Assignment, AvailabilityWindow, Credential, Leader, Need, Organisation,
                         OrgKind, Pool, Schedule, ScheduleState, Site, Travel)
from solver import problem as sp


class ImportConflict(ValueError):
    """The target pool already holds records with the ids of the imported problem."""


# ------------------------------------------------------------------------------ database → problem
def build_problem(session: orm.Session, pool: Pool, first: dt.date, last: dt.date, *,
                  baseline: Optional[Iterable[Assignment]] = None,
                  pinned: Optional[Iterable[Assignment]] = None) -> sp.Problem:
    """The planning problem of ``pool`` for first..last; school breaks and holidays become except-dates.

    ``baseline`` defaults to what is published for the period, ``pinned`` to the pinned assignments
    of its newest draft."""
    sites = {s.id: s for s in session.scalars(sa.select(Site).where(Site.pool_id == pool.id))}
    clubs = {c.id: c for c in session.scalars(
        sa.select(Organisation).where(Organisation.pool_id == pool.id, Organisation.kind == OrgKind.club))}
    leaders = session.scalars(
        sa.select(Leader).where(Leader.pool_id == pool.id, Leader.active).order_by(Leader.code)
        .options(orm.selectinload(Leader.credentials), orm.selectinload(Leader.availability),
                 orm.selectinload(Leader.absences))).all()
    closed = school_closed_days(session, pool, first, last)
    needs = [n for n in session.scalars(
        sa.select(Need).where(Need.pool_id == pool.id, Need.active).order_by(Need.code)).all()
        if _overlaps(n, first, last)]
    if baseline is None:
        baseline = published_assignments(session, pool, first, last)
    if pinned is None:
        pinned = pinned_assignments(session, pool, first, last)
    return sp.Problem(
        name=f"{pool.slug}-{first.isoformat()}-{last.isoformat()}", start=first, end=last,
        timezone=pool.timezone, default_travel=pool.default_travel_minutes,
        sites={s.code: sp.Site(s.code, s.name, s.area) for s in sites.values()},
        clubs={c.code: sp.Club(c.code, c.name, c.pledged_minutes_per_week) for c in clubs.values()},
        travel=_travel(session, sites),
        leaders={l.code: _leader(l, clubs, first, last) for l in leaders},
        needs={n.code: solver_need(n, sites, first, last, closed) for n in needs},
        baseline=_assignments(baseline, first, last),
        pinned=_assignments(pinned, first, last))


def _overlaps(need: Need, first: dt.date, last: dt.date) -> bool:
    if need.dates:
        return any(first <= dt.date.fromisoformat(d) <= last for d in need.dates)
    return (need.first_day is None or need.first_day <= last) and (need.last_day is None or need.last_day >= first)


def _travel(session: orm.Session, sites: dict[int, Site]) -> dict[tuple[str, str], int]:
    rows = session.scalars(sa.select(Travel).where(Travel.from_site_id.in_(sites))).all()
    pairs = {}
    for row in rows:
        a, b = sites[row.from_site_id].code, sites[row.to_site_id].code
        pairs[(min(a, b), max(a, b))] = row.minutes
    return pairs


def _leader(leader: Leader, clubs: dict[int, Organisation], first: dt.date, last: dt.date) -> sp.Leader:
    return sp.Leader(
        id=leader.code, club=clubs[leader.club_id].code, name=leader.name,
        skills=frozenset(leader.skills),
        credentials={c.kind: c.valid_until for c in leader.credentials},
        availability=tuple(sp.Window(w.weekday, *sp.span(w.start_minute, w.end_minute))
                           for w in leader.availability),
        # reasons stay in the database: the plan needs the dates, not why (health is personal data)
        absences=tuple(sp.Absence(a.first_day, a.last_day) for a in leader.absences
                       if a.first_day <= last and a.last_day >= first),
        max_minutes_per_day=leader.max_minutes_per_day, max_minutes_per_week=leader.max_minutes_per_week)


def solver_need(need: Need, sites: dict[int, Site], first: dt.date, last: dt.date, closed: set[dt.date]) -> sp.Need:
    """A need as the solver sees it in first..last: its occurrences there, breaks and skips removed."""
    dates = tuple(dt.date.fromisoformat(d) for d in need.dates)
    weekdays = tuple(sorted(need.weekdays))
    skipped = {dt.date.fromisoformat(d) for d in need.skipped_dates}
    if need.follows_school_calendar:
        skipped |= closed
    would_occur = set(sp.occurrence_dates(first, last, weekdays=weekdays, dates=dates,
                                          first=need.first_day, last=need.last_day))
    except_dates = frozenset(skipped & would_occur)
    start, end = sp.span(need.start_minute, need.end_minute)
    return sp.Need(
        id=need.code, site=sites[need.site_id].code, title=need.title, start=start, end=end,
        seats=need.seats, priority=need.priority, skills=frozenset(need.skills),
        credentials=frozenset(need.credentials), weekdays=weekdays, dates=dates,
        first=need.first_day, last=need.last_day, except_dates=except_dates,
        occurrences=tuple(sorted(would_occur - except_dates)))


def _assignments(rows: Iterable[Assignment], first: dt.date, last: dt.date) -> tuple[sp.Assignment, ...]:
    return tuple(sorted({sp.Assignment(a.need.code, a.day, a.leader.code)
                         for a in rows if first <= a.day <= last}))


def published_assignments(session: orm.Session, pool: Pool, first: dt.date, last: dt.date) -> list[Assignment]:
    return _assignments_of(session, pool, first, last, ScheduleState.published)


def pinned_assignments(session: orm.Session, pool: Pool, first: dt.date, last: dt.date) -> list[Assignment]:
    draft = newest_schedule(session, pool, first, last, ScheduleState.draft)
    return [a for a in draft.assignments if a.pinned] if draft else []


def newest_schedule(session: orm.Session, pool: Pool, first: dt.date, last: dt.date,
                    state: ScheduleState) -> Optional[Schedule]:
    return session.scalar(
        sa.select(Schedule).where(Schedule.pool_id == pool.id, Schedule.period_start == first,
                                  Schedule.period_end == last, Schedule.state == state)
        .order_by(Schedule.version.desc()).limit(1))


def _assignments_of(session, pool, first, last, state) -> list[Assignment]:
    return list(session.scalars(
        sa.select(Assignment).join(Schedule)
        .where(Schedule.pool_id == pool.id, Schedule.state == state,
               Assignment.day >= first, Assignment.day <= last)
        .options(orm.joinedload(Assignment.need), orm.joinedload(Assignment.leader))))


# ------------------------------------------------------------------------------ schedule → database
def store_schedule(session: orm.Session, pool: Pool, schedule: sp.Schedule, first: dt.date, last: dt.date, *,
                   pinned: Iterable[sp.Assignment] = (), based_on: Optional[Schedule] = None) -> Schedule:
    """Save a solved schedule as the next draft version of the period."""
    needs = _by_code(session, Need, pool)
    leaders = _by_code(session, Leader, pool)
    pinned = set(pinned)
    newest = session.scalar(sa.select(sa.func.max(Schedule.version)).where(
        Schedule.pool_id == pool.id, Schedule.period_start == first, Schedule.period_end == last))
    row = Schedule(pool_id=pool.id, period_start=first, period_end=last, version=(newest or 0) + 1,
                   state=ScheduleState.draft, based_on_id=based_on.id if based_on else None,
                   solver_info=_plain(schedule.solver))
    row.assignments = [Assignment(need_id=needs[a.need].id, day=a.date, leader_id=leaders[a.leader].id,
                                  pinned=a in pinned) for a in schedule.assignments]
    session.add(row)
    session.flush()
    return row


def _by_code(session: orm.Session, model, pool: Pool) -> dict:
    return {r.code: r for r in session.scalars(sa.select(model).where(model.pool_id == pool.id))}


def _plain(info) -> dict:
    return {str(k): v if isinstance(v, (int, float, str, bool, type(None))) else str(v) for k, v in info.items()}


# ------------------------------------------------------------------------------ problem → database
def import_problem(session: orm.Session, problem: sp.Problem, *, slug: str, name: str = "") -> Pool:
    """Load an exchanged problem into the pool ``slug`` (created when missing), all or nothing."""
    pool = session.scalar(sa.select(Pool).where(Pool.slug == slug))
    if pool is None:
        pool = Pool(slug=slug, name=name or slug, timezone=problem.timezone,
                    default_travel_minutes=problem.default_travel)
        session.add(pool)
        session.flush()
    _refuse_taken_codes(session, pool, problem)
    clubs = {c.id: Organisation(pool_id=pool.id, code=c.id, kind=OrgKind.club, name=c.name or c.id,
                                pledged_minutes_per_week=c.pledged_minutes_per_week)
             for c in problem.clubs.values()}
    sites = {s.id: Site(pool_id=pool.id, code=s.id, name=s.name or s.id, area=s.area)
             for s in problem.sites.values()}
    session.add_all([*clubs.values(), *sites.values()])
    session.flush()
    session.add_all(Travel(from_site_id=min(sites[a].id, sites[b].id), to_site_id=max(sites[a].id, sites[b].id),
                           minutes=m) for (a, b), m in problem.travel.items())
    leaders = {l.id: _leader_row(pool, l, clubs) for l in problem.leaders.values()}
    needs = {n.id: _need_row(pool, n, sites) for n in problem.needs.values()}
    session.add_all([*leaders.values(), *needs.values()])
    session.flush()
    _import_schedules(session, pool, problem, needs, leaders)
    return pool


def _refuse_taken_codes(session: orm.Session, pool: Pool, problem: sp.Problem) -> None:
    for model, codes, what in ((Site, problem.sites, "site"), (Leader, problem.leaders, "leader"),
                               (Need, problem.needs, "need"), (Organisation, problem.clubs, "club")):
        taken = session.scalar(sa.select(model.code).where(model.pool_id == pool.id, model.code.in_(list(codes)))
                               .order_by(model.code).limit(1))
        if taken is not None:
            raise ImportConflict(f"pool '{pool.slug}' already has a {what} with id '{taken}'")


def _leader_row(pool: Pool, leader: sp.Leader, clubs: dict[str, Organisation]) -> Leader:
    return Leader(
        pool_id=pool.id, club_id=clubs[leader.club].id, code=leader.id, name=leader.name or leader.id,
        skills=sorted(leader.skills), max_minutes_per_day=leader.max_minutes_per_day,
        max_minutes_per_week=leader.max_minutes_per_week,
        credentials=[Credential(kind=k, valid_until=d) for k, d in sorted(leader.credentials.items())],
        availability=[AvailabilityWindow(weekday=w.weekday, start_minute=w.start, end_minute=_clock_end(w.end))
                      for w in leader.availability],
        absences=[Absence(first_day=a.first, last_day=a.last, reason=a.reason) for a in leader.absences])


def _need_row(pool: Pool, need: sp.Need, sites: dict[str, Site]) -> Need:
    return Need(
        pool_id=pool.id, code=need.id, site_id=sites[need.site].id, title=need.title or need.id,
        weekdays=list(need.weekdays), dates=[d.isoformat() for d in need.dates],
        start_minute=need.start, end_minute=_clock_end(need.end), seats=need.seats, priority=need.priority,
        first_day=need.first, last_day=need.last, skipped_dates=sorted(d.isoformat() for d in need.except_dates),
        follows_school_calendar=False, skills=sorted(need.skills), credentials=sorted(need.credentials))


def _clock_end(end: int) -> int:
    """An end on the solver's running clock back to a clock time; a full day stays 24:00-style."""
    return end if end <= sp.DAY else end - sp.DAY


def _import_schedules(session, pool, problem, needs, leaders) -> None:
    def rows(assignments, pinned):
        return [Assignment(need_id=needs[a.need].id, day=a.date, leader_id=leaders[a.leader].id, pinned=pinned)
                for a in assignments if a.need in needs and a.leader in leaders]
    if problem.baseline:
        session.add(Schedule(pool_id=pool.id, period_start=problem.start, period_end=problem.end, version=1,
                             state=ScheduleState.published, assignments=rows(problem.baseline, False)))
    if problem.pinned:
        session.add(Schedule(pool_id=pool.id, period_start=problem.start, period_end=problem.end,
                             version=2 if problem.baseline else 1, state=ScheduleState.draft,
                             assignments=rows(problem.pinned, True)))
    session.flush()
