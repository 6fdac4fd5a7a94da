"""Judge a schedule against the hard rules and measure it, independently of the solver's model.

The web app uses this for hand edits (:func:`check_assignment`) and the bench uses it to judge
solver output (:func:`violations`, :func:`metrics`). Rules are numbered as in the exchange format:

1. a known need and leader, on a date that is an occurrence of the need;
2. no more leaders than seats, no leader twice in one occurrence;
3. the leader is available (one window of the start date's weekday holds the whole occurrence)
   and not absent that date;
4. the leader has every required skill and every credential valid that date;
5. no overlapping assignments, and travel time between different sites;
6. day and week minute caps (a day is the start date, a week its ISO week);
7. every pinned assignment is in the schedule.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional

from solver.problem import DAY, WEEKDAY_NAMES, Assignment, Leader, Need, Problem, clock


@dataclass(frozen=True)
class Violation:
    """One broken hard rule. ``message`` is English; ``code`` + ``params`` let the UI translate it."""
    rule: int
    need: Optional[str]
    date: Optional[dt.date]
    leader: Optional[str]
    message: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Metrics:
    fill: float
    filled_weight: int
    total_weight: int
    filled_seats: int
    total_seats: int
    occurrences: int
    continuity: Optional[float]          # per series (need, ISO weekday); None when nothing assigned
    continuity_need: Optional[float]     # the same per need, all weekdays together
    stability: Optional[float]           # kept / still feasible; None without a feasible baseline
    baseline_size: int
    baseline_still_feasible: int
    baseline_kept: int
    minutes_per_leader: Mapping[str, float]   # min, median, max over leaders used; used, leaders
    club_shares: Mapping[str, float]
    assigned_minutes: int


# ------------------------------------------------------------------------------- single assignment
def _interval(need: Need, day: dt.date) -> tuple[int, int]:
    """The occurrence as absolute minutes, so that days and midnight crossings compare directly."""
    base = day.toordinal() * DAY
    return base + need.start, base + need.end


def _when(need: Need, day: dt.date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day} {clock(need.start)}-{clock(need.end)}"


def _occurrence_sets(problem: Problem) -> dict[str, frozenset[dt.date]]:
    cache = _OCCURRENCES.get(id(problem))
    if cache is None or cache[0] is not problem:
        cache = (problem, {n.id: frozenset(n.occurrences) for n in problem.needs.values()})
        _OCCURRENCES.clear()  # one problem at a time is what callers use; keep memory bounded
        _OCCURRENCES[id(problem)] = cache
    return cache[1]


_OCCURRENCES: dict[int, tuple[Problem, dict]] = {}


def single_violations(problem: Problem, a: Assignment) -> list[Violation]:
    """Rules 1, 3 and 4 for one assignment on its own."""
    need, leader = problem.needs.get(a.need), problem.leaders.get(a.leader)
    found = []
    if need is None:
        found.append(Violation(1, a.need, a.date, a.leader, f"unknown need {a.need!r}",
                               "unknown_need", {"need": a.need}))
    if leader is None:
        found.append(Violation(1, a.need, a.date, a.leader, f"unknown leader {a.leader!r}",
                               "unknown_leader", {"leader": a.leader}))
    if found:
        return found
    if a.date not in _occurrence_sets(problem)[need.id]:
        return [Violation(1, a.need, a.date, a.leader,
                          f"{a.date} ({WEEKDAY_NAMES[a.date.weekday()]}) is not an occurrence of {need.id}",
                          "not_an_occurrence", {"need": need.id, "date": a.date})]
    return _availability(need, leader, a) + _qualification(need, leader, a)


def _availability(need: Need, leader: Leader, a: Assignment) -> list[Violation]:
    found = []
    if not leader.is_available(a.date, need.start, need.end):
        found.append(Violation(3, a.need, a.date, a.leader,
                               f"{leader.id} is not available {_when(need, a.date)}",
                               "not_available", {"leader": leader.id, "when": _when(need, a.date)}))
    absence = next((x for x in leader.absences if x.covers(a.date)), None)
    if absence:
        found.append(Violation(3, a.need, a.date, a.leader,
                               f"{leader.id} is absent {absence.first}..{absence.last}",
                               "absent", {"leader": leader.id, "first": absence.first, "last": absence.last}))
    return found


def _qualification(need: Need, leader: Leader, a: Assignment) -> list[Violation]:
    found = []
    for skill in sorted(need.skills - leader.skills):
        found.append(Violation(4, a.need, a.date, a.leader, f"{leader.id} lacks skill {skill}",
                               "missing_skill", {"leader": leader.id, "skill": skill}))
    for kind in sorted(need.credentials):
        until = leader.credentials.get(kind)
        if until is None:
            found.append(Violation(4, a.need, a.date, a.leader, f"{leader.id} lacks credential {kind}",
                                   "missing_credential", {"leader": leader.id, "credential": kind}))
        elif until < a.date:
            found.append(Violation(4, a.need, a.date, a.leader,
                                   f"{leader.id}'s credential {kind} expired {until}",
                                   "credential_expired", {"leader": leader.id, "credential": kind,
                                                          "until": until}))
    return found


def still_feasible(problem: Problem, a: Assignment) -> bool:
    """Could this assignment stand on its own: rules 1, 3, 4, and its minutes within the caps."""
    if single_violations(problem, a):
        return False
    minutes, leader = problem.needs[a.need].minutes, problem.leaders[a.leader]
    return all(cap is None or minutes <= cap
               for cap in (leader.max_minutes_per_day, leader.max_minutes_per_week))


# ------------------------------------------------------------------------------- whole schedule
def violations(problem: Problem, assignments: Iterable[Assignment]) -> list[Violation]:
    """Every hard rule broken by ``assignments``."""
    assignments = list(assignments)
    found: list[Violation] = []
    valid = _rule_1_and_singles(problem, assignments, found)
    found += _seat_violations(problem, valid)
    by_leader: dict[str, list[Assignment]] = defaultdict(list)
    for a in valid:
        by_leader[a.leader].append(a)
    for leader_id in sorted(by_leader):
        found += _timing_violations(problem, by_leader[leader_id])
        found += _cap_violations(problem, problem.leaders[leader_id], by_leader[leader_id])
    present = set(assignments)
    found += [Violation(7, p.need, p.date, p.leader, f"pinned {p.leader} on {p.need} {p.date} is missing",
                        "pin_missing", {"need": p.need, "date": p.date, "leader": p.leader})
              for p in problem.pinned if p not in present]
    return found


def _rule_1_and_singles(problem: Problem, assignments: list[Assignment],
                        found: list[Violation]) -> list[Assignment]:
    """Report rules 1, 3, 4 and repeats (once per repeated assignment); return the distinct
    assignments that pass rule 1."""
    seen: Counter = Counter()
    valid = []
    for a in assignments:
        single = single_violations(problem, a)
        found += single
        if any(v.rule == 1 for v in single):
            continue
        seen[a] += 1
        if seen[a] == 1:
            valid.append(a)
        elif seen[a] == 2:
            found.append(Violation(2, a.need, a.date, a.leader,
                                   f"{a.leader} appears more than once in {a.need} {a.date}",
                                   "duplicate_leader", {"leader": a.leader}))
    return valid


def _seat_violations(problem: Problem, valid: list[Assignment]) -> list[Violation]:
    counts = Counter((a.need, a.date) for a in valid)
    found = []
    for (need_id, day), count in sorted(counts.items()):
        seats = problem.needs[need_id].seats
        if count > seats:
            found.append(Violation(2, need_id, day, None, f"{count} leaders on {need_id} {day} but {seats} seats",
                                   "too_many_leaders", {"count": count, "seats": seats}))
    return found


def _placed(problem: Problem, items: Iterable[Assignment]) -> list[tuple[int, int, str, Assignment]]:
    rows = []
    for a in items:
        need = problem.needs[a.need]
        rows.append((*_interval(need, a.date), need.site, a))
    rows.sort(key=lambda r: (r[0], r[1], r[3]))
    return rows


def _clash(problem: Problem, first, second) -> Optional[Violation]:
    """Rule 5 between two placed assignments of one leader, ``first`` starting no later."""
    s1, e1, site1, a1 = first
    s2, e2, site2, a2 = second
    if s2 < e1 and s1 < e2:
        return Violation(5, a2.need, a2.date, a2.leader, f"{a2.leader}: {a2.need} {a2.date} overlaps "
                         f"{a1.need} {a1.date}", "overlap", {"other_need": a1.need, "other_date": a1.date})
    travel = problem.travel_minutes(site1, site2)
    if s2 - e1 < travel:
        return Violation(5, a2.need, a2.date, a2.leader,
                         f"{a2.leader}: only {s2 - e1} min between {a1.need} at {site1} and {a2.need} at "
                         f"{site2}, travel needs {travel}",
                         "travel", {"gap": s2 - e1, "travel": travel, "other_need": a1.need,
                                    "other_date": a1.date})
    return None


def _max_travel(problem: Problem) -> int:
    return max([problem.default_travel, *problem.travel.values()])


def _timing_violations(problem: Problem, items: list[Assignment]) -> list[Violation]:
    rows = _placed(problem, items)
    horizon = _max_travel(problem)
    found = []
    for i, first in enumerate(rows):
        for second in rows[i + 1:]:
            if second[0] >= first[1] + horizon:
                break
            clash = _clash(problem, first, second)
            if clash:
                found.append(clash)
    return found


def _minutes_by_day_and_week(problem: Problem, items: Iterable[Assignment]):
    per_day: Counter = Counter()
    per_week: Counter = Counter()
    for a in items:
        minutes = problem.needs[a.need].minutes
        per_day[a.date] += minutes
        per_week[a.date.isocalendar()[:2]] += minutes
    return per_day, per_week


def _cap_violations(problem: Problem, leader: Leader, items: list[Assignment]) -> list[Violation]:
    per_day, per_week = _minutes_by_day_and_week(problem, items)
    found = []
    if leader.max_minutes_per_day is not None:
        found += [Violation(6, None, day, leader.id, f"{leader.id}: {m} min on {day}, "
                            f"max {leader.max_minutes_per_day} a day", "day_cap",
                            {"minutes": m, "cap": leader.max_minutes_per_day})
                  for day, m in sorted(per_day.items()) if m > leader.max_minutes_per_day]
    if leader.max_minutes_per_week is not None:
        found += [Violation(6, None, None, leader.id, f"{leader.id}: {m} min in week {y}-W{w:02d}, "
                            f"max {leader.max_minutes_per_week} a week", "week_cap",
                            {"minutes": m, "cap": leader.max_minutes_per_week, "week": f"{y}-W{w:02d}"})
                  for (y, w), m in sorted(per_week.items()) if m > leader.max_minutes_per_week]
    return found


# ------------------------------------------------------------------------------- one hand edit
def check_assignment(problem: Problem, assignments: Iterable[Assignment],
                     candidate: Assignment) -> list[Violation]:
    """What adding ``candidate`` to a schedule would break (rules 1-6); the rest is not rechecked."""
    found = single_violations(problem, candidate)
    if any(v.rule == 1 for v in found):
        return found
    need = problem.needs[candidate.need]
    leader = problem.leaders[candidate.leader]
    same_occurrence, same_leader = _neighbours(problem, assignments, candidate)
    if candidate.leader in same_occurrence:
        found.append(Violation(2, need.id, candidate.date, leader.id,
                               f"{leader.id} is already on {need.id} {candidate.date}",
                               "duplicate_leader", {"leader": leader.id}))
        return found
    if len(same_occurrence) >= need.seats:
        found.append(Violation(2, need.id, candidate.date, None, f"{need.id} {candidate.date} already has "
                               f"{len(same_occurrence)} of {need.seats} seats filled",
                               "too_many_leaders", {"count": len(same_occurrence) + 1, "seats": need.seats}))
    found += _candidate_timing(problem, same_leader, candidate)
    week = candidate.date.isocalendar()[:2]
    found += [v for v in _cap_violations(problem, leader, [*same_leader, candidate])
              if v.date == candidate.date or v.params.get("week") == "%d-W%02d" % week]
    return found


def _neighbours(problem: Problem, assignments: Iterable[Assignment], candidate: Assignment):
    """Leaders already on the candidate's occurrence, and the candidate leader's other assignments."""
    same_occurrence: set[str] = set()
    same_leader: set[Assignment] = set()
    for a in assignments:
        if a.need == candidate.need and a.date == candidate.date:
            same_occurrence.add(a.leader)
        if a.leader == candidate.leader and a != candidate and a.need in problem.needs:
            same_leader.add(a)
    return same_occurrence, same_leader


def _candidate_timing(problem: Problem, same_leader: set[Assignment], candidate: Assignment) -> list[Violation]:
    need = problem.needs[candidate.need]
    placed_candidate = (*_interval(need, candidate.date), need.site, candidate)
    horizon = _max_travel(problem)
    found = []
    for other in _placed(problem, same_leader):
        if other[0] >= placed_candidate[1] + horizon or placed_candidate[0] >= other[1] + horizon:
            continue
        first, second = sorted((other, placed_candidate), key=lambda r: (r[0], r[1]))
        clash = _clash(problem, first, second)
        if clash:
            found.append(Violation(5, candidate.need, candidate.date, candidate.leader, clash.message,
                                   clash.code, clash.params))
    return found


# ------------------------------------------------------------------------------- metrics
def metrics(problem: Problem, assignments: Iterable[Assignment]) -> Metrics:
    """Fill, continuity, stability and balance; assignments that break rule 1 are ignored."""
    occurrence_sets = _occurrence_sets(problem)
    valid = list(dict.fromkeys(
        a for a in assignments
        if a.need in problem.needs and a.leader in problem.leaders and a.date in occurrence_sets[a.need]))
    crews: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
    for a in valid:
        crews[(a.need, a.date)].append(a.leader)
    fill = _fill(problem, crews)
    stability, feasible, kept = _stability(problem, valid)
    minutes = _minutes_per_leader(problem, valid)
    return Metrics(
        **fill,
        continuity=_continuity(problem, crews, lambda need, day: (need, day.isoweekday())),
        continuity_need=_continuity(problem, crews, lambda need, day: (need,)),
        stability=stability, baseline_size=len(problem.baseline),
        baseline_still_feasible=feasible, baseline_kept=kept,
        minutes_per_leader=_spread(minutes, len(problem.leaders)),
        club_shares=_club_shares(problem, minutes), assigned_minutes=sum(minutes.values()))


def _fill(problem: Problem, crews: dict) -> dict:
    """Priority x minutes of filled seats (at most ``seats`` per occurrence) over all seats."""
    total_weight = total_seats = occurrences = 0
    for need in problem.needs.values():
        count = len(need.occurrences)
        occurrences += count
        total_seats += count * need.seats
        total_weight += count * need.seats * need.priority * need.minutes
    filled_weight = filled_seats = 0
    for (need_id, _), leaders in crews.items():
        need = problem.needs[need_id]
        counted = min(len(leaders), need.seats)
        filled_seats += counted
        filled_weight += counted * need.priority * need.minutes
    return {"fill": filled_weight / total_weight if total_weight else 1.0,
            "filled_weight": filled_weight, "total_weight": total_weight,
            "filled_seats": filled_seats, "total_seats": total_seats, "occurrences": occurrences}


def _continuity(problem: Problem, crews: dict, series_of) -> Optional[float]:
    """Mean over series of min(1, seats / distinct leaders), weighted by staffed occurrences."""
    people: dict[tuple, set[str]] = defaultdict(set)
    staffed: Counter = Counter()
    for (need_id, day), leaders in crews.items():
        key = series_of(need_id, day)
        people[key].update(leaders)
        staffed[key] += 1
    total = sum(staffed.values())
    if not total:
        return None
    score = sum(count * min(1.0, problem.needs[key[0]].seats / len(people[key]))
                for key, count in staffed.items())
    return score / total


def _stability(problem: Problem, valid: list[Assignment]) -> tuple[Optional[float], int, int]:
    kept_set = set(valid)
    feasible = [a for a in problem.baseline if still_feasible(problem, a)]
    kept = sum(a in kept_set for a in feasible)
    return (kept / len(feasible) if feasible else None), len(feasible), kept


def _minutes_per_leader(problem: Problem, valid: list[Assignment]) -> dict[str, int]:
    minutes = {leader_id: 0 for leader_id in problem.leaders}
    for a in valid:
        minutes[a.leader] += problem.needs[a.need].minutes
    return minutes


def _spread(minutes: dict[str, int], leader_count: int) -> dict[str, float]:
    used = sorted(m for m in minutes.values() if m > 0)
    return {"min": used[0] if used else 0, "median": statistics.median(used) if used else 0,
            "max": used[-1] if used else 0, "used": len(used), "leaders": leader_count,
            "share_used": len(used) / leader_count if leader_count else 0.0}


def _club_shares(problem: Problem, minutes: dict[str, int]) -> dict[str, float]:
    per_club = {club_id: 0 for club_id in problem.clubs}
    for leader_id, m in minutes.items():
        per_club[problem.leaders[leader_id].club] += m
    total = sum(per_club.values())
    return {club_id: (m / total if total else 0.0) for club_id, m in sorted(per_club.items())}
