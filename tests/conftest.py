"""Fixtures: migrated databases on SQLite and PostgreSQL, the demo, and the app served over real HTTP."""
from __future__ import annotations

import os
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from pool import db

POSTGRES_ADMIN_URL = os.environ.get("POOL_TEST_DATABASE_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASE_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def eventually(check, what: str, timeout: float = 30.0):
    """What ``check`` returns once it is truthy; fails after ``timeout`` seconds saying ``what`` never came."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting: {what}")


@pytest.fixture(scope="session", autouse=True)
def instance_dir(tmp_path_factory):
    """Uploads, keys and SQLite files of the app under test go to a temporary folder, never ./instance."""
    path = tmp_path_factory.mktemp("instance")
    os.environ["POOL_INSTANCE_DIR"] = str(path)
    return path


@pytest.fixture(scope="session")
def postgres_admin() -> sa.Engine:
    """An autocommit connection to the server, to create a fresh database per test."""
    engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        reason = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {str(error).splitlines()[0]}"
        if os.environ.get("POOL_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield engine
    engine.dispose()


def _fresh_postgres(admin: sa.Engine):
    name = f"pool_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return name, admin.url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres(admin: sa.Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request, tmp_path: Path) -> str:
    """The URL of an empty, migrated database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'pool.sqlite'}"
        db.upgrade(url)
        yield url
        return
    with _migrated_postgres(request.getfixturevalue("postgres_admin")) as url:
        yield url


@contextmanager
def _migrated_postgres(admin: sa.Engine):
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    name, url = _fresh_postgres(admin)
    try:
        db.upgrade(url)
        yield url
    finally:
        _drop_postgres(admin, name)


@pytest.fixture
def engine(database_url: str) -> sa.Engine:
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: sa.Engine):
    """A session whose transaction the test owns; nothing is committed unless the test does."""
    with db.session_factory(engine)() as session:
        yield session


@pytest.fixture
def club(session):
    """A pool with one club, flushed: for services that need somewhere to put leaders."""
    from pool.models import Organisation, OrgKind, Pool
    pool = Pool(slug="test", name="Test")
    session.add(pool)
    session.flush()
    club = Organisation(pool_id=pool.id, code="sif", kind=OrgKind.club, name="SIF")
    session.add(club)
    session.flush()
    return club


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> str:
    """A migrated SQLite file with the Sandviken demo, built once; tests copy it before writing."""
    from seed import load_demo
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    url = f"sqlite:///{path}"
    db.upgrade(url)
    engine = db.make_engine(url)
    with db.transaction(engine) as session:
        load_demo(session)
    engine.dispose()
    return url


@contextmanager
def _serving(database_url: str, **config):
    """The web app on ``database_url`` (and any further ``config``), served over real HTTP on a free local
    port; yields its base URL."""
    from web import create_app
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "TESTING": True, **config})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        app.extensions["pool_sessions"].kw["bind"].dispose()


def demo_copy(demo_database: str, tmp_path: Path) -> str:
    """A copy of the demo database to write to."""
    copy = tmp_path / "demo.sqlite"
    copy.write_bytes(Path(demo_database.removeprefix("sqlite:///")).read_bytes())
    return f"sqlite:///{copy}"


@pytest.fixture
def live_server(demo_database: str, tmp_path: Path):
    """The web app served over real HTTP on a free local port, on a copy of the demo database."""
    with _serving(demo_copy(demo_database, tmp_path)) as base_url:
        yield base_url


@pytest.fixture(params=DATABASE_KINDS)
def live_server_on(request, tmp_path: Path):
    """Like live_server, once on a copy of the SQLite demo and once on a fresh PostgreSQL database
    migrated and loaded with the demo (skipped when PostgreSQL is not reachable)."""
    with demo_of_kind(request, tmp_path) as url, _serving(url) as base_url:
        yield base_url


@contextmanager
def demo_of_kind(request, tmp_path: Path):
    """A fresh demo database of the fixture's kind ("sqlite" or "postgresql"): a copy of the SQLite demo,
    or a PostgreSQL database migrated and loaded anew; yields its URL."""
    if request.param == "sqlite":
        yield demo_copy(request.getfixturevalue("demo_database"), tmp_path)
        return
    from seed import load_demo
    with _migrated_postgres(request.getfixturevalue("postgres_admin")) as url:
        engine = db.make_engine(url)
        with db.transaction(engine) as session:
            load_demo(session)
        engine.dispose()
        yield url


DEMO_PASSWORD = "demo1234"
DEMO_LOGINS = {
    "coordinator": "samordnare@sandviken.example",
    "club_admin": "sif@sandviken.example",
    "requester": "satraskolan@sandviken.example",
    "leader": "ledare@sandviken.example",
    "funder": "sandvik@sandviken.example",
}


def sign_in(base_url: str, email: str, password: str = DEMO_PASSWORD):
    """A requests session signed in through the real login form, CSRF token and all."""
    import re

    import requests
    client = requests.Session()
    page = client.get(base_url + "/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    answer = client.post(base_url + "/login", data={"csrf_token": token, "email": email, "password": password})
    assert answer.status_code == 200 and "/login" not in answer.url, f"sign-in as {email} failed"
    client.base_url = base_url
    return client


@pytest.fixture
def as_role(live_server):
    """as_role("coordinator") → a signed-in requests session against the live server."""
    return lambda role: sign_in(live_server, DEMO_LOGINS[role])
