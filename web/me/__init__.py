"""The leader's own pages ("Min vecka"): my assignments, absences, availability and calendar link."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pool.models import Role
from web.access import ROLE_HOME, menu_item

bp = Blueprint("my", __name__, template_folder="templates", url_prefix="/me")

ROLE_HOME[Role.leader] = "my.week"
menu_item({Role.leader}, "my.week", _l("My week"))
menu_item({Role.leader}, "my.absence", _l("Report absence"))
menu_item({Role.leader}, "my.availability", _l("My availability"))

from web.me import views  # noqa: E402,F401
