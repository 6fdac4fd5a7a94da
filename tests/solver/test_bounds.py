"""The fill bounds (solver.bounds): the congestion bound and the linear relaxation."""
from solver import solve
import pytest

from solver.bounds import congestion_bound, lp_bound
from solver.index import build_index

from solver_testkit import leader, need, problem


def bound(prob) -> int:
    index = build_index(prob)
    return congestion_bound(index, index.occurrences)


def test_one_leader_fills_only_one_of_two_needs_at_the_same_time():
    prob = problem([leader("a")], [need("x", priority=5), need("y", priority=2, site="b")])
    assert bound(prob) == 5 * 120  # the more valuable one, for its two hours


def test_one_leader_can_fill_needs_one_after_the_other():
    prob = problem([leader("a")], [need("x", start="08:00", end="09:00"), need("y", start="10:00", end="11:00")])
    assert bound(prob) == 3 * 60 * 2


def test_a_partial_overlap_counts_only_the_minutes_run_at_once():
    # 10-12 and 11-13 with one leader: 10-11 and 12-13 are free, 11-12 holds one seat
    prob = problem([leader("a")], [need("x", start="10:00", end="12:00"), need("y", start="11:00", end="13:00")])
    assert bound(prob) == 3 * (60 + 60 + 60)


def test_a_skill_caps_its_own_seats_though_others_are_free():
    leaders = [leader("driver", skills=["licence:B"]), leader("b"), leader("c")]
    needs = [need("x", seats=2, skills=["licence:B"]), need("y", seats=1)]
    assert bound(problem(leaders, needs)) == 3 * 120 * 2  # one driving seat and y: two seats at once


def test_a_need_without_candidates_adds_nothing():
    prob = problem([leader("a")], [need("x", skills=["lang:so"])])
    assert bound(prob) == 0


# ---- the linear relaxation (lp_bound)
def relaxed(prob) -> float:
    index = build_index(prob)
    return lp_bound(index, index.occurrences)


def test_the_lp_holds_a_leader_to_one_seat_at_a_time():
    prob = problem([leader("a")], [need("x", priority=5), need("y", priority=2, site="b")])
    assert relaxed(prob) == pytest.approx(5 * 120)


def test_the_lp_keeps_a_leader_within_the_weekly_minutes():
    # three two-hour needs on three days and 300 minutes a week: two and a half of them, relaxed
    needs = [need(f"n{d}", weekdays=(d,)) for d in (1, 2, 3)]
    assert relaxed(problem([leader("a", per_week=300)], needs)) == pytest.approx(3 * 300)
    assert bound(problem([leader("a", per_week=300)], needs)) == 3 * 360  # the congestion bound cannot see it


def test_the_lp_keeps_a_leader_within_the_daily_minutes():
    needs = [need("x", start="08:00", end="10:00"), need("y", start="10:00", end="12:00")]
    assert relaxed(problem([leader("a", per_day=120)], needs)) == pytest.approx(3 * 120)


def test_a_chain_of_overlaps_lets_a_leader_take_the_ends():
    # 08-10, 09-11, 10-12: the middle one clashes with both ends, the ends not with each other
    needs = [need("x", start="08:00", end="10:00"), need("y", start="09:00", end="11:00", priority=4),
             need("z", start="10:00", end="12:00")]
    assert relaxed(problem([leader("a")], needs)) == pytest.approx(3 * 240)


def test_a_proven_optimum_is_within_the_lp_which_is_within_the_congestion_bound():
    leaders = [leader("a", per_day=120), leader("b", skills=["female"]), leader("c", per_week=180)]
    needs = [need("x", seats=2, start="08:00", end="10:00"), need("y", start="09:00", end="11:00", site="b"),
             need("z", skills=["female"], start="09:30", end="12:00", priority=5), need("w", seats=2)]
    prob = problem(leaders, needs, default_travel=15)
    schedule = solve(prob, time_limit=5, num_workers=1)
    assert schedule.solver["fill_proven"]
    assert schedule.solver["objective"] <= relaxed(prob) + 1e-6 <= bound(prob) + 1e-6
