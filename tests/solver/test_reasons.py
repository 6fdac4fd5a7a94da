"""Reasons for unfilled occurrences, on tiny hand-built problems."""
from __future__ import annotations

import datetime as dt
import string

import pytest

from solver.problem import Absence, Assignment, Leader, Need, Problem, Site, Unfilled, Window, occurrence_dates
from solver.reasons import REASON_CODES, REASON_CODES_ONE, Reason, explain

D = dt.date
THU = D(2027, 1, 14)      # a Thursday in ISO week 2
MON = D(2027, 1, 11)
PERIOD = (MON, D(2027, 1, 24))


def hm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def need(id="n1", site="a", start="18:00", end="20:00", seats=1, skills=(), credentials=(),
         dates=(THU,), weekdays=()) -> Need:
    s, e = hm(start), hm(end)
    if e <= s:
        e += 1440
    occ = occurrence_dates(*PERIOD, weekdays=weekdays, dates=dates)
    return Need(id=id, site=site, title=id, start=s, end=e, seats=seats, skills=frozenset(skills),
                credentials=frozenset(credentials), weekdays=tuple(weekdays), dates=tuple(dates),
                occurrences=occ)


def leader(id, skills=(), credentials=None, windows=((4, "08:00", "23:00"),), absences=(),
           per_day=None, per_week=None) -> Leader:
    wins = []
    for wd, s, e in windows:
        s, e = hm(s), hm(e)
        wins.append(Window(wd, s, e if e > s else e + 1440))
    return Leader(id=id, club="sif", skills=frozenset(skills), credentials=dict(credentials or {}),
                  availability=tuple(wins), absences=tuple(Absence(a, b) for a, b in absences),
                  max_minutes_per_day=per_day, max_minutes_per_week=per_week)


def problem(leaders, needs, travel=None, default_travel=15) -> Problem:
    sites = {s: Site(s) for s in {n.site for n in needs} | {"a", "b"}}
    return Problem(name="t", start=PERIOD[0], end=PERIOD[1], sites=sites, clubs={},
                   leaders={l.id: l for l in leaders}, needs={n.id: n for n in needs},
                   travel=travel or {}, default_travel=default_travel)


def only(result) -> Unfilled:
    assert len(result) == 1, result
    return result[0]


def codes(u: Unfilled) -> list[str]:
    return [r.code for r in u.reasons]


def find(u: Unfilled, code: str) -> Reason:
    for r in u.reasons:
        if r.code == code:
            return r
    raise AssertionError(f"{code} not in {[str(r) for r in u.reasons]}")


# ---- filled / partly filled ---------------------------------------------------------------------

def test_filled_occurrence_gives_no_unfilled():
    p = problem([leader("l1"), leader("l2")], [need(seats=2)])
    assigned = [Assignment("n1", THU, "l1"), Assignment("n1", THU, "l2")]
    assert explain(p, assigned) == ()


def test_duplicate_assignment_counts_once_and_missing_is_correct():
    p = problem([leader("l1"), leader("l2")], [need(seats=3)])
    assigned = [Assignment("n1", THU, "l1"), Assignment("n1", THU, "l1"), Assignment("n1", THU, "l2")]
    u = only(explain(p, assigned))
    assert (u.need, u.date, u.missing) == ("n1", THU, 1)
    # both leaders are on it; nobody else exists
    assert codes(u) == ["pool-too-small"]
    assert str(u.reasons[0]) == "the pool has only 2 leaders"


def test_partial_fill_with_skills_scarce_counts_all_holders():
    p = problem([leader("l1", ["lang:so"]), leader("l2", ["lang:so"]), leader("l3")],
                [need(seats=3, skills=["lang:so"])])
    u = only(explain(p, [Assignment("n1", THU, "l1")]))
    assert u.missing == 2
    r = find(u, "skills-scarce")
    assert r.args == {"count": 2, "skills": "lang:so"}
    assert str(r) == "only 2 leaders have lang:so"
    assert "eligible-unassigned" in codes(u)     # l2 could still be added


def test_every_occurrence_of_a_recurring_need_is_listed_in_order():
    p = problem([], [need(weekdays=(2, 4), dates=())])
    result = explain(p, [])
    assert [u.date for u in result] == [D(2027, 1, 12), D(2027, 1, 14), D(2027, 1, 19), D(2027, 1, 21)]
    assert all(codes(u) == ["no-leaders"] for u in result)


# ---- stage 1: skills ----------------------------------------------------------------------------

def test_skill_missing_names_the_skill():
    p = problem([leader("l1", ["female"]), leader("l2")], [need(skills=["female", "lang:so"])])
    u = only(explain(p, []))
    assert codes(u) == ["skill-missing"]
    assert u.reasons[0].args == {"skill": "lang:so"}
    assert str(u.reasons[0]) == "no leader has skill lang:so"


def test_skills_not_combined():
    p = problem([leader("l1", ["female"]), leader("l2", ["lang:so"])], [need(skills=["female", "lang:so"])])
    u = only(explain(p, []))
    assert codes(u) == ["skills-not-combined"]
    assert str(u.reasons[0]) == "no leader has all of female, lang:so"


# ---- stage 2: credentials -----------------------------------------------------------------------

def test_credential_expired_names_the_expiry():
    p = problem([leader("l1", credentials={"background-check": D(2027, 1, 10)})],
                [need(credentials=["background-check"])])
    u = only(explain(p, []))
    assert codes(u) == ["credential-not-valid", "credential-expired"]
    assert str(u.reasons[0]) == "no qualified leader has credential background-check valid on 2027-01-14"
    expired = u.reasons[1]
    assert expired.args["until"] == D(2027, 1, 10)
    assert expired.args["count"] == 1
    assert "2027-01-10" in str(expired)


def test_credential_valid_on_its_last_day():
    p = problem([leader("l1", credentials={"background-check": THU})], [need(credentials=["background-check"])])
    assert explain(p, [Assignment("n1", THU, "l1")]) == ()
    u = only(explain(p, []))
    assert codes(u) == ["eligible-unassigned"]


def test_credential_missing_and_lacking():
    p = problem([leader("l1"), leader("l2", credentials={"background-check": D(2027, 6, 1)})],
                [need(seats=2, credentials=["background-check"]),
                 need(id="n2", site="b", credentials=["licence-check"])])
    u1, u2 = sorted(explain(p, []), key=lambda u: u.need)
    r = find(u1, "credential-lacking")
    assert r.args == {"count": 1, "of": 2, "credential": "background-check", "date": THU}
    assert str(r) == "1 of 2 qualified leaders lacks a valid background-check on 2027-01-14"
    assert codes(u2) == ["credential-missing"]
    assert str(u2.reasons[0]) == "no qualified leader has credential licence-check"


# ---- stage 3: availability window ---------------------------------------------------------------

def test_not_available_window_and_requirement_named():
    leaders = [leader("l1", ["lang:so"], windows=[(4, "08:00", "17:00")]),
               leader("l2", ["lang:so"], windows=[(3, "08:00", "23:00")]),
               leader("l3")]
    p = problem(leaders, [need(skills=["lang:so"])])
    u = only(explain(p, []))
    r = find(u, "not-available")
    assert r.args == {"count": 2, "of": 2, "weekday": 4, "start": "18:00", "end": "20:00"}
    assert str(r) == "2 of 2 qualified leaders are not available Thu 18:00-20:00"
    assert str(find(u, "requirement-not-free")) == "no leader with lang:so is free Thu 18:00-20:00"
    assert "eligible-unassigned" not in codes(u)


def test_window_past_midnight_covers_night_need():
    p = problem([leader("l1", windows=[(5, "21:00", "02:00")])],
                [need(start="22:00", end="01:00", dates=(D(2027, 1, 15),))])
    assert explain(p, [Assignment("n1", D(2027, 1, 15), "l1")]) == ()
    u = only(explain(p, []))
    assert codes(u) == ["eligible-unassigned"]


# ---- stage 4: absence ---------------------------------------------------------------------------

def test_absent():
    p = problem([leader("l1", absences=[(D(2027, 1, 13), D(2027, 1, 15))]),
                 leader("l2", absences=[(THU, THU)])], [need()])
    u = only(explain(p, []))
    assert codes(u) == ["absent"]
    assert u.reasons[0].args == {"count": 2, "of": 2}
    assert str(u.reasons[0]) == "2 of 2 qualified leaders are absent"


# ---- stage 5: busy ------------------------------------------------------------------------------

def test_busy_overlap_and_travel():
    n1 = need("n1", site="a", start="18:00", end="20:00")
    n2 = need("n2", site="b", start="16:00", end="17:50")   # ends 10 min before n1; travel is 15
    n3 = need("n3", site="a", start="19:00", end="21:00")   # overlaps n1 at the same site
    p = problem([leader("l1"), leader("l2")], [n1, n2, n3])
    u = only(explain(p, [Assignment("n2", THU, "l1"), Assignment("n3", THU, "l2")]))
    assert u.need == "n1"
    assert codes(u) == ["busy"]
    assert u.reasons[0].args == {"count": 2, "of": 2}
    assert "busy" in str(u.reasons[0])


def test_travel_time_listed_for_the_pair_is_used():
    n1 = need("n1", site="a", start="18:00", end="20:00")
    n2 = need("n2", site="b", start="16:00", end="17:50")
    p = problem([leader("l1")], [n1, n2], travel={("a", "b"): 5})
    # 10 minutes between them is enough when the pair's travel time is 5
    assert explain(p, [Assignment("n2", THU, "l1")]) == (
        Unfilled("n1", THU, 1, (Reason.of("eligible-unassigned", count=1),)),)


def test_busy_across_midnight():
    fri, sat = D(2027, 1, 15), D(2027, 1, 16)
    night = need("night", site="a", start="22:00", end="02:00", dates=(fri,))
    early = need("early", site="b", start="02:10", end="04:00", dates=(sat,))
    p = problem([leader("l1", windows=[(5, "20:00", "03:00"), (6, "00:00", "06:00")])], [night, early])
    u = only(explain(p, [Assignment("night", fri, "l1")]))
    assert u.need == "early"
    assert codes(u) == ["busy"]


# ---- stages 6 and 7: limits ---------------------------------------------------------------------

def test_day_limit():
    n1 = need("n1", start="18:00", end="20:00")
    n2 = need("n2", start="09:00", end="11:00")
    p = problem([leader("l1", per_day=180)], [n1, n2])
    u = only(explain(p, [Assignment("n2", THU, "l1")]))
    assert u.need == "n1"
    assert codes(u) == ["day-limit"]
    assert str(u.reasons[0]) == "1 of 1 qualified leaders would exceed their daily limit"


def test_week_limit():
    tue = D(2027, 1, 12)
    n1 = need("n1")
    leaders = [leader(f"l{i}", windows=[(2, "08:00", "23:00"), (4, "08:00", "23:00")], per_week=240)
               for i in (1, 2, 3)]
    p = problem(leaders, [n1, need("n2", start="09:00", end="12:00", dates=(tue,), seats=3)])
    assigned = [Assignment("n2", tue, f"l{i}") for i in (1, 2, 3)]
    u = only(explain(p, assigned))
    assert u.need == "n1"
    assert codes(u) == ["week-limit"]
    assert u.reasons[0].args == {"count": 3, "of": 3}
    assert str(u.reasons[0]) == "3 of 3 qualified leaders would exceed their weekly limit"


def test_week_limit_resets_in_the_next_iso_week():
    sun, mon = D(2027, 1, 17), D(2027, 1, 18)
    a = need("a", start="09:00", end="12:00", dates=(sun,))
    b = need("b", start="09:00", end="12:00", dates=(mon,))
    p = problem([leader("l1", windows=[(7, "08:00", "13:00"), (1, "08:00", "13:00")], per_week=180)], [a, b])
    u = only(explain(p, [Assignment("a", sun, "l1")]))
    assert codes(u) == ["eligible-unassigned"]


# ---- several stages, counts ---------------------------------------------------------------------

def test_funnel_reports_binding_stage_and_later_losses_only():
    leaders = [leader(f"w{i}", windows=[(1, "08:00", "12:00")]) for i in range(5)]   # wrong day
    leaders += [leader("abs", absences=[(THU, THU)]), leader("busy"), leader("ok")]
    p = problem(leaders, [need("n1", seats=3), need("other", start="17:00", end="21:00")])
    u = only(explain(p, [Assignment("other", THU, "busy")]))
    # 8 leaders; 5 drop at the window (3 left >= 3 missing, not binding), then absent, busy bind
    assert codes(u) == ["absent", "busy", "eligible-unassigned"]
    assert [r.args.get("count") for r in u.reasons] == [1, 1, 1]
    assert find(u, "absent").args["of"] == 3


def test_requirement_scarce_names_the_scarce_skill():
    leaders = [leader("f1", ["female", "licence:B"]), leader("f2", ["female", "licence:B"]),
               leader("m1", ["licence:B"]), leader("m2", ["licence:B"])]
    p = problem(leaders, [need(seats=2, skills=["female", "licence:B"]),
                          need("other", start="17:00", end="19:00")])
    u = only(explain(p, [Assignment("other", THU, "f2")]))
    assert u.need == "n1"
    assert codes(u) == ["busy", "requirement-scarce", "eligible-unassigned"]
    r = find(u, "requirement-scarce")
    assert r.args == {"count": 1, "requirement": "female", "weekday": 4, "start": "18:00", "end": "20:00"}
    assert str(r) == "only 1 leader with female is free Thu 18:00-20:00"
    # licence:B has 3 free holders, enough for the 2 missing seats: not named


# ---- the reason API -----------------------------------------------------------------------------

def test_reason_codes_cover_everything_and_params_are_plain():
    leaders = [leader("l1", ["lang:so"], credentials={"bg": D(2027, 1, 1)}), leader("l2", per_day=60)]
    p = problem(leaders, [need(skills=["lang:so"], credentials=["bg"]), need("n2", skills=["x"]),
                          need("n3", seats=4)])
    for u in explain(p, []):
        assert u.reasons
        for r in u.reasons:
            assert r.code in REASON_CODES
            assert all(isinstance(v, (str, int, dt.date)) for _, v in r.params)
            assert "{" not in str(r)
    assert set(REASON_CODES_ONE) <= set(REASON_CODES)


def test_format_with_other_templates():
    r = Reason.of("not-available", count=2, of=3, weekday=4, start="18:00", end="20:00")
    sv = {"not-available": "{count} av {of} kvalificerade ledare kan inte {weekday_name} {start}–{end}"}
    names = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")
    assert r.format(sv, weekday_names=names) == "2 av 3 kvalificerade ledare kan inte tor 18:00–20:00"
    assert r.as_dict() == {"code": "not-available",
                           "params": {"count": 2, "of": 3, "weekday": 4, "start": "18:00", "end": "20:00"}}
    assert hash(r) == hash(Reason.of("not-available", count=2, of=3, weekday=4, start="18:00", end="20:00"))


def test_unknown_needs_and_leaders_in_assignments_are_ignored():
    p = problem([leader("l1")], [need()])
    u = only(explain(p, [Assignment("nope", THU, "l1"), Assignment("n1", THU, "ghost")]))
    assert u.missing == 1
