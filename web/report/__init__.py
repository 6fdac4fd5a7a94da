"""The funders' report: quarterly figures and charts for a funder (its own activities, no personal data)
and for the coordinator (the whole pool, or any funder's view), a printable page, CSV and XLSX exports,
and the coordinator's funding links."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pool.models import Role
from web.access import ROLE_HOME, menu_item

bp = Blueprint("reporting", __name__, template_folder="templates", url_prefix="/report")

ROLE_HOME[Role.funder] = "reporting.index"
menu_item({Role.funder, Role.coordinator}, "reporting.index", _l("Report"))
menu_item({Role.coordinator}, "reporting.funding_links", _l("Funding"))

from web.report import views  # noqa: E402,F401
