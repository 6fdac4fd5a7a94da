"""The users page (roles with their binding, accounts switched off and on) and the read-only audit log page.

The log shows each entry's author, its local time in the pool's zone, what it is about and the fields that
changed; there is deliberately no route that changes or removes an entry."""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from pool import accounts, audit
from pool.errors import Conflict, Invalid, NotFound
from pool.models import Leader, Organisation, Role, ScheduleState
from web import translated
from web.access import current_pool, roles_required
from web.admin import bp
from web.admin.forms import ACTION_LABELS, ROLE_LABELS, AuditFilter, RoleForm, ToggleForm
from web.database import get_session
from web.ops.views import local_time
from web.plan.views import STATE_LABELS

coordinator = roles_required(Role.coordinator)
PAGE_SIZE = 50
KIND_LABELS = {"club": _l("Club"), "requester": _l("Requesting unit"), "funder": _l("Funder")}
# The snapshot fields a reader sees, in this order; ids stay in the record for the JSON but not on the page.
FIELD_LABELS = {"state": _l("State"), "version": _l("Version"), "period": _l("Period"), "name": _l("Name"),
                "role": _l("Role"), "organisation": _l("Organisation"), "need": _l("Need"), "day": _l("Day"),
                "leader": _l("Leader"), "pinned": _l("Pinned"), "schedule_version": _l("Schedule version"),
                "replaces_version": _l("Replaces version"), "active": _l("Active")}


# ------------------------------------------------------------------------------ users
@bp.get("/users")
@coordinator
def users():
    return render_template("admin/users.html", users=accounts.pool_users(get_session(), current_pool()),
                           toggle=ToggleForm(), role_label=_role_label)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@coordinator
def user(user_id: int):
    db, pool = get_session(), current_pool()
    found = _user(user_id)
    form = RoleForm(data={"role": found.role.value, "organisation_id": found.organisation_id,
                          "leader_id": found.leader_id})
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            accounts.set_role(db, pool, found.id, Role(form.role.data), organisation_id=form.organisation_id.data,
                              leader_id=form.leader_id.data, actor=current_user)
        except (Invalid, Conflict) as error:
            db.rollback()
            getattr(form, getattr(error, "field", "role"), form.role).errors.append(translated(error))
        else:
            db.commit()
            flash(_("%(name)s now has the role %(role)s.", name=found.name, role=_role_label(found.role).lower()),
                  "success")
            return redirect(url_for(".users"))
    status = 422 if form.errors else 200
    return render_template("admin/user.html", user=_user(user_id), form=form), status


@bp.post("/users/<int:user_id>/<any(activate, deactivate):change>")
@coordinator
def set_active(user_id: int, change: str):
    if not ToggleForm().validate_on_submit():
        abort(400)
    db = get_session()
    found = _user(user_id)
    try:
        accounts.set_active(db, current_pool(), found.id, change == "activate", actor=current_user)
    except (Invalid, Conflict) as error:
        db.rollback()
        flash(_("Refused: %(reason)s", reason=translated(error)), "error")
    else:
        db.commit()
        flash(_("%(name)s can sign in again.", name=found.name) if change == "activate"
              else _("%(name)s can no longer sign in.", name=found.name), "success")
    return redirect(url_for(".users"))


def _user(user_id: int):
    try:
        return accounts.get_user(get_session(), current_pool(), user_id)
    except NotFound:
        abort(404)


def _fill_choices(form: RoleForm) -> None:
    db, pool = get_session(), current_pool()
    organisations = db.scalars(sa.select(Organisation).where(Organisation.pool_id == pool.id)
                               .order_by(Organisation.kind, Organisation.name))
    form.organisation_id.choices = [SelectChoice("", _("None"))] + [
        SelectChoice(o.id, f"{KIND_LABELS[o.kind.value]}: {o.name}") for o in organisations]
    leaders = db.scalars(sa.select(Leader).where(Leader.pool_id == pool.id).order_by(Leader.name, Leader.code))
    form.leader_id.choices = [SelectChoice("", _("None"))] + [SelectChoice(leader.id, leader.name or leader.code)
                                                         for leader in leaders]


def _role_label(role: Role) -> str:
    return str(ROLE_LABELS[role])


# ------------------------------------------------------------------------------ the audit log
@bp.get("/audit")
@coordinator
def audit_log():
    pool = current_pool()
    form = AuditFilter(formdata=request.args)
    page = max(request.args.get("page", 1, type=int), 1)
    rows, more = [], False
    if form.validate():
        rows = audit.entries(get_session(), pool, action=form.action.data or None, first=form.first.data,
                             last=form.last.data, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        more = len(rows) > PAGE_SIZE
    filters = {k: v for k, v in request.args.items() if k in ("action", "first", "last") and v}
    return render_template("admin/audit.html", form=form, rows=rows[:PAGE_SIZE], page=page, more=more,
                           filters=filters, local=lambda m: local_time(m, pool.timezone), subject=subject,
                           changes=changes, action_label=lambda a: ACTION_LABELS.get(a, a)), \
        200 if not form.errors else 422


def subject(entry) -> str:
    """What the entry is about, in a few words."""
    snapshot = entry.after or entry.before
    if entry.object_type == "schedule":
        return _("Schedule %(period)s, version %(version)s", period=snapshot.get("period", ""),
                 version=snapshot.get("version", ""))
    if entry.object_type == "assignment":
        return _("%(need)s on %(day)s (schedule version %(version)s)", need=snapshot.get("need", ""),
                 day=snapshot.get("day", ""), version=snapshot.get("schedule_version", ""))
    if entry.object_type == "user":
        return _("Account of %(name)s", name=snapshot.get("name", ""))
    if entry.object_type == "leader":
        return _("Leader %(name)s", name=snapshot.get("name", ""))
    return f"{entry.object_type} {entry.object_id}"


def changes(entry) -> list[tuple[str, Optional[str], Optional[str]]]:
    """(field, before, after) for each shown field that differs; a side is None where the record did not
    have the field (a created or removed record, or a field only one side records)."""
    rows = []
    for key, label in FIELD_LABELS.items():
        old, new = entry.before.get(key), entry.after.get(key)
        if old == new and (key in entry.before) == (key in entry.after):
            continue  # unchanged
        if old is None and new is None:
            continue  # empty on a record created or removed
        rows.append((str(label), _value(key, old) if key in entry.before else None,
                     _value(key, new) if key in entry.after else None))
    return rows


def _value(key: str, value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "state" and value in {s.value for s in ScheduleState}:
        return str(STATE_LABELS[ScheduleState(value)])
    if key == "role" and value in {r.value for r in Role}:
        return _role_label(Role(value))
    return str(value)
