"""The home page after login: the day's plan for the member's role (core.day.plan).

Lead: the agenda (editable, saved on change), each stage's progress from the data, scoring and
sign-off, and the pre-export check's open items, each with a link to the page that fixes it.
Expert: their sections, scored/assigned, their open flags, the submit step.
Staff: their calls, the next client, reached/unreachable so far.
"""
from __future__ import annotations

import datetime as _dt

import streamlit as st

from core.day import plan as dayplan
from core.scoring import signoff
from core.errors import DataError
from core.report.check import blocking
from pages import _shared as ui


def _link(page: str | None, label: str) -> None:
    if page in ui.PAGES:
        st.page_link(ui.PAGES[page], label=label, icon=":material/arrow_forward:")


# ---------- lead ----------

def _times(rows: list[dict]):
    """The agenda as the editor's DataFrame (st.data_editor works on pandas)."""
    import pandas as pd   # third-party, ~80 MB of the server: loaded when the lead opens the editor, not by every home page

    def t(v):
        return _dt.datetime.strptime(v, "%H:%M").time() if v else None
    return pd.DataFrame([{"code": r["code"], "环节": r["name"], "开始": t(r["starts"]), "结束": t(r["ends"]),
                          "备注": r["note"]} for r in rows])


def _agenda_editor(db, aid: int, mid: int, locked: bool) -> None:
    # The editor is drawn only while the expander is open (opening it reruns the page): st.data_editor
    # needs pandas, which the home page, drawn at every login, would otherwise load for good (issue 27).
    box = st.expander("编辑议程（修改即保存）", expanded=False, key="plan_expander", on_change="rerun")
    if not box.open:
        return
    with box:
        if dayplan.is_default(db, aid):
            st.caption("目前是默认议程（样本报告的七个评估步骤），可修改时间、增删环节；修改后即保存并记入修改记录。")
        if "plan_df" not in st.session_state or "plan_editor" not in st.session_state:
            # The editor's base: its edits are kept as changes to it while it stays on the page; drawn afresh
            # (first opened, reopened, back from another page: Streamlit has dropped those changes), it starts
            # from the saved agenda, never from a copy read before the last save.
            st.session_state["plan_df"] = _times(dayplan.agenda(db, aid))
        edited = st.data_editor(
            st.session_state["plan_df"], key="plan_editor", num_rows="dynamic", hide_index=True, disabled=locked,
            column_order=("环节", "开始", "结束", "备注"),
            column_config={"环节": st.column_config.TextColumn("环节", required=True),
                           "开始": st.column_config.TimeColumn("开始", format="HH:mm", step=300),
                           "结束": st.column_config.TimeColumn("结束", format="HH:mm", step=300),
                           "备注": st.column_config.TextColumn("备注")}, placeholder="")
        rows = [{"code": r.get("code") or "", "name": r.get("环节"), "starts": r.get("开始"), "ends": r.get("结束"),
                 "note": r.get("备注")} for r in edited.to_dict("records")]
        if not locked:
            try:
                changed = dayplan.clean_stages(rows) != dayplan.agenda(db, aid)
            except DataError:     # a bad row: save_agenda below names it
                changed = True
            if changed and ui.run(lambda: dayplan.save_agenda(db, aid, mid, rows)):
                st.session_state["plan_saved"] = True      # the toast after the rerun (which shows the new agenda)
                st.rerun()


def lead(db, who: dict, locked: bool) -> None:
    aid, mid = who["assessment_id"], who["member_id"]
    if st.session_state.pop("plan_saved", False):
        st.toast("议程已保存（已记入修改记录）")
    st.markdown("#### 今日议程与进度")
    # One Markdown table and one row of links (issue 27): a bordered box with columns, a progress bar and a link
    # per stage made the home page, drawn at every switch to it, the slowest page to open.
    stages = dayplan.stage_progress(db, aid)
    ui.static_table([{"环节": s.name, "时间": s.time_text,
                      "进度": (ui.share_bar(s.share) + "　" if s.share is not None else "")
                      + (s.progress_text or s.note or "（本环节不按数据计进度）"),
                      "记录页": ui.PAGES[s.page].title if s.page in ui.PAGES else "—"} for s in stages])
    ui.page_links([s.page for s in stages], "去记录")
    _agenda_editor(db, aid, mid, locked)

    sp = dayplan.scoring_progress(db, aid)
    st.markdown("#### 专家评分")
    st.progress(sp["scored"] / sp["assigned"] if sp["assigned"] else 0.0,
                text=f"已评 {int(sp['scored'])} / 分配 {int(sp['assigned'])} 个评分单元；"
                     f"已提交 {int(sp['submitted'])} / {int(sp['scorers'])} 位")
    _link("dashboard", "实时总览（分歧裁定、退回评分）")

    st.markdown("#### 导出前检查：待处理事项")
    items = dayplan.open_items(db, aid)
    if not items:
        st.success("导出前检查已通过，可以生成正式报告。", icon=":material/task_alt:")
        return
    if blocking(items):
        st.warning(f"尚有 {len(blocking(items))} 项须处理（否则报告带“草稿”水印），另有 "
                   f"{len(items) - len(blocking(items))} 项提示。", icon=":material/error:")
    # The items as one list, each naming the page that fixes it, and one link per page (issue 27).
    st.markdown("\n".join(f"- {ui.esc(item.label)}" + (f"　→ {ui.esc(ui.PAGES[item.page].title)}"
                                                        if item.page in ui.PAGES else "") for item in items))
    ui.page_links([item.page for item in items], "去处理")


# ---------- expert ----------

def expert(db, who: dict, locked: bool) -> None:
    aid, mid = who["assessment_id"], who["member_id"]
    plan = dayplan.expert_plan(db, aid, mid)
    st.markdown("#### 我的评分任务")
    if not plan["assigned"]:
        st.info("组长尚未给您分配评分指标。")
        return
    st.progress(plan["scored"] / plan["assigned"],
                text=f"已评 {int(plan['scored'])} / 分配 {int(plan['assigned'])} 个评分单元")
    ui.table([{"负责部分": s["label"], "已评/分配": f"{s['scored']}/{s['assigned']}",
               "状态": "已评完" if s["scored"] == s["assigned"] else "未评完"}
              for s in plan["sections"]], hide_index=True, key="plan_sections", placeholder="")
    _link("scoring", "去评分")

    st.markdown(f"#### 需要讨论的分歧（{len(plan['flags'])}）")
    if not plan["flags"]:
        st.caption("您评过的指标目前没有分歧。")
    for f in plan["flags"]:
        st.markdown(f"- {ui.esc(f['label'])}：您评 {ui.esc(f['mine'])}，其他专家 {ui.esc(f['others'])}"
                    + ("（组长已裁定）" if f["decided"] else ""))

    st.markdown("#### 提交评分")
    sub = plan["submission"]
    if sub and sub["submitted"]:
        st.success(f"您已于 {ui.esc(sub['submitted_at'].replace('T', ' ')[:16])} 提交评分，评分与意见只读。",
                   icon=":material/task_alt:")
        return
    if sub and sub["reopened_at"]:
        st.info(f"组长已退回您的评分（理由：{ui.esc(sub['reopen_reason'])}），修改后请重新提交。", icon=":material/undo:")
    left = plan["assigned"] - plan["scored"]
    st.caption(f"还有 {int(left)} 个评分单元未评，评完后才能提交。" if left else "全部已评，可以提交。提交后评分与意见只读。")
    sure = st.checkbox("我已核对全部评分与意见，确认提交（提交后只读，只能由组长退回）", key="home_submit_confirm",
                       disabled=locked or left > 0)
    if st.button("提交我的评分", key="home_submit", type="primary", disabled=locked or left > 0 or not sure):
        if ui.run(lambda: signoff.submit_sections(db, aid, mid), success="评分已提交"):
            st.rerun()


# ---------- staff ----------

def staff(db, who: dict, locked: bool) -> None:
    aid, mid = who["assessment_id"], who["member_id"]
    plan = dayplan.staff_plan(db, aid, mid)
    st.markdown("#### 我的电话回访")
    if not plan["drawn"]:
        st.info("尚未抽样。组长抽样并分配回访名单后，这里会显示您的名单。")
        return
    if not plan["assigned"]:
        st.info("目前没有分配给您的回访对象。")
        return
    c = st.columns(5)
    c[0].metric("分配给我", int(plan["assigned"]))
    c[1].metric("已接通", int(plan["reached"]))
    c[2].metric("无法接通", int(plan["unreachable"]))
    c[3].metric("拒访", int(plan["refused"]))
    c[4].metric("待拨打", int(plan["to_call"]))
    nxt = plan["next"]
    if nxt is None:
        st.success("您的回访名单已全部完成。", icon=":material/task_alt:")
    else:
        st.markdown(f"**下一位**：第 {int(nxt['position'])} 号　{ui.esc(nxt['name'])}　{ui.esc(nxt['community'] or '')}"
                    f"（{ui.esc(nxt['status_label'])}）")
        ui.table([{"顺序": n, "序号": i["position"], "姓名": i["name"], "社区": i["community"],
                    "状态": i["status_label"]} for n, i in enumerate(plan["queue"], 1)],
                 hide_index=True, key="plan_queue", placeholder="", height=min(400, 38 + 35 * len(plan["queue"])))
    _link("survey_calls", "去电话回访")


def _agenda_readonly(db, aid: int) -> None:
    with st.expander("今日议程"):
        for row in dayplan.agenda(db, aid):
            times = f"{row['starts']}–{row['ends']}" if row["starts"] and row["ends"] else (row["starts"] or row["ends"])
            st.markdown(f"- **{ui.esc(row['name'])}**　{ui.esc(times or '未定时间')}"
                        + (f"　{ui.esc(row['note'])}" if row["note"] else ""))


def render(db, who: dict, locked: bool) -> None:
    {"lead": lead, "expert": expert, "staff": staff}[who["role"]](db, who, locked)
    if who["role"] != "lead":
        _agenda_readonly(db, who["assessment_id"])


if __name__ == "__main__":   # this file opened as a page before app.py ran once: the PIN form
    ui.through_app()
