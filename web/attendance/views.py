from __future__ import annotations

import datetime as dt
from typing import Optional

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange
from wtforms.validators import Optional as Skippable

from pool import attendance, leaders, report
from pool.attendance import AttendanceInput
from pool.errors import Conflict, Invalid, NotFound
from pool.models import Assignment, Pool, Role
from web import translated
from web.access import current_pool, roles_required
from web.attendance import bp
from web.database import get_session

recorders = roles_required(Role.leader, Role.coordinator)
NUMBER = {"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}


class AttendanceForm(FlaskForm):
    held = RadioField(_l("Was it held?"), choices=[SelectChoice("yes", _l("Yes, held")), SelectChoice("no", _l("No, cancelled"))], default="yes")
    participants = IntegerField(_l("Participants"), validators=[Skippable(), NumberRange(min=0)], render_kw=NUMBER)
    girls = IntegerField(_l("Of whom girls"), validators=[Skippable(), NumberRange(min=0)], render_kw=NUMBER)
    cancel_reason = StringField(_l("Why was it cancelled?"))
    row_version = HiddenField()


def _now(pool: Pool) -> dt.datetime:
    return report.local_now(pool)


@bp.app_template_global("attendance_link")
def attendance_link(assignment: Assignment, start: dt.datetime) -> Optional[dict]:
    """For "Min vecka": where to record a started session, and whether it is recorded already."""
    pool = get_session().get(Pool, assignment.need.pool_id)
    if start > _now(pool):
        return None
    note = attendance.attendance_of(get_session(), pool, assignment.need_id, assignment.day)
    return {"url": url_for("recording.form", need_id=assignment.need_id, day=assignment.day.isoformat()),
            "recorded": note is not None}


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        abort(404)


@bp.route("/<int:need_id>/<day>", methods=["GET", "POST"])
@recorders
def form(need_id: int, day: str):
    pool, session = current_pool(), get_session()
    when = _day(day)
    try:
        need = attendance.get_session_need(session, pool, current_user, need_id, when)
    except NotFound:
        abort(404)
    note = attendance.attendance_of(session, pool, need_id, when)
    form = AttendanceForm() if request.method == "POST" else _filled(note)
    conflict = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            attendance.record(session, pool, current_user, need_id, when, _input(form),
                              expected_version=_int(form.row_version.data), now=_now(pool))
        except Invalid as error:
            session.rollback()
            target = form[error.field] if error.field in form else form.held
            target.errors.append(translated(error))
        except Conflict as error:
            session.rollback()
            conflict = translated(error)
            note = attendance.attendance_of(session, pool, need_id, when)
            form.row_version.data = str(note.row_version) if note else ""  # saving again overwrites, knowingly
        else:
            session.commit()
            flash(_("Thank you, the attendance is saved."))
            return redirect(_back(when))
    status = 409 if conflict else 422 if request.method == "POST" else 200
    return render_template("attendance/form.html", form=form, need=need, day=when, note=note, conflict=conflict,
                           starts_at=attendance.starts_at(need, when), back=_back(when),
                           started=attendance.starts_at(need, when) <= _now(pool)), status


def _filled(note) -> AttendanceForm:
    if note is None:
        return AttendanceForm(formdata=None)
    return AttendanceForm(formdata=None, held="yes" if note.held else "no",
                          participants=note.participants if note.held else None,
                          girls=note.girls if note.held else None, cancel_reason=note.cancel_reason,
                          row_version=str(note.row_version))


def _input(form: AttendanceForm) -> AttendanceInput:
    return AttendanceInput(held=form.held.data != "no", participants=form.participants.data,
                           girls=form.girls.data, cancel_reason=form.cancel_reason.data or "")


def _int(text: Optional[str]) -> Optional[int]:
    return int(text) if text and text.isdigit() else None


def _back(day: dt.date) -> str:
    if current_user.role is Role.leader:
        return url_for("my.week", week=leaders.week_label(leaders.monday_of(day)))
    return url_for("recording.week", week=leaders.week_label(leaders.monday_of(day)))


@bp.get("/")
@recorders
def week():
    """A week's published sessions with their notes: the coordinator's all, a leader's own."""
    pool, session = current_pool(), get_session()
    try:
        monday = leaders.iso_week(request.args["week"]) if "week" in request.args else \
            leaders.monday_of(dt.date.today())
    except Invalid:
        abort(404)
    leader_id = current_user.leader_id if current_user.role is Role.leader else None
    rows = attendance.sessions_between(session, pool, monday, monday + dt.timedelta(days=6), leader_id=leader_id)
    return render_template("attendance/week.html", rows=rows, monday=monday, now=_now(pool),
                           previous=leaders.week_label(monday - dt.timedelta(days=7)),
                           next=leaders.week_label(monday + dt.timedelta(days=7)))
