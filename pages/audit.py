"""The append-only audit log (lead): who changed what, when, old and new (personal details masked)."""
import pandas as pd
import streamlit as st

from core.assessment import team
from pages import _shared as ui

who = ui.require_login("lead")
db = ui.get_db()

st.title("修改记录")
st.caption("所有评分、意见和数据的修改都记录在此（只增不改）：修改前与修改后的内容逐项列出。服务对象姓名和电话已脱敏。")
rows = team.audit_entries(db, who["assessment_id"])
actors = sorted({r["actor"] for r in rows if r["actor"]})
entities = sorted({r["entity"] for r in rows})
c1, c2 = st.columns(2)
sel_actor = c1.multiselect("操作人", actors, placeholder="请选择", key="audit_actor")
sel_entity = c2.multiselect("对象", entities, placeholder="请选择", key="audit_entity")
shown = [r for r in rows if (not sel_actor or r["actor"] in sel_actor) and (not sel_entity or r["entity"] in sel_entity)]
st.caption(f"共 {len(shown)} 条")
df = pd.DataFrame([{
    "时间": r["at"], "操作人": r["actor"], "操作": r["action"], "对象": r["entity"],
    "编号": r["key"], "修改前": r["old"], "修改后": r["new"],
} for r in shown[:2000]])
ui.table(df, key="audit_table", hide_index=True, width="stretch", placeholder="")
