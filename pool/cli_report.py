"""`pool seed attendance`: a demo quarter for the funders' report — published schedules, funding links and
attendance for the past weeks. pool/cli.py adds it with ``seed.add_command(seed_attendance)``."""
from __future__ import annotations

import datetime as dt

import click
import sqlalchemy as sa
from sqlalchemy import orm

from pool.models import Pool, Role, Schedule, ScheduleState, User


def publish_demo_period(session: orm.Session, pool: Pool, first: dt.date, last: dt.date, *,
                        time_limit: float = 10.0, seed: int = 0) -> Schedule:
    """Solve first..last and publish the result, unless a published schedule covers that exact period."""
    import solver
    from pool.planning import build_problem, newest_schedule, store_schedule
    published = newest_schedule(session, pool, first, last, ScheduleState.published)
    if published is not None:
        return published
    from pool import schedules
    problem = build_problem(session, pool, first, last)
    draft = store_schedule(session, pool, solver.solve(problem, time_limit=time_limit, num_workers=1,
                                                       random_seed=seed), first, last)
    approved = schedules.approve(session, pool, draft.id, draft.row_version)
    return schedules.publish(session, pool, approved.id, approved.row_version)


def seed_demo_report(session: orm.Session, pool: Pool, first: dt.date, last: dt.date, until: dt.date, *,
                     seed: int = 0, time_limit: float = 10.0) -> tuple[int, int]:
    """Publish first..last, add the demo funding links and attendance up to ``until``; returns
    (funding links added, attendance records written)."""
    from pool.attendance import generate_demo_attendance
    from pool.funding import generate_demo_funding
    publish_demo_period(session, pool, first, last, time_limit=time_limit, seed=seed)
    coordinator = session.scalar(sa.select(User).where(User.pool_id == pool.id, User.role == Role.coordinator)
                                 .order_by(User.id).limit(1))
    links = generate_demo_funding(session, pool)
    return links, generate_demo_attendance(session, pool, until, seed=seed, recorded_by=coordinator)


@click.command("attendance", help="Publish a demo period, add funding links and attendance for its past weeks.")
@click.option("--from", "first", default="2027-01-01", show_default=True, help="first day to publish")
@click.option("--to", "last", default="2027-03-31", show_default=True, help="last day to publish")
@click.option("--until", default=None, help="record attendance up to this day (default: yesterday)")
@click.option("--seed", "random_seed", default=0, show_default=True, type=int)
@click.option("--pool", "slug", default="sandviken", show_default=True)
def seed_attendance(first: str, last: str, until: str | None, random_seed: int, slug: str) -> None:
    from pool import config, db
    from pool.cli import BadInput
    try:
        first_day, last_day = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        until_day = dt.date.fromisoformat(until) if until else dt.date.today() - dt.timedelta(days=1)
    except ValueError as error:
        raise BadInput(f"--from/--to/--until: {error}") from None
    if last_day < first_day:
        raise BadInput(f"--to: {last_day} is before --from {first_day}")
    with db.transaction(db.make_engine(config.database_url())) as session:
        pool = session.scalar(sa.select(Pool).where(Pool.slug == slug))
        if pool is None:
            raise BadInput(f"--pool: no pool named {slug!r} (load one with 'pool seed demo')")
        links, notes = seed_demo_report(session, pool, first_day, last_day, until_day, seed=random_seed)
    click.echo(f"published {first_day}..{last_day}; {links} funding links and {notes} attendance notes "
               f"up to {until_day} added")
