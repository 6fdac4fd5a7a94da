"""The `pool` command. Each command owns its transaction: all of it is written, or nothing."""
from __future__ import annotations

import datetime as dt
import gc
import json
import sys
from pathlib import Path

import click
import sqlalchemy as sa

from pool import config, db


POOL_SLUG_MAX = 60  # the pools.slug column


class BadInput(click.ClickException):
    """Malformed or inconsistent input: one readable line, exit status 2."""
    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"pool: {self.format_message()}", err=True)


def _date(_ctx, param, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param=param) from None


def _engine():
    return db.make_engine(config.database_url())


def _pool(session, slug: str):
    from pool.models import Pool
    found = session.scalar(sa.select(Pool).where(Pool.slug == slug))
    if found is None:
        raise BadInput(f"--pool: no pool named {slug!r} (load one with 'pool seed demo' or 'pool import')")
    return found


@click.group(help="The pool: sports clubs' paid leaders planned onto public units' recurring needs.")
def main() -> None:
    pass


@main.group("db", help="Database maintenance.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Apply all migrations to POOL_DATABASE_URL.")
def db_upgrade() -> None:
    db.upgrade(config.database_url())
    click.echo("database is up to date")


@main.group(help="Load demonstration data.")
def seed() -> None:
    pass


@seed.command("demo", help="Load the Sandviken demo into an empty database.")
def seed_demo() -> None:
    from seed import DemoError, load_demo
    db.upgrade(config.database_url())
    try:
        with db.transaction(_engine()) as session:
            logins = load_demo(session)
    except DemoError as error:
        raise BadInput(str(error)) from None
    click.echo("Sandviken demo loaded. Demo logins:")
    for role, email, password in logins:
        click.echo(f"  {role:<12} {email:<40} {password}")


@main.command(help="Serve the web app.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    from waitress import serve as waitress_serve

    from web import create_app
    app = create_app()
    gc.freeze()  # the app's long-lived objects leave the collector's scans, which keeps page times even
    click.echo(f"serving the pool at http://{host}:{port}  (Ctrl+C stops)")
    waitress_serve(app, host=host, port=port, threads=8)


@main.command("export", help="Write a pool's planning problem for a period as pool-problem/1 JSON.")
@click.option("--from", "first", required=True, callback=_date, help="first day, YYYY-MM-DD")
@click.option("--to", "last", required=True, callback=_date, help="last day, YYYY-MM-DD")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="file (default: stdout)")
@click.option("--pool", "slug", default="sandviken", show_default=True)
def export(first: dt.date, last: dt.date, output: Path | None, slug: str) -> None:
    from pool.exchange import problem_to_doc
    from pool.planning import build_problem
    if last < first:
        raise BadInput(f"--to: {last} is before --from {first}")
    with db.transaction(_engine()) as session:
        doc = problem_to_doc(build_problem(session, _pool(session, slug), first, last))
    _write_json(doc, output)


@main.command("import", help="Load a pool-problem/1 JSON file into a pool (created when missing).")
@click.argument("problem_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pool", "slug", help="pool to load into (default: the problem's name)")
def import_(problem_file: Path, slug: str | None) -> None:
    from pool.planning import ImportConflict, import_problem
    problem = _read_problem(problem_file)
    slug = slug or problem.name or problem_file.stem
    if len(slug) > POOL_SLUG_MAX:
        raise BadInput(f"--pool: {slug[:20]!r}… is longer than {POOL_SLUG_MAX} characters; name the pool with --pool")
    try:
        with db.transaction(_engine()) as session:
            import_problem(session, problem, slug=slug, name=problem.name)
    except ImportConflict as error:
        raise BadInput(str(error)) from None
    click.echo(f"imported {len(problem.leaders)} leaders and {len(problem.needs)} needs into pool '{slug}'")


@main.command(help="Solve a pool-problem/1 JSON file into a pool-schedule/1 JSON file.")
@click.argument("problem_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="file (default: stdout)")
@click.option("--time-limit", default=10.0, show_default=True, type=click.FloatRange(min=0.1),
              help="seconds for the whole solve")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", "random_seed", default=0, show_default=True, type=int)
@click.option("--quiet", is_flag=True, help="no progress lines on stderr")
def solve(problem_file: Path, output: Path | None, time_limit: float, workers: int, random_seed: int,
          quiet: bool) -> None:
    import solver
    from pool.exchange import schedule_to_doc
    problem = _read_problem(problem_file)
    try:
        schedule = solver.solve(problem, time_limit=time_limit, num_workers=workers, random_seed=random_seed,
                                progress=None if quiet else _print_progress)
    except solver.InfeasiblePin as error:
        raise BadInput(f"pinned: {error}") from None
    _write_json(schedule_to_doc(schedule), output)


def _print_progress(event: dict) -> None:
    parts = [f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in event.items()]
    click.echo("  ".join(parts), err=True)


@main.command(help="Solve generated instances of several sizes and print one table of figures.")
@click.option("--sizes", default="S,M,M-scarce,R,L", show_default=True)
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="keep problems and schedules here")
def bench(sizes: str, seed: int, out: Path | None) -> None:
    from pool import bench as benchmark
    names = tuple(s.strip() for s in sizes.split(",") if s.strip())
    try:
        benchmark.check_sizes(names)  # before the speed reference: a typo costs no waiting
    except ValueError as error:
        raise BadInput(f"--sizes: {error}") from None
    click.echo(benchmark.machine())
    click.echo(f"speed before: {benchmark.speed_reference()}")
    rows = benchmark.run(sizes=names, seed=seed, out_dir=out)
    click.echo(benchmark.table(rows))
    click.echo(f"speed after: {benchmark.speed_reference()}")
    if not benchmark.valid(rows):
        raise SystemExit(1)  # a schedule that breaks a rule, or a solver that crashed: the table says which


def _read_problem(path: Path):
    from pool.exchange import ExchangeError, parse_problem
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadInput(f"{path}: not valid JSON ({error})") from None
    try:
        return parse_problem(doc)
    except ExchangeError as error:
        raise BadInput(f"{path}: {error}") from None


def _write_json(doc: dict, output: Path | None) -> None:
    text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


# Commands kept in their own modules, next to the services they drive.
from pool.cli_report import seed_attendance  # noqa: E402
from pool.cli_rhythm import rhythm_group, scheduler_command  # noqa: E402
from pool.cli_data import register as register_data_commands  # noqa: E402
from pool.cli_users import user_group  # noqa: E402

seed.add_command(seed_attendance)
main.add_command(scheduler_command)
main.add_command(rhythm_group)
main.add_command(user_group)
register_data_commands(main)  # leader export/erase, privacy purge, backup, restore
