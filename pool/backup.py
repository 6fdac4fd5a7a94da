"""Backup and restore as a logical dump through SQLAlchemy, so one file moves between SQLite and PostgreSQL.

The file is gzip-compressed JSON lines: a header (format, schema revision, when, row counts per table),
then per table a line naming its columns and one line per row, then an end line. Every table of the
models' metadata is dumped in dependency order and by primary key, in one consistent snapshot
(REPEATABLE READ on PostgreSQL, one read transaction on SQLite); ``alembic_version`` is recorded too and
checked, not copied, on restore. Values are written by their column's type: dates and datetimes as
ISO text (datetimes in UTC, which SQLite keeps naive), decimals as text, enums by value, binary as
base64, JSON as it is.

APScheduler's ``apscheduler_jobs`` is left out on purpose: it is not in the models' metadata but
created by APScheduler itself, holds pickled job objects tied to the library's version, and is rebuilt
from the rhythm's settings when `pool scheduler` starts (``pool.scheduler.sync_jobs``); restoring stale
next-run times would only fire missed runs. The history of what ran (``job_runs``) is in the metadata
and kept.

Restore goes into an empty database migrated to the backup's revision, in one transaction: a file
that is corrupt or cut short anywhere leaves the database as it was. On PostgreSQL the id sequences
are moved past the restored rows afterwards.
"""
from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import os
import tempfile
import zlib
from decimal import Decimal
from pathlib import Path
from typing import IO, Callable, Iterator

import sqlalchemy as sa

from pool.models import Base, as_utc, utcnow

FORMAT = "pool-backup/1"
BATCH = 1000
VERSION_TABLE = "alembic_version"


class BackupError(ValueError):
    """A backup that cannot be read or restored here; the message is one line."""


# ------------------------------------------------------------------------------ values by column type
def _encoder(column: sa.Column) -> Callable:
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return lambda v: as_utc(v).isoformat()
    if isinstance(kind, sa.Date):
        return lambda v: v.isoformat()
    if isinstance(kind, sa.Enum):
        return lambda v: v.value if hasattr(v, "value") else v
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return str
    if isinstance(kind, sa.LargeBinary):
        return lambda v: base64.b64encode(v).decode("ascii")
    return lambda v: v


def _decoder(column: sa.Column) -> Callable:
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return dt.datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return dt.date.fromisoformat
    if isinstance(kind, sa.Enum) and kind.enum_class is not None:
        return kind.enum_class
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return Decimal
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode
    return lambda v: v


def _coded(functions: list[Callable]) -> Callable[[tuple], list]:
    return lambda row: [None if v is None else f(v) for f, v in zip(functions, row)]


# ------------------------------------------------------------------------------ backup
def tables() -> list[sa.Table]:
    """Every table of the models, parents before children."""
    return list(Base.metadata.sorted_tables)


def schema_revision(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def backup(engine: sa.Engine, output: Path) -> dict:
    """Write the whole database to ``output`` (replaced only when the backup is complete); returns the header."""
    output = Path(output)
    handle, temporary = tempfile.mkstemp(prefix=".backup-", dir=output.parent.resolve())
    os.close(handle)
    try:
        with _snapshot(engine) as conn, gzip.open(temporary, "wt", encoding="utf-8") as stream:
            header = _write(conn, stream)
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return header


class _snapshot:
    """A connection reading one consistent state of the database."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def __enter__(self) -> sa.Connection:
        if self.engine.dialect.name == "postgresql":
            self.conn = self.engine.connect().execution_options(isolation_level="REPEATABLE READ")
            self.conn.begin()
            self.conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        else:  # the driver starts no transaction for reads; one explicit BEGIN makes every read see one state
            self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self.conn.exec_driver_sql("BEGIN")
        return self.conn

    def __exit__(self, *exc) -> None:
        try:
            if self.engine.dialect.name == "postgresql":
                self.conn.rollback()
            else:
                self.conn.exec_driver_sql("ROLLBACK")
        finally:
            self.conn.close()


def _write(conn: sa.Connection, stream: IO[str]) -> dict:
    counts = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() for t in tables()}
    revision = schema_revision(conn)
    header = {"format": FORMAT, "schema_revision": revision, "dialect": conn.dialect.name,
              "created_at": utcnow().isoformat(timespec="seconds"), "tables": counts}
    _line(stream, header)
    _line(stream, {"table": VERSION_TABLE, "columns": ["version_num"]})
    if revision is not None:
        _line(stream, [revision])
    for table in tables():
        columns = list(table.columns)
        _line(stream, {"table": table.name, "columns": [c.name for c in columns]})
        encode = _coded([_encoder(c) for c in columns])
        query = sa.select(*columns).order_by(*table.primary_key.columns)
        for row in conn.execution_options(yield_per=BATCH).execute(query):
            _line(stream, encode(tuple(row)))
    _line(stream, {"end": True, "rows": sum(counts.values())})
    return header


def _line(stream: IO[str], value) -> None:
    stream.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    stream.write("\n")


# ------------------------------------------------------------------------------ reading a backup
def _lines(path: Path) -> Iterator:
    """The file's JSON values one by one; any damage (bad gzip, CRC, cut short, bad JSON) is a BackupError."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            for number, text in enumerate(stream, 1):
                try:
                    yield json.loads(text)
                except json.JSONDecodeError:
                    raise BackupError(f"{path}: damaged at line {number} (not JSON)") from None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise BackupError(f"{path}: not a complete pool backup ({_first_line(error)})") from None


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0] or type(error).__name__


def read_header(path: Path) -> dict:
    lines = _lines(Path(path))
    try:
        header = next(lines)
    except StopIteration:
        raise BackupError(f"{path}: empty file") from None
    finally:
        lines.close()
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{path}: not a pool backup (expected format {FORMAT})")
    if not isinstance(header.get("tables"), dict) or "schema_revision" not in header:
        raise BackupError(f"{path}: the backup's header is damaged")
    return header


# ------------------------------------------------------------------------------ restore
def restore(engine: sa.Engine, path: Path) -> dict:
    """Load ``path`` into the empty database of ``engine``, all or nothing; returns the header."""
    path = Path(path)
    header = read_header(path)
    with engine.begin() as conn:
        _refuse_unfit(conn, header)
        _load(conn, path, header)
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
    return header


def _refuse_unfit(conn: sa.Connection, header: dict) -> None:
    revision = schema_revision(conn)
    if revision != header["schema_revision"]:
        raise BackupError(f"the database is at schema revision {revision or 'none'} but the backup at "
                          f"{header['schema_revision']}; restore into an empty database migrated to "
                          f"{header['schema_revision']}")
    filled = [t.name for t in tables() if conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first()]
    if filled:
        raise BackupError(f"the database is not empty (rows in {', '.join(filled[:3])}"
                          f"{' …' if len(filled) > 3 else ''}); restore only into an empty, migrated database")


def _load(conn: sa.Connection, path: Path, header: dict) -> None:
    known = {t.name: t for t in tables()}
    lines = _lines(path)
    next(lines)  # the header, read already
    table, names, decode, batch, seen, ended = None, [], None, [], {}, False
    for value in lines:
        if ended:
            raise BackupError(f"{path}: data after the end mark")
        if isinstance(value, dict):
            _flush(conn, table, batch)
            batch = []
            if value.get("end"):
                ended = True
                continue
            name = value.get("table")
            if name == VERSION_TABLE:
                table = None
                continue
            table = known.get(name)
            if table is None or value.get("columns") != [c.name for c in table.columns]:
                raise BackupError(f"{path}: table {name!r} does not match this schema")
            names = [c.name for c in table.columns]
            decode = _coded([_decoder(c) for c in table.columns])
            seen[name] = 0
            continue
        if table is None:
            continue
        if not isinstance(value, list) or len(value) != len(names):
            raise BackupError(f"{path}: a damaged row in {table.name}")
        try:
            batch.append(dict(zip(names, decode(value))))
        except (TypeError, ValueError, ArithmeticError) as error:
            raise BackupError(f"{path}: a bad value in {table.name} ({_first_line(error)})") from None
        seen[table.name] += 1
        if len(batch) >= BATCH:
            _flush(conn, table, batch)
            batch = []
    if not ended:
        raise BackupError(f"{path}: cut short (no end mark)")
    expected = dict(header["tables"])
    if {k: seen.get(k, 0) for k in expected} != expected or set(seen) - set(expected):
        raise BackupError(f"{path}: the row counts do not match the header")


def _flush(conn: sa.Connection, table: sa.Table | None, batch: list[dict]) -> None:
    if table is not None and batch:
        conn.execute(table.insert(), batch)


def _reset_sequences(conn: sa.Connection) -> None:
    """New rows after a restore get ids past the restored ones."""
    for table in tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer):
            continue
        sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                {"t": table.name, "c": keys[0].name}).scalar()
        if sequence:
            highest = conn.execute(sa.select(sa.func.max(keys[0]))).scalar()
            conn.execute(sa.text("SELECT setval(:s, :v, false)"), {"s": sequence, "v": (highest or 0) + 1})
