"""Bulk import of a club's leaders from a CSV or XLSX file: read, check every row, then save all or none.

The file has a header row; columns may be named in English or Swedish, in any order:

    name, email, phone, skills, credentials, availability, max_minutes_per_day, max_minutes_per_week, hourly_wage

* skills: tags separated by spaces or commas (``lang:so female licence:B``)
* credentials: ``kind date`` pairs separated by ``;`` (``background-check 2027-11-30``)
* availability: ``days from-to`` separated by ``;`` (``mån-fre 08:00-16:00; fre 19:00-02:00``);
  an end at or before the start runs past midnight
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Iterable, Optional

from sqlalchemy import orm

from pool.errors import N_, Invalid
from pool.leaders import LeaderInput, Window, create_leader, normal_tags, problems
from pool.models import Leader, Organisation

MAX_BYTES = 2 * 1024 * 1024
MAX_UNPACKED_BYTES = 40 * 1024 * 1024  # an .xlsx is a zip: a small file can unpack to gigabytes
MAX_ROWS = 1000
MAX_COLUMNS = 50  # cells read per row; the columns that matter are few
COLUMNS = {  # every accepted header (lower case) → the field it fills
    "name": "name", "namn": "name",
    "email": "email", "e-mail": "email", "e-post": "email", "epost": "email",
    "phone": "phone", "telefon": "phone", "mobil": "phone",
    "skills": "skills", "färdigheter": "skills", "taggar": "skills",
    "credentials": "credentials", "intyg": "credentials",
    "availability": "availability", "tillgänglighet": "availability",
    "max_minutes_per_day": "max_minutes_per_day", "max minuter per dag": "max_minutes_per_day",
    "max_minutes_per_week": "max_minutes_per_week", "max minuter per vecka": "max_minutes_per_week",
    "hourly_wage": "hourly_wage", "timlön": "hourly_wage",
}
FIELDS = ("name", "email", "phone", "skills", "credentials", "availability", "max_minutes_per_day",
          "max_minutes_per_week", "hourly_wage")
WEEKDAYS = {name: number for number, names in enumerate((
    ("mon", "monday", "mån", "måndag", "man"), ("tue", "tuesday", "tis", "tisdag"),
    ("wed", "wednesday", "ons", "onsdag"), ("thu", "thursday", "tor", "tors", "torsdag"),
    ("fri", "friday", "fre", "fredag"), ("sat", "saturday", "lör", "lördag", "lor"),
    ("sun", "sunday", "sön", "söndag", "son")), start=1) for name in names}
TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")


@dataclass
class ImportRow:
    line: int  # the row number in the file, the header being row 1
    values: dict[str, str]
    data: Optional[LeaderInput] = None
    errors: list[Invalid] = field(default_factory=list)


# ------------------------------------------------------------------------------ reading the file
def read_file(filename: str, content: bytes) -> list[dict[str, str]]:
    """The file's rows as {field: text}; Invalid('file', …) when it is too big or cannot be read."""
    if len(content) > MAX_BYTES:
        raise Invalid("file", N_("The file is larger than %(max)s MB."), max=MAX_BYTES // (1024 * 1024))
    if not content.strip():
        raise Invalid("file", N_("The file is empty."))
    kind = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if kind == "xlsx":
        table = _xlsx_table(content)
    elif kind in ("csv", "txt"):
        table = _csv_table(content)
    else:
        raise Invalid("file", N_("Upload a .csv or .xlsx file."))
    return _records(table)


def _csv_table(content: bytes) -> list[list[str]]:
    text = _decoded(content)
    if "\0" in text:
        raise Invalid("file", N_("The file is not a CSV text file."))
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), dialect)]  # a lone \r ends a line
    except csv.Error as error:
        raise Invalid("file", N_("The CSV file cannot be read: %(reason)s"), reason=str(error)) from error


def _decoded(content: bytes) -> str:
    """UTF-8 (with or without a BOM), UTF-16 with a BOM (Excel's "Unicode text"), else Windows-1252,
    which is what Excel in Sweden saves as CSV."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise Invalid("file", N_("The file is not a CSV text file.")) from None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _xlsx_table(content: bytes) -> list[list[str]]:
    """The non-empty rows of the first sheet. The sheet's declared size is not trusted (it may claim
    a million rows of 16 384 cells), and reading stops once there are more rows than allowed."""
    import openpyxl
    unreadable = Invalid("file", N_("The file cannot be read as an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())  # zipfile reads no more than this
    except Exception as error:
        raise unreadable from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise Invalid("file", N_("The workbook unpacks to more than %(max)s MB; save it again with only the leaders."),
                      max=MAX_UNPACKED_BYTES // (1024 * 1024))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # whatever the parser trips over in a malformed file
        raise unreadable from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        table = []
        for row in sheet.iter_rows(values_only=True):
            cells = [_cell_text(value) for value in row[:MAX_COLUMNS]]
            if any(cell.strip() for cell in cells):
                table.append(cells)
                if len(table) > MAX_ROWS + 1:
                    break
        return table
    except Exception as error:
        raise unreadable from error
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _records(table: list[list[str]]) -> list[dict[str, str]]:
    rows = [row for row in table if any(cell.strip() for cell in row)]
    if not rows:
        raise Invalid("file", N_("The file is empty."))
    header = [COLUMNS.get(cell.strip().lower(), "") for cell in rows[0]]
    if "name" not in header:
        raise Invalid("file", N_("The first row must name the columns, and one of them must be 'name' (or 'namn')."))
    if len(rows) - 1 > MAX_ROWS:
        raise Invalid("file", N_("The file has more than %(max)s leaders; split it."), max=MAX_ROWS)
    return [{name: (row[index].strip() if index < len(row) else "")
             for index, name in enumerate(header) if name} for row in rows[1:]]


# ------------------------------------------------------------------------------ checking the rows
def check_rows(session: orm.Session, club: Organisation, records: Iterable[dict[str, str]]) -> list[ImportRow]:
    """Each record parsed and checked against the database and the rows before it."""
    rows: list[ImportRow] = []
    emails: set[str] = set()
    for line, values in enumerate(records, start=2):
        row = ImportRow(line=line, values={name: values.get(name, "") for name in FIELDS})
        row.data, row.errors = _parse(values)
        row.errors += list(problems(session, club, row.data, taken_emails=emails))
        email = row.data.email.strip().lower()
        if email:
            emails.add(email)
        rows.append(row)
    return rows


def import_leaders(session: orm.Session, club: Organisation, records: Iterable[dict[str, str]]) -> list[Leader]:
    """Create every leader of the file, or none: Invalid if any row has an error."""
    rows = check_rows(session, club, list(records))
    broken = [row for row in rows if row.errors]
    if broken:
        raise Invalid("file", N_("%(count)s rows have errors; nothing was saved."), count=len(broken))
    return [create_leader(session, club, row.data) for row in rows]


def _parse(values: dict[str, str]) -> tuple[LeaderInput, list[Invalid]]:
    """The row's input, with what could not be parsed left empty and reported."""
    errors: list[Invalid] = []

    def attempt(parser, text, name):
        try:
            return parser(text) if text else None
        except Invalid as error:
            errors.append(Invalid(name, error.message, **error.params))
            return None

    data = LeaderInput(
        name=values.get("name", ""), email=values.get("email", ""), phone=values.get("phone", ""),
        skills=normal_tags(re.split(r"[\s,;]+", values.get("skills", ""))),
        credentials=attempt(parse_credentials, values.get("credentials", ""), "credentials") or {},
        availability=attempt(parse_availability, values.get("availability", ""), "availability") or [],
        max_minutes_per_day=attempt(_whole, values.get("max_minutes_per_day", ""), "max_minutes_per_day"),
        max_minutes_per_week=attempt(_whole, values.get("max_minutes_per_week", ""), "max_minutes_per_week"),
        hourly_wage=attempt(_money, values.get("hourly_wage", ""), "hourly_wage"))
    return data, errors


def parse_credentials(text: str) -> dict[str, dt.date]:
    found = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        kind, _, until = item.replace("=", " ").rpartition(" ")
        if not kind.strip():
            raise Invalid("credentials", N_("'%(value)s' needs a credential and a date, e.g. "
                                            "'background-check 2027-11-30'."), value=item)
        found[kind.strip()] = _date(until)
    return found


def parse_availability(text: str) -> list[Window]:
    windows = []
    for item in filter(None, (part.strip() for part in re.split(r"[;\n]", text))):
        days, _, hours = item.partition(" ")
        start, sep, end = hours.strip().replace("–", "-").partition("-")
        if not sep:
            raise Invalid("availability", N_("'%(value)s' needs days and hours, e.g. 'mån-fre 08:00-16:00'."),
                          value=item)
        start_minute, end_minute = _clock(start), _clock(end)
        windows += [Window(day, start_minute, end_minute) for day in _weekdays(days)]
    return windows


def _weekdays(text: str) -> list[int]:
    first, sep, last = text.lower().replace("–", "-").partition("-")
    lo = _weekday(first)
    if not sep:
        return [lo]
    hi = _weekday(last)
    return list(range(lo, hi + 1)) if lo <= hi else [*range(lo, 8), *range(1, hi + 1)]


def _weekday(text: str) -> int:
    text = text.strip().rstrip(".")
    if text.isdigit() and 1 <= int(text) <= 7:
        return int(text)
    if text in WEEKDAYS:
        return WEEKDAYS[text]
    raise Invalid("availability", N_("'%(value)s' is not a weekday (mån, tis … or mon, tue …)."), value=text)


def _clock(text: str) -> int:
    match = TIME.match(text.strip())
    if match and int(match[1]) <= 24 and int(match[2] or 0) < 60 and int(match[1]) * 60 + int(match[2] or 0) <= 1440:
        return int(match[1]) * 60 + int(match[2] or 0)
    raise Invalid("availability", N_("'%(value)s' is not a time of day such as 19:00."), value=text)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid("date", N_("'%(value)s' is not a date such as 2027-11-30."), value=text) from None


def _whole(text: str) -> int:
    if re.fullmatch(r"\d{1,6}", text.strip()):
        return int(text)
    raise Invalid("number", N_("'%(value)s' is not a whole number."), value=text)


def _money(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise Invalid("number", N_("'%(value)s' is not an amount such as 145.50."), value=text) from None
    if not value.is_finite():
        raise Invalid("number", N_("'%(value)s' is not an amount such as 145.50."), value=text)
    return value.quantize(Decimal("0.01"))
