"""Funding links: a funder supports a need, an activity kind, or a club's pool contribution for a period,
with an amount. The coordinator manages them; the report attributes hours and wage cost through them.
Writes flush, never commit."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from pool.errors import N_, Invalid, NotFound
from pool.models import Funding, Need, Organisation, OrgKind, Pool, in_pool

TARGETS = ("need", "activity_kind", "club")
MAX_AMOUNT = Decimal("9999999999")


@dataclass
class FundingInput:
    funder_id: Optional[int]
    target: str  # one of TARGETS
    first_day: Optional[dt.date]
    last_day: Optional[dt.date]
    amount: Optional[Decimal]
    need_id: Optional[int] = None
    activity_kind: Optional[str] = None
    club_id: Optional[int] = None
    note: str = ""


def funders(session: orm.Session, pool: Pool) -> list[Organisation]:
    return _organisations(session, pool, OrgKind.funder)


def clubs(session: orm.Session, pool: Pool) -> list[Organisation]:
    return _organisations(session, pool, OrgKind.club)


def _organisations(session, pool, kind) -> list[Organisation]:
    return list(session.scalars(sa.select(Organisation).where(Organisation.pool_id == pool.id,
                                                              Organisation.kind == kind).order_by(Organisation.name)))


def activity_kinds(session: orm.Session, pool: Pool) -> list[str]:
    """The activity kinds the pool's needs use."""
    return sorted(set(session.scalars(sa.select(Need.activity_kind).where(Need.pool_id == pool.id,
                                                                          Need.activity_kind != ""))))


def needs(session: orm.Session, pool: Pool) -> list[Need]:
    return list(session.scalars(sa.select(Need).where(Need.pool_id == pool.id).order_by(Need.title)))


def links(session: orm.Session, pool: Pool, funder_id: Optional[int] = None) -> list[Funding]:
    query = sa.select(Funding).where(Funding.pool_id == pool.id)
    if funder_id is not None:
        query = query.where(Funding.funder_id == funder_id)
    return list(session.scalars(query.order_by(Funding.first_day, Funding.id)))


def get_link(session: orm.Session, pool: Pool, link_id: int) -> Funding:
    link = in_pool(session, Funding, pool.id, link_id)
    if link is None:
        raise NotFound(N_("No such funding link."))
    return link


def funder_of(session: orm.Session, pool: Pool, organisation_id: Optional[int]) -> Organisation:
    """The funder a funder account belongs to."""
    funder = session.get(Organisation, organisation_id) if organisation_id else None
    if funder is None or funder.pool_id != pool.id or funder.kind is not OrgKind.funder:
        raise NotFound(N_("No such funder."))
    return funder


def _check(session: orm.Session, pool: Pool, data: FundingInput) -> None:
    if data.funder_id is None or _organisation(session, pool, data.funder_id, OrgKind.funder) is None:
        raise Invalid("funder_id", N_("Choose a funder."))
    if data.target not in TARGETS:
        raise Invalid("target", N_("Choose what the funder supports: a need, an activity kind or a club."))
    if data.target == "need":
        if in_pool(session, Need, pool.id, data.need_id) is None:
            raise Invalid("need_id", N_("Choose a need."))
    elif data.target == "activity_kind":
        if (data.activity_kind or "").strip() not in activity_kinds(session, pool):
            raise Invalid("activity_kind", N_("Choose an activity kind."))
    elif data.club_id is None or _organisation(session, pool, data.club_id, OrgKind.club) is None:
        raise Invalid("club_id", N_("Choose a club."))
    if data.first_day is None:
        raise Invalid("first_day", N_("Enter the first day."))
    if data.last_day is None:
        raise Invalid("last_day", N_("Enter the last day."))
    if data.last_day < data.first_day:
        raise Invalid("last_day", N_("The last day must not be before the first day."))
    if data.amount is None or not Decimal(0) <= data.amount <= MAX_AMOUNT:
        raise Invalid("amount", N_("Enter an amount in kronor, 0 or more."))
    if len(data.note.strip()) > 200:
        raise Invalid("note", N_("The note is too long (at most %(max)s characters)."), max=200)


def _organisation(session, pool, organisation_id, kind) -> Optional[Organisation]:
    row = in_pool(session, Organisation, pool.id, organisation_id)
    return row if row is not None and row.kind is kind else None


def parse_amount(text: str) -> Decimal:
    """'120 000', '120000,50' → Decimal; anything else is refused on the amount field."""
    try:
        amount = Decimal(text.replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except InvalidOperation:
        raise Invalid("amount", N_("Enter an amount in kronor, 0 or more.")) from None
    if not amount.is_finite():
        raise Invalid("amount", N_("Enter an amount in kronor, 0 or more."))
    return amount


def _apply(link: Funding, data: FundingInput) -> None:
    link.funder_id = data.funder_id
    link.need_id = data.need_id if data.target == "need" else None
    link.activity_kind = data.activity_kind.strip() if data.target == "activity_kind" else None
    link.club_id = data.club_id if data.target == "club" else None
    link.first_day, link.last_day = data.first_day, data.last_day
    link.amount = data.amount.quantize(Decimal("0.01"))
    link.note = data.note.strip()


def create_link(session: orm.Session, pool: Pool, data: FundingInput) -> Funding:
    _check(session, pool, data)
    link = Funding(pool_id=pool.id)
    _apply(link, data)
    session.add(link)
    session.flush()
    return link


def update_link(session: orm.Session, pool: Pool, link_id: int, data: FundingInput) -> Funding:
    link = get_link(session, pool, link_id)
    _check(session, pool, data)
    _apply(link, data)
    session.flush()
    return link


def delete_link(session: orm.Session, pool: Pool, link_id: int) -> None:
    session.delete(get_link(session, pool, link_id))
    session.flush()


def target_of(link: Funding) -> str:
    return "need" if link.need_id is not None else "activity_kind" if link.activity_kind is not None else "club"


# ------------------------------------------------------------------------------ demo data
DEMO_LINKS = [  # funder code, target, value, first day, last day, amount, note
    ("sandvik", "need", "nattfotboll-satra-tjejer", "2026-10-01", "2027-12-31", "180000", "Tjejernas nattfotboll"),
    ("sandvikenhus-fond", "activity_kind", "nattfotboll", "2026-08-01", "2027-07-31", "240000", "Nattfotboll i bostadsområdena"),
    ("lansforsakringar", "activity_kind", "nattvandring", "2027-01-01", "2027-12-31", "60000", "Trygghetsvandringar"),
    ("goranssonska", "club", "saik", "2027-01-01", "2027-12-31", "90000", "SAIK:s bidrag till poolen"),
    ("goranssonska", "activity_kind", "rastvard", "2027-01-01", "2027-06-30", "150000", "Rastvärdar vt 2027"),
]


def generate_demo_funding(session: orm.Session, pool: Pool) -> int:
    """The demo's funding links (skipped when the pool has any); returns how many were added."""
    if links(session, pool):
        return 0
    orgs = {o.code: o for o in session.scalars(sa.select(Organisation).where(Organisation.pool_id == pool.id))}
    needs_by_code = {n.code: n for n in needs(session, pool)}
    added = 0
    for funder, target, value, first, last, amount, note in DEMO_LINKS:
        if funder not in orgs:
            continue
        data = FundingInput(funder_id=orgs[funder].id, target=target, first_day=dt.date.fromisoformat(first),
                            last_day=dt.date.fromisoformat(last), amount=Decimal(amount), note=note,
                            need_id=needs_by_code[value].id if target == "need" and value in needs_by_code else None,
                            activity_kind=value if target == "activity_kind" else None,
                            club_id=orgs[value].id if target == "club" and value in orgs else None)
        create_link(session, pool, data)
        added += 1
    return added
