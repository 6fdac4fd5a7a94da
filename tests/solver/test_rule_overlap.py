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


def test_clique_cover_covers_every_clash():
    clashes = {1: [2, 3, 4], 2: [1, 3], 3: [1, 2], 4: [1]}
    order = {i: (i, i) for i in clashes}
    cliques = clash_cliques([1, 2, 3, 4], clashes, order)
    covered = {frozenset((a, b)) for c in cliques for a in c for b in c if a != b}
    assert covered == {frozenset(e) for e in [(1, 2), (1, 3), (2, 3), (1, 4)]}
    assert all(frozenset((a, b)) in covered for c in cliques for a in c for b in c if a != b)
