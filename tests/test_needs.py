"""Needs as a requesting unit posts them: every rule names its field, a unit reaches only its own
needs, and staffing shows names only for published plans."""
import dataclasses

import pytest
import sqlalchemy as sa

from pool import needs as services
from pool.errors import Invalid, NotFound
from pool.models import (CalendarKind, CalendarPeriod, Need, Organisation, OrgKind, Schedule,
                         ScheduleState, Site)
from pool.planning import import_problem, store_schedule
from solver import problem as sp

from tests.builders import LAST, MON, D, small_problem


@pytest.fixture
def pool(session):
    pool = import_problem(session, small_problem(), slug="small")
    session.add_all([Organisation(pool_id=pool.id, code="skolan", kind=OrgKind.requester, name="Skolan"),
                     Organisation(pool_id=pool.id, code="soc", kind=OrgKind.requester, name="Soc"),
                     CalendarPeriod(pool_id=pool.id, kind=CalendarKind.term, name="vt 2027",
                                    first_day=D(2027, 1, 11), last_day=D(2027, 6, 11))])
    session.flush()
    return pool


def unit(session, code):
    return session.scalar(sa.select(Organisation).where(Organisation.code == code))


def recess(session, **changes):
    satra = session.scalar(sa.select(Site).where(Site.code == "satra"))
    data = services.NeedInput(title="Rastvärdar", site_id=satra.id, start_minute=570, end_minute=600,
                              weekdays=[2, 4], seats=2, first_day=D(2027, 1, 11), last_day=D(2027, 6, 11),
                              follows_school_calendar=True, credentials=["bgc"], priority=4,
                              activity_kind="rastvard")
    return dataclasses.replace(data, **changes)


def test_a_recurring_need_is_posted_for_the_unit(session, pool):
    need = services.create_need(session, pool, unit(session, "skolan"), recess(session))
    assert (need.code, need.weekdays, need.dates, need.requester.code) == ("rastvardar", [2, 4], [], "skolan")
    again = services.create_need(session, pool, unit(session, "skolan"), recess(session))
    assert again.code == "rastvardar-2"


def test_a_one_off_need_takes_its_days_from_the_dates(session, pool):
    need = services.create_need(session, pool, unit(session, "soc"),
                                recess(session, weekdays=[], dates=[D(2027, 2, 10), D(2027, 2, 3)],
                                       start_minute=1260, end_minute=60))
    assert need.dates == ["2027-02-03", "2027-02-10"] and (need.first_day, need.last_day) == (D(2027, 2, 3), D(2027, 2, 10))


@pytest.mark.parametrize("changes, field", [
    ({"weekdays": []}, "weekdays"),
    ({"weekdays": [8]}, "weekdays"),
    ({"end_minute": 570}, "end"),
    ({"seats": 0}, "seats"),
    ({"last_day": D(2027, 1, 1)}, "last_day"),
    ({"priority": 6}, "priority"),
    ({"site_id": 999_999}, "site"),
    ({"title": "  "}, "title"),
    ({"skills": ["no spaces please"]}, "skills"),
    ({"activity_kind": "picnic"}, "activity_kind"),
])
def test_a_bad_need_is_refused_naming_the_field(session, pool, changes, field):
    with pytest.raises(Invalid) as refused:
        services.create_need(session, pool, unit(session, "skolan"), recess(session, **changes))
    assert refused.value.field == field
    assert session.scalar(sa.select(sa.func.count()).select_from(Need).where(Need.requester_id.is_not(None))) == 0


def test_times_and_dates_are_parsed_with_the_field_named(session, pool):
    assert services.parse_clock("9.30", "start") == 570 and services.parse_clock("24:00", "end") == 1440
    with pytest.raises(Invalid) as bad:
        services.parse_clock("25:00", "end")
    assert bad.value.field == "end"
    with pytest.raises(Invalid, match="is not a date"):
        services.parse_dates("2027-02-10, tisdag")


def test_a_unit_reaches_only_its_own_needs(session, pool):
    need = services.create_need(session, pool, unit(session, "soc"), recess(session, confidential=True))
    with pytest.raises(NotFound):
        services.get_need(session, pool, need.id, unit(session, "skolan"))
    with pytest.raises(NotFound):
        services.update_need(session, pool, unit(session, "skolan"), need.id, recess(session))
    services.set_active(session, pool, unit(session, "soc"), need.id, False)
    assert not need.active


def test_a_confidential_need_shows_others_only_time_place_and_role(session, pool):
    need = services.create_need(session, pool, unit(session, "soc"),
                                recess(session, confidential=True, title="Tjejgrupp", contact="Fältgruppen"))
    own = services.create_need(session, pool, unit(session, "skolan"), recess(session))
    others = {n.code for n in services.neighbours(session, pool, unit(session, "skolan"))}
    assert others == {need.code, "rast", "mote"} and own.code not in others  # the pool's own needs at Sätra too
    shown = services.visible_fields(need, full=False)
    assert shown["start"] == "09:30" and shown["site"] == "Sätraskolan" and shown["activity_kind"] == "rastvard"
    assert not {"title", "contact", "description", "requester"} & set(shown)
    assert services.visible_fields(need, full=True)["contact"] == "Fältgruppen"


def test_staffing_names_published_leaders_and_only_counts_proposals(session, pool):
    rast = session.scalar(sa.select(Need).where(Need.code == "rast"))
    published = session.scalar(sa.select(Schedule).where(Schedule.state == ScheduleState.published))
    occurrences = services.staffing(session, pool, [rast], MON, LAST)
    assert [o.day for o in occurrences] == [D(2027, 1, 12), D(2027, 1, 19), D(2027, 1, 21)]  # the 14th is skipped
    first = occurrences[0]
    assert [l.code for l in first.published] == ["l1"] and first.open_seats == 1
    assert first.proposed == 0  # the import also made a newer draft, with only a night-football pin
    store_schedule(session, pool, sp.Schedule("small", (sp.Assignment("rast", D(2027, 1, 19), "l1"),)), MON, LAST)
    again = services.staffing(session, pool, [rast], MON, LAST)
    assert [(o.day, len(o.published), o.proposed) for o in again] == [
        (D(2027, 1, 12), 1, 0), (D(2027, 1, 19), 0, 1), (D(2027, 1, 21), 0, 0)]
    assert published.state is ScheduleState.published


def test_the_current_term_is_running_or_next(session, pool):
    assert services.current_term(session, pool, D(2026, 12, 1)).name == "vt 2027"
    assert services.current_term(session, pool, D(2027, 3, 1)).name == "vt 2027"
