"""机构总览 (leads): every assessment in the database file — station, district, year, kind,
grade, scores, satisfaction, completion — with filters, distributions, the most frequent
concerns across stations and each expert's calibration; Excel export (core.agency.overview).

Every lead sees it: a lead of any assessment in this file is the agency's staff."""
import pandas as pd
import streamlit as st

from core.agency import overview
from core.numbers import fmt_number, fmt_score
from pages import _shared as ui

db = ui.get_db()
who = ui.require_login("lead")

st.title("机构总览")
st.caption("本数据库中的全部评估（已删除的除外）。仅组长可见：组长即评估机构的工作人员。不含服务对象的任何个人信息。")

with st.spinner("正在汇总各次评估的数据（新导入或修改过的评估需重新计算）……"):
    everything = overview.overview(db)
opts = everything.options
c = st.columns(4)
chosen = {
    "district": c[0].multiselect("所在区", opts["district"], key="ov_district", placeholder="全部"),
    "year": c[1].multiselect("年度", opts["year"], key="ov_year", placeholder="全部"),
    "grade": c[2].multiselect("等级", opts["grade"], key="ov_grade", placeholder="全部"),
    "framework": c[3].multiselect("评估框架", opts["framework"], key="ov_framework", placeholder="全部"),
}
ov = overview.overview(db, **chosen) if any(chosen.values()) else everything

m = st.columns(4)
m[0].metric("评估次数", f"{int(len(ov.rows))}/{int(ov.total)}")
m[1].metric("社工站", len({r["identity_id"] for r in ov.rows}))
finals = [r["final"] for r in ov.rows if r["final"] is not None]
m[2].metric("平均最终得分", ui.esc(fmt_score(sum(finals) / len(finals)) if finals else "—"))
m[3].metric("分歧提示（合计）", sum(r["flags"] for r in ov.rows))

header, body = overview.overview_table(ov)
ui.table(pd.DataFrame(body, columns=header), hide_index=True, placeholder="", key="ov_table")
st.download_button("下载总览 Excel（不含个人信息）", file_name="评估总览.xlsx",
                   data=lambda: overview.overview_download(ui.db_path(), who["assessment_id"], who["member_id"], **chosen),
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="ov_xlsx", on_click="ignore")

st.subheader("分布")
# The four charts are drawn only while their expander is open (opening it reruns the page): they cost the browser
# more than the rest of the page, at every switch to it (issue 27).
ui.on_request("分布图表（最终得分、等级、各部分得分、满意度）", "ov_charts",
              lambda: ui.chart_grid(overview.overview_charts(ov), "ov_chart"))

st.subheader("常见问题（需要关注，按部分和指标）")
if ov.concerns:
    # A Markdown table (rows already in order of frequency): a data grid is a canvas of its own, and four of them
    # made this page and the next one opened slow (issue 27).
    ui.static_table([{"部分 · 指标": x["label"], "涉及社工站": x["stations"], "涉及评估": x["assessments"],
                      "意见条数": x["findings"]} for x in ov.concerns])
else:
    st.info("所选评估中尚无“需要关注”的意见。")

st.subheader("专家校准")
st.caption("与评估组均值的偏差：同一指标由两位以上专家评分时，每位专家的分数减去评估组均值（分；占该指标满分的百分比）。"
           "分歧标记：专家参与评分、且专家间差距超过满分 20% 的评分单元数。α：所在评估组的 Krippendorff α（各次评估的平均；无法计算时为“—”）。")
if ov.experts:
    ui.table(pd.DataFrame([{
        "专家": e["expert"], "评估次数": e["assessments"], "比较单元": e["cells"],
        "平均偏差（分）": e["mean_deviation"], "平均偏差（%）": e["mean_share"], "平均绝对偏差（%）": e["mean_abs_share"],
        "分歧标记": e["flags"], "所在评估组 α": "—" if e["alpha"] is None else e["alpha"],
    } for e in ov.experts]), hide_index=True, placeholder="", key="ov_experts")
    name = st.selectbox("查看专家在各指标上的平均偏差", [e["expert"] for e in ov.experts], key="ov_expert")
    detail = overview.expert_detail(db, ov, name)
    if detail:      # a few rows in framework order: a Markdown table (issue 27)
        ui.static_table([{"指标": k, "平均偏差（分）": fmt_number(v, 3)} for k, v in detail.items()])
else:
    st.info("所选评估中尚无两位以上专家共同评分的指标。")
