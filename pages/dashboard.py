"""实时总览: the lead's live dashboard (experts see it read-only). Refreshes by itself
(st.fragment(run_every=…)); one refresh is core.day.live.dashboard, charts come from core.day.dashboard."""
import datetime as _dt

import streamlit as st

from core.report import make as report_make
from core.day import dashboard
from core.day import live
from core.scoring import scoresheet
from core.assessment import team
from core.scoring import signoff
from pages import _shared as ui
from pages import _sync_panel as sync_panel

who = ui.require_login("lead", "expert")
aid, mid = who["assessment_id"], who["member_id"]
is_lead = who["role"] == "lead"

st.title("实时总览")
auto = st.toggle("自动刷新", value=True, key="dash_auto_refresh")      # no columns around it: fewer elements (issue 27)
every = dashboard.refresh_seconds()
st.caption(f"每 {dashboard.fmt_number(every)} 秒自动更新，无需刷新页面。" if auto else "自动刷新已暂停。")
if not is_lead:
    st.caption("只读视图：分歧裁定由组长进行。")


def show_chart(fig, key: str, empty: str) -> None:
    if fig is None:
        st.info(ui.esc(empty))
    else:
        st.plotly_chart(fig, key=key, config={"displaylogo": False})


def score_bar(score, points) -> str:
    """A score against its maximum as a text bar (the section chart's bar in a table row)."""
    return ui.share_bar(float(score) / float(points)) if score is not None and points else ""


def completion_table(dash: dashboard.Dashboard) -> None:
    """Each contract indicator's completion against 100%, as a table with text bars (the chart: on request)."""
    rows = [r for r in (dash.indicators or []) if r.get("rate") is not None]
    if not rows:
        st.info("尚未录入协议指标（或目标值缺失）。")
        return
    if any(r.get("due_basis") in ("mid", "prorated") for r in rows):
        st.caption("完成率为占中期应完成量的比例。")
    ui.static_table([{"协议指标": r["name"], "完成率": ui.share_bar(float(r["rate"]) / 100,
                                                              text=r.get("rate_text") or dashboard.fmt_number(r["rate"]) + "%"),
                      "状态": "已完成" if float(r["rate"]) >= 100 else "未完成"} for r in rows])


def satisfaction_table(dash: dashboard.Dashboard) -> None:
    """Answers per satisfaction level for each item (the stacked chart's figures), as a table."""
    rows = dashboard.satisfaction_breakdown(dash.survey)
    if not rows or not any(sum(c.values()) for _, c in rows):
        st.info("尚无接通的回访。")
        return
    levels = [lv for lv in dashboard.SATISFACTION_LEVELS if any(lv in c for _, c in rows)]
    levels += sorted({k for _, c in rows for k in c} - set(levels))
    ui.static_table([{"分项": item, **{lv: int(c.get(lv, 0)) for lv in levels}, "合计": int(sum(c.values()))}
                     for item, c in rows])


def charts(dash: dashboard.Dashboard) -> None:
    """The three plotly charts, drawn only while their expander is open (opening it reruns): a chart costs the
    browser far more than the table that gives its figures (issue 27)."""
    def draw() -> None:
        show_chart(dashboard.section_chart(dash), "dash_chart_sections", "暂无评分。")
        show_chart(dashboard.completion_chart(dash), "dash_chart_completion", "尚未录入协议指标（或目标值缺失）。")
        show_chart(dashboard.satisfaction_chart(dash), "dash_chart_satisfaction", "尚无接通的回访。")
    ui.on_request("图表（各部分得分、协议指标完成率、满意度分项）", "dash_charts", draw)


def render(dash: dashboard.Dashboard) -> None:
    if dash.own_only:
        st.info("组长公开评分前，本页的得分、等级和各部分得分只按您本人已评的指标计算，不含其他专家的评分；"
                "分歧提示与一致性在组长公开后显示。", icon=":material/visibility_off:")
    m = [st.container(horizontal=True, gap="large")] * 5     # one row without columns (issue 27)
    m[0].metric("第三方得分（目前）" if not dash.result.third_party_complete else "第三方得分",
                ui.esc(dash.third_party_text))
    m[1].metric(ui.esc(dash.final_label), ui.esc(dash.final_text))
    m[2].metric(ui.esc(dash.grade_label), ui.esc(dash.grade or "—"))
    m[3].metric("已评单元", f"{int(dash.cells_scored)}/{int(dash.cells_total)}")
    m[4].metric("分歧提示", len(dash.flags))
    if dash.projection_note:
        st.caption("第三方得分为折算分：" + ui.esc(dash.projection_note) + "。")
    if dash.final_projected:
        st.caption("标注“预计”的评估方尚未录入分数或评分尚未完成，按第三方目前得分率预计。")

    st.subheader("四方得分")
    # Small tables as they are (Markdown tables, no data grid each: issue 27).
    ui.static_table([{
        "评估方": p.name, "权重": dashboard.fmt_number(p.weight), "得分": p.score_text,
        "折算分": dashboard.fmt_number(p.weighted) if p.weighted is not None else "—", "状态": p.status_text,
    } for p in dash.parties])

    st.subheader("专家评分进度")
    # A Markdown table with text bars: a data grid is a canvas of its own, the costliest element of this page at
    # every switch to it (issue 27).
    ui.static_table([{
        "成员": e.name, "角色": e.role_label, "进度": ui.share_bar(e.share, width=8), "已评/分配": e.progress_text,
        "提交": e.submitted_text, "最近操作": e.last_activity_text,
    } for e in dash.experts])
    # The tables say what the section chart drew (score against the maximum); the chart is under 图表 below.
    left, right = st.columns(2) if dash.areas else (st.container(), None)
    with left:
        st.subheader("各部分得分")
        ui.static_table([{
            "部分": f"{s.code} {s.name}", "得分": s.score_text, "满分": dashboard.fmt_number(s.points),
            "得分率": score_bar(s.score, s.points), "已评": f"{s.cells_scored}/{s.cells_total}",
        } for s in dash.sections])
    if dash.areas:
        with right:
            st.subheader("各片区服务质量")
            ui.static_table([{
                "片区": a.area_name, "得分": a.score_text, "满分": dashboard.fmt_number(a.points),
                "得分率": score_bar(a.score, a.points), "已评": f"{a.cells_scored}/{a.cells_total}",
            } for a in dash.areas])

    st.subheader(f"分歧提示（{len(dash.flags)}）")
    st.caption("同一指标各专家评分相差超过该指标满分的 20%（或有人评“不适用”而他人评分）时提示讨论。")
    if not dash.flags:
        st.success("目前没有需要讨论的分歧。")
    for f in dash.flags:
        with st.container(border=True, key=f"dash_flag_{f.indicator_code}_{f.area_code}"):
            if f.hidden:
                st.markdown(f"**{ui.esc(f.label)}** · 满分 {dashboard.fmt_number(f.points)}")
                st.caption("各专家的评分与备注在您保存本项评分后显示。")
                continue
            # The heading and each expert's line in one element (issue 27: one per line made this page slow to open).
            st.markdown(f"**{ui.esc(f.label)}** · 满分 {dashboard.fmt_number(f.points)} · 相差 "
                        f"{dashboard.fmt_number(f.spread)}"
                        + "".join(f"  \n{ui.esc(e.name)}：{ui.esc(e.value_text)}" + (f"（{ui.esc(e.note)}）" if e.note else "")
                                  for e in f.experts))
            if f.override:
                st.info(ui.esc(f.override_text))

    st.subheader("专家评分一致性")
    ag = dash.agreement
    if ag is not None:
        st.metric("Krippendorff α", ui.esc(ag.alpha_text),
                  help="区间尺度，按各指标得分占满分的比例计算；只计由两位及以上专家评分的指标。")
        st.markdown(ui.esc(ag.reading))
        st.caption(f"{int(ag.alpha_cells)} 个指标单元由两位及以上专家评分，{int(ag.alpha_experts)} 位专家。")
        rows = dashboard.agreement_rows(dash)
        if rows:
            ui.static_table(rows)

    st.subheader("协议指标完成情况")
    completion_table(dash)

    st.subheader("满意度电话回访进度")
    prog = dashboard.survey_progress(dash.survey)
    if prog is None:
        st.info("尚未抽取回访样本。")
    else:
        # One table row (a metric in a column each were 15 elements of this page, issue 27).
        ui.static_table([{**{label: value for label, value in prog["figures"]}, "满意度（目前）": prog["satisfaction_text"]}])
        st.caption(f"满意度：{ui.esc(prog['satisfaction_with_n'])}；知晓率：{ui.esc(prog['awareness_text'])}")
        if prog["satisfaction_interval"]:
            st.caption(f"满意度{ui.esc(prog['satisfaction_interval'])}（误差范围 {ui.esc(prog['margin'])}）；"
                       f"应答率（AAPOR RR1）{ui.esc(prog['response_rate'])}")
        satisfaction_table(dash)
    charts(dash)
    st.caption("数据更新于 " + _dt.datetime.now().strftime("%H:%M:%S"))


@st.fragment(run_every=every if auto else None)
def refresh() -> None:
    render(dashboard.blind_for(live.dashboard(ui.get_db(), aid, None if is_lead else mid), mid, is_lead))
    if is_lead:
        sync_panel.team_table(ui.get_db(), aid)     # issue 23: each laptop and when it last met


refresh()

# ---------- the lead reveals the experts' scores to the experts (outside the fragment) ----------
if is_lead:
    st.divider()
    st.subheader("向专家公开评分")
    revealed = scoresheet.scores_revealed(ui.get_db(), aid)
    if team.is_locked(ui.get_db(), aid):
        st.caption("评估已锁定。" + ("专家在本页看到全体专家评分计算的得分。" if revealed else "专家在本页只看到按本人评分计算的得分。"))
    elif revealed:
        st.caption(f"已于 {ui.esc(dashboard.activity_text(revealed))} 向专家公开：专家在本页看到全体专家评分计算的得分、"
                   "分歧提示与一致性。")
        if st.button("取消公开（专家重新只看到本人评分）", key="reveal_hide"):
            if ui.run(lambda: scoresheet.reveal_scores(ui.get_db(), aid, mid, False)):
                st.rerun()
    else:
        st.caption("公开前，专家在本页只看到按本人评分计算的得分（独立评分，互不影响）；"
                   "各专家评完并提交后再公开，公开记入修改记录。")
        if st.button("向专家公开全体评分", key="reveal_show", type="primary"):
            if ui.run(lambda: scoresheet.reveal_scores(ui.get_db(), aid, mid, True)):
                st.rerun()

# ---------- the lead reopens a submission (outside the fragment: a normal page run) ----------
# The score sheets, the reopen form and the decision form are drawn only while their expander is open (opening it
# reruns the page): a dozen widgets each, at every switch to this page, for a step taken a few times a day (issue 27).
def sheets_and_reopen() -> None:
    db = ui.get_db()
    scorers = {s["member_id"]: f"{s['name']}（{s['role_label']}，{'已提交' if s['submitted'] else '未提交'}）"
               for s in signoff.scorers(db, aid)}
    if scorers:
        c1, c2 = st.columns([2, 1])
        pick = c1.selectbox("打印评分表（含签名栏）", list(scorers), format_func=scorers.get, key="sheet_member")
        path = ui.db_path()
        c2.download_button("下载评分表 PDF", data=lambda: report_make.score_sheet_download(path, aid, pick),
                           file_name=f"专家评分表-{scorers[pick].split('（')[0]}.pdf", mime="application/pdf",
                           key="sheet_download", on_click="ignore", icon=":material/print:")
    done = signoff.submitted_members(db, aid)
    if not done:
        st.caption("尚无成员提交评分。专家评完自己负责的指标后在「专家评分」页提交，提交后其评分与意见只读。")
    else:
        names = {m["member_id"]: m["name"] for m in done}
        with st.form("reopen_form"):
            target = st.selectbox("已提交的成员", list(names), format_func=names.get, placeholder="请选择",
                                  key="reopen_member")
            why = st.text_input("退回理由（必填，记入修改记录）", key="reopen_reason")
            go = st.form_submit_button("退回修改", key="reopen_submit")
        if go and ui.run(lambda: signoff.reopen_submission(db, aid, mid, target, why)):
            st.session_state["reopen_flash"] = f"已退回{names[target]}的评分，其可修改后重新提交（已记入修改记录）"
            st.rerun()


def lead_part(title: str, flash_key: str, label: str, key: str, draw) -> None:
    """One of the lead's parts below the live figures: its heading, the message of its last save, and its form
    drawn on request (ui.on_request)."""
    st.divider()
    st.subheader(ui.esc(title))
    if st.session_state.get(flash_key):
        st.success(ui.esc(st.session_state.pop(flash_key)))
    ui.on_request(label, key, draw)


if is_lead:
    lead_part("专家评分表与退回", "reopen_flash", "打印专家评分表、退回已提交的评分", "dash_reopen_open", sheets_and_reopen)

# ---------- the lead's decision on a cell (outside the fragment: a normal page run) ----------
def decision() -> None:
    db = ui.get_db()
    dash = live.dashboard(db, aid)
    decided = {(c.indicator.code, c.area_code) for c in dash.result.cells if c.override is not None}
    flagged = [(f.indicator_code, f.area_code) for f in dash.flags]
    show_all = st.checkbox("显示全部指标（不只是分歧项）", key="ovr_all")
    choices = list(dict.fromkeys(flagged + sorted(decided)))
    if show_all:
        choices += [(c.indicator.code, c.area_code) for c in dash.result.cells if (c.indicator.code, c.area_code) not in choices]
    area_names = dash.area_names
    if dash.locked:
        st.info("评估已锁定，不能再裁定；如需修改请先在“报告与导出”页解锁。", icon=":material/lock:")
    elif not choices:
        st.caption("目前没有分歧项或已裁定的指标。")
    else:
        def label(key):
            c = dash.result.cell(*key)
            where = f"（{area_names.get(key[1], key[1])}）" if key[1] else ""
            mark = "⚠️ " if key in flagged else ""
            return f"{mark}{c.indicator.code} {c.indicator.name}{where}"

        key = st.selectbox("指标", choices, format_func=label, placeholder="请选择", key="ovr_cell")
        cell = dash.result.cell(*key)
        ind = cell.indicator
        current = cell.value if cell.value is not None else 0
        kk = f"{ind.code}_{key[1]}"
        with st.form(f"ovr_form_{kk}"):
            if cell.override:
                st.caption(f"当前裁定：{'不适用' if cell.override.get('na') else dashboard.fmt_number(cell.override['value'])}"
                           f"（理由：{ui.esc(cell.override.get('reason', ''))}）")
            value = st.number_input(f"裁定分数（0–{dashboard.fmt_number(ind.points)}）", min_value=0.0,
                                    max_value=float(ind.points), value=float(current), step=float(ind.step or 0.5),
                                    key=f"ovr_value_{kk}")
            na = st.checkbox("不适用", value=bool(cell.override and cell.override.get("na")), key=f"ovr_na_{kk}")
            reason = st.text_area("理由（必填，记入修改记录）", key=f"ovr_reason_{kk}")
            b1, b2 = st.columns(2)
            save = b1.form_submit_button("保存裁定", type="primary", key=f"ovr_save_{kk}")
            clear = b2.form_submit_button("撤销裁定", key=f"ovr_clear_{kk}", disabled=cell.override is None)
        if save and ui.run(lambda: scoresheet.save_override(db, aid, mid, ind.code, key[1], value=None if na else value,
                                                   na=na, reason=reason)):
            st.session_state["ovr_flash"] = f"已保存 {label(key)} 的组长裁定（已记入修改记录）"
            st.rerun()
        if clear and ui.run(lambda: scoresheet.save_override(db, aid, mid, ind.code, key[1])):
            st.session_state["ovr_flash"] = f"已撤销 {label(key)} 的组长裁定（已记入修改记录）"
            st.rerun()


if is_lead:
    lead_part("组长裁定", "ovr_flash", "裁定一个指标的分数（分歧项，或勾选后任一指标）", "dash_override_open", decision)
