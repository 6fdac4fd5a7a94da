from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, validators

from pool import schedules, solve_runs
from pool.errors import Conflict, Invalid, NotFound
from pool.models import Need, Role, ScheduleState, in_pool
from pool.planning import newest_schedule
from web.access import current_pool, roles_required
from web.database import get_session
from web.plan import bp, grid
from web.plan.reasons import error_text, reason_text, violation_text
from web.requests.labels import helpers

coordinator = roles_required(Role.coordinator)
STATE_LABELS = {ScheduleState.draft: _l("draft"), ScheduleState.approved: _l("approved"),
                ScheduleState.published: _l("published"), ScheduleState.superseded: _l("superseded")}
RUN_LABELS = {"queued": _l("waiting to start"), "running": _l("solving"), "done": _l("done"), "failed": _l("failed")}


class SolveForm(FlaskForm):
    period = StringField(_l("Period"), validators=[validators.InputRequired(_l("Give a week or a term."))])
    time_limit = IntegerField(_l("Seconds the solver may use"), default=10,
                              validators=[validators.InputRequired(_l("Give a whole number of seconds.")),
                                          validators.NumberRange(1, 600, _l("Between 1 and 600 seconds."))])


class VersionForm(FlaskForm):
    """Every edit carries the version it was made against, so a stale edit is refused."""
    version = HiddenField()


def _page_helpers() -> dict:
    return dict(helpers(), state_label=lambda s: STATE_LABELS.get(s, s), reason_text=reason_text,
                short_name=grid.short_name, week_of=schedules.week_of)


def _found(call, *args):
    try:
        return call(get_session(), current_pool(), *args)
    except NotFound:
        abort(404)


# ------------------------------------------------------------------------------ periods and runs
@bp.route("/", methods=["GET"])
@coordinator
def index():
    db, pool = get_session(), current_pool()
    period = request.args.get("period") or schedules.week_of(dt.date.today() + dt.timedelta(days=7))
    form = SolveForm(data={"period": period})
    broken, problem, first = [], None, None
    try:
        first, last = schedules.parse_period(db, pool, period)
        problem, broken = schedules.broken_published(db, pool, first, last)
    except Invalid as error:
        form.period.errors = [error_text(error)]
    published = newest_schedule(db, pool, first, last, ScheduleState.published) if first else None
    return render_template("plan/index.html", form=form, period=period, terms=schedules.terms(db, pool),
                           broken=[(b, [violation_text(v, problem) for v in b.violations]) for b in broken],
                           published=published, runs=solve_runs.recent_runs(db, pool),
                           recent=schedules.recent_schedules(db, pool), run_label=RUN_LABELS, **_page_helpers())


@bp.post("/solve")
@coordinator
def solve():
    db, pool = get_session(), current_pool()
    form = SolveForm()
    if form.validate_on_submit():
        try:
            first, last = schedules.parse_period(db, pool, form.period.data)
            run = solve_runs.start(db, pool, first, last, time_limit=float(form.time_limit.data),
                                   user_id=current_user.id)
            db.commit()
        except (Invalid, Conflict) as error:
            db.rollback()
            flash(error_text(error), "error")
            return redirect(url_for(".index", period=form.period.data))
        solve_runs.run_in_background(current_app.extensions["pool_sessions"], run.id,
                                     num_workers=current_app.config.get("POOL_SOLVER_WORKERS", 2))
        return redirect(url_for(".run", run_id=run.id))
    for errors in form.errors.values():
        flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for(".index", period=form.period.data or None))


@bp.get("/runs/<int:run_id>")
@coordinator
def run(run_id: int):
    found = _found(solve_runs.get_run, run_id)
    return render_template("plan/run.html", run=found, run_label=RUN_LABELS, **_page_helpers())


# ------------------------------------------------------------------------------ the proposal
@bp.get("/schedules/<int:schedule_id>")
@coordinator
def schedule(schedule_id: int):
    db, pool = get_session(), current_pool()
    found = _found(schedules.get_schedule, schedule_id)
    monday = _monday(found)
    review = schedules.review(db, pool, found)
    sunday = monday + dt.timedelta(days=6)
    needs = {n.code: n for n in db.scalars(sa.select(Need).where(Need.pool_id == pool.id))}
    unfilled = [(needs[u.need], u) for u in review.unfilled if monday <= u.date <= sunday]
    changes = [c for c in schedules.diff(db, pool, found) if monday <= c.day <= sunday] \
        if found.state is not ScheduleState.published else []
    broken = []
    if found.state is ScheduleState.published:
        problem, rows = schedules.broken_published(db, pool, found.period_start, found.period_end)
        broken = [(b, [violation_text(v, problem) for v in b.violations]) for b in rows]
    return render_template(
        "plan/schedule.html", schedule=found, review=review, rows=grid.build(db, found, review.problem, monday),
        days=grid.week_days(monday), monday=monday, weeks=_weeks(found), unfilled=unfilled, changes=changes,
        broken=broken, form=VersionForm(), **_page_helpers())


def _monday(found) -> dt.date:
    asked = request.args.get("week", "")
    try:
        first, _last = schedules.parse_period(get_session(), current_pool(), asked) if asked else (found.period_start, 0)
    except Invalid:
        abort(404)
    monday = first - dt.timedelta(days=first.weekday())
    return max(monday, found.period_start - dt.timedelta(days=found.period_start.weekday()))


def _weeks(found) -> list[str]:
    weeks, day = [], found.period_start
    while day <= found.period_end:
        weeks.append(schedules.week_of(day))
        day += dt.timedelta(days=7 - day.weekday())
    return weeks


@bp.get("/schedules/<int:schedule_id>/occurrence")
@coordinator
def occurrence(schedule_id: int):
    db, pool = get_session(), current_pool()
    found = _found(schedules.get_schedule, schedule_id)
    need = in_pool(db, Need, pool.id, request.args.get("need", type=int))
    try:
        day = dt.date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        abort(404)
    if need is None:
        abort(404)
    review = schedules.review(db, pool, found)
    fitting, others = schedules.leader_choices(db, pool, found, review.problem, need, day)
    crew = [a for a in found.assignments if a.need_id == need.id and a.day == day]
    reasons = next((u.reasons for u in review.unfilled if u.need == need.code and u.date == day), ())
    return render_template("plan/occurrence.html", schedule=found, need=need, day=day, crew=crew,
                           fitting=fitting, others=others, reasons=reasons, form=VersionForm(),
                           editable=found.state is ScheduleState.draft, **_page_helpers())


# ------------------------------------------------------------------------------ edits
def _apply(schedule_id: int, action, success: str):
    """Run one edit in its own transaction; a broken rule or a stale version is refused with the reason."""
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    try:
        action(db, current_pool(), _version(form))
        db.commit()
        flash(success, "success")
    except NotFound:
        abort(404)
    except (Invalid, Conflict) as error:
        db.rollback()
        flash(_("Refused: %(reason)s", reason=error_text(error)), "error")
    back = request.form.get("back", "")
    local = back.startswith("/") and not back.startswith("//")
    return redirect(back if local else url_for(".schedule", schedule_id=schedule_id))


def _version(form) -> int:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        abort(400)


def _number(name: str) -> int:
    value = request.form.get(name, type=int)
    if value is None:
        abort(400)
    return value


@bp.post("/schedules/<int:schedule_id>/assign")
@coordinator
def assign(schedule_id: int):
    try:
        day = dt.date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        abort(400)
    need_id, leader_id = _number("need_id"), _number("leader_id")
    return _apply(schedule_id, lambda db, pool, version: schedules.assign(
        db, pool, schedule_id, need_id=need_id, day=day, leader_id=leader_id, expected_version=version,
        pinned=request.form.get("pinned") == "1", actor=current_user), _("The leader was assigned."))


@bp.post("/schedules/<int:schedule_id>/assignments/<int:assignment_id>/unassign")
@coordinator
def unassign(schedule_id: int, assignment_id: int):
    return _apply(schedule_id, lambda db, pool, version: schedules.unassign(
        db, pool, schedule_id, assignment_id, version, actor=current_user), _("The seat is free again."))


@bp.post("/schedules/<int:schedule_id>/assignments/<int:assignment_id>/pin")
@coordinator
def pin(schedule_id: int, assignment_id: int):
    pinned = request.form.get("pinned") == "1"
    return _apply(schedule_id, lambda db, pool, version: schedules.set_pinned(
        db, pool, schedule_id, assignment_id, pinned, version, actor=current_user),
        _("Pinned: the next solve keeps it.") if pinned else _("No longer pinned."))


@bp.post("/schedules/<int:schedule_id>/assignments/<int:assignment_id>/swap")
@coordinator
def swap(schedule_id: int, assignment_id: int):
    leader_id = _number("leader_id")
    return _apply(schedule_id, lambda db, pool, version: schedules.swap(
        db, pool, schedule_id, assignment_id, leader_id, version, actor=current_user),
        _("The leader was replaced."))


@bp.post("/schedules/<int:schedule_id>/approve")
@coordinator
def approve(schedule_id: int):
    return _apply(schedule_id, lambda db, pool, version: schedules.approve(db, pool, schedule_id, version,
                                                                           actor=current_user),
                  _("The schedule is approved. Publish it to show it to leaders and requesters."))


@bp.post("/schedules/<int:schedule_id>/publish")
@coordinator
def publish(schedule_id: int):
    return _apply(schedule_id, lambda db, pool, version: schedules.publish(db, pool, schedule_id, version,
                                                                           actor=current_user),
                  _("The schedule is published."))
