"""UI plumbing shared by the pages: database handle, who is logged in, messages.

No SQL and no scoring rules here: pages read through db/ and compute through core/.
"""
from __future__ import annotations

import streamlit as st

from db import assessments as A
from db.connection import connect, db_path_from_env
from db.errors import DataError, NotFound
from db.migrations import migrate

PAGES = {
    "home": st.Page("pages/home.py", title="首页", icon=":material/home:", default=True),
    "setup": st.Page("pages/setup.py", title="评估设置", icon=":material/settings:"),
    "scoring": st.Page("pages/scoring.py", title="专家评分", icon=":material/edit_note:"),
    "dashboard": st.Page("pages/dashboard.py", title="实时总览", icon=":material/monitoring:"),
    "station_data": st.Page("pages/station_data.py", title="协议指标与人员", icon=":material/table_chart:"),
    "register": st.Page("pages/register.py", title="重点服务对象名册", icon=":material/groups:"),
    "site_records": st.Page("pages/site_records.py", title="现场记录", icon=":material/checklist:"),
    "survey": st.Page("pages/survey.py", title="满意度抽样与结果", icon=":material/casino:"),
    "survey_calls": st.Page("pages/survey_calls.py", title="电话回访", icon=":material/call:"),
    "report": st.Page("pages/report.py", title="报告与导出", icon=":material/picture_as_pdf:"),
    "audit": st.Page("pages/audit.py", title="修改记录", icon=":material/history:"),
}


def db_path() -> str:
    return db_path_from_env()


@st.cache_resource(show_spinner=False)
def ensure_migrated(path: str) -> bool:
    migrate(connect(path))
    return True


def get_db():
    """A connection for this script run (cheap; SQLite connections are not shared across threads)."""
    return connect(db_path())


def current_user() -> dict | None:
    """The logged-in member as {assessment_id, member_id, name, role}, or None.

    Lives in session state (UI state); the URL keeps ?a=&m= so that after a
    browser refresh only the PIN is asked again.
    """
    who = st.session_state.get("auth")
    if who is None:
        return None
    try:
        m = A.get_member(get_db(), who["member_id"])
    except NotFound:
        st.session_state.pop("auth", None)
        return None
    return {"assessment_id": m["assessment_id"], "member_id": m["id"], "name": m["name"], "role": m["role"]}


def log_in(member: dict) -> None:
    st.session_state["auth"] = {"assessment_id": member["assessment_id"], "member_id": member["id"]}
    st.query_params["a"] = str(member["assessment_id"])
    st.query_params["m"] = str(member["id"])


def remember_login(who: dict) -> None:
    want = {"a": str(who["assessment_id"]), "m": str(who["member_id"])}
    if any(st.query_params.get(k) != v for k, v in want.items()):
        st.query_params.update(want)


def log_out() -> None:
    st.session_state.pop("auth", None)
    st.query_params.clear()


def sidebar_identity(who: dict) -> None:
    db = get_db()
    a = A.get_assessment(db, who["assessment_id"])
    st_ = A.get_station(db, a["station_id"])
    st.markdown(f"**{md_escape(st_['name'])}** · {a['kind']}评估")
    st.caption(f"{md_escape(who['name'])}（{A.ROLES[who['role']]}）")
    if a["status"] == "locked":
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
    """Run a db write; show its Chinese error instead of a traceback. True on success."""
    try:
        action()
    except DataError as e:
        st.error(str(e))
        return False
    if success:
        st.toast(success)
    return True


def saver(err_key: str, action, *args, **kwargs) -> None:
    """on_change callback body: run a db write, keep its Chinese error for the next render."""
    try:
        action(*args, **kwargs)
        st.session_state.pop(err_key, None)
    except DataError as e:
        st.session_state[err_key] = str(e)


def show_saved_error(err_key: str) -> None:
    msg = st.session_state.get(err_key)
    if msg:
        st.error(msg)


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


md_escape = esc
