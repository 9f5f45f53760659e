"""The assessment day in real browsers: several people, one server, one SQLite file.

Each person has their own browser context (their own laptop). Waits are explicit
(Playwright expect), never sleeps.
"""
from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from . import st_ui as ui
from .server import screenshot

LEAD, LEAD_PIN = "李组长", "8080"
EXPERT1, PIN1 = "张专家", "2468"
EXPERT2, PIN2 = "刘专家", "1357"
STAFF, STAFF_PIN = "何工作人员", "9753"


def _query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _metric(page, label: str):
    return ui.main(page).get_by_test_id("stMetric").filter(has_text=label)


def _survey_figure(page, label: str):
    """The cell under `label` in the dashboard's survey table (one row of figures, ui.static_table)."""
    table = ui.main(page).locator("table").filter(has_text="满意度（目前）")
    expect(table).to_be_visible()
    heads = [h.strip() for h in table.locator("th").all_inner_texts()]
    return table.locator("tbody tr").first.locator("td").nth(heads.index(label))


def create_assessment(page, url: str, station: str) -> int:
    """The lead's first step: the home page 「新建评估」 form. Returns the assessment id."""
    page.goto(url)
    ui.open_expander(page, "新建评估（组长）")
    ui.fill(page, "new_station", station)
    ui.fill(page, "new_district", "海珠区")
    ui.fill(page, "new_period", "2024—2025 年度")
    ui.fill(page, "new_lead", LEAD)
    ui.fill(page, "new_lead_pin", LEAD_PIN)
    ui.click(page, "创建评估")
    expect(ui.main(page).get_by_text(f"您好，{LEAD}")).to_be_visible()
    return int(_query(page)["a"])


def add_member(page, name: str, pin: str, role: str = "评估专家", sections: tuple[str, ...] = ()) -> None:
    """「评估设置」 → 添加成员 form."""
    ui.fill(page, "new_member_name", name)
    if role != "评估专家":
        ui.choose(page, "new_member_role", role)
    ui.fill(page, "new_member_pin", pin)
    for sec in sections:
        ui.add_choice(page, "new_member_sections", sec)
    ui.click(page, "添加")
    expect(ui.main(page).locator("strong", has_text=name)).to_be_visible()


def _radio(page, key_prefix: str, option: str) -> None:
    group = ui.main(page).locator(f"[class*='st-key-{key_prefix}']")
    group.get_by_text(option, exact=True).click()
    expect(group.get_by_role("radio", name=option)).to_be_checked()


def _register_and_sample(db_path, aid: int, caller: str) -> None:
    """A 3-person register, everyone sampled, all assigned to `caller`."""
    from core.survey import calls as SV
    from core.station import data as SD
    from core.assessment import team as A
    from db.connection import connect

    db = connect(db_path)
    try:
        ids = {m["name"]: m["id"] for m in A.list_members(db, aid)}
        A.update_station(db, aid, ids[LEAD], communities=["瑞宝社区"])
        SD.import_clients(db, aid, ids[LEAD], "名册.csv", (
            "姓名,联系电话,所属社区,对象类别,户号\n黄晓昕,13812341234,瑞宝社区,低保对象,H1\n"
            "李大明,13900001111,瑞宝社区,特困人员,H2\n陈小红,13700002222,瑞宝社区,残疾人,H3\n").encode())
        SV.draw_sample(db, aid, ids[LEAD], seed="e2e")
        SV.assign(db, aid, ids[LEAD], [i["id"] for i in SV.list_items(db, aid)], ids[caller])
    finally:
        db.conn.close()


def test_lead_sets_up_experts_score_and_the_dashboard_follows_without_reload(server, new_page):
    lead = new_page()
    aid = create_assessment(lead, server.url, "瑞宝街社工服务站")
    ui.go(lead, "评估设置")
    expect(ui.main(lead).get_by_role("heading", name="评估成员与分工")).to_be_visible()
    add_member(lead, EXPERT1, PIN1, sections=("A 项目管理",))
    add_member(lead, EXPERT2, PIN2, sections=("C 服务监测",))
    add_member(lead, STAFF, STAFF_PIN, role="工作人员")
    screenshot(lead, "lead-setup")

    ui.go(lead, "实时总览")
    scored = _metric(lead, "已评单元")
    expect(scored).to_contain_text(re.compile(r"0/\d+"))
    total = int(re.search(r"0/(\d+)", scored.inner_text()).group(1))

    # Expert 1 ticks a criterion of A1 (组合分) on her own laptop.
    e1 = new_page()
    ui.login(e1, server.url, aid, EXPERT1, PIN1)
    ui.go(e1, "专家评分")
    ui.main(e1).get_by_text("持证社工占协议要求配备人数不低于 70%（1.5 分）").click()
    expect(ui.main(e1).get_by_text(re.compile(r"A1 .*当前得分 1\.5"))).to_be_visible()
    screenshot(e1, "expert-scoring")

    # Expert 2 types a free score for C1.
    e2 = new_page()
    ui.login(e2, server.url, aid, EXPERT2, PIN2)
    ui.go(e2, "专家评分")
    box = ui.main(e2).get_by_label(re.compile(r"得分（0–8）")).first
    box.fill("7")
    box.press("Enter")
    expect(ui.main(e2).get_by_text(re.compile(r"C1 .*当前得分 7"))).to_be_visible()

    # The lead's dashboard, never reloaded, shows both saves.
    expect(scored).to_contain_text(f"2/{total}")

    # The staff member records a survey call (register and sample set up through db: not under test).
    _register_and_sample(server.db_path, aid, caller=STAFF)
    staff = new_page()
    ui.login(staff, server.url, aid, STAFF, STAFF_PIN)
    ui.go(staff, "电话回访")
    main = ui.main(staff)
    expect(main.get_by_text("第 1 次拨打", exact=True)).to_be_visible()
    _radio(staff, "call_outcome_", "接通")
    _radio(staff, "call_respondent_", "本人")
    _radio(staff, "call_knows_", "是")
    _radio(staff, "call_overall_", "非常满意")
    main.get_by_role("button", name="保存第 1 次拨打记录").click()
    expect(main.get_by_text("已完成 1 / 3")).to_be_visible()
    screenshot(staff, "staff-survey-calls")

    # ... and the lead's dashboard, still not reloaded, counts it.
    expect(_survey_figure(lead, "已接通")).to_have_text("1")
    expect(_survey_figure(lead, "满意度（目前）")).to_contain_text("100")
    screenshot(lead, "lead-dashboard")

    # The lead builds and downloads the report PDF.
    ui.go(lead, "报告与导出")
    ui.main(lead).get_by_role("tab", name="生成与导出").click()
    ui.click(lead, "生成报告 PDF")
    with lead.expect_download() as dl:
        ui.click(lead, "下载报告 PDF")
    pdf = dl.value.path().read_bytes()
    screenshot(lead, "lead-report")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert pdf.startswith(b"%PDF") and "瑞宝街社工服务站" in text
    assert re.search(r"100(\.0)?%", text)  # the one reached client was satisfied


def _team_via_db(db_path, station: str) -> tuple[int, dict[str, int]]:
    """Set-up that is not under test: an assessment with a lead and one expert on section A."""
    from core.assessment import team as A
    from db.connection import connect

    db = connect(db_path)
    try:
        aid, lead_id = A.new_assessment(db, {"name": station, "district": "海珠区"}, "gz-2024-four-party", LEAD, LEAD_PIN)
        e1 = A.add_member(db, aid, lead_id, EXPERT1, "expert", PIN1, ["A"])
    finally:
        db.conn.close()
    return aid, {LEAD: lead_id, EXPERT1: e1}


HOSTILE = "<b>x</b><script>window.__xss = 1</script> **粗体** [链接](http://example.com) 𠀀𪚥 😀"


def test_reloading_an_experts_page_loses_nothing_and_asks_only_the_pin(server, new_page):
    aid, ids = _team_via_db(server.db_path, "南洲街社工服务站")
    page = new_page()
    ui.login(page, server.url, aid, EXPERT1, PIN1)
    ui.go(page, "专家评分")
    main = ui.main(page)
    main.get_by_text("持证社工占协议要求配备人数不低于 70%（1.5 分）").click()
    expect(main.get_by_text(re.compile(r"A1 .*当前得分 1\.5"))).to_be_visible()
    note = main.get_by_label("备注").first
    note.fill("花名册与证书一致")
    note.blur()
    ui.widget(page, "fd_A__newtext").locator("textarea").fill(HOSTILE)
    ui.click(page, "添加意见")
    expect(main.get_by_text("意见已保存").or_(page.get_by_text("意见已保存"))).to_be_visible()

    page.reload()
    # The URL kept ?a=&m=: the login form has the expert preselected; only the PIN is asked. The
    # sign-in token (?s=) brings back only a page left open through a server restart: a reload drops it.
    expect(ui.widget(page, "login_name").get_by_role("combobox")).to_have_value(EXPERT1)
    page.wait_for_function("!new URLSearchParams(location.search).has('s')")
    assert _query(page) == {"a": str(aid), "m": str(ids[EXPERT1])}
    expect(page.get_by_text("Page not found")).to_have_count(0)
    ui.fill(page, "login_pin", PIN1)
    ui.click(page, "登录")
    # back on the page the expert was on
    expect(ui.main(page).get_by_role("heading", name="专家评分")).to_be_visible()
    main = ui.main(page)
    expect(main.get_by_text(re.compile(r"A1 .*当前得分 1\.5"))).to_be_visible()
    expect(main.get_by_role("checkbox", name="持证社工占协议要求配备人数不低于 70%（1.5 分）")).to_be_checked()
    expect(main.get_by_label("备注").first).to_have_value("花名册与证书一致")
    # The finding survived verbatim and is shown as text, never rendered as HTML/Markdown.
    expect(main.locator("textarea").filter(has_text="<script>").first).to_have_value(HOSTILE)
    assert page.evaluate("window.__xss") is None
    expect(main.locator("b", has_text="x")).to_have_count(0)
    from db import scores as S
    from db.connection import connect

    db = connect(server.db_path)
    assert [f["text"] for f in S.findings(db, aid, "A")] == [HOSTILE]
    db.conn.close()
    screenshot(page, "expert-after-reload")


def test_a_wrong_pin_is_refused(server, new_page):
    aid, _ = _team_via_db(server.db_path, "江海街社工服务站")
    page = new_page()
    page.goto(f"{server.url}/?a={aid}")
    ui.choose(page, "login_name", EXPERT1)
    ui.fill(page, "login_pin", "0000")
    ui.click(page, "登录")
    expect(ui.main(page).get_by_text("姓名或 PIN 不正确")).to_be_visible()
    expect(ui.main(page).get_by_text(f"您好，{EXPERT1}")).to_have_count(0)
    expect(ui.menu(page).get_by_text("专家评分")).to_have_count(0)
    assert "m" not in _query(page)


def test_reloading_a_page_shows_no_page_not_found_dialog(server, new_page):
    aid, _ = _team_via_db(server.db_path, "赤岗街社工服务站")
    page = new_page()
    ui.login(page, server.url, aid, EXPERT1, PIN1)
    ui.go(page, "专家评分")
    expect(ui.main(page).get_by_role("heading", name="专家评分")).to_be_visible()
    page.reload()
    expect(ui.widget(page, "login_pin")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)
