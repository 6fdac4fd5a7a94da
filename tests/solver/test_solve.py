import datetime as dt
import random
from collections import Counter
from dataclasses import replace

import pytest

import solver.planner as planner
from solver import solve
from solver.components import components
from solver.index import build_index
from solver.problem import Absence

from solver_testkit import (SEED, assignment, continuity, day, leader, need, problem, violations,
                            weekly)


def test_solve_fills_what_it_can_and_reports_how():
    prob = problem([leader("a"), leader("b")], [need("n", seats=3)])
    seen = []
    schedule = solve(prob, time_limit=2, progress=seen.append, **SEED)
    assert len(schedule.assignments) == 2
    assert [(u.need, u.date, u.missing) for u in schedule.unfilled] == [("n", day(0), 1)]
    info = schedule.solver
    assert info["status"] == "OPTIMAL" and info["gap"] == 0
    assert {"seconds", "objective", "bound", "num_workers", "random_seed", "strategy"} <= set(info)
    assert seen and {"stage", "fill", "bound", "seconds"} <= set(seen[-1])
    assert all(event["bound"] >= event["fill"] for event in seen)


def test_fill_is_never_traded_for_continuity():
    prob = problem([leader("a", absences=[(day(7), day(13))]), leader("b", absences=[(day(0), day(6))])],
                   [weekly("n", 2)], weeks=2)
    schedule = solve(prob, time_limit=2, **SEED)
    assert len(schedule.assignments) == 2


def test_the_same_leader_serves_a_series_week_after_week():
    prob = problem([leader(f"l{i}") for i in range(5)], [weekly("n", 4, seats=2, weekdays=(2, 4))], weeks=4)
    schedule = solve(prob, time_limit=3, **SEED)
    assert len(schedule.assignments) == 16
    assert continuity(prob, schedule) == 1


def test_higher_priority_wins_a_contested_leader():
    prob = problem([leader("a")], [need("low", priority=1), need("high", priority=5, start="11:00")])
    schedule = solve(prob, time_limit=2, **SEED)
    assert [a.need for a in schedule.assignments] == ["high"]


def test_replan_keeps_what_still_holds_and_refills_the_rest():
    needs = [weekly("x", 2, seats=1), weekly("y", 2, seats=1, start="13:00", end="15:00")]
    baseline = [assignment("x", day(0), "a"), assignment("x", day(7), "a"),
                assignment("y", day(0), "b"), assignment("y", day(7), "b")]
    leaders = [leader("a"), leader("b", absences=[(day(7), day(7))]), leader("c")]
    prob = problem(leaders, needs, weeks=2, baseline=baseline)
    schedule = solve(prob, time_limit=2, **SEED)
    kept = set(baseline) & set(schedule.assignments)
    assert kept == set(baseline) - {assignment("y", day(7), "b")}
    assert assignment("y", day(7), "c") in schedule.assignments


def test_independent_parts_are_solved_separately():
    prob = problem([leader("a", skills={"x"}), leader("b", skills={"y"})],
                   [need("nx", skills={"x"}), need("ny", skills={"y"})])
    assert len(components(build_index(prob))) == 2
    assert len(solve(prob, time_limit=2, **SEED).assignments) == 2


def random_problem(seed: int, leaders: int = 12, needs: int = 10, weeks: int = 2):
    rng = random.Random(seed)
    people = [leader(f"l{i}", skills={s for s in ("x", "y") if rng.random() < 0.4},
                     windows=[(wd, rng.choice(["08:00", "12:00"]), rng.choice(["18:00", "02:00"]))
                              for wd in rng.sample(range(1, 8), 4)],
                     absences=[(day(d), day(d + 2))] if (d := rng.randrange(-20, 14)) >= 0 else [],
                     per_day=rng.choice([None, 240]), per_week=rng.choice([None, 600]))
              for i in range(leaders)]
    wanted = []
    for i in range(needs):
        start = rng.randrange(8, 22) * 60
        wanted.append(weekly(f"n{i}", weeks, seats=rng.randint(1, 3), priority=rng.randint(1, 5),
                             start=f"{start // 60:02d}:00", end=f"{(start // 60 + rng.randint(1, 4)) % 24:02d}:30",
                             site=rng.choice("pqr"), skills={rng.choice(["x", "y"])} if rng.random() < 0.3 else set(),
                             weekdays=tuple(sorted(rng.sample(range(1, 8), 2)))))
    return problem(people, wanted, weeks=weeks, default_travel=20)


@pytest.mark.parametrize("seed", range(6))
def test_random_problems_give_valid_schedules_by_either_strategy(seed, monkeypatch):
    prob = random_problem(seed)
    seen = []
    exact = solve(prob, time_limit=3, progress=seen.append, **SEED)
    assert all(event["bound"] >= event["fill"] - 1e-12 for event in seen)
    assert not violations(prob, exact)
    assert exact.solver["strategy"] == "weekly-exact" and exact.solver["status"] == "OPTIMAL"
    monkeypatch.setattr(planner, "EXACT_PAIRS_PER_WEEK", 0)
    built = solve(prob, time_limit=3, **SEED)
    assert built.solver["strategy"] == "construction"
    assert not violations(prob, built)
    assert built.solver["objective"] <= exact.solver["objective"]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_replan_of_many_weeks_keeps_what_holds_and_proves_the_same_fill_as_a_fresh_plan(workers):
    published = solve(random_problem(3, weeks=5), time_limit=3, num_workers=workers, random_seed=7)
    # after publishing, the two busiest leaders fall ill for a week each
    busiest = Counter(a.leader for a in published.assignments).most_common(2)
    ill = {busiest[0][0]: day(7), busiest[1][0]: day(21)}
    changed = random_problem(3, weeks=5)
    week_off = {l: (Absence(first, first + dt.timedelta(6)),) for l, first in ill.items()}
    changed = replace(changed, leaders={l.id: replace(l, absences=l.absences + week_off.get(l.id, ()))
                                        for l in changed.leaders.values()})
    seen = []
    replanned = solve(replace(changed, baseline=published.assignments), time_limit=4, num_workers=workers,
                      random_seed=7, progress=seen.append)
    assert not violations(changed, replanned)
    assert all(event["fill"] <= event["bound"] + 1e-12 for event in seen)
    assert replanned.solver["status"] == "OPTIMAL"
    assert replanned.solver["objective"] == solve(changed, time_limit=3, **SEED).solver["objective"]
    still_holds = [a for a in published.assignments if not (a.leader in ill and 0 <= (a.date - ill[a.leader]).days < 7)]
    assert len(set(still_holds) & set(replanned.assignments)) >= 0.9 * len(still_holds)


def test_a_clash_across_a_week_boundary_is_reported():
    prob = problem([leader("a")], [weekly("sunday-night", 2, weekdays=(7,), start="22:00", end="02:00"),
                                   weekly("monday-early", 2, weekdays=(1,), start="01:00", end="03:00")], weeks=2)
    schedule = solve(prob, time_limit=2, **SEED)
    assert not violations(prob, schedule)
    assert schedule.solver["weeks_coupled"] and not schedule.solver["fill_proven"]


@pytest.mark.parametrize("monday_early, travel, sunday_skill, monday_skill", [
    ("01:00", {}, "driver", "lang:so"),  # they would clash, but no leader could serve both
    ("02:45", {("a", "b"): 30}, None, None),  # a leader could serve both: travel takes 30 of the 45 minutes
])
def test_sunday_and_monday_needs_that_cannot_clash_keep_the_weeks_apart(monday_early, travel, sunday_skill,
                                                                         monday_skill):
    skills = [(s,) if s else () for s in (sunday_skill, monday_skill)]
    prob = problem([leader("a", skills=skills[0]), leader("b", skills=skills[1])],
                   [weekly("sunday-night", 2, weekdays=(7,), start="22:00", end="02:00", skills=skills[0]),
                    weekly("monday-early", 2, weekdays=(1,), start=monday_early, end="05:00", site="b",
                           skills=skills[1]),
                    weekly("wednesday", 2, weekdays=(3,), seats=2, site="b")],  # one team: both serve it
                   weeks=2, travel=travel, default_travel=60)
    assert len(components(build_index(prob))) == 1
    schedule = solve(prob, time_limit=2, **SEED)
    assert not schedule.solver["weeks_coupled"] and schedule.solver["fill_proven"]


def test_an_empty_pool_leaves_every_seat_open():
    prob = problem([], [need("n", seats=2)])
    schedule = solve(prob, time_limit=1, **SEED)
    assert schedule.assignments == () and [u.missing for u in schedule.unfilled] == [2]


def test_no_needs_gives_an_empty_schedule():
    schedule = solve(problem([leader("a")], []), time_limit=1, **SEED)
    assert schedule.assignments == () and schedule.unfilled == ()


def test_polishing_weeks_leaves_most_time_to_the_series_stage_once_fill_is_proven():
    prob = problem([leader("a"), leader("b")], [weekly("n", 2)], weeks=2)
    run = planner.Run(prob, 20, planner.SolveSettings(1, 0), None)
    part = run.parts[0]
    weeks = {}
    for occ in part:
        weeks.setdefault(occ.week, []).append(occ)
    finish = run.began + 20
    run.solve_weekly(0, weeks, finish)
    assert run._weeks_proven(0, weeks)
    assert run._polish_until(0, weeks, finish) < finish - 10  # the rest goes to the series stage
    run.week_bounds[(0, min(weeks))] += 1  # a week not proven: its proof may take all the time
    assert run._polish_until(0, weeks, finish) == finish


def test_a_replan_starts_from_the_crews_when_the_published_plan_fills_less():
    # a now has two hours a week, not four: kept in date order, the published plan spends them on
    # the low-priority needs early in the week; the crews, scarcest and weightiest first, do not
    needs = [need("low1", priority=1, end="11:00"), need("low2", priority=1, weekdays=(2,), end="11:00"),
             need("high", priority=5, weekdays=(3,), skills={"x"})]
    baseline = [assignment("low1", day(0), "a"), assignment("low2", day(1), "a"), assignment("high", day(2), "a")]
    prob = problem([leader("a", skills={"x"}, per_week=120)], needs, baseline=baseline)
    run = planner.Run(prob, 5, planner.SolveSettings(1, 0), None)
    start = run._greedy(run.parts[0], run.began + 1)
    assert {(run.index.occurrences[i].need.id, leader_id) for i, leader_id in start} == {("high", "a")}


def test_a_replan_starts_from_the_published_plan_when_it_fills_as_much():
    needs = [need("x"), need("y", weekdays=(2,))]
    baseline = [assignment("x", day(0), "b"), assignment("y", day(1), "b")]
    prob = problem([leader("a"), leader("b")], needs, baseline=baseline)
    run = planner.Run(prob, 5, planner.SolveSettings(1, 0), None)
    start = run._greedy(run.parts[0], run.began + 1)
    assert {(run.index.occurrences[i].need.id, leader_id) for i, leader_id in start} == {("x", "b"), ("y", "b")}


def test_the_second_start_gives_each_series_its_regulars_so_far():
    # on Mondays a served twice and b once; Tuesdays have had only c
    prob = problem([leader("a"), leader("b"), leader("c")], [weekly("n", 4, weekdays=(1, 2))], weeks=4,
                   baseline=[assignment("n", day(0), "b")])
    run = planner.Run(prob, 5, planner.SolveSettings(1, 0), None)
    for date, leader_id in [(day(0), "a"), (day(7), "a"), (day(14), "b"), (day(1), "c")]:
        run.roster.add(leader_id, run.index.occurrence("n", date))
    fourth_week = [o for o in run.parts[0] if o.date >= day(21)]
    assert set(run._regulars(fourth_week)) == {assignment("n", day(21), "a"), assignment("n", day(22), "c")}
