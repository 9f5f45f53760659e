"""报告与导出 → 生成与导出: the Word draft beside the PDF, and the report versions sent out (初稿 1, 初稿 2, …,
定稿) with the feedback each one received.

`render(db, who, data, evidence)` is called by pages/report.py. A version is made with its label on the
cover and in the footer, recorded (date, recipient, format, SHA-256; core.report.versions) and offered
for download; a 定稿 only once the pre-export check is clean and the assessment locked.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import DataError
from core.labels import REPORT_FORMATS, VERSION_KINDS
from core.numbers import fmt_number
from core.report import versions
from core.report.make import report_docx_download
from core.agency.exports import download_panel
from pages import _shared as ui

MIME = {"pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def word_button(db, aid: int, title: str, evidence: bool) -> None:
    """The Word draft, built when clicked (on its own connection), beside the PDF button."""
    path = download_panel(db, aid)["path"]
    st.download_button("下载 Word 草稿（可编辑）", data=lambda: report_docx_download(path, aid, evidence),
                       file_name=f"{title}.docx", mime=MIME["docx"], key="rp_docx", on_click="ignore",
                       icon=":material/description:",
                       help="与 PDF 相同的标题、段落、表格和附件，供区民政局、街道和社工站在 Word/WPS 中修改和批注；"
                            "导出前检查未通过时页眉标有“草稿”。")


def _issue(db, aid: int, mid: int, evidence: bool) -> None:
    kind = st.session_state["rv_kind"]
    fmt = st.session_state["rv_format"]
    try:
        issued = versions.issue(db, aid, mid, kind, st.session_state.get("rv_to") or "", fmt, evidence=evidence)
    except DataError as e:
        st.session_state["rv_err"] = str(e)
        return
    st.session_state.pop("rv_err", None)
    st.session_state["rv_file"] = (issued.version["label"], fmt, issued.data)


def _save_feedback(db, aid: int, mid: int, version_id: int) -> None:
    ui.saver(f"rv_fb_err_{version_id}", versions.record_feedback, db, aid, mid, version_id,
             st.session_state.get(f"rv_fb_{version_id}") or "")


def _table(rows: list[dict]) -> None:
    st.dataframe(pd.DataFrame([{
        "版本": v["label"], "发出时间": v["issued_at"][:16].replace("T", " "), "发送对象": v["recipient"],
        "格式": REPORT_FORMATS[v["format"]], "大小（KB）": fmt_number(v["size"] / 1024, 0), "SHA-256": v["sha256"],
        "反馈": v["feedback"] or "（尚未记录）"} for v in rows]), hide_index=True, key="rv_table", placeholder="")


def render(db, who: dict, title: str, evidence: bool, locked: bool) -> None:
    aid, mid = who["assessment_id"], who["member_id"]
    st.subheader("报告版本（发出记录）")
    st.caption("每次把报告发给区民政局、街道或社工站，都在这里生成并记录一个版本：初稿 1、初稿 2……定稿。"
               "版本号印在封面和页脚，系统记录发出时间、发送对象、格式和文件的 SHA-256 校验值；"
               "对方的反馈记在它所回应的版本下。定稿须在导出前检查通过且评估锁定后发出。")
    rows = versions.versions(db, aid)
    if rows:
        _table(rows)
    why_not_final = versions.final_refusal(db, aid)
    c = st.columns([1, 2, 1])
    c[0].radio("版本类型", list(VERSION_KINDS), format_func=VERSION_KINDS.get, key="rv_kind", horizontal=True)
    c[1].text_input("发送对象", key="rv_to", placeholder="如：天河区民政局、元岗街道办事处、元岗街社工站")
    c[2].radio("格式", list(REPORT_FORMATS), format_func=REPORT_FORMATS.get, key="rv_format", horizontal=True)
    if st.session_state.get("rv_kind") == "final" and why_not_final:
        st.info(ui.esc(why_not_final), icon=":material/lock:")
    st.button("生成并记录此版本", key="rv_issue", type="primary", on_click=_issue, args=(db, aid, mid, evidence),
              disabled=st.session_state.get("rv_kind") == "final" and bool(why_not_final))
    ui.show_saved_error("rv_err")
    made = st.session_state.get("rv_file")
    if made:
        label, fmt, data = made
        st.success(ui.esc(f"已记录{label}（{REPORT_FORMATS[fmt]}，{fmt_number(len(data) / 1024, 0)} KB）"),
                   icon=":material/task_alt:")
        st.download_button(ui.esc(f"下载{label}"), data, file_name=f"{title}-{label}.{fmt}", mime=MIME[fmt], key="rv_download",
                           on_click="ignore")
    for v in rows:
        if v["kind"] != "draft":
            continue
        st.text_area(ui.esc(f"{v['label']}（发送 {v['recipient']}）收到的反馈（离开输入框即保存）"), value=v["feedback"],
                     key=f"rv_fb_{v['id']}", height=68, placeholder="尚未记录", disabled=locked,
                     on_change=_save_feedback, args=(db, aid, mid, v["id"]))
        ui.show_saved_error(f"rv_fb_err_{v['id']}")


if __name__ == "__main__":   # this file opened as a page before app.py ran once: the PIN form
    ui.through_app()
