"""`pool backup` and `pool restore` through the real commands: every table comes back row by row on SQLite
and on PostgreSQL and across them; damaged files and unfit databases are refused with one line and
nothing written; new rows after a restore on PostgreSQL get fresh ids."""
from __future__ import annotations

import datetime as dt
import gzip
from enum import Enum

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pool import db
from pool.cli import main
from pool.models import Base, Leader, Pool, SolveRun, SolveState
from tests.conftest import _migrated_postgres
from tests.test_privacy import build_world


def fill(url: str) -> None:
    """The demo, two published weeks with messages, attendance, funding, audit and job history, a solve run."""
    engine = db.make_engine(url)
    with db.transaction(engine) as session:
        pool, _leader = build_world(session)
        session.add(SolveRun(pool_id=pool.id, period_start=dt.date(2027, 2, 1), period_end=dt.date(2027, 2, 14),
                             state=SolveState.done, time_limit=2.5, progress={"fill": 0.93, "bound": None},
                             finished_at=dt.datetime(2027, 1, 20, 9, 30, 15, 123456, tzinfo=dt.timezone.utc)))
    engine.dispose()


def rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, by primary key, as comparable values: datetimes in UTC (SQLite keeps them
    naive), enums by value."""
    engine = db.make_engine(url)
    with engine.connect() as conn:
        found = {t.name: [tuple(_plain(v) for v in row) for row in conn.execute(
            sa.select(t).order_by(*t.primary_key.columns))] for t in Base.metadata.sorted_tables}
    engine.dispose()
    return found


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
    if isinstance(value, Enum):
        return value.value
    return value


def run(monkeypatch, url: str, *args: str):
    monkeypatch.setenv("POOL_DATABASE_URL", url)
    return CliRunner().invoke(main, list(args))


def backup(monkeypatch, url: str, path) -> None:
    result = run(monkeypatch, url, "backup", "-o", str(path))
    assert result.exit_code == 0, result.output


def sqlite_url(tmp_path, name: str, revision: str = "head") -> str:
    url = f"sqlite:///{tmp_path / name}"
    db.upgrade(url, revision)
    return url


def assert_new_rows_get_fresh_ids(url: str) -> None:
    engine = db.make_engine(url)
    with db.transaction(engine) as session:
        highest = session.scalar(sa.select(sa.func.max(Leader.id)))
        pool = session.scalar(sa.select(Pool))
        club_id = session.scalar(sa.select(Leader.club_id).limit(1))
        leader = Leader(pool_id=pool.id, club_id=club_id, code="ny-ledare", name="Ny Ledare")
        session.add(leader)
        session.flush()
        assert leader.id == highest + 1
    engine.dispose()


@pytest.fixture(scope="module")
def filled_sqlite(tmp_path_factory) -> str:
    """A SQLite database with data in every table, built once for the module (tests only read it)."""
    url = sqlite_url(tmp_path_factory.mktemp("source"), "source.sqlite")
    fill(url)
    return url


def test_every_table_has_rows_to_compare(filled_sqlite):
    empty = [name for name, found in rows(filled_sqlite).items() if not found]
    assert empty == []


def test_round_trip_on_sqlite(filled_sqlite, tmp_path, monkeypatch):
    backup(monkeypatch, filled_sqlite, tmp_path / "pool.backup")
    with gzip.open(tmp_path / "pool.backup", "rt") as stream:
        header = stream.readline()
    assert '"format":"pool-backup/1"' in header and f'"schema_revision":"{db.head_revision()}"' in header
    target = sqlite_url(tmp_path, "target.sqlite")
    result = run(monkeypatch, target, "restore", str(tmp_path / "pool.backup"))
    assert result.exit_code == 0, result.output
    assert rows(target) == rows(filled_sqlite)


@pytest.mark.postgres
def test_round_trip_through_postgresql(filled_sqlite, postgres_admin, tmp_path, monkeypatch):
    """SQLite → PostgreSQL → (emptied) the same PostgreSQL again → SQLite, every row equal at each step."""
    backup(monkeypatch, filled_sqlite, tmp_path / "lite.backup")
    original = rows(filled_sqlite)
    with _migrated_postgres(postgres_admin) as url:
        result = run(monkeypatch, url, "restore", str(tmp_path / "lite.backup"))
        assert result.exit_code == 0, result.output
        assert rows(url) == original
        backup(monkeypatch, url, tmp_path / "pg.backup")
        empty(url)  # the ids start at 1 again: restore must move the sequences past the restored rows
        result = run(monkeypatch, url, "restore", str(tmp_path / "pg.backup"))
        assert result.exit_code == 0, result.output
        assert rows(url) == original
        assert_new_rows_get_fresh_ids(url)
    back = sqlite_url(tmp_path, "back.sqlite")
    result = run(monkeypatch, back, "restore", str(tmp_path / "pg.backup"))
    assert result.exit_code == 0, result.output
    assert rows(back) == original


def empty(url: str) -> None:
    engine = db.make_engine(url)
    with engine.begin() as conn:
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.mark.parametrize("damage", ["truncated", "corrupted"])
def test_a_damaged_backup_is_refused_and_nothing_written(damage, demo_database, database_url, tmp_path,
                                                         monkeypatch):
    path = tmp_path / "pool.backup"
    backup(monkeypatch, demo_database, path)
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[:int(len(data) * 0.8)])
    elif damage == "corrupted":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    result = run(monkeypatch, database_url, "restore", str(path))
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith(f"pool: {path}: ")
    assert not any(rows(database_url).values())


def test_restore_refuses_a_database_that_is_not_empty_or_at_another_revision(demo_database, tmp_path,
                                                                               monkeypatch):
    path = tmp_path / "pool.backup"
    backup(monkeypatch, demo_database, path)
    again = run(monkeypatch, demo_database, "restore", str(path))
    assert again.exit_code == 2 and again.output.count("\n") == 1
    assert "the database is not empty" in again.output
    older = sqlite_url(tmp_path, "older.sqlite", "0004")
    result = run(monkeypatch, older, "restore", str(path))
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert f"schema revision 0004 but the backup at {db.head_revision()}" in result.output
    (tmp_path / "leaders.csv").write_text("id,name\n1,Amina\n")
    result = run(monkeypatch, older, "restore", str(tmp_path / "leaders.csv"))
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "not a complete pool backup" in result.output
