"""Home: log in to an assessment, create one, or load the demo."""
import streamlit as st

from core.terms import start as terms
from core.agency import stations
from core.assessment import team
from core.framework import library as framework_library
from core.labels import ASSESSMENT_KINDS, ROLES
from pages import _shared as ui

db = ui.get_db()
who = ui.current_user()

st.title("社工站现场评估台")

if who is not None:
    st.subheader(ui.esc(team.assessment_title(db, who["assessment_id"])))
    st.write(f"您好，{ui.esc(who['name'])}（{ui.esc(ROLES[who['role']])}）。以下是您今天的工作，也可从左侧菜单进入各页。")
    if who["role"] in ("lead", "expert"):
        from core.scoring import scoresheet

        r = scoresheet.result(db, who["assessment_id"])
        # One row without columns (a column per metric is an element more each, issue 27).
        c1 = c2 = c3 = st.container(horizontal=True, gap="large")
        c1.metric("第三方评分" + ("" if r.third_party_complete else "（已评部分）"),
                  "—" if r.third_party is None else ui.esc(r.third_party))
        c2.metric("最终得分" + ("（预计）" if r.final_projected else ""), "—" if r.final is None else ui.esc(r.final))
        c3.metric("评估等级" + ("（预计）" if r.final_projected else ""), ui.esc(r.grade or "—"))
    if who["role"] == "lead":
        failed = team.failed_login_count(db, who["assessment_id"])
        blocked = [c for c in team.login_counters(db, who["assessment_id"]) if c["state"] != "clear"]
        if blocked:
            st.warning("登录受限：" + "、".join(f"{ui.esc(c['label'])}（{'已锁定' if c['state'] == 'locked' else '须等待'}）"
                                             for c in blocked) + "。可在「评估设置」→ 登录安全中解除。",
                       icon=":material/lock_person:")
        if failed:
            st.caption(f"登录失败记录 {int(failed)} 次（详见「修改记录」与「评估设置」→ 登录安全）。")
        cert = ui.certificate_file()
        if cert:
            from core import tls

            st.caption("本机 HTTPS 证书 SHA-256 指纹（其他电脑首次打开时，核对浏览器显示的证书指纹与此一致）：")
            st.code(tls.fingerprint(cert), language=None)
        else:
            st.caption("当前以明文 HTTP 运行（仅限本机访问）；团队使用请用 python -m core serve 启动 HTTPS。")
    from pages import _home_plan

    _home_plan.render(db, who, team.is_locked(db, who["assessment_id"]))
    if who["role"] == "lead":  # importing a whole assessment: a logged-in lead (or an empty database) only
        from pages import _import_panel

        _import_panel.render(db)
    st.stop()

assessments = team.list_assessments(db)

if not assessments:
    st.info("数据库中还没有评估。可以一键载入示例评估（元岗街社工站末期评估），或新建评估。")


def _load_demo() -> None:
    from core.demo.make import create_demo  # only on the demo button: the demo's content stays off every rerun

    with st.spinner("正在生成示例评估……"):
        aid = create_demo(db)
    st.session_state["demo_created"] = aid
    st.query_params["a"] = str(aid)
    st.rerun()


_DEMO_TEXT = ("按样本报告生成元岗街社工站的完整示例（演示数据，评估名称标有【示例】）：站点信息、3 个片区、"
              "5 位专家与 1 名工作人员（示例 PIN 见下）、评分与意见。")
if not assessments:
    # An empty database: the demo is the natural first step.
    with st.container(border=True):
        st.markdown("#### 载入示例评估")
        st.caption(ui.esc(_DEMO_TEXT))
        if st.button("一键载入示例评估", key="load_demo", type="primary"):
            _load_demo()
else:
    # A database with real assessments: the demo only behind a confirmation that names it a demo.
    with st.expander("载入示例评估（演示数据）"):
        st.caption(ui.esc(_DEMO_TEXT))
        st.warning("数据库中已有评估。示例评估是演示数据，不是真实评估；载入后会出现在评估列表中（名称标有【示例】），"
                   "不用时可由示例组长在“评估设置”中删除。", icon=":material/science:")
        sure = st.checkbox("我明白这是示例评估（演示数据），仍要载入", key="demo_confirm")
        if st.button("载入示例评估", key="load_demo", disabled=not sure):
            _load_demo()
    if st.session_state.get("demo_created"):
        from core.demo.make import DEMO_PINS

        st.success("示例评估已创建（名称标有【示例】）。示例账号（姓名 / PIN）：" + "；".join(f"{ui.esc(n)} / {ui.esc(p)}" for n, p in DEMO_PINS.items()))

if assessments:
    st.markdown("#### 登录")
    labels = {a["id"]: team.assessment_label(a) for a in assessments}
    ids = list(labels)
    pre = st.query_params.get("a")
    idx = ids.index(int(pre)) if pre and pre.isdigit() and int(pre) in ids else 0
    aid = st.selectbox("评估", ids, index=idx, format_func=labels.get, placeholder="请选择", key="login_assessment")
    members = team.list_members(db, aid)
    names = [m["name"] for m in members]
    pre_m = st.query_params.get("m")
    m_idx = next((i for i, m in enumerate(members) if str(m["id"]) == pre_m), 0)
    with st.form("login_form"):
        name = st.selectbox("姓名", names, index=m_idx if names else None, placeholder="请选择", key="login_name")
        pin = st.text_input("PIN", type="password", key="login_pin")
        if st.form_submit_button("登录", type="primary", key="login_submit"):
            member = {}
            if ui.run(lambda: member.update(team.login(db, aid, name, pin, address=ui.client_address()))):
                ui.log_in(member)
                st.rerun()

def _create(form: dict, attach) -> None:
    created = {}
    if ui.run(lambda: created.update(terms.create_assessment(
            db, form["station"], form["framework"], form["lead"], form["pin"], attach=attach, **form["fields"]))):
        st.session_state.pop("pending_create", None)
        ui.log_in(team.get_member(db, created["lead_id"]))
        st.rerun()


with st.expander("新建评估（组长）", expanded=not assessments or "pending_create" in st.session_state):
    fws = {e.id: e for e in framework_library.list_frameworks(db)}
    with st.form("create_form"):
        c1, c2 = st.columns(2)
        station = c1.text_input("社工站名称", placeholder="例：某某街社工服务站", key="new_station")
        district = c2.text_input("所在区", placeholder="例：某某区", key="new_district")
        street = c1.text_input("街道（镇）", placeholder="例：某某街", key="new_street")
        code = c2.text_input("机构内部编号（可选）", placeholder="同一街道有两个站点时用于区分", key="new_agency_code")
        kind = c1.selectbox("评估类型", list(ASSESSMENT_KINDS), placeholder="请选择", key="new_kind")
        period = c2.text_input("年度", placeholder="例：2024—2025 年度", key="new_period")
        fw_id = st.selectbox("评估框架", list(fws), index=0, format_func=lambda k: fws[k].label,
                             placeholder="请选择", key="new_framework")
        lead = c1.text_input("组长姓名", placeholder="例：张三", key="new_lead")
        lead_pin = c2.text_input("组长 PIN（4–8 位数字，建议 6 位）", type="password", key="new_lead_pin")
        st.caption("所在区与街道相同的社工站视为同一社工站：新评估归入其历次评估，并带入上期评估的站点信息、片区，"
                   "以及上期的“需要关注”和“建议”（作为上期评估意见，整改情况为“未核实”，均可修改）。")
        if st.form_submit_button("创建评估", type="primary", key="create_submit"):
            form = {"station": {"name": station, "district": district, "street": street, "agency_code": code},
                    "framework": fw_id, "lead": lead, "pin": lead_pin,
                    "fields": {"kind": kind, "period_label": period}}
            found = stations.find_station(db, district, street, code)
            if found is None:
                _create(form, stations.NEW)
            else:
                st.session_state["pending_create"] = {"form": form, "station": found}
    pending = st.session_state.get("pending_create")
    if pending:
        s = pending["station"]
        st.info(f"已有同一社工站：{ui.esc(stations.station_label(s))}（最近一次：{ui.esc(s.get('last_seen') or '—')}）。"
                "归入该社工站后，新评估带入其最近一次评估的站点信息、片区和上期评估意见（未核实）。")
        b1, b2, b3 = st.columns(3)
        if b1.button("归入该社工站", type="primary", key="create_attach"):
            _create(pending["form"], s["id"])
        if b2.button("作为新的社工站", key="create_as_new"):
            _create(pending["form"], stations.NEW)
        if b3.button("取消", key="create_cancel"):
            st.session_state.pop("pending_create", None)
            st.rerun()

if not assessments:  # an empty database: importing is how a migrated assessment arrives (else: a lead's tool)
    from pages import _import_panel  # noqa: E402  (below the login: rarely needed on site)

    _import_panel.render(db)
