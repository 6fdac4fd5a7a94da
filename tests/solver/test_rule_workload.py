from solver.rules.workload import add_minute_limits

from solver_testkit import assert_feasible, assert_infeasible, day, leader, model_for, need, problem

MORNING = need("m", start="08:00", end="11:00", weekdays=(1, 2))
AFTERNOON = need("p", start="13:00", end="16:00", weekdays=(1, 2))


def both_on_monday(**limits):
    prob = problem([leader("a", **limits)], [MORNING, AFTERNOON])
    return model_for(prob, add_minute_limits, force=[("m", day(0), "a"), ("p", day(0), "a")])


def test_day_limit_counts_minutes_on_the_start_date():
    assert_feasible(both_on_monday(per_day=360))
    assert_infeasible(both_on_monday(per_day=359))


def test_week_limit_counts_the_iso_week():
    prob = problem([leader("a", per_week=540)], [MORNING, AFTERNOON])
    three = [("m", day(0), "a"), ("p", day(0), "a"), ("m", day(1), "a")]
    assert_feasible(model_for(prob, add_minute_limits, force=three))
    assert_infeasible(model_for(prob, add_minute_limits, force=three + [("p", day(1), "a")]))
