"""One SQLAlchemy session per request; a view commits what it wrote, everything else rolls back."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import orm

from pool import db


def init_app(app: Flask) -> None:
    engine = db.make_engine(app.config["DATABASE_URL"])
    app.extensions["pool_sessions"] = db.session_factory(engine)
    app.teardown_appcontext(close_session)


def get_session() -> orm.Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["pool_sessions"]()
    return g.db_session


def close_session(_error: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
