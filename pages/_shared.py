"""UI plumbing shared by the pages: database handle, who is logged in, messages, escaping.

No SQL and no rules here: pages read, write and compute through core/ (never db/).
"""
from __future__ import annotations

import gc
import os
import runpy
import sys
import time
from pathlib import Path

import streamlit as st
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
from streamlit.runtime.state.session_state import Serialized

from core import store
from core.numbers import fmt_share, round_half_up
from core.assessment import sessions, team
from core.errors import DataError
from core.labels import ROLES
from pages import _arrow

PAGES = {
    "home": st.Page("pages/home.py", title="首页", icon=":material/home:", default=True),
    "setup": st.Page("pages/setup.py", title="评估设置", icon=":material/settings:"),
    "frameworks": st.Page("pages/frameworks.py", title="评估框架", icon=":material/account_tree:"),
    "scoring": st.Page("pages/scoring.py", title="专家评分", icon=":material/edit_note:"),
    "dashboard": st.Page("pages/dashboard.py", title="实时总览", icon=":material/monitoring:"),
    "station_data": st.Page("pages/station_data.py", title="协议指标与人员", icon=":material/table_chart:"),
    "register": st.Page("pages/register.py", title="重点服务对象名册", icon=":material/groups:"),
    "site_records": st.Page("pages/site_records.py", title="现场记录", icon=":material/checklist:"),
    "survey": st.Page("pages/survey.py", title="满意度抽样与结果", icon=":material/casino:"),
    "survey_calls": st.Page("pages/survey_calls.py", title="电话回访", icon=":material/call:"),
    "report": st.Page("pages/report.py", title="报告与导出", icon=":material/picture_as_pdf:"),
    "audit": st.Page("pages/audit.py", title="修改记录", icon=":material/history:"),
    "sync": st.Page("pages/sync.py", title="团队同步", icon=":material/sync:"),
    "history": st.Page("pages/history.py", title="历次评估", icon=":material/timeline:"),
    "overview": st.Page("pages/overview.py", title="机构总览", icon=":material/insights:"),
}


APP = Path(__file__).resolve().parent.parent / "app.py"
_VIA_APP = "_ui_via_app"


def entered_through_app() -> None:
    """app.py's mark, first thing in every run: this session's pages run inside its navigation."""
    st.session_state[_VIA_APP] = True


def through_app() -> None:
    """Run app.py instead when a page file is run on its own: after a server start, until app.py
    has run once in the process, Streamlit runs the pages/ file a deep link names (e.g. /scoring)
    directly, without app.py's login and navigation. app.py then shows the PIN form for that
    address (and the same address opens the page once logged in). A logged-in session has been
    through app.py already (logging in happens on its home page), so only a session with neither
    the mark nor a login is sent there (AppTest's page tests inject a login and run a page alone)."""
    if st.session_state.get(_VIA_APP) or "auth" in st.session_state:
        return
    runpy.run_path(str(APP), run_name="__main__")
    st.stop()


def nav_menu(sections: dict) -> None:
    """The menu in the sidebar ({section: [st.Page]}), drawn with st.page_link: Streamlit's own
    sidebar navigation is switched off (client.showSidebarNavigation = false in
    .streamlit/config.toml) so that its automatic list of pages/ never shows."""
    for section, pages in sections.items():
        if section:
            st.caption(esc(section))
        for page in pages:
            st.page_link(page)


def db_path() -> str:
    return store.db_path()


@st.cache_resource(show_spinner=False)
def _migrated(path: str) -> bool:
    store.open_db(path).conn.close()
    return True


@st.cache_resource(show_spinner=False)
def freeze_startup_objects() -> bool:
    """Once per server process: move every object alive now out of the garbage collector's reach
    (gc.freeze). The full collection Streamlit makes after every script run (runner.postScriptGC,
    kept on: it holds memory flat, bench/gc.py) then walks only what the runs themselves create
    instead of every module and class of the process. The heavy packages (pandas, reportlab,
    openpyxl, python-docx) are not imported here: each is loaded by the first page or download that
    uses it, and frozen after that run (tidy_memory) — a server whose team only scores,
    watches the dashboard and calls never holds them (issue 27, bench/memory.py)."""
    _steady_malloc()
    _freeze()
    return True


def _steady_malloc() -> None:
    """glibc's malloc_trim, for tidy_memory (when the server runs on glibc). glibc's thresholds stay as
    they are: fixing its mmap threshold at 128 KiB (each larger block mapped and unmapped) made the
    page switches of 现场记录 and 实时总览 ~30% slower (bench/page_switch.py)."""
    import ctypes   # standard library: glibc's malloc_trim; with another C library nothing is done

    try:
        _malloc_trim.append(ctypes.CDLL("libc.so.6").malloc_trim)
    except (OSError, AttributeError):
        return


# Modules loaded when the garbage collector's frozen set was last made (sys.modules' size), and how many
# more a run may load before the set is made again: a page's own core modules are a few (a few hundred
# objects), a heavy package's first use hundreds (pandas 335 modules, 31,000 objects).
_frozen_at = [0]
_REFREEZE_MODULES = 50
# glibc's malloc_trim (when the server runs on glibc), and when it last ran: at most every TRIM_SECONDS.
_malloc_trim: list = []
_trimmed_at = [0.0]
TRIM_SECONDS = 10


def _freeze() -> None:
    gc.collect()
    gc.freeze()
    _frozen_at[0] = len(sys.modules)


def tidy_memory() -> None:
    """After every script run (app.py), for the server's memory (issue 27, bench/memory.py):

    - when the run (or a download since the last run) loaded a heavy package, freeze again, so that
      Streamlit's collection after each run does not walk it from then on. The objects of the sessions
      alive at that moment are frozen with it; this happens once per package and server process (a
      page's first use of it), never again afterwards;
    - at most every TRIM_SECONDS, malloc_trim(0): the free memory that closed sessions left between
      blocks still in use (glibc's per-thread arenas; each session's script runs on threads of its own)
      is given back to the system (0.2–3 ms). Without it the server stayed 3–7 MB above its rest after
      six sessions closed, more after each further round; with it +1.4–2.5 MB (bench/memory.py)."""
    if len(sys.modules) - _frozen_at[0] >= _REFREEZE_MODULES:
        _freeze()
    now = time.monotonic()
    if _malloc_trim and now - _trimmed_at[0] >= TRIM_SECONDS:
        _trimmed_at[0] = now
        _malloc_trim[0](0)


def ensure_migrated(path: str) -> bool:
    """Migrate once per process; a database the app cannot use (made by a newer version) stops
    every page with one Chinese message instead of being used as if it were current."""
    try:
        return _migrated(path)
    except DataError as e:
        st.error(esc(str(e)))
        st.stop()


_DB_KEY = "_ui_db"


def get_db():
    """This session's connection to the database file: opened on the session's first run and kept in its
    session state, so a rerun (a page switch, a tick) opens nothing — opening one per rerun (and per
    call: the login check and the sidebar asked for their own) cost about a tenth of every script run.
    The session's script runs follow one another (fragments and callbacks included), so one connection
    is never used by two of them at once (check_same_thread=False lets the next run's thread use it).
    Every statement outside `transaction` autocommits, so a kept connection holds no read snapshot
    between runs and sees every other laptop's writes; a transaction a stopped run left open is rolled
    back here. Deferred downloads (st.download_button with a callable) open their own connection.
    When the session ends its state, and with it the connection, is dropped."""
    through_app()
    path = db_path()
    held = st.session_state.get(_DB_KEY)
    if held is not None and held[0] == path:
        return store.ready(held[1])
    db = store.open_db(path, migrated=False)
    st.session_state[_DB_KEY] = (path, db)
    return db


def current_user() -> dict | None:
    """The logged-in member as {assessment_id, member_id, name, role}, or None.

    Lives in session state (UI state); the URL keeps ?a=&m= so that after a browser refresh only
    the PIN is asked again, and ?s= (the browser's sign-in token) so that a page left open through
    a server restart comes back signed in (resume_session).
    """
    through_app()
    who = st.session_state.get("auth")
    if who is None:
        return resume_session()
    member = team.session_member(get_db(), who["member_id"])
    if member is None:
        st.session_state.pop("auth", None)
    return member


# The sign-in token's query parameter, and where a resumed session keeps the browser's input for
# replay_browser_input.
TOKEN_PARAM = "s"
_REPLAY = "_ui_replay_input"


def _browser_input() -> dict:
    """{widget id: value} that the browser sent with this run, as Streamlit keeps them before any
    widget of the run has read them. Empty in the first run of a page opened, reloaded or typed into
    the address bar; not empty when a page that was already showing the app sends its widgets' values
    (a server restart left it without its session). Values still serialised belong to widgets this
    session has never drawn: their on_change has not run (replay_browser_input)."""
    ctx = get_script_run_ctx()
    states = getattr(getattr(getattr(ctx, "session_state", None), "_state", None), "_new_widget_state", None)
    return dict(getattr(states, "states", None) or {})


def resume_session() -> dict | None:
    """A page that was open before this session began (the server restarted, or its session was
    dropped) comes back signed in when the URL's token is still a sign-in of the member and
    assessment it names (core.assessment.sessions: expired, revoked, another assessment's or
    member's token refused). A page opened or reloaded shows the PIN form: its token is dropped
    from the URL. The values the browser sent are set aside and replayed once the page's widgets
    are known (replay_browser_input), so what was typed reaches its widget's saver."""
    token = st.query_params.get(TOKEN_PARAM)
    if not token:
        return None
    sent = _browser_input()
    who = sessions.resume(get_db(), token, st.query_params.get("a"),
                          st.query_params.get("m")) if sent else None
    if who is None:
        del st.query_params[TOKEN_PARAM]
        return None
    unread = {wid: v for wid, v in sent.items() if isinstance(v, Serialized)}
    states = get_script_run_ctx().session_state._state._new_widget_state.states
    for wid in unread:
        del states[wid]
    st.session_state[_REPLAY] = WidgetStates(widgets=[v.value for v in unread.values()])
    st.session_state["auth"] = {"assessment_id": who["assessment_id"], "member_id": who["member_id"],
                                "token": token}
    return who


def replay_browser_input() -> None:
    """End of app.py's run: after a resumed session's first run has drawn the page (its widgets
    and their on_change callbacks are known now, showing the saved values), rerun with the values
    the browser had sent. Streamlit then calls the on_change of every widget whose value differs
    from the saved one, as for any edit: the note typed while the server restarted is saved by its
    page's own saver (audit row included)."""
    states = st.session_state.pop(_REPLAY, None)
    ctx = get_script_run_ctx()
    if not states or not states.widgets or ctx is None or ctx.script_requests is None:
        return
    ctx.script_requests.request_rerun(RerunData(query_string=ctx.query_string, widget_states=states,
                                                page_script_hash=ctx.page_script_hash,
                                                context_info=ctx.context_info))
    st.empty()   # a yield point: the runner takes the rerun request now


def client_address() -> str | None:
    """The browser's IP address as the server sees it (the TCP peer; None on the server's own
    machine): the wrong-PIN throttle counts per address as well as per member."""
    try:
        ip = st.context.ip_address
    except Exception:   # no client context (e.g. a bare script run)
        return None
    return ip if isinstance(ip, str) and ip else None   # (AppTest has no real connection)


def certificate_file() -> str:
    """The HTTPS certificate the server was started with ('' = plain HTTP)."""
    return st.get_option("server.sslCertFile") or ""


def plain_http_from_another_computer() -> bool:
    """True when a browser on another computer reached the app over plain HTTP without the
    explicit flag (`python -m core serve --http` sets ASSESSMENT_ALLOW_HTTP=1): refused."""
    return (client_address() is not None and not certificate_file()
            and os.environ.get("ASSESSMENT_ALLOW_HTTP") != "1")


def log_in(member: dict) -> None:
    """Sign the member in for this session and give the browser a sign-in token (?s=, kept with
    ?a=&m=): a page left open through a server restart comes back signed in (resume_session)."""
    token = sessions.start(get_db(), member)
    st.session_state["auth"] = {"assessment_id": member["assessment_id"], "member_id": member["id"],
                                "token": token}
    st.query_params["a"] = str(member["assessment_id"])
    st.query_params["m"] = str(member["id"])
    st.query_params[TOKEN_PARAM] = token


def remember_login(who: dict) -> None:
    want = {"a": str(who["assessment_id"]), "m": str(who["member_id"])}
    token = (st.session_state.get("auth") or {}).get("token")
    if token:
        want[TOKEN_PARAM] = token
    if any(st.query_params.get(k) != v for k, v in want.items()):
        st.query_params.update(want)


def log_out() -> None:
    """Sign out: the session's login and the browser's token (revoked, so no restart brings it back)."""
    auth = st.session_state.pop("auth", None) or {}
    if auth.get("token"):
        sessions.end(get_db(), auth["token"])
    st.query_params.clear()


def sidebar_identity(who: dict) -> None:
    head = team.assessment_header(get_db(), who["assessment_id"])
    # One element for both lines (every element is sent and drawn again at each page switch, issue 27).
    st.markdown(f"**{esc(head['station_name'])}** · {esc(head['kind'])}评估  \n"
                f"{esc(who['name'])}（{esc(ROLES[who['role']])}）")
    if head["locked"]:
        st.warning("评估已锁定，只读", icon=":material/lock:")
    if st.button("退出登录", key="logout"):
        log_out()
        st.rerun()


def require_login(*roles: str) -> dict:
    """The current member, or stop the page (with a message) if not allowed."""
    who = current_user()
    if who is None:
        st.info("请先在首页登录。")
        st.stop()
    if roles and who["role"] not in roles:
        st.error("当前角色无权访问此页面。")
        st.stop()
    return who


def run(action, success: str | None = None) -> bool:
    """Run a core write; show its Chinese error (escaped) instead of a traceback. True on success."""
    try:
        action()
    except DataError as e:
        st.error(esc(str(e)))
        return False
    if success:
        st.toast(esc(success))
    return True


def saver(err_key: str, action, *args, **kwargs) -> None:
    """on_change callback body: run a core write, keep its Chinese error for the next render."""
    try:
        action(*args, **kwargs)
        st.session_state.pop(err_key, None)
    except DataError as e:
        st.session_state[err_key] = str(e)


def show_saved_error(err_key: str) -> None:
    msg = st.session_state.get(err_key)
    if msg:
        st.error(esc(msg))


def init_state(key: str, value) -> None:
    """Seed a widget's state from the database the first time this session renders it."""
    if key not in st.session_state:
        st.session_state[key] = value


_MD_SPECIAL = "\\`*_{}[]()#+-!|<>~$"


def esc(text) -> str:
    """The one escape path for user text shown through Markdown (titles, captions, messages,
    metrics): every Markdown/HTML special character is escaped, so it shows literally (never as
    formatting or HTML; a bare URL may still be auto-linked). None shows as ''."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in ("" if text is None else str(text)))


# ---------- Chinese over Streamlit's own English strings ----------
# Streamlit draws a few texts itself and offers no setting for them. These CSS rules cover them with
# Chinese; the selectors are those of streamlit==1.67.0 (requirements.txt) and
# tests/e2e/test_chinese_chrome.py checks them in Chromium (it fails when the version changes).
CHROME_STREAMLIT_VERSION = "1.67.0"
_HIDE = "font-size: 0 !important; line-height: 0 !important; visibility: hidden;"
_SHOW = "font-size: 0.875rem; line-height: 1.6; visibility: visible;"
_ERROR_DIALOG = ('[data-testid="stDialog"]:not(:has([data-testid="stVerticalBlock"], '
                 '[data-testid="stMarkdownContainer"])) section[role="dialog"]')
CHROME_CSS = f"""
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ {_HIDE} }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: "选择文件"; {_SHOW} }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ {_HIDE} }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "或把文件拖到这里（大小上限见下方说明）"; {_SHOW} }}
[data-testid="stFileChip"][aria-invalid="true"] [data-testid="stFileChipName"]::after {{
  content: "　文件过大或类型不符，未上传"; color: #C53948; }}
[data-testid="stMultiSelectDropdown"] [data-key^="__select_"] [data-item-hl] {{ {_HIDE} }}
[data-testid="stMultiSelectDropdown"] [data-key="__select_all__"] [data-item-hl]::after {{ content: "全选"; {_SHOW} }}
[data-testid="stMultiSelectDropdown"] [data-key^="__select_"]:not([data-key="__select_all__"]) [data-item-hl]::after {{
  content: "选中全部匹配项"; {_SHOW} }}
[data-testid="stCameraInputButton"] {{ font-size: 0 !important; }}
[data-testid="stCameraInputButton"]::after {{ content: "拍照"; font-size: 1rem; line-height: 1.6; }}
[data-testid="stCameraInput"]:has(img) [data-testid="stCameraInputButton"]::after {{ content: "清除照片，重新拍照"; }}
{_ERROR_DIALOG} h2 {{ {_HIDE} }}
{_ERROR_DIALOG} h2::after {{ content: "与评估台的连接已中断"; font-size: 1.5rem; line-height: 1.4; visibility: visible; }}
{_ERROR_DIALOG} > h2 + div > * {{ display: none !important; }}
{_ERROR_DIALOG} > h2 + div::before {{
  content: "本机暂时连不上组长笔记本上的评估台：请确认组长的笔记本仍在运行评估台、与本机在同一网络。"
           "连接恢复后页面自动重新连接；已保存的内容不会丢失。"; font-size: 1rem; line-height: 1.6; }}
"""


def chinese_chrome() -> None:
    """Put the CSS above on the page (app.py, every run; no space taken)."""
    st.html(f"<style>{CHROME_CSS}</style>")


def table(data, *, key: str, empty: str = "暂无记录。", **kwargs) -> None:
    """st.dataframe, except that a table without rows is a Chinese caption (an empty data grid
    draws Streamlit's English "empty" on its canvas, out of reach of CSS), and that rows given as a
    list of dicts reach it as an Arrow table made without pandas (pages/_arrow.py: pandas is ~80 MB
    of the server's memory, issue 27; lazy=False, as Streamlit's lazy check would import it too)."""
    if len(data) == 0:
        st.caption(esc(empty))
        return
    kwargs.pop("placeholder", None)          # an empty cell is always blank, never "None"
    if isinstance(data, list):
        data = _arrow.table(data)
        kwargs.setdefault("lazy", False)
    st.dataframe(data, key=key, placeholder="", **kwargs)


def static_table(rows: list[dict], *, empty: str = "暂无记录。") -> None:
    """A small table shown as it is (a few rows, nothing to sort or search), drawn as a Markdown table: plain
    HTML in the browser, where a data grid (st.dataframe) costs the browser a canvas of its own — several of
    them made the dashboard and the scoring page slow to open — and st.table would load pandas (~80 MB of the
    server's memory, issue 27). Cells are text or whole numbers (format figures through core.numbers first);
    every header and cell goes through `esc`, line breaks become spaces. No rows: a Chinese caption."""
    if not rows:
        st.caption(esc(empty))
        return
    st.markdown(markdown_table(rows))


def markdown_table(rows: list[dict]) -> str:
    """`static_table`'s Markdown (rows: at least one), to put under a heading in the same element."""
    cols = list(rows[0])
    # The header, a stand-in for the rule line under it, then the rows: each cell on one line.
    grid = [[" ".join(str("" if v is None else v).splitlines()) for v in row]
            for row in [cols, cols, *([r.get(c) for c in cols] for r in rows)]]
    return "\n".join("|" + " --- |" * len(cols) if n == 1 else "| " + " | ".join(esc(v or " ") for v in row) + " |"
                     for n, row in enumerate(grid))


def markdown_lines(texts, heading: str = "") -> str:
    """Texts shown as they are in one Markdown element, under a bold `heading` if given: each escaped (`esc`),
    its own line breaks kept, a blank line between texts — in place of an st.text per text (issue 27: an
    element each)."""
    parts = [f"**{esc(heading)}**"] if heading else []
    parts += ["  \n".join(esc(line) for line in (str(t).splitlines() or [""])) for t in texts]
    return "\n\n".join(parts)


def markdown_tables(blocks) -> str:
    """Several `markdown_table`s in one Markdown element, each under its bold title and a note:
    blocks = [(title, note, rows)] (every title, note and cell through `esc`)."""
    return "\n\n".join(f"**{esc(title)}**　{esc(note)}\n\n" + markdown_table(rows) for title, note, rows in blocks)


def share_bar(share: float | None, width: int = 10, text: str | None = None) -> str:
    """A share (0–1) as a text bar and its percentage (▰▰▰▱▱… 30%; `text` in place of the percentage; a share
    over 1 fills the bar), for a Markdown table: a progress bar or a chart per row would be a page element of
    its own each (issue 27: the browser's time grows with the elements drawn)."""
    if share is None:
        return ""
    full = int(round_half_up(max(0.0, min(1.0, share)) * width, 0))
    return "▰" * full + "▱" * (width - full) + " " + (fmt_share(share) if text is None else text)


def on_request(label: str, key: str, draw) -> None:
    """`draw()` inside an expander, only while it is open (opening it reruns the page); the expander opens as the
    user last left it in this session, after a visit to another page too: charts or a form a user asked for stay
    on their page, while a page nobody opened them on is not slowed by them (issue 27)."""
    keep = "_keep_open_" + key

    def remember() -> None:
        st.session_state[keep] = bool(st.session_state.get(key))
    box = st.expander(esc(label), expanded=bool(st.session_state.get(keep)), key=key, on_change=remember)
    if box.open:
        with box:
            draw()


def chart_grid(charts: dict, key: str) -> None:
    """Plotly figures ({name: figure}) two to a row, left then right."""
    left, right = st.columns(2)
    for n, (name, fig) in enumerate(charts.items()):
        with (left if n % 2 == 0 else right):
            st.plotly_chart(fig, key=f"{key}_{name}", config={"displaylogo": False})


def page_links(pages: list[str | None], verb: str) -> None:
    """One row of links, one per distinct page of `pages` (keys of PAGES, in order; None and unknown ones left
    out), each labelled "<verb>：<page title>" — for a list whose rows name their page, in place of a link per row."""
    keys = [p for p in dict.fromkeys(pages) if p in PAGES]
    if not keys:
        return
    with st.container(horizontal=True, gap="medium"):
        for p in keys:
            st.page_link(PAGES[p], label=f"{verb}：{PAGES[p].title}", icon=":material/arrow_forward:")


if __name__ == "__main__":   # this file opened as a page (/shared) before app.py ran once
    through_app()
