"""The report's tables as CSV (one table a file) and XLSX (one sheet a table).

A table arrives with its headers and cells already in the reader's language and already privacy-checked
(counts under five as "<5"); this module only writes them. Numbers stay numbers, so a spreadsheet can sum.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Cell = object  # str, int, float, Decimal or None


@dataclass
class Table:
    key: str  # file and sheet name: hours_by_kind …
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    formats: Sequence[Optional[str]] = ()  # per column: "hours", "percent", "money", "count" or None
    row_formats: Sequence[Optional[str]] = ()  # per row instead, for a figure/value table

    def format_of(self, row: int, column: int) -> Optional[str]:
        if self.row_formats and column > 0:
            return self.row_formats[row]
        return self.formats[column] if column < len(self.formats) else None


def csv_text(table: Table) -> str:
    """Plain CSV (comma, decimal point, UTF-8 with a BOM so spreadsheets detect the encoding)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([as_text(header) for header in table.headers])
    for row in table.rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return out.getvalue()


def _csv_cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        return f"{cell:.4f}".rstrip("0").rstrip(".")
    if isinstance(cell, Decimal):
        return f"{cell:.2f}"
    return as_text(cell) if isinstance(cell, str) else str(cell)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(text: str) -> str:
    """Text a spreadsheet would run as a formula (a need titled ``=HYPERLINK(…)``, ``@SUM(…)``, ``-1+1``)
    gets a leading apostrophe, which spreadsheets show as text and do not evaluate."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


NUMBER_FORMATS = {"hours": "0.0", "percent": "0.0%", "money": "#,##0.00", "count": "0"}


def xlsx_bytes(tables: Sequence[Table], title: str = "") -> bytes:
    """A workbook with one sheet per table: title, header row in bold, then the rows."""
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.key))
        _append(sheet, [table.title])
        sheet["A1"].font = Font(bold=True, size=13)
        _append(sheet, table.headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            _append(sheet, [float(c) if isinstance(c, Decimal) else c for c in row])
        _format_columns(sheet, table)
        if table.note:
            sheet.append([])
            _append(sheet, [table.note])
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _append(sheet, values: list) -> None:
    """A row whose text stays text: openpyxl would store a string starting with '=' as a formula."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"


def _format_columns(sheet, table: Table) -> None:
    for row_index, row in enumerate(sheet.iter_rows(min_row=3, max_row=2 + len(table.rows))):
        for column, cell in enumerate(row):
            kind = table.format_of(row_index, column)
            if kind in NUMBER_FORMATS and isinstance(cell.value, (int, float)):
                cell.number_format = NUMBER_FORMATS[kind]
    for index, header in enumerate(table.headers, start=1):
        letter = get_column_letter(index)
        width = max([len(str(header))] + [len(str(r[index - 1])) for r in table.rows if index - 1 < len(r)])
        sheet.column_dimensions[letter].width = min(60, max(10, width + 2))


def _sheet_name(key: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", key)[:31]
