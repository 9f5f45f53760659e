"""The app as a stranger on the station's Wi-Fi meets it (issue 17): served over HTTPS with the
laptop's own certificate (fingerprint printed at start and shown to the lead), plain HTTP from
another computer refused, deep links after a restart open the PIN form — never Streamlit's
automatic list of the pages/ folder — and PIN guessing through the browser is throttled."""
from __future__ import annotations

import hashlib
import re
import socket
import ssl

import pytest
from playwright.sync_api import expect

from . import st_ui as ui
from .server import start_server

LEAD, LEAD_PIN = "陈组长", "246810"
EXPERT, PIN = "林专家", "2468"

# Records every time Streamlit's own page list (stSidebarNav) is in the page, from the first byte on.
WATCH_NAV = """
window.__autoNav = [];
new MutationObserver(() => {
  const n = document.querySelector('[data-testid="stSidebarNav"]');
  if (n) window.__autoNav.push(n.innerText);
}).observe(document, {subtree: true, childList: true});
"""


def _fresh_db(tmp_path):
    """A new database with one assessment (a lead and an expert), as after a restart."""
    from core.assessment import team as A
    from db.connection import connect
    from db.migrations import migrate

    path = tmp_path / "assessment.db"
    db = connect(path)
    migrate(db)
    aid, lead = A.new_assessment(db, {"name": "深链街社工服务站"}, "gz-2024-four-party", LEAD, LEAD_PIN)
    A.add_member(db, aid, lead, EXPERT, "expert", PIN, ["A"])
    db.conn.close()
    return path, aid


@pytest.mark.parametrize("https,first_url", [(True, "scoring"), (True, "shared"), (False, "setup")],
                         ids=["https-scoring", "https-internal-module", "plain-local-setup"])
def test_a_deep_link_opened_first_after_a_restart_shows_the_pin_form(tmp_path, new_page, https, first_url):
    path, aid = _fresh_db(tmp_path)
    server = start_server(path, tmp_path / "log.txt", https=https)
    try:
        page = new_page()
        page.add_init_script(WATCH_NAV)
        page.goto(f"{server.url}/{first_url}?a={aid}")       # before anyone opened /
        expect(ui.widget(page, "login_pin")).to_be_visible()
        expect(page.get_by_text("请先在首页登录")).to_have_count(0)
        ui.wait_idle(page)
        assert page.evaluate("window.__autoNav") == [], "Streamlit's automatic page list was shown"
        if first_url == "setup":
            # logging in there opens the page the link named
            ui.choose(page, "login_name", LEAD)
            ui.fill(page, "login_pin", LEAD_PIN)
            ui.click(page, "登录")
            expect(ui.main(page).get_by_role("heading", name="评估设置")).to_be_visible()
            expect(ui.menu(page).get_by_text("修改记录")).to_be_visible()
            assert page.evaluate("window.__autoNav") == []
    finally:
        server.stop()


def _peer_fingerprint(url: str) -> str:
    host, port = re.match(r"https://([^:/]+):(\d+)", url).groups()
    ctx = ssl._create_unverified_context()
    with socket.create_connection((host, int(port)), timeout=10) as raw, ctx.wrap_socket(raw) as s:
        der = s.getpeercert(binary_form=True)
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def test_the_app_is_served_over_https_with_the_fingerprint_printed_and_shown_to_the_lead(tmp_path, new_page):
    path, aid = _fresh_db(tmp_path)
    server = start_server(path, tmp_path / "log.txt")
    try:
        assert server.url.startswith("https://")
        served = _peer_fingerprint(server.url)
        log = server.log()
        assert f"证书 SHA-256 指纹：{served}" in log            # printed by python -m core serve
        assert (path.parent / "https-cert.pem").exists() and (path.parent / "https-key.pem").exists()
        assert (path.parent / "https-key.pem").stat().st_mode & 0o077 == 0
        # plain HTTP on the HTTPS port gets nothing of the app
        import urllib.request

        with pytest.raises(Exception):
            urllib.request.urlopen(server.url.replace("https://", "http://") + "/_stcore/health", timeout=5).read()
        page = new_page()
        ui.login(page, server.url, aid, LEAD, LEAD_PIN)
        expect(ui.main(page).get_by_text(served)).to_be_visible()
        # an expert's home page does not show it (nothing to act on)
        other = new_page()
        ui.login(other, server.url, aid, EXPERT, PIN)
        expect(ui.main(other).get_by_text(served)).to_have_count(0)
    finally:
        server.stop()
    # a restart keeps the same certificate (the fingerprint users checked stays valid)
    again = start_server(path, tmp_path / "log2.txt")
    try:
        assert _peer_fingerprint(again.url) == served
    finally:
        again.stop()


def _lan_address() -> str:
    from core.tls import local_addresses

    lan = [a for a in local_addresses() if a not in ("127.0.0.1", "::1") and ":" not in a]
    if not lan:
        pytest.skip("this machine has no non-loopback IPv4 address to act as 'another computer'")
    return lan[0]


def test_plain_http_from_another_computer_is_refused_unless_explicitly_allowed(tmp_path, new_page):
    lan = _lan_address()
    path, aid = _fresh_db(tmp_path)
    # someone starts plain streamlit on every address by hand: browsers from the LAN are refused
    server = start_server(path, tmp_path / "log.txt", https=False, address="0.0.0.0")
    try:
        port = server.url.rsplit(":", 1)[1]
        page = new_page()
        page.goto(f"http://{lan}:{port}/?a={aid}")
        expect(ui.main(page).get_by_text(re.compile("只能通过 HTTPS 访问"))).to_be_visible()
        expect(ui.widget(page, "login_pin")).to_have_count(0)
        # on the laptop itself plain HTTP still works (python -m streamlit run app.py)
        local = new_page()
        ui.login(local, server.url, aid, LEAD, LEAD_PIN)
    finally:
        server.stop()
    # the explicit flag allows it (and says what it means)
    server = start_server(path, tmp_path / "log2.txt", address="0.0.0.0", http_flag=True)
    try:
        assert "明文 HTTP" in server.log()
        # listening on every address, it never asked the internet for an "External URL"
        assert "External URL" not in server.log() and "external IP" not in server.log()
        port = server.url.rsplit(":", 1)[1]
        page = new_page()
        page.goto(f"http://{lan}:{port}/?a={aid}")
        expect(ui.widget(page, "login_pin")).to_be_visible()
    finally:
        server.stop()


def _wait_for(check, seconds: float = 20) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_pin_guessing_in_the_browser_is_throttled_and_the_lead_sees_it(server, new_page):
    from core.assessment import team as A
    from db.connection import connect

    db = connect(server.db_path)
    aid, lead = A.new_assessment(db, {"name": "猜测街社工服务站"}, "gz-2024-four-party", LEAD, LEAD_PIN)
    A.add_member(db, aid, lead, EXPERT, "expert", PIN, ["A"])
    page = new_page()
    page.goto(f"{server.url}/?a={aid}")
    ui.choose(page, "login_name", LEAD)
    for n, guess in enumerate(["0000", "1111", "2222", "3333", "4444"], 1):
        ui.fill(page, "login_pin", guess)
        ui.click(page, "登录")
        expect(ui.main(page).get_by_text("姓名或 PIN 不正确")).to_be_visible()
        _wait_for(lambda: A.failed_login_count(db, aid) == n)   # this submit, not the previous one's message
    ui.fill(page, "login_pin", LEAD_PIN)          # the right PIN, but too soon
    ui.click(page, "登录")
    expect(ui.main(page).get_by_text(re.compile(r"PIN 错误次数较多，请 \d+ 秒后再试"))).to_be_visible()
    expect(ui.main(page).get_by_text(f"您好，{LEAD}")).to_have_count(0)
    assert A.failed_login_count(db, aid) == 5
    rows = [r for r in A.audit_entries(db, aid) if r["action_code"] == "login_failed"]
    assert {r["key"] for r in rows} == {LEAD} and all("本机" in r["new"] for r in rows)
    # the lead, from the command line, lifts it; then logs in and sees the record
    assert A.unlock_from_command_line(db, aid, LEAD, "本机") == [LEAD, "本机"]
    db.conn.close()
    ui.fill(page, "login_pin", LEAD_PIN)
    ui.click(page, "登录")
    expect(ui.main(page).get_by_text(f"您好，{LEAD}")).to_be_visible()
    expect(ui.main(page).get_by_text("登录失败记录 5 次", exact=False)).to_be_visible()
