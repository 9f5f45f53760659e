"""团队同步 (issue 23): the lead exports each member's 任务包, sees every laptop and decides conflicts side by
side; on a member's own laptop, whose copy it is, when it last met the lead's, sync now, or a changes file
for a USB stick. Computed by core.sync."""
import streamlit as st

from core.assessment import team
from core.labels import SYNC_KINDS, label
from core.sync import bundle, conflicts, net, status
from pages import _shared as ui
from pages import _sync_panel as sync_panel

who = ui.require_login()
aid, mid = who["assessment_id"], who["member_id"]
db = ui.get_db()
st.title("团队同步")
mine = status.laptop_view(db, aid)


def _laptop_section() -> None:
    st.markdown(f"这是 **{ui.esc(mine['member_name'])}** 的笔记本副本（{ui.esc(mine['role'])}）。"
                "在这里的修改先保存在本机，组长的笔记本可达时自动发送（每隔几秒）。")
    c1, c2 = st.columns(2)
    c1.metric("上次与组长同步", ui.esc(mine["last_met"]))
    c2.metric("待发送变更", int(mine["pending"]))
    if mine["error"]:
        st.caption("最近一次连接：" + ui.esc(mine["error"]))
    if st.button("立即同步", key="sync_now", icon=":material/sync:"):
        if ui.run(lambda: net.exchange(ui.get_db(), aid, timeout=10), "已与组长同步"):
            st.rerun()
    with st.expander("组长的地址：" + ui.esc("、".join(mine["lead_urls"]) or "未设置"), key="lead_address_box",
                     icon=":material/lan:"):
        st.caption("组长的笔记本换了网络（例如改用手机热点）后，把组长“团队同步”页显示的新地址填在这里即可，"
                   "无需新的任务包：本机核对的是组长笔记本的密钥。几个地址用逗号隔开。")
        with st.form("lead_address_form", border=False):
            typed = st.text_input("组长的同步地址", placeholder="https://192.168.1.20:8502", key="lead_address")
            if st.form_submit_button("保存地址", key="lead_address_save"):
                if ui.run(lambda: net.set_lead_address(ui.get_db(), aid, typed), "已更换组长地址"):
                    st.rerun()
    st.divider()
    st.subheader("没有网络时：导出变更文件")
    st.caption("把文件用 U 盘交给组长，由组长在其笔记本上执行 `python -m core merge 文件 --db 数据库`。"
               "重复导出、重复合并都不会重复计入。")
    st.download_button("导出变更文件", data=lambda: bundle.make_bundle(ui.get_db(), aid),
                       file_name=f"变更-{mine['member_name']}.json", mime="application/json", on_click="ignore",
                       key="sync_bundle_download", icon=":material/download:")


def _decide(conflict_id: int, choice: str) -> None:
    ui.saver("sync_decide_error", conflicts.decide, ui.get_db(), aid, mid, conflict_id, choice)


def _conflict_section() -> None:
    items = conflicts.listing(db, aid)
    st.subheader(f"待裁定（{len(items)}）")
    if st.session_state.get("sync_decide_error"):
        st.error(ui.esc(st.session_state["sync_decide_error"]))
    if not items:
        st.caption("没有冲突：成员的变更都已按版本合并。")
    for c in items:
        with st.container(border=True):
            st.markdown(f"**{ui.esc(c['subject'])}** · {ui.esc(label(SYNC_KINDS, c['kind']))} · "
                        f"来自 {ui.esc(c['member_name'])}，{ui.esc(c['received_at'])}")
            rows = [{"字段": f["label"], "组长的版本（当前）": f["ours"], f"{c['member_name']}的版本": f["theirs"],
                     "": "≠" if f["differs"] else ""} for f in c["fields"]]
            st.dataframe(rows, hide_index=True, use_container_width=True, key=f"sync_conflict_table_{c['id']}",
                         placeholder="")
            b1, b2 = st.columns(2)
            if c["kind"] != "owner":
                b1.button(f"采用{c['member_name']}的版本", key=f"sync_theirs_{c['id']}", on_click=_decide,
                          args=(c["id"], "theirs"))
            b2.button("保留组长的版本", key=f"sync_ours_{c['id']}", on_click=_decide, args=(c["id"], "ours"))


def _pack_section() -> None:
    st.subheader("导出任务包")
    st.caption("成员在自己的笔记本上用 `python -m core join 任务包 --db 数据库` 建立副本，再用 `python -m core serve` "
               "启动：离线时照常评分，组长可达时自动同步。专家的任务包不含服务对象电话；工作人员的含回访名单。"
               "任务包含该成员的同步密钥（重新导出会使旧的失效），请只交给本人。")
    names = [m["name"] for m in team.active_members(db, aid) if m["role"] != "lead"]
    if not names:
        st.caption("评估中还没有专家或工作人员。")
        return
    name = st.selectbox("成员", names, key="sync_pack_member")
    port = int(st.get_option("server.port") or 8501) + 1
    here = net.lead_identity(ui.db_path(), port)
    st.caption("本机同步地址：" + ui.esc("、".join(here["urls"])) + "；本机密钥指纹（SHA-256）："
               + ui.esc(here["key_pin"] or "尚未生成（启动 serve 或导出第一个任务包时生成）")
               + "。换了网络后把新地址告诉成员，由其在自己的“团队同步”页填写，已发的任务包仍然有效。")
    st.download_button(f"导出{name}的任务包", key="sync_pack_download", on_click="ignore", mime="application/json",
                       data=lambda: net.pack_for(ui.get_db(), ui.db_path(), aid, mid, name, port),
                       file_name=f"任务包-{name}.json", icon=":material/download:")


if mine is not None:
    _laptop_section()
elif who["role"] != "lead":
    st.info("本机即组长的服务：无需同步。")
else:
    sync_panel.team_table(db, aid)
    st.divider()
    _conflict_section()
    st.divider()
    _pack_section()
