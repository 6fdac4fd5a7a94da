"""Leaders as their club manages them, and what a leader reports about themself.

Services take plain, typed values, check every rule, change the models and flush; they never commit.
A club admin reaches only their own club's leaders: any other id looks like a missing one.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Iterator, Optional

import sqlalchemy as sa
from sqlalchemy import orm

from pool.errors import N_, Invalid, NotFound
from pool.models import (Absence, Assignment, AvailabilityWindow, Credential, Leader, Need, Organisation,
                         OrgKind, Pool, User)
from pool.planning import published_assignments
from solver.problem import DAY, span

SOON_DAYS = 30  # a credential expiring within this many days is flagged
MAX_DAY_MINUTES = DAY
MAX_WEEK_MINUTES = 7 * DAY
MAX_WAGE = Decimal("10000")
TAG = re.compile(r"^[\w:+./-]{1,40}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Window:
    """A weekly window; an end at or before its start runs past midnight."""
    weekday: int
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class AbsenceSpan:
    first_day: dt.date
    last_day: dt.date
    reason: str = ""


@dataclass
class LeaderInput:
    """Everything a club states about one leader."""
    name: str
    email: str = ""
    phone: str = ""
    skills: list[str] = field(default_factory=list)
    credentials: dict[str, dt.date] = field(default_factory=dict)
    availability: list[Window] = field(default_factory=list)
    absences: list[AbsenceSpan] = field(default_factory=list)
    max_minutes_per_day: Optional[int] = None
    max_minutes_per_week: Optional[int] = None
    hourly_wage: Optional[Decimal] = None


# ------------------------------------------------------------------------------ reading
def club_of(session: orm.Session, user: User) -> Organisation:
    """The club a club admin manages."""
    club = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    if club is None or club.kind is not OrgKind.club or club.pool_id != user.pool_id:
        raise NotFound(N_("No such club."))
    return club


def club_leaders(session: orm.Session, club: Organisation, *, include_inactive: bool = True) -> list[Leader]:
    query = (sa.select(Leader).where(Leader.club_id == club.id)
             .options(orm.selectinload(Leader.credentials), orm.selectinload(Leader.availability),
                      orm.selectinload(Leader.absences))
             .order_by(Leader.active.desc(), Leader.name))
    if not include_inactive:
        query = query.where(Leader.active)
    return list(session.scalars(query))


def club_leader(session: orm.Session, club: Organisation, leader_id: int) -> Leader:
    leader = session.get(Leader, leader_id)
    if leader is None or leader.club_id != club.id:
        raise NotFound(N_("No such leader."))
    return leader


def leader_of(session: orm.Session, user: User) -> Leader:
    """The leader a leader account is bound to."""
    leader = session.get(Leader, user.leader_id) if user.leader_id else None
    if leader is None or leader.pool_id != user.pool_id:
        raise NotFound(N_("No such leader."))
    return leader


def credential_status(credential: Credential, today: dt.date) -> str:
    """'expired', 'expiring' (within SOON_DAYS) or 'valid'."""
    if credential.valid_until < today:
        return "expired"
    if credential.valid_until <= today + dt.timedelta(days=SOON_DAYS):
        return "expiring"
    return "valid"


def known_skills(session: orm.Session, pool: Pool) -> list[str]:
    """Every tag a leader has or a need asks for in the pool, for pickers."""
    tags: set[str] = set()
    for skills in session.scalars(sa.select(Leader.skills).where(Leader.pool_id == pool.id)):
        tags.update(skills or ())
    for skills in session.scalars(sa.select(Need.skills).where(Need.pool_id == pool.id)):
        tags.update(skills or ())
    return sorted(tags)


def known_credentials(session: orm.Session, pool: Pool) -> list[str]:
    kinds = set(session.scalars(sa.select(Credential.kind).join(Leader).where(Leader.pool_id == pool.id)))
    for wanted in session.scalars(sa.select(Need.credentials).where(Need.pool_id == pool.id)):
        kinds.update(wanted or ())
    return sorted(kinds)


# ------------------------------------------------------------------------------ checking
def problems(session: orm.Session, club: Organisation, data: LeaderInput,
             leader: Optional[Leader] = None, *, taken_emails: Iterable[str] = ()) -> Iterator[Invalid]:
    """Every rule ``data`` breaks, each naming its field; ``taken_emails`` adds emails used elsewhere."""
    if not data.name.strip():
        yield Invalid("name", N_("Enter the leader's name."))
    elif len(data.name.strip()) > 200:
        yield Invalid("name", N_("The name is too long (at most %(max)s characters)."), max=200)
    yield from _email_problems(session, club, data.email, leader, set(taken_emails))
    if len(data.phone.strip()) > 40:
        yield Invalid("phone", N_("The phone number is too long (at most %(max)s characters)."), max=40)
    for tag in data.skills:
        if not TAG.match(tag):
            yield Invalid("skills", N_("'%(tag)s' is not a tag: use letters, digits and : - . only, no spaces."),
                          tag=tag)
    for kind in data.credentials:
        if not TAG.match(kind):
            yield Invalid("credentials", N_("'%(tag)s' is not a credential name: use letters, digits and : - . "
                                            "only, no spaces."), tag=kind)
    for index, window in enumerate(data.availability):
        yield from _window_problems(f"availability[{index}]", window)
    for index, absence in enumerate(data.absences):
        yield from _absence_problems(f"absences[{index}]", absence.first_day, absence.last_day, absence.reason)
    yield from _limit_problems(data)


def _email_problems(session, club, email: str, leader: Optional[Leader], taken: set[str]) -> Iterator[Invalid]:
    email = email.strip().lower()
    if not email:
        return
    if not EMAIL.match(email) or len(email) > 200:
        yield Invalid("email", N_("Enter a valid email address."))
        return
    same = sa.select(Leader.id).where(Leader.pool_id == club.pool_id, sa.func.lower(Leader.email) == email)
    if leader is not None and leader.id is not None:
        same = same.where(Leader.id != leader.id)
    if email in taken or session.scalar(same.limit(1)) is not None:
        yield Invalid("email", N_("Another leader already has the email %(email)s."), email=email)


def _window_problems(path: str, window: Window) -> Iterator[Invalid]:
    if not 1 <= window.weekday <= 7:
        yield Invalid(f"{path}.weekday", N_("%(value)s is not a weekday (1 = Monday … 7 = Sunday)."),
                      value=window.weekday)
    if not 0 <= window.start_minute < DAY:
        yield Invalid(f"{path}.start", N_("A start time must be between 00:00 and 23:59."))
    if not 0 <= window.end_minute <= DAY:
        yield Invalid(f"{path}.end", N_("An end time must be between 00:00 and 24:00."))
    elif window.end_minute == window.start_minute:
        yield Invalid(f"{path}.end", N_("A window must end at another time than it starts."))


def _absence_problems(path: str, first: dt.date, last: dt.date, reason: str) -> Iterator[Invalid]:
    if last < first:
        yield Invalid(f"{path}.last_day", N_("The last day must not be before the first day."))
    elif (last - first).days > 366:
        yield Invalid(f"{path}.last_day", N_("An absence can last at most a year; deactivate the leader instead."))
    if len(reason) > 200:
        yield Invalid(f"{path}.reason", N_("The reason is too long (at most %(max)s characters)."), max=200)


def _limit_problems(data: LeaderInput) -> Iterator[Invalid]:
    for name, value, most in (("max_minutes_per_day", data.max_minutes_per_day, MAX_DAY_MINUTES),
                              ("max_minutes_per_week", data.max_minutes_per_week, MAX_WEEK_MINUTES)):
        if value is not None and not 0 < value <= most:
            yield Invalid(name, N_("A limit must be above 0 and at most %(hours)s hours (%(max)s minutes)."),
                          hours=most // 60, max=most)
    if (data.max_minutes_per_day and data.max_minutes_per_week
            and data.max_minutes_per_week < data.max_minutes_per_day):
        yield Invalid("max_minutes_per_week", N_("The weekly limit cannot be below the daily limit."))
    if data.hourly_wage is not None and not Decimal(0) <= data.hourly_wage < MAX_WAGE:
        yield Invalid("hourly_wage", N_("Enter an hourly wage between 0 and %(max)s kronor."), max=MAX_WAGE)


def check(session: orm.Session, club: Organisation, data: LeaderInput, leader: Optional[Leader] = None) -> None:
    for problem in problems(session, club, data, leader):
        raise problem


# ------------------------------------------------------------------------------ writing
def normal_tags(tags: Iterable[str]) -> list[str]:
    """Tags trimmed and de-duplicated in their given order; case is kept (licence:B)."""
    seen: dict[str, None] = {}
    for tag in tags:
        tag = tag.strip()
        if tag:
            seen.setdefault(tag)
    return list(seen)


def create_leader(session: orm.Session, club: Organisation, data: LeaderInput) -> Leader:
    leader = Leader(pool_id=club.pool_id, club_id=club.id, code=_free_code(session, club.pool_id, data.name))
    _apply(session, club, leader, data)
    session.add(leader)
    session.flush()
    return leader


def update_leader(session: orm.Session, club: Organisation, leader: Leader, data: LeaderInput) -> Leader:
    if leader.club_id != club.id:
        raise NotFound(N_("No such leader."))
    _apply(session, club, leader, data)
    session.flush()
    return leader


def _apply(session: orm.Session, club: Organisation, leader: Leader, data: LeaderInput) -> None:
    data.skills = normal_tags(data.skills)
    check(session, club, data, leader)
    leader.name = data.name.strip()
    leader.email = data.email.strip().lower()
    leader.phone = data.phone.strip()
    leader.skills = data.skills
    leader.max_minutes_per_day = data.max_minutes_per_day
    leader.max_minutes_per_week = data.max_minutes_per_week
    leader.hourly_wage = data.hourly_wage
    _replace_credentials(leader, data.credentials)
    _replace_windows(leader, data.availability)
    leader.absences = [Absence(first_day=a.first_day, last_day=a.last_day, reason=a.reason.strip())
                       for a in sorted(set(data.absences), key=lambda a: (a.first_day, a.last_day))]


def _replace_credentials(leader: Leader, credentials: dict[str, dt.date]) -> None:
    """Keep the rows of kinds that stay, so the (leader, kind) unique key never collides mid-flush."""
    kept = {c.kind: c for c in leader.credentials if c.kind in credentials}
    for kind, until in credentials.items():
        if kind in kept:
            kept[kind].valid_until = until
        else:
            kept[kind] = Credential(kind=kind, valid_until=until)
    leader.credentials = sorted(kept.values(), key=lambda c: c.kind)


def _replace_windows(leader: Leader, windows: Iterable[Window]) -> None:
    leader.availability = [AvailabilityWindow(weekday=w.weekday, start_minute=w.start_minute,
                                              end_minute=w.end_minute)
                           for w in sorted(set(windows), key=lambda w: (w.weekday, w.start_minute))]


def _free_code(session: orm.Session, pool_id: int, name: str) -> str:
    base = _slug(name) or "leader"
    taken = set(session.scalars(sa.select(Leader.code).where(Leader.pool_id == pool_id,
                                                             Leader.code.like(f"{base}%"))))
    code, number = base, 2
    while code in taken:
        code, number = f"{base}-{number}", number + 1
    return code


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(filter(None, re.sub(r"[^a-z0-9]+", " ", plain).split()))[:50]


def set_active(session: orm.Session, club: Organisation, leader: Leader, active: bool) -> None:
    """Deactivating keeps the leader's history; the planner stops offering them."""
    if leader.club_id != club.id:
        raise NotFound(N_("No such leader."))
    leader.active = active
    session.flush()


def set_pledge(session: orm.Session, club: Organisation, minutes_per_week: Optional[int]) -> None:
    """The hours a week the club pledges to the pool, in minutes."""
    if minutes_per_week is not None and not 0 <= minutes_per_week <= 100 * MAX_WEEK_MINUTES:
        raise Invalid("pledged_minutes_per_week", N_("Enter a pledge between 0 and %(max)s hours a week."),
                      max=100 * MAX_WEEK_MINUTES // 60)
    club.pledged_minutes_per_week = minutes_per_week
    session.flush()


def set_availability(session: orm.Session, leader: Leader, windows: Iterable[Window]) -> None:
    windows = list(windows)
    for index, window in enumerate(windows):
        for problem in _window_problems(f"availability[{index}]", window):
            raise problem
    _replace_windows(leader, windows)
    session.flush()


def add_absence(session: orm.Session, leader: Leader, first: dt.date, last: dt.date, reason: str = "") -> Absence:
    for problem in _absence_problems("absence", first, last, reason):
        raise Invalid(problem.field.removeprefix("absence."), problem.message, **problem.params)
    absence = Absence(first_day=first, last_day=last, reason=reason.strip())
    leader.absences.append(absence)
    session.flush()
    return absence


def report_absence(session: orm.Session, leader: Leader, first: dt.date, last: dt.date, reason: str,
                   *, today: Optional[dt.date] = None) -> Absence:
    """A leader's own report; it cannot reach into the past, where the coordinator has nothing to re-plan."""
    today = today or dt.date.today()
    if first < today:
        raise Invalid("first_day", N_("The first day cannot be in the past."))
    if not reason.strip():
        raise Invalid("reason", N_("Say briefly why, e.g. ill, exam, holiday."))
    return add_absence(session, leader, first, last, reason)


def remove_absence(session: orm.Session, leader: Leader, absence_id: int) -> None:
    absence = next((a for a in leader.absences if a.id == absence_id), None)
    if absence is None:
        raise NotFound(N_("No such absence."))
    leader.absences.remove(absence)
    session.flush()


# ------------------------------------------------------------------------------ a leader's week
def iso_week(text: str) -> dt.date:
    """'2027-W03' → the Monday of that ISO week."""
    match = re.fullmatch(r"(\d{4})-?W(\d{1,2})", text.strip(), re.IGNORECASE)
    try:
        if match:
            return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        pass
    raise Invalid("week", N_("'%(value)s' is not an ISO week such as 2027-W03."), value=text)


def week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def leader_assignments(session: orm.Session, leader: Leader, first: dt.date, last: dt.date) -> list[Assignment]:
    """The leader's published assignments in first..last, in time order."""
    pool = session.get(Pool, leader.pool_id)
    rows = [a for a in published_assignments(session, pool, first, last) if a.leader_id == leader.id]
    return sorted(rows, key=lambda a: (a.day, a.need.start_minute, a.need.title))


def assignment_span(assignment: Assignment) -> tuple[dt.datetime, dt.datetime]:
    """Local naive start and end; an end at or before the start falls on the next day."""
    start, end = span(assignment.need.start_minute, assignment.need.end_minute)
    midnight = dt.datetime.combine(assignment.day, dt.time())
    return midnight + dt.timedelta(minutes=start), midnight + dt.timedelta(minutes=end)
