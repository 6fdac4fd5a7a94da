"""A requesting unit's needs over JSON: the same services, rules and scoping as the requester's pages."""
from __future__ import annotations

import datetime as dt

import flask_smorest
from flask import abort
from flask_login import current_user
from marshmallow import Schema, fields, validate

from pool import needs as services
from pool.errors import NotFound
from pool.models import Need, Role
from web.access import current_pool, roles_required
from web.database import get_session
from web.api import Id, Text

blp = flask_smorest.Blueprint("needs", __name__, description="A requesting unit's needs: recurring on weekdays "
                                                              "or one-off on dates (requesters).")
requester = roles_required(Role.requester)


class ClockText(fields.String):
    """A time of day as 'HH:MM'; parsed by the service so that errors name the field as the pages do."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else ("24:00" if value == services.DAY else services.clock(value))


class NeedSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)
    title = Text(required=True)
    site = Id(required=True, attribute="site_id", metadata={"description": "id of one of the pool's sites"})
    weekdays = fields.List(fields.Integer(), load_default=list, metadata={"description": "ISO weekdays, 1 = Monday"})
    dates = fields.List(fields.Date(), load_default=list, metadata={"description": "the dates of a one-off need"})
    start = ClockText(required=True, attribute="start_minute")
    end = ClockText(required=True, attribute="end_minute",
                    metadata={"description": "at or before start: runs past midnight"})
    seats = fields.Integer(load_default=1)
    first_day = fields.Date(allow_none=True, load_default=None)
    last_day = fields.Date(allow_none=True, load_default=None)
    follows_school_calendar = fields.Boolean(load_default=False)
    skills = fields.List(Text(), load_default=list)
    credentials = fields.List(Text(), load_default=list)
    priority = fields.Integer(load_default=3, metadata={"description": "1 (low) to 5 (high)"})
    activity_kind = fields.String(load_default="", validate=validate.OneOf(("",) + services.ACTIVITY_KINDS))
    description = Text(load_default="")
    contact = Text(load_default="")
    confidential = fields.Boolean(load_default=False)

    def get_attribute(self, obj, attr, default):
        if attr == "dates" and isinstance(obj, Need):  # stored as ISO strings
            return [dt.date.fromisoformat(d) for d in obj.dates]
        return super().get_attribute(obj, attr, default)


def need_input(body: dict) -> services.NeedInput:
    return services.NeedInput(
        title=body["title"], site_id=body["site_id"],
        start_minute=services.parse_clock(body["start_minute"], "start"),
        end_minute=services.parse_clock(body["end_minute"], "end"),
        weekdays=body["weekdays"], dates=body["dates"], seats=body["seats"], first_day=body["first_day"],
        last_day=body["last_day"], follows_school_calendar=body["follows_school_calendar"], skills=body["skills"],
        credentials=body["credentials"], priority=body["priority"], activity_kind=body["activity_kind"],
        description=body["description"], contact=body["contact"], confidential=body["confidential"])


def _unit():
    try:
        return services.requesting_unit(current_user)
    except NotFound:
        abort(404)


@blp.route("/")
@blp.response(200, NeedSchema(many=True))
@requester
def list_needs():
    """The unit's needs, active first."""
    return services.needs_of(get_session(), current_pool(), _unit())


@blp.route("/", methods=["POST"])
@blp.arguments(NeedSchema)
@blp.response(201, NeedSchema)
@requester
def create_need(body):
    need = services.create_need(get_session(), current_pool(), _unit(), need_input(body))
    get_session().commit()
    return need


@blp.route("/<id:need_id>")
@blp.response(200, NeedSchema)
@requester
def get_need(need_id: int):
    return services.get_need(get_session(), current_pool(), need_id, _unit())


@blp.route("/<id:need_id>", methods=["PUT"])
@blp.arguments(NeedSchema)
@blp.response(200, NeedSchema)
@requester
def update_need(body, need_id: int):
    """Replace everything about the need."""
    need = services.update_need(get_session(), current_pool(), _unit(), need_id, need_input(body))
    get_session().commit()
    return need


@blp.route("/<id:need_id>", methods=["DELETE"])
@blp.response(204)
@requester
def deactivate_need(need_id: int):
    """Deactivate: the need and its history stay, the next plans leave it out."""
    services.set_active(get_session(), current_pool(), _unit(), need_id, False)
    get_session().commit()


@blp.route("/<id:need_id>/activate", methods=["POST"])
@blp.response(200, NeedSchema)
@requester
def activate_need(need_id: int):
    need = services.set_active(get_session(), current_pool(), _unit(), need_id, True)
    get_session().commit()
    return need
