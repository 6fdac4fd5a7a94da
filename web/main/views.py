from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app, redirect, render_template, request, session, url_for

from pool.models import Leader, Need, Organisation, OrgKind, Pool, Site
from web import LOCALES
from web.database import get_session
from web.main import bp


@bp.get("/")
def home():
    db = get_session()
    pool = db.scalar(sa.select(Pool).where(Pool.slug == current_app.config["POOL_SLUG"]))
    counts = _counts(db, pool) if pool else None
    today = dt.date.today()
    return render_template("home.html", pool=pool, counts=counts, week=today.isocalendar().week)


@bp.get("/lang/<code>")
def switch_language(code: str):
    if code in LOCALES:
        session["lang"] = code
    return redirect(request.referrer or url_for("main.home"))


@bp.get("/healthz")
def health():
    get_session().execute(sa.text("SELECT 1"))
    return {"status": "ok"}


def _counts(db, pool: Pool) -> dict[str, int]:
    def count(model, *where):
        return db.scalar(sa.select(sa.func.count()).select_from(model).where(model.pool_id == pool.id, *where))
    return {
        "clubs": count(Organisation, Organisation.kind == OrgKind.club),
        "requesters": count(Organisation, Organisation.kind == OrgKind.requester),
        "leaders": count(Leader, Leader.active),
        "sites": count(Site),
        "needs": count(Need, Need.active),
    }
