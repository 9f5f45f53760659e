"""The team's meeting on the pages (issue 23): the lead's table of laptops (dashboard, 团队同步), a joined
laptop's banner in the sidebar. Laid out here, computed by core.sync.status."""
from __future__ import annotations

import streamlit as st

from core.sync import status
from pages import _shared as ui


def team_table(db, assessment_id: int) -> None:
    """Each laptop, when it last met, changes waiting, open conflicts (lead)."""
    rows = status.team_view(db, assessment_id)
    st.subheader("团队的笔记本")
    if not rows:
        st.caption("尚未导出任务包：全队都在本机的服务上工作。成员要在自己的笔记本上离线工作时，在“团队同步”页为其导出任务包。")
        return
    ui.table(rows, hide_index=True, use_container_width=True, key="sync_team_table", placeholder="")
    n = status.open_count(db, assessment_id)
    if n:
        st.warning(f"有 {int(n)} 条同步冲突或锁定后到达的变更待组长裁定（见“团队同步”页）。", icon=":material/sync_problem:")
    st.caption("总分以最近一次同步为准：成员笔记本上尚未同步的评分不计入。")


def laptop_banner(db) -> None:
    """Whose copy this is and when it last met the lead's (sidebar of a joined laptop)."""
    v = status.laptop_view(db)
    if v is None:
        return
    if v["error"] and (not v["met"] or v["tried"] != v["last_met"]):
        st.warning(f"**{ui.esc(v['member_name'])}的笔记本副本**（{ui.esc(v['role'])}）  \n"
                   f"上次与组长同步：{ui.esc(v['last_met'])}  \n待发送变更：{int(v['pending'])} 条  \n"
                   "组长暂不可达：修改已保存在本机，恢复连接后自动发送。", icon=":material/cloud_off:")
    else:
        st.info(f"**{ui.esc(v['member_name'])}的笔记本副本**（{ui.esc(v['role'])}）  \n"
                f"上次与组长同步：{ui.esc(v['last_met'])}  \n待发送变更：{int(v['pending'])} 条", icon=":material/sync:")


def is_laptop(db) -> bool:
    return status.laptop_view(db) is not None


if __name__ == "__main__":   # this file opened as a page before app.py ran once: the PIN form
    ui.through_app()
