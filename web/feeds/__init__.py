"""Calendar feeds (iCalendar) reached by secret token, and the page that hands out the sites' links."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pool.models import Role
from web.access import menu_item

bp = Blueprint("feeds", __name__, template_folder="templates", url_prefix="/feeds")

menu_item({Role.coordinator, Role.requester}, "feeds.sites", _l("Calendar links"))

from web.feeds import views  # noqa: E402,F401
