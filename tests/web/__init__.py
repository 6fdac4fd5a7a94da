"""Pages, API and feeds over real HTTP, and helpers that write straight into the live server's database."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import sqlalchemy as sa

from pool import db
from pool.models import Assignment, Leader, Need, Schedule, ScheduleState


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


class LiveDatabase:
    """The SQLite copy the live server serves (the live_server fixture puts it in the test's tmp_path)."""

    def __init__(self, tmp_path: Path):
        self.engine = db.make_engine(f"sqlite:///{tmp_path / 'demo.sqlite'}")

    def scalar(self, query):
        with db.session_factory(self.engine)() as session:
            return session.scalar(query)

    def leader_id(self, code: str) -> int:
        return self.scalar(sa.select(Leader.id).where(Leader.code == code))

    def count_leaders(self) -> int:
        return self.scalar(sa.select(sa.func.count()).select_from(Leader))

    def publish(self, monday: dt.date, rows: list[tuple[str, int, str]]) -> None:
        """Publish a two-week schedule from ``monday`` with (need code, day offset, leader code) rows."""
        with db.transaction(self.engine) as session:
            needs = {n.code: n.id for n in session.scalars(sa.select(Need))}
            leaders = {l.code: l.id for l in session.scalars(sa.select(Leader))}
            session.add(Schedule(
                pool_id=1, period_start=monday, period_end=monday + dt.timedelta(days=13), version=1,
                state=ScheduleState.published, published_at=dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc),
                assignments=[Assignment(need_id=needs[n], day=monday + dt.timedelta(days=offset), leader_id=leaders[l])
                             for n, offset, l in rows]))

    def dispose(self):
        self.engine.dispose()


THIS_MONDAY = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
DEMO_LEADER = "abdirahman-warsame"


def week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"
