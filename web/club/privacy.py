"""A leader's personal data from the club side: download everything held about them (right of access) and
erase it (right to erasure). The club's admin reaches their own club's leaders, the coordinator every
leader of the pool; any other id is a 404."""
from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from pool import leaders, privacy
from pool.errors import Invalid, NotFound
from pool.models import Leader, Role, in_pool
from web import translated
from web.access import current_pool, roles_required
from web.club import bp
from web.database import get_session

club_or_coordinator = roles_required(Role.club_admin, Role.coordinator)


class EraseForm(FlaskForm):
    confirm_name = StringField(_l("Type the leader's name to confirm"),
                               validators=[DataRequired(_l("Type the leader's name to confirm."))])


def _reachable_leader(leader_id: int) -> Leader:
    """The leader when the signed-in user may see them: the coordinator in the pool, a club admin in the club."""
    db = get_session()
    if current_user.role is Role.coordinator:
        leader = in_pool(db, Leader, current_pool().id, leader_id)
        if leader is None:
            abort(404)
        return leader
    try:
        return leaders.club_leader(db, leaders.club_of(db, current_user), leader_id)
    except NotFound:
        abort(404)


def json_download(doc: dict, filename: str) -> Response:
    """A JSON attachment that no cache keeps."""
    return Response(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


@bp.get("/leaders/<int:leader_id>/personal-data.json")
@club_or_coordinator
def leader_data(leader_id: int):
    leader = _reachable_leader(leader_id)
    export = privacy.export_leader(get_session(), leader, full=current_user.role is Role.coordinator)
    return json_download(export, f"personuppgifter-{leader.code}.json")


@bp.route("/leaders/<int:leader_id>/erase", methods=["GET", "POST"])
@club_or_coordinator
def leader_erase(leader_id: int):
    leader = _reachable_leader(leader_id)
    form = EraseForm()
    if request.method == "POST" and form.validate_on_submit():
        if form.confirm_name.data.strip().casefold() != leader.name.strip().casefold():
            form.confirm_name.errors.append(_("The name does not match; nothing was erased."))
        else:
            name = leader.name
            try:
                alias = privacy.erase_leader(get_session(), current_pool(), leader, current_user)
            except Invalid as error:
                get_session().rollback()
                form.confirm_name.errors.append(translated(error))
            else:
                get_session().commit()
                flash(_("%(name)s's personal data is erased. Past hours stay in the reports as %(alias)s; "
                        "upcoming published assignments need a replacement.", name=name, alias=alias))
                if current_user.role is Role.club_admin:
                    return redirect(url_for("club.leaders"))
                return redirect(url_for("club.leader_erase", leader_id=leader.id))
    get_session().rollback()
    status = 422 if request.method == "POST" else 200
    return render_template("club/leader_erase.html", leader=leader, form=form,
                           erased=privacy.is_erased(leader)), status
