"""Why an occurrence stayed (partly) unfilled, computed from the data.

:func:`explain` looks at every occurrence (need, date) that has fewer distinct leaders than seats and
runs the leaders who are not already on it through a funnel, one rule at a time:

1. skills        – the leader has every required skill
2. credentials   – every required credential is valid on the date
3. availability  – a weekly window on that weekday covers the whole occurrence
4. absence       – the leader is not absent on the date
5. busy          – no overlap with the leader's other assignments, nor too little travel time
6. day limit     – the occurrence fits under ``max_minutes_per_day``
7. week limit    – the occurrence fits under ``max_minutes_per_week``

The stage where the candidates fell below the number of missing seats, and every later stage that
removed someone, become reasons with counts ("2 of 3 qualified leaders are absent"). "Qualified"
means: passed the stages before. When the need has requirements, each one is also checked on its
own against the leaders who are free at that time (stages 3–7), which names the scarce requirement
("no leader with lang:so is free Thu 18:00-20:00").

A :class:`Reason` is a code plus plain parameters (str, int, date), so it can be rendered in any
language: :data:`REASON_CODES` holds the English templates, :data:`REASON_CODES_ONE` the English
singular variants used when ``count`` is 1, and :meth:`Reason.format` takes other templates.
Pure Python; no web or database imports.
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Sequence

from .problem import DAY, WEEKDAY_NAMES, Assignment, Need, Problem, Unfilled, clock

# --------------------------------------------------------------------------------------------------
# Reason codes and templates
# --------------------------------------------------------------------------------------------------

#: Every reason code with its English template. Placeholders are the reason's params, plus
#: ``weekday_name`` derived from the ISO ``weekday`` param. Dates render as ISO ``YYYY-MM-DD``.
REASON_CODES: dict[str, str] = {
    # stage 1: skills (and the pool itself)
    "no-leaders": "the pool has no leaders",
    "pool-too-small": "the pool has only {count} leaders",
    "skill-missing": "no leader has skill {skill}",
    "skills-not-combined": "no leader has all of {skills}",
    "skills-scarce": "only {count} leaders have {skills}",
    # stage 2: credentials valid on the date
    "credential-missing": "no qualified leader has credential {credential}",
    "credential-not-valid": "no qualified leader has credential {credential} valid on {date}",
    "credential-expired": "{count} of {of} qualified leaders have {credential} valid only until "
                          "{until} at the latest, before {date}",
    "credential-lacking": "{count} of {of} qualified leaders lack a valid {credential} on {date}",
    # stages 3-7
    "not-available": "{count} of {of} qualified leaders are not available {weekday_name} {start}-{end}",
    "absent": "{count} of {of} qualified leaders are absent",
    "busy": "{count} of {of} qualified leaders are already busy at that time "
            "(overlap, or too little travel time from another site)",
    "day-limit": "{count} of {of} qualified leaders would exceed their daily limit",
    "week-limit": "{count} of {of} qualified leaders would exceed their weekly limit",
    # one requirement on its own, against the leaders free at that time
    "requirement-not-free": "no leader with {requirement} is free {weekday_name} {start}-{end}",
    "requirement-scarce": "only {count} leaders with {requirement} are free {weekday_name} {start}-{end}",
    # nothing blocks: the schedule could take more
    "eligible-unassigned": "{count} eligible leaders are free but were not assigned",
}

#: English singular forms, used instead of :data:`REASON_CODES` when the ``count`` param is 1.
REASON_CODES_ONE: dict[str, str] = {
    "pool-too-small": "the pool has only 1 leader",
    "skills-scarce": "only 1 leader has {skills}",
    "credential-expired": "{count} of {of} qualified leaders has {credential} valid only until "
                          "{until}, before {date}",
    "credential-lacking": "{count} of {of} qualified leaders lacks a valid {credential} on {date}",
    "not-available": "{count} of {of} qualified leaders is not available {weekday_name} {start}-{end}",
    "absent": "{count} of {of} qualified leaders is absent",
    "busy": "{count} of {of} qualified leaders is already busy at that time "
            "(overlap, or too little travel time from another site)",
    "day-limit": "{count} of {of} qualified leaders would exceed their daily limit",
    "week-limit": "{count} of {of} qualified leaders would exceed their weekly limit",
    "requirement-scarce": "only 1 leader with {requirement} is free {weekday_name} {start}-{end}",
    "eligible-unassigned": "1 eligible leader is free but was not assigned",
}

#: The funnel's stages in order, each with the reason code it reports.
STAGES: tuple[str, ...] = ("skills", "credentials", "not-available", "absent", "busy",
                           "day-limit", "week-limit")


def render(code: str, params: Mapping[str, object], templates: Optional[Mapping[str, str]] = None,
           singular: Optional[Mapping[str, str]] = None,
           weekday_names: Sequence[str] = WEEKDAY_NAMES) -> str:
    """Fill the template for ``code`` with ``params``.

    Without ``templates`` the English ones are used (with their singular forms); pass other
    templates (and optionally singular forms and weekday names, Monday first) to translate.
    """
    if templates is None:
        templates = REASON_CODES
        if singular is None:
            singular = REASON_CODES_ONE
    values = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items()}
    weekday = params.get("weekday")
    if isinstance(weekday, int) and 1 <= weekday <= 7:
        values["weekday_name"] = weekday_names[weekday - 1]
    template = None
    if singular is not None and params.get("count") == 1:
        template = singular.get(code)
    if template is None:
        template = templates.get(code)
    if template is None:
        return code + "".join(f" {k}={v}" for k, v in values.items())
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


@dataclass(frozen=True)
class Reason:
    """One reason an occurrence stayed unfilled: a code from :data:`REASON_CODES` and its params."""
    code: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: str, **params: object) -> "Reason":
        return cls(code, tuple(params.items()))

    @property
    def args(self) -> dict[str, object]:
        """The params as a dict."""
        return dict(self.params)

    def get(self, key: str, default: object = None) -> object:
        return self.args.get(key, default)

    def format(self, templates: Optional[Mapping[str, str]] = None,
               singular: Optional[Mapping[str, str]] = None,
               weekday_names: Sequence[str] = WEEKDAY_NAMES) -> str:
        return render(self.code, self.args, templates, singular, weekday_names)

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form: dates as ISO strings."""
        return {"code": self.code,
                "params": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.params}}

    def __str__(self) -> str:
        return self.format()


# --------------------------------------------------------------------------------------------------
# The funnel
# --------------------------------------------------------------------------------------------------

_NEVER = dt.date.min  # "valid until" of a credential a leader does not hold


class Explainer:
    """Indexes a problem and a set of assignments once; explains any occurrence quickly."""

    def __init__(self, problem: Problem, assignments: Iterable[Assignment]):
        self.problem = problem
        leaders = problem.leaders
        needs = problem.needs
        self.all_leaders: frozenset[str] = frozenset(leaders)

        # skill -> leader ids
        skill_index: dict[str, set[str]] = defaultdict(set)
        for lid, leader in leaders.items():
            for skill in leader.skills:
                skill_index[skill].add(lid)
        self.skill_index = {k: frozenset(v) for k, v in skill_index.items()}

        # absences clipped to the period (with a margin), as date ordinals
        lo = problem.start.toordinal() - 2
        hi = problem.end.toordinal() + 2
        self.absent: dict[str, frozenset[int]] = {}
        for lid, leader in leaders.items():
            days: set[int] = set()
            for a in leader.absences:
                days.update(range(max(lo, a.first.toordinal()), min(hi, a.last.toordinal()) + 1))
            if days:
                self.absent[lid] = frozenset(days)

        # assignments: who sits on which occurrence, intervals per leader and day, minutes per day/week
        self.filled: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
        self.busy: dict[str, dict[int, list[tuple[int, int, str]]]] = defaultdict(lambda: defaultdict(list))
        self.day_minutes: dict[tuple[str, int], int] = defaultdict(int)
        self.week_minutes: dict[tuple[str, tuple[int, int]], int] = defaultdict(int)
        seen: set[tuple[str, dt.date, str]] = set()
        for a in assignments:
            key = (a.need, a.date, a.leader)
            if key in seen:
                continue
            seen.add(key)
            need = needs.get(a.need)
            if need is None or a.leader not in leaders:
                continue
            self.filled[(a.need, a.date)].add(a.leader)
            o = a.date.toordinal()
            base = o * DAY
            self.busy[a.leader][o].append((base + need.start, base + need.end, need.site))
            self.day_minutes[(a.leader, o)] += need.minutes
            self.week_minutes[(a.leader, _week(a.date))] += need.minutes

        self._travel: dict[tuple[str, str], int] = {}
        self._need_cache: dict[str, tuple[frozenset[str], dict[str, dt.date], list[dt.date]]] = {}
        self._window_cache: dict[tuple[int, int, int], frozenset[str]] = {}
        self._free_cache: dict[tuple[dt.date, int, int, str], frozenset[str]] = {}

    # ---- cached building blocks ---------------------------------------------------------------

    def travel(self, a: str, b: str) -> int:
        if a == b:
            return 0
        key = (a, b)
        t = self._travel.get(key)
        if t is None:
            t = self._travel[key] = self.problem.travel_minutes(a, b)
        return t

    def _need_facts(self, need: Need):
        """(leaders with all skills, leader -> earliest 'valid until' over required credentials,
        sorted list of those dates) for a need."""
        facts = self._need_cache.get(need.id)
        if facts is None:
            if need.skills:
                sets = sorted((self.skill_index.get(s, frozenset()) for s in need.skills), key=len)
                qualified = frozenset(sets[0].intersection(*sets[1:]))
            else:
                qualified = self.all_leaders
            until: dict[str, dt.date] = {}
            if need.credentials:
                for lid in qualified:
                    creds = self.problem.leaders[lid].credentials
                    until[lid] = min(creds.get(k) or _NEVER for k in need.credentials)
            facts = (qualified, until, sorted(until.values()))
            self._need_cache[need.id] = facts
        return facts

    def _window(self, weekday: int, start: int, end: int) -> frozenset[str]:
        """Leaders with a weekly window on ``weekday`` covering start..end."""
        key = (weekday, start, end)
        ids = self._window_cache.get(key)
        if ids is None:
            ids = frozenset(lid for lid, leader in self.problem.leaders.items()
                            if any(w.weekday == weekday and w.covers(start, end)
                                   for w in leader.availability))
            self._window_cache[key] = ids
        return ids

    def is_busy(self, lid: str, o: int, start: int, end: int, site: str) -> bool:
        """Whether an occurrence at absolute minutes start..end at ``site`` clashes with ``lid``'s
        assignments (overlap, or less than the travel time between different sites)."""
        days = self.busy.get(lid)
        if not days:
            return False
        for d in range(o - 2, o + 3):
            for s2, e2, site2 in days.get(d, ()):
                t = self.travel(site, site2)
                if start < e2 + t and s2 < end + t:
                    return True
        return False

    def over_day(self, lid: str, o: int, minutes: int) -> bool:
        limit = self.problem.leaders[lid].max_minutes_per_day
        return limit is not None and self.day_minutes.get((lid, o), 0) + minutes > limit

    def over_week(self, lid: str, week: tuple[int, int], minutes: int) -> bool:
        limit = self.problem.leaders[lid].max_minutes_per_week
        return limit is not None and self.week_minutes.get((lid, week), 0) + minutes > limit

    def _free(self, need: Need, date: dt.date) -> frozenset[str]:
        """Leaders who could take the occurrence's time and place, ignoring skills and credentials."""
        key = (date, need.start, need.end, need.site)
        ids = self._free_cache.get(key)
        if ids is None:
            o = date.toordinal()
            start, end = o * DAY + need.start, o * DAY + need.end
            week = _week(date)
            ids = frozenset(
                lid for lid in self._window(date.isoweekday(), need.start, need.end)
                if o not in self.absent.get(lid, ())
                and not self.is_busy(lid, o, start, end, need.site)
                and not self.over_day(lid, o, need.minutes)
                and not self.over_week(lid, week, need.minutes))
            self._free_cache[key] = ids
        return ids

    # ---- explaining ---------------------------------------------------------------------------

    def unfilled(self) -> tuple[Unfilled, ...]:
        out: list[tuple[tuple, Unfilled]] = []
        for need in self.problem.needs.values():
            for date in need.occurrences:
                have = len(self.filled.get((need.id, date), ()))
                missing = need.seats - have
                if missing <= 0:
                    continue
                reasons = self.explain_occurrence(need, date, missing)
                out.append(((date, need.start, need.id), Unfilled(need.id, date, missing, reasons)))
        out.sort(key=lambda pair: pair[0])
        return tuple(u for _, u in out)

    def explain_occurrence(self, need: Need, date: dt.date, missing: Optional[int] = None
                           ) -> tuple[Reason, ...]:
        """The reasons fewer than ``missing`` more leaders can sit on (need, date)."""
        taken = self.filled.get((need.id, date), set())
        if missing is None:
            missing = need.seats - len(taken)
        if missing <= 0:
            return ()
        reasons: list[Reason] = []
        explained: set[str] = set()   # requirements already named as missing outright
        weekday = date.isoweekday()
        o = date.toordinal()
        slot = dict(weekday=weekday, start=clock(need.start), end=clock(need.end))

        # stage 1: skills
        qualified_all, until, until_sorted = self._need_facts(need)
        qualified = qualified_all - taken if taken else qualified_all
        c0 = len(qualified)
        binding = c0 < missing
        if binding:
            if need.skills:
                if not qualified_all:
                    lacking = sorted(s for s in need.skills if not self.skill_index.get(s))
                    for s in lacking:
                        reasons.append(Reason.of("skill-missing", skill=s))
                    if not lacking:
                        reasons.append(Reason.of("skills-not-combined", skills=_join(need.skills)))
                    explained.update(need.skills)
                else:
                    reasons.append(Reason.of("skills-scarce", count=len(qualified_all),
                                             skills=_join(need.skills)))
            elif not self.all_leaders:
                reasons.append(Reason.of("no-leaders"))
            else:
                reasons.append(Reason.of("pool-too-small", count=len(self.all_leaders)))
        if c0 == 0:
            return tuple(reasons)

        # stage 2: credentials valid on the date
        if need.credentials:
            # count of qualified leaders whose earliest 'valid until' is on or after the date
            c1 = len(until_sorted) - bisect.bisect_left(until_sorted, date)
            c1 -= sum(1 for lid in taken if lid in until and until[lid] >= date)
        else:
            c1 = c0
        if c1 < c0 and (binding or c1 < missing):
            binding = True
            reasons.extend(self._credential_reasons(need, date, qualified, explained))
        if c1 == 0:
            reasons.extend(self._requirement_reasons(need, date, missing, explained, slot))
            return tuple(reasons)

        # stages 3-7 over the leaders with a window covering the occurrence
        candidates = self._window(weekday, need.start, need.end) & qualified
        if need.credentials:
            candidates = [lid for lid in candidates if until[lid] >= date]
        counts = [c1, len(candidates)]
        start, end = o * DAY + need.start, o * DAY + need.end
        week = _week(date)
        absent = self.absent
        left = []
        for lid in candidates:
            if o not in absent.get(lid, ()):
                left.append(lid)
        counts.append(len(left))
        left = [lid for lid in left if not self.is_busy(lid, o, start, end, need.site)]
        counts.append(len(left))
        left = [lid for lid in left if not self.over_day(lid, o, need.minutes)]
        counts.append(len(left))
        left = [lid for lid in left if not self.over_week(lid, week, need.minutes)]
        counts.append(len(left))

        for code, before, after in zip(STAGES[2:], counts, counts[1:]):
            if after < before and (binding or after < missing):
                binding = True
                params = dict(count=before - after, of=before)
                if code == "not-available":
                    params.update(slot)
                reasons.append(Reason(code, tuple(params.items())))
        eligible = counts[-1]
        if eligible < missing:
            reasons.extend(self._requirement_reasons(need, date, missing, explained, slot))
        if eligible:
            reasons.append(Reason.of("eligible-unassigned", count=eligible))
        return tuple(reasons)

    def _credential_reasons(self, need: Need, date: dt.date, qualified: frozenset[str],
                            explained: set[str]) -> list[Reason]:
        """Per required credential: nobody holds it, nobody holds it valid, or how many lack it."""
        out: list[Reason] = []
        leaders = self.problem.leaders
        n = len(qualified)
        for kind in sorted(need.credentials):
            valid = 0
            expired: list[dt.date] = []
            for lid in qualified:
                until = leaders[lid].credentials.get(kind)
                if until is None:
                    continue
                if until >= date:
                    valid += 1
                else:
                    expired.append(until)
            if valid == n:
                continue
            if valid == 0:
                explained.add(kind)
                if not expired:
                    out.append(Reason.of("credential-missing", credential=kind))
                    continue
                out.append(Reason.of("credential-not-valid", credential=kind, date=date))
            else:
                out.append(Reason.of("credential-lacking", count=n - valid, of=n, credential=kind,
                                     date=date))
            if expired:
                out.append(Reason.of("credential-expired", count=len(expired), of=n, credential=kind,
                                     until=max(expired), date=date))
        return out

    def _requirement_reasons(self, need: Need, date: dt.date, missing: int, explained: set[str],
                             slot: dict) -> list[Reason]:
        """Each requirement on its own against the leaders free at the occurrence's time."""
        requirements = [r for r in sorted(need.skills) if r not in explained]
        kinds = [k for k in sorted(need.credentials) if k not in explained]
        if not requirements and not kinds:
            return []
        free = self._free(need, date)
        out: list[Reason] = []
        counted = [(r, len(free & self.skill_index.get(r, frozenset()))) for r in requirements]
        leaders = self.problem.leaders
        for k in kinds:
            counted.append((k, sum(1 for lid in free if leaders[lid].credential_valid(k, date))))
        for r, n in counted:
            if n == 0:
                out.append(Reason.of("requirement-not-free", requirement=r, **slot))
            elif n < missing:
                out.append(Reason.of("requirement-scarce", count=n, requirement=r, **slot))
        return out


def _week(date: dt.date) -> tuple[int, int]:
    iso = date.isocalendar()
    return iso[0], iso[1]


def _join(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))


def explain(problem: Problem, assignments: Iterable[Assignment]) -> tuple[Unfilled, ...]:
    """Every occurrence with fewer distinct leaders than seats, with the reasons why.

    Assignments naming an unknown need or leader are ignored. Results are ordered by date, start
    time and need id.
    """
    return Explainer(problem, assignments).unfilled()
