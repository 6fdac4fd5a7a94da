"""Who is signed in and what their role lets them reach. Every view states its roles explicitly."""
from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort, current_app
from flask_login import LoginManager, current_user

from pool.models import Pool, Role, User
from web.database import get_session

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user a session names, unless the account was switched off or signed out since (epoch moved on)."""
    user_id, _, epoch = session_id.partition(":")
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or str(user.session_epoch) != epoch:
        return None
    return user


def roles_required(*roles: Role):
    """Let through only signed-in users with one of ``roles``; others get 403, anonymous a login page."""
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        guarded.allowed_roles = frozenset(roles)
        return guarded
    return decorate


def current_pool() -> Pool:
    """The signed-in user's pool; a user never reaches another pool's records."""
    pool = get_session().get(Pool, current_user.pool_id)
    if pool is None:
        abort(404)
    return pool


def pool_from_config() -> Pool | None:
    return get_session().scalar(sa.select(Pool).where(Pool.slug == current_app.config["POOL_SLUG"]))


# The page each role lands on after signing in; areas register their endpoint here.
ROLE_HOME: dict[Role, str] = {}


def home_for(user: User) -> str:
    endpoint = ROLE_HOME.get(user.role, "main.home")
    return endpoint if endpoint in current_app.view_functions else "main.home"


# The main menu: each area adds its entries when its blueprint is imported.
MENU: list[tuple[frozenset[Role], str, str]] = []


def menu_item(roles, endpoint: str, label) -> None:
    MENU.append((frozenset(roles), endpoint, label))


def menu_for(user) -> list[tuple[str, str]]:
    if not user.is_authenticated:
        return []
    return [(endpoint, label) for roles, endpoint, label in MENU
            if user.role in roles and endpoint in current_app.view_functions]
