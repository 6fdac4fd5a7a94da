"""The JSON API under /api/, described by OpenAPI at /api/openapi.json.

Each area adds a flask_smorest Blueprint in its own module and lists it in AREAS. Writes must be sent
as application/json, which a browser cannot do across sites without asking, so the API needs no CSRF
token; it uses the same sign-in and the same roles as the pages.
"""
from __future__ import annotations

import re

from apispec import BasePlugin
from flask import Flask, abort, current_app, jsonify, request
from flask_login import current_user
from flask_smorest import Api
from marshmallow import ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

from pool.errors import Conflict, Invalid, NotFound
from web import translated

AREAS: list[str] = ["leaders", "me", "needs", "schedules", "attendance", "report"]  # module paths under web.api, each defining `blp`


MAX_ID = 2**31 - 1  # ids and counts are 32-bit integer columns on PostgreSQL
SCOPED_AREAS = {"leaders", "me", "needs"}  # work on the signed-in user's club, leader or unit: 404 without one


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id of at most nine digits, so that a longer number is an unknown row (404)
    instead of an overflow of the 32-bit column in the database driver (500). The bound is in the pattern,
    not in ``to_python``: werkzeug answers 405 instead of 404 when a converter refuses a matched path."""

    regex = r"[1-9][0-9]{0,8}"


def _id_parameter(converter) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": 999_999_999}


def Id(*, strict: bool = True, **kwargs) -> fields.Integer:
    """A reference to a row by id (a JSON number; ``strict=False`` in a query string); out-of-range
    numbers are refused by name instead of overflowing in the database."""
    return fields.Integer(strict=strict, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def Count(*, strict: bool = True, **kwargs) -> fields.Integer:
    """A whole number stored in a 32-bit column (minutes, people, versions); ``strict=False`` in a query
    string."""
    return fields.Integer(strict=strict, validate=validate.Range(min=0, max=MAX_ID), **kwargs)


class Text(fields.String):
    """Text as stored: a NUL character cannot be stored in PostgreSQL, so it is refused by name (and
    the description says so)."""

    def __init__(self, **kwargs):
        super().__init__(metadata={"pattern": "^[^\\u0000]*$", **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Text may not contain NUL characters.")
        return text


class Money(fields.Decimal):
    """An amount in kronor sent and answered as a string such as "145.50", as documented (a JSON number
    could lose the öre on the way)."""

    PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"

    def __init__(self, **kwargs):
        metadata = {"type": "string", "pattern": self.PATTERN, **kwargs.pop("metadata", {})}
        super().__init__(places=2, as_string=True, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.match(self.PATTERN, value):
            raise ValidationError('Write the amount in kronor as a string such as "145.50".')
        return super()._deserialize(value, attr, data, **kwargs)


class ErrorAnswers(BasePlugin):
    """Documents the error answers every operation can give, instead of one catch-all "default", so that
    a client (and the fuzz test) can rely on the documented status codes."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", "UNAUTHORIZED")
            responses.setdefault("403", "FORBIDDEN")
            if "{" in (path or "") or SCOPED_AREAS & set(operation.get("tags", ())):
                responses.setdefault("404", "NOT_FOUND")
            if "requestBody" in operation:
                responses.setdefault("400", "BAD_REQUEST")  # a body that is not JSON at all
                responses.setdefault("415", "UNSUPPORTED_MEDIA_TYPE")


class PoolApi(Api):
    """flask-smorest answers errors as JSON; pages keep their HTML error pages."""

    DEFAULT_ERROR_RESPONSE_NAME = None  # each operation lists its own error answers

    def handle_http_exception(self, error):
        if request.path.startswith("/api/"):
            return super().handle_http_exception(error)
        return error


api = PoolApi(spec_kwargs={"extra_plugins": [ErrorAnswers()]})
api.register_converter(IdConverter, _id_parameter)


def init_app(app: Flask) -> None:
    app.config.update(API_TITLE="The pool", API_VERSION="1", OPENAPI_VERSION="3.0.3",
                      OPENAPI_URL_PREFIX="/api", OPENAPI_JSON_PATH="openapi.json")
    app.url_map.converters["id"] = IdConverter
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


def _invalid(error: Invalid):
    return jsonify(code=422, status="Unprocessable Entity",
                   errors={"json": {error.field: [translated(error)]}}), 422


def _error(code: int, error):
    return jsonify(code=code, message=translated(error)), code
