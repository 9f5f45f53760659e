"""Download buttons of 报告与导出: Excel (masked), JSON transfer file (real data), database backup.

`render(db, who)` is called by pages/report.py. Files are built only when a button is
clicked (deferred `data=` callables; core.agency.exports builds each on its own connection)
and each download is recorded in the audit log.
"""
from __future__ import annotations

import streamlit as st

from core.agency.exports import backup_download, download_panel, excel_download, json_download
from core.agency.transfer import PRIVACY_NOTICE
from pages import _shared as ui


def render(db, who: dict) -> None:
    st.subheader("导出与备份")
    if who.get("role") != "lead":
        st.info("导出与备份由组长操作。")
        return
    aid, mid = who["assessment_id"], who["member_id"]
    panel = download_panel(db, aid)
    path, title = panel["path"], panel["title"]
    c1, c2, c3 = st.columns(3)
    with c1:
        st.markdown("**Excel 数据表**")
        st.caption("评分、意见、协议指标、人员、名册、回访、修改记录等各一张表；服务对象姓名和电话已脱敏，可对外提供。")
        st.download_button("下载 Excel", data=lambda: excel_download(path, aid, mid), file_name=f"{title}-数据表.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="exp_xlsx", on_click="ignore", icon=":material/table_view:")
    with c2:
        st.markdown("**JSON 迁移文件**")
        st.caption("整个评估（含修改记录）的完整数据，用于在另一台电脑的首页导入。")
        st.warning(ui.esc(PRIVACY_NOTICE), icon=":material/privacy_tip:")
        st.download_button("下载 JSON（含真实姓名电话）", data=lambda: json_download(path, aid, mid),
                           file_name=f"{title}-迁移.json", mime="application/json",
                           key="exp_json", on_click="ignore", icon=":material/data_object:")
    with c3:
        st.markdown("**数据库备份**")
        st.caption("整个数据库文件（所有评估）的一致性副本，评估进行中也可随时备份；"
                   "恢复时把它改名为 assessment.db 后启动即可。含真实数据，请妥善保管。")
        st.download_button("一键备份数据库", data=lambda: backup_download(path, aid, mid),
                           file_name=panel["backup_name"], mime="application/vnd.sqlite3",
                           key="exp_backup", on_click="ignore", icon=":material/backup:")


if __name__ == "__main__":   # this file opened as a page before app.py ran once: the PIN form
    ui.through_app()
