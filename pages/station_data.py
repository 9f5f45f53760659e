"""协议指标与人员配置: the station's contract indicators and staffing (lead and staff edit)."""
import pandas as pd
import streamlit as st

from core.station import register_import as imports
from core.station import data as station_data
from core.assessment import team
from core.errors import DataError, ImportRejected
from core.station.indicators import fmt_value
from core.station.staffing import STAFFING_FIELDS, staffing_figures
from core import uploads
from pages import _shared as ui

who = ui.require_login()
db = ui.get_db()
assessment_id, member_id = who["assessment_id"], who["member_id"]
locked = team.is_locked(db, assessment_id)
can_edit = station_data.can_edit_station_data(who["role"]) and not locked

st.title("协议指标与人员配置")
if locked:
    st.info("评估已锁定，本页只读。", icon=":material/lock:")
elif not can_edit:
    st.info("协议指标与人员配置由组长或工作人员填写，您可以查看。")


def show_import_error(e: DataError) -> None:
    if isinstance(e, ImportRejected):
        st.error("导入失败，数据未作任何修改：\n\n" + "\n".join(f"- {ui.esc(x)}" for x in e.errors))
    else:
        st.error(ui.esc(str(e)))


tab_ind, tab_staff = st.tabs(["协议指标", "人员配置"])

# ---------- 协议指标 ----------
with tab_ind:
    if can_edit and not station_data.list_indicators(db, assessment_id):
        ui.run(lambda: station_data.prefill_indicators(db, assessment_id, member_id))
    rows = station_data.indicator_table(db, assessment_id)
    period = station_data.indicator_period(db, assessment_id)
    st.caption("按协议填写各项指标的协议指标量（全年）与实际完成量；合同约定了中期指标量的，填在“中期指标量”一栏。"
               "完成率 = 实际完成量 ÷ 协议指标量（四舍五入保留两位小数）。表格中的修改即时保存。")
    if period is not None:
        st.caption("本次为中期评估：按截至统计日应完成量评判进度——有中期指标量的按中期指标量，其余按全年协议指标量 × 合同期已过比例"
                   + (f"（{ui.esc(period.share_text)}）" if period.share_text else "（合同期或统计截止日期未填写，无法折算）") + "。")
    if any(r.get("target_pending") for r in rows):
        st.warning("标注“待确认”的协议指标量从上期评估沿用，请与本期合同核对后取消勾选（导出前检查会列出它们）。")
    df = pd.DataFrame(
        [{"id": r["id"], "指标名称": r["name"], "单位": r["unit"], "协议指标量": r["target"], "中期指标量": r.get("mid_target"),
          "待确认": bool(r.get("target_pending")), "实际完成量": r["actual"],
          "中期应完成量": r.get("due_target") if period is not None else None,
          "完成率": r["rate_text"], "备注": r["note"]} for r in rows],
        columns=["id", "指标名称", "单位", "协议指标量", "中期指标量", "待确认", "实际完成量", "中期应完成量", "完成率", "备注"],
    )
    for c in ("协议指标量", "中期指标量", "实际完成量", "中期应完成量"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    df["待确认"] = df["待确认"].astype(bool)
    ver = st.session_state.setdefault("ind_editor_ver", 0)
    key = f"ind_editor_{ver}"
    edited = st.data_editor(
        df, key=key, hide_index=True, width="stretch",
        num_rows="dynamic" if can_edit else "fixed",
        disabled=True if not can_edit else ["完成率", "中期应完成量"],
        column_config={
            "id": None,
            "指标名称": st.column_config.TextColumn("指标名称", required=True, width="medium"),
            "单位": st.column_config.TextColumn("单位", width="small"),
            "协议指标量": st.column_config.NumberColumn("协议指标量", min_value=0, format="%g"),
            "中期指标量": st.column_config.NumberColumn("中期指标量", min_value=0, format="%g",
                                                   help="合同约定的中期指标量；留空则中期评估按合同期已过比例折算"),
            "待确认": st.column_config.CheckboxColumn("待确认", help="从上期沿用、尚未与本期合同核对的协议指标量"),
            "实际完成量": st.column_config.NumberColumn("实际完成量", min_value=0, format="%g"),
            "中期应完成量": None if period is None else st.column_config.NumberColumn("中期应完成量", format="%g"),
            "完成率": st.column_config.TextColumn("进度完成率" if period is not None else "完成率", width="small"),
            "备注": st.column_config.TextColumn("备注", width="large"),
        },
        placeholder="",
    )
    delta = st.session_state.get(key) or {}
    if can_edit and any(delta.get(k) for k in ("edited_rows", "added_rows", "deleted_rows")):
        clean = edited.astype(object).where(edited.notna(), None)
        new_rows = [{"id": r["id"], "name": r["指标名称"], "unit": r["单位"], "target": r["协议指标量"],
                     "mid_target": r["中期指标量"], "target_pending": bool(r["待确认"]),
                     "actual": r["实际完成量"], "note": r["备注"]} for r in clean.to_dict("records")]
        changed = []
        if ui.run(lambda: changed.append(station_data.save_indicators(db, assessment_id, member_id, new_rows))) and changed[0]:
            st.session_state["ind_editor_ver"] = ver + 1
            st.rerun()
    problems = [f"{r['name']}：{r['problem']}" for r in rows if r["problem"]]
    if problems:
        st.warning("以下指标尚不能计算完成率：" + "；".join(ui.esc(p) for p in problems))
    done = [r for r in rows if r["rate"] is not None]
    if done:
        below = [f"{r['name']} {r['rate_text']}" for r in done if r["rate"] < 100]
        st.markdown("**完成情况：** " + "；".join(ui.esc(f"{r['name']} {r['rate_text']}") for r in done))
        if below:
            st.caption(("未达中期应完成量：" if period is not None else "未达协议指标量：") + "；".join(ui.esc(b) for b in below))

    with st.expander("从 Excel / CSV 导入，或下载模板", expanded=False):
        c1, c2, c3 = st.columns(3)
        c1.download_button("下载 Excel 模板", imports.indicator_template("xlsx"), file_name="协议指标模板.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="ind_template_xlsx", on_click="ignore")
        c2.download_button("下载 CSV 模板", imports.indicator_template("csv"), file_name="协议指标模板.csv",
                           mime="text/csv", key="ind_template_csv", on_click="ignore")
        c3.download_button("导出当前指标（Excel）", imports.indicator_template("xlsx", rows=rows),
                           file_name="协议指标.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="ind_export_xlsx", on_click="ignore")
        if can_edit:
            st.caption("表头须包含：指标名称、协议指标量、实际完成量（单位、中期指标量、备注可选）。导入将整表替换现有指标；"
                       "任何一行有误则整份不导入。")
            up = st.file_uploader("选择文件", type=["xlsx", "csv"], key="ind_upload", max_upload_size=uploads.max_mb("table"))
            st.caption(ui.esc(uploads.limit_text("table")))
            if st.button("导入并替换现有指标", key="ind_import", disabled=up is None):
                try:
                    n = station_data.import_indicators(db, assessment_id, member_id, up.name, up.getvalue())
                    st.session_state["ind_editor_ver"] = ver + 1
                    st.session_state["ind_import_ok"] = f"已导入 {n} 项协议指标"
                    st.rerun()
                except DataError as e:
                    show_import_error(e)
    if st.session_state.pop("ind_import_ok", None):
        st.success("导入成功。")

# ---------- 人员配置 ----------
with tab_staff:
    staffing = station_data.get_staffing(db, assessment_id) or {}

    def save_field(field: str) -> None:
        value = st.session_state.get(f"staff_{field}")
        ui.saver("staff_error", station_data.save_staffing, db, assessment_id, member_id, **{field: value})

    ui.show_saved_error("staff_error")
    st.caption("比例以协议要求配备社工总数为分母（与评估报告一致）。每项输入后即时保存。")
    groups = [
        ("人数", ["required", "on_post", "cert_intermediate", "cert_assistant", "non_certified", "experienced",
                "continuous"]),
        ("到岗人次", ["attendance_due", "attendance_actual", "attendance_cert_due", "attendance_cert_actual",
                  "attendance_noncert_due", "attendance_noncert_actual"]),
        ("继续教育", ["training_due", "training_actual"]),
    ]
    for title, fields in groups:
        st.markdown(f"**{ui.esc(title)}**")
        cols = st.columns(4)
        for n, field in enumerate(fields):
            label, kind = STAFFING_FIELDS[field]
            v = staffing.get(field)
            cols[n % 4].number_input(
                label, min_value=0 if kind == "int" else 0.0, value=v if v is None or kind == "int" else float(v),
                step=1 if kind == "int" else 0.5, format=None if kind == "int" else "%g",
                key=f"staff_{field}", disabled=not can_edit, on_change=save_field, args=(field,))

    f = staffing_figures(station_data.get_staffing(db, assessment_id))
    st.markdown("**比例（评估报告口径）**")
    m = st.columns(5)

    def ratio_caption(n, d):
        return f"{fmt_value(n)} / {fmt_value(d)}" if n is not None and d is not None else "待填写"

    m[0].metric("持证社工占比", ui.esc(f["cert_ratio_text"]), help=ratio_caption(f["certified"], f["required"]))
    m[0].caption(f"持证 {ui.esc(ratio_caption(f['certified'], f['required']))}")
    m[1].metric("从业两年以上占比", ui.esc(f["experience_ratio_text"]))
    m[1].caption(ui.esc(ratio_caption(f["experienced"], f["required"])))
    m[2].metric("到岗率", ui.esc(f["attendance_rate_text"]))
    m[2].caption(f"实到/应到 {ui.esc(ratio_caption(f['attendance_actual'], f['attendance_due']))}")
    m[3].metric("继续教育达标率", ui.esc(f["training_rate_text"]))
    m[3].caption(f"{ui.esc(ratio_caption(f['training_actual'], f['training_due']))} 小时")
    m[4].metric("稳岗率", ui.esc(f["retention_text"]))
    m[4].caption(f"持续在岗 {ui.esc(ratio_caption(f['continuous'], f['required']))}")
    for w in f["warnings"]:
        st.warning(ui.esc(w))
