"""Properties checked on generated input (hypothesis).

1. The exchange format and ``pool import``: a generated valid problem survives parse → import → build
   → export unchanged, up to the documented normalisations; a randomly broken document is either
   imported consistently or refused with one line naming the field, never a traceback, and a refused
   import leaves every table as it was.
2. Recurrence: the days a need runs (``pool.needs.occurrence_days``) follow its rules exactly on
   generated needs and school calendars.
3. The report's CSV and XLSX files: any text, a need titled ``=cmd|' /C calc'!A0`` included, is written
   as text a spreadsheet will not run, and numbers stay numbers.
"""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import json
from collections import Counter

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pool import db
from pool.calendar import holidays_between
from pool.cli import BadInput, main
from pool.cli import _read_problem as read_problem
from pool.exchange import ExchangeError, parse_problem, problem_to_doc
from pool.leaders import assignment_span
from pool.models import (Assignment, Base, CalendarKind, CalendarPeriod, Need, Pool, Site)
from pool.needs import occurrence_days
from pool.planning import ImportConflict, build_problem, import_problem
from solver import problem as sp

D = dt.date
FIRST_DAY = D(2026, 12, 1)  # the generated calendars span Christmas, Epiphany and the spring holidays
# Derandomized, so CI runs the same examples every time and a failure reproduces; not shrunk, because
# shrinking an example that goes through a database takes minutes (the failing example is printed).
SETTINGS = dict(deadline=None, database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

# ------------------------------------------------------------------------------------------- strategies
names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
ids = st.text("abcxyz-1", min_size=1, max_size=6)
days = st.integers(0, 150).map(lambda n: FIRST_DAY + dt.timedelta(days=n))
clock_times = st.integers(0, 95).map(lambda q: f"{q * 15 // 60:02d}:{q * 15 % 60:02d}")
end_times = st.one_of(clock_times, st.just("24:00"))
minutes = st.integers(0, 2000)


@st.composite
def problem_docs(draw) -> dict:
    """A valid pool-problem/1 document: every reference resolves, every value is in range."""
    start = draw(days)
    end = start + dt.timedelta(days=draw(st.integers(0, 27)))
    site_ids = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    club_ids = draw(st.lists(ids, min_size=1, max_size=2, unique=True))
    leader_ids = draw(st.lists(ids, max_size=3, unique=True))
    need_ids = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    optional = lambda key, strategy: {key: draw(strategy)} if draw(st.booleans()) else {}  # noqa: E731
    leaders = [{
        "id": i, "club": draw(st.sampled_from(club_ids)), **optional("name", names),
        "skills": draw(st.lists(ids, max_size=2)),
        "credentials": [{"kind": k, "valid_until": draw(days).isoformat()} for k in draw(st.lists(ids, max_size=2))],
        "availability": [{"weekday": draw(st.integers(1, 7)), "start": draw(clock_times), "end": draw(end_times)}
                         for _ in range(draw(st.integers(0, 3)))],
        "absences": [{"from": a.isoformat(), "to": (a + dt.timedelta(days=draw(st.integers(0, 5)))).isoformat(),
                      **optional("reason", names)} for a in draw(st.lists(days, max_size=2))],
        **optional("max_minutes_per_day", minutes), **optional("max_minutes_per_week", minutes),
    } for i in leader_ids]
    needs = []
    for i in need_ids:
        need = {"id": i, "site": draw(st.sampled_from(site_ids)), "title": draw(names),
                "start": draw(clock_times), "end": draw(end_times), "seats": draw(st.integers(1, 5)),
                "priority": draw(st.integers(1, 5)), "skills": draw(st.lists(ids, max_size=2)),
                "credentials": draw(st.lists(ids, max_size=2)),
                "except_dates": [d.isoformat() for d in draw(st.lists(days, max_size=3))]}
        if draw(st.booleans()):
            need["weekdays"] = draw(st.lists(st.integers(1, 7), min_size=1, max_size=4))
            need.update(optional("from", days.map(D.isoformat)))
            need.update(optional("until", days.map(D.isoformat)))
            if "from" in need and "until" in need and need["until"] < need["from"]:
                need["from"], need["until"] = need["until"], need["from"]
        else:
            need["dates"] = [d.isoformat() for d in draw(st.lists(days, min_size=1, max_size=3))]
        needs.append(need)
    entries = lambda: [{"need": draw(st.sampled_from(need_ids)), "leader": l,  # noqa: E731
                        "date": draw(days).isoformat()} for l in draw(st.lists(st.sampled_from(leader_ids)))] \
        if leader_ids else []
    travel = [{"from": a, "to": b, "minutes": draw(minutes)}
              for a, b in itertools.combinations(site_ids, 2) if draw(st.booleans())]
    return {"format": "pool-problem/1", "name": draw(ids), "timezone": "Europe/Stockholm",
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "default_travel_minutes": draw(minutes),
            "sites": [{"id": i, **optional("name", names), **optional("area", names)} for i in site_ids],
            "clubs": [{"id": i, **optional("name", names), **optional("pledged_minutes_per_week", minutes)}
                      for i in club_ids],
            "travel_minutes": travel, "leaders": leaders, "needs": needs,
            "baseline": entries(), "pinned": entries()}


def _paths(value, path=()):
    """Every place in a JSON document, as key paths."""
    yield path
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from _paths(child, (*path, key))


# Values that are wrong for most places: wrong types, out of range, unknown as references, too long for
# a column, or text PostgreSQL cannot store.
WRONG_TYPES = [None, True, 1.5, [], [None], {}, {"id": "x"}]
EXTREME_TEXT = ["", "ghost", "a" * 61, "a" * 201, "x\x00y", "25:00", "24:00", "2027-02-30", "2027-1-1",
                "1999-01-01", "Mars/Base"]
EXTREME_NUMBERS = [0, -1, 8, 2**31, 10**30]


@st.composite
def broken_docs(draw) -> dict:
    """A valid document with one to three random changes. Most replace a value by one of its own type at
    an extreme (too long, NUL, unknown reference, out of range, too large) or of another type; the rest
    remove a key or list item, or add a key."""
    doc = draw(problem_docs())
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from([p for p in _paths(doc) if p]))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        old = parent[path[-1]]
        action = draw(st.sampled_from(["extreme", "extreme", "extreme", "type", "remove", "add"]))
        if action == "extreme" and isinstance(old, str):
            parent[path[-1]] = draw(st.sampled_from(EXTREME_TEXT))
        elif action == "extreme" and isinstance(old, int) and not isinstance(old, bool):
            parent[path[-1]] = draw(st.sampled_from(EXTREME_NUMBERS))
        elif action == "remove":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "id", "weekdays", "dates", "site", "club"]))] = \
                copy.deepcopy(draw(st.sampled_from(WRONG_TYPES + EXTREME_TEXT + EXTREME_NUMBERS)))
        else:
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(WRONG_TYPES + EXTREME_NUMBERS)))
    return doc


# ------------------------------------------------------------------------------------------- exchange
def as_stored(problem: sp.Problem) -> sp.Problem:
    """What ``build_problem`` gives back after ``import_problem``, by the documented normalisations:
    empty names become the id; absences lose their reason (personal data stays in the database) and
    only those touching the period remain, in date order; a need that does not run in the period is
    left out, and its except-dates keep only days it would have run; baseline and pinned keep the
    period's days."""
    start, end = problem.start, problem.end

    def runs(need: sp.Need) -> bool:
        if need.dates:
            return any(start <= d <= end for d in need.dates)
        return (need.first is None or need.first <= end) and (need.last is None or need.last >= start)

    def need(n: sp.Need) -> sp.Need:
        would = set(sp.occurrence_dates(start, end, weekdays=n.weekdays, dates=n.dates, first=n.first, last=n.last))
        return dataclasses.replace(n, title=n.title or n.id, except_dates=frozenset(n.except_dates & would))

    def leader(l: sp.Leader) -> sp.Leader:
        return dataclasses.replace(
            l, name=l.name or l.id, availability=_windows(l.availability),
            absences=tuple(sorted((sp.Absence(a.first, a.last) for a in l.absences
                                   if a.first <= end and a.last >= start), key=lambda a: (a.first, a.last))))

    in_period = lambda entries: tuple(a for a in entries if start <= a.date <= end)  # noqa: E731
    return dataclasses.replace(
        problem, sites={k: dataclasses.replace(s, name=s.name or s.id) for k, s in problem.sites.items()},
        clubs={k: dataclasses.replace(c, name=c.name or c.id) for k, c in problem.clubs.items()},
        leaders={k: leader(l) for k, l in problem.leaders.items()},
        needs={k: need(n) for k, n in problem.needs.items() if runs(n)},
        baseline=in_period(problem.baseline), pinned=in_period(problem.pinned))


def _windows(windows) -> tuple:
    return tuple(sorted(windows, key=lambda w: (w.weekday, w.start, w.end)))


def rebuilt(session, pool, problem: sp.Problem) -> sp.Problem:
    """The pool's problem for the imported period, in the same canonical order as ``as_stored``."""
    built = build_problem(session, pool, problem.start, problem.end)
    return dataclasses.replace(
        built, name=problem.name,
        leaders={k: dataclasses.replace(l, availability=_windows(l.availability), absences=tuple(
            sorted(l.absences, key=lambda a: (a.first, a.last)))) for k, l in built.leaders.items()})


@pytest.fixture
def sqlite_sessions(tmp_path):
    """Sessions on one migrated SQLite file; each example opens its own and rolls it back."""
    url = f"sqlite:///{tmp_path / 'pool.sqlite'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    yield db.session_factory(engine)
    engine.dispose()


def known_entries_only(problem: sp.Problem) -> sp.Problem:
    """Reading a document drops baseline entries of needs or leaders it does not list (documented in
    ``_parse_baseline``). The pool's problem keeps published and pinned entries of needs that do not run
    in the period (the solver refuses such a pin by name, InfeasiblePin); the exchange format cannot name
    them, so ``problem_to_doc`` leaves them out."""
    known = lambda entries: tuple(a for a in entries if a.need in problem.needs and a.leader in problem.leaders)  # noqa: E731
    return dataclasses.replace(problem, baseline=known(problem.baseline), pinned=known(problem.pinned))


@settings(max_examples=150, **SETTINGS)
@given(doc=problem_docs())
def test_a_valid_problem_round_trips_through_the_format_and_the_database(sqlite_sessions, doc):
    problem = parse_problem(json.loads(json.dumps(doc)))
    assert parse_problem(json.loads(json.dumps(problem_to_doc(problem)))) == problem
    with sqlite_sessions() as session:
        pool = import_problem(session, problem, slug="generated", name=problem.name)
        back = rebuilt(session, pool, problem)
        session.rollback()
    assert back == as_stored(problem)
    # what `pool export` writes reads back
    assert parse_problem(json.loads(json.dumps(problem_to_doc(back)))) == known_entries_only(back)


def row_counts(session) -> dict[str, int]:
    return {t: session.scalar(sa.select(sa.func.count()).select_from(sa.table(t))) for t in Base.metadata.tables}


class ImportRun:
    """``pool import`` against one database: on SQLite the click command itself, run in this process;
    on PostgreSQL the same steps on a shared engine (the command makes an engine per run and leaves its
    connections to the process's end, which in a long test process means hundreds of open connections)."""

    def __init__(self, url: str, tmp_path, *, via_click: bool = True):
        self.url, self.tmp_path, self.via_click, self.runs = url, tmp_path, via_click, itertools.count()
        self.engine = db.make_engine(url)

    def __call__(self, doc: dict) -> tuple[str, int, str]:
        """Import ``doc`` as pool ``p<n>``; returns the slug, the exit status and what went to stderr."""
        n = next(self.runs)
        source = self.tmp_path / f"doc{n}.json"
        source.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        slug = f"p{n}"
        if self.via_click:
            result = CliRunner().invoke(main, ["import", str(source), "--pool", slug],
                                        env={"POOL_DATABASE_URL": self.url})
            assert result.exit_code in (0, 2), f"crashed: {result.exception!r}\n{result.output}"
            return slug, result.exit_code, result.stderr
        try:
            problem = read_problem(source)
            with db.transaction(self.engine) as session:
                import_problem(session, problem, slug=slug, name=problem.name)
        except BadInput as error:
            return slug, error.exit_code, f"pool: {error.format_message()}\n"
        except ImportConflict as error:  # the command's own translation of a taken id
            return slug, 2, f"pool: {error}\n"
        return slug, 0, ""

    def counts(self) -> dict[str, int]:
        with db.session_factory(self.engine)() as session:
            return row_counts(session)


def check_broken_import(run: ImportRun, doc: dict) -> str:
    """Import a broken document; return "accepted" or "refused" after checking the outcome's rules."""
    before = run.counts()
    slug, status, stderr = run(doc)
    if status == 2:
        line = stderr.strip()
        assert line.startswith("pool: ") and "\n" not in line, line
        assert run.counts() == before, "a refused import changed the database"
        return "refused"
    problem = parse_problem(doc)  # accepted by the CLI, so the parser accepts it too
    with db.session_factory(run.engine)() as session:
        pool = session.scalar(sa.select(Pool).where(Pool.slug == slug))
        assert rebuilt(session, pool, problem) == as_stored(problem)
    return "accepted"


@pytest.fixture(scope="module")
def sqlite_import(tmp_path_factory):
    """One migrated SQLite file for all examples (migrating per example is slow); each import makes
    its own pool."""
    path = tmp_path_factory.mktemp("imports")
    url = f"sqlite:///{path / 'pool.sqlite'}"
    db.upgrade(url)
    run = ImportRun(url, path)
    yield run
    run.engine.dispose()


@settings(max_examples=300, **SETTINGS)
@given(doc=broken_docs())
def test_a_broken_problem_is_imported_consistently_or_refused_in_one_line(sqlite_import, doc):
    try:
        parse_problem(copy.deepcopy(doc))
    except ExchangeError as error:
        assert "\n" not in str(error) and error.path is not None
    check_broken_import(sqlite_import, doc)


@pytest.mark.postgres
def test_broken_problems_on_postgresql(postgres_admin, tmp_path):
    """A smaller run on PostgreSQL, which, unlike SQLite, enforces column sizes and refuses NUL text."""
    from tests.conftest import _migrated_postgres
    with _migrated_postgres(postgres_admin) as url:
        run = ImportRun(url, tmp_path, via_click=False)
        outcomes = []

        @settings(max_examples=60, **SETTINGS)
        @given(doc=broken_docs())
        def import_on_postgres(doc):
            outcomes.append(check_broken_import(run, doc))

        import_on_postgres()
        run.engine.dispose()
    assert "refused" in outcomes and "accepted" in outcomes, Counter(outcomes)


# ------------------------------------------------------------------------------------------- recurrence
@st.composite
def needs_and_calendars(draw):
    """A need as stored (weekly or one-off, with skipped dates, maybe following the school calendar),
    school breaks, and a period to look at."""
    first = draw(days)
    last = first + dt.timedelta(days=draw(st.integers(0, 60)))
    breaks = []
    for _ in range(draw(st.integers(0, 3))):
        b = draw(days)
        breaks.append((b, b + dt.timedelta(days=draw(st.integers(0, 9)))))
    weekly = draw(st.booleans())
    need_first = draw(st.one_of(st.none(), days))
    need_last = draw(st.one_of(st.none(), days))
    if need_first and need_last and need_last < need_first:
        need_first, need_last = need_last, need_first
    need = dict(
        weekdays=sorted(set(draw(st.lists(st.integers(1, 7), min_size=1, max_size=7)))) if weekly else [],
        dates=sorted({d.isoformat() for d in draw(st.lists(days, min_size=1, max_size=5))}) if not weekly else [],
        first_day=need_first if weekly else None, last_day=need_last if weekly else None,
        skipped_dates=sorted({d.isoformat() for d in draw(st.lists(days, max_size=6))}),
        follows_school_calendar=draw(st.booleans()),
        start_minute=draw(st.integers(0, 1439)), end_minute=draw(st.integers(0, 1440)))
    return need, breaks, first, last


@pytest.fixture
def calendar_pool(sqlite_sessions):
    with sqlite_sessions() as session:
        pool = Pool(slug="calendar", name="Calendar")
        session.add(pool)
        session.flush()
        session.add(Site(pool_id=pool.id, code="s", name="S"))
        session.commit()
    return sqlite_sessions


def expected_days(need: dict, breaks, first: dt.date, last: dt.date) -> list[dt.date]:
    """The rules as the need form and docstrings state them, written out day by day."""
    skipped = {D.fromisoformat(d) for d in need["skipped_dates"]}
    holidays = holidays_between("SE", first, last)
    result = []
    for day in (first + dt.timedelta(days=i) for i in range((last - first).days + 1)):
        if need["dates"]:
            if day.isoformat() not in need["dates"]:
                continue
        elif day.isoweekday() not in need["weekdays"] \
                or (need["first_day"] and day < need["first_day"]) or (need["last_day"] and day > need["last_day"]):
            continue
        if day in skipped:
            continue
        if need["follows_school_calendar"] and (day in holidays or any(a <= day <= b for a, b in breaks)):
            continue
        result.append(day)
    return result


@settings(max_examples=200, **SETTINGS)
@given(case=needs_and_calendars())
def test_a_need_runs_exactly_on_the_days_its_rules_give(calendar_pool, case):
    need_fields, breaks, first, last = case
    with calendar_pool() as session:
        pool = session.scalar(sa.select(Pool).where(Pool.slug == "calendar"))
        site = session.scalar(sa.select(Site).where(Site.pool_id == pool.id))
        check_occurrences(session, pool, site, need_fields, breaks, first, last)
        session.rollback()


def check_occurrences(session, pool, site, need_fields, breaks, first, last) -> None:
    session.add_all(CalendarPeriod(pool_id=pool.id, kind=CalendarKind.school_break, name="lov", first_day=a,
                                   last_day=b) for a, b in breaks)
    need = Need(pool_id=pool.id, code="n", site_id=site.id, title="N", **need_fields)
    session.add(need)
    session.flush()
    found = occurrence_days(session, pool, need, first, last)
    holidays = holidays_between("SE", first, last)

    assert list(found) == sorted(set(found))  # in order, each day once
    for day in found:
        assert first <= day <= last
        if need.dates:
            assert day.isoformat() in need.dates
        else:
            assert day.isoweekday() in need.weekdays
            assert need.first_day is None or day >= need.first_day
            assert need.last_day is None or day <= need.last_day
        assert day.isoformat() not in need.skipped_dates
        if need.follows_school_calendar:
            assert day not in holidays and not any(a <= day <= b for a, b in breaks)
    assert list(found) == expected_days(need_fields, breaks, first, last)  # and no day is missing

    # looking at a period in two parts gives the same days as looking at it whole
    middle = first + (last - first) // 2
    parts = occurrence_days(session, pool, need, first, middle) + \
        occurrence_days(session, pool, need, middle + dt.timedelta(days=1), last)
    assert parts == found

    # an occurrence's times belong to its start day; an end at or before the start is the next day
    for day in found[:3]:
        start, end = assignment_span(Assignment(need=need, day=day))
        assert start.date() == day and start < end <= start + dt.timedelta(days=1)
        past_midnight = need.end_minute <= need.start_minute or need.end_minute == 1440
        assert end.date() == day + dt.timedelta(days=1 if past_midnight else 0)


# ------------------------------------------------------------------------------------------- report files
cell_text = st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20),
                      st.sampled_from(["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "+1", "-1+1", "@SUM(A1)",
                                       "\t=1", "–", "<5"]))


@settings(max_examples=60, **SETTINGS)
@given(texts=st.lists(cell_text, min_size=1, max_size=6), numbers=st.lists(st.integers(-10**6, 10**6), max_size=3))
def test_report_files_keep_text_as_text_and_numbers_as_numbers(texts, numbers):
    import csv
    import io

    import openpyxl

    from pool.report_export import FORMULA_STARTS, Table, csv_text, xlsx_bytes
    table = Table("t", texts[0], headers=texts, rows=[texts, numbers])
    written = list(csv.reader(io.StringIO(csv_text(table).removeprefix("\ufeff"), newline="")))
    for text, cell in zip(texts, written[1]):
        assert cell == ("'" + text if text.startswith(FORMULA_STARTS) else text)
        assert not cell.startswith(FORMULA_STARTS)
    assert written[2] == [str(n) for n in numbers]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([table])), data_only=False).active
    header, row, figures = (list(r) for r in sheet.iter_rows(min_row=2, max_row=4))
    for cells in (header, row):
        for text, cell in zip(texts, cells[:len(texts)], strict=True):
            assert cell.data_type != "f" and (cell.value or "") == text  # shown as written, never run
    assert [c.value for c in figures[:len(numbers)]] == numbers
