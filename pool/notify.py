"""The outbox: every notification the pool sends, in the recipient's language, kept once per subject.

A message is queued under a ``dedupe_key`` naming what it is about and whom it is for, so a job
that runs twice, or is retried after a crash, queues nothing twice. Messages go out by SMTP when
POOL_SMTP_HOST is set (see ``deliver``); otherwise they stay in the outbox, to be read on the
coordinator's outbox page. Calendar-changing messages carry the changed events as iCalendar, with
the same UIDs as the calendar feeds, so a calendar program updates its copy.

Functions flush and never commit.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import smtplib
import ssl
from collections import defaultdict
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Iterable, Optional

import sqlalchemy as sa
from sqlalchemy import orm

from pool import feeds
from pool.models import (Assignment, Credential, Leader, Need, Organisation, OutboxMessage, Pool, Role, Schedule,
                         User, utcnow)
from pool.planning import published_assignments
from solver.problem import clock

WEEKDAYS = {"sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
            "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
MONTHS = {"sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
                 "oktober", "november", "december"),
          "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December")}

# Every text in Swedish and English; %(name)s fields are filled in by ``_text``.
TEXTS = {
    "sv": {
        "greeting": "Hej %(name)s!",
        "signature": "Hälsningar\nPoolen – %(pool)s",
        "proposal.subject": "Förslag till schema för vecka %(week)s väntar",
        "proposal.body": "Ett nytt schemaförslag för vecka %(week)s (%(period)s) är klart: %(filled)s av %(seats)s "
                         "platser är besatta. Granska, godkänn och publicera det på %(path)s.",
        "reminder.subject": "Påminnelse: vecka %(week)s är inte publicerad",
        "reminder.body": "Schemat för vecka %(week)s (%(period)s) är ännu inte publicerat. Ledare och beställare "
                         "ser det först när det är publicerat. Gör det på %(path)s.",
        "reminder.pending": "Ett förslag väntar redan: %(path)s.",
        "published.subject": "Ditt schema har ändrats (vecka %(weeks)s)",
        "published.body": "Schemat är publicerat. Det här har ändrats för dig:",
        "requester.subject": "Bemanningen har ändrats (vecka %(weeks)s)",
        "requester.body": "Schemat är publicerat. Det här har ändrats i era behov:",
        "added": "Nytt",
        "removed": "Inställt",
        "now_staffed": "Ny ledare",
        "no_longer": "Ledare som slutar",
        "calendar_hint": "Den bifogade kalenderfilen uppdaterar din kalender.",
        "day_before.subject": "Påminnelse: dina uppdrag i morgon, %(date)s",
        "day_before.body": "I morgon, %(date)s, har du de här uppdragen:",
        "ask": "fråga %(contact)s",
        "credential.subject": "%(credential)s för %(leader)s går ut %(date)s",
        "credential.body": "%(credential)s för %(leader)s (%(club)s) gäller bara till %(date)s. Be ledaren beställa "
                           "ett nytt utdrag i tid, och för in det nya datumet när det kommit. Uppdrag som kräver "
                           "det kan inte planeras efter det datumet.",
        "replan.subject": "Omplanering föreslås för %(period)s",
        "replan.body": "Publicerade uppdrag som inte längre kan genomföras (%(count)s):",
        "replan.proposal": "Ett nytt förslag (version %(version)s) är klart: %(filled)s av %(seats)s platser är "
                           "besatta. Granska och publicera det på %(path)s.",
        "absent": "%(leader)s är frånvarande %(date)s",
        "credential_expired": "%(leader)s saknar giltigt %(credential)s %(date)s",
        "other_rule": "%(leader)s kan inte ta %(need)s %(date)s",
        "background-check": "Belastningsregisterutdrag",
    },
    "en": {
        "greeting": "Hello %(name)s,",
        "signature": "Regards\nThe pool – %(pool)s",
        "proposal.subject": "A schedule proposal for week %(week)s is waiting",
        "proposal.body": "A new schedule proposal for week %(week)s (%(period)s) is ready: %(filled)s of %(seats)s "
                         "seats are filled. Review, approve and publish it at %(path)s.",
        "reminder.subject": "Reminder: week %(week)s is not published",
        "reminder.body": "The schedule for week %(week)s (%(period)s) is not published yet. Leaders and requesters "
                         "see it only once it is published. Do it at %(path)s.",
        "reminder.pending": "A proposal is already waiting: %(path)s.",
        "published.subject": "Your schedule has changed (week %(weeks)s)",
        "published.body": "The schedule is published. This is what changed for you:",
        "requester.subject": "Staffing has changed (week %(weeks)s)",
        "requester.body": "The schedule is published. This is what changed in your needs:",
        "added": "New",
        "removed": "Cancelled",
        "now_staffed": "New leader",
        "no_longer": "Leader leaving",
        "calendar_hint": "The attached calendar file updates your calendar.",
        "day_before.subject": "Reminder: your assignments tomorrow, %(date)s",
        "day_before.body": "Tomorrow, %(date)s, you have these assignments:",
        "ask": "ask %(contact)s",
        "credential.subject": "%(credential)s of %(leader)s expires %(date)s",
        "credential.body": "The %(credential)s of %(leader)s (%(club)s) is valid only until %(date)s. Ask the leader "
                           "to order a new one in time, and enter the new date when it arrives. Assignments that "
                           "need it cannot be planned after that date.",
        "replan.subject": "Re-plan proposed for %(period)s",
        "replan.body": "Published assignments that can no longer be carried out (%(count)s):",
        "replan.proposal": "A new proposal (version %(version)s) is ready: %(filled)s of %(seats)s seats are "
                           "filled. Review and publish it at %(path)s.",
        "absent": "%(leader)s is absent on %(date)s",
        "credential_expired": "%(leader)s has no valid %(credential)s on %(date)s",
        "other_rule": "%(leader)s cannot take %(need)s on %(date)s",
        "background-check": "Background check",
    },
}


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str = ""
    locale: str = "sv"
    user_id: Optional[int] = None


# ------------------------------------------------------------------------------ the outbox
def queue(session: orm.Session, pool: Pool, about: str, recipient: Recipient, subject: str, text: str, *,
          calendar: str = "") -> Optional[OutboxMessage]:
    """Keep a message unless one about the same thing for the same address exists; None when it does."""
    key = dedupe_key(about, recipient.address)
    if session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
        return None
    message = OutboxMessage(pool_id=pool.id, dedupe_key=key, user_id=recipient.user_id,
                            to_address=recipient.address, subject=subject[:300], body_text=text, calendar=calendar)
    try:
        with session.begin_nested():  # another process may queue the same key at the same moment
            session.add(message)
    except sa.exc.IntegrityError:
        return None
    return message


def dedupe_key(about: str, address: str) -> str:
    key = f"{about}|{address.lower()}"
    return key if len(key) <= 200 else f"{about[:120]}|{hashlib.sha256(key.encode()).hexdigest()}"


def queued_about(session: orm.Session, about: str) -> bool:
    """Whether any message about ``about`` is in the outbox (all its recipients are queued together)."""
    return session.scalar(sa.select(OutboxMessage.id).where(
        OutboxMessage.dedupe_key.like(about.replace("%", r"\%").replace("_", r"\_") + "|%", escape="\\"))
        .limit(1)) is not None


def messages(session: orm.Session, pool: Pool, *, limit: int = 100, offset: int = 0) -> list[OutboxMessage]:
    return list(session.scalars(sa.select(OutboxMessage).where(OutboxMessage.pool_id == pool.id)
                                .order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)))


def get_message(session: orm.Session, pool: Pool, message_id: int) -> Optional[OutboxMessage]:
    message = session.get(OutboxMessage, message_id)
    return message if message is not None and message.pool_id == pool.id else None


# ------------------------------------------------------------------------------ recipients
def coordinators(session: orm.Session, pool: Pool) -> list[Recipient]:
    return _users(session, sa.and_(User.pool_id == pool.id, User.role == Role.coordinator))


def organisation_contacts(session: orm.Session, organisation: Organisation, role: Role) -> list[Recipient]:
    """The organisation's users of ``role``; its contact address when it has none."""
    found = _users(session, sa.and_(User.organisation_id == organisation.id, User.role == role))
    if found or not organisation.contact_email:
        return found
    return [Recipient(organisation.contact_email, organisation.name)]


def leader_recipient(session: orm.Session, leader: Leader) -> Optional[Recipient]:
    """The leader's login (and its language) when there is one, else the leader's own address."""
    user = session.scalar(sa.select(User).where(User.leader_id == leader.id, User.active).limit(1))
    if user is not None:
        return Recipient(user.email, leader.name or user.name, user.locale or "sv", user.id)
    return Recipient(leader.email, leader.name) if leader.email else None


def _users(session, condition) -> list[Recipient]:
    users = session.scalars(sa.select(User).where(condition, User.active).order_by(User.id))
    return [Recipient(u.email, u.name, u.locale or "sv", u.id) for u in users]


# ------------------------------------------------------------------------------ words
def _text(locale: str, key: str, **params) -> str:
    texts = TEXTS.get(locale, TEXTS["sv"])
    return texts[key] % params if params else texts[key]


def long_date(day: dt.date, locale: str) -> str:
    locale = locale if locale in WEEKDAYS else "sv"
    return f"{WEEKDAYS[locale][day.weekday()]} {day.day} {MONTHS[locale][day.month - 1]}"


def week_number(day: dt.date) -> int:
    return day.isocalendar()[1]


def period_text(first: dt.date, last: dt.date) -> str:
    return f"{first.isoformat()} – {last.isoformat()}"


def weeks_text(days: Iterable[dt.date]) -> str:
    return ", ".join(str(w) for w in sorted({week_number(d) for d in days}))


def credential_name(kind: str, locale: str) -> str:
    return TEXTS.get(locale, TEXTS["sv"]).get(kind, kind)


def _letter(recipient: Recipient, pool: Pool, *paragraphs: str) -> str:
    greeting = _text(recipient.locale, "greeting", name=recipient.name or recipient.address)
    return "\n\n".join([greeting, *filter(None, paragraphs), _text(recipient.locale, "signature", pool=pool.name)]) + "\n"


def _occurrence_line(need: Need, day: dt.date, locale: str) -> str:
    place = need.site.name if need.site else ""
    return f"{long_date(day, locale)} {clock(need.start_minute)}–{clock(need.end_minute)}  {need.title}, {place}"


# ------------------------------------------------------------------------------ the coordinator
def proposal_waiting(session: orm.Session, pool: Pool, draft: Schedule, filled: int, seats: int) -> int:
    """Tell the coordinators that a proposal for a week waits for review; returns messages queued."""
    queued = 0
    for person in coordinators(session, pool):
        locale, week = person.locale, week_number(draft.period_start)
        subject = _text(locale, "proposal.subject", week=week)
        body = _text(locale, "proposal.body", week=week, period=period_text(draft.period_start, draft.period_end),
                     filled=filled, seats=seats, path=schedule_path(draft))
        queued += queue(session, pool, proposal_about(draft), person, subject, _letter(person, pool, body)) is not None
    return queued


def approval_reminder(session: orm.Session, pool: Pool, monday: dt.date, pending: Optional[Schedule]) -> int:
    queued = 0
    sunday = monday + dt.timedelta(days=6)
    for person in coordinators(session, pool):
        locale, week = person.locale, week_number(monday)
        body = _text(locale, "reminder.body", week=week, period=period_text(monday, sunday),
                     path=f"/plan/?period={monday.isocalendar()[0]}-W{week:02d}")
        extra = _text(locale, "reminder.pending", path=schedule_path(pending)) if pending else ""
        queued += queue(session, pool, f"reminder:{pool.id}:{monday.isoformat()}", person,
                        _text(locale, "reminder.subject", week=week), _letter(person, pool, body, extra)) is not None
    return queued


def proposal_about(draft: Schedule) -> str:
    return f"proposal:{draft.id}"


def replan_about(draft: Schedule) -> str:
    return f"replan:{draft.id}"


def replan_proposed(session: orm.Session, pool: Pool, draft: Schedule, broken: list, filled: int, seats: int) -> int:
    """Tell the coordinators which published assignments broke and that a re-plan waits."""
    queued = 0
    for person in coordinators(session, pool):
        locale = person.locale
        lines = [f"- {_broken_line(b, locale)}" for b in broken]
        body = _text(locale, "replan.body", count=len(broken)) + "\n" + "\n".join(lines)
        proposal = _text(locale, "replan.proposal", version=draft.version, filled=filled, seats=seats,
                         path=schedule_path(draft))
        subject = _text(locale, "replan.subject", period=period_text(draft.period_start, draft.period_end))
        queued += queue(session, pool, replan_about(draft), person, subject,
                        _letter(person, pool, body, proposal)) is not None
    return queued


def _broken_line(broken, locale: str) -> str:
    a = broken.assignment
    date = long_date(a.day, locale)
    codes = {v.code for v in broken.violations}
    if "absent" in codes:
        reason = _text(locale, "absent", leader=a.leader.name, date=date)
    elif "credential_expired" in codes or "missing_credential" in codes:
        kinds = [v.params.get("credential", "") for v in broken.violations if "credential" in v.code]
        reason = _text(locale, "credential_expired", leader=a.leader.name, date=date,
                       credential=credential_name(kinds[0] if kinds else "", locale).lower())
    else:
        reason = _text(locale, "other_rule", leader=a.leader.name, need=a.need.title, date=date)
    return f"{reason}: {_occurrence_line(a.need, a.day, locale)}"


def schedule_path(schedule: Schedule) -> str:
    return f"/plan/schedules/{schedule.id}"


# ------------------------------------------------------------------------------ club admins
def credential_expiring(session: orm.Session, pool: Pool, credential: Credential) -> int:
    leader = credential.leader
    queued = 0
    for person in organisation_contacts(session, leader.club, Role.club_admin):
        locale = person.locale
        params = dict(credential=credential_name(credential.kind, locale), leader=leader.name,
                      club=leader.club.name, date=long_date(credential.valid_until, locale))
        queued += queue(session, pool, f"credential:{credential.id}:{credential.valid_until.isoformat()}", person,
                        _text(locale, "credential.subject", **params),
                        _letter(person, pool, _text(locale, "credential.body", **params))) is not None
    return queued


# ------------------------------------------------------------------------------ leaders
def day_before(session: orm.Session, pool: Pool, leader: Leader, day: dt.date, rows: list[Assignment]) -> int:
    person = leader_recipient(session, leader)
    if person is None:
        return 0
    locale = person.locale
    lines = []
    for a in sorted(rows, key=lambda r: (r.need.start_minute, r.need.title)):
        line = f"- {clock(a.need.start_minute)}–{clock(a.need.end_minute)}  {a.need.title}, {feeds._place(a.need.site)}"
        if a.need.contact:
            line += f" ({_text(locale, 'ask', contact=a.need.contact)})"
        lines.append(line)
    date = long_date(day, locale)
    body = _text(locale, "day_before.body", date=date) + "\n" + "\n".join(lines)
    return queue(session, pool, f"day-before:{leader.id}:{day.isoformat()}", person,
                 _text(locale, "day_before.subject", date=date), _letter(person, pool, body)) is not None


# ------------------------------------------------------------------------------ publication
def published_before(session: orm.Session, pool: Pool, schedule: Schedule) -> list[Assignment]:
    """What is published for the schedule's period now, before it is published itself."""
    return [a for a in published_assignments(session, pool, schedule.period_start, schedule.period_end)
            if a.schedule_id != schedule.id]


def schedule_published(session: orm.Session, pool: Pool, schedule: Schedule, before: list[Assignment]) -> int:
    """Tell each leader and requester whose assignments the publication changed exactly what changed."""
    old = {(a.need_id, a.day, a.leader_id): a for a in before}
    new = {(a.need_id, a.day, a.leader_id): a for a in schedule.assignments}
    added = [new[k] for k in new.keys() - old.keys()]
    removed = [old[k] for k in old.keys() - new.keys()]
    queued = _tell_leaders(session, pool, schedule, added, removed)
    return queued + _tell_requesters(session, pool, schedule, added, removed)


def _tell_leaders(session, pool, schedule, added, removed) -> int:
    per_leader: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    for index, rows in enumerate((added, removed)):
        for a in rows:
            per_leader[a.leader_id][index].append(a)
    queued = 0
    for leader_id, (plus, minus) in sorted(per_leader.items()):
        leader = session.get(Leader, leader_id)
        person = leader_recipient(session, leader)
        if person is None:
            continue
        locale = person.locale
        lines = [(a.day, a.need.start_minute, f"- {_text(locale, 'added')}: {_occurrence_line(a.need, a.day, locale)}")
                 for a in plus]
        lines += [(a.day, a.need.start_minute,
                   f"- {_text(locale, 'removed')}: {_occurrence_line(a.need, a.day, locale)}") for a in minus]
        body = _text(locale, "published.body") + "\n" + "\n".join(line for *_, line in sorted(lines))
        subject = _text(locale, "published.subject", weeks=weeks_text(a.day for a in plus + minus))
        text = _letter(person, pool, body, _text(locale, "calendar_hint"))
        queued += queue(session, pool, f"published:{schedule.id}:leader:{leader.id}", person, subject, text,
                        calendar=leader_calendar(pool, leader, schedule, plus, minus)) is not None
    return queued


def _tell_requesters(session, pool, schedule, added, removed) -> int:
    per_unit: dict[int, list[tuple]] = defaultdict(list)
    for label, rows in (("now_staffed", added), ("no_longer", removed)):
        for a in rows:
            if a.need.requester_id is not None:
                per_unit[a.need.requester_id].append((label, a))
    queued = 0
    for unit_id, changes in sorted(per_unit.items()):
        unit = session.get(Organisation, unit_id)
        for person in organisation_contacts(session, unit, Role.requester):
            locale = person.locale
            lines = sorted((a.day, a.need.start_minute, f"- {_occurrence_line(a.need, a.day, locale)}: "
                                                        f"{_text(locale, label)} {a.leader.name}")
                           for label, a in changes)
            body = _text(locale, "requester.body") + "\n" + "\n".join(line for *_, line in lines)
            subject = _text(locale, "requester.subject", weeks=weeks_text(a.day for _, a in changes))
            queued += queue(session, pool, f"published:{schedule.id}:unit:{unit.id}", person, subject,
                            _letter(person, pool, body)) is not None
    return queued


def leader_calendar(pool: Pool, leader: Leader, schedule: Schedule, added: list[Assignment],
                    removed: list[Assignment]) -> str:
    """The changed events with the feed's UIDs: new ones confirmed, dropped ones cancelled."""
    calendar = feeds._calendar(pool, leader.name)
    for rows, status in ((added, "CONFIRMED"), (removed, "CANCELLED")):
        for a in sorted(rows, key=lambda r: (r.day, r.need.code)):
            event = feeds._event(pool, a, uid_parts=(a.need.code, a.day.isoformat(), leader.code),
                                 summary=a.need.title, location=feeds._place(a.need.site),
                                 description=a.need.description, sequence=schedule.version)
            event.pop("STATUS", None)
            event.add("status", status)
            calendar.add_component(event)
    return calendar.to_ical().decode()


# ------------------------------------------------------------------------------ delivery
@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str = ""
    password: str = ""
    sender: str = "poolen@localhost"
    security: str = "starttls"  # starttls, ssl or none

    @classmethod
    def from_env(cls, env=os.environ) -> Optional["SmtpSettings"]:
        """POOL_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM, _SECURITY; None when no host is set."""
        host = env.get("POOL_SMTP_HOST", "").strip()
        if not host:
            return None
        return cls(host=host, port=int(env.get("POOL_SMTP_PORT", "587")), user=env.get("POOL_SMTP_USER", ""),
                   password=env.get("POOL_SMTP_PASSWORD", ""), sender=env.get("POOL_SMTP_FROM", cls.sender),
                   security=env.get("POOL_SMTP_SECURITY", "starttls").lower())


def email_message(message: OutboxMessage, sender: str) -> EmailMessage:
    """A plain-text mail; a calendar-changing one carries its events as text/calendar."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, message.to_address, message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    if message.calendar:
        mail.add_attachment(message.calendar.encode(), maintype="text", subtype="calendar",
                            filename="schema.ics", params={"method": "PUBLISH"})
    return mail


def deliver(session: orm.Session, settings: Optional[SmtpSettings], *, now: Optional[dt.datetime] = None,
            limit: int = 200) -> tuple[int, int]:
    """Send unsent messages over one SMTP connection; returns (sent, failed). Without settings, nothing
    is sent and the messages stay in the outbox."""
    if settings is None:
        return 0, 0
    pending = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                              .order_by(OutboxMessage.id).limit(limit)).all()
    if not pending:
        return 0, 0
    sent = failed = 0
    with _connect(settings) as smtp:
        for message in pending:
            try:
                smtp.send_message(email_message(message, settings.sender))
                message.sent_at, message.error = now or utcnow(), ""
                sent += 1
            except smtplib.SMTPException as error:  # one refused address must not stop the others
                message.error = str(error)[:1000]
                failed += 1
    session.flush()
    return sent, failed


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, context=ssl.create_default_context(), timeout=30)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=30)
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if settings.user:
        smtp.login(settings.user, settings.password)
    return smtp
