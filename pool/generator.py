"""Deterministic, realistic planning problems shaped like Sandviken's: schools with recess hosts
on fixed weekday pairs, sportfritids with a driver, girls' groups, interpreter meetings, night
football every Friday and Saturday, night walks past midnight and city hosts on weekends.

Same arguments give an identical :class:`Problem`. Supply is tight on purpose: a good schedule
fills most but not all seats.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import replace
from typing import Optional

import holidays

from solver.problem import (DAY, Absence, Assignment, Club, Leader, Need, Problem, Site, Window,
                            occurrence_dates)

BACKGROUND_CHECK = "background-check"
DRIVER, FEMALE = "licence:B", "female"

# (id, name, share of leaders, pledged minutes per week)
CLUBS = [
    ("sif", "Sandvikens IF – Framsteget", 0.32, 12000),
    ("saik", "Sandvikens AIK Bandy", 0.20, 6000),
    ("stensatra", "Stensätra IF", 0.14, 3000),
    ("hogbo", "Högbo GK", 0.07, 1200),
    ("storvik", "Storviks IF", 0.09, 2000),
    ("jarbo", "Järbo IF", 0.06, None),
    ("sbk", "Sandvikens Basketklubb", 0.07, 1500),
    ("kungsgarden", "Kungsgårdens SK", 0.05, None),
]

# (area, east km, north km from Stora torget)
AREAS = [
    ("Centrum", 0.0, 0.0), ("Sätra", 1.2, -1.8), ("Björksätra", 2.4, -2.3), ("Vallhov", -1.4, 1.1),
    ("Nordanbäck", -0.8, 2.4), ("Norrsätra", 2.9, 0.3), ("Hedåsen", -2.1, -1.0), ("Barrsätra", 0.9, 2.7),
    ("Bergsåker", -3.2, 0.2), ("Hammargården", 0.4, -3.1), ("Kungsgården", -21.0, -7.0),
    ("Järbo", -17.5, 13.0), ("Storvik", -23.5, -9.5), ("Årsunda", -32.0, -15.0), ("Åshammar", -29.0, 5.5),
    ("Gysinge", 7.5, -37.0), ("Valbo", 14.0, 2.5), ("Forsbacka", 6.5, 2.0), ("Ockelbo", 8.0, 31.0),
    ("Hofors", -41.0, -19.0),
]

SCHOOL_NAMES = [
    "Sätraskolan", "Björksätraskolan", "Vallhovskolan", "Nordanbäcksskolan", "Norrsätraskolan",
    "Hedåsskolan", "Barrsätraskolan", "Bergsåkersskolan", "Hammargårdsskolan", "Murgårdsskolan",
    "Jäderbergsskolan", "Kungsgårdsskolan", "Järbo skola", "Storviksskolan", "Årsunda skola",
    "Åshammars skola", "Mackmyra skola", "Sandbackaskolan", "Skogsbacksskolan", "Gysinge skola",
]

# skill -> share of leaders who have it (before scarcity)
LANGUAGES = [("lang:sv", 0.86), ("lang:en", 0.72), ("lang:ar", 0.24), ("lang:so", 0.13), ("lang:ti", 0.09),
             ("lang:prs", 0.08), ("lang:fa", 0.07), ("lang:ku", 0.06)]
SCARCE = {DRIVER, FEMALE, "lang:so", "lang:ti", "lang:prs"}
INTERPRETED = ["lang:so", "lang:ar", "lang:ti", "lang:prs", "lang:so", "lang:ar"]
FIRST_NAMES = ["Amina", "Ahmed", "Sara", "Johan", "Fatima", "Elias", "Hodan", "Omar", "Elin", "Yonas",
               "Maryam", "Erik", "Ali", "Linnea", "Abdi", "Saba", "Oskar", "Nour", "Wilma", "Hamid",
               "Ebba", "Mustafa", "Filip", "Aisha", "Liban", "Alva", "Zainab", "Viktor", "Selam", "Hugo"]
SURNAME_INITIALS = "ABDEFGHJKLMNOPRSTVWY"


def generate(seed: int, leaders: int, schools: int, weeks: int, *, scarcity: float = 0.0,
             absence_rate: float = 0.05, baseline: bool = False,
             start: dt.date = dt.date(2027, 1, 25)) -> Problem:
    """A problem over ``weeks`` ISO weeks from the Monday of ``start``.

    ``scarcity`` >= 0 makes drivers, female leaders and Somali/Tigrinya/Dari speakers
    ``1 + 2 × scarcity`` times rarer and the needs that ask for them ``1 + scarcity / 2`` times
    as frequent. With ``baseline`` the problem carries a published schedule
    built before new absences and expired credentials that now break part of it.
    """
    problem, rnd = _problem_and_dice(seed, leaders, schools, weeks, scarcity, absence_rate, start)
    if baseline:
        return _with_baseline(replace(problem, name=problem.name + "-replan"), rnd)
    return replace(problem, pinned=_pick_pins(problem, rnd, [], _pin_count(problem)))


def published_before_changes(seed: int, leaders: int, schools: int, weeks: int, *, scarcity: float = 0.0,
                             absence_rate: float = 0.05, start: dt.date = dt.date(2027, 1, 25)) -> Problem:
    """The problem as it stood when the baseline of ``generate(..., baseline=True)`` was built."""
    return _problem_and_dice(seed, leaders, schools, weeks, scarcity, absence_rate, start)[0]


def _problem_and_dice(seed, leaders, schools, weeks, scarcity, absence_rate, start):
    rnd = random.Random(f"pool-generator/{seed}/{leaders}/{schools}/{weeks}/{scarcity}/{absence_rate}")
    first = start - dt.timedelta(days=start.isoweekday() - 1)
    last = first + dt.timedelta(weeks=weeks, days=-1)
    world = _World(rnd, first, last)
    world.place_sites(schools)
    world.add_leaders(leaders, scarcity, absence_rate)
    world.add_needs(schools, scarcity)
    return world.problem(f"sandviken-s{seed}-{leaders}l-{schools}s-{weeks}w"), rnd


def sizes(problem: Problem) -> dict[str, int]:
    occurrences = sum(len(n.occurrences) for n in problem.needs.values())
    seats = sum(len(n.occurrences) * n.seats for n in problem.needs.values())
    return {"leaders": len(problem.leaders), "needs": len(problem.needs), "occurrences": occurrences,
            "seats": seats}


# ------------------------------------------------------------------------------- calendar
def school_closed_days(first: dt.date, last: dt.date) -> set[dt.date]:
    """Public holidays and the Swedish school breaks: sportlov (week 9), påsklov (the week of
    Easter Monday), höstlov (week 44), jullov and the summer break."""
    closed: set[dt.date] = set()
    for year in range(first.year, last.year + 1):
        public = holidays.Sweden(years=year, include_sundays=False)
        closed |= set(public)
        easter_monday = next(d for d, name in public.items() if "Easter Monday" in name)
        closed |= _iso_week(year, 9) | _iso_week(year, 44) | _iso_week(*easter_monday.isocalendar()[:2])
        closed |= _date_range(dt.date(year, 12, 21), dt.date(year, 12, 31))
        closed |= _date_range(dt.date(year, 1, 1), dt.date(year, 1, 7))
        closed |= _date_range(dt.date(year, 6, 12), dt.date(year, 8, 17))
    return {d for d in closed if first <= d <= last}


def _iso_week(year: int, week: int) -> set[dt.date]:
    return {dt.date.fromisocalendar(year, week, day) for day in range(1, 8)}


def _date_range(first: dt.date, last: dt.date) -> set[dt.date]:
    return {first + dt.timedelta(days=i) for i in range((last - first).days + 1)}


def _hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


# ------------------------------------------------------------------------------- the world
class _World:
    """Collects sites, leaders and needs while a problem is generated."""

    def __init__(self, rnd: random.Random, first: dt.date, last: dt.date):
        self.rnd, self.first, self.last = rnd, first, last
        self.sites: dict[str, Site] = {}
        self.position: dict[str, tuple[float, float]] = {}
        self.leaders: dict[str, Leader] = {}
        self.needs: dict[str, Need] = {}
        self.schools: list[str] = []
        self.estates: list[str] = []
        self.city: list[str] = []
        self.offices: list[str] = []
        self.closed = school_closed_days(first, last)

    # --- sites
    def place_sites(self, schools: int) -> None:
        for i in range(schools):
            area = AREAS[i % len(AREAS)]
            name = SCHOOL_NAMES[i] if i < len(SCHOOL_NAMES) else f"{area[0]}skolan {i // len(AREAS) + 1}"
            self.schools.append(self._site(name, area))
        for i in range(max(1, round(schools / 4))):
            area = AREAS[i % len(AREAS)]
            self.estates.append(self._site(f"{area[0]} bollplan (Sandvikenhus) {i // len(AREAS) + 1}", area))
        for i in range(max(1, round(schools / 20))):
            area = AREAS[(i * 7) % len(AREAS)]
            self.city.append(self._site(f"{area[0]} centrum {i + 1}", area))
            self.offices.append(self._site(f"Socialtjänsten {area[0]} {i + 1}", area))

    def _site(self, name: str, area: tuple[str, float, float]) -> str:
        ident = _slug(name)
        self.sites[ident] = Site(ident, name, area[0])
        self.position[ident] = (area[1] + self.rnd.uniform(-0.6, 0.6), area[2] + self.rnd.uniform(-0.6, 0.6))
        return ident

    def travel(self) -> dict[tuple[str, str], int]:
        """Driving minutes: a few to get going plus about 1.2 min per km as the crow flies."""
        ids = sorted(self.sites)
        out = {}
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                (xa, ya), (xb, yb) = self.position[a], self.position[b]
                out[(a, b)] = 4 + round(1.2 * math.hypot(xa - xb, ya - yb))
        return out

    # --- leaders
    def add_leaders(self, count: int, scarcity: float, absence_rate: float) -> None:
        for i in range(count):
            ident = f"l-{i + 1:04d}"
            profile = self.rnd.choices(["student", "daytime", "evenings"], [0.42, 0.33, 0.25])[0]
            day_cap, week_cap = self._caps(profile)
            self.leaders[ident] = Leader(
                id=ident, club=self.rnd.choices([c[0] for c in CLUBS], [c[2] for c in CLUBS])[0],
                name=f"{self.rnd.choice(FIRST_NAMES)} {self.rnd.choice(SURNAME_INITIALS)}.",
                skills=self._skills(profile, scarcity), credentials=self._credentials(),
                availability=self._availability(profile), absences=self._absences(absence_rate),
                max_minutes_per_day=day_cap, max_minutes_per_week=week_cap)

    def _skills(self, profile: str, scarcity: float) -> frozenset[str]:
        def has(skill: str, share: float) -> bool:
            rarity = 1 + 2 * scarcity if skill in SCARCE else 1
            return self.rnd.random() < share / rarity
        skills = {skill for skill, share in LANGUAGES if has(skill, share)}
        skills |= {FEMALE} if has(FEMALE, 0.46) else set()
        skills |= {DRIVER} if has(DRIVER, 0.30 if profile == "student" else 0.55) else set()
        return frozenset(skills or {"lang:en"})

    def _credentials(self) -> dict[str, dt.date]:
        roll = self.rnd.random()
        if roll < 0.17:
            return {}
        if roll < 0.27:  # expires during the period and has not been renewed yet
            return {BACKGROUND_CHECK: self._day_in_period()}
        return {BACKGROUND_CHECK: self.last + dt.timedelta(days=self.rnd.randint(30, 700))}

    def _day_in_period(self) -> dt.date:
        return self.first + dt.timedelta(days=self.rnd.randint(0, (self.last - self.first).days))

    def _availability(self, profile: str) -> tuple[Window, ...]:
        windows = []
        # most leaders give two to four weekdays, and part of a day rather than all of it
        weekdays = self.rnd.sample(range(1, 6), self.rnd.choices([2, 3, 4, 5], [0.2, 0.4, 0.25, 0.15])[0])
        for weekday in sorted(weekdays):
            if profile == "daytime":
                windows.append(self._window(weekday, self.rnd.choice(["07:30", "08:00", "09:00"]),
                                            self.rnd.choice(["15:00", "16:30", "17:00"])))
            elif profile == "student":
                windows.append(self._window(weekday, self.rnd.choice(["11:00", "13:00", "14:00"]),
                                            self.rnd.choice(["18:00", "19:00", "21:00", "22:00"])))
            elif self.rnd.random() < 0.6:
                windows.append(self._window(weekday, "16:00", "22:00"))
        windows += self._weekend_windows(profile)
        return tuple(sorted(windows, key=lambda w: (w.weekday, w.start)))

    def _weekend_windows(self, profile: str) -> list[Window]:
        night_share, weekend_share = {"student": (0.45, 0.3), "daytime": (0.08, 0.2),
                                      "evenings": (0.8, 0.6)}[profile]
        windows = []
        for weekday in (5, 6):
            if self.rnd.random() < night_share:
                windows.append(self._window(weekday, "18:00", self.rnd.choice(["01:00", "02:30"])))
        for weekday in (6, 7):
            if self.rnd.random() < weekend_share and not any(w.weekday == weekday for w in windows):
                windows.append(self._window(weekday, "09:00", "18:00"))
        return windows

    @staticmethod
    def _window(weekday: int, start: str, end: str) -> Window:
        s, e = _hm(start), _hm(end)
        return Window(weekday, s, e if e > s else e + DAY)

    def _caps(self, profile: str) -> tuple[Optional[int], Optional[int]]:
        week = {"student": [600, 720, 900], "daytime": [900, 1080, 1200], "evenings": [600, 720, 900]}[profile]
        day = self.rnd.choices([360, 480, None], [0.1, 0.86, 0.04])[0]
        return day, self.rnd.choice(week)

    def _absences(self, rate: float) -> tuple[Absence, ...]:
        """Sick spells (each week with probability ``rate``) and now and then a week off."""
        out = []
        monday = self.first
        while monday <= self.last:
            if self.rnd.random() < rate:
                begin = monday + dt.timedelta(days=self.rnd.randint(0, 6))
                out.append(Absence(begin, begin + dt.timedelta(days=self.rnd.randint(0, 4))))
            monday += dt.timedelta(weeks=1)
        if self.rnd.random() < 0.04:
            begin = self._day_in_period()
            out.append(Absence(begin, begin + dt.timedelta(days=6)))
        return tuple(out)

    # --- needs
    def add_needs(self, schools: int, scarcity: float = 0.0) -> None:
        self.leaders_per_school = len(self.leaders) / max(1, schools)
        self.rare_demand = 1 + scarcity / 2  # needs asking for a scarce skill come this much more often
        for i, school in enumerate(self.schools):
            self._school_needs(school, i)
        for i, estate in enumerate(self.estates):
            self._night_football(estate, i)
        for i, city in enumerate(self.city):
            self._city_and_night_walks(city, i)
        for office in self.offices:
            self._interpreter_meetings(office, schools)

    def _need(self, ident: str, site: str, title: str, start: str, end: str, seats: int, priority: int,
              *, weekdays=(), dates=(), skills=(), credentials=(), school=False) -> None:
        s, e = _hm(start), _hm(end)
        days = tuple(sorted(weekdays))
        dates = tuple(sorted(set(dates)))
        candidates = dates or [d for d in _date_range(self.first, self.last) if d.isoweekday() in days]
        except_dates = frozenset(d for d in candidates if d in self.closed) if school else frozenset()
        occurrences = occurrence_dates(self.first, self.last, weekdays=days, dates=dates,
                                       except_dates=except_dates)
        if not occurrences:
            return
        self.needs[ident] = Need(
            id=ident, site=site, title=title, start=s, end=e if e > s else e + DAY, seats=seats,
            priority=priority, skills=frozenset(skills), credentials=frozenset(credentials),
            weekdays=days, dates=dates, except_dates=except_dates, occurrences=occurrences)

    def _likely(self, share: float) -> float:
        """Schools ask for more where the pool has more leaders per school (7.5 is typical)."""
        return min(1.0, share * self.leaders_per_school / 7.5)

    def _school_needs(self, school: str, index: int) -> None:
        pair, other_pair = ((2, 4), (1, 3)) if index % 2 == 0 else ((1, 3), (2, 4))
        check = (BACKGROUND_CHECK,)
        big = self.rnd.random() < self._likely(0.3)
        self._need(f"{school}-rast-fm", school, "Rastvärdar förmiddag", "09:30", "10:15", 3 if big else 2, 3,
                   weekdays=pair, credentials=check, school=True)
        self._need(f"{school}-rast-lunch", school, "Rastvärdar lunch", "11:30", "12:45", 3 if big else 2, 4,
                   weekdays=pair, credentials=check, school=True)
        if self.rnd.random() < self._likely(0.35):
            self._need(f"{school}-heldag", school, "Rastvärd heldag", "08:15", "14:45", 1, 4,
                       weekdays=(self.rnd.choice(pair),), credentials=check, school=True)
        if self.rnd.random() < self._likely(0.6):
            self._need(f"{school}-rast-em", school, "Rastvärdar eftermiddag", "13:00", "13:45", 1, 2,
                       weekdays=other_pair, credentials=check, school=True)
        if self.rnd.random() < self._likely(0.7):
            days = (1, 2, 3, 4) if self.rnd.random() < 0.75 else other_pair
            drivers = 2 if self.rare_demand > 1 and self.rnd.random() < self.rare_demand - 1 else 1
            self._need(f"{school}-sportfritids-forare", school, "Sportfritids, förare", "14:30", "17:00",
                       drivers, 4, weekdays=days, skills=(DRIVER,), credentials=check, school=True)
            self._need(f"{school}-sportfritids", school, "Sportfritids", "14:30", "17:00", 3 if big else 2, 3,
                       weekdays=days, credentials=check, school=True)
        if self.rnd.random() < self._likely(0.6 * self.rare_demand):
            skills = (FEMALE,) if self.rnd.random() < 0.7 else (FEMALE, self.rnd.choice(INTERPRETED))
            self._need(f"{school}-tjejgrupp", school, "Tjejgrupp", "15:00", "16:30", 2, 3,
                       weekdays=(self.rnd.choice([2, 3, 4]),), skills=skills, credentials=check, school=True)

        if self.rnd.random() < self._likely(0.45):
            self._need(f"{school}-laxhjalp", school, "Läxhjälp", "15:00", "16:30", 2, 2,
                       weekdays=(self.rnd.choice([1, 2, 3, 4]),), skills=("lang:sv",), credentials=check,
                       school=True)

    def _night_football(self, estate: str, index: int) -> None:
        self._need(f"{estate}-fritidsgard", estate, "Fritidsgård kvällsvärdar", "18:00", "21:00", 2, 3,
                   weekdays=(2, 4) if index % 2 == 0 else (1, 3), credentials=(BACKGROUND_CHECK,))
        self._need(f"{estate}-nattfotboll", estate, "Nattfotboll", "20:00", "00:30", 3, 4,
                   weekdays=(5, 6), credentials=(BACKGROUND_CHECK,))
        if index % 2 == 0 or (self.rare_demand > 1 and self.rnd.random() < self.rare_demand - 1):
            self._need(f"{estate}-nattfotboll-tjejer", estate, "Nattfotboll tjejer", "19:00", "22:00", 1, 5,
                       weekdays=(6,), skills=(FEMALE,), credentials=(BACKGROUND_CHECK,))

    def _city_and_night_walks(self, city: str, index: int) -> None:
        self._need(f"{city}-cityvard-fm", city, "Cityvärdar förmiddag", "10:00", "14:00", 2, 2,
                   weekdays=(6, 7), skills=("lang:sv",))
        self._need(f"{city}-cityvard-em", city, "Cityvärdar eftermiddag", "14:00", "18:00", 2, 2,
                   weekdays=(6,), skills=("lang:sv",))
        for route in range(2):
            self._need(f"{city}-nattvandring-{route + 1}", city, "Nattvandring", "22:00", "02:00", 2, 3,
                       weekdays=(5, 6))

    def _interpreter_meetings(self, office: str, schools: int) -> None:
        """One-off parent-network evenings with an interpreter, about one per five schools a week."""
        weeks = ((self.last - self.first).days + 1) // 7
        for k in range(max(1, round(weeks * min(schools, 20) / 5 * self.rare_demand))):
            day = self.first + dt.timedelta(weeks=self.rnd.randrange(weeks), days=self.rnd.randint(0, 3))
            language = self.rnd.choice(INTERPRETED)
            self._need(f"{office}-nodstopp-{k + 1}", office, f"Nödstopp föräldramöte ({language[5:]})",
                       "18:00", "20:00", 1, 4, dates=(day,), skills=(language,))

    def problem(self, name: str) -> Problem:
        clubs = {c[0]: Club(c[0], c[1], c[3]) for c in CLUBS}
        return Problem(name=name, start=self.first, end=self.last, sites=self.sites, clubs=clubs,
                       leaders=self.leaders, needs=self.needs, travel=self.travel(), default_travel=15)


def _slug(name: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", " ": "-", ",": "", "(": "", ")": ""})
    return "-".join(part for part in name.lower().translate(table).split("-") if part)


# ------------------------------------------------------------------------------- greedy schedule
class _Ledger:
    """What each leader has taken so far, to test whether one more assignment fits (rules 2-6)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.max_travel = max([problem.default_travel, *problem.travel.values()])
        self.busy: dict[tuple[str, int], list[tuple[int, int, str]]] = defaultdict(list)
        self.day_minutes: dict[tuple[str, dt.date], int] = defaultdict(int)
        self.week_minutes: dict[tuple[str, tuple], int] = defaultdict(int)
        self.crew: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
        self.total: dict[str, int] = defaultdict(int)
        self.assignments: list[Assignment] = []

    def may_take(self, leader: Leader, need: Need, day: dt.date) -> bool:
        """Rules 3 and 4 alone."""
        return (leader.is_available(day, need.start, need.end) and not leader.is_absent(day)
                and need.skills <= leader.skills
                and all(leader.credential_valid(kind, day) for kind in need.credentials))

    def fits(self, leader: Leader, need: Need, day: dt.date) -> bool:
        crew = self.crew[(need.id, day)]
        if leader.id in crew or len(crew) >= need.seats or not self.may_take(leader, need, day):
            return False
        minutes = need.minutes
        if leader.max_minutes_per_day is not None and \
                self.day_minutes[(leader.id, day)] + minutes > leader.max_minutes_per_day:
            return False
        if leader.max_minutes_per_week is not None and \
                self.week_minutes[(leader.id, day.isocalendar()[:2])] + minutes > leader.max_minutes_per_week:
            return False
        return self._free(leader.id, need, day)

    def _free(self, leader_id: str, need: Need, day: dt.date) -> bool:
        base = day.toordinal() * DAY
        start, end = base + need.start, base + need.end
        for ordinal in (day.toordinal() - 1, day.toordinal(), day.toordinal() + 1):
            for s, e, site in self.busy[(leader_id, ordinal)]:
                gap = self.problem.travel_minutes(site, need.site)
                if start < e + gap and s < end + gap:
                    return False
        return True

    def take(self, leader: Leader, need: Need, day: dt.date) -> None:
        base = day.toordinal() * DAY
        self.busy[(leader.id, day.toordinal())].append((base + need.start, base + need.end, need.site))
        self.day_minutes[(leader.id, day)] += need.minutes
        self.week_minutes[(leader.id, day.isocalendar()[:2])] += need.minutes
        self.crew[(need.id, day)].add(leader.id)
        self.total[leader.id] += need.minutes
        self.assignments.append(Assignment(need.id, day, leader.id))


def greedy_schedule(problem: Problem) -> list[Assignment]:
    """A valid schedule, built series by series so that one leader keeps a seat week after week.

    Needs go by priority and then by how few leaders could serve them at all; for each series
    (need, weekday) and seat, the leader who can take most of its dates gets them, and the dates
    left over go to whoever fits.
    """
    ledger = _Ledger(problem)
    for need in _needs_in_order(problem):
        suitable = [l for l in problem.leaders.values() if need.skills <= l.skills]
        for dates in _series(need).values():
            for _ in range(need.seats):
                _fill_seat(ledger, need, dates, suitable)
    return ledger.assignments


def _needs_in_order(problem: Problem) -> list[Need]:
    def supply(need: Need) -> int:
        return sum(need.skills <= l.skills and need.credentials <= l.credentials.keys()
                   for l in problem.leaders.values())
    return sorted(problem.needs.values(), key=lambda n: (-n.priority, supply(n), -n.minutes, n.id))


def _series(need: Need) -> dict[int, list[dt.date]]:
    series: dict[int, list[dt.date]] = defaultdict(list)
    for day in need.occurrences:
        series[day.isoweekday()].append(day)
    return series


def _fill_seat(ledger: _Ledger, need: Need, dates: list[dt.date], suitable: list[Leader]) -> None:
    best, best_dates = None, []
    for leader in suitable:
        fitting = [d for d in dates if ledger.fits(leader, need, d)]
        if len(fitting) > len(best_dates) or (
                fitting and len(fitting) == len(best_dates) and ledger.total[leader.id] < ledger.total[best.id]):
            best, best_dates = leader, fitting
    for day in best_dates:
        ledger.take(best, need, day)
    for day in dates:
        if day in best_dates:
            continue
        stand_in = min((l for l in suitable if ledger.fits(l, need, day)),
                       key=lambda l: (ledger.total[l.id], l.id), default=None)
        if stand_in:
            ledger.take(stand_in, need, day)


# ------------------------------------------------------------------------------- baseline and pins
def _pin_count(problem: Problem) -> int:
    return 1 + len(problem.needs) // 60


def _pick_pins(problem: Problem, rnd: random.Random, pool: list[Assignment], count: int) -> tuple:
    """A few assignments a coordinator fixed by hand, jointly feasible. Drawn from ``pool`` when
    given (a valid schedule), else placed one by one where they fit."""
    if pool:
        return tuple(sorted(rnd.sample(pool, min(count, len(pool)))))
    ledger = _Ledger(problem)
    occurrences = [(n, d) for n in problem.needs.values() for d in n.occurrences]
    leaders = list(problem.leaders.values())
    for _ in range(count * 50):
        if len(ledger.assignments) >= count or not occurrences:
            break
        need, day = rnd.choice(occurrences)
        fitting = [l for l in leaders if ledger.fits(l, need, day)]
        if fitting:
            ledger.take(rnd.choice(fitting), need, day)
    return tuple(sorted(ledger.assignments))


def _with_baseline(problem: Problem, rnd: random.Random) -> Problem:
    """Publish a greedy schedule, then let life happen: new sick leave and credentials that turn
    out to expire earlier break part of it."""
    published = greedy_schedule(problem)
    used = sorted({a.leader for a in published})
    leaders = dict(problem.leaders)
    for leader_id in rnd.sample(used, max(1, len(used) // 10)):
        begin = problem.start + dt.timedelta(days=rnd.randint(0, (problem.end - problem.start).days))
        absence = Absence(begin, begin + dt.timedelta(days=rnd.randint(1, 6)))
        leaders[leader_id] = replace(leaders[leader_id], absences=leaders[leader_id].absences + (absence,))
    checked = [l for l in used if BACKGROUND_CHECK in leaders[l].credentials]
    for leader_id in rnd.sample(checked, max(1, len(checked) // 30)):
        credentials = dict(leaders[leader_id].credentials)
        credentials[BACKGROUND_CHECK] = problem.start + dt.timedelta(days=(problem.end - problem.start).days // 2)
        leaders[leader_id] = replace(leaders[leader_id], credentials=credentials)
    changed = replace(problem, leaders=leaders, baseline=tuple(sorted(published)))
    ledger = _Ledger(changed)
    still_valid = [a for a in published
                   if ledger.may_take(changed.leaders[a.leader], changed.needs[a.need], a.date)]
    return replace(changed, pinned=_pick_pins(changed, rnd, still_valid, _pin_count(changed)))
