"""The club admin's pages: the club's leaders, their details and availability, bulk import, the pledge."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pool.models import Role
from web.access import ROLE_HOME, menu_item

bp = Blueprint("club", __name__, template_folder="templates", url_prefix="/club")

ROLE_HOME[Role.club_admin] = "club.leaders"
menu_item({Role.club_admin}, "club.leaders", _l("Leaders"))
menu_item({Role.club_admin}, "club.import_upload", _l("Import leaders"))

from web.club import privacy, views  # noqa: E402,F401
