"""Spreadsheet cells safe to open: the one owner of formula neutralising (rule module, no I/O).

Every Excel and CSV file the app writes passes its text through here: a cell or field that a
spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a leading apostrophe
and, in Excel, is stored as a text cell (never a formula), so `=HYPERLINK(...)` or
`=cmd|' /C calc'!A0` typed into a note reaches the file as inert text. `restore` undoes it when
the app reads its own file back (the framework and indicator round trips stay identical).
"""
from __future__ import annotations

import csv
import io
import re

# The control characters an xlsx cannot hold: openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE, copied so that
# this module (imported on every start-up path, e.g. `python -m core report`) does not load openpyxl
# (tests/test_startup.py checks the two stay equal).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (and loses the
    control characters an xlsx cannot hold)."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def restore(value):
    """The inverse of `neutralise` for text read back from a file: "'=x" -> "=x"; anything else as is."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def safe(value):
    """A cell value fit for a spreadsheet: text neutralised, numbers and None unchanged."""
    return neutralise(value) if isinstance(value, str) else value


def neutralise_sheet(ws) -> None:
    """Every text cell of an openpyxl worksheet neutralised and typed as text (never a formula)."""
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str):
                c.value = neutralise(c.value)
                c.data_type = "s"


def neutralise_workbook(wb) -> None:
    for ws in wb.worksheets:
        neutralise_sheet(ws)


def csv_bytes(header: list, rows: list[list]) -> bytes:
    """A CSV file (UTF-8 with BOM, so Excel opens it as UTF-8; CRLF) with every field neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([safe(h) for h in header])
    w.writerows([["" if v is None else safe(v) for v in r] for r in rows])
    return buf.getvalue().encode("utf-8-sig")


def csv_from_dicts(rows: list[dict]) -> bytes:
    """CSV of a list of dicts (columns in the first row's order), every field neutralised."""
    header = list(rows[0]) if rows else []
    return csv_bytes(header, [[r.get(h) for h in header] for r in rows])
