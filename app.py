"""Entry point: page config, migrations, login state, role-based navigation."""
import streamlit as st

from pages import _shared as ui
from pages import _sync_panel as sync_panel

st.set_page_config(page_title="社工站现场评估台", page_icon=":material/assignment:", layout="wide")
ui.chinese_chrome()
ui.entered_through_app()
ui.ensure_migrated(ui.db_path())
ui.freeze_startup_objects()
if ui.plain_http_from_another_computer():
    st.error("为保护 PIN 和服务对象信息，其他电脑只能通过 HTTPS 访问本系统。请组长用 `python -m core serve` "
             "启动（自动生成本机证书），再打开它显示的 https:// 地址。")
    st.stop()

who = ui.current_user()

P = ui.PAGES
if who is None:
    # Every page's address stays known while logged out, so reloading e.g. /scoring
    # shows the PIN form (pre-filled from ?a=&m=) instead of "Page not found"; once
    # logged in, the same address opens its page.
    login_at = [P["home"]] + [st.Page("pages/home.py", title=p.title, url_path=p.url_path)
                              for key, p in P.items() if key != "home"]
    st.navigation(login_at, position="hidden").run()
    st.stop()
else:
    role = who["role"]
    nav = {"": [P["home"]]}
    if role == "lead":
        # In the order of the day: set-up first, the report and the log last.
        nav["准备"] = [P["setup"], P["frameworks"]]
        nav["社工站数据"] = [P["station_data"], P["register"], P["survey"]]
        nav["现场评估"] = [P["dashboard"], P["scoring"], P["site_records"], P["survey_calls"], P["sync"]]
        nav["报告"] = [P["report"], P["audit"]]
        nav["历次评估与总览"] = [P["history"], P["overview"]]
    elif role == "expert":
        nav["现场评估"] = [P["scoring"], P["site_records"], P["survey_calls"], P["dashboard"], P["history"]]
    else:  # staff
        nav["现场评估"] = [P["survey_calls"], P["station_data"], P["register"], P["survey"]]

    if role != "lead" and sync_panel.is_laptop(ui.get_db()):
        nav["现场评估"].append(P["sync"])        # a member's own laptop: sync now, or a changes file
page = st.navigation(nav, position="hidden")
with st.sidebar:
    ui.nav_menu(nav)
    if who is not None:
        ui.sidebar_identity(who)
        sync_panel.laptop_banner(ui.get_db())    # a member's own laptop (issue 23): whose copy, last met
        # Navigation clears query parameters; keep ?a=&m= so that after a browser
        # refresh the login form is pre-filled and only the PIN is asked.
        ui.remember_login(who)

try:
    page.run()
finally:
    # A session resumed after a server restart: what the browser sent reaches the page's savers now
    # (also when the page stopped or reran: the replay never waits for a later run).
    ui.replay_browser_input()
    ui.tidy_memory()   # a heavy package this run loaded leaves the collector's walk; closed sessions' memory given back
