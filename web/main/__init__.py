from flask import Blueprint

bp = Blueprint("main", __name__)

from web.main import views  # noqa: E402,F401  (routes register themselves on bp)
