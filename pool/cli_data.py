"""Data protection and safety commands: `pool leader export|erase`, `pool privacy purge`, `pool backup` and
`pool restore`. pool/cli.py adds them with ``register(main)``."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import click

from pool import config, db


def register(group: click.Group) -> None:
    for command in (leader_group, privacy_group, backup_command, restore_command):
        group.add_command(command)


def _bad(message: str):
    from pool.cli import BadInput
    return BadInput(message)


def _leader(session, leader_id: int):
    from pool.models import Leader
    leader = session.get(Leader, leader_id)
    if leader is None:
        raise _bad(f"no leader with id {leader_id}")
    return leader


# ------------------------------------------------------------------------------ personal data
@click.group("leader", help="One leader's personal data.")
def leader_group() -> None:
    pass


@leader_group.command("export", help="Write everything the pool holds about a leader as JSON (right of access).")
@click.argument("leader_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="file (default: stdout)")
def export_command(leader_id: int, output: Optional[Path]) -> None:
    from pool import privacy
    with db.transaction(db.make_engine(config.database_url())) as session:
        doc = privacy.export_leader(session, _leader(session, leader_id))
    text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@leader_group.command("erase", help="Erase a leader's personal data; their past hours stay in the reports.")
@click.argument("leader_id", type=int)
@click.option("--yes", is_flag=True, help="do not ask; erasing cannot be undone")
def erase_command(leader_id: int, yes: bool) -> None:
    from pool import privacy
    from pool.errors import Invalid
    from pool.models import Pool
    engine = db.make_engine(config.database_url())
    if not yes:
        with db.transaction(engine) as session:
            name = _leader(session, leader_id).name
        click.confirm(f"Erase the personal data of {name} (id {leader_id})? This cannot be undone", abort=True)
    try:
        with db.transaction(engine) as session:
            leader = _leader(session, leader_id)
            alias = privacy.erase_leader(session, session.get(Pool, leader.pool_id), leader, None)
    except Invalid as error:
        raise _bad(f"leader {leader_id}: {error}") from None
    click.echo(f"leader {leader_id} erased; the row stays as '{alias}' for the history")


@click.group("privacy", help="Retention of personal data.")
def privacy_group() -> None:
    pass


@privacy_group.command("purge", help="Clear absence reasons older than POOL_ABSENCE_REASON_DAYS (default 30).")
@click.option("--days", type=click.IntRange(min=0), default=None, help="keep reasons this many days after the absence")
def purge_command(days: Optional[int]) -> None:
    from pool import privacy
    try:
        days = privacy.absence_reason_days() if days is None else days
    except ValueError as error:
        raise _bad(str(error)) from None
    with db.transaction(db.make_engine(config.database_url())) as session:
        cleared = privacy.purge_all(session, days=days)
    total = sum(cleared.values())
    click.echo(f"{total} absence reasons cleared (kept {days} days after each absence)")


# ------------------------------------------------------------------------------ backup and restore
@click.command("backup", help="Write the whole database to one compressed file (SQLite or PostgreSQL).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(output: Path) -> None:
    from pool import backup
    engine = db.make_engine(config.database_url())
    try:
        header = backup.backup(engine, output)
    except OSError as error:
        raise _bad(f"-o: cannot write {output} ({error.strerror or error})") from None
    finally:
        engine.dispose()
    click.echo(f"backup of {sum(header['tables'].values())} rows in {len(header['tables'])} tables at schema "
               f"revision {header['schema_revision']} written to {output}")


@click.command("restore", help="Load a backup into an empty database migrated to the backup's revision.")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(backup_file: Path) -> None:
    from pool import backup
    engine = db.make_engine(config.database_url())
    try:
        header = backup.restore(engine, backup_file)
    except backup.BackupError as error:
        raise _bad(str(error)) from None
    finally:
        engine.dispose()
    click.echo(f"restored {sum(header['tables'].values())} rows from {backup_file} "
               f"(made {header['created_at']} at schema revision {header['schema_revision']})")
