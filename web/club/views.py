from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pool import leader_import, leaders
from pool.errors import Invalid, NotFound
from pool.leaders import AbsenceSpan, LeaderInput
from pool.models import Leader, Role
from web import translated
from web.access import current_pool, roles_required
from web.club import bp, import_store
from web.club.forms import (BLANK_ABSENCES, BLANK_CREDENTIALS, ConfirmForm, LeaderForm, PledgeForm, ToggleForm,
                            UploadForm)
from web.club.tags import picker_choices, tag_label
from web.club.week_grid import SLOTS, describe
from web.database import get_session

club_admin = roles_required(Role.club_admin)
bp.add_app_template_filter(tag_label, "tag_label")

bp.add_app_template_global(SLOTS, "grid_slots")
bp.add_app_template_global(describe, "describe_window")


def _club():
    try:
        return leaders.club_of(get_session(), current_user)
    except NotFound:
        abort(404)


def _leader(club, leader_id: int) -> Leader:
    try:
        return leaders.club_leader(get_session(), club, leader_id)
    except NotFound:
        abort(404)


# ------------------------------------------------------------------------------ list and pledge
@bp.get("/", endpoint="leaders")
@bp.get("/leaders", endpoint="leaders")
@club_admin
def leaders_page():
    club = _club()
    return _list_page(club, PledgeForm(pledged_hours=_hours(club.pledged_minutes_per_week)))


def _list_page(club, pledge: PledgeForm, status: int = 200):
    today = dt.date.today()
    rows = leaders.club_leaders(get_session(), club)
    statuses = {c.id: leaders.credential_status(c, today) for leader in rows for c in leader.credentials}
    return render_template("club/leaders.html", club=club, leaders=rows, statuses=statuses, pledge=pledge,
                           toggle=ToggleForm(), soon=leaders.SOON_DAYS,
                           expired=sum(s == "expired" for s in statuses.values()),
                           expiring=sum(s == "expiring" for s in statuses.values())), status


@bp.post("/pledge")
@club_admin
def pledge():
    club = _club()
    form = PledgeForm()
    if form.validate_on_submit():
        try:
            leaders.set_pledge(get_session(), club, _minutes(form.pledged_hours.data))
        except Invalid as error:
            form.pledged_hours.errors.append(translated(error))
        else:
            get_session().commit()
            flash(_("The pledge is saved."))
            return redirect(url_for("club.leaders"))
    get_session().rollback()
    return _list_page(club, form, 422)


# ------------------------------------------------------------------------------ one leader
@bp.route("/leaders/new", methods=["GET", "POST"])
@club_admin
def leader_new():
    return _leader_page(_club(), None)


@bp.route("/leaders/<int:leader_id>", methods=["GET", "POST"])
@club_admin
def leader_edit(leader_id: int):
    club = _club()
    return _leader_page(club, _leader(club, leader_id))


def _leader_page(club, leader):
    db = get_session()
    form = LeaderForm() if request.method == "POST" else _filled_form(leader)
    known = leaders.known_skills(db, current_pool())
    form.skills.choices = picker_choices(known)
    if request.method == "POST" and form.validate_on_submit():
        data, absence_rows = _input(form)
        try:
            if leader is None:
                leader = leaders.create_leader(db, club, data)
            else:
                leaders.update_leader(db, club, leader, data)
        except Invalid as error:
            db.rollback()
            _attach(form, error, absence_rows)
        else:
            db.commit()
            flash(_("%(name)s is saved.", name=leader.name))
            return redirect(url_for("club.leaders"))
    elif request.method == "POST":
        db.rollback()
    _blank_rows(form)
    status = 422 if request.method == "POST" else 200
    return render_template("club/leader_form.html", form=form, leader=leader, club=club,
                           credential_kinds=leaders.known_credentials(db, current_pool()),
                           toggle=ToggleForm()), status


def _filled_form(leader) -> LeaderForm:
    if leader is None:
        return LeaderForm()
    choices = {tag for tag, _label in picker_choices(leaders.known_skills(get_session(), current_pool()))}
    return LeaderForm(data=dict(
        name=leader.name, email=leader.email, phone=leader.phone,
        skills=[t for t in leader.skills if t in choices],
        other_skills=" ".join(t for t in leader.skills if t not in choices),
        credentials=[{"kind": c.kind, "valid_until": c.valid_until} for c in leader.credentials],
        availability=[leaders.Window(w.weekday, w.start_minute, w.end_minute) for w in leader.availability],
        absences=[{"first_day": a.first_day, "last_day": a.last_day, "reason": a.reason} for a in leader.absences],
        max_hours_per_day=_hours(leader.max_minutes_per_day), max_hours_per_week=_hours(leader.max_minutes_per_week),
        hourly_wage=leader.hourly_wage))


def _blank_rows(form: LeaderForm) -> None:
    """Offer empty rows for new credentials and absences, so no JS is needed to add one."""
    for _ in range(BLANK_CREDENTIALS - sum(1 for e in form.credentials if not (e.kind.data or "").strip())):
        form.credentials.append_entry()
    for _ in range(BLANK_ABSENCES - sum(1 for e in form.absences if not e.form.filled())):
        form.absences.append_entry()


def _input(form: LeaderForm) -> tuple[LeaderInput, list]:
    absence_rows = [entry for entry in form.absences if entry.form.filled()]
    data = LeaderInput(
        name=form.name.data or "", email=form.email.data or "", phone=form.phone.data or "",
        skills=[*form.skills.data, *re.split(r"[\s,;]+", form.other_skills.data or "")],
        credentials={e.kind.data.strip(): e.valid_until.data for e in form.credentials
                     if (e.kind.data or "").strip() and e.valid_until.data},
        availability=form.availability.data,
        absences=[AbsenceSpan(e.first_day.data, e.last_day.data, e.reason.data or "") for e in absence_rows],
        max_minutes_per_day=_minutes(form.max_hours_per_day.data),
        max_minutes_per_week=_minutes(form.max_hours_per_week.data),
        hourly_wage=form.hourly_wage.data)
    return data, absence_rows


FORM_FIELDS = {"max_minutes_per_day": "max_hours_per_day", "max_minutes_per_week": "max_hours_per_week",
               "skills": "other_skills"}


def _attach(form: LeaderForm, error: Invalid, absence_rows: list) -> None:
    """Show a service's error beside the field it names."""
    message = translated(error)
    nested = re.fullmatch(r"(\w+)\[(\d+)\]\.(\w+)", error.field)
    if nested and nested[1] == "absences":
        absence_rows[int(nested[2])].form[nested[3]].errors.append(message)
    elif error.field.startswith("availability"):
        form.availability.errors = [message]
    elif error.field == "credentials":
        entry = next((e for e in form.credentials if (e.kind.data or "").strip() == error.params.get("tag")),
                     form.credentials[0])
        entry.kind.errors.append(message)
    else:
        form[FORM_FIELDS.get(error.field, error.field)].errors.append(message)


def _minutes(hours) -> int | None:
    return None if hours is None else int((Decimal(hours) * 60).to_integral_value())


def _hours(minutes) -> Decimal | None:
    return None if minutes is None else (Decimal(minutes) / 60).quantize(Decimal("0.1")).normalize()


@bp.post("/leaders/<int:leader_id>/active")
@club_admin
def leader_active(leader_id: int):
    club = _club()
    leader = _leader(club, leader_id)
    if ToggleForm().validate_on_submit():
        leaders.set_active(get_session(), club, leader, not leader.active)
        get_session().commit()
        flash(_("%(name)s is active again.", name=leader.name) if leader.active
              else _("%(name)s is deactivated; the planner no longer offers them.", name=leader.name))
    return redirect(url_for("club.leaders"))


# ------------------------------------------------------------------------------ bulk import
@bp.route("/leaders/import", methods=["GET", "POST"])
@club_admin
def import_upload():
    club = _club()
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("club/import.html", form=form, rows=None), 422 if request.method == "POST" else 200
    upload = form.file.data
    content = upload.stream.read(leader_import.MAX_BYTES + 1)
    try:
        records = leader_import.read_file(upload.filename or "", content)
    except Invalid as error:
        form.file.errors.append(translated(error))
        return render_template("club/import.html", form=form, rows=None), 422
    rows = leader_import.check_rows(get_session(), club, records)
    get_session().rollback()
    token = None if any(r.errors for r in rows) else import_store.keep(records, club_id=club.id,
                                                                       user_id=current_user.id)
    return render_template("club/import.html", form=UploadForm(formdata=None), rows=rows, token=token,
                           confirm=ConfirmForm(), translated=translated, column_name=_column_name)


UPLOAD_LIMIT = leader_import.MAX_BYTES + 64 * 1024  # the file plus the form around it


@bp.url_value_preprocessor
def _limit_uploads(endpoint, _values):
    """Refuse a huge upload before anything reads it (this runs before the CSRF check parses the form)."""
    if endpoint == "club.import_upload":
        request.max_content_length = UPLOAD_LIMIT


@bp.errorhandler(413)
def _too_large(_error):
    form = UploadForm(formdata=None)
    form.file.errors = [_("The file is larger than %(max)s MB.", max=leader_import.MAX_BYTES // (1024 * 1024))]
    return render_template("club/import.html", form=form, rows=None), 413


def _column_name(field: str) -> str:
    names = {"name": _("Name"), "email": _("Email"), "phone": _("Phone"), "skills": _("Skills"),
             "credentials": _("Credentials"), "max_minutes_per_day": _("Max minutes per day"),
             "max_minutes_per_week": _("Max minutes per week"), "hourly_wage": _("Hourly wage")}
    base = field.split("[", 1)[0]
    return names.get(base, _("Availability") if base == "availability" else field)


@bp.post("/leaders/import/<token>")
@club_admin
def import_confirm(token: str):
    club = _club()
    db = get_session()
    records = import_store.fetch(token, club_id=club.id, user_id=current_user.id)
    if records is None or not ConfirmForm().validate_on_submit():
        flash(_("The upload has expired or is unknown; upload the file again."), "error")
        return redirect(url_for("club.import_upload"))
    try:
        created = leader_import.import_leaders(db, club, records)
    except Invalid:
        db.rollback()
        rows = leader_import.check_rows(db, club, records)
        db.rollback()
        return render_template("club/import.html", form=UploadForm(formdata=None), rows=rows, token=None,
                               confirm=ConfirmForm(), translated=translated, column_name=_column_name), 422
    db.commit()
    import_store.forget(token)
    flash(_("%(count)s leaders were imported.", count=len(created)))
    return redirect(url_for("club.leaders"))
