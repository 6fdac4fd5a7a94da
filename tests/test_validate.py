"""The independent validator: each hard rule broken in a tiny case, and metrics by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from pool.exchange import parse_problem
from pool.validate import check_assignment, metrics, violations
from solver.problem import Assignment

TUE, THU, NEXT_TUE = dt.date(2027, 1, 26), dt.date(2027, 1, 28), dt.date(2027, 2, 2)
FRI = dt.date(2027, 1, 29)


def build(**changes):
    """Two weeks; a Tue+Thu school need (2 seats, 60 min, priority 3), a Friday night need at
    another site (1 seat, 22:00-01:00, priority 4), and three leaders."""
    always = [{"weekday": d, "start": "07:00", "end": "23:59"} for d in range(1, 8)]
    doc = {
        "format": "pool-problem/1", "name": "t", "period": {"start": "2027-01-25", "end": "2027-02-07"},
        "default_travel_minutes": 30,
        "sites": [{"id": "school"}, {"id": "park"}, {"id": "hall"}],
        "travel_minutes": [{"from": "school", "to": "hall", "minutes": 10}],
        "clubs": [{"id": "sif"}, {"id": "saik"}],
        "leaders": [
            {"id": "a", "club": "sif", "skills": ["female"],
             "credentials": [{"kind": "bc", "valid_until": "2027-12-31"}],
             "availability": always + [{"weekday": 5, "start": "21:00", "end": "02:00"}]},
            {"id": "b", "club": "sif", "credentials": [{"kind": "bc", "valid_until": "2027-01-27"}],
             "availability": always, "absences": [{"from": "2027-02-02", "to": "2027-02-02"}],
             "max_minutes_per_day": 90, "max_minutes_per_week": 100},
            {"id": "c", "club": "saik", "credentials": [{"kind": "bc", "valid_until": "2027-12-31"}],
             "availability": [{"weekday": 2, "start": "09:00", "end": "12:00"}]},
        ],
        "needs": [
            {"id": "rast", "site": "school", "weekdays": [2, 4], "start": "10:00", "end": "11:00",
             "seats": 2, "priority": 3, "credentials": ["bc"]},
            {"id": "natt", "site": "park", "weekdays": [5], "start": "22:00", "end": "01:00",
             "seats": 1, "priority": 4, "skills": ["female"]},
            {"id": "gym", "site": "hall", "weekdays": [2], "start": "11:05", "end": "11:35",
             "seats": 1, "priority": 1},
            {"id": "park", "site": "park", "weekdays": [2], "start": "10:30", "end": "11:30",
             "seats": 1, "priority": 1},
        ],
        "baseline": [], "pinned": [],
    }
    doc.update(changes)
    return parse_problem(doc)


def rules(found):
    return sorted(v.rule for v in found)


def A(need, day, leader):
    return Assignment(need, day, leader)


def test_a_valid_schedule_has_no_violations():
    problem = build()
    assert violations(problem, [A("rast", TUE, "a"), A("rast", TUE, "c"), A("natt", FRI, "a")]) == []


@pytest.mark.parametrize("assignment, rule, code", [
    (A("nope", TUE, "a"), 1, "unknown_need"),
    (A("rast", TUE, "zed"), 1, "unknown_leader"),
    (A("rast", dt.date(2027, 1, 27), "a"), 1, "not_an_occurrence"),
    (A("rast", dt.date(2027, 2, 9), "a"), 1, "not_an_occurrence"),      # after the period
    (A("rast", THU, "c"), 3, "not_available"),                           # c only on Tuesdays
    (A("natt", FRI, "c"), 3, "not_available"),
    (A("rast", NEXT_TUE, "b"), 3, "absent"),
    (A("natt", FRI, "b"), 4, "missing_skill"),
    (A("rast", THU, "b"), 4, "credential_expired"),
])
def test_single_assignment_rules(assignment, rule, code):
    found = violations(build(), [assignment])
    assert rule in rules(found)
    assert code in {v.code for v in found}
    assert all(v.message and "\n" not in v.message for v in found)


def test_missing_credential():
    problem = build(leaders=[{"id": "a", "club": "sif", "availability": [
        {"weekday": 2, "start": "08:00", "end": "12:00"}]}])
    assert [v.code for v in violations(problem, [A("rast", TUE, "a")])] == ["missing_credential"]


def test_availability_must_hold_the_whole_occurrence_on_its_start_weekday():
    night_only_saturday = [{"weekday": 6, "start": "00:00", "end": "02:00"}]
    problem = build(leaders=[{"id": "a", "club": "sif", "skills": ["female"],
                              "availability": night_only_saturday}])
    assert rules(violations(problem, [A("natt", FRI, "a")])) == [3]


def test_rule_2_seats_and_repeats():
    problem = build()
    assert rules(violations(problem, [A("natt", FRI, "a"), A("natt", FRI, "a")])) == [2]
    three = [A("rast", TUE, "a"), A("rast", TUE, "c"), A("rast", TUE, "b")]
    found = violations(problem, three)
    assert [v.code for v in found] == ["too_many_leaders"]


def test_rule_5_overlap_and_travel():
    problem = build()
    assert [v.code for v in violations(problem, [A("rast", TUE, "a"), A("park", TUE, "a")])] == ["overlap"]
    # rast ends 11:00 at the school, gym starts 11:05 at the hall, 10 minutes away
    assert [v.code for v in violations(problem, [A("rast", TUE, "a"), A("gym", TUE, "a")])] == ["travel"]


SHORT_AND_LONG = [{"id": "short", "site": "school", "weekdays": [1, 2], "start": "08:00", "end": "09:00",
                   "seats": 1, "priority": 1},
                  {"id": "long", "site": "school", "weekdays": [3], "start": "08:00", "end": "09:40",
                   "seats": 1, "priority": 1}]
MON, WED = dt.date(2027, 1, 25), dt.date(2027, 1, 27)


def test_rule_6_day_and_week_caps():
    problem = build(needs=SHORT_AND_LONG)  # b: at most 90 minutes a day and 100 a week
    assert [v.code for v in violations(problem, [A("long", WED, "b")])] == ["day_cap"]
    assert [v.code for v in violations(problem, [A("short", MON, "b"), A("short", TUE, "b")])] == ["week_cap"]
    assert violations(problem, [A("short", MON, "b"), A("short", dt.date(2027, 2, 1), "b")]) == []


def test_rule_7_missing_pin():
    problem = build(pinned=[{"need": "natt", "date": "2027-01-29", "leader": "a"}])
    assert [v.code for v in violations(problem, [])] == ["pin_missing"]
    assert violations(problem, [A("natt", FRI, "a")]) == []


# ------------------------------------------------------------------------------- hand edits
def test_check_assignment_reports_what_one_addition_would_break():
    problem = build()
    schedule = [A("rast", TUE, "a"), A("rast", TUE, "c")]
    assert check_assignment(problem, schedule, A("natt", FRI, "a")) == []
    assert [v.code for v in check_assignment(problem, schedule, A("rast", TUE, "b"))] == ["too_many_leaders"]
    assert [v.code for v in check_assignment(problem, schedule, A("rast", TUE, "a"))] == ["duplicate_leader"]
    assert [v.code for v in check_assignment(problem, schedule, A("gym", TUE, "a"))] == ["travel"]
    assert [v.code for v in check_assignment(problem, schedule, A("park", TUE, "a"))] == ["overlap"]
    assert [v.code for v in check_assignment(problem, schedule, A("x", TUE, "a"))] == ["unknown_need"]
    capped = build(needs=SHORT_AND_LONG)
    assert [v.code for v in check_assignment(capped, [A("short", MON, "b")], A("short", TUE, "b"))] == ["week_cap"]
    assert [v.code for v in check_assignment(capped, [], A("long", WED, "b"))] == ["day_cap"]


# ------------------------------------------------------------------------------- metrics
def test_metrics_by_hand():
    problem = build(baseline=[{"need": "rast", "date": "2027-01-26", "leader": "a"},
                              {"need": "rast", "date": "2027-01-28", "leader": "b"},      # b's check expired
                              {"need": "natt", "date": "2027-01-29", "leader": "a"}])
    schedule = [A("rast", TUE, "a"), A("rast", TUE, "c"),                    # Tue wk 1: a, c
                A("rast", NEXT_TUE, "a"),                                     # Tue wk 2: a
                A("rast", THU, "a"), A("rast", dt.date(2027, 2, 4), "c"),     # Thu: a, then c
                A("natt", FRI, "a"),
                A("nope", TUE, "a")]                                          # ignored (rule 1)
    m = metrics(problem, schedule)
    # seats x priority x minutes: rast 4 occ x 2 x 3 x 60, natt 2 x 1 x 4 x 180, gym/park 2 x 1 x 1 x 30/60
    assert m.total_weight == 1440 + 1440 + 60 + 120
    assert m.filled_weight == 5 * 180 + 720
    assert m.fill == pytest.approx(1620 / 3060)
    assert (m.filled_seats, m.total_seats, m.occurrences) == (6, 14, 10)
    # series rast/Tue: {a, c}, 2 occ -> 1; rast/Thu: {a, c}, 2 occ -> 1; natt/Fri: {a}, 1 occ -> 1
    assert m.continuity == pytest.approx(1.0)
    # per need: rast {a, c} over 4 occurrences -> 1, natt 1
    assert m.continuity_need == pytest.approx(1.0)
    assert (m.baseline_size, m.baseline_still_feasible, m.baseline_kept) == (3, 2, 2)
    assert m.stability == 1.0
    assert m.minutes_per_leader["max"] == 3 * 60 + 180 and m.minutes_per_leader["min"] == 120
    assert m.club_shares == {"saik": pytest.approx(120 / 480), "sif": pytest.approx(360 / 480)}


def test_continuity_drops_with_rotating_people():
    pair = [{"id": x, "club": "sif", "skills": ["female"],
             "availability": [{"weekday": 5, "start": "21:00", "end": "02:00"}]} for x in ("a", "b")]
    problem = build(leaders=pair)
    same = [A("natt", FRI, "a"), A("natt", dt.date(2027, 2, 5), "a")]
    rotating = [A("natt", FRI, "a"), A("natt", dt.date(2027, 2, 5), "b")]
    assert metrics(problem, same).continuity == 1.0
    assert metrics(problem, rotating).continuity == pytest.approx(0.5)  # 1 seat / 2 people


def test_metrics_of_nothing():
    m = metrics(build(), [])
    assert (m.fill, m.continuity, m.stability, m.assigned_minutes) == (0.0, None, None, 0)
