"""The club admin's leaders over JSON: the same services, rules and scoping as the club pages."""
from __future__ import annotations

import datetime as dt

import flask_smorest
from flask import abort
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from pool import leaders
from pool.errors import NotFound
from pool.leaders import AbsenceSpan, LeaderInput, Window
from pool.models import Leader, Role
from solver.problem import DAY, clock
from web.access import roles_required
from web.database import get_session
from web.api import Count, Money, Text

blp = flask_smorest.Blueprint("leaders", __name__, description="A club's leaders: details, availability, "
                                                                "absences, and the club's pledge (club admins).")
club_admin = roles_required(Role.club_admin)


class Clock(fields.Field):
    """A time of day as 'HH:MM' (24:00 allowed for an end), held as minutes after midnight."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else ("24:00" if value == DAY else clock(value))

    def _deserialize(self, value, attr, data, **kwargs):
        hours, sep, minutes = str(value).partition(":")
        if sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2:
            total = int(hours) * 60 + int(minutes)
            if int(minutes) < 60 and total <= DAY:
                return total
        raise ValidationError("Use a time of day such as 19:00.")


CLOCK = {"type": "string", "pattern": "^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$", "example": "19:00"}


class WindowSchema(Schema):
    weekday = fields.Integer(required=True, metadata={"description": "ISO weekday, 1 = Monday"})
    start = fields.Method("_start", deserialize="_load_start", required=True, metadata=CLOCK)
    end = fields.Method("_end", deserialize="_load_end", required=True,
                        metadata={**CLOCK, "description": "at or before start: runs past midnight"})

    def _start(self, window):
        return Clock()._serialize(window.start_minute, "start", window)

    def _end(self, window):
        return Clock()._serialize(window.end_minute, "end", window)

    def _load_start(self, value):
        return Clock().deserialize(value)

    def _load_end(self, value):
        return Clock().deserialize(value)


class CredentialSchema(Schema):
    kind = Text(required=True, validate=validate.Length(min=1, max=60))
    valid_until = fields.Date(required=True)
    status = fields.Method("_status", dump_only=True, metadata={"description": "valid, expiring or expired"})

    def _status(self, credential):
        return leaders.credential_status(credential, dt.date.today())


class AbsenceSchema(Schema):
    id = fields.Integer(dump_only=True)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    reason = Text(load_default="")


class LeaderSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)
    name = Text(required=True)
    email = Text(load_default="")
    phone = Text(load_default="")
    skills = fields.List(Text(), load_default=list)
    credentials = fields.List(fields.Nested(CredentialSchema), load_default=list)
    availability = fields.List(fields.Nested(WindowSchema), load_default=list)
    absences = fields.List(fields.Nested(AbsenceSchema), load_default=list)
    max_minutes_per_day = Count(allow_none=True, load_default=None)
    max_minutes_per_week = Count(allow_none=True, load_default=None)
    hourly_wage = Money(allow_none=True, load_default=None)


class AvailabilitySchema(Schema):
    availability = fields.List(fields.Nested(WindowSchema), required=True)


class PledgeSchema(Schema):
    pledged_minutes_per_week = Count(allow_none=True, required=True)


def leader_input(body: dict) -> LeaderInput:
    return LeaderInput(
        name=body["name"], email=body["email"], phone=body["phone"], skills=body["skills"],
        credentials={c["kind"]: c["valid_until"] for c in body["credentials"]},
        availability=windows(body["availability"]),
        absences=[AbsenceSpan(a["first_day"], a["last_day"], a["reason"]) for a in body["absences"]],
        max_minutes_per_day=body["max_minutes_per_day"], max_minutes_per_week=body["max_minutes_per_week"],
        hourly_wage=body["hourly_wage"])


def windows(rows: list[dict]) -> list[Window]:
    return [Window(w["weekday"], w["start"], w["end"]) for w in rows]


def _club():
    try:
        return leaders.club_of(get_session(), current_user)
    except NotFound:
        abort(404)


def _leader(leader_id: int) -> Leader:
    return leaders.club_leader(get_session(), _club(), leader_id)  # NotFound → 404


@blp.route("/")
@blp.response(200, LeaderSchema(many=True))
@club_admin
def list_leaders():
    """The club's leaders, deactivated ones last."""
    return leaders.club_leaders(get_session(), _club())


@blp.route("/", methods=["POST"])
@blp.arguments(LeaderSchema)
@blp.response(201, LeaderSchema)
@club_admin
def create_leader(body):
    leader = leaders.create_leader(get_session(), _club(), leader_input(body))
    get_session().commit()
    return leader


@blp.route("/<id:leader_id>")
@blp.response(200, LeaderSchema)
@club_admin
def get_leader(leader_id: int):
    return _leader(leader_id)


@blp.route("/<id:leader_id>", methods=["PUT"])
@blp.arguments(LeaderSchema)
@blp.response(200, LeaderSchema)
@club_admin
def update_leader(body, leader_id: int):
    """Replace everything about the leader (credentials, availability and absences included)."""
    leader = _leader(leader_id)
    leaders.update_leader(get_session(), _club(), leader, leader_input(body))
    get_session().commit()
    return leader


@blp.route("/<id:leader_id>", methods=["DELETE"])
@blp.response(204)
@club_admin
def deactivate_leader(leader_id: int):
    """Deactivate: the leader's history stays, the planner stops offering them."""
    leaders.set_active(get_session(), _club(), _leader(leader_id), False)
    get_session().commit()


@blp.route("/<id:leader_id>/activate", methods=["POST"])
@blp.response(200, LeaderSchema)
@club_admin
def activate_leader(leader_id: int):
    leader = _leader(leader_id)
    leaders.set_active(get_session(), _club(), leader, True)
    get_session().commit()
    return leader


@blp.route("/<id:leader_id>/availability", methods=["PUT"])
@blp.arguments(AvailabilitySchema)
@blp.response(200, AvailabilitySchema)
@club_admin
def set_availability(body, leader_id: int):
    leader = _leader(leader_id)
    leaders.set_availability(get_session(), leader, windows(body["availability"]))
    get_session().commit()
    return leader


@blp.route("/<id:leader_id>/absences")
@blp.response(200, AbsenceSchema(many=True))
@club_admin
def list_absences(leader_id: int):
    return _leader(leader_id).absences


@blp.route("/<id:leader_id>/absences", methods=["POST"])
@blp.arguments(AbsenceSchema)
@blp.response(201, AbsenceSchema)
@club_admin
def add_absence(body, leader_id: int):
    absence = leaders.add_absence(get_session(), _leader(leader_id), body["first_day"], body["last_day"],
                                  body["reason"])
    get_session().commit()
    return absence


@blp.route("/<id:leader_id>/absences/<id:absence_id>", methods=["DELETE"])
@blp.response(204)
@club_admin
def remove_absence(leader_id: int, absence_id: int):
    leaders.remove_absence(get_session(), _leader(leader_id), absence_id)
    get_session().commit()


@blp.route("/pledge")
@blp.response(200, PledgeSchema)
@club_admin
def get_pledge():
    """The hours a week the club pledges to the pool, in minutes."""
    return _club()


@blp.route("/pledge", methods=["PUT"])
@blp.arguments(PledgeSchema)
@blp.response(200, PledgeSchema)
@club_admin
def set_pledge(body):
    club = _club()
    leaders.set_pledge(get_session(), club, body["pledged_minutes_per_week"])
    get_session().commit()
    return club
