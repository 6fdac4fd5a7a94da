"""The JSON API under /api/, described by OpenAPI at /api/openapi.json.

Each area adds a flask_smorest Blueprint in its own module and lists it in AREAS. Writes must be sent
as application/json, which a browser cannot do across sites without asking, so the API needs no CSRF
token; it uses the same sign-in and the same roles as the pages.
"""
from __future__ import annotations

import re

from apispec import BasePlugin
from flask import Flask, abort, current_app, jsonify, request
from flask_babel import gettext
from flask_login import current_user
from flask_smorest import Api
from marshmallow import ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

from pool.errors import Conflict, Invalid, NotFound

AREAS: list[str] = ["leaders", "me", "needs", "schedules", "attendance", "report"]  # module paths under web.api, each defining `blp`


class PoolApi(Api):
    """flask-smorest answers errors as JSON; pages keep their HTML error pages."""

    def handle_http_exception(self, error):
        if request.path.startswith("/api/"):
            return super().handle_http_exception(error)
        return error


api = PoolApi()


def init_app(app: Flask) -> None:
    app.config.update(API_TITLE="The pool", API_VERSION="1", OPENAPI_VERSION="3.0.3",
                      OPENAPI_URL_PREFIX="/api", OPENAPI_JSON_PATH="openapi.json")
    api.init_app(app)
    from importlib import import_module
    from web import csrf
    from web.access import login_manager
    for area in AREAS:
        blueprint = import_module(f"web.api.{area}").blp
        csrf.exempt(blueprint)
        login_manager.blueprint_login_views[blueprint.name] = None  # anonymous API calls get 401
        api.register_blueprint(blueprint, url_prefix=f"/api/{blueprint.name}")
    app.before_request(_roles_first)
    app.before_request(_json_writes_only)
    app.register_error_handler(Invalid, _invalid)
    app.register_error_handler(Conflict, lambda e: _error(409, e))
    app.register_error_handler(NotFound, lambda e: _error(404, e))


def _roles_first():
    """Refuse callers the view's roles exclude (401/403) before the body is read or checked, as the
    decorators of a view would only after flask-smorest has validated its arguments."""
    if not request.path.startswith("/api/") or request.endpoint is None:
        return None
    roles = getattr(current_app.view_functions.get(request.endpoint), "allowed_roles", None)
    if roles is None:
        return None
    if not current_user.is_authenticated:
        abort(401)
    if current_user.role not in roles:
        abort(403)
    return None


def _json_writes_only():
    if request.path.startswith("/api/") and request.method in ("POST", "PUT", "PATCH", "DELETE") \
            and request.content_length and not request.is_json:
        return jsonify(code=415, status="Unsupported Media Type",
                       message="send the body as application/json"), 415


def _translated(error) -> str:
    return gettext(error.message, **error.params)


def _invalid(error: Invalid):
    return jsonify(code=422, status="Unprocessable Entity",
                   errors={"json": {error.field: [_translated(error)]}}), 422


def _error(code: int, error):
    return jsonify(code=code, message=_translated(error)), code
