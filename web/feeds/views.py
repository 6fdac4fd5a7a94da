from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user

from pool import feeds
from pool.models import Leader, Need, Role, Site
from web.access import current_pool, roles_required
from web.club.forms import ToggleForm
from web.database import get_session
from web.feeds import bp

FEED_LOCALE = "sv"  # calendar programs send no language; the pool's users read Swedish


def _calendar(body: bytes) -> Response:
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="pool.ics"', "Cache-Control": "private, max-age=300",
        "X-Robots-Tag": "noindex"})


@bp.get("/leader/<token>.ics")
def leader_feed(token: str):
    leader = feeds.by_token(get_session(), Leader, token)
    if leader is None:
        abort(404)
    with force_locale(FEED_LOCALE):
        return _calendar(feeds.leader_feed(get_session(), leader, gettext=_))


@bp.get("/site/<token>.ics")
def site_feed(token: str):
    site = feeds.by_token(get_session(), Site, token)
    if site is None:
        abort(404)
    with force_locale(FEED_LOCALE):
        return _calendar(feeds.site_feed(get_session(), site, gettext=_))


def _visible_sites() -> list[Site]:
    """All the pool's sites for a coordinator; for a requester the sites of their own unit's needs."""
    query = sa.select(Site).where(Site.pool_id == current_pool().id).order_by(Site.name)
    if current_user.role is Role.requester:
        query = query.where(Site.id.in_(sa.select(Need.site_id).where(Need.requester_id == current_user.organisation_id)))
    return list(get_session().scalars(query))


def _visible_site(site_id: int) -> Site:
    site = next((s for s in _visible_sites() if s.id == site_id), None)
    if site is None:
        abort(404)
    return site


@bp.get("/sites")
@roles_required(Role.coordinator, Role.requester)
def sites():
    return render_template("feeds/sites.html", sites=_visible_sites(), toggle=ToggleForm(),
                           may_rotate=current_user.role is Role.coordinator)


@bp.post("/sites/<int:site_id>")
@roles_required(Role.coordinator, Role.requester)
def site_link(site_id: int):
    """Create a site's link; a coordinator may also replace it, cutting off old subscribers."""
    site = _visible_site(site_id)
    if ToggleForm().validate_on_submit():
        if site.calendar_token is None:
            feeds.feed_token(get_session(), site)
            flash(_("The calendar link of %(site)s is ready.", site=site.name))
        elif current_user.role is Role.coordinator:
            feeds.rotate_feed_token(get_session(), site)
            flash(_("%(site)s has a new calendar link; the old one no longer works.", site=site.name))
        get_session().commit()
    return redirect(url_for("feeds.sites") + f"#site-{site.id}")
