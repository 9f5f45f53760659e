"""历次评估: every assessment of a station — final score, grade, section scores, completion of
each contract indicator, staffing ratios, satisfaction with its interval — as a table and
trend charts on request (core.agency.overview.station_history)."""
import pandas as pd
import streamlit as st

from core.agency import overview
from core.agency import stations
from pages import _shared as ui

db = ui.get_db()
who = ui.require_login("lead", "expert")
own = stations.station_of_assessment(db, who["assessment_id"])

st.title("社工站历次评估")
choices = stations.list_stations(db) if who["role"] == "lead" else [s for s in stations.list_stations(db) if s["id"] == own]
ids = [s["id"] for s in choices]
labels = {s["id"]: stations.station_label(s) for s in choices}
if not ids:
    st.info("尚无评估记录。")
    st.stop()
station = st.selectbox("社工站", ids, index=ids.index(own) if own in ids else 0, format_func=labels.get,
                       key="history_station", disabled=who["role"] != "lead")
if who["role"] == "lead":
    st.caption("组长可查看本数据库中所有社工站的历次评估（同一区、同一街道的评估归为同一社工站）。")

rows = overview.station_history(db, station)
if not rows:
    st.info("该社工站尚无评估。")
    st.stop()
header, body = overview.history_table(rows)
st.subheader(f"历次评估（{len(rows)} 次）")
ui.table(pd.DataFrame(body, columns=header), hide_index=True, placeholder="", key="history_table")
for note in overview.history_notes(rows):
    st.caption(ui.esc(note))
if any(r["projected"] for r in rows):
    st.caption("评分尚未完成或其他评估方尚未录入分数的评估，最终得分为预计结果。")

# The trend charts draw the table's figures (final score, sections, satisfaction, completion) term by term; they are
# drawn only while their expander is open (opening it reruns the page): four charts cost the browser more than the
# rest of the page, at every switch to it (issue 27).
ui.on_request("趋势图（最终得分、各部分得分、满意度、协议指标完成率）", "history_charts",
              lambda: ui.chart_grid(overview.history_charts(rows), "history_chart"))
