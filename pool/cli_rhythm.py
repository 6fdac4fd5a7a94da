"""`pool scheduler` (the one process that runs the weekly rhythm), `pool rhythm run JOB` (one job now) and
`pool rhythm simulate` (a demo week on a controllable clock, printing the outbox). pool/cli.py adds them."""
from __future__ import annotations

import datetime as dt
import logging
import signal
import tempfile
import threading
from pathlib import Path
from typing import Callable, Optional
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa

from pool import config, db


@click.command("scheduler", help="Run the scheduled jobs (one process; a second one stands by).")
@click.option("--lock-retry", type=float, default=None, help="seconds between tries for the lock when standing by")
def scheduler_command(lock_retry: Optional[float]) -> None:
    from pool import scheduler
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo("scheduler started; it runs the jobs while it holds the lock (Ctrl+C stops)")
    scheduler.serve(stop=stop, lock_retry=lock_retry)


@click.group("rhythm", help="The weekly rhythm's jobs.")
def rhythm_group() -> None:
    pass


@rhythm_group.command("run", help="Run one job now and record it, as the scheduler would.")
@click.argument("job_id")
@click.option("--now", "moment", default=None, help="the clock, YYYY-MM-DDTHH:MM in the pool's time zone")
def run_command(job_id: str, moment: Optional[str]) -> None:
    from pool import rhythm, scheduler
    from pool.cli import BadInput
    if job_id not in rhythm.JOBS:
        raise BadInput(f"no job {job_id!r}; the jobs are: {', '.join(rhythm.JOBS)}")
    now = _moment(moment, rhythm.Rhythm.from_env().timezone) if moment else None
    run = scheduler.execute_job(db.session_factory(db.make_engine(config.database_url())), job_id, now=now,
                                retry=scheduler.Retry(attempts=1))
    click.echo(f"{job_id}: {'ok' if run.ok else 'failed'}: {run.summary}")
    if not run.ok:
        raise SystemExit(1)


def _moment(text: str, zone: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        from pool.cli import BadInput
        raise BadInput(f"--now: {text!r} is not YYYY-MM-DDTHH:MM") from None


# ------------------------------------------------------------------------------ the simulated week
@rhythm_group.command("simulate", help="Play a week of the demo on a fresh database and print the outbox.")
@click.option("--from", "first", default="2027-01-11", show_default=True, help="first day (the clock starts 00:00)")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 28))
@click.option("--solve-seconds", default=2.0, show_default=True, type=float)
@click.option("--full", is_flag=True, help="print every message in full, not one of each kind")
def simulate_command(first: str, days: int, solve_seconds: float, full: bool) -> None:
    from pool.cli import BadInput
    try:
        start = dt.date.fromisoformat(first)
    except ValueError:
        raise BadInput(f"--from: {first!r} is not a date YYYY-MM-DD") from None
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'week.sqlite'}"
        db.upgrade(url)
        engine = db.make_engine(url)
        try:
            simulate(db.session_factory(engine), start, days, solve_seconds=solve_seconds, echo=click.echo,
                     full=full)
        finally:
            engine.dispose()


def simulate(sessions, start: dt.date, days: int, *, solve_seconds: float = 2.0,
             echo: Callable[[str], None] = print, full: bool = False) -> list:
    """The demo week: the jobs at their scheduled times, and between them what people do — the coordinator
    publishes, a club admin corrects a background check, a leader reports ill. Returns the outbox."""
    from pool import rhythm
    from pool.cli_report import publish_demo_period
    from pool.models import OutboxMessage, Pool
    from seed import load_demo
    settings = rhythm.Rhythm(solve_seconds=solve_seconds)
    zone = ZoneInfo(settings.timezone)
    with sessions() as session:
        load_demo(session)
        pool = session.scalar(sa.select(Pool))
        monday = start - dt.timedelta(days=start.weekday())
        publish_demo_period(session, pool, monday, monday + dt.timedelta(days=6), time_limit=solve_seconds)
        session.execute(sa.delete(OutboxMessage))  # the setup's own publication is not part of the week
        session.commit()
    echo(f"Setup: Sandviken demo loaded, week {monday.isocalendar()[1]} published (its messages left out).")
    seen = 0
    for moment, label, action in _timeline(start, days, settings, zone):
        summary = action(sessions, moment, settings)
        with sessions() as session:
            new = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id > seen)
                                  .order_by(OutboxMessage.id)).all()
        seen = max([seen, *(m.id for m in new)])
        if summary or new:
            echo(f"{moment:%a %Y-%m-%d %H:%M}  {label}: {summary}" + (f"  → {len(new)} messages" if new else ""))
            for message in new:
                echo(f"      to {message.to_address}: {message.subject}")
    with sessions() as session:
        outbox = session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    _print_outbox(outbox, echo, full)
    return outbox


def _timeline(start: dt.date, days: int, settings, zone: ZoneInfo) -> list[tuple]:
    """(moment, label, action) in time order; minute jobs run one minute after every step."""
    from pool.scheduler import job_specs
    first = dt.datetime.combine(start, dt.time(), zone)
    last = first + dt.timedelta(days=days)
    steps = []
    for spec in job_specs(settings, env={}):
        if spec.id in ("replan-broken", "deliver-outbox"):
            continue
        moment = spec.trigger.get_next_fire_time(None, first)
        while moment is not None and moment < last:
            steps.append((moment, spec.id, _job(spec.id)))
            moment = spec.trigger.get_next_fire_time(moment, moment + dt.timedelta(seconds=1))
    steps += [(dt.datetime.combine(day, clock, zone), label, action)
              for day, clock, label, action in _people(start, days)]
    minute_jobs = [(m + dt.timedelta(minutes=1), "replan-broken", _job("replan-broken")) for m, *_ in steps]
    return sorted(steps + minute_jobs, key=lambda s: s[0])


def _job(job_id: str):
    from pool import rhythm
    return lambda sessions, now, settings: rhythm.JOBS[job_id](sessions, now, settings).replace(
        "nothing to do", "")


def _people(start: dt.date, days: int) -> list[tuple]:
    """What the coordinator, a club admin and a leader do in the week (Friday and Saturday)."""
    friday = start + dt.timedelta(days=(4 - start.weekday()) % 7)
    saturday = friday + dt.timedelta(days=1)
    steps = [(friday, dt.time(15, 0), "coordinator", _publish_waiting),
             (saturday, dt.time(9, 0), "club admin", _shorten_a_credential),
             (saturday, dt.time(10, 0), "leader", _report_ill),
             (saturday, dt.time(11, 0), "coordinator", _publish_waiting)]
    return [s for s in steps if s[0] < start + dt.timedelta(days=days)]


def _publish_waiting(sessions, now, settings) -> str:
    from pool import schedules
    from pool.models import Pool, Schedule, ScheduleState
    with sessions() as session:
        pool = session.scalar(sa.select(Pool))
        draft = session.scalar(sa.select(Schedule).where(Schedule.pool_id == pool.id,
                                                         Schedule.state == ScheduleState.draft)
                               .order_by(Schedule.id.desc()).limit(1))
        if draft is None:
            return "no proposal waiting"
        approved = schedules.approve(session, pool, draft.id, draft.row_version)
        published = schedules.publish(session, pool, approved.id, approved.row_version)
        session.commit()
        return f"approves and publishes version {published.version} of {published.period_start}–{published.period_end}"


def _next_week_rows(session, now):
    from pool.models import Pool
    from pool.planning import published_assignments
    pool = session.scalar(sa.select(Pool))
    monday = now.date() + dt.timedelta(days=7 - now.date().weekday())
    return pool, sorted(published_assignments(session, pool, monday, monday + dt.timedelta(days=6)),
                        key=lambda a: (a.day, a.need.code, a.leader.code))


def _shorten_a_credential(sessions, now, settings) -> str:
    """A correction: the background check of someone on a school need next Thursday ends the day before."""
    with sessions() as session:
        _pool, rows = _next_week_rows(session, now)
        row = next((a for a in rows if a.day.isoweekday() == 4 and a.need.credentials), None)
        if row is None:
            return "nobody to correct"
        credential = next(c for c in row.leader.credentials if c.kind in row.need.credentials)
        credential.valid_until = row.day - dt.timedelta(days=1)
        session.commit()
        return f"corrects {row.leader.name}'s {credential.kind}: valid until {credential.valid_until}"


def _report_ill(sessions, now, settings) -> str:
    from pool import leaders
    with sessions() as session:
        _pool, rows = _next_week_rows(session, now)
        row = next((a for a in rows if a.day.isoweekday() == 2), None)
        if row is None:
            return "nobody to fall ill"
        leaders.report_absence(session, row.leader, row.day, row.day, "sjuk", today=now.date())
        session.commit()
        return f"{row.leader.name} reports ill for {row.day}"


def _print_outbox(outbox: list, echo, full: bool) -> None:
    kinds: dict[str, list] = {}
    for message in outbox:
        kinds.setdefault(message.dedupe_key.split(":")[0], []).append(message)
    echo("")
    echo(f"Outbox: {len(outbox)} messages, kept (SMTP not configured)")
    for kind, rows in kinds.items():
        with_calendar = sum(1 for m in rows if m.calendar)
        echo(f"  {kind:<12} {len(rows):>4}" + (f"  ({with_calendar} with an iCal attachment)" if with_calendar else ""))
    for kind, rows in kinds.items():
        for message in rows if full else rows[:1]:
            echo("")
            echo(f"--- {kind}: to {message.to_address}")
            echo(f"Subject: {message.subject}")
            echo(message.body_text.rstrip())
            if message.calendar:
                events = message.calendar.count("BEGIN:VEVENT")
                echo(f"[attachment schema.ics: {events} events, "
                     f"{message.calendar.count('STATUS:CANCELLED')} cancelled]")
