"""Bulk import of leaders from CSV and XLSX, on SQLite and PostgreSQL."""
import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from pool import leader_import
from pool.errors import Invalid
from pool.models import Leader

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


# ------------------------------------------------------------------------------ odd and hostile files
def xlsx_file(rows: list[list], *, dimension: str | None = None, far_row: int | None = None) -> bytes:
    """A workbook with ``rows``; ``dimension`` overwrites the size the sheet declares, ``far_row`` puts a
    leader that far down with empty rows between."""
    import re
    import zipfile
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    if far_row:
        book.active.cell(row=far_row, column=1, value="Far Down")
    plain = io.BytesIO()
    book.save(plain)
    if dimension is None:
        return plain.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="%s"' % dimension.encode(), data)
            target.writestr(item, data)
    return out.getvalue()


def refusal(filename: str, content: bytes) -> Invalid:
    with pytest.raises(Invalid) as error:
        leader_import.read_file(filename, content)
    assert error.value.field == "file"
    return error.value


def test_csv_in_utf16_and_in_windows_1252_is_read():
    unicode_text = "namn\te-post\nÅsa Öberg\tasa@example.se\n".encode("utf-16")  # Excel's "Unicode text", with BOM
    assert leader_import.read_file("ledare.txt", unicode_text) == [{"name": "Åsa Öberg", "email": "asa@example.se"}]
    latin = "namn;e-post\nÅsa Öberg;asa@example.se\n".encode("cp1252")
    assert leader_import.read_file("ledare.csv", latin) == [{"name": "Åsa Öberg", "email": "asa@example.se"}]
    assert refusal("ledare.csv", "namn\nÅsa\n".encode("utf-16")[:-1]).message == "The file is not a CSV text file."


def test_unknown_columns_are_left_out_and_a_missing_header_is_refused():
    records = leader_import.read_file("ledare.csv", b"shoe size,name,notes\n42,Eva Ny,likes chess\n")
    assert records == [{"name": "Eva Ny"}]
    assert "'name'" in refusal("ledare.csv", b"Eva Ny,eva@example.se\nPer Ny,per@example.se\n").message


def test_text_that_looks_like_a_formula_is_kept_as_text(session, club):
    formula = "=cmd|' /C calc'!A0"
    records = leader_import.read_file("ledare.csv", f'name,phone\n"{formula}",+46 70 123 45 67\n@SUM(1),-1\n'.encode())
    saved = leader_import.import_leaders(session, club, records)
    assert [(l.name, l.phone) for l in saved] == [(formula, "+46 70 123 45 67"), ("@SUM(1)", "-1")]


def test_more_rows_than_allowed_are_refused(session, club):
    rows = "".join(f"Leader {i},l{i}@example.se\n" for i in range(leader_import.MAX_ROWS + 1))
    error = refusal("ledare.csv", ("name,email\n" + rows).encode())
    assert error.message == "The file has more than %(max)s leaders; split it." and error.params["max"] == 1000
    assert refusal("ledare.xlsx", xlsx_file([["name"]] + [[f"L{i}"] for i in range(1001)])).params["max"] == 1000
    assert count(session) == 0


def test_a_workbook_is_read_by_its_rows_not_by_the_size_it_claims():
    huge = xlsx_file([["name"], ["Eva Ny"]], dimension="A1:XFD1048576", far_row=1_048_576)
    assert leader_import.read_file("ledare.xlsx", huge) == [{"name": "Eva Ny"}, {"name": "Far Down"}]


def test_a_workbook_that_unpacks_to_too_much_is_refused_unread():
    import zipfile
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (leader_import.MAX_UNPACKED_BYTES + 1))
    assert len(bomb.getvalue()) < leader_import.MAX_BYTES
    assert refusal("ledare.xlsx", bomb.getvalue()).params == {"max": 40}


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(content=st.binary(min_size=1, max_size=400), kind=st.sampled_from(["csv", "xlsx", "txt"]))
def test_any_bytes_are_read_or_refused_by_name(content, kind):
    """Garbage, or a real workbook with bytes changed, gives rows or a reason, never another error."""
    if kind == "xlsx":
        content = _damaged_workbook(content)
    try:
        records = leader_import.read_file(f"ledare.{kind}", content)
    except Invalid as error:
        assert error.field == "file"
    else:
        assert all(set(r) <= set(leader_import.FIELDS) and "name" in r for r in records)


_WORKBOOK = xlsx_file([["name", "email"], ["Eva Ny", "eva@example.se"]])


def _damaged_workbook(noise: bytes) -> bytes:
    """The small workbook with ``noise`` written over it at a place the noise chooses."""
    at = int.from_bytes(noise[:2], "big") % len(_WORKBOOK)
    return _WORKBOOK[:at] + noise + _WORKBOOK[at + len(noise):]
