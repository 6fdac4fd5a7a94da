from solver.rules.seats import add_seat_limits

from solver_testkit import assert_feasible, assert_infeasible, day, leader, model_for, need, problem

PROB = problem([leader("a"), leader("b"), leader("c")], [need("n", seats=2)])


def test_as_many_leaders_as_seats_is_feasible():
    assert_feasible(model_for(PROB, add_seat_limits, force=[("n", day(0), "a"), ("n", day(0), "b")]))


def test_more_leaders_than_seats_is_infeasible():
    forced = [("n", day(0), l) for l in "abc"]
    assert_infeasible(model_for(PROB, add_seat_limits, force=forced))


def test_a_leader_has_one_variable_per_occurrence():
    vars_ = model_for(PROB)
    assert sorted(vars_.by_occurrence[0]) == ["a", "b", "c"]
