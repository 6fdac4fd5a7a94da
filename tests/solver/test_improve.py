"""The series stage (solver.improve): whole series re-solved together, each tier on a case where it
alone decides, and never at the cost of a higher tier."""
import time

from solver.exact import SolveSettings
from solver.improve import SeriesImprover
from solver.index import build_index
from solver.roster import Roster
from solver.rules.stability import baseline_keys

from solver_testkit import assignment, day, leader, need, problem, weekly

SETTINGS = SolveSettings(num_workers=1, random_seed=7)


def seated(prob, *seats) -> Roster:
    """A roster of ``prob`` with the given (need, date, leader) seats taken."""
    roster = Roster(build_index(prob))
    for need_id, date, leader_id in seats:
        roster.add(leader_id, roster.index.occurrence(need_id, date))
    return roster


def improver(prob, roster=None):
    roster = roster or seated(prob)
    return roster, SeriesImprover(roster, roster.index.occurrences, baseline_keys(prob.baseline), SETTINGS)


def served(roster: Roster, need_id: str) -> set[str]:
    return {l for series, crew in roster.series_leaders.items() if series[0] == need_id for l in crew}


def test_a_series_shared_by_two_leaders_goes_to_one():
    prob = problem([leader("a"), leader("b")], [weekly("n", 3)], weeks=3)
    roster = seated(prob, ("n", day(0), "a"), ("n", day(7), "b"), ("n", day(14), "a"))
    roster, stage = improver(prob, roster)
    stage.run(time.perf_counter() + 5)
    assert len(served(roster, "n")) == 1
    assert sum(len(v) for v in roster.seated.values()) == 3


def test_fill_is_never_traded_for_continuity():
    # only b can come in week 2: a second leader on the series is the price of the seat
    prob = problem([leader("a", absences=[(day(7), day(7))]), leader("b")], [weekly("n", 3)], weeks=3)
    roster = seated(prob, ("n", day(0), "a"), ("n", day(7), "b"), ("n", day(14), "a"))
    roster, stage = improver(prob, roster)
    stage.run(time.perf_counter() + 5)
    assert sum(len(v) for v in roster.seated.values()) == 3


def test_open_seats_are_filled_when_fill_is_not_proven():
    prob = problem([leader("a")], [weekly("n", 2)], weeks=2)
    roster, stage = improver(prob)
    stage.run(time.perf_counter() + 5, include_fill=True)
    assert sum(len(v) for v in roster.seated.values()) == 2


def test_a_kept_baseline_assignment_outranks_continuity():
    prob = problem([leader("a"), leader("b")], [weekly("n", 2)], weeks=2,
                   baseline=[assignment("n", day(0), "a"), assignment("n", day(7), "b")])
    roster = seated(prob, ("n", day(0), "a"), ("n", day(7), "b"))
    roster, stage = improver(prob, roster)
    stage.run(time.perf_counter() + 5)
    assert served(roster, "n") == {"a", "b"}


def swapped_crews():
    """Two series at the same time on two sites over two weeks; a and b swap between them in week 2."""
    prob = problem([leader("a"), leader("b")],
                   [weekly("n", 2), weekly("m", 2, site="b")], weeks=2, default_travel=0)
    roster = seated(prob, ("n", day(0), "a"), ("m", day(0), "b"), ("n", day(7), "b"), ("m", day(7), "a"))
    return prob, roster


def test_clashes_within_the_neighbourhood_hold():
    # a serves both series on Mondays at the same time in different weeks; moving them together
    # must not put a on both in one week
    prob, roster = swapped_crews()
    roster, stage = improver(prob, roster)
    stage.run(time.perf_counter() + 5)
    for date in (day(0), day(7)):
        on_day = [l for o in roster.index.occurrences if o.date == date for l in roster.seated[o.index]]
        assert sorted(on_day) == ["a", "b"]
    assert len(served(roster, "n")) == 1 and len(served(roster, "m")) == 1


def test_balance_breaks_a_tie_toward_the_less_loaded_leader():
    # one date, either leader; b already works elsewhere in the week, so a should take it
    prob = problem([leader("a"), leader("b")],
                   [need("n"), need("busy", start="14:00", end="18:00", site="b", weekdays=(3,))])
    roster = seated(prob, ("busy", day(2), "b"), ("n", day(0), "b"))
    index = roster.index
    stage = SeriesImprover(roster, index.occurrences, set(), SETTINGS)
    group = [index.occurrence("n", day(0)).series]
    stage.solve_group(group, 2.0)
    assert index.occurrence("n", day(0)).index in roster.seated
    assert roster.seated[index.occurrence("n", day(0)).index] == ["a"]


def test_a_pair_of_series_fixes_what_neither_can_alone():
    # a and b swap between two clashing series in week 2: freeing one series leaves its leader
    # busy in the other, so only the pair (the first neighbourhood after single series) helps
    prob, roster = swapped_crews()
    roster, stage = improver(prob, roster)
    n = roster.index.occurrence("n", day(0)).series
    assert not stage.solve_group([n], 2.0)
    pair = stage.neighbourhood(n)[:2]
    assert stage.solve_group(pair, 2.0)
    assert len(served(roster, "n")) == 1 and len(served(roster, "m")) == 1


def test_the_neighbourhood_frees_the_series_holding_the_best_candidate():
    # only x has the skill n needs; x serves m1, while m2 and m3 (same time) hold leaders n cannot use,
    # so m1 is the competitor to free with n, whatever the random tie-breaking
    others = [weekly(m, 3, site=m) for m in ("m1", "m2", "m3")]
    prob = problem([leader("x", skills=["k"]), leader("p"), leader("q")],
                   [weekly("n", 3, skills=["k"]), *others], weeks=3)
    roster = seated(prob, *[("m1", day(7 * w), "x") for w in range(3)],
                    *[("m2", day(7 * w), "p") for w in range(3)], *[("m3", day(7 * w), "q") for w in range(3)])
    for seed in range(5):
        stage = SeriesImprover(roster, roster.index.occurrences, set(), SETTINGS, seed=seed)
        n = roster.index.occurrence("n", day(0)).series
        assert stage.neighbourhood(n)[1] == roster.index.occurrence("m1", day(0)).series


def test_neighbourhoods_solved_side_by_side_never_share_a_leader_at_once():
    # n and m run at the same time, each shared by two leaders who are absent by turns; x, free all
    # term, would give either series one crew, but x can serve only one of them
    first, second = [(day(7), day(7))], [(day(0), day(0))]
    prob = problem([leader("a", absences=first), leader("b", absences=second), leader("c", absences=first),
                    leader("d", absences=second), leader("x")],
                   [weekly("n", 2, site="s1"), weekly("m", 2, site="s2")], weeks=2)
    roster = seated(prob, ("n", day(0), "a"), ("n", day(7), "b"), ("m", day(0), "c"), ("m", day(7), "d"))
    stage = SeriesImprover(roster, roster.index.occurrences, set(), SolveSettings(num_workers=2, random_seed=7))
    n, m = (roster.index.occurrence(need_id, day(0)).series for need_id in ("n", "m"))
    # size 0: each target is its own neighbourhood; m is modelled while n is out for its search
    assert stage.work_through([n, m], 0, time.perf_counter() + 5, 2.0)
    for week in (0, 7):
        on_duty = [l for need_id in ("n", "m") for l in roster.seated[roster.index.occurrence(need_id, day(week)).index]]
        assert sorted(on_duty) == sorted(set(on_duty)) and len(on_duty) == 2
    assert (served(roster, "n"), served(roster, "m")) in [({"x"}, {"c", "d"}), ({"a", "b"}, {"x"})]


def test_a_result_is_checked_beside_the_old_crews_of_neighbourhoods_still_out():
    # n and m clash; n's old crew (x) is out for its own search and may yet go back, so a result
    # for m that gives x the same hour must not be kept
    prob = problem([leader("x"), leader("y")], [weekly("n", 1, site="s1"), weekly("m", 1, site="s2")], weeks=1)
    roster = seated(prob, ("n", day(0), "x"))
    stage = SeriesImprover(roster, roster.index.occurrences, set(), SETTINGS)
    n, m = (roster.index.occurrence(need_id, day(0)) for need_id in ("n", "m"))
    still_out = roster.take_out([n])
    assert stage._fits({(m.index, "x")})
    assert not stage._fits({(m.index, "x")}, [still_out])
    assert stage._fits({(m.index, "y")}, [still_out])
    assert roster.seated[n.index] == [] and roster.seated[m.index] == []
