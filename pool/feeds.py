"""Calendar feeds (iCalendar) of published assignments: one per leader, one per site.

A feed is reached through a secret random token, never through a login, so calendar programs
(Outlook, Google, phones) can subscribe. Rotating the token cuts off every old subscription.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from typing import Callable, Optional
from zoneinfo import ZoneInfo

import icalendar
import sqlalchemy as sa
from sqlalchemy import orm

from pool.errors import N_
from pool.leaders import assignment_span
from pool.models import Assignment, Leader, Pool, Site, as_utc
from pool.planning import published_assignments

PAST_DAYS, FUTURE_DAYS = 60, 400  # the stretch of the schedule a feed carries
PRODID = "-//The pool//Calendar feed//SV"


# ------------------------------------------------------------------------------ tokens
def feed_token(session: orm.Session, owner: Leader | Site) -> str:
    """The secret of a leader's or a site's feed URL, created on first use."""
    if not owner.calendar_token:
        rotate_feed_token(session, owner)
    return owner.calendar_token


def rotate_feed_token(session: orm.Session, owner: Leader | Site) -> str:
    """A new secret: the old feed URL stops working at once."""
    owner.calendar_token = secrets.token_urlsafe(32)
    session.flush()
    return owner.calendar_token


def by_token(session: orm.Session, model: type[Leader] | type[Site], token: str) -> Optional[Leader | Site]:
    return session.scalar(sa.select(model).where(model.calendar_token == token)) if token else None


# ------------------------------------------------------------------------------ feeds
def _window(today: dt.date) -> tuple[dt.date, dt.date]:
    return today - dt.timedelta(days=PAST_DAYS), today + dt.timedelta(days=FUTURE_DAYS)


def leader_feed(session: orm.Session, leader: Leader, *, today: Optional[dt.date] = None,
                gettext: Callable[[str], str] = lambda s: s) -> bytes:
    """One event per published assignment of the leader, with what to do and whom to ask."""
    pool = session.get(Pool, leader.pool_id)
    first, last = _window(today or dt.date.today())
    rows = [a for a in published_assignments(session, pool, first, last) if a.leader_id == leader.id]
    calendar = _calendar(pool, gettext(N_("My assignments")))
    for assignment in sorted(rows, key=lambda a: (a.day, a.need.code)):
        need, site = assignment.need, assignment.need.site
        lines = [need.description]
        if need.contact:
            lines.append(gettext(N_("Ask: %(contact)s")) % {"contact": need.contact})
        calendar.add_component(_event(
            pool, assignment, uid_parts=(need.code, assignment.day.isoformat(), leader.code),
            summary=need.title, location=_place(site), description="\n\n".join(filter(None, lines))))
    return calendar.to_ical()


def site_feed(session: orm.Session, site: Site, *, today: Optional[dt.date] = None,
              gettext: Callable[[str], str] = lambda s: s) -> bytes:
    """One event per occurrence at the site, naming its leaders; a confidential need shows only
    time, place and role."""
    pool = session.get(Pool, site.pool_id)
    first, last = _window(today or dt.date.today())
    occurrences: dict[tuple, list[Assignment]] = defaultdict(list)
    for assignment in published_assignments(session, pool, first, last):
        if assignment.need.site_id == site.id:
            occurrences[(assignment.day, assignment.need.code)].append(assignment)
    calendar = _calendar(pool, site.name)
    for (day, code), rows in sorted(occurrences.items()):
        need = rows[0].need
        if need.confidential:
            summary, description = _role(need, gettext), ""
        else:
            names = sorted(a.leader.name for a in rows)
            summary = need.title
            description = gettext(N_("Leaders: %(names)s")) % {"names": ", ".join(names)}
        calendar.add_component(_event(pool, rows[0], uid_parts=(code, day.isoformat(), "site", site.code),
                                      summary=summary, location=_place(site), description=description,
                                      sequence=max(a.schedule.version for a in rows)))
    return calendar.to_ical()


def _role(need, gettext) -> str:
    return gettext(N_("Leader assignment (%(kind)s)")) % {"kind": need.activity_kind} if need.activity_kind \
        else gettext(N_("Leader assignment"))


def _place(site: Site) -> str:
    return ", ".join(filter(None, (site.name, site.address)))


def _calendar(pool: Pool, name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", pool.timezone)
    calendar.add_component(icalendar.Timezone.from_tzid(pool.timezone))
    return calendar


def stable_uid(*parts: str) -> str:
    """The same assignment keeps its UID across fetches and re-publications, so programs update it."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + "@pool"


def _event(pool: Pool, assignment: Assignment, *, uid_parts: tuple, summary: str, location: str,
           description: str, sequence: Optional[int] = None) -> icalendar.Event:
    zone = ZoneInfo(pool.timezone)
    start, end = assignment_span(assignment)
    schedule = assignment.schedule
    stamp = schedule.published_at or schedule.created_at
    event = icalendar.Event()
    event.add("uid", stable_uid(*uid_parts))
    event.add("dtstamp", as_utc(stamp))
    event.add("last-modified", as_utc(stamp))
    event.add("sequence", sequence if sequence is not None else schedule.version)
    event.add("dtstart", start.replace(tzinfo=zone))
    event.add("dtend", end.replace(tzinfo=zone))
    event.add("summary", summary)
    event.add("location", location)
    if description:
        event.add("description", description)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event

