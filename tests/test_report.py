"""The funders' report over a small hand-built pool, every figure checked against a hand computation.

The pool (Q1 2027 published for 4–17 January, plus one December evening):
  leaders L1 (club A, 100 kr/h), L2 (club A, 150 kr/h), L3 (club B, no wage recorded)
  N1 night football, Fridays 20:00–00:30 (270 min), 2 seats, area Sätra
  N2 recess hosts, Tue+Thu 12:00–13:00 (60 min), 1 seat, area Centrum
  sessions: N1 18 Dec L1 (unconfirmed); N1 8 Jan L1+L3 held 60/15; N1 15 Jan L1+L2 (upcoming);
            N2 5 Jan L2 cancelled; N2 7 Jan L3 held 20/12; N2 12 Jan L2 (unconfirmed); N2 14 Jan nobody
  now: Thursday 14 January 2027 11:00
  links: F1 → N1 all 2027, 300 kr; F2 → kind rastvard from 10 Jan, 100 kr; F3 → club A in January, 100 kr
"""
import datetime as dt
from decimal import Decimal

import pytest

from pool import report
from pool.accounts import create_user
from pool.models import (Assignment, Attendance, Funding, Leader, Need, Organisation, OrgKind, Pool, Role, Schedule,
                         ScheduleState, Site)

D = dt.date
NOW = dt.datetime(2027, 1, 14, 11, 0)
Q1 = report.Quarter(2027, 1)


def build_pool(session) -> dict:
    pool = Pool(slug="hand", name="Hand")
    session.add(pool)
    session.flush()
    org = {code: Organisation(pool_id=pool.id, code=code, kind=kind, name=name) for code, kind, name in [
        ("a", OrgKind.club, "Club A"), ("b", OrgKind.club, "Club B"), ("f1", OrgKind.funder, "Funder One"),
        ("f2", OrgKind.funder, "Funder Two"), ("f3", OrgKind.funder, "Funder Three")]}
    sites = {"s1": Site(pool_id=pool.id, code="s1", name="Arenan", area="Sätra"),
             "s2": Site(pool_id=pool.id, code="s2", name="Skolan", area="Centrum")}
    session.add_all([*org.values(), *sites.values()])
    session.flush()
    leaders = {code: Leader(pool_id=pool.id, club_id=org[club].id, code=code, name=name, hourly_wage=wage)
               for code, club, name, wage in [("l1", "a", "Amina Yusuf", Decimal(100)),
                                              ("l2", "a", "Erik Berg", Decimal(150)), ("l3", "b", "Sara Lund", None)]}
    needs = {
        "n1": Need(pool_id=pool.id, code="n1", site_id=sites["s1"].id, title="Nattfotboll", activity_kind="nattfotboll",
                   weekdays=[5], start_minute=1200, end_minute=30, seats=2, first_day=D(2026, 12, 1)),
        "n2": Need(pool_id=pool.id, code="n2", site_id=sites["s2"].id, title="Rastvärdar", activity_kind="rastvard",
                   weekdays=[2, 4], start_minute=720, end_minute=780, seats=1, first_day=D(2027, 1, 1)),
    }
    session.add_all([*leaders.values(), *needs.values()])
    session.flush()

    def publish(first, last, rows):
        session.add(Schedule(pool_id=pool.id, period_start=first, period_end=last, state=ScheduleState.published,
                             assignments=[Assignment(need_id=needs[n].id, day=day, leader_id=leaders[l].id)
                                          for n, day, l in rows]))
    publish(D(2026, 12, 18), D(2026, 12, 18), [("n1", D(2026, 12, 18), "l1")])
    publish(D(2027, 1, 4), D(2027, 1, 17), [
        ("n1", D(2027, 1, 8), "l1"), ("n1", D(2027, 1, 8), "l3"), ("n1", D(2027, 1, 15), "l1"),
        ("n1", D(2027, 1, 15), "l2"), ("n2", D(2027, 1, 5), "l2"), ("n2", D(2027, 1, 7), "l3"),
        ("n2", D(2027, 1, 12), "l2")])
    # a draft is not a plan: it must not count
    session.add(Schedule(pool_id=pool.id, period_start=D(2027, 1, 4), period_end=D(2027, 1, 17), version=2,
                         assignments=[Assignment(need_id=needs["n2"].id, day=D(2027, 1, 14), leader_id=leaders["l1"].id)]))
    session.add_all([
        Attendance(pool_id=pool.id, need_id=needs["n1"].id, day=D(2027, 1, 8), held=True, participants=60, girls=15),
        Attendance(pool_id=pool.id, need_id=needs["n2"].id, day=D(2027, 1, 5), held=False, cancel_reason="Snö"),
        Attendance(pool_id=pool.id, need_id=needs["n2"].id, day=D(2027, 1, 7), held=True, participants=20, girls=12)])
    session.add_all([
        Funding(pool_id=pool.id, funder_id=org["f1"].id, need_id=needs["n1"].id, first_day=D(2027, 1, 1),
                last_day=D(2027, 12, 31), amount=Decimal(300)),
        Funding(pool_id=pool.id, funder_id=org["f2"].id, activity_kind="rastvard", first_day=D(2027, 1, 10),
                last_day=D(2027, 3, 31), amount=Decimal(100)),
        Funding(pool_id=pool.id, funder_id=org["f3"].id, club_id=org["a"].id, first_day=D(2027, 1, 1),
                last_day=D(2027, 1, 31), amount=Decimal(100))])
    coordinator = create_user(session, pool, email="c@x.se", name="Coordinator", role=Role.coordinator, password="x")
    users = {code: create_user(session, pool, email=f"{code}@x.se", name=leaders[code].name, role=Role.leader,
                               password="x", leader=leaders[code]) for code in leaders}
    session.flush()
    return {"pool": pool, "org": org, "leaders": leaders, "needs": needs, "coordinator": coordinator, "users": users}


@pytest.fixture
def hand(session):
    return build_pool(session)


def test_occurrences_and_statuses(session, hand):
    rows = report.load_occurrences(session, hand["pool"], Q1.first, Q1.last, NOW)
    got = {(o.need_id, o.day): (o.status, len(o.crew)) for o in rows}
    n1, n2 = hand["needs"]["n1"].id, hand["needs"]["n2"].id
    assert got == {(n1, D(2027, 1, 8)): ("held", 2), (n1, D(2027, 1, 15)): ("upcoming", 2),
                   (n2, D(2027, 1, 5)): ("cancelled", 1), (n2, D(2027, 1, 7)): ("held", 1),
                   (n2, D(2027, 1, 12)): ("unconfirmed", 1), (n2, D(2027, 1, 14)): ("upcoming", 0)}
    night = next(o for o in rows if o.day == D(2027, 1, 8))
    assert night.minutes == 270 and night.participants == 60 and night.girls == 15


def test_pool_figures_match_the_hand_computation(session, hand):
    r = report.pool_report(session, hand["pool"], Q1, now=NOW)
    s = r.summary
    assert dict(s.sessions) == {"planned": 5, "held": 2, "cancelled": 1, "unconfirmed": 1, "upcoming": 1}
    assert (s.hours.confirmed_minutes, s.hours.unconfirmed_minutes) == (600, 60) and s.hours.hours == 11
    assert s.fill == pytest.approx(7 / 8)
    assert s.continuity == pytest.approx((2 * 2 / 3 + 3 * 1 / 2) / 5)
    assert s.paid_leaders == 3
    assert s.new_leaders == 2  # L1 was first paid in December
    assert s.hours_per_leader_mean == pytest.approx(220 / 60) and s.hours_per_leader_median == pytest.approx(4.5)
    assert (s.participation.sessions, s.participation.participants, s.participation.girls) == (2, 80, 27)
    assert s.participation.per_session == 40 and s.participation.girls_share == pytest.approx(27 / 80)
    assert s.wage_cost == Decimal(600) and s.minutes_without_wage == 330

    names = {o.id: o.code for o in hand["org"].values()}
    minutes = lambda groups: {k: (h.confirmed_minutes, h.unconfirmed_minutes) for k, h in groups.items()}
    assert minutes(r.by_kind) == {"nattfotboll": (540, 0), "rastvard": (60, 60)}
    assert minutes(r.by_area) == {"Sätra": (540, 0), "Centrum": (60, 60)}
    assert {names[k]: v for k, v in minutes(r.by_club).items()} == {"a": (270, 60), "b": (330, 0)}
    assert {names[k]: v for k, v in minutes(r.by_funder).items()} == {"f1": (540, 0), "f2": (0, 60), "f3": (270, 60)}

    counts, fill, cont = r.sessions_by_kind["rastvard"]
    assert (counts["planned"], counts["held"], counts["cancelled"], counts["unconfirmed"]) == (3, 1, 1, 1)
    assert fill == pytest.approx(3 / 4) and cont == pytest.approx(0.5)
    assert r.participation_by_activity[("Nattfotboll", "nattfotboll", "Sätra")].participants == 60


def test_wage_cost_is_split_pro_rata_between_the_links_covering_a_slot(session, hand):
    r = report.pool_report(session, hand["pool"], Q1, now=NOW)
    names = {o.id: o.code for o in hand["org"].values()}
    cost = {names.get(k): (c.amount, c.minutes) for k, c in r.cost_by_source.items()}
    # L1 8 Jan 450 kr: F1 300/400, F3 100/400; L2 12 Jan 150 kr: F2 and F3 half each; L3 has no wage
    assert cost["f1"] == (Decimal("337.5"), Decimal("472.5"))
    assert cost["f2"] == (Decimal(75), Decimal(30))
    assert cost["f3"] == (Decimal("187.5"), Decimal("97.5"))
    assert cost[None] == (Decimal(0), Decimal(60))  # L3's recess on 7 Jan: no link yet
    assert sum(c.amount for c in r.cost_by_source.values()) == r.summary.wage_cost


def test_a_funders_figures_cover_only_what_its_links_cover(session, hand):
    f3 = hand["org"]["f3"].id
    r = report.pool_report(session, hand["pool"], Q1, funder_id=f3, now=NOW)
    s = r.summary
    assert dict(s.sessions) == {"planned": 4, "held": 1, "cancelled": 1, "unconfirmed": 1, "upcoming": 1}
    assert (s.hours.confirmed_minutes, s.hours.unconfirmed_minutes) == (270, 60)
    assert s.fill is None  # a club link covers people, not the activity's seats
    assert s.paid_leaders == 2 and s.participation.participants == 60
    assert {k: c.amount for k, c in r.cost_by_source.items()} == {
        f3: Decimal("187.5"), report.OTHER_FUNDERS: Decimal("412.5")}

    f2 = hand["org"]["f2"].id
    r2 = report.pool_report(session, hand["pool"], Q1, funder_id=f2, now=NOW)
    assert r2.summary.fill == pytest.approx(1 / 2) and r2.summary.hours.unconfirmed_minutes == 60
    assert dict(r2.summary.sessions)["planned"] == 1


def test_trend_covers_the_quarters_before(session, hand):
    r = report.pool_report(session, hand["pool"], Q1, now=NOW)
    assert [q.label for q, _ in r.trend] == ["2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1"]
    q4 = r.trend[2][1]
    assert q4.hours.unconfirmed_minutes == 270 and q4.new_leaders == 1 and q4.sessions["planned"] == 1
    assert r.trend[3][1].hours.minutes == 660


def test_quarters_and_small_counts():
    assert report.parse_quarter("2027-q1") == Q1 and Q1.last == D(2027, 3, 31)
    assert report.Quarter(2026, 4).next() == Q1 and [q.label for q in Q1.back(2)] == ["2026-Q4", "2027-Q1"]
    with pytest.raises(report.Invalid):
        report.parse_quarter("Q5 2027")
    assert report.shown_count(4, True) == "<5" and report.shown_count(0, True) == "<5"
    assert report.shown_count(5, True) == 5 and report.shown_count(3, False) == 3
