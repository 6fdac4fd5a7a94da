"""The requesting unit's pages: post and edit its needs, and see how they are staffed week by week."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pool.models import Role
from web.access import ROLE_HOME, menu_item

bp = Blueprint("requests", __name__, template_folder="templates", url_prefix="/needs")

ROLE_HOME[Role.requester] = "requests.weeks"
menu_item({Role.requester}, "requests.weeks", _l("Staffing"))
menu_item({Role.requester}, "requests.needs", _l("Our needs"))
menu_item({Role.requester}, "requests.new_need", _l("Post a need"))

from web.requests import views  # noqa: E402,F401
