"""The construction used for parts too large for the exact model."""
import time

from solver.construct import Construction, restore_baseline
from solver.exact import BlockJob, SolveSettings, solve_block, solve_blocks_together
from solver.index import build_index
from solver.roster import Roster
from solver.rules.continuity import ContinuityCosts
from solver.rules.pins import place_pins

from solver_testkit import assignment, day, leader, need, problem, weekly


def construction(prob):
    index = build_index(prob)
    roster = Roster(index)
    place_pins(index, roster)
    return Construction(roster, index.occurrences, ContinuityCosts(index, prob.baseline), time.perf_counter() + 5)


def seated(built, need_id, date):
    return built.roster.seated[built.index.by_key[(need_id, date)]]


def test_crews_serve_the_whole_series():
    prob = problem([leader("part-time", absences=[(day(7), day(7))]), leader("always")],
                   [weekly("n", 3)], weeks=3)
    built = construction(prob)
    built.run()
    assert [seated(built, "n", day(7 * w)) for w in range(3)] == [["always"]] * 3


def test_crews_go_to_the_higher_priority_series_first_even_when_another_is_scarcer():
    # only "a" can do "lo", and "b" could do "hi" only in its second week: still "hi" gets "a"
    prob = problem([leader("a", skills={"x", "y"}), leader("b", skills={"x"})],
                   [weekly("hi", 2, priority=5, skills={"x"}), weekly("lo", 2, site="c", skills={"y"}),
                    need("elsewhere", site="d")],
                   weeks=2, pinned=[assignment("elsewhere", day(0), "b")])
    built = construction(prob)
    built.build_crews()
    assert [seated(built, "hi", day(7 * w)) for w in range(2)] == [["a"], ["a"]]
    assert [seated(built, "lo", day(7 * w)) for w in range(2)] == [[], []]


def test_who_could_join_an_occurrence_follows_every_change_asked_about_again():
    prob = problem([leader("a", per_week=150), leader("b")],
                   [need("n1", start="10:00", end="12:00"), need("n2", start="11:00", end="13:00"),
                    need("n3", start="10:00", end="11:00", weekdays=(3,))])
    index = build_index(prob)
    roster = Roster(index)
    n1, n2, n3 = (index.occurrence(n, d) for n, d in (("n1", day(0)), ("n2", day(0)), ("n3", day(2))))
    assert roster.could_join(n1) == {"a", "b"}
    roster.add("a", n2)  # a clashes with n1 now
    assert roster.could_join(n1) == {"b"}
    roster.add("b", n1)  # b is on it
    assert roster.could_join(n1) == set()
    roster.remove("a", n2)
    assert roster.could_join(n1) == {"a"}
    roster.add("a", n3)  # an hour on Wednesday leaves a too few minutes this week for n1's two
    assert roster.could_join(n1) == set()


def test_repair_frees_a_leader_by_handing_over_an_assignment():
    # only "a" can do the skilled need, but "a" holds the plain one; "b" can take that over
    prob = problem([leader("a", skills={"x"}), leader("b")],
                   [need("plain", priority=5), need("skilled", skills={"x"}, priority=1)])
    built = construction(prob)
    built.roster.add("a", built.index.occurrence("plain", day(0)))
    built.repair()
    assert seated(built, "skilled", day(0)) == ["a"] and seated(built, "plain", day(0)) == ["b"]



def test_a_dead_end_opens_again_when_a_leader_who_could_stand_in_there_is_freed():
    # "o1" needs "a", who holds "x"; only "b" could take "x" over, but "b" holds "y" at the time.
    # Repairing "o2" later moves "b" from "y" to "o2" (after "x"): now "b" can stand in on "x".
    prob = problem([leader("a", skills={"x", "p"}), leader("b", skills={"x", "y", "q"}), leader("c", skills={"y"})],
                   [need("x", start="09:00", end="11:00", skills={"x"}),
                    need("y", start="10:30", end="12:00", skills={"y"}),
                    need("o1", start="10:00", end="11:00", skills={"p"}, priority=4),
                    need("o2", start="11:00", end="12:00", skills={"q"})])
    built = construction(prob)
    built.roster.add("a", built.index.occurrence("x", day(0)))
    built.roster.add("b", built.index.occurrence("y", day(0)))
    built.repair()
    assert [seated(built, n, day(0)) for n in ("o1", "x", "o2", "y")] == [["a"], ["b"], ["b"], ["c"]]


def test_repair_frees_the_series_own_leader_first():
    # "b" is open on its first Monday; "n" and "r" could both be freed for it, but "r" serves it the
    # week after: the repair hands "r"'s other assignment to "s", not "n"'s
    prob = problem([leader("n", skills={"k"}), leader("r", skills={"k"}), leader("s")],
                   [weekly("b", 2, skills={"k"}), need("xr", site="c"), need("xn", site="d")], weeks=2)
    built = construction(prob)
    built.roster.add("r", built.index.occurrence("b", day(7)))
    built.roster.add("r", built.index.occurrence("xr", day(0)))
    built.roster.add("n", built.index.occurrence("xn", day(0)))
    built.repair()
    assert [seated(built, n, day(0)) for n in ("b", "xr", "xn")] == [["r"], ["s"], ["n"]]


def short_and_long():
    """"a" is the only leader; the short need she holds is worth less than the long one at the same time."""
    return problem([leader("a")], [need("short", start="10:00", end="11:00"),
                                   need("long", start="10:00", end="13:00", site="b")])


def test_trading_up_moves_a_leader_to_a_clashing_need_worth_more_even_with_no_stand_in():
    built = construction(short_and_long())
    built.roster.add("a", built.index.occurrence("short", day(0)))
    built.repair()
    assert seated(built, "long", day(0)) == ["a"] and seated(built, "short", day(0)) == []


def test_trading_up_never_trades_a_seat_for_one_worth_the_same():
    prob = problem([leader("a")], [need("here"), need("there", site="b")])
    built = construction(prob)
    built.roster.add("a", built.index.occurrence("here", day(0)))
    built.repair()
    assert seated(built, "here", day(0)) == ["a"] and seated(built, "there", day(0)) == []

def test_moves_never_touch_pins():
    prob = problem([leader("a", skills={"x"}), leader("b")],
                   [need("plain", priority=5), need("skilled", skills={"x"}, priority=1)],
                   pinned=[assignment("plain", day(0), "a")])
    built = construction(prob)
    built.run()
    assert seated(built, "plain", day(0)) == ["a"] and seated(built, "skilled", day(0)) == []


def test_dates_go_back_to_the_regular_when_fill_allows():
    prob = problem([leader("regular"), leader("occasional")], [weekly("n", 3)], weeks=3)
    built = construction(prob)
    occs = [built.index.occurrences[i] for i in range(3)]
    built.roster.add("regular", occs[0])
    built.roster.add("regular", occs[1])
    built.roster.add("occasional", occs[2])
    built.return_to_regulars()
    assert seated(built, "n", day(14)) == ["regular"]


def test_returning_dates_to_regulars_comes_to_rest():
    # three needs at the same time; a published crew once let the series hand dates back and forth
    # for ever, so the passes ran until the time was up
    weeks = 4
    prob = problem([leader(l) for l in "abcd"], [weekly(f"n{i}", weeks, site=f"s{i}") for i in range(3)],
                   weeks=weeks, baseline=[assignment("n0", day(0), "d"), assignment("n0", day(14), "c"),
                                          assignment("n0", day(21), "c"), assignment("n1", day(21), "d")])
    built = construction(prob)
    placed = {"n0": "baab", "n1": "d--a", "n2": "-bdd"}
    for need_id, leaders in placed.items():
        for week, leader_id in enumerate(leaders):
            if leader_id != "-":
                built.roster.add(leader_id, built.index.occurrence(need_id, day(7 * week)))
    before = continuity_of(built)
    passes = 0
    while built._return_pass():
        passes += 1
        assert passes < 10
    assert continuity_of(built) >= before


def continuity_of(built):
    series = {occ.series: occ for occ in built.index.occurrences}
    return sum(min(1, occ.seats / len(built.roster.series_leaders[s]))
               for s, occ in series.items() if built.roster.series_leaders[s])


def test_an_exact_block_is_never_worse_than_its_incumbent():
    prob = problem([leader("a"), leader("b")], [need("n", seats=2)])
    index = build_index(prob)
    roster = Roster(index)
    result = solve_block(roster, index.occurrences, ContinuityCosts(index), set(), SolveSettings(1, 7),
                         time_limit=1, incumbent={(0, "a"), (0, "b")})
    assert result.found == 2 * 3 * 120 and sorted(roster.seated[0]) == ["a", "b"]


def test_a_block_solved_again_on_its_model_lifts_the_last_fill_floor():
    prob = problem([leader("a")], [need("n", priority=3)])
    index = build_index(prob)
    roster = Roster(index)
    costs, settings = ContinuityCosts(index), SolveSettings(1, 7)
    first = solve_block(roster, index.occurrences, costs, set(), settings, time_limit=1)
    roster.remove("a", index.occurrences[0])
    # a floor above what the block can fill: no solution
    unreachable = solve_block(roster, index.occurrences, costs, set(), settings, time_limit=1,
                              fill_floor=2 * first.found, model=first.model)
    assert unreachable.status == "UNKNOWN" and not roster.seated[0]
    again = solve_block(roster, index.occurrences, costs, set(), settings, time_limit=1, model=first.model)
    assert again.found == first.found == 3 * 120 and roster.seated[0] == ["a"]


def test_blocks_solved_together_end_as_blocks_solved_in_turn():
    # two weeks: "a" is the only leader with the skill, "b" takes the plain seats
    prob = problem([leader("a", skills={"x"}), leader("b")],
                   [weekly("skilled", 2, skills={"x"}), weekly("plain", 2, start="11:00", end="13:00")], weeks=2)
    index = build_index(prob)
    weeks = [[o for o in index.occurrences if o.week == w] for w in sorted({o.week for o in index.occurrences})]

    def solved(settings):
        roster = Roster(index)
        jobs = [BlockJob(roster, occs, ContinuityCosts(index), set(), 5) for occs in weeks]
        results = solve_blocks_together(roster, jobs, settings)
        return [r.status for r in results], {(o.need.id, o.date): roster.seated[o.index] for o in index.occurrences}

    together, in_turn = solved(SolveSettings(2, 7)), solved(SolveSettings(1, 7))
    assert together == in_turn
    assert together[0] == ["OPTIMAL", "OPTIMAL"]
    assert {tuple(ls) for (need_id, _), ls in together[1].items() if need_id == "skilled"} == {("a",)}


def placed(prob, pairs):
    """A roster holding exactly ``pairs`` of (need, leader) on day 0."""
    index = build_index(prob)
    roster = Roster(index)
    for need_id, leader_id in pairs:
        roster.add(leader_id, index.occurrence(need_id, day(0)))
    return index, roster


def on(index, roster, need_id):
    return sorted(roster.seated[index.by_key[(need_id, day(0))]])


def test_restore_baseline_hands_a_seat_back_to_the_published_leader():
    prob = problem([leader("a"), leader("b")], [need("n")], baseline=[assignment("n", day(0), "a")])
    index, roster = placed(prob, [("n", "b")])
    assert restore_baseline(roster, index.occurrences, prob.baseline) == 1
    assert on(index, roster, "n") == ["a"]


def test_restore_baseline_swaps_a_moved_leader_back_keeping_every_seat():
    # "a" was published on n1 but sits on n2 at the same time; "b" on n1 can take n2 instead
    prob = problem([leader("a"), leader("b")], [need("n1"), need("n2", site="b")],
                   baseline=[assignment("n1", day(0), "a")])
    index, roster = placed(prob, [("n1", "b"), ("n2", "a")])
    assert restore_baseline(roster, index.occurrences, prob.baseline) == 1
    assert on(index, roster, "n1") == ["a"] and on(index, roster, "n2") == ["b"]


def test_restore_baseline_never_loses_fill_or_breaks_a_rule():
    # "b" lacks the skill for n2, so swapping would empty the more valuable n2; an absent leader stays out
    prob = problem([leader("a", skills={"x"}), leader("b"), leader("c", absences=[(day(0), day(0))])],
                   [need("n1", priority=1, seats=2), need("n2", site="b", skills={"x"}, priority=5)],
                   baseline=[assignment("n1", day(0), "a"), assignment("n1", day(0), "c")])
    index, roster = placed(prob, [("n1", "b"), ("n2", "a")])
    assert restore_baseline(roster, index.occurrences, prob.baseline) == 0
    assert on(index, roster, "n1") == ["b"] and on(index, roster, "n2") == ["a"]
