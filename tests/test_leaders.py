"""Leader services and calendar feeds on SQLite and PostgreSQL."""
import datetime as dt
from decimal import Decimal

import icalendar
import pytest
import sqlalchemy as sa

from pool import feeds, leaders
from pool.errors import Invalid, NotFound
from pool.leaders import AbsenceSpan, LeaderInput, Window
from pool.models import (Assignment, Leader, Need, Organisation, OrgKind, Pool, Schedule, ScheduleState, Site)

D = dt.date
TODAY = D(2027, 1, 13)  # a Wednesday in week 2


@pytest.fixture
def clubs(session, club):
    """The pool and its club SIF (conftest's ``club``), with a second club, SAIK."""
    saik = Organisation(pool_id=club.pool_id, code="saik", kind=OrgKind.club, name="SAIK")
    session.add(saik)
    session.flush()
    return session.get(Pool, club.pool_id), club, saik


def amina(**changes) -> LeaderInput:
    values = dict(name="Amina Yusuf", email="Amina@Example.se", phone="070-123 45 67",
                  skills=["lang:so", " female", "lang:so"], credentials={"background-check": D(2027, 2, 1)},
                  availability=[Window(5, 19 * 60, 2 * 60)], absences=[AbsenceSpan(D(2027, 2, 1), D(2027, 2, 3), "exam")],
                  max_minutes_per_day=300, max_minutes_per_week=900, hourly_wage=Decimal("145.50"))
    values.update(changes)
    return LeaderInput(**values)


def test_create_and_update_a_leader(session, clubs):
    pool, sif, _ = clubs
    leader = leaders.create_leader(session, sif, amina())
    assert (leader.code, leader.email, leader.skills) == ("amina-yusuf", "amina@example.se", ["lang:so", "female"])
    assert [(w.weekday, w.start_minute, w.end_minute) for w in leader.availability] == [(5, 1140, 120)]
    second = leaders.create_leader(session, sif, amina(email=""))
    assert second.code == "amina-yusuf-2"
    leaders.update_leader(session, sif, leader, amina(credentials={"background-check": D(2028, 1, 1),
                                                                  "first-aid": D(2027, 5, 1)}, absences=[]))
    session.flush()
    session.expire_all()
    again = session.get(Leader, leader.id)
    assert {c.kind: c.valid_until for c in again.credentials} == {"background-check": D(2028, 1, 1),
                                                                 "first-aid": D(2027, 5, 1)}
    assert again.absences == []


@pytest.mark.parametrize("changes, field", [
    (dict(name="  "), "name"),
    (dict(email="not-an-email"), "email"),
    (dict(skills=["two words"]), "skills"),
    (dict(availability=[Window(8, 60, 120)]), "availability[0].weekday"),
    (dict(availability=[Window(1, 600, 600)]), "availability[0].end"),
    (dict(absences=[AbsenceSpan(D(2027, 2, 3), D(2027, 2, 1))]), "absences[0].last_day"),
    (dict(max_minutes_per_day=0), "max_minutes_per_day"),
    (dict(max_minutes_per_week=100), "max_minutes_per_week"),
    (dict(hourly_wage=Decimal("-1")), "hourly_wage"),
])
def test_bad_input_names_the_field_and_saves_nothing(session, clubs, changes, field):
    _, sif, _ = clubs
    with pytest.raises(Invalid) as error:
        leaders.create_leader(session, sif, amina(**changes))
    assert error.value.field == field
    assert session.scalar(sa.select(sa.func.count()).select_from(Leader)) == 0


def test_email_is_unique_in_the_pool(session, clubs):
    _, sif, saik = clubs
    leaders.create_leader(session, sif, amina())
    with pytest.raises(Invalid) as error:
        leaders.create_leader(session, saik, amina(name="Other", email="amina@example.se"))
    assert error.value.field == "email"


def test_a_club_reaches_only_its_own_leaders(session, clubs):
    _, sif, saik = clubs
    leader = leaders.create_leader(session, sif, amina())
    assert leaders.club_leader(session, sif, leader.id) is leader
    with pytest.raises(NotFound):
        leaders.club_leader(session, saik, leader.id)
    with pytest.raises(NotFound):
        leaders.update_leader(session, saik, leader, amina())
    with pytest.raises(NotFound):
        leaders.set_active(session, saik, leader, False)
    leaders.set_active(session, sif, leader, False)
    assert leaders.club_leaders(session, sif, include_inactive=False) == []


def test_credential_status_marks_expired_and_soon_expiring(session, clubs):
    _, sif, _ = clubs
    leader = leaders.create_leader(session, sif, amina(credentials={
        "a": TODAY - dt.timedelta(days=1), "b": TODAY + dt.timedelta(days=30), "c": TODAY + dt.timedelta(days=31)}))
    assert {c.kind: leaders.credential_status(c, TODAY) for c in leader.credentials} == {
        "a": "expired", "b": "expiring", "c": "valid"}


def test_leader_reports_an_absence(session, clubs):
    _, sif, _ = clubs
    leader = leaders.create_leader(session, sif, amina(absences=[]))
    leaders.report_absence(session, leader, TODAY, TODAY + dt.timedelta(days=2), "sjuk", today=TODAY)
    assert [(a.first_day, a.reason) for a in leader.absences] == [(TODAY, "sjuk")]
    for first, last, reason, field in ((TODAY - dt.timedelta(days=1), TODAY, "sjuk", "first_day"),
                                       (TODAY, TODAY - dt.timedelta(days=1), "sjuk", "last_day"),
                                       (TODAY, TODAY, " ", "reason")):
        with pytest.raises(Invalid) as error:
            leaders.report_absence(session, leader, first, last, reason, today=TODAY)
        assert error.value.field == field


def test_pledge_and_week_parsing(session, clubs):
    _, sif, _ = clubs
    leaders.set_pledge(session, sif, 600)
    assert sif.pledged_minutes_per_week == 600
    with pytest.raises(Invalid):
        leaders.set_pledge(session, sif, -5)
    assert leaders.iso_week("2027-W03") == D(2027, 1, 18)
    with pytest.raises(Invalid) as error:
        leaders.iso_week("2027-W60")
    assert error.value.field == "week"


def published(session, pool, sif, *, confidential=False):
    """A leader with a published Friday-night assignment crossing midnight, and a site."""
    site = Site(pool_id=pool.id, code="arenan", name="Arenan", address="Sätra torg 3")
    session.add(site)
    session.flush()
    need = Need(pool_id=pool.id, code="natt", site_id=site.id, title="Nattfotboll", activity_kind="nattfotboll",
                description="Öppna arenan.", contact="Bovärden", weekdays=[5], start_minute=1200, end_minute=30,
                confidential=confidential)
    leader = leaders.create_leader(session, sif, amina())
    session.add(need)
    session.flush()
    schedule = Schedule(pool_id=pool.id, period_start=D(2027, 1, 11), period_end=D(2027, 1, 24),
                        state=ScheduleState.published, published_at=dt.datetime(2027, 1, 8, 12, tzinfo=dt.timezone.utc),
                        assignments=[Assignment(need_id=need.id, day=D(2027, 1, 15), leader_id=leader.id),
                                     Assignment(need_id=need.id, day=D(2027, 1, 22), leader_id=leader.id)])
    session.add(schedule)
    session.flush()
    return leader, site


def test_leader_feed_has_stable_uids_and_nights_end_the_next_day(session, clubs):
    pool, sif, _ = clubs
    leader, _ = published(session, pool, sif)
    first = icalendar.Calendar.from_ical(feeds.leader_feed(session, leader, today=TODAY))
    second = icalendar.Calendar.from_ical(feeds.leader_feed(session, leader, today=TODAY))
    events = first.walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [str(e["uid"]) for e in second.walk("VEVENT")]
    assert len({str(e["uid"]) for e in events}) == 2
    night = events[0]
    assert night.decoded("dtstart").isoformat() == "2027-01-15T20:00:00+01:00"
    assert night.decoded("dtend").isoformat() == "2027-01-16T00:30:00+01:00"
    assert night["dtstart"].params["TZID"] == "Europe/Stockholm"
    assert first.walk("VTIMEZONE") and "Bovärden" in str(night["description"])


def test_site_feed_hides_names_of_confidential_needs(session, clubs):
    pool, sif, _ = clubs
    _, site = published(session, pool, sif, confidential=True)
    events = icalendar.Calendar.from_ical(feeds.site_feed(session, site, today=TODAY)).walk("VEVENT")
    assert len(events) == 2
    text = events[0].to_ical().decode()
    assert "Amina" not in text and "Nattfotboll" not in str(events[0]["summary"]) and "Arenan" in text


def test_feed_tokens_are_created_lazily_and_rotate(session, clubs):
    pool, sif, _ = clubs
    leader, site = published(session, pool, sif)
    token = feeds.feed_token(session, site)
    assert feeds.feed_token(session, site) == token and feeds.by_token(session, Site, token) is site
    assert feeds.rotate_feed_token(session, site) != token and feeds.by_token(session, Site, token) is None
    leader_token = feeds.feed_token(session, leader)
    assert feeds.by_token(session, Leader, leader_token) is leader
    assert feeds.by_token(session, Leader, "") is None
