"""The exchange format: strict parsing with one-line errors, and lossless round trips."""
from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from pool.exchange import (ExchangeError, dump_schedule, load_problem, load_schedule, parse_problem,
                           parse_schedule, problem_to_doc, schedule_to_doc)
from solver.problem import Assignment, Schedule, Unfilled


def problem_doc() -> dict:
    """A small document in the shape of the published samples."""
    return {
        "format": "pool-problem/1", "name": "tiny", "timezone": "Europe/Stockholm",
        "period": {"start": "2027-01-25", "end": "2027-02-07"},
        "default_travel_minutes": 15,
        "sites": [{"id": "satra", "name": "Sätraskolan", "area": "Sätra"},
                  {"id": "jernvallen", "name": "Jernvallen", "area": "Centrum"}],
        "travel_minutes": [{"from": "satra", "to": "jernvallen", "minutes": 12}],
        "clubs": [{"id": "sif", "name": "Sandvikens IF", "pledged_minutes_per_week": 600},
                  {"id": "saik", "name": "SAIK"}],
        "leaders": [
            {"id": "l-1", "club": "sif", "name": "Amina A.", "skills": ["lang:so", "female"],
             "credentials": [{"kind": "background-check", "valid_until": "2027-02-01"}],
             "availability": [{"weekday": 2, "start": "08:00", "end": "16:00"},
                              {"weekday": 5, "start": "21:00", "end": "02:00"},
                              {"weekday": 6, "start": "18:00", "end": "24:00"}],
             "absences": [{"from": "2027-02-02", "to": "2027-02-03"}],
             "max_minutes_per_day": 480, "max_minutes_per_week": 900},
            {"id": "l-2", "club": "saik"},
        ],
        "needs": [
            {"id": "rast", "site": "satra", "title": "Rastvärdar", "weekdays": [2, 4], "start": "09:30",
             "end": "10:00", "seats": 2, "from": "2027-01-26", "until": "2027-02-05",
             "except_dates": ["2027-02-02"], "skills": [], "credentials": ["background-check"],
             "priority": 3},
            {"id": "natt", "site": "jernvallen", "weekdays": [5], "start": "22:00", "end": "01:00",
             "seats": 1, "priority": 4},
            {"id": "mote", "site": "satra", "dates": ["2027-01-27"], "start": "18:00", "end": "18:00",
             "seats": 1, "priority": 5, "skills": ["lang:so"]},
        ],
        "baseline": [{"need": "rast", "date": "2027-01-26", "leader": "l-1"},
                     {"need": "gone", "date": "2027-01-26", "leader": "l-1"},
                     {"need": "rast", "date": "2027-01-26", "leader": "l-99"}],
        "pinned": [{"need": "natt", "date": "2027-01-29", "leader": "l-1"}],
    }


def error_for(change) -> str:
    doc = problem_doc()
    change(doc)
    with pytest.raises(ExchangeError) as caught:
        parse_problem(doc)
    text = str(caught.value)
    assert "\n" not in text
    return text


# ------------------------------------------------------------------------------- semantics
def test_parses_times_dates_and_occurrences():
    problem = parse_problem(problem_doc())
    rast, natt, mote = problem.needs["rast"], problem.needs["natt"], problem.needs["mote"]
    assert rast.occurrences == (dt.date(2027, 1, 26), dt.date(2027, 1, 28), dt.date(2027, 2, 4))
    assert (natt.start, natt.end) == (22 * 60, 25 * 60)      # crosses midnight
    assert mote.minutes == 24 * 60                            # end == start is a whole day
    leader = problem.leaders["l-1"]
    assert leader.name == "Amina A."
    assert [(w.start, w.end) for w in leader.availability] == [(480, 960), (1260, 1560), (1080, 1440)]
    assert leader.credential_valid("background-check", dt.date(2027, 2, 1))
    assert not leader.credential_valid("background-check", dt.date(2027, 2, 2))
    assert problem.travel_minutes("jernvallen", "satra") == 12
    assert problem.clubs["sif"].pledged_minutes_per_week == 600
    assert problem.sites["satra"].area == "Sätra"


def test_baseline_drops_entries_for_needs_or_leaders_that_are_gone():
    problem = parse_problem(problem_doc())
    assert problem.baseline == (Assignment("rast", dt.date(2027, 1, 26), "l-1"),)


def test_problem_round_trips():
    problem = parse_problem(problem_doc())
    assert parse_problem(json.loads(json.dumps(problem_to_doc(problem)))) == problem


def test_load_problem_reads_a_file(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(problem_doc()), encoding="utf-8")
    assert load_problem(path) == parse_problem(problem_doc())


# ------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("change, expected", [
    (lambda d: d["needs"][0]["weekdays"].append(8), "needs[0].weekdays[2]: 8 is not an ISO weekday (1-7)"),
    (lambda d: d["needs"][1].update(site="x"), "needs[1].site: unknown site 'x'"),
    (lambda d: d["leaders"][0]["availability"][1].update(end="25:00"),
     "leaders[0].availability[1].end: '25:00' is not a time HH:MM"),
    (lambda d: d["leaders"][0]["availability"][0].update(start="24:00"),
     "leaders[0].availability[0].start: '24:00' is not a time HH:MM"),
    (lambda d: d["sites"].append({"id": "satra"}), "sites[2].id: duplicate id 'satra'"),
    (lambda d: d["pinned"][0].update(leader="l-9"), "pinned[0].leader: unknown leader 'l-9'"),
    (lambda d: d["pinned"][0].update(need="gone"), "pinned[0].need: unknown need 'gone'"),
    (lambda d: d["leaders"][1].pop("club"), "leaders[1].club: missing required field"),
    (lambda d: d.pop("period"), "period: missing required field"),
    (lambda d: d["needs"][0].update(seats="2"), "needs[0].seats: expected an integer, got '2'"),
    (lambda d: d["leaders"][0].update(skills="female"), "leaders[0].skills: expected a list, got 'female'"),
    (lambda d: d["needs"][2]["dates"].append("2027-02-30"),
     "needs[2].dates[1]: '2027-02-30' is not a date YYYY-MM-DD"),
    (lambda d: d["period"].update(end="2027-01-01"), "period.end: '2027-01-01' is before the start"),
    (lambda d: d["needs"][0].update(dates=["2027-01-26"]), "needs[0]: need 'rast' has both of 'weekdays'"),
    (lambda d: d["needs"][1].pop("weekdays"), "needs[1]: need 'natt' has neither of 'weekdays'"),
    (lambda d: d["needs"][0].update(seats=0), "needs[0].seats: 0 is less than 1"),
    (lambda d: d["needs"][0].update(priority=6), "needs[0].priority: 6 is outside 1..5"),
    (lambda d: d["travel_minutes"].append({"from": "jernvallen", "to": "satra", "minutes": 20}),
     "travel_minutes[1].minutes: 20 conflicts with 12"),
    (lambda d: d["travel_minutes"][0].update(minutes=-3), "travel_minutes[0].minutes: -3 is negative"),
    (lambda d: d["leaders"][0].update(max_minutes_per_week=-1), "leaders[0].max_minutes_per_week: -1 is negative"),
    (lambda d: d.update(default_travel_minutes=-5), "default_travel_minutes: -5 is negative"),
    (lambda d: d["leaders"][0]["absences"][0].update(to="2027-01-01"),
     "leaders[0].absences[0].to: '2027-01-01' is before 'from'"),
    (lambda d: d["leaders"][0]["credentials"][0].update(valid_until="2027-13-01"),
     "leaders[0].credentials[0].valid_until: '2027-13-01' is not a date YYYY-MM-DD"),
    (lambda d: d["leaders"][1].update(club="ifk"), "leaders[1].club: unknown club 'ifk'"),
    (lambda d: d.update(format="pool-problem/2"), "format: expected 'pool-problem/1', got 'pool-problem/2'"),
    (lambda d: d["needs"].__setitem__(0, "rast"), "needs[0]: expected an object, got 'rast'"),
    (lambda d: d["baseline"][0].update(date="2027-1-26"), "baseline[0].date: '2027-1-26' is not a date"),
])
def test_every_error_is_one_line_naming_the_field_and_value(change, expected):
    assert error_for(change).startswith(expected)


def test_error_keeps_path_and_message_apart():
    with pytest.raises(ExchangeError) as caught:
        parse_problem({**problem_doc(), "sites": [{"id": "a"}, {"id": "a"}]})
    assert (caught.value.path, caught.value.message) == ("sites[1].id", "duplicate id 'a'")


# ------------------------------------------------------------------------------- schedules
class Reason:
    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text


def test_schedule_round_trips_with_reasons_as_text(tmp_path):
    problem = parse_problem(problem_doc())
    schedule = Schedule("tiny", (Assignment("rast", dt.date(2027, 1, 26), "l-1"),),
                        (Unfilled("rast", dt.date(2027, 1, 28), 2, (Reason("nobody is free Thu 09:30"),)),),
                        {"status": "OPTIMAL", "seconds": 1.5})
    path = tmp_path / "s.json"
    dump_schedule(schedule, path)
    loaded = load_schedule(path, problem)
    assert loaded.assignments == schedule.assignments
    assert loaded.unfilled[0].reasons == ("nobody is free Thu 09:30",)
    assert loaded.solver == {"status": "OPTIMAL", "seconds": 1.5}
    assert schedule_to_doc(loaded)["unfilled"] == schedule_to_doc(schedule)["unfilled"]


def test_schedule_keeps_unknown_assignments_for_the_validator():
    problem = parse_problem(problem_doc())
    doc = {"format": "pool-schedule/1", "problem": "tiny",
           "assignments": [{"need": "nope", "date": "2027-01-26", "leader": "l-1"}]}
    assert parse_schedule(doc, problem).assignments[0].need == "nope"


@pytest.mark.parametrize("change, expected", [
    (lambda d: d.update(problem="other"), "problem: 'other' does not match the problem's name 'tiny'"),
    (lambda d: d["assignments"][0].update(date="2027-02-30"), "assignments[0].date: '2027-02-30' is not a date"),
    (lambda d: d["assignments"][0].pop("leader"), "assignments[0].leader: missing required field"),
    (lambda d: d["unfilled"][0].update(missing=0), "unfilled[0].missing: 0 is less than 1"),
    (lambda d: d.update(format="x"), "format: expected 'pool-schedule/1'"),
])
def test_schedule_errors(change, expected):
    doc = {"format": "pool-schedule/1", "problem": "tiny",
           "assignments": [{"need": "rast", "date": "2027-01-26", "leader": "l-1"}],
           "unfilled": [{"need": "rast", "date": "2027-01-28", "missing": 2, "reasons": []}]}
    doc = copy.deepcopy(doc)
    change(doc)
    with pytest.raises(ExchangeError) as caught:
        parse_schedule(doc, parse_problem(problem_doc()))
    assert str(caught.value).startswith(expected)
