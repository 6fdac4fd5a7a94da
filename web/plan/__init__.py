"""The coordinator's pages: solve a period in the background, review the proposal as a week grid,
adjust it by hand with every rule re-checked, approve and publish it."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pool.models import Role
from web.access import ROLE_HOME, menu_item

bp = Blueprint("plan", __name__, template_folder="templates", url_prefix="/plan")

ROLE_HOME[Role.coordinator] = "plan.index"
menu_item({Role.coordinator}, "plan.index", _l("Planning"))

from web.plan import views  # noqa: E402,F401
