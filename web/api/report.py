"""The funders' report and the funding links over JSON. A funder gets its own figures only, with counts of
fewer than five people as "<5"; the coordinator the pool's, or any funder's view with ?funder=."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import flask_smorest
from flask_login import current_user
from marshmallow import Schema, fields, validate

from pool import funding, report
from pool.funding import FundingInput
from pool.models import Role
from web.access import current_pool, roles_required
from web.database import get_session
from web.api import Id, Money, Text
from web.report.tables import Names, build_tables

blp = flask_smorest.Blueprint("report", __name__, description="Quarterly figures for funders and the coordinator, "
                                                               "and the funding links (coordinator).")
readers = roles_required(Role.funder, Role.coordinator)
coordinator_only = roles_required(Role.coordinator)


class ReportQuery(Schema):
    quarter = fields.String(load_default=None, metadata={"description": "e.g. 2027-Q1; default this quarter"})
    funder = Id(strict=False, load_default=None, metadata={"description": "coordinator: a funder's view"})


class TableSchema(Schema):
    title = fields.String()
    headers = fields.List(fields.String())
    rows = fields.List(fields.List(fields.Raw()))
    note = fields.String()


class ReportSchema(Schema):
    quarter = fields.String()
    first_day = fields.Date()
    last_day = fields.Date()
    funder = fields.String(allow_none=True)
    tables = fields.Dict(keys=fields.String(), values=fields.Nested(TableSchema))


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


@blp.route("/")
@blp.arguments(ReportQuery, location="query")
@blp.response(200, ReportSchema)
@blp.alt_response(404, response="NOT_FOUND", description="No such funder, or the account belongs to none.")
@readers
def get_report(query):
    """Every table of the report page; numbers as numbers, hidden small counts as "<5" or "–"."""
    pool, session = current_pool(), get_session()
    quarter = report.parse_quarter(query["quarter"]) if query["quarter"] else report.quarter_of(dt.date.today())
    if current_user.role is Role.funder:
        funder = funding.funder_of(session, pool, current_user.organisation_id)
    else:
        funder = funding.funder_of(session, pool, query["funder"]) if query["funder"] is not None else None
    result = report.pool_report(session, pool, quarter, funder_id=funder.id if funder else None)
    names = Names({c.id: c.name for c in funding.clubs(session, pool)},
                  {f.id: f.name for f in funding.funders(session, pool)}, funder.id if funder else None)
    tables = build_tables(result, names, suppress=funder is not None)
    return {"quarter": quarter.label, "first_day": quarter.first, "last_day": quarter.last,
            "funder": funder.name if funder else None,
            "tables": {k: {"title": t.title, "headers": t.headers, "note": t.note,
                           "rows": [[_plain(c) for c in row] for row in t.rows]} for k, t in tables.items()}}


class FundingSchema(Schema):
    id = fields.Integer(dump_only=True)
    funder_id = Id(required=True)
    target = fields.String(required=True, validate=validate.OneOf(funding.TARGETS))
    need_id = Id(load_default=None, allow_none=True)
    activity_kind = Text(load_default=None, allow_none=True)
    club_id = Id(load_default=None, allow_none=True)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    amount = Money(required=True)
    note = Text(load_default="")


def _dump(link) -> dict:
    return {"id": link.id, "funder_id": link.funder_id, "target": funding.target_of(link), "need_id": link.need_id,
            "activity_kind": link.activity_kind, "club_id": link.club_id, "first_day": link.first_day,
            "last_day": link.last_day, "amount": link.amount, "note": link.note}


def _input(body) -> FundingInput:
    return FundingInput(**body)


@blp.route("/funding")
@blp.response(200, FundingSchema(many=True))
@coordinator_only
def list_links():
    return [_dump(l) for l in funding.links(get_session(), current_pool())]


@blp.route("/funding", methods=["POST"])
@blp.arguments(FundingSchema)
@blp.response(201, FundingSchema)
@coordinator_only
def create_link(body):
    link = funding.create_link(get_session(), current_pool(), _input(body))
    get_session().commit()
    return _dump(link)


@blp.route("/funding/<id:link_id>")
@blp.response(200, FundingSchema)
@coordinator_only
def get_link(link_id: int):
    return _dump(funding.get_link(get_session(), current_pool(), link_id))


@blp.route("/funding/<id:link_id>", methods=["PUT"])
@blp.arguments(FundingSchema)
@blp.response(200, FundingSchema)
@coordinator_only
def update_link(body, link_id: int):
    link = funding.update_link(get_session(), current_pool(), link_id, _input(body))
    get_session().commit()
    return _dump(link)


@blp.route("/funding/<id:link_id>", methods=["DELETE"])
@blp.response(204)
@coordinator_only
def delete_link(link_id: int):
    funding.delete_link(get_session(), current_pool(), link_id)
    get_session().commit()

