"""Planning over JSON for coordinators: solve runs, a schedule with its figures and reasons, hand edits
with optimistic locking, approval and publication. The same services and rules as the planning pages."""
from __future__ import annotations

import dataclasses

import flask_smorest
from flask import current_app
from flask_login import current_user
from marshmallow import Schema, fields, validate

from pool import schedules, solve_runs
from pool.errors import N_, Invalid
from pool.models import Role
from web.access import current_pool, roles_required
from web.database import get_session
from web.api import Count, Id, Text
from web.plan.reasons import reason_text
from web.plan.views import RUN_LABELS

blp = flask_smorest.Blueprint("schedules", __name__, description="Solve a period, review and adjust the "
                                                                  "proposal, approve and publish it (coordinators).")
coordinator = roles_required(Role.coordinator)


class SolveRequestSchema(Schema):
    period = Text(required=True, metadata={"description": "an ISO week such as 2027-W03, or a term's name"})
    time_limit = fields.Float(load_default=10.0, validate=validate.Range(min=1, max=solve_runs.MAX_TIME_LIMIT))


class RunSchema(Schema):
    id = fields.Integer()
    state = fields.Function(lambda run: run.state.value)
    state_label = fields.Function(lambda run: str(RUN_LABELS[run.state.value]))
    period_start = fields.Date()
    period_end = fields.Date()
    time_limit = fields.Float()
    progress = fields.Dict(metadata={"description": "fill and bound so far (0..1), seconds, stage"})
    error = fields.String()
    schedule_id = fields.Integer(allow_none=True)


class ScheduleAssignmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    need_id = Id(required=True)
    need = fields.Function(lambda a: a.need.title, dump_only=True)
    day = fields.Date(required=True)
    leader_id = Id(required=True)
    leader = fields.Function(lambda a: a.leader.name, dump_only=True)
    pinned = fields.Boolean(load_default=False)
    row_version = Count(required=True, metadata={
        "description": "on reading: the assignment's version; on adding: the schedule's version it was made against"})


class ScheduleAssignmentChangeSchema(Schema):
    row_version = Count(required=True, metadata={"description": "the assignment's version as read"})
    pinned = fields.Boolean()
    leader_id = Id(metadata={"description": "put this leader on the seat instead"})


class VersionSchema(Schema):
    row_version = Count(required=True, metadata={"description": "the schedule's version as read"})


class ScheduleSchema(Schema):
    id = fields.Integer()
    state = fields.Function(lambda s: s.state.value)
    version = fields.Integer()
    row_version = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    based_on_id = fields.Integer(allow_none=True)
    solver_info = fields.Dict()
    assignments = fields.List(fields.Nested(ScheduleAssignmentSchema))


class ReviewSchema(ScheduleSchema):
    metrics = fields.Dict()
    leaders_per_club = fields.Dict()
    unfilled = fields.List(fields.Dict())
    changes = fields.List(fields.Dict(), metadata={"description": "added and removed leaders per occurrence, "
                                                                  "against what is published"})


class _Reviewed:
    """A schedule with its figures, unfilled seats and changes beside it, for ReviewSchema."""

    def __init__(self, schedule, **extra):
        self._schedule = schedule
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self._schedule, name)


def _review(schedule) -> _Reviewed:
    db, pool = get_session(), current_pool()
    review = schedules.review(db, pool, schedule)
    unfilled = [{"need": u.need, "day": u.date.isoformat(), "missing": u.missing,
                 "reasons": [{"code": getattr(r, "code", ""), "text": reason_text(r)} for r in u.reasons]}
                for u in review.unfilled]
    changes = [{"need_id": c.need.id, "need": c.need.title, "day": c.day.isoformat(),
                "added": [l.name for l in c.added], "removed": [l.name for l in c.removed]}
               for c in schedules.diff(db, pool, schedule)]
    return _Reviewed(schedule, metrics=dataclasses.asdict(review.metrics), leaders_per_club=review.leaders_per_club,
                     unfilled=unfilled, changes=changes)


@blp.route("/solve-runs", methods=["POST"])
@blp.arguments(SolveRequestSchema)
@blp.response(202, RunSchema)
@coordinator
def start_run(body):
    """Solve a period in the background; poll the run for its progress and the new draft's id."""
    db, pool = get_session(), current_pool()
    first, last = schedules.parse_period(db, pool, body["period"])
    run = solve_runs.start(db, pool, first, last, time_limit=body["time_limit"], user_id=current_user.id)
    db.commit()
    solve_runs.run_in_background(current_app.extensions["pool_sessions"], run.id,
                                 num_workers=current_app.config.get("POOL_SOLVER_WORKERS", 2))
    return run


@blp.route("/solve-runs/<id:run_id>")
@blp.response(200, RunSchema)
@coordinator
def get_run(run_id: int):
    return solve_runs.get_run(get_session(), current_pool(), run_id)


@blp.route("/<id:schedule_id>")
@blp.response(200, ReviewSchema)
@coordinator
def get_schedule(schedule_id: int):
    """The schedule with its assignments, its figures, every unfilled seat with reasons, and the changes."""
    return _review(schedules.get_schedule(get_session(), current_pool(), schedule_id))


@blp.route("/<id:schedule_id>/assignments", methods=["POST"])
@blp.arguments(ScheduleAssignmentSchema)
@blp.response(201, ScheduleAssignmentSchema)
@coordinator
def add_assignment(body, schedule_id: int):
    """Seat a leader; 422 names the broken rule, 409 when the schedule changed since ``row_version``."""
    row = schedules.assign(get_session(), current_pool(), schedule_id, need_id=body["need_id"], day=body["day"],
                           leader_id=body["leader_id"], expected_version=body["row_version"],
                           pinned=body["pinned"], actor=current_user)
    get_session().commit()
    return row


@blp.route("/<id:schedule_id>/assignments/<id:assignment_id>", methods=["PATCH"])
@blp.arguments(ScheduleAssignmentChangeSchema)
@blp.response(200, ScheduleAssignmentSchema)
@coordinator
def change_assignment(body, schedule_id: int, assignment_id: int):
    """Pin or unpin, or put another leader on the seat."""
    db, pool = get_session(), current_pool()
    if "leader_id" not in body and "pinned" not in body:
        raise Invalid("pinned", N_("Say what to change: pinned, leader_id or both."))
    row = None
    if "leader_id" in body:
        row = schedules.swap(db, pool, schedule_id, assignment_id, body["leader_id"], body["row_version"],
                             actor=current_user)
    if "pinned" in body:
        version = row.row_version if row is not None else body["row_version"]
        row = schedules.set_pinned(db, pool, schedule_id, assignment_id, body["pinned"], version, actor=current_user)
    db.commit()
    return row


class DeleteArgs(Schema):
    row_version = Count(strict=False, required=True, metadata={"description": "the assignment's version as read"})


@blp.route("/<id:schedule_id>/assignments/<id:assignment_id>", methods=["DELETE"])
@blp.arguments(DeleteArgs, location="query")
@blp.response(204)
@coordinator
def remove_assignment(args, schedule_id: int, assignment_id: int):
    schedules.unassign(get_session(), current_pool(), schedule_id, assignment_id, args["row_version"],
                       actor=current_user)
    get_session().commit()


@blp.route("/<id:schedule_id>/approve", methods=["POST"])
@blp.arguments(VersionSchema)
@blp.response(200, ScheduleSchema)
@coordinator
def approve(body, schedule_id: int):
    schedule = schedules.approve(get_session(), current_pool(), schedule_id, body["row_version"], actor=current_user)
    get_session().commit()
    return schedule


@blp.route("/<id:schedule_id>/publish", methods=["POST"])
@blp.arguments(VersionSchema)
@blp.response(200, ScheduleSchema)
@coordinator
def publish(body, schedule_id: int):
    """Publish an approved schedule; the period's previously published one is superseded."""
    schedule = schedules.publish(get_session(), current_pool(), schedule_id, body["row_version"], actor=current_user)
    get_session().commit()
    return schedule
