from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length

from pool import feeds, leaders, privacy
from pool.errors import Invalid, NotFound
from pool.models import Role
from web import translated
from web.club.forms import AvailabilityForm, ToggleForm
from web.database import get_session
from web.access import roles_required
from web.me import bp

leader_only = roles_required(Role.leader)


class AbsenceReport(FlaskForm):
    first_day = DateField(_l("First day"), validators=[DataRequired(_l("Enter the first day."))])
    last_day = DateField(_l("Last day"), validators=[DataRequired(_l("Enter the last day."))])
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Say briefly why, e.g. ill, exam, holiday.")),
                                                   Length(max=200)])


def _me():
    try:
        return leaders.leader_of(get_session(), current_user)
    except NotFound:
        abort(404)


def _week_start() -> dt.date:
    if "week" in request.args:
        try:
            return leaders.iso_week(request.args["week"])
        except Invalid:
            abort(404)
    return leaders.monday_of(dt.date.today())


@bp.get("/")
@leader_only
def week():
    me = _me()
    monday = _week_start()
    rows = leaders.leader_assignments(get_session(), me, monday, monday + dt.timedelta(days=13))
    weeks = [(monday + dt.timedelta(days=7 * n), monday + dt.timedelta(days=7 * n + 6),
              [a for a in rows if 0 <= (a.day - monday).days - 7 * n < 7]) for n in range(2)]
    return render_template("me/week.html", me=me, weeks=weeks, today=dt.date.today(),
                           previous=leaders.week_label(monday - dt.timedelta(days=7)),
                           next=leaders.week_label(monday + dt.timedelta(days=7)),
                           feed_url=_feed_url(me), toggle=ToggleForm(), span=leaders.assignment_span)


def _feed_url(me) -> str | None:
    return url_for("feeds.leader_feed", token=me.calendar_token, _external=True) if me.calendar_token else None


@bp.post("/calendar")
@leader_only
def calendar_link():
    me = _me()
    if ToggleForm().validate_on_submit():
        fresh = me.calendar_token is None
        feeds.rotate_feed_token(get_session(), me)
        get_session().commit()
        flash(_("Your calendar link is ready.") if fresh else
              _("You have a new calendar link; the old one no longer works."))
    return redirect(url_for("my.week") + "#calendar")


@bp.get("/personal-data.json")
@leader_only
def personal_data():
    """Everything the pool holds about me, as a file (the right of access)."""
    from web.club.privacy import json_download
    me = _me()
    return json_download(privacy.export_leader(get_session(), me), f"personuppgifter-{me.code}.json")


@bp.route("/absence", methods=["GET", "POST"])
@leader_only
def absence():
    me = _me()
    form = AbsenceReport()
    if form.validate_on_submit():
        try:
            leaders.report_absence(get_session(), me, form.first_day.data, form.last_day.data, form.reason.data)
        except Invalid as error:
            get_session().rollback()
            form[error.field].errors.append(translated(error))
        else:
            get_session().commit()
            flash(_("Your absence is reported; the coordinator will find a replacement."))
            return redirect(url_for("my.week"))
    status = 422 if request.method == "POST" else 200
    upcoming = [a for a in me.absences if a.last_day >= dt.date.today()]
    return render_template("me/absence.html", form=form, absences=upcoming), status


@bp.route("/availability", methods=["GET", "POST"])
@leader_only
def availability():
    me = _me()
    if request.method == "POST":
        form = AvailabilityForm()
        if form.validate_on_submit():
            try:
                leaders.set_availability(get_session(), me, form.availability.data)
            except Invalid as error:
                get_session().rollback()
                form.availability.errors = [translated(error)]
            else:
                get_session().commit()
                flash(_("Your availability is saved."))
                return redirect(url_for("my.availability"))
        return render_template("me/availability.html", form=form), 422
    form = AvailabilityForm(data={"availability": [
        leaders.Window(w.weekday, w.start_minute, w.end_minute) for w in me.availability]})
    return render_template("me/availability.html", form=form)
