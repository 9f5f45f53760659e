"""Home: log in to an assessment, create one, or load the demo."""
import streamlit as st

from core.framework import DEFAULT_FRAMEWORK, available_frameworks
from db import assessments as A
from db.errors import DataError
from pages import _shared as ui

db = ui.get_db()
who = ui.current_user()

st.title("社工站现场评估台")

if who is not None:
    a = A.get_assessment(db, who["assessment_id"])
    st.subheader(A.assessment_title(db, who["assessment_id"]))
    st.write(f"您好，{ui.md_escape(who['name'])}（{A.ROLES[who['role']]}）。请从左侧菜单进入各项工作。")
    if who["role"] in ("lead", "expert"):
        from core.scoresheet import result as assessment_result

        r = assessment_result(db, who["assessment_id"])
        mark = "（预计）" if r.final_projected else ""
        c1, c2, c3 = st.columns(3)
        c1.metric("第三方评分" + ("" if r.third_party_complete else "（已评部分）"),
                  "—" if r.third_party is None else f"{r.third_party}")
        c2.metric("最终得分" + mark, "—" if r.final is None else f"{r.final}")
        c3.metric("评估等级" + mark, r.grade or "—")
    st.stop()

assessments = A.list_assessments(db)

if not assessments:
    st.info("数据库中还没有评估。可以一键载入示例评估（元岗街社工站末期评估），或新建评估。")

with st.container(border=True):
    st.markdown("#### 载入示例评估")
    st.caption("按样本报告生成元岗街社工站的完整示例：站点信息、3 个片区、5 位专家与 1 名工作人员（示例 PIN 见下）、评分与意见。")
    if st.button("一键载入示例评估", key="load_demo", type="primary" if not assessments else "secondary"):
        from core.demo import DEMO_PINS, create_demo

        with st.spinner("正在生成示例评估……"):
            aid = create_demo(db)
        st.session_state["demo_created"] = aid
        st.query_params["a"] = str(aid)
        st.rerun()
    if st.session_state.get("demo_created"):
        from core.demo import DEMO_PINS

        st.success("示例评估已创建。示例账号（姓名 / PIN）：" + "；".join(f"{n} / {p}" for n, p in DEMO_PINS.items()))

if assessments:
    st.markdown("#### 登录")
    labels = {a["id"]: f"#{a['id']} {a['station_name']} · {a['period_label']}{a['kind']}评估 · {a['visit_date'] or ''}"
              for a in assessments}
    ids = list(labels)
    pre = st.query_params.get("a")
    idx = ids.index(int(pre)) if pre and pre.isdigit() and int(pre) in ids else 0
    aid = st.selectbox("评估", ids, index=idx, format_func=labels.get, placeholder="请选择", key="login_assessment")
    members = A.list_members(db, aid)
    names = [m["name"] for m in members]
    pre_m = st.query_params.get("m")
    m_idx = next((i for i, m in enumerate(members) if str(m["id"]) == pre_m), 0)
    with st.form("login_form"):
        name = st.selectbox("姓名", names, index=m_idx if names else None, placeholder="请选择", key="login_name")
        pin = st.text_input("PIN", type="password", key="login_pin")
        if st.form_submit_button("登录", type="primary"):
            try:
                ui.log_in(A.login(db, aid, name, pin))
                st.rerun()
            except DataError as e:
                st.error(str(e))

with st.expander("新建评估（组长）", expanded=not assessments):
    fws = available_frameworks()
    with st.form("create_form"):
        c1, c2 = st.columns(2)
        station = c1.text_input("社工站名称", placeholder="元岗街社工服务站", key="new_station")
        district = c2.text_input("所在区", placeholder="天河区", key="new_district")
        kind = c1.selectbox("评估类型", ["末期", "中期"], placeholder="请选择", key="new_kind")
        period = c2.text_input("年度", placeholder="2023—2024 年度", key="new_period")
        fw_id = st.selectbox("评估框架", list(fws), index=list(fws).index(DEFAULT_FRAMEWORK),
                             format_func=lambda k: fws[k].name, placeholder="请选择", key="new_framework")
        lead = c1.text_input("组长姓名", key="new_lead")
        lead_pin = c2.text_input("组长 PIN（4–12 位数字）", type="password", key="new_lead_pin")
        if st.form_submit_button("创建评估", type="primary"):
            try:
                aid, lead_id = A.new_assessment(db, {"name": station, "district": district}, fw_id, lead, lead_pin,
                                                kind=kind, period_label=period)
                ui.log_in(A.get_member(db, lead_id))
                st.rerun()
            except DataError as e:
                st.error(str(e))

from pages import _import_panel  # noqa: E402  (below the login: rarely needed on site)

_import_panel.render(db)
