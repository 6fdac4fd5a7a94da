"""The pool's persistent domain: every record belongs to one pool, and pools never see each other.

Times of day are stored as minutes after midnight (0..1440); an end at or before its start runs
past midnight. Dates are local dates in the pool's time zone.
"""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(orm.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map = {dict: sa.JSON, list: sa.JSON}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Aware UTC; SQLite hands back naive datetimes that were stored as UTC."""
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


class OrgKind(str, enum.Enum):
    club = "club"
    requester = "requester"
    funder = "funder"


class Role(str, enum.Enum):
    coordinator = "coordinator"
    club_admin = "club_admin"
    requester = "requester"
    leader = "leader"
    funder = "funder"


class ScheduleState(str, enum.Enum):
    draft = "draft"
    approved = "approved"
    published = "published"
    superseded = "superseded"


class CalendarKind(str, enum.Enum):
    term = "term"
    school_break = "break"


def in_pool(session: orm.Session, model, pool_id: int, row_id: Optional[int]):
    """The row ``row_id`` of ``model`` when it belongs to pool ``pool_id``; another pool's row is as good as
    missing (None), so no lookup by id can reach across pools."""
    row = session.get(model, row_id) if row_id is not None else None
    return row if row is not None and row.pool_id == pool_id else None


def enum_column(kind: type[enum.Enum]) -> sa.Enum:
    return sa.Enum(kind, native_enum=False, length=20, validate_strings=True,
                   values_callable=lambda e: [m.value for m in e])


class Pool(Base):
    """A municipality, or a region of several, whose parties share one pool of leaders."""
    __tablename__ = "pools"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(60), default="Europe/Stockholm")
    holiday_country: Mapped[str] = mapped_column(sa.String(2), default="SE")
    default_travel_minutes: Mapped[int] = mapped_column(default=15)


class Organisation(Base):
    """A club that offers leaders, a unit that requests them, or a funder."""
    __tablename__ = "organisations"
    __table_args__ = (sa.UniqueConstraint("pool_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind))
    name: Mapped[str] = mapped_column(sa.String(200))
    unit_type: Mapped[str] = mapped_column(sa.String(60), default="")  # school, social services …
    pledged_minutes_per_week: Mapped[Optional[int]]
    contact_email: Mapped[str] = mapped_column(sa.String(200), default="")

    leaders: Mapped[list["Leader"]] = relationship(back_populates="club")


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (sa.UniqueConstraint("pool_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(200))
    area: Mapped[str] = mapped_column(sa.String(100), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    calendar_token: Mapped[Optional[str]] = mapped_column(sa.String(64), unique=True)  # secret feed URL


class Travel(Base):
    """Minutes between two sites, stored once per pair with the lower site id first."""
    __tablename__ = "travel_times"
    __table_args__ = (sa.CheckConstraint("from_site_id < to_site_id", name="ordered_pair"),
                      sa.CheckConstraint("minutes >= 0", name="non_negative"))
    from_site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    to_site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    minutes: Mapped[int]


class Leader(Base):
    __tablename__ = "leaders"
    __table_args__ = (sa.UniqueConstraint("pool_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    club_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    skills: Mapped[list] = mapped_column(default=list)  # free tags: lang:so, female, licence:B …
    max_minutes_per_day: Mapped[Optional[int]]
    max_minutes_per_week: Mapped[Optional[int]]
    hourly_wage: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(8, 2))
    active: Mapped[bool] = mapped_column(default=True)
    calendar_token: Mapped[Optional[str]] = mapped_column(sa.String(64), unique=True)  # secret feed URL
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # set when the leader's personal data was erased (pool/privacy.py); the row stays for the history
    erased_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))

    club: Mapped[Organisation] = relationship(back_populates="leaders")
    credentials: Mapped[list["Credential"]] = relationship(
        back_populates="leader", cascade="all, delete-orphan", order_by="Credential.kind")
    availability: Mapped[list["AvailabilityWindow"]] = relationship(
        back_populates="leader", cascade="all, delete-orphan",
        order_by="(AvailabilityWindow.weekday, AvailabilityWindow.start_minute)")
    absences: Mapped[list["Absence"]] = relationship(
        back_populates="leader", cascade="all, delete-orphan", order_by="Absence.first_day")


class Credential(Base):
    """A credential such as a background check (belastningsregisterutdrag), valid until a date."""
    __tablename__ = "credentials"
    __table_args__ = (sa.UniqueConstraint("leader_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("leaders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    valid_until: Mapped[dt.date]

    leader: Mapped[Leader] = relationship(back_populates="credentials")


class AvailabilityWindow(Base):
    """A weekly window; an end at or before its start runs past midnight into the next day."""
    __tablename__ = "availability_windows"
    __table_args__ = (sa.CheckConstraint("weekday BETWEEN 1 AND 7", name="iso_weekday"),
                      sa.CheckConstraint("start_minute BETWEEN 0 AND 1439", name="start_in_day"),
                      sa.CheckConstraint("end_minute BETWEEN 0 AND 1440", name="end_in_day"))
    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("leaders.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    start_minute: Mapped[int]
    end_minute: Mapped[int]

    leader: Mapped[Leader] = relationship(back_populates="availability")


class Absence(Base):
    __tablename__ = "absences"
    __table_args__ = (sa.CheckConstraint("first_day <= last_day", name="ordered_days"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("leaders.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[dt.date]
    last_day: Mapped[dt.date]
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    leader: Mapped[Leader] = relationship(back_populates="absences")


class Need(Base):
    """A recurring fixed-time need (weekdays) or a one-off/irregular one (explicit dates)."""
    __tablename__ = "needs"
    __table_args__ = (sa.UniqueConstraint("pool_id", "code"),
                      sa.CheckConstraint("seats >= 1", name="seats_positive"),
                      sa.CheckConstraint("priority BETWEEN 1 AND 5", name="priority_range"),
                      sa.CheckConstraint("start_minute BETWEEN 0 AND 1439", name="start_in_day"),
                      sa.CheckConstraint("end_minute BETWEEN 0 AND 1440", name="end_in_day"))
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(80))
    requester_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    activity_kind: Mapped[str] = mapped_column(sa.String(60), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    contact: Mapped[str] = mapped_column(sa.String(200), default="")  # whom the leader asks on site
    weekdays: Mapped[list] = mapped_column(default=list)  # ISO weekdays, or empty with dates
    dates: Mapped[list] = mapped_column(default=list)  # ISO date strings of a one-off need
    start_minute: Mapped[int]
    end_minute: Mapped[int]
    seats: Mapped[int] = mapped_column(default=1)
    first_day: Mapped[Optional[dt.date]]
    last_day: Mapped[Optional[dt.date]]
    skipped_dates: Mapped[list] = mapped_column(default=list)  # ISO date strings
    follows_school_calendar: Mapped[bool] = mapped_column(default=False)
    skills: Mapped[list] = mapped_column(default=list)
    credentials: Mapped[list] = mapped_column(default=list)
    priority: Mapped[int] = mapped_column(default=3)
    confidential: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    site: Mapped[Site] = relationship()
    requester: Mapped[Optional[Organisation]] = relationship()


class CalendarPeriod(Base):
    """A school term or a school break (höstlov, jullov, sportlov, påsklov) of a pool's schools."""
    __tablename__ = "calendar_periods"
    __table_args__ = (sa.CheckConstraint("first_day <= last_day", name="ordered_days"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CalendarKind] = mapped_column(enum_column(CalendarKind))
    name: Mapped[str] = mapped_column(sa.String(100))
    first_day: Mapped[dt.date]
    last_day: Mapped[dt.date]


class Schedule(Base):
    """One version of the plan for a period: draft → approved → published (then superseded)."""
    __tablename__ = "schedules"
    __table_args__ = (sa.UniqueConstraint("pool_id", "period_start", "period_end", "version"),
                      sa.CheckConstraint("period_start <= period_end", name="ordered_period"),
                      # at most one published plan per period, even when two coordinators publish at once
                      sa.Index("uq_schedules_one_published", "pool_id", "period_start", "period_end", unique=True,
                               postgresql_where=sa.text("state = 'published'"),
                               sqlite_where=sa.text("state = 'published'")))
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    version: Mapped[int] = mapped_column(default=1)
    state: Mapped[ScheduleState] = mapped_column(enum_column(ScheduleState), default=ScheduleState.draft)
    based_on_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("schedules.id"))
    solver_info: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    approved_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))
    published_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))
    row_version: Mapped[int] = mapped_column(default=1)

    assignments: Mapped[list["Assignment"]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan",
        order_by="(Assignment.day, Assignment.need_id, Assignment.leader_id)")

    __mapper_args__ = {"version_id_col": row_version}


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (sa.UniqueConstraint("schedule_id", "need_id", "day", "leader_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(sa.ForeignKey("schedules.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    day: Mapped[dt.date]
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("leaders.id"), index=True)
    pinned: Mapped[bool] = mapped_column(default=False)
    row_version: Mapped[int] = mapped_column(default=1)

    schedule: Mapped[Schedule] = relationship(back_populates="assignments")
    need: Mapped[Need] = relationship()
    leader: Mapped[Leader] = relationship()

    __mapper_args__ = {"version_id_col": row_version}


class SolveState(str, enum.Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class SolveRun(Base):
    """One run of the solver for a period; it writes a new draft only when it finishes."""
    __tablename__ = "solve_runs"
    # one live run per period, even when two coordinators press "solve" at the same moment
    __table_args__ = (sa.Index("uq_solve_runs_one_live", "pool_id", "period_start", "period_end", unique=True,
                               postgresql_where=sa.text("state IN ('queued', 'running')"),
                               sqlite_where=sa.text("state IN ('queued', 'running')")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    state: Mapped[SolveState] = mapped_column(enum_column(SolveState), default=SolveState.queued)
    time_limit: Mapped[float] = mapped_column(default=10.0)
    progress: Mapped[dict] = mapped_column(default=dict)  # best fill so far, bound, seconds
    error: Mapped[str] = mapped_column(sa.Text, default="")
    schedule_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("schedules.id", ondelete="SET NULL"))
    requested_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))
    # the run's last sign of life; a queued or running run silent for too long was abandoned by a dead process
    heartbeat_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (sa.UniqueConstraint("pool_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(300))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    organisation_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("organisations.id"))
    leader_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("leaders.id"))
    locale: Mapped[str] = mapped_column(sa.String(5), default="sv")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # part of every session's user id: moving it on ends all sessions of the account, cookies included
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    organisation: Mapped[Optional[Organisation]] = relationship()
    leader: Mapped[Optional[Leader]] = relationship()

    # The protocol of a signed-in user that web sessions expect.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"


class Attendance(Base):
    """What happened at one occurrence: held or cancelled, and how many came. Counts only, never names."""
    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("need_id", "day"),
                      sa.CheckConstraint("participants >= 0 AND girls >= 0 AND girls <= participants",
                                         name="sane_counts"))
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date]
    held: Mapped[bool] = mapped_column(default=True)
    cancel_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    participants: Mapped[int] = mapped_column(default=0)
    girls: Mapped[int] = mapped_column(default=0)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)

    need: Mapped[Need] = relationship()

    __mapper_args__ = {"version_id_col": row_version}


class Funding(Base):
    """A funder supports a need, an activity kind, or a club's pool contribution for a period."""
    __tablename__ = "fundings"
    __table_args__ = (sa.CheckConstraint("first_day <= last_day", name="ordered_days"),
                      sa.CheckConstraint("(CASE WHEN need_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN activity_kind IS NULL THEN 0 ELSE 1 END)"
                                         " + (CASE WHEN club_id IS NULL THEN 0 ELSE 1 END) = 1",
                                         name="one_target"))
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    funder_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    need_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"))
    activity_kind: Mapped[Optional[str]] = mapped_column(sa.String(60))
    club_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("organisations.id"))
    first_day: Mapped[dt.date]
    last_day: Mapped[dt.date]
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    note: Mapped[str] = mapped_column(sa.String(200), default="")

    funder: Mapped[Organisation] = relationship(foreign_keys=[funder_id])


class OutboxMessage(Base):
    """A notification: sent by SMTP when configured, otherwise kept here to be read on an admin page.

    ``dedupe_key`` names what the message is about, so a job that runs twice sends nothing twice."""
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    calendar: Mapped[str] = mapped_column(sa.Text, default="")  # an iCal attachment for changed events
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))
    error: Mapped[str] = mapped_column(sa.Text, default="")


class JobRun(Base):
    """One run of a scheduled job, for the operations page: when, how it went, what it did."""
    __tablename__ = "job_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))
    ok: Mapped[Optional[bool]]
    attempt: Mapped[int] = mapped_column(default=1)
    summary: Mapped[str] = mapped_column(sa.Text, default="")


class AuditEntry(Base):
    """Who did what, when, with the record before and after. Written once, never changed."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    action: Mapped[str] = mapped_column(sa.String(60))  # approve, publish, assign, unassign, pin, role …
    object_type: Mapped[str] = mapped_column(sa.String(60))
    object_id: Mapped[Optional[int]]
    before: Mapped[dict] = mapped_column(default=dict)
    after: Mapped[dict] = mapped_column(default=dict)
