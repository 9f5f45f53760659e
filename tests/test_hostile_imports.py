"""Hostile-input sweep, surface "imports": spreadsheets that declare or hold too much, broken files,
and numbers no station writes, through every import and form that reads figures.

Files go through the indicator import, the register import and the framework (指标体系) import;
numbers through the indicator import (.csv and .xlsx), the indicator table edit, the staffing form
and the framework workbook. Each is refused with a Chinese message (naming row and column for a
number), before anything big is built, and nothing is stored. The count of cases is in README's
"Reliability: hostile inputs" table (tests/test_hostile_sweep_counts.py).
"""
from __future__ import annotations

import io
import os
import re
import time
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from _register_files import sheet_xml, xlsx_with_sheet_xml
from core.framework import library as FL
from core.station import register_import as IM
from core.station import data as SD
from core.assessment import team as A
from core.errors import DataError
from db.connection import connect
from db.migrations import migrate

CJK = re.compile(r"[\u4e00-\u9fff]")
IND_HEADER = ["指标名称", "单位", "协议指标量", "实际完成量", "备注"]
CLI_HEADER = ["姓名", "联系电话", "所属社区", "对象类别", "户号"]


def _patch_all_sheets(data: bytes, fn, only: str = "xl/worksheets/sheet") -> bytes:
    """The workbook with every worksheet's XML (or the one named `only`) passed through fn."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            raw = src.read(item.filename)
            if item.filename.startswith(only):
                raw = fn(raw.decode()).encode()
            z.writestr(item, raw)
    return out.getvalue()


def _dimension(ref):
    def fn(xml):
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', "", xml)
        return xml.replace("<sheetViews>", f'<dimension ref="{ref}"/><sheetViews>', 1) if "<sheetViews>" in xml \
            else xml.replace("<sheetData>", f'<dimension ref="{ref}"/><sheetData>', 1)
    return fn


def _far_row(xml):
    return xml.replace("</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                                       "</sheetData>")


def _far_cell(xml):
    return xml.replace("</sheetData>", '<row r="1100"><c r="XFD1100" t="inlineStr"><is><t>x</t></is></c>'
                                       "</row></sheetData>")


def _bomb(xml):
    return xml.replace("</sheetData>", "</sheetData><!--" + "x" * (IM.MAX_SHEET_XML_BYTES + 1024) + "-->")


def _small(header) -> bytes:
    return xlsx_with_sheet_xml(sheet_xml([header]))


def _big_rows(header, row, n) -> bytes:
    return xlsx_with_sheet_xml(sheet_xml([header] + [row(i) for i in range(n)]))


def _csv(header, rows) -> bytes:
    return ("\n".join(",".join(map(str, r)) for r in [header] + rows) + "\n").encode()


_TEMPLATE = FL.template_xlsx()
SHAPES = {
    # id: (indicator/register file maker(header, row), framework file maker, words)
    "declares-1048576x16384": (lambda h, r: xlsx_with_sheet_xml(sheet_xml([h], dimension="A1:XFD1048576")),
                               lambda: _patch_all_sheets(_TEMPLATE, _dimension("A1:XFD1048576")), "列"),
    "declares-1048576-rows": (lambda h, r: xlsx_with_sheet_xml(sheet_xml([h], dimension="A1:H1048576")),
                              lambda: _patch_all_sheets(_TEMPLATE, _dimension("A1:H1048576")), "行"),
    "row-1048576": (lambda h, r: xlsx_with_sheet_xml(_far_row(sheet_xml([h]))),
                    lambda: _patch_all_sheets(_TEMPLATE, _far_row), "上限"),
    "cell-XFD": (lambda h, r: xlsx_with_sheet_xml(_far_cell(sheet_xml([h]))),
                 lambda: _patch_all_sheets(_TEMPLATE, _far_cell), "列"),
    "100k-rows": (lambda h, r: _big_rows(h, r, 100_000), None, "上限"),
    "zip-bomb-sheet": (lambda h, r: xlsx_with_sheet_xml(_bomb(sheet_xml([h]))),
                       lambda: _patch_all_sheets(_TEMPLATE, _bomb, "xl/worksheets/sheet1.xml"), "解压后"),
    "random-bytes": (lambda h, r: os.urandom(4096), lambda: os.urandom(4096), "Excel"),
    "empty-file": (lambda h, r: b"", lambda: b"", ""),
    "truncated-zip": (lambda h, r: _small(h)[:800], lambda: _TEMPLATE[: len(_TEMPLATE) // 2], "Excel"),
}
IMPORTERS = {
    "indicators": (lambda db, aid, m, name, data: SD.import_indicators(db, aid, m, name, data), IND_HEADER,
                   lambda i: [f"指标{i}", "个", "10", "5", ""]),
    "register": (lambda db, aid, m, name, data: SD.import_register(db, aid, m, name, data), CLI_HEADER,
                 lambda i: [f"对象{i}", f"138{i:08d}", "甲社区", "低保对象", f"H{i}"]),
}
FILE_CASES = [(imp, shape) for imp in IMPORTERS for shape in SHAPES] + \
             [("framework", shape) for shape, v in SHAPES.items() if v[1] is not None] + \
             [(imp, "csv-100k-rows") for imp in IMPORTERS] + [(imp, "csv-nul-bytes") for imp in IMPORTERS]

# Numbers no station writes, in the indicator files (target column), the indicator table edit,
# the staffing form: each refused naming row and column.
BAD_NUMBERS = ["9223372036854775808", "1e-400", "1e308", "NaN", "inf", "-5", "abc", "1000000000000", "1.00001"]
TABLE_NUMBERS = [2 ** 63, "1e-400", 1e308, float("inf"), "abc", -5, 10 ** 12]   # NaN is the editor's empty cell
STAFFING_NUMBERS = [2 ** 63, "1e-400", 1e308, "abc", 1.5, -1, float("inf")]
FRAMEWORK_NUMBERS = [1e308, "inf", 2 ** 63, "abc", -1]


@pytest.fixture
def station(tmp_path):
    db = connect(tmp_path / "s.db")
    migrate(db)
    sid = A.create_station(db, "测试街社工服务站", communities=["甲社区", "乙社区"])
    aid, lead = A.create_assessment(db, sid, "gz-2024-four-party", "组长甲", "1111")
    SD.import_indicators(db, aid, lead, "指标.csv", _csv(IND_HEADER, [["电话访问", "人次", 1968, 2165, ""]]))
    SD.save_staffing(db, aid, lead, required=20, on_post=17)
    yield db, aid, lead
    db.conn.close()


def _state(db, aid):
    return (SD.list_indicators(db, aid), SD.list_clients(db, aid), SD.get_staffing(db, aid),
            db.execute("SELECT COUNT(*) FROM frameworks").fetchone()[0],
            db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])


def _refused(db, aid, call) -> str:
    before = _state(db, aid)
    t0 = time.perf_counter()
    with pytest.raises(DataError) as e:
        call()
    assert time.perf_counter() - t0 < 20            # an answer, not a hang (speed targets live in bench/)
    assert _state(db, aid) == before
    msg = str(e.value)
    assert CJK.search(msg), msg
    return msg


@pytest.mark.parametrize("surface,shape", FILE_CASES, ids=[f"{s}-{k}" for s, k in FILE_CASES])
def test_an_oversized_or_broken_file_is_refused_before_it_is_read_whole(station, surface, shape):
    db, aid, lead = station
    if surface == "framework":
        data = SHAPES[shape][1]()
        msg = _refused(db, aid, lambda: FL.import_xlsx(db, aid, lead, data, "fw.xlsx"))
    else:
        importer, header, row = IMPORTERS[surface]
        if shape == "csv-100k-rows":
            name, data = "x.csv", _csv(header, [row(i) for i in range(100_000)])
        elif shape == "csv-nul-bytes":
            name, data = "x.csv", _csv(header, [row(1)]).replace(b",", b"\x00,")
        else:
            name, data = "x.xlsx", SHAPES[shape][0](header, row)
        msg = _refused(db, aid, lambda: importer(db, aid, lead, name, data))
    words = SHAPES[shape][2] if shape in SHAPES else ""
    assert words in msg, msg


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_a_number_out_of_range_in_an_indicator_file_is_refused_naming_row_and_column(station, kind, value):
    db, aid, lead = station
    rows = [["电话访问", "人次", "1968", "2165", ""], ["入户探访", "户次", value, "5", ""]]
    if kind == "csv":
        data = _csv(IND_HEADER, rows)
    else:
        wb = Workbook()
        wb.active.append(IND_HEADER)
        for r in rows:
            wb.active.append(r)
        buf = io.BytesIO()
        wb.save(buf)
        data = buf.getvalue()
    msg = _refused(db, aid, lambda: SD.import_indicators(db, aid, lead, f"指标.{kind}", data))
    assert "第 3 行" in msg and "协议指标量" in msg, msg


@pytest.mark.parametrize("value", TABLE_NUMBERS, ids=[str(v)[:12] for v in TABLE_NUMBERS])
def test_a_number_out_of_range_in_the_indicator_table_is_refused_naming_row_and_column(station, value):
    db, aid, lead = station
    rows = [dict(r) for r in SD.list_indicators(db, aid)] + [
        {"id": None, "name": "入户探访", "unit": "户次", "target": value, "actual": 3, "note": ""}]
    msg = _refused(db, aid, lambda: SD.save_indicators(db, aid, lead, rows))
    assert "第 2 行" in msg and "协议指标量" in msg, msg


@pytest.mark.parametrize("value", STAFFING_NUMBERS, ids=[str(v)[:12] for v in STAFFING_NUMBERS])
def test_a_number_out_of_range_in_the_staffing_form_is_refused_naming_the_field(station, value):
    db, aid, lead = station
    msg = _refused(db, aid, lambda: SD.save_staffing(db, aid, lead, on_post=value))
    assert "在岗社工数" in msg, msg


@pytest.mark.parametrize("value", FRAMEWORK_NUMBERS, ids=[str(v)[:12] for v in FRAMEWORK_NUMBERS])
def test_a_number_out_of_range_in_a_framework_workbook_is_refused_naming_sheet_row_and_column(station, value):
    db, aid, lead = station
    wb = load_workbook(io.BytesIO(_TEMPLATE))
    ws = wb["指标"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[header.index("指标代码")].value)
    row[header.index("分值")].value = value
    buf = io.BytesIO()
    wb.save(buf)
    msg = _refused(db, aid, lambda: FL.import_xlsx(db, aid, lead, buf.getvalue(), "fw.xlsx"))
    assert "工作表“指标”" in msg and f"第 {row[0].row} 行" in msg and "分值" in msg, msg
