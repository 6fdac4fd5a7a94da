"""The coordinator's operations pages: the scheduled jobs (last run, result, next run, run now) and the
outbox of kept messages."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pool.models import Role
from web.access import menu_item

bp = Blueprint("ops", __name__, template_folder="templates", url_prefix="/ops")

menu_item({Role.coordinator}, "ops.index", _l("Operations"))

from web.ops import views  # noqa: E402,F401
