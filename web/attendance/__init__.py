"""The ten-second attendance note after a session: held or cancelled, how many came, how many girls.
Leaders reach it from "Min vecka", the coordinator from a week's list of sessions."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pool.models import Role
from web.access import menu_item

bp = Blueprint("recording", __name__, template_folder="templates", url_prefix="/attendance")

menu_item({Role.coordinator}, "recording.week", _l("Attendance"))

from web.attendance import views  # noqa: E402,F401
