"""Parsed import rows kept on the server between preview and confirm, under a random token.

The client only ever holds the token, so it cannot change what is saved; a token is bound to the club
and the user that uploaded, and expires after an hour.
"""
from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path
from typing import Optional

from flask import current_app

LIFETIME_SECONDS = 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep(records: list[dict[str, str]], *, club_id: int, user_id: int) -> str:
    _prune()
    token = secrets.token_urlsafe(32)
    path = _folder() / f"{token}.json"
    path.write_text(json.dumps({"club": club_id, "user": user_id, "records": records}), encoding="utf-8")
    path.chmod(0o600)
    return token


def fetch(token: str, *, club_id: int, user_id: int) -> Optional[list[dict[str, str]]]:
    if not TOKEN.match(token):
        return None
    path = _folder() / f"{token}.json"
    if not path.exists() or time.time() - path.stat().st_mtime > LIFETIME_SECONDS:
        return None
    kept = json.loads(path.read_text(encoding="utf-8"))
    if kept["club"] != club_id or kept["user"] != user_id:
        return None
    return kept["records"]


def forget(token: str) -> None:
    if TOKEN.match(token):
        (_folder() / f"{token}.json").unlink(missing_ok=True)


def _prune() -> None:
    for path in _folder().glob("*.json"):
        if time.time() - path.stat().st_mtime > LIFETIME_SECONDS:
            path.unlink(missing_ok=True)
