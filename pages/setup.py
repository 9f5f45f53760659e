"""Assessment set-up (lead): assessment and station profile, 片区, members and assignments, lock."""
import datetime as dt

import streamlit as st

from core.framework import library as framework_library
from core.assessment import team
from core.labels import ASSESSMENT_FIELDS, ASSESSMENT_KINDS, LOGIN_STATES, ROLES, STATION_FIELDS
from core.terms import nextterm
from pages import _shared as ui

who = ui.require_login("lead")
db = ui.get_db()
assessment_id, lead_id = who["assessment_id"], who["member_id"]
a = team.get_assessment(db, assessment_id)
station = team.get_station(db, a["station_id"])
fw = team.framework_of(db, assessment_id)
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
    # 辖内社区 is saved as typed: core.assessment.team splits it (顿号, commas or new lines).
    ui.saver("setup_err", team.update_station, db, assessment_id, lead_id, **{field: st.session_state[f"st_{field}"]})


# ---- assessment ----
st.subheader("评估信息")
missing = team.missing_station_fields(db, assessment_id)
if missing:
    st.warning("以下信息尚未填写，报告封面、页眉页脚会留空，导出前请补全：" + ui.esc("、".join(missing)),
               icon=":material/edit_note:")
ui.init_state("as_name", a["name"])
st.text_input("评估名称（登录列表中显示；留空则显示社工站与年度）", key="as_name", disabled=locked,
              on_change=lambda: ui.saver("setup_err", team.rename_assessment, db, assessment_id, lead_id,
                                         st.session_state["as_name"]),
              placeholder="例：某某街社工站 2024—2025 年度末期评估")
c1, c2, c3 = st.columns(3)
ui.init_state("as_kind", a["kind"])
c1.selectbox(ASSESSMENT_FIELDS["kind"], list(ASSESSMENT_KINDS), placeholder="请选择", key="as_kind", disabled=locked, on_change=save_assessment, args=("kind",))
ui.init_state("as_period_label", a["period_label"])
c2.text_input(ASSESSMENT_FIELDS["period_label"], key="as_period_label", disabled=locked, on_change=save_assessment, args=("period_label",),
              placeholder="例：2024—2025 年度")
ui.init_state("as_evaluator_org", a["evaluator_org"])
c3.text_input(ASSESSMENT_FIELDS["evaluator_org"], key="as_evaluator_org", disabled=locked, on_change=save_assessment, args=("evaluator_org",),
              placeholder="例：某某社会工作评估机构（必填）")
c1, c2, c3 = st.columns(3)
for col, field in ((c1, "visit_date"), (c2, "contract_start"), (c3, "contract_end"), (c1, "stats_start"),
                   (c2, "stats_end")):
    ui.init_state(f"as_{field}", _date(a[field]))
    col.date_input(ASSESSMENT_FIELDS[field], key=f"as_{field}", disabled=locked, on_change=save_assessment, args=(field,), format="YYYY-MM-DD")
ui.init_state("as_funding_wan", a["funding_wan"])
c3.number_input(ASSESSMENT_FIELDS["funding_wan"], key="as_funding_wan", min_value=0.0, step=1.0, format="%g", disabled=locked,
                on_change=save_assessment, args=("funding_wan",))
fws = {e.id: e for e in framework_library.list_frameworks(db)}
if a["framework_id"] not in fws:   # a framework no longer in the library: the frozen copy still scores
    fws[a["framework_id"]] = framework_library.Entry(a["framework_id"], fw.name, a["framework_version"] or fw.version, False)
fv = team.framework_version(db, assessment_id)
ui.init_state("as_framework_id", a["framework_id"])
st.selectbox("评估框架（开始评分前可更换；评分后固定，修改框架不影响本评估）", list(fws), placeholder="请选择",
             key="as_framework_id", format_func=lambda k: fws[k].label,
             disabled=locked, on_change=save_assessment, args=("framework_id",))
st.caption(ui.esc(f"本评估使用：{fv['name']}（第 {fv['version']} 版，已固定在本评估中）。{fw.note}"
                  "　评估方权重：" + "、".join(f"{p.label} {p.weight:g}" for p in fw.parties)))
if fv["can_update"]:
    st.info(ui.esc(f"框架库中“{fv['name']}”已有第 {fv['latest']} 版（本评估使用第 {fv['version']} 版）。"
                   "尚未开始评分，可以改用新版本。"), icon=":material/update:")
    if st.button(f"改用第 {fv['latest']} 版", key="fw_update"):
        if ui.run(lambda: team.use_framework(db, assessment_id, lead_id, fv["id"]), "已改用新版本框架"):
            st.rerun()

# ---- station ----
st.subheader("社工站信息")
c1, c2 = st.columns(2)
fields = [(f, STATION_FIELDS[f]) for f in ("name", "short_name", "district", "street", "address")]
fields += [("operating_since", STATION_FIELDS["operating_since"] + "（年-月）")]
fields += [(f, STATION_FIELDS[f]) for f in ("operator", "purchaser", "supervisor")]
fields += [("agency_code", STATION_FIELDS["agency_code"] + "（可选）")]
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
    c1.markdown(f"**{ui.esc(m['name'])}**  \n{ui.esc(ROLES[m['role']] + ('' if m['active'] else '（已停用）'))}")
    if not m["active"]:
        c2.caption("已停用：不能登录，也不再分配评分或回访；已录入的内容保留。可在下方“修改成员”中重新启用。")
        continue
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
    pin = c3.text_input("PIN（4–8 位数字；组长建议 6 位）", type="password", key="new_member_pin")
    secs = st.multiselect("负责评分的部分", options, format_func=opt_label, placeholder="请选择", key="new_member_sections")
    if st.form_submit_button("添加", disabled=locked, key="add_member_submit"):
        # Rerun only on success: a refused entry keeps its Chinese message on screen.
        if ui.run(lambda: team.add_member(db, assessment_id, lead_id, name, role, pin, sections=secs),
                  f"已添加成员 {name}"):
            st.rerun()

with st.expander("修改成员（改名、删除、停用）"):
    st.caption("误加的成员可以删除；已评分或已有记录的成员不能删除，可停用（停用后不能登录，也不再分配任务，已录入内容保留）。")
    c1, c2 = st.columns([2, 3])
    target_m = c1.selectbox("成员", [m["id"] for m in members], placeholder="请选择", key="edit_member",
                            format_func=lambda i: next(m["name"] + ("（已停用）" if not m["active"] else "")
                                                       for m in members if m["id"] == i))
    chosen = next((m for m in members if m["id"] == target_m), None)
    new_name = c2.text_input("新姓名", key="edit_member_name", placeholder="例：张三", disabled=locked)
    b1, b2, b3 = st.columns(3)
    if b1.button("改名", key="edit_member_rename", disabled=locked or chosen is None):
        if ui.run(lambda: team.rename_member(db, assessment_id, lead_id, target_m, new_name), "已改名"):
            st.rerun()
    if chosen is not None and chosen["active"]:
        if b2.button("停用", key="edit_member_deactivate", disabled=locked):
            if ui.run(lambda: team.set_member_active(db, assessment_id, lead_id, target_m, False), "已停用"):
                st.rerun()
    elif chosen is not None:
        if b2.button("重新启用", key="edit_member_activate", disabled=locked):
            if ui.run(lambda: team.set_member_active(db, assessment_id, lead_id, target_m, True), "已重新启用"):
                st.rerun()
    if b3.button("删除成员", key="edit_member_remove", disabled=locked or chosen is None):
        if ui.run(lambda: team.remove_member(db, assessment_id, lead_id, target_m), "已删除成员"):
            st.rerun()

with st.expander("重置成员 PIN"):
    c1, c2, c3 = st.columns([2, 2, 1])
    target = c1.selectbox("成员", [m["id"] for m in members], format_func=lambda i: next(m["name"] for m in members if m["id"] == i),
                          placeholder="请选择", key="reset_pin_member")
    new_pin = c2.text_input("新 PIN（4–8 位数字）", type="password", key="reset_pin_value")
    if c3.button("重置", key="reset_pin_btn"):
        ui.run(lambda: team.set_pin(db, assessment_id, lead_id, target, new_pin), "PIN 已重置")

# ---- wrong PINs ----
st.subheader("登录安全")
st.caption("同一成员或同一台设备连续输错 PIN 5 次后须等待（15 秒起逐次加倍），输错 10 次锁定 15 分钟；"
           "组长可在此提前解除（组长本人被锁定时，在服务器上运行 python -m core unlock-member）。每次输错都记入修改记录。")
counters = team.login_counters(db, assessment_id)
st.caption(f"本评估共记录登录失败 {int(team.failed_login_count(db, assessment_id))} 次。")
for r in counters:
    c1, c2, c3 = st.columns([2, 3, 1])
    what = "成员" if r["kind"] == "member" else "设备地址"
    c1.markdown(f"{ui.esc(what)} **{ui.esc(r['label'])}**")
    until = f"，至 {team.clock(r['until'])}" if r["until"] else ""
    c2.caption(f"{ui.esc(LOGIN_STATES[r['state']] + until)}；连续输错 {int(r['failures'])} 次，"
               f"等待或锁定期间被拒 {int(r['refused'])} 次")
    if r["state"] != "clear" or r["failures"]:
        if c3.button("解除", key=f"unlock_{r['kind']}_{r['subject']}"):
            if ui.run(lambda r=r: team.unlock_login(db, assessment_id, lead_id, r["kind"], r["subject"]),
                      f"已解除 {r['label']} 的登录限制"):
                st.rerun()
if not counters:
    st.caption("目前没有成员或设备输错 PIN。")

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

# ---- the next term ----
st.subheader("开始本站下一次评估")
st.caption("新建本社工站的下一次评估：沿用本次的评估框架（含机构修改后的版本）、评估方、社工站信息与服务片区、评估团队及分工；"
           "协议指标沿用名称、单位和协议指标量（标注“待确认”，请与新合同核对），完成量留空；上期评估意见取自最近一次已锁定的评估。")
with st.form("next_term"):
    kinds = list(ASSESSMENT_KINDS)
    default_kind = nextterm.NEXT_KIND.get(a["kind"], kinds[0])
    kind = st.radio("下一次评估的类型", kinds, index=kinds.index(default_kind) if default_kind in kinds else 0,
                    horizontal=True, key="next_term_kind")
    keep = st.checkbox("各成员沿用原 PIN（不勾选则为每位成员生成新 PIN，只显示一次）", key="next_term_keep_pins")
    if st.form_submit_button("开始下一次评估", key="next_term_submit"):
        made = []
        if ui.run(lambda: made.append(nextterm.start_next_term(db, assessment_id, kind=kind, keep_pins=keep))):
            st.session_state["next_term_made"] = made[0]
made = st.session_state.get("next_term_made")
if made:
    st.success(f"已新建下一次评估（{ui.esc(made['kind'])}，编号 {int(made['assessment_id'])}），带入协议指标 "
               f"{int(made['indicators'])} 项、上期评估意见 {int(made['carried'])} 条。退出登录后在首页选择该评估登录。")
    if made["carry_note"]:
        st.warning(ui.esc(made["carry_note"]))
    if made["pins"]:
        st.caption("各成员的新 PIN（只显示这一次，请转告本人）：")
        st.dataframe([{"成员": n, "新 PIN": p} for n, p in made["pins"].items()], hide_index=True, key="next_term_pins",
                     placeholder="")

# ---- delete ----
st.subheader("删除评估")
st.caption("误建或不再需要的评估（例如示例评估）可以删除：删除后不再出现在评估列表中，任何人都不能再登录；"
           "数据完整保留，可由管理员用命令 python -m core restore-assessment 编号 恢复。已锁定的评估不能删除。")
with st.form("delete_assessment"):
    confirm = st.text_input(f"请输入社工站名称“{ui.esc(station['name'])}”以确认删除", key="delete_confirm",
                            placeholder="例：" + station["name"])
    if st.form_submit_button("删除本评估", disabled=locked, key="delete_submit"):
        if ui.run(lambda: team.delete_assessment(db, assessment_id, lead_id, confirm)):
            ui.log_out()
            st.rerun()
