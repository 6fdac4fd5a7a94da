import datetime as dt

import pytest
import sqlalchemy as sa

import solver
from pool.accounts import authenticate
from pool.db import make_engine, transaction
from pool.models import (Base, CalendarKind, CalendarPeriod, Credential, Leader, Need, Organisation, OrgKind,
                         Pool, Role, Site, Travel, User)
from pool.planning import build_problem
from pool.validate import metrics
from seed import DemoError, load_demo
from seed.sandviken import ACTIVITY_KINDS, SPRING_TERM, busiest_week

TERM_START, TERM_END = (dt.date.fromisoformat(day) for day in SPRING_TERM)


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def loaded(engine):
    with transaction(engine) as session:
        logins = load_demo(session)
    return engine, logins


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_parties_sites_and_leaders(loaded):
    engine, _ = loaded
    with transaction(engine) as session:
        pool = session.scalar(sa.select(Pool))
        assert (pool.slug, pool.name, pool.timezone) == ("sandviken", "Sandviken", "Europe/Stockholm")
        clubs = session.scalars(sa.select(Organisation).where(Organisation.kind == OrgKind.club)).all()
        assert {"sif", "saik", "stensatra", "hogbo"} <= {club.code for club in clubs}
        assert all(club.pledged_minutes_per_week for club in clubs)
        assert count(session, Organisation, Organisation.kind == OrgKind.requester) >= 10
        assert count(session, Organisation, Organisation.kind == OrgKind.funder) >= 4
        sites = count(session, Site)
        assert sites >= 15
        travel = session.scalars(sa.select(Travel)).all()
        assert len(travel) == sites * (sites - 1) // 2
        assert all(3 <= t.minutes <= 25 and t.from_site_id < t.to_site_id for t in travel)
        leaders = session.scalars(sa.select(Leader)).all()
        assert len(leaders) >= 80
        assert max({club.code: len(club.leaders) for club in clubs}.items(), key=lambda item: item[1])[0] == "sif"
        assert 0.35 <= sum("female" in leader.skills for leader in leaders) / len(leaders) <= 0.5
        assert all(leader.availability and "lang:sv" in leader.skills for leader in leaders)


def test_credentials_expire_during_the_term_and_some_have_expired(loaded):
    engine, _ = loaded
    with transaction(engine) as session:
        assert count(session, Credential, Credential.valid_until.between(TERM_START, TERM_END)) >= 1
        assert count(session, Credential, Credential.valid_until < TERM_START) >= 1


def test_needs_cover_every_activity(loaded):
    engine, _ = loaded
    with transaction(engine) as session:
        needs = session.scalars(sa.select(Need)).all()
        assert {need.activity_kind for need in needs} == set(ACTIVITY_KINDS)
        assert any(need.confidential for need in needs)
        walks = [need for need in needs if need.activity_kind == "nattvandring"]
        assert walks and all(need.end_minute <= need.start_minute for need in walks)
        girls = [need for need in needs if need.activity_kind == "tjejgrupp" or "tjej" in need.code]
        assert len(girls) >= 3 and all("female" in need.skills for need in girls)
        recess = [need for need in needs if need.activity_kind == "rastvard"]
        assert all(need.follows_school_calendar and "background-check" in need.credentials for need in recess)
        football = [need for need in needs if need.activity_kind == "nattfotboll" and need.weekdays]
        assert all(not need.follows_school_calendar and need.last_day is None for need in football)
        assert any("licence:B" in need.skills for need in needs if need.activity_kind == "sportfritids")
        assert all(bool(need.weekdays) != bool(need.dates) for need in needs)


def test_the_busiest_week_is_busy_and_largely_fillable(loaded):
    engine, _ = loaded
    with transaction(engine) as session:
        pool = session.scalar(sa.select(Pool))
        monday, seats = busiest_week(session, pool)
        assert seats >= 300 and TERM_START <= monday <= TERM_END
        problem = build_problem(session, pool, monday, monday + dt.timedelta(days=6))
    assert sum(need.seats * len(need.occurrences) for need in problem.needs.values()) == seats
    schedule = solver.solve(problem, time_limit=5, num_workers=2)
    assert metrics(problem, schedule.assignments).fill >= 0.9


def test_calendar_has_the_spring_term_and_its_breaks(loaded):
    engine, _ = loaded
    with transaction(engine) as session:
        periods = {p.name: p for p in session.scalars(sa.select(CalendarPeriod))}
        assert (periods["vt 2027"].kind, periods["vt 2027"].first_day) == (CalendarKind.term, TERM_START)
        assert periods["sportlov 2027"].first_day == dt.date(2027, 3, 1)
        assert periods["påsklov 2027"].kind is CalendarKind.school_break


def test_one_login_per_role_authenticates(loaded):
    engine, logins = loaded
    assert sorted(role for role, _, _ in logins) == sorted(role.value for role in Role)
    with transaction(engine) as session:
        for role, email, password in logins:
            user = authenticate(session, email, password)
            assert user is not None and user.role.value == role and user.locale == "sv"
        leader_user = session.scalar(sa.select(User).where(User.role == Role.leader))
        assert leader_user.leader.availability and leader_user.leader.credentials


def test_loading_twice_fails_and_leaves_the_data_unchanged(loaded):
    engine, _ = loaded
    with transaction(engine) as session:
        before = [count(session, model) for model in (Leader, Need, User)]
    with pytest.raises(DemoError, match="already has a pool named 'sandviken'"):
        with transaction(engine) as session:
            load_demo(session)
    with transaction(engine) as session:
        assert [count(session, model) for model in (Leader, Need, User)] == before
