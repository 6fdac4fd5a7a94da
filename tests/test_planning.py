"""The database ⇄ problem adapters: what goes in comes out, breaks close school needs, all or nothing."""
import dataclasses

import pytest
import sqlalchemy as sa

from pool.models import (CalendarKind, CalendarPeriod, Leader, Need, Organisation, OrgKind, Pool, Schedule,
                         ScheduleState, Site)
from pool.planning import ImportConflict, build_problem, import_problem, store_schedule
from solver import problem as sp

from tests.builders import LAST, MON, D, small_problem


def test_import_then_build_gives_back_the_same_problem(session):
    original = small_problem()
    pool = import_problem(session, original, slug="small")
    rebuilt = build_problem(session, pool, MON, LAST)
    assert dataclasses.replace(rebuilt, name="small") == original


def test_school_breaks_and_holidays_close_school_needs_only(session):
    pool = import_problem(session, small_problem(), slug="small")
    session.add(CalendarPeriod(pool_id=pool.id, kind=CalendarKind.school_break, name="Testlov",
                               first_day=D(2027, 1, 18), last_day=D(2027, 1, 22)))
    rast = session.scalar(sa.select(Need).where(Need.code == "rast"))
    rast.follows_school_calendar = True
    session.flush()
    problem = build_problem(session, pool, D(2027, 1, 4), LAST)
    assert problem.needs["rast"].occurrences == (D(2027, 1, 12),)  # 14th skipped, 19th and 21st on break
    # Epiphany (6 Jan) is a Wednesday: not a recess day, so it is not listed as an exception
    assert problem.needs["rast"].except_dates == {D(2027, 1, 14), D(2027, 1, 19), D(2027, 1, 21)}
    assert len(problem.needs["natt"].occurrences) == 6  # night football runs through breaks


def test_store_schedule_makes_the_next_draft_version(session):
    pool = import_problem(session, small_problem(), slug="small")
    solved = sp.Schedule("small", (sp.Assignment("rast", D(2027, 1, 19), "l1"),), solver={"status": "OPTIMAL"})
    first = store_schedule(session, pool, solved, MON, LAST)
    second = store_schedule(session, pool, solved, MON, LAST)
    assert (first.version, second.version) == (3, 4)  # the import made a published and a pinned draft
    assert second.state is ScheduleState.draft and second.solver_info == {"status": "OPTIMAL"}
    assert [a.leader.code for a in second.assignments] == ["l1"]


def test_import_into_a_pool_that_has_the_ids_changes_nothing(session):
    import_problem(session, small_problem(), slug="small")
    session.commit()
    before = session.scalar(sa.select(sa.func.count()).select_from(Leader))
    with pytest.raises(ImportConflict, match="pool 'small' already has a site with id 'jernvallen'"):
        import_problem(session, small_problem(), slug="small")
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Leader)) == before
    assert session.scalar(sa.select(sa.func.count()).select_from(Schedule)) == 2


def test_pools_never_see_each_other(session):
    a = import_problem(session, small_problem(), slug="a")
    b = import_problem(session, small_problem(), slug="b")
    session.add(Site(pool_id=b.id, code="extra", name="Extra"))
    session.add(Organisation(pool_id=b.id, code="x", kind=OrgKind.club, name="X"))
    session.flush()
    assert set(build_problem(session, a, MON, LAST).sites) == {"satra", "jernvallen"}
    assert set(build_problem(session, b, MON, LAST).clubs) == {"sif", "saik", "x"}
    assert session.scalar(sa.select(sa.func.count()).select_from(Pool)) == 2


def test_a_generated_replan_instance_survives_the_database(session):
    from pool.generator import generate
    original = generate(3, leaders=30, schools=4, weeks=2, baseline=True)
    pool = import_problem(session, original, slug="generated")
    rebuilt = build_problem(session, pool, original.start, original.end)
    assert dataclasses.replace(rebuilt, name=original.name) == original
