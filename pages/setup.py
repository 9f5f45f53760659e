"""Assessment set-up (lead): assessment and station profile, 片区, members and assignments, lock."""
import datetime as dt

import streamlit as st

from core import team
from core.framework import available_frameworks, get_framework
from core.labels import ASSESSMENT_KINDS, ROLES
from pages import _shared as ui

who = ui.require_login("lead")
db = ui.get_db()
assessment_id, lead_id = who["assessment_id"], who["member_id"]
a = team.get_assessment(db, assessment_id)
station = team.get_station(db, a["station_id"])
fw = get_framework(a["framework_id"])
locked = a["status"] == "locked"

st.title("评估设置")
if locked:
    st.warning("评估已锁定，所有内容只读。如需修改，请先在本页底部解锁（解锁会被记录）。", icon=":material/lock:")


def _date(v):
    return dt.date.fromisoformat(v) if v else None


def save_assessment(field: str):
    v = st.session_state[f"as_{field}"]
    if isinstance(v, dt.date):
        v = v.isoformat()
    ui.saver("setup_err", team.update_assessment, db, assessment_id, lead_id, **{field: v})


def save_station(field: str):
    # 辖内社区 is saved as typed: core.team splits it (顿号, commas or new lines).
    ui.saver("setup_err", team.update_station, db, assessment_id, lead_id, **{field: st.session_state[f"st_{field}"]})


# ---- assessment ----
st.subheader("评估信息")
c1, c2, c3 = st.columns(3)
ui.init_state("as_kind", a["kind"])
c1.selectbox("评估类型", list(ASSESSMENT_KINDS), placeholder="请选择", key="as_kind", disabled=locked, on_change=save_assessment, args=("kind",))
ui.init_state("as_period_label", a["period_label"])
c2.text_input("年度", key="as_period_label", disabled=locked, on_change=save_assessment, args=("period_label",),
              placeholder="2023—2024 年度")
ui.init_state("as_evaluator_org", a["evaluator_org"])
c3.text_input("评估方", key="as_evaluator_org", disabled=locked, on_change=save_assessment, args=("evaluator_org",),
              placeholder="广州市社会组织联合会")
c1, c2, c3 = st.columns(3)
for col, field, label in ((c1, "visit_date", "评估日期"), (c2, "contract_start", "合同期开始"), (c3, "contract_end", "合同期结束"),
                          (c1, "stats_start", "统计期开始"), (c2, "stats_end", "统计截止日期")):
    ui.init_state(f"as_{field}", _date(a[field]))
    col.date_input(label, key=f"as_{field}", disabled=locked, on_change=save_assessment, args=(field,), format="YYYY-MM-DD")
ui.init_state("as_funding_wan", a["funding_wan"])
c3.number_input("服务经费（万元）", key="as_funding_wan", min_value=0.0, step=1.0, format="%g", disabled=locked,
                on_change=save_assessment, args=("funding_wan",))
fws = available_frameworks()
ui.init_state("as_framework_id", a["framework_id"])
st.selectbox("评估框架", list(fws), placeholder="请选择", key="as_framework_id", format_func=lambda k: fws[k].name,
             disabled=locked, on_change=save_assessment, args=("framework_id",))
st.caption(ui.esc(fw.note + "　评估方权重：" + "、".join(f"{p.label} {p.weight:g}" for p in fw.parties)))

# ---- station ----
st.subheader("社工站信息")
c1, c2 = st.columns(2)
fields = [("name", "社工站名称"), ("short_name", "简称"), ("district", "所在区"), ("street", "街道"), ("address", "地址"),
          ("operating_since", "开始运营（年-月）"), ("operator", "承办方"), ("purchaser", "购买方"), ("supervisor", "监督方")]
for n, (field, label) in enumerate(fields):
    ui.init_state(f"st_{field}", station[field])
    (c1 if n % 2 == 0 else c2).text_input(label, key=f"st_{field}", disabled=locked, on_change=save_station, args=(field,))
ui.init_state("st_communities", "、".join(station["communities"]))
st.text_input("辖内社区（用顿号分隔）", key="st_communities", disabled=locked, on_change=save_station, args=("communities",))
ui.show_saved_error("setup_err")

# ---- 片区 ----
st.subheader("服务片区")
areas = team.list_areas(db, a["station_id"])
st.caption("服务质量按片区分别评分。每行一个片区：名称与所含社区（顿号分隔）。")


def save_areas(new_list: list[dict]) -> None:
    ui.saver("areas_err", team.set_areas, db, assessment_id, lead_id, new_list)


def edit_area(code: str) -> None:
    """One 片区's name or communities changed: save the whole list (codes kept)."""
    save_areas([{"code": x["code"],
                 "name": st.session_state[f"area_name_{x['code']}"] if x["code"] == code else x["name"],
                 "communities": team.split_communities(st.session_state[f"area_comm_{x['code']}"])
                 if x["code"] == code else x["communities"]} for x in team.list_areas(db, a["station_id"])])


for x in areas:
    c1, c2, c3 = st.columns([2, 5, 1])
    ui.init_state(f"area_name_{x['code']}", x["name"])
    ui.init_state(f"area_comm_{x['code']}", "、".join(x["communities"]))
    c1.text_input("片区名称", key=f"area_name_{x['code']}", disabled=locked, on_change=edit_area, args=(x["code"],))
    c2.text_input("所含社区（顿号分隔）", key=f"area_comm_{x['code']}", disabled=locked,
                  on_change=edit_area, args=(x["code"],))
    c3.button("删除", key=f"area_del_{x['code']}", disabled=locked,
              on_click=lambda code=x["code"]: save_areas([y for y in team.list_areas(db, a["station_id"])
                                                          if y["code"] != code]))
st.button("添加片区", key="area_add", disabled=locked,
          on_click=lambda: save_areas(team.list_areas(db, a["station_id"]) + [{"name": f"片区{len(areas) + 1}"}]))
ui.show_saved_error("areas_err")

# ---- members ----
st.subheader("评估成员与分工")
areas = team.list_areas(db, a["station_id"])
options = []
for sec in fw.sections:
    options.append((sec.code, ""))
    if sec.scope == "area":
        options += [(sec.code, x["code"]) for x in areas]
area_names = {x["code"]: x["name"] for x in areas}


def opt_label(o):
    sec = fw.section(o[0])
    if sec.scope == "area":
        return f"{sec.code} {sec.name}·" + (area_names.get(o[1], o[1]) if o[1] else "全部片区")
    return f"{sec.code} {sec.name}"


def save_assign(member_id: int):
    ui.saver("members_err", team.set_assignments, db, assessment_id, lead_id, member_id,
             st.session_state[f"assign_{member_id}"])


members = team.list_members(db, assessment_id)
for m in members:
    c1, c2 = st.columns([1, 3])
    c1.markdown(f"**{ui.esc(m['name'])}**  \n{ui.esc(ROLES[m['role']])}")
    if m["role"] == "staff":
        c2.caption("工作人员：负责满意度电话回访与社工站数据录入，不参与指标评分。")
        continue
    # Seeded from the database on each render: removing a 片区 also removes its assignments.
    st.session_state[f"assign_{m['id']}"] = [tuple(s) for s in m["sections"] if tuple(s) in options]
    c2.multiselect("负责评分的部分", options, placeholder="请选择", key=f"assign_{m['id']}", format_func=opt_label, disabled=locked,
                   on_change=save_assign, args=(m["id"],), label_visibility="collapsed")
ui.show_saved_error("members_err")

with st.form("add_member", clear_on_submit=True):
    st.markdown("**添加成员**")
    c1, c2, c3 = st.columns(3)
    name = c1.text_input("姓名", key="new_member_name")
    role = c2.selectbox("角色", ["expert", "staff", "lead"], format_func=ROLES.get, placeholder="请选择", key="new_member_role")
    pin = c3.text_input("PIN（4–12 位数字）", type="password", key="new_member_pin")
    secs = st.multiselect("负责评分的部分", options, format_func=opt_label, placeholder="请选择", key="new_member_sections")
    if st.form_submit_button("添加", disabled=locked, key="add_member_submit"):
        # Rerun only on success: a refused entry keeps its Chinese message on screen.
        if ui.run(lambda: team.add_member(db, assessment_id, lead_id, name, role, pin, sections=secs),
                  f"已添加成员 {name}"):
            st.rerun()

with st.expander("重置成员 PIN"):
    c1, c2, c3 = st.columns([2, 2, 1])
    target = c1.selectbox("成员", [m["id"] for m in members], format_func=lambda i: next(m["name"] for m in members if m["id"] == i),
                          placeholder="请选择", key="reset_pin_member")
    new_pin = c2.text_input("新 PIN", type="password", key="reset_pin_value")
    if c3.button("重置", key="reset_pin_btn"):
        ui.run(lambda: team.set_pin(db, assessment_id, lead_id, target, new_pin), "PIN 已重置")

# ---- lock ----
st.subheader("锁定评估")
if locked:
    if st.button("解锁评估", key="unlock"):
        ui.run(lambda: team.set_locked(db, assessment_id, lead_id, False), "评估已解锁（已记录）")
        st.rerun()
else:
    st.caption("评分与报告定稿后锁定：锁定后所有人只读；解锁会记入修改记录。")
    if st.button("锁定评估", key="lock", type="primary"):
        ui.run(lambda: team.set_locked(db, assessment_id, lead_id, True), "评估已锁定")
        st.rerun()
