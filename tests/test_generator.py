"""The instance generator: deterministic, realistic in shape and size, and valid where it promises."""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest

from pool.exchange import parse_problem, problem_to_doc
from pool.generator import generate, greedy_schedule, published_before_changes, school_closed_days, sizes
from pool.validate import violations


@pytest.fixture(scope="module")
def small():
    return generate(7, 40, 5, 3)


def test_same_seed_same_problem():
    assert generate(3, 30, 4, 2, scarcity=0.5) == generate(3, 30, 4, 2, scarcity=0.5)
    assert generate(3, 30, 4, 2) != generate(4, 30, 4, 2)


@pytest.mark.parametrize("leaders, schools, weeks, occurrences, seats", [
    (150, 20, 1, (230, 310), (450, 580)),           # S
    (150, 20, 10, (1850, 2400), (3700, 4700)),      # M
    (1000, 120, 10, (12000, 15000), (23500, 30000)),  # L
])
def test_sizes_are_in_the_expected_range(leaders, schools, weeks, occurrences, seats):
    measured = sizes(generate(1, leaders, schools, weeks))
    assert measured["leaders"] == leaders
    assert occurrences[0] <= measured["occurrences"] <= occurrences[1]
    assert seats[0] <= measured["seats"] <= seats[1]


def test_round_trips_through_the_exchange_format(small):
    assert parse_problem(json.loads(json.dumps(problem_to_doc(small)))) == small


def test_realistic_shape(small):
    titles = {n.title for n in small.needs.values()}
    assert {"Rastvärdar lunch", "Nattfotboll", "Nattvandring", "Cityvärdar förmiddag"} <= titles
    assert any(n.dates for n in small.needs.values())                        # one-off meetings
    assert any(n.end > 1440 for n in small.needs.values())                   # past midnight
    skills = Counter(s for l in small.leaders.values() for s in l.skills)
    assert skills["female"] and skills["licence:B"] and skills["lang:so"] <= skills["lang:sv"]
    assert len({l.club for l in small.leaders.values()}) >= 4
    expiring = [l for l in small.leaders.values()
                if small.start <= l.credentials.get("background-check", dt.date.max) <= small.end]
    assert expiring


def test_school_needs_skip_breaks_but_night_football_does_not():
    problem = generate(2, 40, 4, 6, start=dt.date(2027, 2, 15))              # weeks 7-12, sportlov in 9
    sportlov = {dt.date.fromisocalendar(2027, 9, d) for d in range(1, 8)}
    for need in problem.needs.values():
        in_sportlov = sportlov & set(need.occurrences)
        if need.title.startswith(("Rastvärd", "Sportfritids", "Tjejgrupp")):
            assert not in_sportlov
        if need.title == "Nattfotboll":
            assert in_sportlov


def test_closed_days_include_breaks_and_public_holidays():
    closed = school_closed_days(dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert {dt.date(2027, 3, 1), dt.date(2027, 3, 26), dt.date(2027, 3, 29), dt.date(2027, 11, 2),
            dt.date(2027, 12, 23), dt.date(2027, 5, 6)} <= closed
    assert dt.date(2027, 2, 2) not in closed


def test_scarcity_makes_rare_skills_rarer():
    def share(problem, skill):
        return sum(skill in l.skills for l in problem.leaders.values()) / len(problem.leaders)
    plain, scarce = generate(5, 400, 4, 1), generate(5, 400, 4, 1, scarcity=1.0)
    assert share(scarce, "licence:B") < 0.5 * share(plain, "licence:B")
    assert share(scarce, "female") < 0.5 * share(plain, "female")


def test_scarcity_asks_for_rare_skills_more_often():
    def rare_seats(problem):
        return sum(len(n.occurrences) * n.seats for n in problem.needs.values()
                   if n.skills & {"licence:B", "female", "lang:so", "lang:ti", "lang:prs"})
    plain, scarce = generate(5, 150, 20, 2), generate(5, 150, 20, 2, scarcity=1.0)
    assert rare_seats(scarce) > 1.2 * rare_seats(plain)


def test_greedy_schedule_is_valid_and_pins_are_feasible(small):
    schedule = greedy_schedule(small)
    assert [v for v in violations(small, schedule) if v.rule != 7] == []
    assert violations(small, small.pinned) == []


def test_baseline_was_valid_and_is_now_partly_broken():
    replan = generate(3, 40, 5, 3, baseline=True)
    before = published_before_changes(3, 40, 5, 3)
    assert replan.baseline
    assert violations(before, replan.baseline) == []
    broken = violations(replan, replan.baseline)
    assert broken and {v.rule for v in broken} <= {3, 4}
    assert violations(replan, replan.pinned) == []
    assert set(replan.pinned) <= set(replan.baseline)
