"""Fill, stability and continuity terms, each on a case where it alone decides."""
from solver.exact import Score
from solver.index import build_index
from solver.roster import Roster
from solver.rules.continuity import ContinuityCosts
from solver.rules.fill import fill_terms
from solver.rules.stability import baseline_keys, stability_terms
from solver.variables import AssignmentVars

from solver_testkit import assignment, day, leader, need, problem, weekly


def test_fill_weighs_priority_times_minutes():
    prob = problem([leader("a")], [need("n", priority=4, start="10:00", end="10:45")])
    index = build_index(prob)
    vars_ = AssignmentVars.create(Roster(index), index.occurrences)
    assert fill_terms(vars_) == {(0, "a"): 180}


def test_stability_rewards_only_published_pairs():
    prob = problem([leader("a"), leader("b")], [need("n")], baseline=[assignment("n", day(0), "b")])
    index = build_index(prob)
    vars_ = AssignmentVars.create(Roster(index), index.occurrences)
    assert stability_terms(vars_, baseline_keys(prob.baseline)) == {(0, "b"): 1}


def test_continuity_prefers_the_regular_then_leaders_who_can_come_back():
    prob = problem([leader("regular"), leader("stays"), leader("leaves", absences=[(day(7), day(20))])],
                   [weekly("n", 3)], weeks=3)
    index = build_index(prob)
    roster = Roster(index)
    costs = ContinuityCosts(index)
    first, second = index.occurrences[0], index.occurrences[1]
    assert costs.cost(roster, first, "stays") < costs.cost(roster, first, "leaves")
    roster.add("regular", first)
    assert costs.cost(roster, second, "regular") == 0
    assert costs.cost(roster, second, "stays") > 0


def test_a_published_leader_counts_as_crew():
    prob = problem([leader("a"), leader("b")], [weekly("n", 2)], weeks=2, baseline=[assignment("n", day(0), "b")])
    index = build_index(prob)
    costs = ContinuityCosts(index, prob.baseline)
    assert costs.cost(Roster(index), index.occurrences[1], "b") == 0


def test_a_search_stopped_within_one_kept_assignment_has_proven_its_fill():
    # a re-plan's weeks stop once the bound is within one kept assignment of the best solution; with
    # every published assignment kept and no continuity cost, that must still prove the fill
    prob = problem([leader("a"), leader("b")], [need("n", seats=2)],
                   baseline=[assignment("n", day(0), "a"), assignment("n", day(0), "b")])
    index = build_index(prob)
    vars_ = AssignmentVars.create(Roster(index), index.occurrences)
    score = Score(vars_, ContinuityCosts(index, prob.baseline), baseline_keys(prob.baseline))
    everyone = set(vars_.x)
    best = score.value(everyone)
    filled = sum(score.fill_units(k) for k in everyone)
    assert score.weights.fill_bound(best + score.weights.stability - 1) == filled
