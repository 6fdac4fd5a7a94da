"""The signed-in leader's own week, absences, availability and calendar link over JSON."""
from __future__ import annotations

import datetime as dt

import flask_smorest
from flask import abort, url_for
from flask_login import current_user
from marshmallow import Schema, fields

from pool import feeds, leaders
from pool.errors import NotFound
from pool.models import Role
from web.access import roles_required
from web.api.leaders import AbsenceSchema, AvailabilitySchema, windows
from web.database import get_session

blp = flask_smorest.Blueprint("me", __name__, description="The signed-in leader's own schedule (leaders).")
leader_only = roles_required(Role.leader)


class WeekQuery(Schema):
    week = fields.String(load_default=None, metadata={"description": "ISO week, e.g. 2027-W03; default this week"})


class AssignmentSchema(Schema):
    day = fields.Date()
    start = fields.DateTime()
    end = fields.DateTime(metadata={"description": "the next day when the assignment runs past midnight"})
    title = fields.String()
    description = fields.String()
    contact = fields.String(metadata={"description": "whom to ask on site"})
    site = fields.String()
    address = fields.String()


class WeekSchema(Schema):
    week = fields.String()
    assignments = fields.List(fields.Nested(AssignmentSchema))


class FeedSchema(Schema):
    url = fields.String(allow_none=True)


def _me():
    try:
        return leaders.leader_of(get_session(), current_user)
    except NotFound:
        abort(404)


def _assignment(row) -> dict:
    start, end = leaders.assignment_span(row)
    need = row.need
    return {"day": row.day, "start": start, "end": end, "title": need.title, "description": need.description,
            "contact": need.contact, "site": need.site.name, "address": need.site.address}


@blp.route("/assignments")
@blp.arguments(WeekQuery, location="query")
@blp.response(200, WeekSchema)
@leader_only
def my_assignments(query):
    """My published assignments of one ISO week; times are local (Europe/Stockholm)."""
    monday = leaders.iso_week(query["week"]) if query["week"] else leaders.monday_of(dt.date.today())
    rows = leaders.leader_assignments(get_session(), _me(), monday, monday + dt.timedelta(days=6))
    return {"week": leaders.week_label(monday), "assignments": [_assignment(r) for r in rows]}


@blp.route("/absences")
@blp.response(200, AbsenceSchema(many=True))
@leader_only
def my_absences():
    return _me().absences


@blp.route("/absences", methods=["POST"])
@blp.arguments(AbsenceSchema)
@blp.response(201, AbsenceSchema)
@leader_only
def report_absence(body):
    """Report that I cannot work first_day..last_day; the coordinator re-plans what it breaks."""
    absence = leaders.report_absence(get_session(), _me(), body["first_day"], body["last_day"], body["reason"])
    get_session().commit()
    return absence


@blp.route("/availability")
@blp.response(200, AvailabilitySchema)
@leader_only
def my_availability():
    return _me()


@blp.route("/availability", methods=["PUT"])
@blp.arguments(AvailabilitySchema)
@blp.response(200, AvailabilitySchema)
@leader_only
def set_my_availability(body):
    me = _me()
    leaders.set_availability(get_session(), me, windows(body["availability"]))
    get_session().commit()
    return me


@blp.route("/calendar")
@blp.response(200, FeedSchema)
@leader_only
def my_calendar():
    me = _me()
    return {"url": url_for("feeds.leader_feed", token=me.calendar_token, _external=True)
            if me.calendar_token else None}


@blp.route("/calendar", methods=["POST"])
@blp.response(200, FeedSchema)
@leader_only
def new_calendar_link():
    """A new private calendar link; the old one stops working."""
    me = _me()
    token = feeds.rotate_feed_token(get_session(), me)
    get_session().commit()
    return {"url": url_for("feeds.leader_feed", token=token, _external=True)}
