"""The web app: pages and JSON API over the pool's services."""
from __future__ import annotations

import os
import secrets
from importlib import import_module
from pathlib import Path

from flask import Flask, request, session
from flask_babel import Babel, gettext
from flask_wtf.csrf import CSRFProtect

from pool import config

LOCALES = ("sv", "en")
# The page areas, one blueprint each; the JSON API lists its own in web/api.
AREAS = ("main", "auth", "club", "me", "feeds", "requests", "plan", "attendance", "report", "ops", "admin")
WEB = Path(__file__).parent
babel = Babel()
csrf = CSRFProtect()

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(config.instance_dir()))
    app.config.from_mapping(
        DATABASE_URL=config.database_url(),
        BABEL_DEFAULT_LOCALE="sv",
        BABEL_DEFAULT_TIMEZONE="Europe/Stockholm",
        # one catalogue per area, so each blueprint keeps its own strings
        BABEL_TRANSLATION_DIRECTORIES=";".join(str(p) for p in sorted(WEB.glob("**/translations"))),
        POOL_SLUG=os.environ.get("POOL_SLUG", "sandviken"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("POOL_HTTPS", "") == "1",
        # failed sign-ins are counted here (web/auth/throttle.py); redis:// shares the count between processes
        RATELIMIT_STORAGE_URI=os.environ.get("POOL_RATELIMIT_STORAGE_URI", "memory://"),
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):  # only then: a configured key must not leave a key file behind
        app.config["SECRET_KEY"] = os.environ.get("POOL_SECRET_KEY") or _instance_secret(app)

    from web import database
    from web.access import login_manager, menu_for
    database.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.jinja_env.globals.update(current_locale=select_locale, menu_for=menu_for)
    app.after_request(_security_headers)

    from web import api
    from web.auth import throttle
    for area in AREAS:
        app.register_blueprint(import_module(f"web.{area}").bp)
    api.init_app(app)
    throttle.init_app(app)
    return app


def translated(error) -> str:
    """A service's error (pool.errors) in the reader's language, its parameters in place."""
    return gettext(error.message, **error.params)


def select_locale() -> str:
    chosen = request.args.get("lang") or session.get("lang")
    return chosen if chosen in LOCALES else "sv"


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _instance_secret(app: Flask) -> str:
    """A random key kept in the instance folder, so a demo survives restarts without a configured secret."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
