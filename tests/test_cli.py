"""The `pool` command as a user runs it: a real process, a real database, one readable line on error."""
import json
import os
import re
import subprocess
import sys

import pytest
import sqlalchemy as sa

from pool.exchange import parse_problem, problem_to_doc
from pool.models import Base
from tests.builders import small_problem


def pool_cmd(database_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "POOL_DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "pool", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def row_counts(database_url: str) -> dict[str, int]:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        counts = {t: conn.scalar(sa.select(sa.func.count()).select_from(sa.table(t))) for t in Base.metadata.tables}
    engine.dispose()
    return counts


def export(database_url: str, tmp_path, first: str, last: str):
    out = tmp_path / f"{first}.json"
    done = pool_cmd(database_url, "export", "--from", first, "--to", last, "-o", str(out))
    assert done.returncode == 0, done.stderr
    return parse_problem(json.loads(out.read_text()))


def test_demo_exports_school_weeks_and_breaks(database_url, tmp_path):
    assert pool_cmd(database_url, "seed", "demo").returncode == 0
    week2 = export(database_url, tmp_path, "2027-01-11", "2027-01-17")
    assert len(week2.leaders) >= 80 and len(week2.sites) >= 15
    assert all(len(n.occurrences) == len(n.weekdays) for n in week2.needs.values() if n.id.startswith("rast-"))
    sportlov = export(database_url, tmp_path, "2027-03-01", "2027-03-07")  # week 9: school needs rest
    assert all(not n.occurrences for n in sportlov.needs.values() if n.id.startswith("rast-"))
    assert all(n.except_dates for n in sportlov.needs.values() if n.id.startswith("rast-"))
    assert len(sportlov.needs["nattfotboll-satra"].occurrences) == 2


def test_seeding_twice_is_refused_and_changes_nothing(database_url):
    assert pool_cmd(database_url, "seed", "demo").returncode == 0
    before = row_counts(database_url)
    again = pool_cmd(database_url, "seed", "demo")
    assert again.returncode == 2
    assert again.stderr.strip().count("\n") == 0 and "sandviken" in again.stderr
    assert row_counts(database_url) == before


def test_import_round_trips_through_export(database_url, tmp_path):
    doc = problem_to_doc(small_problem())
    source = tmp_path / "in.json"
    source.write_text(json.dumps(doc))
    assert pool_cmd(database_url, "import", str(source), "--pool", "small").returncode == 0
    done = pool_cmd(database_url, "export", "--pool", "small", "--from", "2027-01-11", "--to", "2027-01-24")
    assert done.returncode == 0, done.stderr
    assert parse_problem({**json.loads(done.stdout), "name": "small"}) == small_problem()


def broken(mutate) -> dict:
    doc = problem_to_doc(small_problem())
    mutate(doc)
    return doc


BAD_DOCUMENTS = {
    "unknown site": (lambda d: d["needs"][0].update(site="nowhere"), "needs[0].site", "nowhere"),
    "weekday 8": (lambda d: d["needs"][0].update(weekdays=[2, 8]), "needs[0].weekdays[1]", "8"),
    "end before start": (lambda d: d["period"].update(end="2027-01-01"), "period", "2027-01-01"),
    "bad time": (lambda d: d["leaders"][0]["availability"][0].update(end="25:00"),
                 "leaders[0].availability[0].end", "25:00"),
    "duplicate id": (lambda d: d["leaders"].append(dict(d["leaders"][0])), "leaders[2].id", "l1"),
    "impossible date": (lambda d: d["needs"][2].update(dates=["2027-02-30"]), "needs[2].dates[0]", "2027-02-30"),
    "unknown pinned leader": (lambda d: d["pinned"][0].update(leader="ghost"), "pinned[0].leader", "ghost"),
}


@pytest.mark.parametrize("case", BAD_DOCUMENTS, ids=list(BAD_DOCUMENTS))
def test_bad_import_names_the_field_and_leaves_the_database_as_it_was(database_url, tmp_path, case):
    mutate, field, value = BAD_DOCUMENTS[case]
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(broken(mutate)))
    before = row_counts(database_url)
    done = pool_cmd(database_url, "import", str(source))
    assert done.returncode == 2
    line = done.stderr.strip()
    assert "\n" not in line and field in line and value in line, line
    assert row_counts(database_url) == before


def test_not_json_is_one_line_too(database_url, tmp_path):
    source = tmp_path / "bad.json"
    source.write_text("{not json")
    done = pool_cmd(database_url, "import", str(source))
    assert done.returncode == 2 and "not valid JSON" in done.stderr and done.stderr.count("\n") == 1


def test_a_pool_name_too_long_for_a_slug_is_one_line(database_url, tmp_path):
    source = tmp_path / "long.json"
    source.write_text(json.dumps({**problem_to_doc(small_problem()), "name": "x" * 61}))
    before = row_counts(database_url)
    done = pool_cmd(database_url, "import", str(source))
    assert done.returncode == 2 and "longer than 60 characters" in done.stderr and done.stderr.count("\n") == 1
    assert row_counts(database_url) == before
    assert pool_cmd(database_url, "import", "--pool", "short", str(source)).returncode == 0


def test_export_with_an_unknown_pool_fails_cleanly(database_url):
    done = pool_cmd(database_url, "export", "--pool", "atlantis", "--from", "2027-01-11", "--to", "2027-01-17")
    assert done.returncode == 2 and "--pool: no pool named 'atlantis'" in done.stderr


def test_bench_prints_its_table():
    done = pool_cmd("sqlite://", "bench", "--sizes", "S")  # the benchmark needs no database
    assert done.returncode == 0, done.stderr
    machine, before, header, _, *rows, after = [line for line in done.stdout.splitlines() if line.strip()]
    assert re.fullmatch(r"machine: \d+ cores, Python [\d.]+, OR-Tools [\d.]+", machine), machine
    speed = r"10\^7 Python additions in \d+\.\d\d s; 0\.\d\d s of CP-SAT work in \d+\.\d\d s"
    assert re.fullmatch(f"speed before: {speed}", before) and re.fullmatch(f"speed after: {speed}", after)
    assert "fill" in header and "continuity" in header
    assert [row.split()[0] for row in rows] == ["S"]


def test_bench_with_an_unknown_size_fails_cleanly():
    done = pool_cmd("sqlite://", "bench", "--sizes", "S,XL")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "pool: --sizes: unknown size(s) XL; choose from S, M, M-scarce, R, L\n"
