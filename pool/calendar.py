"""The school calendar and public holidays: which days close school needs."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Optional
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa
from sqlalchemy import orm

from pool.models import CalendarKind, CalendarPeriod, Pool, utcnow


def local_today(pool: Pool, now: Optional[dt.datetime] = None) -> dt.date:
    """The day it is (``now``, or this moment) in the pool's time zone."""
    return (now or utcnow()).astimezone(ZoneInfo(pool.timezone)).date()


def days(first: dt.date, last: dt.date):
    for offset in range((last - first).days + 1):
        yield first + dt.timedelta(days=offset)


@lru_cache(maxsize=64)
def public_holidays(country: str, year: int) -> dict[dt.date, str]:
    """Public holidays in Swedish; Sundays are not holidays here, only the named days are."""
    return dict(holidays.country_holidays(country, years=year, include_sundays=False, language="sv"))


def holidays_between(country: str, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    found: dict[dt.date, str] = {}
    for year in range(first.year, last.year + 1):
        found.update({d: n for d, n in public_holidays(country, year).items() if first <= d <= last})
    return found


def school_breaks(session: orm.Session, pool: Pool, first: dt.date, last: dt.date) -> list[CalendarPeriod]:
    return list(session.scalars(
        sa.select(CalendarPeriod)
        .where(CalendarPeriod.pool_id == pool.id, CalendarPeriod.kind == CalendarKind.school_break,
               CalendarPeriod.first_day <= last, CalendarPeriod.last_day >= first)
        .order_by(CalendarPeriod.first_day)))


def school_closed_days(session: orm.Session, pool: Pool, first: dt.date, last: dt.date) -> set[dt.date]:
    """Days in first..last on which needs that follow the school calendar do not run."""
    closed = set(holidays_between(pool.holiday_country, first, last))
    for school_break in school_breaks(session, pool, first, last):
        closed.update(d for d in days(max(first, school_break.first_day), min(last, school_break.last_day)))
    return closed
