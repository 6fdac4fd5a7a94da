"""Bulk import of leaders from CSV and XLSX, on SQLite and PostgreSQL."""
import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from pool import leader_import
from pool.errors import Invalid
from pool.models import Leader, Organisation, OrgKind, Pool

GOOD_CSV = """namn;e-post;färdigheter;intyg;tillgänglighet;timlön
Amina Yusuf;amina@example.se;lang:so female;background-check 2027-11-30;mån-fre 14:00-21:00; fre 19:00-02:00;145,50
Erik Berg;erik@example.se;licence:B;;lör 10-17;140
""".replace("mån-fre 14:00-21:00; fre 19:00-02:00", '"mån-fre 14:00-21:00; fre 19:00-02:00"')

BAD_CSV = """name,email,credentials,availability
,nobody@example.se,,
Amina Yusuf,amina@example.se,background-check 2027-13-01,
Erik Berg,AMINA@example.se,,fun 10-12
Sara Ek,sara@example.se,,mån 08:00-16:00
"""


@pytest.fixture
def club(session):
    pool = Pool(slug="test", name="Test")
    session.add(pool)
    session.flush()
    club = Organisation(pool_id=pool.id, code="sif", kind=OrgKind.club, name="SIF")
    session.add(club)
    session.flush()
    return club


def count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Leader))


def test_csv_rows_are_imported(session, club):
    records = leader_import.read_file("ledare.csv", GOOD_CSV.encode())
    rows = leader_import.check_rows(session, club, records)
    assert [row.errors for row in rows] == [[], []]
    amina, erik = leader_import.import_leaders(session, club, records)
    assert amina.skills == ["lang:so", "female"] and str(amina.hourly_wage) == "145.50"
    assert [(w.weekday, w.start_minute, w.end_minute) for w in amina.availability][-2:] == [(5, 840, 1260), (5, 1140, 120)]
    assert {c.kind: c.valid_until for c in amina.credentials} == {"background-check": dt.date(2027, 11, 30)}
    assert [(w.weekday, w.start_minute, w.end_minute) for w in erik.availability] == [(6, 600, 1020)]


def test_every_bad_row_is_reported_and_nothing_is_saved(session, club):
    records = leader_import.read_file("ledare.csv", BAD_CSV.encode())
    rows = leader_import.check_rows(session, club, records)
    assert [[e.field for e in row.errors] for row in rows] == [["name"], ["credentials"], ["availability", "email"], []]
    assert rows[1].errors[0].params == {"value": "2027-13-01"}
    with pytest.raises(Invalid) as error:
        leader_import.import_leaders(session, club, records)
    assert error.value.field == "file" and error.value.params == {"count": 3}
    assert count(session) == 0


def test_xlsx_is_read_with_dates_and_numbers(session, club):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "Email", "Credentials", "max_minutes_per_day", "Hourly_wage"])
    sheet.append(["Hodan Abdi", "hodan@example.se", "background-check 2027-09-15", 300, 135])
    sheet.append(["Bad Date", "", "background-check 15/9", "lots", None])
    content = io.BytesIO()
    book.save(content)
    records = leader_import.read_file("ledare.xlsx", content.getvalue())
    rows = leader_import.check_rows(session, club, records)
    assert rows[0].errors == [] and rows[0].data.max_minutes_per_day == 300
    assert [e.field for e in rows[1].errors] == ["credentials", "max_minutes_per_day"]


@pytest.mark.parametrize("filename, content", [
    ("ledare.xlsx", b"not a zip at all"),
    ("ledare.csv", b"email,phone\nx@y.se,1\n"),
    ("ledare.csv", b"\x00\x01binary"),
    ("ledare.pdf", b"name\nA\n"),
    ("ledare.csv", b" "),
    ("ledare.csv", b"name\n" + b"x" * (leader_import.MAX_BYTES + 1)),
])
def test_unreadable_files_are_refused_with_a_reason(filename, content):
    with pytest.raises(Invalid) as error:
        leader_import.read_file(filename, content)
    assert error.value.field == "file"
