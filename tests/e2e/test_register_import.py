"""Browser: staff upload the station's own register (title row, 同上, a phone column the app
cannot guess), change the column mapping, fix a bad phone in the preview, and import once."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from . import st_ui as ui


@pytest.fixture(scope="module")
def shiliugang_in_server(server):
    from core.assessment import team as A
    from db.connection import connect

    db = connect(server.db_path)
    sid = A.create_station(db, "石榴岗街社工服务站", communities=["石榴岗社区", "新滘社区", "东风社区"])
    aid, lead = A.create_assessment(db, sid, "gz-2024-four-party", "石组长", "1111")
    A.add_member(db, aid, lead, "石职员", "staff", "3333")
    db.conn.close()
    return aid


def _register_file(path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["石榴岗街重点服务对象名册（2024年）"])
    ws.append(["姓名", "电话", "本人手机", "所属居委", "对象类别", "户号", "空挂户"])
    ws.append(["陈子昕", "020-87654321", "138-1234-1234", "石榴岗居委会", "低保、残疾人", "S1", "空挂"])
    ws.append(["陈大文", "020-87654321", "13812340000（女儿 13900001111）", "同上", "残疾人（肢体二级）", "同上", ""])
    ws.append(["梁美丽", "020-87654322", "1381234", "新滘", "特困供养", "S2", "√"])
    ws.append(["何伟", "", "无", "东风居委", "独居老人", "", ""])
    ws.append(["合计", "4人", "", "", "", "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


def test_staff_map_columns_fix_a_row_in_the_preview_and_import_once(server, new_page, shiliugang_in_server, tmp_path):
    from core.station import data as SD
    from db.connection import connect

    aid = shiliugang_in_server
    f = tmp_path / "石榴岗街名册.xlsx"
    _register_file(f)
    page = new_page()
    ui.login(page, server.url, aid, "石职员", "3333")
    ui.go(page, "重点服务对象名册")
    main = ui.main(page)
    expect(main.get_by_text("尚未导入名册")).to_be_visible()

    ui.widget(page, "client_upload").locator("input[type=file]").set_input_files(str(f))
    expect(main.get_by_text("导入预览：石榴岗街名册.xlsx")).to_be_visible()
    expect(main.get_by_text("表头在第 2 行")).to_be_visible()
    # The app guessed "电话" (the office line); the client's own number is under "本人手机".
    expect(ui.widget(page, "reg_map_phone_1").get_by_role("combobox")).to_have_value("B 列：电话")
    expect(ui.widget(page, "client_import").get_by_role("button")).to_be_enabled()

    ui.choose(page, "reg_map_phone_1", "C 列：本人手机")
    ui.wait_idle(page)
    # Row 5's own number is short: named with row and column, the import button disabled.
    fix = ui.widget(page, "reg_fix_1_5_phone")
    expect(fix).to_contain_text("第 5 行“本人手机”")
    expect(ui.widget(page, "client_import").get_by_role("button")).to_be_disabled()
    expect(main.get_by_text("1381234", exact=False)).to_have_count(0)      # never shown unmasked
    db = connect(server.db_path)
    assert SD.list_clients(db, aid) == []                                # the preview stores nothing

    ui.fill(page, "reg_fix_1_5_phone", "138 1234 5555")
    fix.locator("input").press("Enter")
    ui.wait_idle(page)
    button = ui.widget(page, "client_import").get_by_role("button")
    expect(button).to_be_enabled()
    expect(button).to_contain_text("4 人，3 户")
    expect(main.get_by_text("已跳过 2 行")).to_be_visible()              # the title and the 合计 row
    button.click()
    expect(main.get_by_text("已导入 4 名重点服务对象（3 户）")).to_be_visible()

    stored = SD.list_clients(db, aid)
    assert [(c["name"], c["phone"], c["phone2"], c["community"], c["category"], c["household"]) for c in stored] == [
        ("陈子昕", "13812341234", "", "石榴岗社区", "低保对象、残疾人", "S1"),
        ("陈大文", "13812340000", "13900001111", "石榴岗社区", "残疾人", "S1"),
        ("梁美丽", "13812345555", "", "新滘社区", "特困人员", "S2"),
        ("何伟", "", "", "东风社区", "独居老年人", ""),
    ]
    assert [c["vacant_household"] for c in stored] == [True, False, True, False]
    db.conn.close()
