"""Schedules after the solver: the state machine, hand edits checked against the rules, stale edits
refused, publication superseding the previous plan, and a background solve run end to end."""
import pytest
import sqlalchemy as sa

from pool import db, schedules, solve_runs
from pool.errors import Conflict, Invalid
from pool.models import Credential, Leader, Need, Schedule, ScheduleState, SolveRun, SolveState
from pool.planning import import_problem, store_schedule
from solver import problem as sp

from tests.builders import LAST, MON, D, small_problem


@pytest.fixture
def pool(session):
    return import_problem(session, small_problem(), slug="small")


def draft(session, pool, *assignments):
    return store_schedule(session, pool, sp.Schedule("small", tuple(assignments)), MON, LAST)


def by_code(session, model, code):
    return session.scalar(sa.select(model).where(model.code == code))


def test_draft_is_approved_then_published_and_never_twice(session, pool):
    row = draft(session, pool)
    schedules.approve(session, pool, row.id, row.row_version)
    assert row.state is ScheduleState.approved and row.approved_at is not None
    with pytest.raises(Conflict, match="Only a draft can be approved"):
        schedules.approve(session, pool, row.id, row.row_version)
    schedules.publish(session, pool, row.id, row.row_version)
    assert row.state is ScheduleState.published
    with pytest.raises(Conflict, match="Only an approved schedule can be published"):
        schedules.publish(session, pool, row.id, row.row_version)
    with pytest.raises(Conflict, match="Only a draft can be approved"):
        schedules.approve(session, pool, row.id, row.row_version)
    with pytest.raises(Conflict, match="Only a draft can be changed"):
        schedules.unassign(session, pool, row.id, 0, 1)


def test_publishing_supersedes_the_period_s_previous_plan(session, pool):
    before = session.scalar(sa.select(Schedule).where(Schedule.state == ScheduleState.published))
    row = draft(session, pool, sp.Assignment("rast", D(2027, 1, 19), "l1"))
    schedules.approve(session, pool, row.id, row.row_version)
    schedules.publish(session, pool, row.id, row.row_version)
    session.commit()
    assert before.state is ScheduleState.superseded
    assert session.scalars(sa.select(Schedule.id).where(Schedule.state == ScheduleState.published)).all() == [row.id]
    changes = schedules.diff(session, pool, draft(session, pool))
    assert [(c.need.code, c.day, [l.code for l in c.removed]) for c in changes] == [("rast", D(2027, 1, 19), ["l1"])]


def test_an_assignment_that_breaks_availability_is_refused_naming_the_rule(session, pool):
    row = draft(session, pool)
    rast, l2 = by_code(session, Need, "rast"), by_code(session, Leader, "l2")
    with pytest.raises(Invalid) as refused:
        schedules.assign(session, pool, row.id, need_id=rast.id, day=D(2027, 1, 12), leader_id=l2.id,
                         expected_version=row.row_version)
    assert refused.value.field == "leader"
    assert refused.value.message.startswith("Rule 3 (availability)")
    assert refused.value.params["leader"] == "Erik Berg"
    assert row.assignments == [] and row.row_version == 1


def test_hand_edits_apply_and_move_the_versions_on(session, pool):
    row = draft(session, pool)
    rast, l1, l2 = by_code(session, Need, "rast"), by_code(session, Leader, "l1"), by_code(session, Leader, "l2")
    l2.credentials.append(Credential(kind="bgc", valid_until=D(2027, 12, 31)))
    seat = schedules.assign(session, pool, row.id, need_id=rast.id, day=D(2027, 1, 12), leader_id=l1.id,
                            expected_version=1)
    assert row.row_version == 2 and row.solver_info["manual_edits"] == 1
    schedules.set_pinned(session, pool, row.id, seat.id, True, seat.row_version)
    assert seat.pinned and seat.row_version == 2
    with pytest.raises(Invalid, match="Rule 2"):
        schedules.assign(session, pool, row.id, need_id=rast.id, day=D(2027, 1, 12), leader_id=l1.id,
                         expected_version=row.row_version)
    thursday = schedules.assign(session, pool, row.id, need_id=rast.id, day=D(2027, 1, 21), leader_id=l2.id,
                                expected_version=row.row_version)
    with pytest.raises(Invalid, match="Rule 3"):  # l1 is absent on the 21st
        schedules.swap(session, pool, row.id, thursday.id, l1.id, thursday.row_version)
    schedules.unassign(session, pool, row.id, seat.id, seat.row_version)
    session.commit()
    assert [(a.day, a.leader.code) for a in row.assignments] == [(D(2027, 1, 21), "l2")]


def test_a_stale_edit_is_refused(session, pool):
    row = draft(session, pool)
    rast, l1 = by_code(session, Need, "rast"), by_code(session, Leader, "l1")
    seat = schedules.assign(session, pool, row.id, need_id=rast.id, day=D(2027, 1, 12), leader_id=l1.id,
                            expected_version=1)
    with pytest.raises(Conflict, match="changed this since you loaded it"):
        schedules.assign(session, pool, row.id, need_id=rast.id, day=D(2027, 1, 19), leader_id=l1.id,
                         expected_version=1)
    schedules.set_pinned(session, pool, row.id, seat.id, True, 1)
    with pytest.raises(Conflict):
        schedules.set_pinned(session, pool, row.id, seat.id, False, 1)
    with pytest.raises(Conflict):
        schedules.approve(session, pool, row.id, 1)


def test_periods_are_weeks_or_terms(session, pool):
    assert schedules.parse_period(session, pool, "2027-W03") == (D(2027, 1, 18), D(2027, 1, 24))
    with pytest.raises(Invalid) as bad:
        schedules.parse_period(session, pool, "vecka tre")
    assert bad.value.field == "period"


def test_broken_published_assignments_are_found_after_an_absence(session, pool):
    from pool.models import Absence
    l1 = by_code(session, Leader, "l1")
    l1.absences.append(Absence(first_day=D(2027, 1, 12), last_day=D(2027, 1, 12)))
    session.flush()
    problem, broken = schedules.broken_published(session, pool, MON, LAST)
    assert [(b.assignment.leader.code, b.assignment.day) for b in broken] == [("l1", D(2027, 1, 12))]
    assert broken[0].violations[0].code == "absent"


def test_a_solve_run_stores_a_draft_and_records_progress(session, engine, pool):
    published = session.scalar(sa.select(Schedule).where(Schedule.state == ScheduleState.published))
    run = solve_runs.start(session, pool, MON, LAST, time_limit=1.0)
    with pytest.raises(Conflict):
        solve_runs.start(session, pool, MON, LAST, time_limit=1.0)
    session.commit()
    solve_runs.execute(db.session_factory(engine), run.id, num_workers=1, random_seed=7)
    session.expire_all()
    run = session.get(SolveRun, run.id)
    assert run.state is SolveState.done and run.error == ""
    assert 0 < run.progress["fill"] <= 1 and run.progress["time_limit"] == 1.0
    result = session.get(Schedule, run.schedule_id)
    assert result.state is ScheduleState.draft and result.based_on_id == published.id
    assert ("natt", D(2027, 1, 15), "l1", True) in {(a.need.code, a.day, a.leader.code, a.pinned)
                                                    for a in result.assignments}
    assert published.state is ScheduleState.published  # untouched until a coordinator publishes


def test_a_failing_solve_run_says_why_and_writes_no_draft(session, engine, pool):
    l1 = by_code(session, Leader, "l1")
    l1.skills = []  # the pinned night-football seat needs a woman: the pin can no longer stand
    run = solve_runs.start(session, pool, MON, LAST, time_limit=1.0)
    session.commit()
    count = session.scalar(sa.select(sa.func.count()).select_from(Schedule))
    solve_runs.execute(db.session_factory(engine), run.id, num_workers=1, random_seed=7)
    session.expire_all()
    run = session.get(SolveRun, run.id)
    assert run.state is SolveState.failed and "pin" in run.error and run.schedule_id is None
    assert session.scalar(sa.select(sa.func.count()).select_from(Schedule)) == count
