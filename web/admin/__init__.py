"""The coordinator's administration: the pool's user accounts and their roles, and the read-only audit log."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pool.models import Role
from web.access import menu_item

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")

menu_item({Role.coordinator}, "admin.users", _l("Users"))
menu_item({Role.coordinator}, "admin.audit_log", _l("Audit log"))

from web.admin import views  # noqa: E402,F401
