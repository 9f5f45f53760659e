"""Frameworks (lead): the library, the Excel 指标体系 template, import, export, copy and edit."""
import pandas as pd
import streamlit as st

from core.framework import library as framework_library
from core.framework import xlsx as framework_xlsx
from core.assessment import team
from core.errors import DataError, ImportRejected
from core import uploads
from pages import _shared as ui

who = ui.require_login("lead")
db = ui.get_db()
assessment_id, lead_id = who["assessment_id"], who["member_id"]

st.title("评估框架")
fv = team.framework_version(db, assessment_id)
st.caption(ui.esc(f"本评估使用：{fv['name']}（第 {fv['version']} 版），已固定在本评估中：此处修改框架不会改变"
                  "本评估或任何已评估项目的得分。开始评分前可在“评估设置”中改用其他框架或新版本。"))

msg = st.session_state.pop("fw_msg", None)
if msg:
    st.success(ui.esc(msg))

entries = framework_library.list_frameworks(db)
by_id = {e.id: e for e in entries}

# ---- library ----
st.subheader("框架库")
ui.table(pd.DataFrame([{"编号": e.id, "名称": e.name, "版本": e.version, "类型": "内置（只读）" if e.shipped else "本机构",
                            "来源": e.origin, "创建人": e.created_by, "创建时间": (e.created_at or "").replace("T", " ")[:16]}
                           for e in entries]), hide_index=True, width="stretch", key="fw_library", placeholder="")
c1, c2 = st.columns([3, 2])
pick = c1.selectbox("导出框架为 Excel 指标体系", list(by_id), format_func=lambda k: by_id[k].label, placeholder="请选择",
                    key="fw_export_pick")
if pick:
    c2.download_button("下载 Excel", data=framework_library.export_xlsx(db, pick), file_name=f"{pick}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="fw_export_dl",
                       on_click="ignore")
st.download_button("下载 Excel 模板（内置默认框架）", data=framework_library.template_xlsx, file_name="评估指标体系模板.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="fw_template_dl",
                   on_click="ignore")   # made when clicked, not on every rerun

# ---- import ----
st.subheader("从 Excel 导入指标体系")
st.caption("按模板填写（部分、指标、分值、评分范围、评分方式与评分标准、需提供材料、评估方权重、等级）。"
           "导入为一个新框架；文件中的框架编号已被使用时自动加后缀。有任何错误则不导入，错误写明工作表、行号和列名。")
up = st.file_uploader("选择 Excel 文件", type=["xlsx"], key="fw_upload", max_upload_size=uploads.max_mb("framework"))
st.caption(ui.esc(uploads.limit_text("framework")))
done = st.session_state.get("fw_imported")
if done and up is not None and done[0] == (up.name, up.size):
    # Said where the lead clicked (the message at the top of the page is out of sight by then).
    st.success(ui.esc(done[1]), icon=":material/task_alt:")
elif up is not None:
    content = up.getvalue()
    try:
        data = framework_library.check_xlsx(content)
    except ImportRejected as e:
        st.error(ui.esc(f"文件有 {len(e.errors)} 处错误，未导入："))
        for err in e.errors:
            st.markdown("- " + ui.esc(err))
    else:
        n_ind = sum(len(s["indicators"]) for s in data["sections"])
        st.success(ui.esc(f"检查通过：{data['name']}，{len(data['sections'])} 个部分、{n_ind} 项指标；"
                          "评估方：" + "、".join(f"{p.get('short') or p['name']} {p['weight']:g}%" for p in data["parties"])))
        if st.button("导入为新框架", key="fw_import", type="primary"):
            new = []
            if ui.run(lambda: new.append(framework_library.import_xlsx(db, assessment_id, lead_id, content, up.name))):
                imported = by_id.get(new[0]) or next((e for e in framework_library.list_frameworks(db) if e.id == new[0]), None)
                msg = (f"已导入“{up.name}”为新框架“{imported.label if imported else data['name']}”，"
                       "已加入框架库，可在“评估设置”中选用。")
                st.session_state["fw_imported"] = ((up.name, up.size), msg)
                st.toast(ui.esc(msg))
                st.rerun()

# ---- copy ----
st.subheader("复制框架")
st.caption("内置框架只读；需要调整时先复制一份，再在下方编辑。")
c1, c2, c3 = st.columns(3)
src = c1.selectbox("复制哪个框架", list(by_id), format_func=lambda k: by_id[k].label, placeholder="请选择", key="fw_copy_src")
new_id = c2.text_input("新框架编号（字母、数字、-）", placeholder="例：agency-2025", key="fw_copy_id")
new_name = c3.text_input("新框架名称", placeholder="例：本机构 2025 年度指标体系", key="fw_copy_name")
if st.button("复制", key="fw_copy", disabled=src is None):
    made = []
    if ui.run(lambda: made.append(framework_library.copy_framework(db, assessment_id, lead_id, src, new_id, new_name))):
        st.session_state["fw_msg"] = f"已复制为 {made[0]}，可在下方编辑。"
        st.session_state["fw_edit_pick"] = made[0]
        st.rerun()

# ---- edit ----
st.subheader("编辑框架")
own = [e.id for e in entries if not e.shipped]
if not own:
    st.info("框架库中还没有本机构的框架：先导入 Excel 或复制一个内置框架。")
    st.stop()
target = st.selectbox("编辑哪个框架", own, format_func=lambda k: by_id[k].label, placeholder="请选择", key="fw_edit_pick")
st.caption("表格与 Excel 模板的各工作表相同。修改后点“保存为新版本”：检查通过才保存（旧版本保留，已使用旧版本的评估不受影响）。")
sheets = framework_library.editable_sheets(db, target)
tables = {}
tabs = st.tabs(list(sheets))
for tab, (name, rows) in zip(tabs, sheets.items()):
    df = pd.DataFrame(rows, columns=framework_xlsx.COLUMNS[name], dtype=str)
    with tab:
        edited = st.data_editor(df, num_rows="dynamic", hide_index=True, width="stretch",
                                key=f"fw_edit_{target}_{by_id[target].version}_{name}", placeholder="")
    tables[name] = edited.fillna("").to_dict("records")
if st.button("保存为新版本", key="fw_save", type="primary"):
    try:
        version = framework_library.save_edit(db, assessment_id, lead_id, target, tables)
    except ImportRejected as e:
        st.error(ui.esc(f"有 {len(e.errors)} 处错误，未保存："))
        for err in e.errors:
            st.markdown("- " + ui.esc(err))
    except DataError as e:
        st.error(ui.esc(str(e)))
    else:
        st.session_state["fw_msg"] = (f"已保存为 {target} 第 {version} 版。" if version != by_id[target].version
                                      else "没有修改，未保存新版本。")
        st.rerun()
