from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms import validators, widgets
from wtforms.fields.choices import SelectChoice

from pool import needs as services
from pool.errors import N_, Invalid, NotFound
from pool.models import Role
from pool.schedules import parse_period, week_of
from web import translated
from web.access import current_pool, roles_required
from web.club.tags import tag_label
from web.database import get_session
from web.requests import bp
from web.requests.labels import ACTIVITY_KINDS, WEEKDAYS, helpers

requester = roles_required(Role.requester)
FORM_FIELDS = {"start", "end", "weekdays", "dates", "seats", "first_day", "last_day", "priority", "site", "title",
               "skills", "activity_kind", "contact", "description"}


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class NeedForm(FlaskForm):
    title = StringField(_l("Title"), validators=[validators.InputRequired(_l("Give the need a title."))])
    activity_kind = SelectField(_l("Kind of activity"), choices=choices(ACTIVITY_KINDS.items()))
    site = SelectField(_l("Place"), validate_choice=False)
    recurrence = RadioField(_l("How often"), default="weekly",
                            choices=choices([("weekly", _l("Every week on the chosen weekdays")),
                                             ("dates", _l("On the given dates only"))]))
    weekdays = CheckboxesField(_l("Weekdays"), coerce=int, choices=choices((i + 1, d) for i, d in enumerate(WEEKDAYS)))
    dates = StringField(_l("Dates"))
    start = StringField(_l("From"), validators=[validators.InputRequired(_l("Give a start time."))])
    end = StringField(_l("To"), validators=[validators.InputRequired(_l("Give an end time."))])
    seats = IntegerField(_l("Number of people"), default=1,
                         validators=[validators.InputRequired(_l("Give a whole number of people."))])
    first_day = DateField(_l("First day"), validators=[validators.Optional()])
    last_day = DateField(_l("Last day"), validators=[validators.Optional()])
    follows_school_calendar = BooleanField(_l("Follows the school calendar (no school breaks or public holidays)"))
    background_check = BooleanField(_l("Background check required (for work with children)"))
    skills = StringField(_l("Other requirements"))
    priority = SelectField(_l("Priority"), coerce=int, default=3,
                           choices=choices([(5, _l("5 – highest")), (4, "4"), (3, _l("3 – normal")), (2, "2"),
                                            (1, _l("1 – lowest"))]))
    description = TextAreaField(_l("What the leaders do"))
    contact = StringField(_l("Whom the leaders ask on site"))
    confidential = BooleanField(_l("Confidential: others see only time, place and role"))

    def fill_sites(self, sites) -> None:
        self.site.choices = choices([("", _("Choose a place"))] + [(str(s.id), s.name) for s in sites])


def _pool_and_unit():
    try:
        return current_pool(), services.requesting_unit(current_user)
    except NotFound:
        abort(404)


def _input(form: NeedForm) -> services.NeedInput:
    weekly = form.recurrence.data != "dates"
    return services.NeedInput(
        title=form.title.data or "", site_id=int(form.site.data) if (form.site.data or "").isdigit() else None,
        start_minute=services.parse_clock(form.start.data, "start"),
        end_minute=services.parse_clock(form.end.data, "end"),
        weekdays=list(form.weekdays.data or []) if weekly else [],
        dates=[] if weekly else services.parse_dates(form.dates.data) or _no_dates(),
        seats=form.seats.data, first_day=form.first_day.data, last_day=form.last_day.data,
        follows_school_calendar=form.follows_school_calendar.data,
        skills=services.parse_tags(form.skills.data),
        credentials=[services.BACKGROUND_CHECK] if form.background_check.data else [],
        priority=form.priority.data, activity_kind=form.activity_kind.data or "",
        description=form.description.data or "", contact=form.contact.data or "",
        confidential=form.confidential.data)


def _no_dates():
    raise Invalid("dates", N_("Give at least one date for a one-off need."))


def _show_error(form: NeedForm, error: Invalid) -> None:
    message = translated(error)
    target = getattr(form, error.field if error.field in FORM_FIELDS else "title")
    target.errors = [*target.errors, message]


def _save(form: NeedForm, unit, need_id=None):
    """Create or update from a valid form; on a broken rule, the error goes beside its field."""
    db = get_session()
    try:
        data = _input(form)
        if need_id is None:
            services.create_need(db, current_pool(), unit, data)
        else:
            services.update_need(db, current_pool(), unit, need_id, data)
        db.commit()
        return True
    except Invalid as error:
        db.rollback()
        _show_error(form, error)
        return False


def _render_form(form, need=None, status=200):
    known = sorted({"female", "licence:B", "lang:so", "lang:ar", "lang:ti", "first-aid"})
    return render_template("requests/need_form.html", form=form, need=need, tags=[(t, tag_label(t)) for t in known],
                           **helpers()), status


@bp.route("/new", methods=["GET", "POST"])
@requester
def new_need():
    pool, unit = _pool_and_unit()
    form = NeedForm()
    form.fill_sites(services.sites_of(get_session(), pool))
    if request.method == "GET":
        _defaults(form, pool, unit)
    if form.validate_on_submit():
        if _save(form, unit):
            flash(_("The need was posted. The coordinator plans it with the next schedule."), "success")
            return redirect(url_for(".needs"))
    return _render_form(form, status=422 if form.errors else 200)


def _defaults(form: NeedForm, pool, unit) -> None:
    """The current term, and for schools the school calendar and a background check."""
    term = services.current_term(get_session(), pool, dt.date.today())
    if term:
        form.first_day.data, form.last_day.data = term.first_day, term.last_day
    school = unit.unit_type == "school"
    form.follows_school_calendar.data = form.background_check.data = school
    same_site = next((s for s in services.sites_of(get_session(), pool) if s.code == unit.code), None)
    if same_site:
        form.site.data = str(same_site.id)


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@requester
def edit_need(need_id: int):
    pool, unit = _pool_and_unit()
    need = _own(pool, unit, need_id)
    form = NeedForm(obj=None if request.method == "POST" else _FormValues(need))
    form.fill_sites(services.sites_of(get_session(), pool))
    if form.validate_on_submit():
        if _save(form, unit, need.id):
            flash(_("The need was saved."), "success")
            return redirect(url_for(".needs"))
    return _render_form(form, need, status=422 if form.errors else 200)


class _FormValues:
    """A need as the form's fields read it."""

    def __init__(self, need):
        self.title, self.activity_kind, self.site = need.title, need.activity_kind or "other", str(need.site_id)
        self.recurrence = "dates" if need.dates else "weekly"
        self.weekdays, self.dates = list(need.weekdays), " ".join(need.dates)
        self.start, self.end = services.clock(need.start_minute), services.clock(need.end_minute)
        if need.end_minute == services.DAY:
            self.end = "24:00"
        self.seats, self.priority = need.seats, need.priority
        self.first_day, self.last_day = need.first_day, need.last_day
        self.follows_school_calendar = need.follows_school_calendar
        self.background_check = services.BACKGROUND_CHECK in need.credentials
        self.skills = " ".join(need.skills)
        self.description, self.contact, self.confidential = need.description, need.contact, need.confidential


def _own(pool, unit, need_id):
    try:
        return services.get_need(get_session(), pool, need_id, unit)
    except NotFound:
        abort(404)


@bp.post("/<int:need_id>/active")
@requester
def set_active(need_id: int):
    pool, unit = _pool_and_unit()
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    db = get_session()
    try:
        services.set_active(db, pool, unit, need_id, active)
    except NotFound:
        abort(404)
    db.commit()
    flash(_("The need is active again.") if active else _("The need is no longer planned."), "success")
    return redirect(url_for(".needs"))


@bp.get("/")
@requester
def needs():
    pool, unit = _pool_and_unit()
    return render_template("requests/needs.html", unit=unit, needs=services.needs_of(get_session(), pool, unit),
                           form=FlaskForm(), **helpers())


@bp.get("/weeks")
@requester
def weeks():
    """One ISO week of the unit's needs: per occurrence, filled and open seats, and who is coming."""
    pool, unit = _pool_and_unit()
    db = get_session()
    own = [n for n in services.needs_of(db, pool, unit) if n.active]
    first, last = _week(db, pool, own)
    occurrences = services.staffing(db, pool, own, first, last)
    others = services.neighbours(db, pool, unit)
    nearby = services.staffing(db, pool, others, first, last)
    return render_template("requests/weeks.html", unit=unit, first=first, last=last, week=first.isocalendar()[1],
                           occurrences=occurrences, nearby=nearby, visible=services.visible_fields,
                           previous=week_of(first - dt.timedelta(days=7)), next=week_of(first + dt.timedelta(days=7)),
                           **helpers())


def _week(db, pool, own) -> tuple[dt.date, dt.date]:
    """The asked week, else this week, else the week the unit's first need starts."""
    asked = request.args.get("week")
    if asked:
        try:
            return parse_period(db, pool, asked) if "W" in asked.upper() else abort(404)
        except Invalid:
            abort(404)
    today = dt.date.today()
    starts = [n.first_day for n in own if n.first_day]
    day = min(starts) if starts and min(starts) > today else today
    return parse_period(db, pool, week_of(day))
