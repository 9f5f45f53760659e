"""电话回访: each caller's own call list and the call form (full name and phone shown here only)."""
import streamlit as st

from core.survey import calls
from core.survey import rules as survey
from core.assessment import team
from core.errors import DataError
from core.labels import CALL_OUTCOMES, RESPONDENTS, SATISFACTION_SCALE
from pages import _shared as ui

who = ui.require_login()
db = ui.get_db()
aid, me = who["assessment_id"], who["member_id"]
locked = team.is_locked(db, aid)

st.title("电话回访")
st.caption("只显示分配给您的回访对象。姓名与电话仅在本人的回访表中完整显示，其他页面及导出一律脱敏。")

if calls.current_sample(db, aid) is None:
    st.info("尚未抽样。组长在“满意度抽样与结果”页面抽样并分配回访名单后，这里会显示您的名单。")
    st.stop()

items = calls.my_calls(db, aid, me)
if not items:
    st.info("目前没有分配给您的回访对象。")
    st.stop()

done = sum(1 for i in items if i["status"] in survey.FINAL_STATUSES)
st.progress(done / len(items), text=f"已完成 {int(done)} / {len(items)}（接通、拒访或两次未接通即完成）")

queue = survey.call_order(items, survey.claim_times()[0])   # who to call next: 无人接听 waits its turn
order = {i["id"]: n for n, i in enumerate(queue, 1)}
ui.table([{
    "序号": i["position"], "姓名": i["name"], "电话": i["phone"], "社区": i["community"], "类别": i["category"],
    "候补": "是" if i["reserve"] else "", "状态": i["status_label"], "已拨打": i["attempts"], "最近结果": i["last_outcome"],
    "拨打顺序": order.get(i["id"]),
} for i in items], hide_index=True, key="calls_list",
    column_config={"拨打顺序": st.column_config.NumberColumn("拨打顺序", help="待拨打对象的建议拨打顺序")}, placeholder="")

labels = {i["id"]: f"第 {i['position']} 号　{i['name']}　{i['community']}　（{i['status_label']}）" for i in items}
ids = list(labels)
if st.session_state.get("call_item") not in ids or st.session_state.pop("call_advance", False):
    # First visit, or a call was just saved: the next client in the calling order (a client who
    # did not answer comes back after the others, or at the time chosen, never straight away).
    st.session_state["call_item"] = queue[0]["id"] if queue else ids[0]


def leave_client(previous: int | None) -> None:
    """Another client chosen: give up the claim on the one left (others may record it)."""
    if previous is not None and not locked:
        ui.saver("call_release_error", calls.release, db, aid, me, previous)


item_id = st.selectbox("回访对象", ids, format_func=labels.get, placeholder="请选择", key="call_item",
                       on_change=leave_client, args=(st.session_state.get("call_item"),))
ui.show_saved_error("call_release_error")

try:
    form = calls.call_form(db, aid, me, item_id)
except DataError as e:
    st.error(ui.esc(str(e)))
    st.stop()

with st.container(border=True, key="call_card"):
    st.markdown(f"#### 第 {int(form['position'])} 号：{ui.esc(form['name'])}")
    st.markdown(f"电话：**{ui.esc(form['phone'] or '（名册无电话）')}**　社区：{ui.esc(form['community'] or '—')}"
                f"　类别：{ui.esc(form['category'] or '—')}")
    if form["calls"]:
        ui.table([{
            "次数": c["attempt"], "时间": c["called_at"].replace("T", " "), "结果": c["outcome"],
            "受访者": c["respondent"],
            "认识社工": "" if c["knows_worker"] is None else ("是" if c["knows_worker"] else "否"),
            "知晓": f"{sum(1 for v in c['awareness'].values() if v)}/{len(survey.AWARENESS_ITEMS)}" if c["awareness"] else "",
            "总体满意度": SATISFACTION_SCALE.get(c["overall"], ""), "记录人": c["member_name"] or "", "备注": c["comment"],
        } for c in form["calls"]], hide_index=True, key="call_history", placeholder="")

if form["status"] in survey.FINAL_STATUSES:
    st.success(f"该对象已完成回访：{ui.esc(survey.status_label(form['status']))}。")
    st.stop()
if locked:
    st.warning("评估已锁定，不能再记录通话。", icon=":material/lock:")
    st.stop()

other = form["claimed_by_other"] or calls.claim(db, aid, me, item_id)
if other:
    st.warning(f"{ui.esc(other)} 正在记录该对象的通话。为免重复，请与其确认后再保存；对方保存后本表须刷新。", icon=":material/warning:")

n = form["next_attempt"]
k = f"{item_id}_{n}"
say = form["script"]   # the caller's script: read out as written (framework wording, edited by the lead)


def read_out(key: str) -> None:
    st.markdown(f"> 🗣 {ui.esc(say[key])}")


st.markdown(f"**第 {int(n)} 次拨打**（两次未接通即记为无法接通）")
read_out("opening")
outcome = st.radio("通话结果", CALL_OUTCOMES, index=None, horizontal=True, key=f"call_outcome_{k}")
answers: dict = {}
if outcome == survey.REACHED:
    read_out("respondent")
    answers["respondent"] = st.radio("受访者", RESPONDENTS, index=None, horizontal=True, key=f"call_respondent_{k}")
    read_out("knows_worker")
    knows = st.radio("是否认识社工", ["是", "否"], index=None, horizontal=True, key=f"call_knows_{k}")
    answers["knows_worker"] = None if knows is None else knows == "是"
    st.markdown("**知晓度**（了解以下 5 项中的至少 3 项视为知晓）")
    read_out("awareness_intro")
    answers["awareness"] = {}
    for item in survey.AWARENESS_ITEMS:
        answers["awareness"][item] = int(st.checkbox(ui.esc(f"知道 · {say['awareness:' + item]}"),
                                                     key=f"call_aware_{n}_{item}_{item_id}"))
    st.markdown("**满意度**")
    read_out("satisfaction_intro")
    scale = list(SATISFACTION_SCALE)  # 5 … 1
    answers["satisfaction"] = {
        item: st.selectbox(ui.esc(f"{item} · {say['satisfaction:' + item]}"), scale, index=None,
                           format_func=SATISFACTION_SCALE.get, placeholder="请选择", key=f"call_sat_{n}_{item}_{item_id}")
        for item in survey.SATISFACTION_ITEMS}
    answers["overall"] = st.radio(ui.esc(say["overall"]), scale, index=None, horizontal=True, format_func=SATISFACTION_SCALE.get,
                                  key=f"call_overall_{k}")
    read_out("closing")
elif outcome in survey.FINAL_AT_ONCE:
    st.caption("空号：号码不存在，无需再拨，该对象计为无法接通。")
elif outcome in survey.RETRY_OUTCOMES and n < survey.MAX_FAILED_ATTEMPTS:
    # A second attempt comes later: after the other clients, or at a time the caller chooses.
    when = st.radio("再次拨打", ["排在其他对象之后", "指定时间"], horizontal=True, key=f"call_retry_mode_{k}")
    if when == "指定时间":
        answers["retry_at"] = st.time_input("再次拨打时间（今天）", value=None, step=300, key=f"call_retry_at_{k}")
        if answers["retry_at"] is None:
            st.caption("请选择时间；未选择则排在其他对象之后。")
comment = st.text_area("备注", key=f"call_comment_{k}", height=80)

if st.button(f"保存第 {n} 次拨打记录", type="primary", key=f"call_save_{k}", disabled=outcome is None):
    if ui.run(lambda: calls.record_call(db, aid, me, item_id, n, outcome, comment=comment, **answers),
              success=f"第 {form['position']} 号第 {n} 次拨打已保存"):
        st.session_state["call_advance"] = True
        st.rerun()
