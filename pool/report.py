"""The funders' report: quarterly figures that fall out of the published schedules and the attendance notes.

Definitions (every figure below is one function with its definition in its docstring):

* An **occurrence** is a date on which a need takes place according to its rule (weekdays or dates,
  first..last day, minus skipped dates and, for school needs, school breaks and holidays), counted only
  on days a published schedule covers.
* A **session** is an occurrence with at least one leader assigned in a published schedule; its **crew**
  is those leaders. A **slot** is one leader at one session.
* A session's **status**: ``held`` or ``cancelled`` when attendance was recorded; otherwise
  ``unconfirmed`` once it has started (the plan says it happened, nobody confirmed it) and ``upcoming``
  before. Unconfirmed sessions count as delivered — the leaders were scheduled and are paid — but every
  figure that includes them also shows them apart, so a funder sees how much rests on confirmation.
* **Delivered** sessions are the held and unconfirmed ones. Hours delivered = Σ over delivered slots of
  the session's duration (a night running past midnight counts its full length).
* A **funding link** covers a slot when the session's day lies within the link's first..last day and the
  link names the session's need, the need's activity kind, or the club of the slot's leader (a club's
  pool contribution). A funder's figures are computed over the slots its links cover, and over the
  sessions with at least one such slot; each funder sees the activities it supports in full.
* **Wage cost** of a slot = hours × the leader's hourly wage (none recorded: no cost, counted apart).
  When several links cover a slot its cost is split between them in proportion to the links' amounts
  (equally when all amounts are 0); a slot no link covers is "not funded". The split makes the cost per
  funding source add up to the total cost.

Everything is computed from plain rows (:class:`Occurrence`, :class:`Member`, funding links); the queries
that produce them are at the end of the module.
"""
from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Callable, Hashable, Iterable, Optional, Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import orm

from pool.errors import N_, Invalid
from pool.models import Assignment, Attendance, Funding, Leader, Need, Pool, Schedule, ScheduleState
from pool.planning import build_problem
from solver.problem import span

HELD, CANCELLED, UNCONFIRMED, UPCOMING = "held", "cancelled", "unconfirmed", "upcoming"
DELIVERED = (HELD, UNCONFIRMED)
STATUSES = (HELD, UNCONFIRMED, CANCELLED, UPCOMING)
NOT_FUNDED = None  # the funding source of cost no link covers
SMALL = 5  # a figure that counts fewer people than this is shown as "<5" to funders


# ------------------------------------------------------------------------------ plain rows
@dataclass(frozen=True)
class Member:
    """One leader in a session's crew, with what the report needs of them (never a name)."""
    leader_id: int
    club_id: int
    hourly_wage: Optional[Decimal]


@dataclass(frozen=True)
class Occurrence:
    need_id: int
    day: dt.date
    title: str
    kind: str
    area: str
    confidential: bool
    seats: int
    minutes: int
    starts_at: dt.datetime  # local, naive
    crew: tuple[Member, ...] = ()
    status: str = UPCOMING
    participants: Optional[int] = None
    girls: Optional[int] = None
    partial: bool = False  # only some of the crew is in scope (a club link): no fill rate

    @property
    def is_session(self) -> bool:
        return bool(self.crew)

    @property
    def delivered(self) -> bool:
        return self.is_session and self.status in DELIVERED


class Link(Protocol):
    """A funding link as the report reads it (pool.models.Funding has these attributes)."""
    funder_id: int
    need_id: Optional[int]
    activity_kind: Optional[str]
    club_id: Optional[int]
    first_day: dt.date
    last_day: dt.date
    amount: Decimal


@dataclass(frozen=True)
class Slot:
    occurrence: Occurrence
    member: Member

    @property
    def minutes(self) -> int:
        return self.occurrence.minutes

    @property
    def confirmed(self) -> bool:
        return self.occurrence.status == HELD


@dataclass
class Hours:
    """Delivered minutes, confirmed (held) and unconfirmed apart."""
    confirmed_minutes: int = 0
    unconfirmed_minutes: int = 0

    @property
    def minutes(self) -> int:
        return self.confirmed_minutes + self.unconfirmed_minutes

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def confirmed_hours(self) -> float:
        return self.confirmed_minutes / 60

    @property
    def unconfirmed_hours(self) -> float:
        return self.unconfirmed_minutes / 60

    def add(self, slot: Slot) -> None:
        if slot.confirmed:
            self.confirmed_minutes += slot.minutes
        else:
            self.unconfirmed_minutes += slot.minutes


# ------------------------------------------------------------------------------ quarters
@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> dt.date:
        return self.next().first - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def back(self, count: int) -> list["Quarter"]:
        """This quarter and the ``count - 1`` before it, oldest first."""
        quarters = [self]
        while len(quarters) < count:
            quarters.insert(0, quarters[0].previous())
        return quarters


def quarter_of(day: dt.date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def parse_quarter(text: str) -> Quarter:
    """'2027-Q1' (or '2027Q1', 'q1 2027' is not accepted) → Quarter(2027, 1)."""
    match = re.fullmatch(r"(\d{4})-?Q([1-4])", text.strip(), re.IGNORECASE)
    if not match:
        raise Invalid("quarter", N_("'%(value)s' is not a quarter such as 2027-Q1."), value=text)
    return Quarter(int(match[1]), int(match[2]))


# ------------------------------------------------------------------------------ building blocks
def status_of(attendance_held: Optional[bool], starts_at: dt.datetime, now: dt.datetime) -> str:
    """held/cancelled from a recorded attendance, else unconfirmed once started, upcoming before."""
    if attendance_held is not None:
        return HELD if attendance_held else CANCELLED
    return UNCONFIRMED if starts_at <= now else UPCOMING


def sessions(occurrences: Iterable[Occurrence]) -> list[Occurrence]:
    """Occurrences with at least one leader assigned in a published schedule."""
    return [o for o in occurrences if o.is_session]


def delivered_slots(occurrences: Iterable[Occurrence]) -> list[Slot]:
    """One slot per leader of each delivered (held or unconfirmed) session."""
    return [Slot(o, m) for o in occurrences if o.delivered for m in o.crew]


def covers(link: Link, occurrence: Occurrence, member: Optional[Member] = None) -> bool:
    """Whether ``link`` covers the slot (or, without a member, the whole occurrence by need or kind)."""
    if not link.first_day <= occurrence.day <= link.last_day:
        return False
    if link.need_id is not None:
        return link.need_id == occurrence.need_id
    if link.activity_kind is not None:
        return link.activity_kind == occurrence.kind
    return member is not None and link.club_id == member.club_id


# ------------------------------------------------------------------------------ figures
def session_counts(occurrences: Iterable[Occurrence]) -> Counter:
    """Sessions per status, plus ``planned`` = all sessions of the period whatever their status."""
    counts = Counter({status: 0 for status in STATUSES})
    for o in sessions(occurrences):
        counts[o.status] += 1
        counts["planned"] += 1
    return counts


def hours_delivered(occurrences: Iterable[Occurrence]) -> Hours:
    """Hours delivered = Σ over delivered slots of the session's duration (held and unconfirmed apart)."""
    total = Hours()
    for slot in delivered_slots(occurrences):
        total.add(slot)
    return total


def hours_by(occurrences: Iterable[Occurrence], key: Callable[[Slot], Hashable]) -> dict[Hashable, Hours]:
    """Hours delivered grouped by ``key`` of each slot: activity kind, area, or the leader's club."""
    groups: dict[Hashable, Hours] = defaultdict(Hours)
    for slot in delivered_slots(occurrences):
        groups[key(slot)].add(slot)
    return dict(groups)


def by_kind(slot: Slot) -> str:
    return slot.occurrence.kind


def by_area(slot: Slot) -> str:
    return slot.occurrence.area


def by_club(slot: Slot) -> int:
    return slot.member.club_id


def hours_by_funder(occurrences: Iterable[Occurrence], links: Iterable[Link]) -> dict[int, Hours]:
    """Per funder, the hours of delivered slots at least one of its links covers; a slot that several
    funders support counts in full for each (hours are not money)."""
    links = list(links)
    groups: dict[int, Hours] = defaultdict(Hours)
    for slot in delivered_slots(occurrences):
        for funder_id in {l.funder_id for l in links if covers(l, slot.occurrence, slot.member)}:
            groups[funder_id].add(slot)
    return dict(groups)


def fill_rate(occurrences: Iterable[Occurrence]) -> Optional[float]:
    """Seats filled ÷ seats asked over all occurrences (staffed or not) of the period; a seat counts as
    filled when a leader is assigned, at most ``seats`` per occurrence. None when nothing was asked."""
    whole = [o for o in occurrences if not o.partial]
    asked = sum(o.seats for o in whole)
    filled = sum(min(len(o.crew), o.seats) for o in whole)
    return filled / asked if asked else None


def continuity(occurrences: Iterable[Occurrence]) -> Optional[float]:
    """The same people on the same need: per need, min(1, seats ÷ distinct leaders over its sessions of
    the period), averaged over needs weighted by their number of sessions (1.0 = always the same crew;
    0.5 = twice as many people rotated through as there are seats). None without sessions."""
    people: dict[int, set[int]] = defaultdict(set)
    count: Counter = Counter()
    seats: dict[int, int] = {}
    for o in sessions(occurrences):
        people[o.need_id].update(m.leader_id for m in o.crew)
        count[o.need_id] += 1
        seats[o.need_id] = o.seats
    total = sum(count.values())
    if not total:
        return None
    return sum(n * min(1.0, seats[need] / len(people[need])) for need, n in count.items()) / total


@dataclass(frozen=True)
class Participation:
    sessions: int  # held sessions with counts
    participants: int
    girls: int

    @property
    def per_session(self) -> Optional[float]:
        return self.participants / self.sessions if self.sessions else None

    @property
    def girls_share(self) -> Optional[float]:
        return self.girls / self.participants if self.participants else None


def participation(occurrences: Iterable[Occurrence]) -> Participation:
    """Over held sessions (attendance recorded as held): participants in total and per session, and the
    girls' share = girls ÷ participants. Unconfirmed sessions have no counts and are left out."""
    held = [o for o in sessions(occurrences) if o.status == HELD and o.participants is not None]
    return Participation(len(held), sum(o.participants for o in held), sum(o.girls or 0 for o in held))


def participation_by(occurrences: Iterable[Occurrence], key: Callable[[Occurrence], Hashable]
                     ) -> dict[Hashable, Participation]:
    """:func:`participation` per group of sessions, e.g. per activity (need) or activity kind."""
    groups: dict[Hashable, list[Occurrence]] = defaultdict(list)
    for o in sessions(occurrences):
        groups[key(o)].append(o)
    return {k: participation(rows) for k, rows in groups.items()}


def leader_minutes(occurrences: Iterable[Occurrence]) -> dict[int, int]:
    """Delivered minutes per leader."""
    minutes: Counter = Counter()
    for slot in delivered_slots(occurrences):
        minutes[slot.member.leader_id] += slot.minutes
    return dict(minutes)


def paid_leaders(occurrences: Iterable[Occurrence]) -> int:
    """Leaders given paid hours: distinct leaders with at least one delivered slot."""
    return len(leader_minutes(occurrences))


def new_leaders(occurrences: Iterable[Occurrence], first_paid: dict[int, dt.date], first: dt.date,
                last: dt.date) -> int:
    """Leaders whose first delivered slot ever (in any published schedule) lies in first..last: people
    who got their first paid hours in the pool this period — the labour-market leg."""
    return sum(1 for leader in leader_minutes(occurrences)
               if first_paid.get(leader) is not None and first <= first_paid[leader] <= last)


def hours_per_leader(occurrences: Iterable[Occurrence]) -> tuple[Optional[float], Optional[float]]:
    """Mean and median delivered hours of the leaders given paid hours."""
    minutes = list(leader_minutes(occurrences).values())
    if not minutes:
        return None, None
    return statistics.fmean(minutes) / 60, statistics.median(minutes) / 60


@dataclass
class Cost:
    amount: Decimal = Decimal(0)
    minutes: int = 0


def wage_cost_by_source(occurrences: Iterable[Occurrence], links: Iterable[Link]) -> dict[Optional[int], Cost]:
    """Wage cost (hours × hourly wage) of delivered slots per funder; a slot several links cover is split
    in proportion to the links' amounts (equally when they are all 0); uncovered cost goes to
    ``NOT_FUNDED`` (None). ``minutes`` is the matching share of hours, so sources add up to the total."""
    links = list(links)
    sources: dict[Optional[int], Cost] = defaultdict(Cost)
    for slot in delivered_slots(occurrences):
        wage = slot.member.hourly_wage or Decimal(0)
        cost = wage * slot.minutes / 60
        covering = [l for l in links if covers(l, slot.occurrence, slot.member)]
        for funder_id, share in _shares(covering).items():
            sources[funder_id].amount += cost * share
            sources[funder_id].minutes += slot.minutes * share
    return dict(sources)


def _shares(covering: list[Link]) -> dict[Optional[int], Decimal]:
    if not covering:
        return {NOT_FUNDED: Decimal(1)}
    total = sum((Decimal(l.amount) for l in covering), Decimal(0))
    shares: dict[Optional[int], Decimal] = defaultdict(Decimal)
    for link in covering:
        shares[link.funder_id] += Decimal(link.amount) / total if total else Decimal(1) / len(covering)
    return shares


def wage_cost(occurrences: Iterable[Occurrence]) -> Decimal:
    """Total wage cost of delivered slots."""
    return sum((slot.member.hourly_wage or Decimal(0)) * slot.minutes / 60
               for slot in delivered_slots(occurrences)) or Decimal(0)


def minutes_without_wage(occurrences: Iterable[Occurrence]) -> int:
    """Delivered minutes of leaders with no hourly wage recorded (their cost is unknown, counted as 0)."""
    return sum(slot.minutes for slot in delivered_slots(occurrences) if slot.member.hourly_wage is None)


def scope_to_funder(occurrences: Iterable[Occurrence], links: Iterable[Link]) -> list[Occurrence]:
    """What a funder's links cover: occurrences of a funded need or kind whole (staffed or not, for the
    fill rate), and sessions a funded club staffed with only that club's leaders (``partial``)."""
    links = list(links)
    scoped = []
    for o in occurrences:
        if any(covers(l, o) for l in links if l.club_id is None):
            scoped.append(o)
            continue
        crew = tuple(m for m in o.crew if any(covers(l, o, m) for l in links))
        if crew:
            scoped.append(replace(o, crew=crew, partial=True))
    return scoped


def within(occurrences: Iterable[Occurrence], first: dt.date, last: dt.date) -> list[Occurrence]:
    return [o for o in occurrences if first <= o.day <= last]


# ------------------------------------------------------------------------------ one period's figures
@dataclass
class Summary:
    """The headline figures of one period (a quarter) and one scope (the pool or a funder)."""
    sessions: Counter
    hours: Hours
    fill: Optional[float]
    continuity: Optional[float]
    paid_leaders: int
    new_leaders: int
    hours_per_leader_mean: Optional[float]
    hours_per_leader_median: Optional[float]
    participation: Participation
    wage_cost: Decimal
    minutes_without_wage: int


def summary(occurrences: list[Occurrence], first_paid: dict[int, dt.date], first: dt.date,
            last: dt.date) -> Summary:
    mean, median = hours_per_leader(occurrences)
    return Summary(sessions=session_counts(occurrences), hours=hours_delivered(occurrences),
                   fill=fill_rate(occurrences), continuity=continuity(occurrences),
                   paid_leaders=paid_leaders(occurrences),
                   new_leaders=new_leaders(occurrences, first_paid, first, last),
                   hours_per_leader_mean=mean, hours_per_leader_median=median,
                   participation=participation(occurrences), wage_cost=wage_cost(occurrences),
                   minutes_without_wage=minutes_without_wage(occurrences))


@dataclass
class Report:
    """Everything the report pages and exports show for one quarter, with the quarters before it."""
    quarter: Quarter
    scope_funder_id: Optional[int]
    summary: Summary
    by_kind: dict[str, Hours]
    by_club: dict[int, Hours]
    by_area: dict[str, Hours]
    by_funder: dict[int, Hours]
    sessions_by_kind: dict[str, tuple[Counter, Optional[float], Optional[float]]]
    participation_by_activity: dict[tuple, Participation]
    cost_by_source: dict[Optional[int], Cost]
    trend: list[tuple[Quarter, Summary]] = field(default_factory=list)


def build_report(occurrences: list[Occurrence], links: list[Link], first_paid: dict[int, dt.date],
                 quarter: Quarter, *, funder_id: Optional[int] = None, trend_quarters: int = 4) -> Report:
    """The report of ``quarter`` over the pool, or over what ``funder_id``'s links cover. ``occurrences``
    must span the trend's quarters; wage cost is split over all links, so each funder sees its share."""
    all_links = links
    if funder_id is not None:
        own = [l for l in links if l.funder_id == funder_id]
        occurrences = scope_to_funder(occurrences, own)
        links = own
    now = within(occurrences, quarter.first, quarter.last)
    kinds: dict[str, list[Occurrence]] = defaultdict(list)
    for o in now:
        kinds[o.kind].append(o)
    costs = wage_cost_by_source(now, all_links)
    if funder_id is not None:
        costs = _own_and_others(costs, funder_id)
    return Report(
        quarter=quarter, scope_funder_id=funder_id,
        summary=summary(now, first_paid, quarter.first, quarter.last),
        by_kind=hours_by(now, by_kind), by_club=hours_by(now, by_club), by_area=hours_by(now, by_area),
        by_funder=hours_by_funder(now, links),
        sessions_by_kind={k: (session_counts(rows), fill_rate(rows), continuity(rows)) for k, rows in kinds.items()},
        participation_by_activity=participation_by(now, activity_key),
        cost_by_source=costs,
        trend=[(q, summary(within(occurrences, q.first, q.last), first_paid, q.first, q.last))
               for q in quarter.back(trend_quarters)])


OTHER_FUNDERS = -1  # the co-funders of a funder's activities, summed: a funder sees its own share only


def _own_and_others(costs: dict[Optional[int], Cost], funder_id: int) -> dict[Optional[int], Cost]:
    merged: dict[Optional[int], Cost] = defaultdict(Cost)
    for source, cost in costs.items():
        key = source if source in (funder_id, NOT_FUNDED) else OTHER_FUNDERS
        merged[key].amount += cost.amount
        merged[key].minutes += cost.minutes
    return dict(merged)


def activity_key(o: Occurrence) -> tuple:
    """An activity as a funder may see it: a confidential need shows only its kind and area."""
    if o.confidential:
        return ("", o.kind, o.area)
    return (o.title, o.kind, o.area)


def shown_count(value: Optional[int], suppress: bool) -> object:
    """A count of people as shown: "<5" under five when ``suppress`` (funders), else the number."""
    if value is None:
        return None
    return f"<{SMALL}" if suppress and value < SMALL else value


# ------------------------------------------------------------------------------ queries
def local_now(pool: Pool) -> dt.datetime:
    return dt.datetime.now(ZoneInfo(pool.timezone)).replace(tzinfo=None)


def load_occurrences(session: orm.Session, pool: Pool, first: dt.date, last: dt.date,
                     now: dt.datetime) -> list[Occurrence]:
    """Every occurrence in first..last on days a published schedule covers, with crew and status."""
    covered = _published_days(session, pool, first, last)
    needs = {n.id: n for n in session.scalars(
        sa.select(Need).where(Need.pool_id == pool.id).options(orm.selectinload(Need.site)))}
    crews = _crews(session, pool, first, last)
    keys = set(crews)
    if covered:
        by_code = {n.code: n.id for n in needs.values()}
        problem = build_problem(session, pool, min(covered), max(covered), baseline=(), pinned=())
        keys |= {(by_code[code], day) for code, need in problem.needs.items()
                 for day in need.occurrences if day in covered}
    notes = {(a.need_id, a.day): a for a in session.scalars(
        sa.select(Attendance).where(Attendance.pool_id == pool.id, Attendance.day >= first, Attendance.day <= last))}
    return [_occurrence(needs[need_id], day, crews.get((need_id, day), ()), notes.get((need_id, day)), now)
            for need_id, day in sorted(keys, key=lambda k: (k[1], k[0]))]


def _occurrence(need: Need, day: dt.date, crew, note: Optional[Attendance], now: dt.datetime) -> Occurrence:
    start, end = span(need.start_minute, need.end_minute)
    starts_at = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=start)
    return Occurrence(
        need_id=need.id, day=day, title=need.title, kind=need.activity_kind or "", area=need.site.area or "",
        confidential=need.confidential, seats=need.seats, minutes=end - start, starts_at=starts_at,
        crew=tuple(sorted(crew, key=lambda m: m.leader_id)),
        status=status_of(note.held if note else None, starts_at, now),
        participants=note.participants if note and note.held else None,
        girls=note.girls if note and note.held else None)


def _published_days(session: orm.Session, pool: Pool, first: dt.date, last: dt.date) -> set[dt.date]:
    days: set[dt.date] = set()
    for start, end in session.execute(
            sa.select(Schedule.period_start, Schedule.period_end)
            .where(Schedule.pool_id == pool.id, Schedule.state == ScheduleState.published,
                   Schedule.period_start <= last, Schedule.period_end >= first)):
        day = max(start, first)
        while day <= min(end, last):
            days.add(day)
            day += dt.timedelta(days=1)
    return days


def _crews(session: orm.Session, pool: Pool, first: dt.date, last: dt.date) -> dict[tuple, set[Member]]:
    crews: dict[tuple, set[Member]] = defaultdict(set)
    for need_id, day, leader_id, club_id, wage in session.execute(
            sa.select(Assignment.need_id, Assignment.day, Leader.id, Leader.club_id, Leader.hourly_wage)
            .join(Schedule, Assignment.schedule_id == Schedule.id).join(Leader, Assignment.leader_id == Leader.id)
            .where(Schedule.pool_id == pool.id, Schedule.state == ScheduleState.published,
                   Assignment.day >= first, Assignment.day <= last)):
        crews[(need_id, day)].add(Member(leader_id, club_id, wage))
    return crews


def first_paid_days(session: orm.Session, pool: Pool, last: dt.date) -> dict[int, dt.date]:
    """Per leader, the day of their first published assignment up to ``last`` whose session was not
    cancelled (their first paid hours in the pool)."""
    cancelled = set(tuple(row) for row in session.execute(sa.select(Attendance.need_id, Attendance.day).where(
        Attendance.pool_id == pool.id, Attendance.held.is_(False), Attendance.day <= last)))
    first: dict[int, dt.date] = {}
    for leader_id, need_id, day in session.execute(
            sa.select(Assignment.leader_id, Assignment.need_id, Assignment.day).join(Schedule)
            .where(Schedule.pool_id == pool.id, Schedule.state == ScheduleState.published, Assignment.day <= last)
            .order_by(Assignment.day)):
        if (need_id, day) not in cancelled:
            first.setdefault(leader_id, day)
    return first


def funding_links(session: orm.Session, pool: Pool) -> list[Funding]:
    return list(session.scalars(sa.select(Funding).where(Funding.pool_id == pool.id).order_by(Funding.id)))


def pool_report(session: orm.Session, pool: Pool, quarter: Quarter, *, funder_id: Optional[int] = None,
                now: Optional[dt.datetime] = None, trend_quarters: int = 4) -> Report:
    """The report of ``quarter`` from the database, for the whole pool or one funder."""
    now = now or local_now(pool)
    first = quarter.back(trend_quarters)[0].first
    occurrences = load_occurrences(session, pool, first, quarter.last, now)
    return build_report(occurrences, funding_links(session, pool), first_paid_days(session, pool, quarter.last),
                        quarter, funder_id=funder_id, trend_quarters=trend_quarters)
