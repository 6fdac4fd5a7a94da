from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from pool.accounts import authenticate, end_sessions
from web.access import home_for
from web.auth import bp
from web.database import get_session


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address.")),
                                                Email(_l("Enter a valid email address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(get_session(), form.email.data, form.password.data)
        if user is None:
            error = _l("Wrong email or password.")
        else:
            session.clear()  # a fresh session at login: nothing from before survives
            login_user(user)
            session["lang"] = user.locale
            return redirect(_safe_next() or url_for(home_for(user)))
    return render_template("auth/login.html", form=form, error=error), 401 if error else 200


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(_error):
    """The sign-in page again, with the typed address kept and a message saying why nothing was checked."""
    form = LoginForm()
    error = _l("Too many failed sign-in attempts. Wait a while and try again.")
    return render_template("auth/login.html", form=form, error=error), 429


@bp.post("/logout")
def logout():
    """Sign out here and everywhere: a copied session cookie is worthless afterwards."""
    if current_user.is_authenticated:
        end_sessions(get_session(), current_user)
        get_session().commit()
    logout_user()
    session.clear()
    return redirect(url_for("main.home"))


def _safe_next() -> str | None:
    target = request.args.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else None
