import pytest

from solver import InfeasiblePin, solve

from solver_testkit import SEED, assignment, day, leader, need, problem, violations


def test_pins_are_kept_even_when_another_choice_fills_more():
    prob = problem([leader("a"), leader("b", skills={"x"})],
                   [need("low", priority=1), need("high", priority=5, skills={"x"}, start="11:00", end="13:00")],
                   pinned=[assignment("low", day(0), "b")])
    schedule = solve(prob, time_limit=2, **SEED)
    assert assignment("low", day(0), "b") in schedule.assignments
    assert not violations(prob, schedule)


@pytest.mark.parametrize("leader_kwargs, rule", [
    ({"absences": [(day(0), day(0))]}, "absent"),
    ({"windows": [(2, "08:00", "18:00")]}, "not available"),
    ({"skills": set()}, "skill x"),
])
def test_an_ineligible_pin_raises_naming_pin_and_rule(leader_kwargs, rule):
    prob = problem([leader("a", **({"skills": {"x"}} | leader_kwargs))], [need("n", skills={"x"})],
                   pinned=[assignment("n", day(0), "a")])
    with pytest.raises(InfeasiblePin) as raised:
        solve(prob, time_limit=1, **SEED)
    message = str(raised.value)
    assert "n" in message and str(day(0)) in message and "a" in message and rule in message


def test_overlapping_pins_raise():
    prob = problem([leader("a")], [need("x"), need("y", start="11:00", end="12:30")],
                   pinned=[assignment("x", day(0), "a"), assignment("y", day(0), "a")])
    with pytest.raises(InfeasiblePin, match="rule 5"):
        solve(prob, time_limit=1, **SEED)


def test_a_pin_on_a_non_occurrence_raises():
    prob = problem([leader("a")], [need("n")], pinned=[assignment("n", day(1), "a")])
    with pytest.raises(InfeasiblePin, match="not an occurrence"):
        solve(prob, time_limit=1, **SEED)
