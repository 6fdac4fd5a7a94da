"""Limits on failed sign-ins, so a password cannot be guessed by trying many.

Only failed attempts count (a 401 answer): people who sign in right are never slowed down, however
often they do it. Once a limit is reached every attempt is refused, the right password included, until
the window has moved on. The storage comes from POOL_RATELIMIT_STORAGE_URI: ``memory://`` counts in one
process, ``redis://host:6379`` is shared by all processes of a deployment.
"""
from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Per account: a person who forgot the password gets five tries a minute, and a guesser at most twenty an
# hour (480 a day), while a stranger who types someone's address can lock that person out for one hour at most.
PER_ACCOUNT = "5 per minute; 20 per hour"
# Per address: higher, because a school or office signs in from behind one shared address, yet low enough
# that trying a few passwords on every account from one machine stops quickly.
PER_ADDRESS = "10 per minute; 60 per hour"


def failed(response) -> bool:
    return response.status_code == 401


def account() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()


def init_app(app: Flask, endpoint: str = "auth.login") -> Limiter:
    """Count failed POSTs to the sign-in view, per account and per address. Each app gets its own limiter,
    so two apps in one process (tests) never share counts."""
    # a moving window has no edge at which a guesser gets a fresh allowance; if Redis is down, counting goes
    # on in memory (per process) rather than signing-in breaking
    limiter = Limiter(key_func=get_remote_address, app=app, strategy="moving-window", in_memory_fallback_enabled=True)
    view = app.view_functions[endpoint]
    view = limiter.limit(PER_ACCOUNT, key_func=account, methods=["POST"], deduct_when=failed, scope="account")(view)
    view = limiter.limit(PER_ADDRESS, methods=["POST"], deduct_when=failed, scope="address")(view)
    app.view_functions[endpoint] = view
    return limiter
