"""Browser: no English text of Streamlit's own on the pages a user sees in a day (issue 26) — the
upload boxes, the multiselect's 「Select all」, the camera, an empty table and the dialog shown when the
server is gone. The CSS in pages/_shared.py (CHROME_CSS) is pinned to the installed Streamlit; this
test is what tells when an upgrade changed Streamlit's markup."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit
from playwright.sync_api import expect


from . import st_ui as ui
from .server import start_server


def _pinned_version() -> str:
    """CHROME_STREAMLIT_VERSION read from pages/_shared.py's source. Importing pages._shared here would
    make its st.Page objects outside a Streamlit run, and every AppTest after this test in the same
    pytest process would then find them broken ('Page' object has no attribute '_title')."""
    src = (Path(__file__).resolve().parents[2] / "pages" / "_shared.py").read_text(encoding="utf-8")
    return re.search(r'^CHROME_STREAMLIT_VERSION = "([^"]+)"', src, re.M).group(1)

ENGLISH = re.compile(r"Upload|per file|Drag and drop|Browse files|Select all|Select \d+ matches|Connection error|"
                     r"Streamlit|connected to the internet|Take Photo|Clear photo|\bempty\b")


def visible_text(page) -> str:
    """What the user reads: innerText leaves out text hidden by CSS (visibility / display)."""
    return page.evaluate("() => document.body.innerText")


def after(locator) -> str:
    return locator.evaluate("e => getComputedStyle(e, '::after').content")


@pytest.fixture(scope="module")
def fresh(server):
    """A brand-new assessment of a new station (not the demo): lead, an expert, staff; nothing imported."""
    from core.assessment import team as A
    from db.connection import connect

    db = connect(server.db_path)
    sid = A.create_station(db, "石井街社工服务站", communities=["石井社区", "潭村社区"])
    aid, lead = A.create_assessment(db, sid, "gz-2024-four-party", "石组长", "1111")
    A.add_member(db, aid, lead, "石专家", "expert", "2222", sections=["A"])
    A.add_member(db, aid, lead, "石职员", "staff", "3333")
    db.conn.close()
    return aid


def test_the_css_is_pinned_to_the_installed_streamlit():
    assert streamlit.__version__ == _pinned_version()


def test_upload_boxes_and_an_empty_table_show_no_english(server, new_page, fresh):
    page = new_page()
    ui.login(page, server.url, fresh, "石职员", "3333")
    ui.go(page, "重点服务对象名册")
    box = ui.widget(page, "client_upload")
    expect(box.get_by_test_id("stFileUploaderDropzone")).to_be_visible()
    assert after(box.locator("button [data-testid=stMarkdownContainer] p")) == '"选择文件"'
    assert "拖到这里" in after(box.get_by_test_id("stFileUploaderDropzoneInstructions").locator("span").first)
    assert not ENGLISH.search(visible_text(page)), ENGLISH.search(visible_text(page))
    # The caller's page of a new assessment (no sample yet): Chinese only.
    ui.go(page, "电话回访")
    ui.wait_idle(page)
    assert not ENGLISH.search(visible_text(page)), ENGLISH.search(visible_text(page))
    assert "暂无记录" in visible_text(page) or not page.get_by_test_id("stDataFrame").count()


def test_the_sections_multiselect_offers_全选_not_select_all(server, new_page, fresh):
    page = new_page()
    ui.login(page, server.url, fresh, "石组长", "1111")
    ui.go(page, "评估设置")
    box = ui.widget(page, "new_member_sections").locator("input").first
    box.scroll_into_view_if_needed()
    box.click()
    dropdown = page.get_by_test_id("stMultiSelectDropdown")
    expect(dropdown).to_be_visible()
    item = dropdown.locator('[data-key="__select_all__"] [data-item-hl]')
    assert after(item) == '"全选"'
    assert "Select all" not in dropdown.evaluate("e => e.innerText")
    assert not ENGLISH.search(visible_text(page)), ENGLISH.search(visible_text(page))


def test_the_dialog_when_the_server_is_gone_is_in_chinese(new_page, fresh, server, tmp_path):
    own = start_server(server.db_path, tmp_path / "own.log")
    try:
        page = new_page()
        ui.login(page, own.url, fresh, "石专家", "2222")
    finally:
        own.stop()
    dialog = page.get_by_test_id("stDialog")
    expect(dialog).to_be_visible(timeout=60_000)
    title = dialog.locator("h2")
    assert after(title) == '"与评估台的连接已中断"'
    text = dialog.evaluate("e => e.innerText")
    assert not ENGLISH.search(text), text
    body = dialog.locator("section[role=dialog] > h2 + div")
    assert "组长的笔记本" in body.evaluate("e => getComputedStyle(e, '::before').content")
