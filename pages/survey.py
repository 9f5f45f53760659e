"""满意度抽样与结果: reproducible sampling, assignment of calls, results (lead; staff read)."""
import pandas as pd
import streamlit as st

from core import cells
from core.survey import calls
from core.survey import rules as survey
from core.assessment import team
from core.labels import AAPOR_CODES, ROLES, SAMPLE_DESIGNS
from pages import _shared as ui

who = ui.require_login("lead", "staff")
db = ui.get_db()
aid, me = who["assessment_id"], who["member_id"]
is_lead = who["role"] == "lead"
locked = team.is_locked(db, aid)

st.title("满意度抽样与结果")
st.caption("从重点服务对象名册中随机抽取不少于 100 人（名册不足 100 人时全部调查）。抽样可复现：保存随机种子与名册哈希，"
           "任何人可用同一种子在同一名册上重新抽出相同样本。姓名与电话在本页一律脱敏。")

overview = calls.register_overview(db, aid)
reg_hash = overview["register_hash"]
sample = calls.current_sample(db, aid)
n_calls = calls.call_count(db, aid)

# ---------- sampling ----------
st.subheader("抽样")
c1, c2, c3 = st.columns(3)
c1.metric("名册人数", int(overview["persons"]))
c2.metric("名册户数", int(overview["households"]) if overview["persons"] else "—")
c3.metric("当前名册哈希", ui.esc(survey.short_hash(reg_hash)) if reg_hash else "—", help="名册内容的 SHA-256（前 12 位）")

if sample is None:
    st.info("尚未抽样。" + ("" if is_lead else "请组长抽样。"))
else:
    with st.container(border=True, key="sample_card"):
        st.markdown(f"**随机种子：{ui.esc(sample['seed'])}**　抽样人数：{int(sample['size'])}　"
                    f"候补：{int(sample['reserve_size'])} 人　抽样人：{ui.esc(sample['member_name'] or '—')}　"
                    f"时间：{ui.esc(sample['created_at'][:16].replace('T', ' '))}")
        st.markdown(f"名册哈希（SHA-256）：`{ui.esc(sample['register_hash'])}`")
        if sample.get("design"):
            st.markdown(f"抽样方式：{ui.esc(SAMPLE_DESIGNS.get(sample['design'], sample['design']))}")
        if sample["register_hash"] != reg_hash:
            st.warning("名册在抽样后已被修改：当前名册哈希与抽样时不一致，同一种子将抽出不同样本。", icon=":material/warning:")
        if st.button("用保存的种子重新验证抽样", key="survey_verify"):
            v = calls.verify_sample(db, aid)
            if v["register_matches"] and v["sample_matches"]:
                st.success("验证通过：名册哈希一致，用同一种子重新抽出的样本与保存的样本完全相同。")
            else:
                st.error("验证未通过：" + ("名册已变化。" if not v["register_matches"] else "") +
                         ("重新抽出的样本与保存的不一致。" if not v["sample_matches"] else ""))

if is_lead and not locked and overview["persons"]:
    with st.expander("重新抽样" if sample else "抽样", expanded=sample is None):
        if n_calls:
            st.warning(f"已有 {int(n_calls)} 条通话记录。重新抽样将作废当前样本及其通话记录（保留在修改记录中）。", icon=":material/warning:")
        with st.form("survey_draw"):
            c1, c2, c3 = st.columns(3)
            seed = c1.text_input("随机种子（留空自动生成）", key="survey_seed")
            size = c2.number_input("抽样人数", min_value=survey.MIN_SAMPLE, value=survey.MIN_SAMPLE, step=1, key="survey_size")
            reserve = c3.number_input("候补人数", min_value=0, value=0, step=1, key="survey_reserve")
            design = st.radio("抽样方式", list(SAMPLE_DESIGNS), format_func=SAMPLE_DESIGNS.get, horizontal=True,
                              key="survey_design",
                              help="分层抽样：按片区（服务对象所在社区）或服务对象类别（名册中所列第一个类别）分层，"
                                   "各层按名册人数比例分配样本；用同一种子和同一名册可重新抽出相同样本。")
            confirm = st.checkbox("确认作废当前样本并重新抽样", key="survey_confirm") if n_calls else False
            if st.form_submit_button("抽样", type="primary", key="survey_draw_submit"):
                if ui.run(lambda: calls.draw_sample(db, aid, me, seed=seed or None, size=int(size), reserve=int(reserve),
                                                 confirm_redraw=confirm, design=design), success="抽样完成"):
                    st.rerun()
elif is_lead and not overview["persons"]:
    st.info("重点服务对象名册为空，请先在“重点服务对象名册”页面导入名册。")

if is_lead and not locked and sample is not None:
    with st.expander("撤销抽样"):
        st.caption("撤销后可更换重点服务对象名册再重新抽样；已记录的通话将一并删除（修改记录中保留种子、哈希与通话数）。")
        sure = st.checkbox(f"确认撤销抽样并删除 {n_calls} 条通话记录", key="survey_withdraw_confirm") if n_calls else False
        if st.button("撤销抽样", key="survey_withdraw"):
            if ui.run(lambda: calls.withdraw_sample(db, aid, me, confirm=sure), success="已撤销抽样"):
                st.rerun()

# ---------- the caller's script ----------
with st.expander("回访话术（回访员在电话回访页照读）"):
    st.caption("默认措辞来自评估框架；组长可按本次评估修改，离开输入框即保存。清空某一项即恢复框架原文。"
               "可用 {name}（受访对象）、{station}（社工站）、{org}（评估方）。")
    for line in calls.script(db, aid):
        key = f"script_{line['key']}"
        ui.init_state(key, line["text"])
        st.text_area(line["label"] + ("（已修改）" if line["edited"] else ""), key=key, height=68,
                     disabled=not is_lead or locked,
                     on_change=lambda k=line["key"], wk=key: ui.saver("script_err", calls.set_script, db, aid, me, k,
                                                                     st.session_state[wk]))
    ui.show_saved_error("script_err")

if sample is None:
    st.stop()

# ---------- assignment ----------
items = calls.list_items(db, aid)
st.subheader("回访分配")
members = calls.callers(db, aid)
names = {m["id"]: f"{m['name']}（{ROLES[m['role']]}）" for m in members}
counts, unassigned = calls.assignment_counts(items)
if counts:
    st.caption("已分配：" + "；".join(f"{ui.esc(names.get(k, k))} {int(v)} 人" for k, v in counts.items()) +
               f"；样本中未分配 {int(unassigned)} 人。")
else:
    st.caption(f"已分配：无；样本中未分配 {int(unassigned)} 人。")
if is_lead and not locked:
    c1, c2 = st.columns(2)
    with c1.form("survey_assign_even"):
        default = [m["id"] for m in members if m["role"] == "staff"]
        chosen = st.multiselect("回访人员", list(names), default=default, format_func=names.get, placeholder="请选择", key="survey_even_callers")
        if st.form_submit_button("平均分配未分配的对象", key="survey_assign_even_submit"):
            if ui.run(lambda: calls.assign_evenly(db, aid, me, chosen), success="已分配"):
                st.rerun()
    with c2.form("survey_assign_some"):
        labels = {i["id"]: f"{'候补' if i['reserve'] else ''}第 {i['position']} 号 {i['name']}（{i['caller_name'] or '未分配'}）"
                  for i in items}
        picked = st.multiselect("抽样对象", list(labels), format_func=labels.get, placeholder="请选择", key="survey_pick_items")
        to = st.selectbox("改派给", list(names), format_func=names.get, placeholder="请选择", key="survey_pick_caller")
        if st.form_submit_button("分配所选对象", key="survey_assign_some_submit"):
            if ui.run(lambda: calls.assign(db, aid, me, picked, to), success="已分配"):
                st.rerun()

ui.table(pd.DataFrame([{
    "序号": i["position"], "候补": "是" if i["reserve"] else "", "姓名": i["name"], "电话": i["phone"],
    "社区": i["community"], "类别": i["category"], "回访人": i["caller_name"] or "", "状态": i["status_label"],
    "拨打次数": i["attempts"], "AAPOR 结果": i["disposition_label"],
} for i in items]), hide_index=True, key="survey_items_table", height=300, placeholder="")

# ---------- results ----------
res = calls.survey_results(db, aid)
st.subheader("调查结果")
c = st.columns(6)
c[0].metric("样本量", int(res.sample_size))
c[1].metric("已拨打", int(res.called))
c[2].metric("已接通", int(res.reached))
c[3].metric("无法接通", int(res.unreachable), help="两次拨打均未接通")
c[4].metric("拒访", int(res.refused))
c[5].metric("待拨打/待再拨", int(res.pending))
c1, c2, c3 = st.columns(3)
c1.metric("满意率", ui.esc(res.satisfaction_text), help="总体满意度为“满意”或“非常满意”的人数 ÷ 接通人数")
c1.caption(ui.esc(res.satisfaction_ci_text))
c2.metric("知晓率", ui.esc(res.awareness_text), help="了解 5 项中至少 3 项的人数 ÷ 接通人数")
c2.caption(ui.esc(res.awareness_ci_text))
c3.metric("满意率误差范围（目前）", ui.esc(res.margin_text),
          help="95% 置信区间（Wilson 法，按名册人数作有限总体校正）的半宽；接通的人越多，误差越小。")
c3.caption(f"接通 {int(res.reached)} 人，名册 {int(res.population or 0)} 人")
st.caption("置信区间：Wilson 法，有限总体校正 n_eff = n(N−1)/(N−n)（n 为接通人数，N 为名册人数）。")
if res.reached:
    st.caption("受访者：" + "，".join(f"{ui.esc(k)} {int(v)} 人" for k, v in res.respondents.items()))

st.markdown(f"**访问结果（AAPOR 标准定义）**　应答率 RR1：{ui.esc(res.response_rate_text)}")
st.caption("RR1 = 完成访问 ÷ 全部样本（拒访、未能联系、资格未知均计为合格，最保守的应答率）。"
           "无人接听计为“未能联系”；空号、非本人及未拨打计为“资格未知”。")
ui.table(pd.DataFrame([{"结果": AAPOR_CODES[k], "人数": v} for k, v in res.dispositions.items()]),
             hide_index=True, key="survey_dispositions", placeholder="")
if res.by_area:
    st.markdown("**各片区满意度**")
    ui.table(pd.DataFrame([{"片区": a["area"], "样本": a["sample"], "接通": a["reached"], "满意": a["satisfied"],
                                "名册人数": a["population"] if a["population"] is not None else "",
                                "满意率（95% 置信区间）": a["text"]} for a in res.by_area]),
                 hide_index=True, key="survey_by_area", placeholder="")
if res.allocation:
    st.markdown(f"**分层抽样分配**（{ui.esc(res.design_label)}）")
    ui.table(pd.DataFrame([{"层": k, "名册人数": v["register"], "样本": v["sample"], "候补": v["reserve"]}
                               for k, v in res.allocation.items()]), hide_index=True, key="survey_allocation", placeholder="")

if res.reached:
    st.markdown("**满意度分项**")
    ui.table(pd.DataFrame([{"项目": item, **counts} for item, counts in res.breakdown.items()]),
                 hide_index=True, key="survey_breakdown", placeholder="")
    st.markdown("**知晓度分项**")
    ui.table(pd.DataFrame([{"项目": k, "知晓人数": v, "知晓比例": survey.rate_text(v, res.reached)}
                               for k, v in res.awareness_breakdown.items()]), hide_index=True, key="survey_awareness", placeholder="")

st.markdown("**请社工站跟进**（兜底保障对象无法接通、受访者表示不满意）")
if res.priority_follow_up:
    ui.table(pd.DataFrame([{"姓名": f["name"], "电话": f["phone"], "社区": f["community"], "类别": f["category"],
                                "原因": f["reason"]} for f in res.priority_follow_up]),
                 hide_index=True, key="survey_priority_follow_up", placeholder="")
else:
    st.caption("暂无。")
st.markdown("**需跟进名单**（无法接通、不了解社工、不满意、拒访）")
if res.follow_up:
    ui.table(pd.DataFrame([{"姓名": f["name"], "电话": f["phone"], "社区": f["community"], "原因": f["reason"]}
                               for f in res.follow_up]), hide_index=True, key="survey_follow_up", placeholder="")
else:
    st.caption("暂无。")
if res.knows_worker_no:
    # Masked names hold '*', which markdown would read as emphasis: escaped.
    st.caption("不了解社工：" + "；".join(f"{ui.esc(p['name'])}（{ui.esc(p['respondent'])}）"
                                     for p in res.knows_worker_no))

rows = calls.export_rows(db, aid)
if rows:
    st.download_button("导出回访结果（CSV，已脱敏）", cells.csv_from_dicts(rows),
                       file_name="满意度回访结果.csv", mime="text/csv", key="survey_export", on_click="ignore")
