"""重点服务对象名册: import the key-client register and see it summarised — names and phones masked."""
import pandas as pd
import streamlit as st

from core import imports
from core import station_data
from core import team
from core.errors import DataError, ImportRejected
from pages import _shared as ui

who = ui.require_login()
db = ui.get_db()
assessment_id, member_id = who["assessment_id"], who["member_id"]
locked = team.is_locked(db, assessment_id)
can_edit = station_data.can_edit_station_data(who["role"]) and not locked

st.title("重点服务对象名册")
st.caption(ui.esc("姓名与电话在所有页面和导出中均脱敏显示（如 黄*昕、138****1234）。"))
if locked:
    st.info("评估已锁定，本页只读。", icon=":material/lock:")

clients = station_data.register_view(db, assessment_id)      # names and phones masked, 备注 scrubbed
summary = station_data.register_summary(db, assessment_id)

if ok := st.session_state.pop("register_import_ok", None):
    st.success(ui.esc(ok))

c = st.columns(4)
c[0].metric("户数", int(summary["households"]))
c[1].metric("人数", int(summary["persons"]))
c[2].metric("空挂户（人）", int(summary["vacant_household"]))
c[3].metric("人户分离（人）", int(summary["separated"]))

if not clients:
    st.info("尚未导入名册。请下载模板，按表头填写后导入（.xlsx 或 .csv）。")
else:
    left, right = st.columns(2)
    with left:
        st.markdown("**按社区**")
        st.dataframe(pd.DataFrame([{"社区": k, "户数": v["households"], "人数": v["persons"]}
                                   for k, v in summary["by_community"].items()]),
                     hide_index=True, width="stretch", key="register_by_community")
    with right:
        st.markdown("**按对象类别**")
        st.dataframe(pd.DataFrame([{"类别": k, "人数": v} for k, v in summary["by_category"].items()]),
                     hide_index=True, width="stretch", key="register_by_category")

    st.markdown("**名册（脱敏）**")
    communities = ["全部社区"] + list(summary["by_community"])
    f1, f2 = st.columns(2)
    comm = f1.selectbox("社区", communities, placeholder="请选择", key="register_filter_community")
    flag = f2.selectbox("标记", ["全部", "空挂户", "人户分离"], placeholder="请选择", key="register_filter_flag")
    shown = clients
    if comm != "全部社区":
        shown = [r for r in shown if r["community"] == comm]
    if flag == "空挂户":
        shown = [r for r in shown if r["vacant_household"]]
    elif flag == "人户分离":
        shown = [r for r in shown if r["separated"]]
    st.dataframe(pd.DataFrame([{"姓名": r["name"], "电话": r["phone"], "社区": r["community"], "类别": r["category"],
                                "户号": r["household"], "空挂户": "是" if r["vacant_household"] else "",
                                "人户分离": "是" if r["separated"] else "", "备注": r["note"]} for r in shown],
                              columns=["姓名", "电话", "社区", "类别", "户号", "空挂户", "人户分离", "备注"]),
                 hide_index=True, width="stretch", key="register_table")
    st.caption(f"显示 {len(shown)} 人")

with st.expander("导入名册 / 下载模板", expanded=not clients):
    d1, d2 = st.columns(2)
    d1.download_button("下载 Excel 模板", imports.client_template("xlsx"), file_name="重点服务对象名册模板.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="client_template_xlsx")
    d2.download_button("下载 CSV 模板", imports.client_template("csv"), file_name="重点服务对象名册模板.csv",
                       mime="text/csv", key="client_template_csv")
    st.caption("必填列：姓名、联系电话、所属社区、对象类别（17 类之一）、户号；可选：空挂户、人户分离（是/否）、备注。"
               "导入将整份替换现有名册；任何一行有误则整份不导入，原有名册不变。")
    if can_edit:
        up = st.file_uploader("选择文件", type=["xlsx", "csv"], key="client_upload")
        if st.button("导入并替换名册", key="client_import", disabled=up is None):
            try:
                n = station_data.import_clients(db, assessment_id, member_id, up.name, up.getvalue())
                st.session_state["register_import_ok"] = f"已导入 {n} 名重点服务对象。"
                st.rerun()
            except ImportRejected as e:
                st.error("导入失败，数据未作任何修改：\n\n" + "\n".join(f"- {ui.esc(x)}" for x in e.errors))
            except DataError as e:
                st.error(ui.esc(str(e)))
    elif not locked:
        st.info("名册由组长或工作人员导入。")
