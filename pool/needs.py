"""Needs as a requesting unit posts them, and how they are staffed week by week.

Services take plain, typed values, check every rule, change the models and flush; they never commit.
A requester reaches only their own unit's needs: any other id looks like a missing one.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Optional

import sqlalchemy as sa
from sqlalchemy import orm

from pool.calendar import days, school_closed_days
from pool.errors import N_, Invalid, NotFound
from pool.models import (Assignment, CalendarKind, CalendarPeriod, Leader, Need, Organisation, OrgKind, Pool,
                         Schedule, ScheduleState, Site, in_pool)
from pool.planning import solver_need
from solver.problem import DAY, clock

BACKGROUND_CHECK = "background-check"
ACTIVITY_KINDS = ("rastvard", "sportfritids", "nattfotboll", "tjejgrupp", "nodstopp", "nattvandring",
                  "cityvard", "sommarlager", "other")
MAX_SEATS = 50
TAG = re.compile(r"^[\w:+./-]{1,40}$")
CLOCK = re.compile(r"^([01]?\d|2[0-4])[:.]([0-5]\d)$")


@dataclass
class NeedInput:
    """Everything a requester states about one need. A recurring need has weekdays, a one-off one dates."""
    title: str
    site_id: Optional[int]
    start_minute: int
    end_minute: int
    weekdays: list[int] = field(default_factory=list)
    dates: list[dt.date] = field(default_factory=list)
    seats: int = 1
    first_day: Optional[dt.date] = None
    last_day: Optional[dt.date] = None
    follows_school_calendar: bool = False
    skills: list[str] = field(default_factory=list)
    credentials: list[str] = field(default_factory=list)
    priority: int = 3
    activity_kind: str = ""
    description: str = ""
    contact: str = ""
    confidential: bool = False


# ------------------------------------------------------------------------------ parsing helpers
def parse_clock(text: str, field_name: str) -> int:
    """'09:30' → 570; '24:00' is the end of the day. Raises Invalid naming the field."""
    match = CLOCK.match((text or "").strip())
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not 0 <= minutes <= DAY:
        raise Invalid(field_name, N_("Give a time as HH:MM, for example 09:30."))
    return minutes


def parse_dates(text: str, field_name: str = "dates") -> list[dt.date]:
    """ISO dates separated by spaces, commas or new lines."""
    found = []
    for token in re.split(r"[\s,;]+", (text or "").strip()):
        if not token:
            continue
        try:
            found.append(dt.date.fromisoformat(token))
        except ValueError:
            raise Invalid(field_name, N_("%(value)s is not a date; write dates as 2027-02-10."), value=token)
    return sorted(set(found))


def parse_tags(text: str) -> list[str]:
    return sorted({t for t in re.split(r"[\s,;]+", (text or "").strip()) if t})


# ------------------------------------------------------------------------------ the term
def current_term(session: orm.Session, pool: Pool, today: dt.date) -> Optional[CalendarPeriod]:
    """The school term running today, else the next one, else the last one."""
    terms = session.scalars(sa.select(CalendarPeriod).where(
        CalendarPeriod.pool_id == pool.id, CalendarPeriod.kind == CalendarKind.term)
        .order_by(CalendarPeriod.first_day)).all()
    running = [t for t in terms if t.first_day <= today <= t.last_day]
    upcoming = [t for t in terms if t.first_day > today]
    return (running or upcoming or terms[-1:] or [None])[0]


# ------------------------------------------------------------------------------ reading
def sites_of(session: orm.Session, pool: Pool) -> list[Site]:
    return list(session.scalars(sa.select(Site).where(Site.pool_id == pool.id).order_by(Site.name)))


def needs_of(session: orm.Session, pool: Pool, unit: Organisation) -> list[Need]:
    return list(session.scalars(
        sa.select(Need).where(Need.pool_id == pool.id, Need.requester_id == unit.id)
        .options(orm.joinedload(Need.site)).order_by(Need.active.desc(), Need.title)))


def get_need(session: orm.Session, pool: Pool, need_id: int, unit: Optional[Organisation] = None) -> Need:
    """The need, if it belongs to the pool (and to ``unit`` when given); otherwise NotFound."""
    need = session.get(Need, need_id)
    if need is None or need.pool_id != pool.id or (unit is not None and need.requester_id != unit.id):
        raise NotFound(N_("No such need."))
    return need


def requesting_unit(user) -> Organisation:
    """The unit a requester posts for; an account without one reaches no needs."""
    unit = user.organisation
    if unit is None or unit.kind is not OrgKind.requester:
        raise NotFound(N_("No such need."))
    return unit


# ------------------------------------------------------------------------------ writing
def create_need(session: orm.Session, pool: Pool, unit: Organisation, data: NeedInput) -> Need:
    site = validate(session, pool, data)
    need = Need(pool_id=pool.id, requester_id=unit.id, code=_free_code(session, pool, data.title))
    _apply(need, data, site)
    session.add(need)
    session.flush()
    return need


def update_need(session: orm.Session, pool: Pool, unit: Organisation, need_id: int, data: NeedInput) -> Need:
    need = get_need(session, pool, need_id, unit)
    site = validate(session, pool, data)
    _apply(need, data, site)
    session.flush()
    return need


def set_active(session: orm.Session, pool: Pool, unit: Organisation, need_id: int, active: bool) -> Need:
    """Deactivating keeps the need and its history; the next plans leave it out."""
    need = get_need(session, pool, need_id, unit)
    need.active = active
    session.flush()
    return need


def _apply(need: Need, data: NeedInput, site: Site) -> None:
    one_off = bool(data.dates)
    need.site_id = site.id
    need.title = data.title.strip()
    need.activity_kind = data.activity_kind
    need.description = data.description.strip()
    need.contact = data.contact.strip()
    need.weekdays = [] if one_off else sorted(set(data.weekdays))
    need.dates = [d.isoformat() for d in sorted(set(data.dates))]
    need.start_minute = data.start_minute
    need.end_minute = data.end_minute
    need.seats = data.seats
    need.first_day = min(data.dates) if one_off else data.first_day
    need.last_day = max(data.dates) if one_off else data.last_day
    need.follows_school_calendar = data.follows_school_calendar
    need.skills = sorted(set(data.skills))
    need.credentials = sorted(set(data.credentials))
    need.priority = data.priority
    need.confidential = data.confidential


def validate(session: orm.Session, pool: Pool, data: NeedInput) -> Site:
    """Every rule of a need, each raising Invalid naming its field; returns the chosen site."""
    if not data.title.strip():
        raise Invalid("title", N_("Give the need a title."))
    if len(data.title.strip()) > 200:
        raise Invalid("title", N_("Keep the title under 200 characters."))
    site = in_pool(session, Site, pool.id, data.site_id)
    if site is None:
        raise Invalid("site", N_("Choose one of the pool's sites."))
    _validate_days(data)
    if not 0 <= data.start_minute < DAY:
        raise Invalid("start", N_("Give a start time between 00:00 and 23:59."))
    if not 0 <= data.end_minute <= DAY:
        raise Invalid("end", N_("Give an end time between 00:00 and 24:00."))
    if data.end_minute % DAY == data.start_minute:
        raise Invalid("end", N_("The end must differ from the start (an earlier end runs past midnight)."))
    if not 1 <= data.seats <= MAX_SEATS:
        raise Invalid("seats", N_("Ask for between 1 and %(max)s people."), max=MAX_SEATS)
    if not 1 <= data.priority <= 5:
        raise Invalid("priority", N_("The priority runs from 1 (low) to 5 (high)."))
    if data.activity_kind and data.activity_kind not in ACTIVITY_KINDS:
        raise Invalid("activity_kind", N_("Choose one of the listed kinds of activity."))
    for name, tags in (("skills", data.skills), ("credentials", data.credentials)):
        bad = next((t for t in tags if not TAG.match(t)), None)
        if bad is not None:
            raise Invalid(name, N_("%(value)s is not a valid tag: use letters, digits and : . - only."), value=bad)
    if len(data.contact) > 200:
        raise Invalid("contact", N_("Keep the contact under 200 characters."))
    return site


def _validate_days(data: NeedInput) -> None:
    if data.dates:
        if data.weekdays:
            raise Invalid("weekdays", N_("A need has either weekdays or dates, not both."))
        return
    if not data.weekdays:
        raise Invalid("weekdays", N_("Choose at least one weekday, or give dates for a one-off need."))
    if any(not 1 <= d <= 7 for d in data.weekdays):
        raise Invalid("weekdays", N_("Weekdays run from 1 (Monday) to 7 (Sunday)."))
    if data.first_day and data.last_day and data.last_day < data.first_day:
        raise Invalid("last_day", N_("The last day is before the first day."))


def _free_code(session: orm.Session, pool: Pool, title: str) -> str:
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    base = "-".join(re.findall(r"[a-z0-9]+", plain))[:60] or "need"
    taken = set(session.scalars(sa.select(Need.code).where(Need.pool_id == pool.id, Need.code.like(base + "%"))))
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


# ------------------------------------------------------------------------------ staffing
@dataclass
class Occurrence:
    need: Need
    day: dt.date
    seats: int
    published: list[Leader]            # who is coming: shown by name only once published
    proposed: Optional[int] = None     # seats filled in a newer draft or approved version, a count only

    @property
    def open_seats(self) -> int:
        return max(0, self.seats - len(self.published))


def occurrence_days(session: orm.Session, pool: Pool, need: Need, first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    """The days the need runs in first..last, after school breaks, holidays and skipped dates."""
    closed = school_closed_days(session, pool, first, last) if need.follows_school_calendar else set()
    return solver_need(need, {need.site_id: need.site}, first, last, closed).occurrences


def staffing(session: orm.Session, pool: Pool, needs: Iterable[Need], first: dt.date,
             last: dt.date) -> list[Occurrence]:
    """Every occurrence of ``needs`` in first..last with its published crew, and how many seats a
    newer proposal (draft or approved) fills."""
    needs = list(needs)
    ids = [n.id for n in needs]
    published = _crews(session, pool, ids, first, last, (ScheduleState.published,))
    proposed = _crews(session, pool, ids, first, last, (ScheduleState.draft, ScheduleState.approved))
    found = []
    for need in needs:
        for day in occurrence_days(session, pool, need, first, last):
            made, crew = published.get((need.id, day), (0, []))
            newer = proposed.get((need.id, day))
            found.append(Occurrence(need, day, need.seats, sorted(crew, key=lambda l: l.name),
                                    len(newer[1]) if newer and newer[0] > made else None))
    found.sort(key=lambda o: (o.day, o.need.start_minute, o.need.title))
    return found


def _crews(session, pool, need_ids, first, last, states) -> dict[tuple[int, dt.date], tuple[int, list[Leader]]]:
    """Per occurrence, the newest schedule in ``states`` whose period covers its day (by id), and the
    leaders it puts there (possibly none)."""
    schedules = session.scalars(sa.select(Schedule).where(
        Schedule.pool_id == pool.id, Schedule.state.in_(states),
        Schedule.period_start <= last, Schedule.period_end >= first).order_by(Schedule.id)).all()
    if not schedules:
        return {}
    rows = session.scalars(
        sa.select(Assignment).where(Assignment.schedule_id.in_([s.id for s in schedules]),
                                    Assignment.need_id.in_(need_ids), Assignment.day >= first, Assignment.day <= last)
        .options(orm.joinedload(Assignment.leader))).all()
    listed: dict[tuple[int, int, dt.date], list[Leader]] = defaultdict(list)
    for a in rows:
        listed[(a.schedule_id, a.need_id, a.day)].append(a.leader)
    crews = {}
    for day in days(first, last):
        covering = [s for s in schedules if s.period_start <= day <= s.period_end]
        if covering:
            newest = covering[-1].id
            for need_id in need_ids:
                crews[(need_id, day)] = (newest, listed.get((newest, need_id, day), []))
    return crews


def neighbours(session: orm.Session, pool: Pool, unit: Organisation) -> list[Need]:
    """Other units' active needs at the sites where ``unit`` has needs (shown redacted when confidential)."""
    site_ids = sa.select(Need.site_id).where(Need.pool_id == pool.id, Need.requester_id == unit.id, Need.active)
    return list(session.scalars(
        sa.select(Need).where(Need.pool_id == pool.id, Need.active, Need.site_id.in_(site_ids),
                              sa.or_(Need.requester_id.is_(None), Need.requester_id != unit.id))
        .options(orm.joinedload(Need.site)).order_by(Need.title)))


def visible_fields(need: Need, *, full: bool) -> dict:
    """What a viewer may see of a need: a confidential need shows others only time, place and role."""
    shown = {"id": need.id, "site": need.site.name, "activity_kind": need.activity_kind,
             "start": clock(need.start_minute), "end": clock(need.end_minute), "weekdays": list(need.weekdays),
             "dates": list(need.dates), "seats": need.seats, "confidential": need.confidential}
    if full or not need.confidential:
        shown.update(title=need.title, description=need.description, contact=need.contact,
                     requester=need.requester.name if need.requester else None)
    return shown
