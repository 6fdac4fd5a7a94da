"""Attendance notes over JSON: the same rules as the page — a leader their own started sessions, the
coordinator any; counts only; an edit sends the row_version it read and a stale one gets 409."""
from __future__ import annotations

import datetime as dt

import flask_smorest
from flask import abort
from flask_login import current_user
from marshmallow import Schema, fields

from pool import attendance, leaders, report
from pool.attendance import AttendanceInput
from pool.errors import N_, NotFound
from pool.models import Role
from web.access import current_pool, roles_required
from web.database import get_session
from web.api import Count, Text

blp = flask_smorest.Blueprint("attendance", __name__,
                              description="Attendance notes after sessions: held or cancelled, counts only "
                                          "(leaders for their own sessions, the coordinator for any).")
recorders = roles_required(Role.leader, Role.coordinator)


class WeekQuery(Schema):
    week = fields.String(load_default=None, metadata={"description": "ISO week, e.g. 2027-W03; default this week"})


class AttendanceSchema(Schema):
    held = fields.Boolean(required=True)
    participants = Count(load_default=None, allow_none=True)
    girls = Count(load_default=None, allow_none=True, metadata={"description": "of the participants"})
    cancel_reason = Text(load_default="")
    row_version = Count(load_default=None, allow_none=True,
                                 metadata={"description": "the version read; omit when there was no note"})
    recorded_at = fields.DateTime(dump_only=True)


class SessionSchema(Schema):
    need_id = fields.Integer()
    day = fields.Date()
    title = fields.String()
    site = fields.String()
    starts_at = fields.DateTime(metadata={"description": "local time (Europe/Stockholm)"})
    leaders = fields.Integer(metadata={"description": "how many leaders were assigned"})
    attendance = fields.Nested(AttendanceSchema, allow_none=True)


def _session(ref) -> dict:
    return {"need_id": ref.need.id, "day": ref.day, "title": ref.need.title, "site": ref.need.site.name,
            "starts_at": ref.starts_at, "leaders": ref.leaders, "attendance": ref.attendance}


@blp.route("/sessions")
@blp.arguments(WeekQuery, location="query")
@blp.response(200, SessionSchema(many=True))
@recorders
def week_sessions(query):
    """The published sessions of one ISO week with their notes (a leader's own only)."""
    monday = leaders.iso_week(query["week"]) if query["week"] else leaders.monday_of(dt.date.today())
    leader_id = current_user.leader_id if current_user.role is Role.leader else None
    return [_session(r) for r in attendance.sessions_between(get_session(), current_pool(), monday,
                                                             monday + dt.timedelta(days=6), leader_id=leader_id)]


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        abort(404)


@blp.route("/<id:need_id>/<day>")
@blp.response(200, AttendanceSchema)
@recorders
def get_note(need_id: int, day: str):
    """The note of one session; 404 when it is not a session you may see, or has no note yet."""
    pool, when = current_pool(), _day(day)
    attendance.get_session_need(get_session(), pool, current_user, need_id, when)
    note = attendance.attendance_of(get_session(), pool, need_id, when)
    if note is None:
        raise NotFound(N_("No attendance recorded yet."))
    return note


@blp.route("/<id:need_id>/<day>", methods=["PUT"])
@blp.arguments(AttendanceSchema)
@blp.response(200, AttendanceSchema)
@recorders
def put_note(body, need_id: int, day: str):
    """Record or correct the note of a session that has started."""
    pool, when = current_pool(), _day(day)
    data = AttendanceInput(held=body["held"], participants=body["participants"], girls=body["girls"],
                           cancel_reason=body["cancel_reason"])
    note = attendance.record(get_session(), pool, current_user, need_id, when, data,
                             expected_version=body["row_version"], now=report.local_now(pool))
    get_session().commit()
    return note

