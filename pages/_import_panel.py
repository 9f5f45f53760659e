"""Import an assessment from a JSON transfer file (home page): `render(db)`."""
from __future__ import annotations

import streamlit as st

from core.errors import ImportRejected
from core.agency.transfer import import_to_station

from core import uploads
from pages import _shared as ui

OPEN_KEY = "import_json_open"    # the expander's state (st.session_state): True while open


def render(db) -> None:
    done = st.session_state.pop("import_done", None)
    if done:
        if done["attached"]:
            st.success(f"已导入为评估 #{int(done['assessment_id'])}，已归入已有社工站“{ui.esc(done['station'])}”的历次评估。"
                       "请在“登录”中选择该评估，用原来的姓名和 PIN 登录。")
        else:
            st.success(f"已导入为评估 #{int(done['assessment_id'])}，作为新的社工站“{ui.esc(done['station'])}”。"
                       "请在“登录”中选择该评估，用原来的姓名和 PIN 登录。")
    # Drawn only while open (opening it reruns the page, issue 27): the lead's home page, drawn at every page
    # switch to it, does not lay out an upload form that is used once per migration.
    box = st.expander("从 JSON 文件导入评估（迁移自另一台电脑）", expanded=False, key=OPEN_KEY, on_change="rerun")
    if not box.open:
        return
    with box:
        st.caption("选择在另一台电脑「报告与导出」页下载的 JSON 迁移文件，导入为本机的一个新评估；"
                   "成员沿用原来的姓名和 PIN。文件有任何问题时整份不导入。")
        st.warning("迁移文件含服务对象的真实姓名和电话，导入后请删除本机上多余的副本，不要外传。",
                   icon=":material/privacy_tip:")
        # A form: the chosen file and the click arrive together (no race with the
        # uploader's own reruns when a file is replaced).
        with st.form("import_json_form", border=False):
            up = st.file_uploader("JSON 迁移文件", type=["json"], key="import_json_file",
                                  max_upload_size=uploads.max_mb("transfer"))
            st.caption(ui.esc(uploads.limit_text("transfer")))
            as_new = st.checkbox("作为新的社工站（默认：所在区和街道相同则归入已有社工站的历次评估）",
                                 key="import_json_new_station")
            go = st.form_submit_button("导入", key="import_json_go", type="primary")
        if go:
            if up is None:
                st.error("请先选择要导入的 JSON 迁移文件。")
                return
            try:
                done = import_to_station(db, up.getvalue(), "new" if as_new else "auto")
            except ImportRejected as e:
                st.error("导入失败，数据未作任何修改。请检查文件：")
                st.markdown("\n".join(f"- {ui.esc(x)}" for x in e.errors[:30]))
                if len(e.errors) > 30:
                    st.caption(f"……另有 {len(e.errors) - 30} 个问题未列出。")
                return
            st.session_state["import_done"] = done
            st.query_params["a"] = str(done["assessment_id"])
            st.rerun()


if __name__ == "__main__":   # this file opened as a page before app.py ran once: the PIN form
    ui.through_app()
