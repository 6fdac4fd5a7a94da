"""Rules 1, 3 and 4: only eligible (occurrence, leader) pairs get a variable."""
from solver.index import build_index

from solver_testkit import day, leader, need, problem


def candidates(prob, need_id, date):
    index = build_index(prob)
    return index.candidates[index.by_key[(need_id, date)]]


def test_window_must_contain_the_whole_occurrence():
    prob = problem([leader("in", windows=[(1, "09:00", "12:00")]), leader("short", windows=[(1, "10:30", "12:00")]),
                    leader("other-day", windows=[(2, "09:00", "12:00")])], [need("n")])
    assert candidates(prob, "n", day(0)) == ("in",)


def test_window_past_midnight_covers_a_night_need():
    prob = problem([leader("night", windows=[(5, "18:00", "02:00")]), leader("evening", windows=[(5, "18:00", "23:59")])],
                   [need("n", start="22:00", end="01:00", weekdays=(5,))])
    assert candidates(prob, "n", day(4)) == ("night",)


def test_absent_on_the_start_date_is_not_eligible():
    prob = problem([leader("away", absences=[(day(0), day(2))]), leader("here", absences=[(day(1), day(2))])],
                   [need("n")])
    assert candidates(prob, "n", day(0)) == ("here",)


def test_every_skill_and_a_credential_valid_that_day_are_required():
    prob = problem([leader("ok", skills={"female", "lang:so"}, credentials={"bg": day(0)}),
                    leader("expired", skills={"female", "lang:so"}, credentials={"bg": day(-1)}),
                    leader("one-skill", skills={"female"}, credentials={"bg": day(9)}),
                    leader("no-credential", skills={"female", "lang:so"})],
                   [need("n", skills={"female", "lang:so"}, credentials={"bg"})])
    assert candidates(prob, "n", day(0)) == ("ok",)


def test_only_dates_of_the_need_are_occurrences():
    prob = problem([leader("a")], [need("n", weekdays=(2, 4))])
    index = build_index(prob)
    assert [o.date for o in index.occurrences] == [day(1), day(3)]
