from solver.index import build_index
from solver.rules.overlap import add_no_clashes, clash_cliques

from solver_testkit import assert_feasible, assert_infeasible, day, leader, model_for, need, problem


def pair(first, second, travel=None, default_travel=0):
    prob = problem([leader("a")], [first, second], travel=travel, default_travel=default_travel)
    return model_for(prob, add_no_clashes, force=[(first.id, day(0), "a"), (second.id, day(0), "a")])


def test_overlapping_needs_clash_even_at_the_same_site():
    assert_infeasible(pair(need("x", start="10:00", end="12:00"), need("y", start="11:00", end="13:00")))


def test_touching_at_the_same_site_is_fine():
    assert_feasible(pair(need("x", start="10:00", end="12:00"), need("y", start="12:00", end="13:00")))


def test_different_sites_need_the_travel_time_in_either_order():
    travel = {("s1", "s2"): 20}
    late = need("y", start="12:15", end="13:00", site="s2")
    assert_infeasible(pair(need("x", site="s1"), late, travel=travel))
    assert_infeasible(pair(late, need("x", site="s1"), travel=travel))
    assert_feasible(pair(need("x", site="s1"), need("y", start="12:20", end="13:00", site="s2"), travel=travel))


def test_unlisted_site_pairs_use_the_default_travel():
    assert_infeasible(pair(need("x", site="s1"), need("y", start="12:10", end="13:00", site="s2"),
                           default_travel=15))


def test_a_night_need_clashes_with_the_next_morning():
    prob = problem([leader("a")], [need("night", start="22:00", end="02:00", weekdays=(1,)),
                                   need("early", start="01:00", end="03:00", weekdays=(2,))])
    assert_infeasible(model_for(prob, add_no_clashes, force=[("night", day(0), "a"), ("early", day(1), "a")]))


def test_clique_cover_covers_every_clash_and_nothing_else():
    # x and y overlap, y and z overlap, x and z do not; w only clashes with z through travel time
    travel = {("s1", "s2"): 30}
    needs = [need("x", start="10:00", end="11:00", site="s1"), need("y", start="10:30", end="12:00", site="s1"),
             need("z", start="11:00", end="12:30", site="s1"), need("w", start="12:45", end="13:00", site="s2"),
             need("v", start="14:00", end="15:00", site="s2")]
    prob = problem([leader("a")], needs, travel=travel)
    occs = build_index(prob).occurrences
    name = {o.index: o.need.id for o in occs}
    cliques = clash_cliques(occs, prob, 30)
    covered = {frozenset((name[a], name[b])) for c in cliques for a in c for b in c if a != b}
    assert covered == {frozenset(e) for e in [("x", "y"), ("y", "z"), ("z", "w")]}


def test_successors_too_close_to_reach_form_one_clique_with_what_they_follow():
    # y and z run together at s2 and both start too soon after x ends at s1
    needs = [need("x", start="10:00", end="11:00", site="s1"), need("y", start="11:10", end="12:00", site="s2"),
             need("z", start="11:15", end="12:30", site="s2")]
    prob = problem([leader("a")], needs, travel={("s1", "s2"): 30})
    occs = build_index(prob).occurrences
    name = {o.index: o.need.id for o in occs}
    cliques = [sorted(name[i] for i in c) for c in clash_cliques(occs, prob, 30)]
    assert ["x", "y", "z"] in cliques
    assert ["x", "y"] not in cliques and ["x", "z"] not in cliques
