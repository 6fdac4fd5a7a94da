"""Settings read from the environment, so no secret or machine path lives in the repository."""
from __future__ import annotations

import os
from pathlib import Path


def instance_dir() -> Path:
    return Path(os.environ.get("POOL_INSTANCE_DIR", "instance")).resolve()


def database_url() -> str:
    url = os.environ.get("POOL_DATABASE_URL")
    if url:
        return url
    path = instance_dir() / "pool.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"
