"""A register as stations keep it in Excel (issue 26): 所属社区 merged over a household's rows, 户主
and 同上 instead of a 户号 column, two heads of one name, a person listed twice, a 制表人/审核
footer — imported in one go, page and command line alike (石井街, made up, not the demo)."""
from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from core.assessment import team as A
from core.station import data as SD
from core.station import register_import as IM
from db.connection import connect
from db.migrations import migrate

ROOT = Path(__file__).resolve().parent.parent
COMMUNITIES = ["石井社区", "潭村社区", "红星社区"]
HEADER = ["序号", "户主", "姓名", "与户主关系", "联系电话", "所属社区", "对象类别", "备注"]


def shijing_register() -> bytes:
    """Title row; 所属社区 merged over each household; 户主 + 同上; 陈伟明 heads two households (other
    phones); 黄国强 listed twice (his phone once with spaces); 何志强's 户主 cell merged over his
    household; a 合计 row and a 制表人/审核 line without colons."""
    wb = Workbook()
    ws = wb.active
    ws.append(["石井街社工服务站重点服务对象名册（2025年）"])
    ws.merge_cells("A1:H1")
    ws.append(HEADER)
    rows = [
        (1, "陈伟明", "陈伟明", "本人", "13800000001", "石井社区", "独居老人"),        # row 3: household 1
        (2, "同上", "李秀英", "妻", "13800000002", None, "残疾人（肢体二级）"),          # 4
        (3, "同上", "陈嘉豪", "子", "13800000003", None, "困境儿童"),                  # 5
        (4, "黄国强", "黄国强", "本人", "13800000006", "潭村", "低保"),               # 6: household 2
        (5, "陈伟明", "陈伟明", "本人", "13900000007", "红星居委会", "低保"),          # 7: household 3 (same head's name)
        (6, "同上", "罗婉雯", "妻", "13900000008", None, "低保"),                    # 8
        (7, "梁美丽", "梁美丽", "本人", "138-0000-0009", "石井", "空巢老人"),          # 9: household 4
        (8, "同上", "梁俊杰", "子", "无", None, "低保边缘家庭成员"),                   # 10
        (9, "黄国强", "黄国强", "本人", "138 0000 0006", "潭村社区", "低保"),          # 11: listed twice
        (10, "何志强", "何志强", "本人", "13700000012", "红星社区", "特困供养"),        # 12: household 5
        (11, None, "何慧敏", "女", "13700000013", None, "困境儿童"),                  # 13 (户主 merged)
    ]
    for r in rows:
        ws.append(list(r) + [""])
    for rng in ("F3:F5", "F7:F8", "F9:F10", "F12:F13", "B12:B13"):
        ws.merge_cells(rng)
    ws.append(["合计", "", "11人", "", "", "", "", ""])                              # 14
    ws.append(["制表人", "张社工", "", "审核", "李站长", "", "", ""])                   # 15
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def shijing(tmp_path):
    path = tmp_path / "s.db"
    db = connect(path)
    migrate(db)
    sid = A.create_station(db, "石井街社工服务站", communities=COMMUNITIES)
    aid, lead = A.create_assessment(db, sid, "gz-2024-four-party", "组长甲", "1111")
    yield db, aid, lead, path
    db.conn.close()


def by_name(rows):
    return {r["name"]: r for r in rows}


def test_a_community_merged_over_a_household_reads_on_every_row_it_spans(shijing):
    db, aid, lead, _ = shijing
    p = SD.preview_register(db, aid, "石井街名册.xlsx", shijing_register())
    assert not p.errors, p.errors
    stored = {r["row"]: r["stored"] for r in p.rows}
    assert [stored[n]["community"] for n in (3, 4, 5)] == ["石井社区"] * 3
    assert [stored[n]["community"] for n in (7, 8)] == ["红星社区"] * 2
    assert stored[10]["community"] == "石井社区" and stored[13]["community"] == "红星社区"


def test_户主_with_同上_makes_households_and_two_heads_of_one_name_stay_two(shijing):
    db, aid, lead, _ = shijing
    p = SD.preview_register(db, aid, "石井街名册.xlsx", shijing_register())
    stored = {r["row"]: r["stored"] for r in p.rows}
    assert stored[3]["household"] == stored[4]["household"] == stored[5]["household"]
    assert stored[7]["household"] == stored[8]["household"] != stored[3]["household"]
    assert stored[12]["household"] == stored[13]["household"]      # the head's cell merged over both rows
    assert p.households == 5 and p.persons == 10


def test_two_blocks_whose_heads_share_name_and_phone_are_one_household(shijing):
    db, aid, lead, _ = shijing
    rows = [HEADER,
            [1, "陈伟明", "陈伟明", "本人", "13800000001", "石井社区", "独居老人", ""],
            [2, "黄国强", "黄国强", "本人", "13800000006", "潭村社区", "低保", ""],
            [3, "陈伟明", "李秀英", "妻", "13800000002", "石井社区", "低保", ""],
            [4, "同上", "陈伟明", "本人", "138-0000-0001", "石井社区", "独居老人", "重复登记"]]
    p = SD.preview_register(db, aid, "名册.xlsx", xlsx(rows))
    assert not p.errors, p.errors
    assert p.households == 2 and p.persons == 3
    stored = {r["row"]: r["stored"] for r in p.rows}
    assert stored[2]["household"] == stored[4]["household"]
    assert p.duplicates == [(5, 2)]


def test_a_person_listed_twice_is_counted_once_and_reported(shijing):
    db, aid, lead, _ = shijing
    rows = [["姓名", "联系电话", "所属社区", "对象类别", "户号"],
            ["黄国强", "13800000006", "潭村社区", "低保", "H1"],
            ["何志强", "13700000012", "潭村社区", "低保", "H2"],
            ["黄国强", "+86 138 0000 0006", "潭村社区", "低保", "H3"],
            ["黄国强", "13911112222", "潭村社区", "低保", "H4"]]      # same name, another phone: another person
    view = SD.register_preview_view(db, aid, "名册.xlsx", xlsx(rows))
    assert view["ok"] and view["persons"] == 3 and view["households"] == 3
    assert view["duplicates"] == [(4, 2)]
    assert dict(view["skipped"])[4] == "与第 2 行是同一人（姓名、电话相同），只计一次"
    done = SD.import_register(db, aid, lead, "名册.xlsx", xlsx(rows))
    assert done["persons"] == 3 and len(SD.list_clients(db, aid)) == 3


def test_合计_小计_制表人_审核_填表_rows_are_skipped_with_the_reason(shijing):
    db, aid, lead, _ = shijing
    rows = [["姓名", "联系电话", "所属社区", "对象类别", "户号"],
            ["黄国强", "13800000006", "潭村社区", "低保", "H1"],
            ["小计", "", "", "", ""],
            ["制表人", "张社工", "", "审核", "李站长"],
            ["", "填表日期 2025-11-02", "", "", ""],
            ["审核人：李站长", "13811112222", "", "低保", ""]]
    p = SD.preview_register(db, aid, "名册.xlsx", xlsx(rows))
    assert not p.errors, p.errors
    skipped = dict(p.skipped)
    assert "合计行" in skipped[3] and all("签名" in skipped[n] for n in (4, 5, 6))
    assert p.persons == 1


def test_a_register_without_户号_or_户主_is_refused_naming_both(shijing):
    db, aid, lead, _ = shijing
    rows = [["姓名", "联系电话", "所属社区", "对象类别"], ["黄国强", "13800000006", "潭村社区", "低保"]]
    p = SD.preview_register(db, aid, "名册.xlsx", xlsx(rows))
    assert any("“户号”或“户主”" in e for e in p.errors)


def xlsx(rows) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_cli_imports_the_register_as_kept_in_one_go(shijing, tmp_path):
    db, aid, lead, path = shijing
    f = tmp_path / "石井街名册.xlsx"
    f.write_bytes(shijing_register())
    db.conn.close()
    r = subprocess.run([sys.executable, "-m", "core", "import-register", str(aid), str(f), "--db", str(path)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[-1] == "persons 10; households 5"
    assert "重复登记 1 人，只计一次：第 11 行（同第 6 行）" in r.stdout
    assert any(x.startswith("第 14 行已跳过：合计行") for x in lines)
    assert any(x.startswith("第 15 行已跳过：") and "签名" in x for x in lines)
    assert not re.search(r"1[3-9]\d{9}", r.stdout) and "黄国强" not in r.stdout
    db2 = connect(path)
    clients = SD.list_clients(db2, aid)
    db2.conn.close()
    assert len(clients) == 10 and sum(c["name"] == "黄国强" for c in clients) == 1
    assert len({c["household"] for c in clients}) == 5


def test_merged_fill_reads_rows_below_only_not_across_a_title(tmp_path):
    rows = IM.read_rows("名册.xlsx", shijing_register(), fill=True)
    title = rows[0][1]
    assert title[0].startswith("石井街") and not any(title[1:])
    assert rows[3][1][5] == "石井社区"      # row 5, 所属社区 (F) merged from row 3
    assert IM.read_rows("名册.xlsx", shijing_register())[3][1][5] == ""   # without fill: as openpyxl reads it
