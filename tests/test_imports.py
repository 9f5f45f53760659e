"""Imports of contract indicators and the key-client register from real .xlsx and .csv files.

Every bad file is refused as a whole with a Chinese message naming row and column,
and the database is unchanged afterwards.
"""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from core.station import register_import as IM
from core.station import indicators as IND
from core.station import register as REG
from core.station import data as SD
from core.errors import ImportRejected

from _station_fixtures import station, station_file  # noqa: F401  (fixtures)

IND_HEADER = ["指标名称", "单位", "协议指标量", "实际完成量", "备注"]
# the template puts the optional 中期指标量 beside the annual target (issue 24); files without it still import
IND_TEMPLATE_HEADER = ["指标名称", "单位", "协议指标量", "中期指标量", "实际完成量", "备注"]
GOOD_INDICATORS = [
    ["电话访问", "个", 1968, 2165, ""],
    ["入户探访", "个", 500, 793, "含电话回访"],
    ["个案接案", "个", 100, 99, ""],
]
CLIENT_HEADER = ["姓名", "联系电话", "所属社区", "对象类别", "户号", "空挂户", "人户分离", "备注"]
GOOD_CLIENTS = [
    ["黄子昕", 13812341234, "甲社区", "困境儿童", "H1", "否", "否", ""],
    ["黄大文", "13812340000", "甲社区", "低保对象", "H1", "", "是", ""],
    ["刘子盈", "020-87654321", "乙社区", "独居老人", "H2", "是", "", "月探访"],
]


def xlsx(header, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(header, rows, encoding="utf-8-sig") -> bytes:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def make(kind, header, rows) -> tuple[str, bytes]:
    return ("data.xlsx", xlsx(header, rows)) if kind == "xlsx" else ("data.csv", csv_bytes(header, rows))


def snapshot(db, aid):
    return SD.list_indicators(db, aid), SD.list_clients(db, aid)


@pytest.fixture
def loaded(station):
    """The station with existing indicators and register, to check nothing changes on a bad file."""
    db, aid, m = station
    SD.import_indicators(db, aid, m["staff"], "old.xlsx", xlsx(IND_HEADER, [["旧指标", "个", 10, 5, ""]]))
    SD.import_clients(db, aid, m["staff"], "old.csv", csv_bytes(CLIENT_HEADER, [GOOD_CLIENTS[0]]))
    return db, aid, m


# ---------- good files ----------

@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_good_indicator_file_replaces_the_table_and_rates_follow(loaded, kind):
    db, aid, m = loaded
    name, data = make(kind, IND_HEADER, GOOD_INDICATORS)
    assert SD.import_indicators(db, aid, m["staff"], name, data) == 3
    rows = IND.indicator_rows(SD.list_indicators(db, aid))
    assert [(r["name"], r["target"], r["actual"], r["rate_text"]) for r in rows] == [
        ("电话访问", 1968, 2165, "110.01%"), ("入户探访", 500, 793, "158.6%"), ("个案接案", 100, 99, "99%")]
    assert rows[1]["note"] == "含电话回访"


def test_indicator_file_with_alias_headers_gbk_and_decimals(loaded):
    db, aid, m = loaded
    data = csv_bytes(["指标", "目标值", "完成量"], [["继续教育时数", "\"1,320\"", "1922.5"]], encoding="gbk")
    SD.import_indicators(db, aid, m["staff"], "指标.CSV", data)
    (r,) = IND.indicator_rows(SD.list_indicators(db, aid))
    assert (r["target"], r["actual"], r["rate_text"]) == (1320, 1922.5, "145.64%")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_good_register_file_replaces_the_register(loaded, kind):
    db, aid, m = loaded
    name, data = make(kind, CLIENT_HEADER, GOOD_CLIENTS)
    assert SD.import_clients(db, aid, m["staff"], name, data) == 3
    clients = SD.list_clients(db, aid)
    assert [c["phone"] for c in clients] == ["13812341234", "13812340000", "020-87654321"]
    assert clients[2]["category"] == "独居老年人"      # short form normalised
    s = REG.register_summary(clients)
    assert (s["households"], s["persons"], s["vacant_household"], s["separated"]) == (2, 3, 1, 1)


def test_templates_import_back_after_filling_in(station):
    db, aid, m = station
    wb = load_workbook(io.BytesIO(IM.indicator_template("xlsx")))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == IND_TEMPLATE_HEADER
    assert [ws.cell(row=i, column=1).value for i in range(2, ws.max_row + 1)] == [n for n, _ in IND.DEFAULT_INDICATORS]
    for i in range(2, ws.max_row + 1):
        ws.cell(row=i, column=3, value=10)
        ws.cell(row=i, column=5, value=i)
    buf = io.BytesIO()
    wb.save(buf)
    assert SD.import_indicators(db, aid, m["staff"], "模板.xlsx", buf.getvalue()) == 15
    assert IM.indicator_template("csv").decode("utf-8-sig").splitlines()[0] == ",".join(IND_TEMPLATE_HEADER)
    client_wb = load_workbook(io.BytesIO(IM.client_template("xlsx")))
    assert [c.value for c in client_wb.worksheets[0][1]] == CLIENT_HEADER
    assert "填写说明" in client_wb.sheetnames
    assert IM.client_template("csv").decode("utf-8-sig").strip() == ",".join(CLIENT_HEADER)


# ---------- bad files: refused, nothing changes ----------

def _drop(header, rows, col):
    i = header.index(col)
    return [h for j, h in enumerate(header) if j != i], [[v for j, v in enumerate(r) if j != i] for r in rows]


BAD_INDICATORS = [
    ("missing column", *_drop(IND_HEADER, GOOD_INDICATORS, "协议指标量"), "缺少必需的列“协议指标量”"),
    ("non-numeric target", IND_HEADER, [GOOD_INDICATORS[0], ["入户探访", "个", "五百", 793, ""]],
     "第 3 行“协议指标量”：“五百”不是数字"),
    ("zero target", IND_HEADER, [GOOD_INDICATORS[0], ["入户探访", "个", 0, 793, ""]], "第 3 行“协议指标量”：应大于 0"),
    ("negative target", IND_HEADER, [["电话访问", "个", -5, 3, ""]], "第 2 行“协议指标量”：应大于 0"),
    ("empty target", IND_HEADER, [["电话访问", "个", None, 3, ""]], "第 2 行“协议指标量”：不能为空"),
    ("negative actual", IND_HEADER, [["电话访问", "个", 5, -3, ""]], "第 2 行“实际完成量”：不能为负数"),
    ("duplicate indicator", IND_HEADER, GOOD_INDICATORS + [["电话访问", "个", 1, 1, ""]],
     "第 5 行“指标名称”：“电话访问”与第 2 行重复"),
    ("no data rows", IND_HEADER, [], "没有指标数据"),
]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize("case,header,rows,message", BAD_INDICATORS, ids=[c[0] for c in BAD_INDICATORS])
def test_bad_indicator_file_is_refused_and_nothing_changes(loaded, kind, case, header, rows, message):
    db, aid, m = loaded
    before = snapshot(db, aid)
    name, data = make(kind, header, rows)
    with pytest.raises(ImportRejected) as e:
        SD.import_indicators(db, aid, m["staff"], name, data)
    assert message in str(e.value)
    assert str(e.value).startswith("导入失败，数据未作任何修改")
    assert snapshot(db, aid) == before


def test_every_problem_is_listed_at_once(loaded):
    db, aid, m = loaded
    rows = [["电话访问", "个", "x", 1, ""], ["", "个", 5, "y", ""], ["电话访问", "个", 0, 1, ""]]
    with pytest.raises(ImportRejected) as e:
        SD.import_indicators(db, aid, m["staff"], "a.xlsx", xlsx(IND_HEADER, rows))
    assert len(e.value.errors) == 5
    assert any("第 3 行“指标名称”：不能为空" in x for x in e.value.errors)
    assert any("第 3 行“实际完成量”：“y”不是数字" in x for x in e.value.errors)


BAD_CLIENTS = [
    ("missing column", *_drop(CLIENT_HEADER, GOOD_CLIENTS, "对象类别"), "缺少必需的列“对象类别”"),
    ("unknown category", CLIENT_HEADER, [GOOD_CLIENTS[0], ["李四", "13900000000", "甲社区", "外来务工", "H9", "", "", ""]],
     "第 3 行“对象类别”：未知类别“外来务工”"),
    ("unknown community", CLIENT_HEADER, [["李四", "13900000000", "丙社区", "残疾人", "H9", "", "", ""]],
     "第 2 行“所属社区”：“丙社区”不是本站所辖社区"),
    ("bad phone", CLIENT_HEADER, [["李四", "139000", "甲社区", "残疾人", "H9", "", "", ""]], "第 2 行“联系电话”：号码格式不正确"),
    ("empty name", CLIENT_HEADER, [["", "13900000000", "甲社区", "残疾人", "H9", "", "", ""]], "第 2 行“姓名”：不能为空"),
    ("bad flag", CLIENT_HEADER, [["李四", "13900000000", "甲社区", "残疾人", "H9", "也许", "", ""]],
     "第 2 行“空挂户”：“也许”应为“是”或“否”"),
    ("同上 with nobody above", CLIENT_HEADER, [["李四", "13900000000", "甲社区", "残疾人", "同上", "", "", ""]],
     "第 2 行“户号”：写“同上”，但上面没有服务对象"),
    ("three phones in one cell", CLIENT_HEADER,
     [["李四", "13900000000/13900000001/13900000002", "甲社区", "残疾人", "H1", "", "", ""]],
     "第 2 行“联系电话”：有 3 个号码，最多保存 2 个"),
    ("unknown one of several categories", CLIENT_HEADER, [["李四", "13900000000", "甲社区", "低保、外来务工", "H1", "", "", ""]],
     "第 2 行“对象类别”：未知类别“外来务工”"),
]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize("case,header,rows,message", BAD_CLIENTS, ids=[c[0] for c in BAD_CLIENTS])
def test_bad_register_file_is_refused_and_nothing_changes(loaded, kind, case, header, rows, message):
    db, aid, m = loaded
    before = snapshot(db, aid)
    name, data = make(kind, header, rows)
    with pytest.raises(ImportRejected) as e:
        SD.import_clients(db, aid, m["staff"], name, data)
    assert message in str(e.value)
    assert snapshot(db, aid) == before


@pytest.mark.parametrize("importer", ["import_indicators", "import_clients"])
@pytest.mark.parametrize("filename,data,message", [
    ("指标.xls", b"\xd0\xcf\x11\xe0 old excel", "类型不支持"),
    ("指标.pdf", b"%PDF-1.4", "类型不支持"),
    ("指标", b"a,b", "类型不支持"),
    ("指标.xlsx", b"this is not a zip file at all", "不是有效的 Excel"),
    ("指标.xlsx", b"PK\x03\x04" + b"\x00" * 40, "Excel"),
    ("指标.xlsx", b"", "空文件"),
    ("指标.csv", b"\x00\x01\x02\xff\xfe binary", "CSV"),
])
def test_wrong_type_or_malformed_file_is_refused_and_nothing_changes(loaded, importer, filename, data, message):
    db, aid, m = loaded
    before = snapshot(db, aid)
    with pytest.raises(ImportRejected) as e:
        getattr(SD, importer)(db, aid, m["staff"], filename, data)
    assert message in str(e.value)
    assert snapshot(db, aid) == before


def test_truncated_xlsx_is_refused(loaded):
    db, aid, m = loaded
    before = snapshot(db, aid)
    good = xlsx(IND_HEADER, GOOD_INDICATORS)
    with pytest.raises(ImportRejected, match="Excel|损坏"):
        SD.import_indicators(db, aid, m["staff"], "半截.xlsx", good[: len(good) // 2])
    assert snapshot(db, aid) == before


def test_register_cannot_be_replaced_once_the_survey_sample_is_drawn(loaded):
    db, aid, m = loaded
    db.execute("INSERT INTO survey_samples (assessment_id, seed, register_hash, size, created_at)"
               " VALUES (?, 's', 'h', 1, '2025-02-27')", [aid])
    before = snapshot(db, aid)
    with pytest.raises(ImportRejected, match="已从名册抽取"):
        SD.import_clients(db, aid, m["staff"], "new.csv", csv_bytes(CLIENT_HEADER, GOOD_CLIENTS))
    assert snapshot(db, aid) == before


def test_audit_of_register_import_holds_counts_not_names(loaded):
    from db import audit

    db, aid, m = loaded
    SD.import_clients(db, aid, m["staff"], "名册.xlsx", xlsx(CLIENT_HEADER, GOOD_CLIENTS))
    entry = next(e for e in audit.entries(db, aid) if e["entity"] == "clients")
    assert '"persons": 3' in entry["new"] and "黄子昕" not in entry["new"] and "13812341234" not in entry["new"]
