"""The register import takes a station's own file as it is (issue 12 item 1), and every
import is bounded before it is parsed (issue 17 item 4).

Registers are written the way stations write them (tests/_register_files.py): title rows,
a 合计 row, "同上", phones with dashes, two numbers, a relative's number, none at all,
communities as …居委会 or short names, several categories, 空挂/人户分离/√ flags.
"""
from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from core.survey import calls
from core.station import register_import as IM
from core.station import register as REG
from core.station import data as SD
from core.assessment import team as A
from core.errors import ImportRejected
from db.connection import connect
from db.migrations import migrate

from _register_files import COMMUNITIES, HEADER, sheet_xml, shiliugang_register, xlsx_with_sheet_xml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def shiliugang_file(tmp_path_factory):
    """石榴岗街 (made up): three communities, a lead and staff; no register yet."""
    path = tmp_path_factory.mktemp("shiliugang") / "s.db"
    db = connect(path)
    migrate(db)
    sid = A.create_station(db, "石榴岗街社工服务站", communities=COMMUNITIES)
    aid, lead = A.create_assessment(db, sid, "gz-2024-four-party", "组长甲", "1111")
    staff = A.add_member(db, aid, lead, "职员丙", "staff", "3333")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path, aid, {"lead": lead, "staff": staff}


@pytest.fixture
def slg(shiliugang_file, tmp_path):
    import shutil

    src, aid, members = shiliugang_file
    shutil.copy(src, tmp_path / "s.db")
    db = connect(tmp_path / "s.db")
    yield db, aid, members, tmp_path / "s.db"
    db.conn.close()


def xlsx(rows) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------- a station's register as it is ----------

@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_station_register_with_title_rows_and_every_variant_gives_the_true_persons_households_and_categories(slg, kind):
    db, aid, m, _ = slg
    name, data, want = shiliugang_register(kind=kind)
    done = SD.import_register(db, aid, m["staff"], name, data)
    assert (done["persons"], done["households"]) == (want["persons"], want["households"]) == (want["persons"], 84)
    s = SD.register_summary(db, aid)
    assert (s["persons"], s["households"]) == (want["persons"], 84)       # not 85: 同上 is the household above
    assert dict(s["by_category"]) == want["by_category"]
    assert (s["vacant_household"], s["separated"], s["no_phone"]) == (want["vacant"], want["separated"], want["no_phone"])
    assert s["several_categories"] > 0 and sum(s["by_category"].values()) > s["persons"]
    stored = SD.list_clients(db, aid)
    assert len(stored) == want["persons"]
    for got, (row, exp) in zip(stored, sorted(want["rows"].items())):
        assert {k: got[k] for k in exp} == exp, f"row {row}"
    assert sum(1 for c in stored if c["phone2"]) == want["with_phone2"]
    assert {c["household_written"] for c in stored} >= {"同上", ""}


def test_the_big_household_written_with_同上_is_one_household_of_64_written_out(slg):
    db, aid, m, _ = slg
    name, data, _ = shiliugang_register()
    SD.import_register(db, aid, m["staff"], name, data)
    first = [c for c in SD.list_clients(db, aid) if c["household"] == "SLG001"]
    assert len(first) == 64
    assert [c["household_written"] for c in first] == ["SLG001"] + ["同上"] * 63
    assert not any(c["household"] == "同上" for c in SD.list_clients(db, aid))


def test_preview_skips_titles_total_blank_and_footer_rows_and_says_which(slg):
    db, aid, m, _ = slg
    name, data, want = shiliugang_register()
    p = SD.preview_register(db, aid, name, data)
    assert p.header_row == 4 and not p.errors
    skipped = dict(p.skipped)
    assert set(skipped) == set(want["skipped"])
    for row, word in want["skipped"].items():
        assert word in skipped[row], (row, skipped[row])
    assert SD.list_clients(db, aid) == []               # a preview stores nothing


def test_preview_lists_every_change_made_to_a_row(slg):
    db, aid, m, _ = slg
    data = xlsx([["某街重点服务对象名册"], HEADER,
                 [1, "黄 昕", "女", "138-1234-1234", "石榴岗居委会", "低保、残疾人", "H1", "空挂", "", ""],
                 [2, "黄大文", "男", "13812340000（儿子 13900001111）", "同上", "残疾人（肢体二级）", "同上", "√", "人户分离", ""],
                 [3, "刘子盈", "女", "无", "东风", "特困供养", "", "", "", ""],
                 [4, "陈伯", "男", "+86 139 0000 2222", "新滘社区", "独居老人", "H3", "否", "", ""]])
    p = SD.preview_register(db, aid, "名册.xlsx", data)
    assert not p.errors
    changes = {r["row"]: " | ".join(r["changes"]) for r in p.rows}
    assert "姓名去掉了空格" in changes[3] and "去掉了短横线" in changes[3]
    assert "“石榴岗居委会”记为“石榴岗社区”" in changes[3] and "低保对象、残疾人" in changes[3]
    assert "“空挂”记为“是”" in changes[3]
    assert "第二电话" in changes[4] and "儿子" in changes[4]
    assert "社区“同上”记为“石榴岗社区”" in changes[4] and "户号“同上”记为“H1”（与第 3 行同户）" in changes[4]
    assert "“肢体二级”存为类别说明" in changes[4] and "“人户分离”记为“是”" in changes[4]
    assert "“无”记为“无电话”" in changes[5] and "“东风”记为“东风社区”" in changes[5]
    assert "特困人员" in changes[5] and "户号空白，按单独一户计" in changes[5]
    assert "去掉了+86、空格" in changes[6]
    stored = {r["row"]: r["stored"] for r in p.rows}
    assert stored[4]["phone"] == "13812340000" and stored[4]["phone2"] == "13900001111"
    assert "儿子" in stored[4]["phone_note"] and stored[4]["category_detail"] == "肢体二级"
    assert stored[5]["phone"] == "" and stored[5]["household"] == ""
    assert (p.persons, p.households) == (4, 3)


def test_preview_view_masks_names_and_phones_in_every_cell_and_message(slg):
    db, aid, m, _ = slg
    data = xlsx([HEADER, [1, "黄子昕", "女", "138-1234-1234", "石榴岗", "低保", "H1", "", "", ""],
                 [2, "欧阳大文", "男", "1381234", "石榴岗", "低保", "H2", "", "", "黄子昕的哥哥"]])
    v = SD.register_preview_view(db, aid, "名册.xlsx", data)
    text = repr(v)
    assert "黄子昕" not in text and "欧阳大文" not in text and "13812341234" not in text and "1381234" not in text
    assert v["rows"][0]["stored"]["name"] == "黄*昕" and v["rows"][0]["stored"]["phone"] == "138****1234"
    assert v["rows"][1]["stored"]["note"] == "黄*昕的哥哥"
    (field, column, message), = v["rows"][1]["errors"]
    assert (field, column) == ("phone", "联系方式") and "号码格式不正确" in message
    assert v["rows"][1]["fix"] == {"phone": ""} and "1381234" not in v["rows"][1]["hint"]["phone"]


def test_an_error_names_row_and_column_as_the_file_has_them_and_nothing_is_stored(slg):
    db, aid, m, _ = slg
    name, data, _ = shiliugang_register()
    SD.import_register(db, aid, m["staff"], name, data)
    before = SD.list_clients(db, aid)
    bad = xlsx([["标题"], HEADER,
                [1, "张三", "男", "1381234", "石榴岗", "低保", "H1", "", "", ""],
                [2, "李四", "男", "13812341234", "白云社区", "外来务工", "H2", "也许", "", ""],
                [3, "", "男", "13812341235", "石榴岗", "低保", "H3", "", "", ""]])
    with pytest.raises(ImportRejected) as e:
        SD.import_register(db, aid, m["staff"], "名册.xlsx", bad)
    errors = e.value.errors
    assert "第 3 行“联系方式”：号码格式不正确" in errors[0]
    assert any(x.startswith("第 4 行“所属居委”：“白云社区”不是本站所辖社区") for x in errors)
    assert any(x.startswith("第 4 行“对象类别”：未知类别“外来务工”") for x in errors)
    assert any(x.startswith("第 4 行“是否空挂户”：“也许”应为“是”或“否”") for x in errors)
    assert any(x.startswith("第 5 行“姓名”：不能为空") for x in errors)
    assert SD.list_clients(db, aid) == before


def test_fixes_typed_in_the_preview_are_what_gets_stored(slg):
    db, aid, m, _ = slg
    bad = xlsx([HEADER, [1, "张三", "男", "1381234", "石榴岗", "低保", "H1", "", "", ""],
                [2, "李四", "男", "13812341234", "白云", "低保", "H2", "", "", ""],
                [3, "王五", "男", "13812341236", "石榴岗", "外来务工", "H3", "", "", ""]])
    edits = {2: {"phone": "13812341234"}, 3: {"community": "新滘居委会"}, 4: {"skip": True}}
    p = SD.preview_register(db, aid, "名册.xlsx", bad, edits=edits)
    assert not p.errors and (4, "在预览中选择不导入此行") in p.skipped
    assert "已在预览中修改：联系方式" in p.rows[0]["changes"]
    done = SD.import_register(db, aid, m["staff"], "名册.xlsx", bad, edits=edits)
    assert done["persons"] == 2
    assert [(c["name"], c["phone"], c["community"]) for c in SD.list_clients(db, aid)] == [
        ("张三", "13812341234", "石榴岗社区"), ("李四", "13812341234", "新滘社区")]


def test_the_user_can_change_the_column_mapping(slg):
    db, aid, m, _ = slg
    # "电话" is the station's office line column; the client's own number is under "本人手机"
    data = xlsx([["姓名", "电话", "本人手机", "社区", "类别", "户号"],
                 ["张三", "020-87654321", "13812341234", "石榴岗", "低保", "H1"]])
    guessed = SD.preview_register(db, aid, "名册.xlsx", data)
    assert guessed.mapping["phone"] == 1
    p = SD.preview_register(db, aid, "名册.xlsx", data, mapping={"phone": 2, "phone2": None})
    assert p.rows[0]["stored"]["phone"] == "13812341234"
    SD.import_register(db, aid, m["staff"], "名册.xlsx", data, mapping={"phone": 2})
    assert SD.list_clients(db, aid)[0]["phone"] == "13812341234"
    with pytest.raises(ImportRejected, match="B 列同时对应“联系电话”和“对象类别”"):
        SD.import_register(db, aid, m["staff"], "名册.xlsx", data, mapping={"phone": 1, "category": 1})
    with pytest.raises(ImportRejected, match="缺少必需的列“户号”"):
        SD.import_register(db, aid, m["staff"], "名册.xlsx", data, mapping={"household": None})


def test_a_header_far_below_or_missing_columns_is_named(slg):
    db, aid, m, _ = slg
    with pytest.raises(ImportRejected) as e:
        SD.import_register(db, aid, m["staff"], "名册.csv", "说明文字\n姓名,备注\n张三,无\n".encode())
    assert "缺少必需的列“联系电话”（第 2 行为表头" in str(e.value)


def test_reimport_replaces_the_register_before_the_sample_and_is_refused_after_with_the_reason(slg):
    db, aid, m, _ = slg
    name, data, want = shiliugang_register()
    SD.import_register(db, aid, m["staff"], name, data)
    small = xlsx([HEADER, [1, "张三", "男", "13812341234", "石榴岗", "低保", "H1", "", "", ""]])
    assert SD.import_register(db, aid, m["staff"], "更正.xlsx", small)["persons"] == 1
    SD.import_register(db, aid, m["staff"], name, data)
    calls.draw_sample(db, aid, m["lead"], seed="42")
    assert SD.register_replace_refusal(db, aid).startswith("已从名册抽取满意度调查样本")
    with pytest.raises(ImportRejected, match="已从名册抽取满意度调查样本，不能再替换名册"):
        SD.import_register(db, aid, m["staff"], "更正.xlsx", small)
    assert len(SD.list_clients(db, aid)) == want["persons"]


def test_a_client_without_a_phone_stays_in_the_register_and_counts_unreachable_when_drawn(slg):
    db, aid, m, _ = slg
    rows = [HEADER] + [[k, f"对象{k}", "", "无" if k <= 3 else f"138{k:08d}", "石榴岗", "低保", f"H{k}", "", "", ""]
                       for k in range(1, 21)]
    SD.import_register(db, aid, m["staff"], "名册.xlsx", xlsx(rows))
    assert SD.register_summary(db, aid)["no_phone"] == 3 and SD.register_summary(db, aid)["persons"] == 20
    calls.draw_sample(db, aid, m["lead"], seed="7")              # 20 < 100: everyone is surveyed
    res = calls.survey_results(db, aid)
    assert (res.sample_size, res.unreachable, res.pending) == (20, 3, 17)
    assert sum(1 for f in res.follow_up if f["reason"] == "名册中无联系电话") == 3
    items = calls.list_items(db, aid)
    assert sum(1 for i in items if i["status"] == "unreachable" and i["phone"] == REG.NO_PHONE) == 3


def test_register_page_shows_no_phone_and_the_second_phone_masked(slg):
    db, aid, m, _ = slg
    data = xlsx([HEADER, [1, "张三", "男", "13812341234/13900001111", "石榴岗", "低保", "H1", "", "", ""],
                 [2, "李四", "男", "", "石榴岗", "低保", "H2", "", "", ""]])
    SD.import_register(db, aid, m["staff"], "名册.xlsx", data)
    view = SD.register_view(db, aid)
    assert [(r["phone"], r["phone2"]) for r in view] == [("138****1234", "139****1111"), ("无电话", "")]
    from core.privacy import scrubber

    assert "13900001111" not in scrubber(db, aid)("第二个号码 13900001111")


# ---------- the command line ----------

def cli(*args, env_db=None):
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_cli_import_register_prints_persons_and_households_last(slg, tmp_path):
    db, aid, m, path = slg
    name, data, want = shiliugang_register()
    f = tmp_path / name
    f.write_bytes(data)
    db.conn.close()
    r = cli("import-register", aid, f, "--db", path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[-1] == f"persons {want['persons']}; households 84"
    assert any("合计行" in x for x in lines) and any("户号“同上”" in x for x in lines)
    assert not re.search(r"1[3-9]\d{9}", r.stdout) and "138****" in r.stdout   # phones masked in the terminal too
    db2 = connect(path)
    assert len(SD.list_clients(db2, aid)) == want["persons"]
    db2.conn.close()


def test_cli_import_register_refusal_prints_every_error_and_exits_1_storing_nothing(slg, tmp_path):
    db, aid, m, path = slg
    f = tmp_path / "坏名册.xlsx"
    f.write_bytes(xlsx([HEADER, [1, "张三", "男", "1381234", "石榴岗", "低保", "H1", "", "", ""],
                        [2, "李四", "男", "13812341234", "白云", "低保", "H2", "", "", ""]]))
    db.conn.close()
    r = cli("import-register", aid, f, "--db", path)
    assert r.returncode == 1
    assert "导入失败，数据未作任何修改" in r.stderr
    assert "第 2 行“联系方式”" in r.stderr and "第 3 行“所属居委”" in r.stderr
    assert "persons" not in r.stdout
    db2 = connect(path)
    assert SD.list_clients(db2, aid) == []
    db2.conn.close()


# ---------- bounded before parsing (issue 17 item 4) ----------

def test_a_tiny_xlsx_declaring_a_million_rows_and_16384_columns_is_refused_at_once(slg):
    db, aid, m, _ = slg
    data = xlsx_with_sheet_xml(sheet_xml([["姓名", "联系电话"]], dimension="A1:XFD1048576"))
    assert len(data) < 8000
    for importer in (SD.import_clients, SD.import_indicators):
        t = time.perf_counter()
        with pytest.raises(ImportRejected, match="列，超过上限 100 列"):
            importer(db, aid, m["staff"], "小文件.xlsx", data)
        assert time.perf_counter() - t < 1.0
    rows_only = xlsx_with_sheet_xml(sheet_xml([["姓名", "联系电话"]], dimension="A1:H1048576"))
    with pytest.raises(ImportRejected, match="超过 20000 行数据的上限"):
        SD.import_clients(db, aid, m["staff"], "小文件.xlsx", rows_only)


def test_an_xlsx_with_too_many_rows_and_no_declared_size_stops_reading_at_the_cap(slg):
    db, aid, m, _ = slg
    rows = [["姓名", "联系电话", "所属社区", "对象类别", "户号"]] + [
        [f"对象{i}", f"138{i:08d}", "石榴岗", "低保", f"H{i}"] for i in range(IM.MAX_CLIENT_ROWS + 100)]
    data = xlsx_with_sheet_xml(sheet_xml(rows))
    t = time.perf_counter()
    with pytest.raises(ImportRejected, match="超过 20000 行数据的上限，已停止读取"):
        SD.import_clients(db, aid, m["staff"], "大名册.xlsx", data)
    assert time.perf_counter() - t < 15
    sparse = xlsx_with_sheet_xml(sheet_xml([["姓名"]]).replace(
        "</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    with pytest.raises(ImportRejected, match="上限"):
        SD.import_clients(db, aid, m["staff"], "稀疏.xlsx", sparse)


def test_a_cell_beyond_the_column_cap_is_refused_while_reading(slg):
    db, aid, m, _ = slg
    wide = sheet_xml([["姓名", "联系电话"]]).replace(
        "</sheetData>", '<row r="2"><c r="ZZ2" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    with pytest.raises(ImportRejected, match="超过上限 100 列"):
        SD.import_clients(db, aid, m["staff"], "宽.xlsx", xlsx_with_sheet_xml(wide))
    csv_wide = ("姓名,联系电话" + ",x" * 150 + "\n").encode()
    with pytest.raises(ImportRejected, match="超过上限 100 列"):
        SD.import_clients(db, aid, m["staff"], "宽.csv", csv_wide)


def test_a_zip_bomb_sheet_is_refused_unread(slg):
    db, aid, m, _ = slg
    big = sheet_xml([["姓名"]]).replace("</sheetData>", "</sheetData>" + "<!--" + "x" * (70 * 1024 * 1024) + "-->")
    data = xlsx_with_sheet_xml(big)
    assert len(data) < IM.MAX_FILE_BYTES
    t = time.perf_counter()
    with pytest.raises(ImportRejected, match="解压后超过 64 MB"):
        SD.import_clients(db, aid, m["staff"], "炸弹.xlsx", data)
    assert time.perf_counter() - t < 2


def test_a_csv_with_too_many_rows_stops_at_the_cap(slg):
    db, aid, m, _ = slg
    data = ("姓名,联系电话,所属社区,对象类别,户号\n" + "".join(
        f"对象{i},138{i:08d},石榴岗,低保,H{i}\n" for i in range(IM.MAX_CLIENT_ROWS + 50))).encode()
    with pytest.raises(ImportRejected, match="超过 20000 行数据的上限"):
        SD.import_clients(db, aid, m["staff"], "大名册.csv", data)


IND_HEADER = ["指标名称", "单位", "协议指标量", "实际完成量", "备注"]


@pytest.mark.parametrize("value,column,message", [
    (str(2 ** 63), "协议指标量", "超出允许范围"),
    ("9" * 30, "实际完成量", "超出允许范围"),
    ("1e308", "协议指标量", "超出允许范围"),
    ("1e-400", "协议指标量", "小数位过多"),
    ("0.000001", "协议指标量", "小数位过多"),
    ("NaN", "协议指标量", "不是数字"),
    ("inf", "实际完成量", "不是数字"),
    ("-Infinity", "实际完成量", "不是数字"),
])
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_every_indicator_number_is_range_checked_naming_row_and_column(slg, kind, value, column, message):
    db, aid, m, _ = slg
    row = ["电话访问", "人次", 100, 90, ""]
    row[IND_HEADER.index(column)] = value
    rows = [IND_HEADER, ["入户探访", "户次", 500, 793, ""], row]
    data = xlsx(rows) if kind == "xlsx" else "\n".join(",".join(map(str, r)) for r in rows).encode()
    before = SD.list_indicators(db, aid)
    with pytest.raises(ImportRejected) as e:
        SD.import_indicators(db, aid, m["staff"], f"指标.{kind}", data)
    assert f"第 3 行“{column}”：" in str(e.value) and message in str(e.value)
    assert SD.list_indicators(db, aid) == before


def test_an_indicator_file_with_a_title_row_and_a_total_row_imports(slg):
    db, aid, m, _ = slg
    data = xlsx([["石榴岗街社工服务站协议指标完成情况"], IND_HEADER, ["电话访问", "人次", 1968, 2165, ""],
                 ["入户探访", "户次", 500, 793.5, ""], ["合计", "", 2468, 2958.5, ""]])
    assert SD.import_indicators(db, aid, m["staff"], "指标.xlsx", data) == 2
    assert [(r["name"], r["actual"]) for r in SD.list_indicators(db, aid)] == [("电话访问", 2165), ("入户探访", 793.5)]


# ---------- the register page: preview, mapping, fixes, one commit (AppTest) ----------

@pytest.fixture
def slg_app(shiliugang_file, app_env):
    import shutil

    src, aid, members = shiliugang_file
    shutil.copy(src, app_env)
    db = connect(app_env)
    yield db, aid, members
    db.conn.close()


def _page_with_file(aid, member_id, name, data):
    from conftest import app_test

    at = app_test("pages/register.py", auth={"assessment_id": aid, "member_id": member_id})
    at.session_state["register_import"] = {"gen": 1, "file": (name, data), "mapping": {}, "edits": {},
                                           "header_row": None}
    at.run()
    assert not at.exception, at.exception
    return at


def test_register_page_previews_every_row_masked_and_imports_on_confirmation(slg_app):
    db, aid, m = slg_app
    name, data, want = shiliugang_register()
    at = _page_with_file(aid, m["staff"], name, data)
    metrics = {x.label: x.value for x in at.metric}
    assert (metrics["将导入人数"], metrics["户数"], metrics["无电话（人）"]) == (str(want["persons"]), "84",
                                                                    str(want["no_phone"]))
    table = at.dataframe[-1].value
    assert len(table) == want["persons"] and list(table["行号"])[:2] == [5, 6]
    assert all("*" in n for n in table["姓名"]) and "无电话" in set(table["电话"])
    assert "户号“同上”记为“SLG001”（与第 5 行同户）" in table["修改"][1]
    assert at.selectbox(key="reg_map_phone_1").value == 3            # column D “联系方式”
    assert at.number_input(key="reg_header_1").value == 4
    assert SD.list_clients(db, aid) == []                           # nothing stored by the preview
    button = at.button(key="client_import")
    assert f"{want['persons']} 人，84 户" in button.label and not button.disabled
    button.click().run()
    assert not at.exception and not at.error
    assert len(SD.list_clients(db, aid)) == want["persons"]
    assert any(f"已导入 {want['persons']} 名重点服务对象（84 户）" in s.value for s in at.success)


def test_register_page_errors_are_fixed_in_the_preview_then_imported(slg_app):
    db, aid, m = slg_app
    data = xlsx([["名册"], HEADER, [1, "张三", "男", "1381234", "石榴岗", "低保", "H1", "", "", ""],
                 [2, "李四", "男", "13812341234", "白云", "低保", "H2", "", "", ""],
                 [3, "王五", "男", "13812341235", "石榴岗", "外来务工", "H3", "", "", ""]])
    at = _page_with_file(aid, m["staff"], "名册.xlsx", data)
    assert at.button(key="client_import").disabled
    assert any("有 3 处问题" in e.value for e in at.error)
    phone = at.text_input(key="reg_fix_1_3_phone")
    assert "第 3 行“联系方式”" in phone.label and phone.value == ""      # a phone is never shown unmasked
    assert at.text_input(key="reg_fix_1_4_community").value == "白云"
    table = at.dataframe[-1].value
    assert "所属居委：“白云”不是本站所辖社区" in table["问题"][1]
    phone.input("138 1234 0000").run()
    at.text_input(key="reg_fix_1_4_community").input("东风居委").run()
    at.checkbox(key="reg_skip_1_5").check().run()
    assert not at.exception
    assert not at.button(key="client_import").disabled
    assert SD.list_clients(db, aid) == []
    at.button(key="client_import").click().run()
    assert [(c["name"], c["phone"], c["community"]) for c in SD.list_clients(db, aid)] == [
        ("张三", "13812340000", "石榴岗社区"), ("李四", "13812341234", "东风社区")]


def test_register_page_mapping_changed_by_the_user_is_used(slg_app):
    db, aid, m = slg_app
    data = xlsx([["姓名", "电话", "本人手机", "社区", "类别", "户号"],
                 ["张三", "020-87654321", "13812341234", "石榴岗", "低保", "H1"]])
    at = _page_with_file(aid, m["staff"], "名册.xlsx", data)
    assert at.selectbox(key="reg_map_phone_1").value == 1
    at.selectbox(key="reg_map_phone_1").set_value(2).run()
    assert at.dataframe[-1].value["电话"][0] == "138****1234"
    at.button(key="client_import").click().run()
    assert SD.list_clients(db, aid)[0]["phone"] == "13812341234"


def test_register_page_refuses_a_new_file_once_the_sample_is_drawn(slg_app):
    db, aid, m = slg_app
    name, data, _ = shiliugang_register()
    SD.import_register(db, aid, m["staff"], name, data)
    calls.draw_sample(db, aid, m["lead"], seed="1")
    at = _page_with_file(aid, m["staff"], name, data)
    assert any("已从名册抽取满意度调查样本" in w.value for w in at.warning)
    assert len(at.get("file_uploader")) == 0 and len([b for b in at.button if b.key == "client_import"]) == 0
    assert at.get("download_button")            # the template download stays
