"""报告与导出: the lead edits the report text, enters the other parties' scores, locks and builds the PDF.

Report items come from core.report.edits (the experts' findings stay untouched in `findings`);
the numeric paragraphs are written by core.report.words from the data and shown read-only.
Free text is shown scrubbed (core.privacy's one scrubber), like the PDF prints it.
"""
import streamlit as st

from core.station import attachments
from core.report import edits as report_edit
from core.report import words as report_text
from core.scoring import scoresheet
from core.assessment import team
from core.labels import FINDING_KINDS
from core.report.check import blocking
from core.report.make import page_view, report_pdf
from pages import _evidence
from pages import _exports_panel
from pages import _report_versions
from pages import _shared as ui

who = ui.require_login("lead")
aid, mid = who["assessment_id"], who["member_id"]
db = ui.get_db()
view = page_view(db, aid)      # gathered once per change of the data, not on every rerun
data, checks = view.data, view.checks
PAGE_SIZE = 5                  # report items shown at a time in one group (the rerun stays flat)
locked = team.is_locked(db, aid)

st.title("报告与导出")
st.caption(ui.esc(data.title))
m = st.columns(4)
m[0].metric("第三方得分", report_text.num(data.result.third_party) if data.result.third_party is not None else "—")
m[1].metric("最终得分" + ("（预计）" if data.result.final_projected else ""),
            report_text.num(data.final) if data.final is not None else "—")
m[2].metric("评估等级", ui.esc(data.grade or "—"))
m[3].metric("状态", "已锁定" if locked else "编辑中")
if locked:
    st.warning("评估已锁定，报告内容只读；如需修改请在“生成与导出”中解锁。", icon=":material/lock:")


def act(fn, success: str) -> None:
    """Run a write; on success rerun so every list shows the saved state."""
    if ui.run(fn, success):
        st.rerun()


def save_party(code: str, label: str) -> None:
    ui.saver(f"rp_party_err_{code}", scoresheet.save_party_score, db, aid, mid, code,
             st.session_state.get(f"rp_party_score_{code}"), st.session_state.get(f"rp_party_comment_{code}") or "")
    if f"rp_party_err_{code}" not in st.session_state:
        st.toast(f"{ui.esc(label)}评分已保存")


def add_party_finding(code: str) -> None:
    text = (st.session_state.get(f"rp_party_text_{code}") or "").strip()
    if not text:
        return
    ui.saver(f"rp_party_ferr_{code}", scoresheet.add_finding, db, aid, mid, f"party:{code}",
             st.session_state[f"rp_party_kind_{code}"], text)
    if f"rp_party_ferr_{code}" not in st.session_state:
        st.session_state[f"rp_party_text_{code}"] = ""
        st.toast("意见已添加")


def save_veto(code: str) -> None:
    ui.saver(f"rp_veto_err_{code}", scoresheet.save_veto, db, aid, mid, code, bool(st.session_state.get(f"rp_veto_{code}")),
             st.session_state.get(f"rp_veto_note_{code}") or "")


tab_text, tab_parties, tab_free, tab_build = st.tabs(["报告正文", "其他评估方", "反馈与结语", "生成与导出"])

# ---------- 报告正文: 值得肯定 / 需要关注 per section and 片区 ----------
with tab_text:
    groups = [(s.code, s.name, s.scope) for s in data.sections] + \
             [(f"party:{p.code}", report_text.party_heading(p), "station") for p in data.parties if not p.computed]
    labels = {g[0]: g[1] for g in groups}
    c1, c2 = st.columns(2)
    sec_code = c1.selectbox("报告部分", [g[0] for g in groups], format_func=lambda c: labels[c], placeholder="请选择", key="rp_section")
    scope = next(g[2] for g in groups if g[0] == sec_code)
    area_code = ""
    if scope == "area":
        area_names = {a["code"]: a["name"] for a in data.areas}
        area_code = c2.selectbox("片区", list(area_names), format_func=lambda c: area_names[c], placeholder="请选择", key="rp_area")
    sec = next((s for s in data.sections if s.code == sec_code), None)
    evidence_of = attachments.evidence_of_all_findings(db, aid)   # cached per change of the data

    for kind, word in FINDING_KINDS.items():
        st.subheader(ui.esc(word))
        if sec is not None and sec.scope != "area":
            auto = []
            if "staffing" in sec.suggests:
                auto.append(report_text.staffing_strength(data) if kind == "strength" else report_text.staffing_concern(data))
            if "satisfaction" in sec.suggests:
                auto.append(report_text.survey_strength(data) if kind == "strength" else report_text.survey_concern(data))
            for a_text in filter(None, auto):
                st.info(ui.esc(a_text), icon=":material/calculate:")
            if any(auto):
                st.caption("以上段落由系统根据录入数据自动生成，排在本部分最前；如需修改数字请修改源数据。")
        items = report_edit.display_group(db, aid, sec_code, area_code, kind)
        ui.show_saved_error("rp_err")
        if not items:
            st.caption("暂无条目。")
        first = 0
        if len(items) > PAGE_SIZE:
            first = st.selectbox(
                f"{ui.esc(word)}：显示", list(range(0, len(items), PAGE_SIZE)), key=f"rp_page_{sec_code}_{area_code}_{kind}",
                format_func=lambda f, total=len(items): f"第 {f + 1}–{min(total, f + PAGE_SIZE)} 条（共 {total} 条）")
        for n, it in enumerate(items[first:first + PAGE_SIZE], first):
            ref = it["ref"]
            with st.container(border=True):
                src = "、".join(a for a in it["authors"] if a) or "组长"
                st.caption(f"（{int(n + 1)}）来源：{ui.esc(src)}" + ("　· 已由组长编辑" if it["edited"] else "　· 专家原文"))
                # Saved when the box is left (on_change), like every other edit in the app.
                st.text_area("内容（离开输入框即保存）", value=it["shown"], key=f"rp_text_{ref}", height=110,
                             label_visibility="collapsed", disabled=locked,
                             on_change=lambda ref=ref: ui.saver("rp_err", report_edit.update_item, db, aid, mid, ref,
                                                                st.session_state[f"rp_text_{ref}"]))
                b = st.columns([1, 1, 1, 2])
                if b[0].button("上移", key=f"rp_up_{ref}", disabled=locked or n == 0):
                    act(lambda: report_edit.move_item(db, aid, mid, ref, -1), "已上移")
                if b[1].button("下移", key=f"rp_down_{ref}", disabled=locked or n == len(items) - 1):
                    act(lambda: report_edit.move_item(db, aid, mid, ref, 1), "已下移")
                if b[2].button("移除", key=f"rp_remove_{ref}", disabled=locked,
                               help="不写入报告；专家原文仍保留在记录中"):
                    act(lambda: report_edit.remove_item(db, aid, mid, ref), "已从报告中移除")
                b[3].checkbox("选中合并", key=f"rp_merge_{ref}", disabled=locked)
                shots = [a for fid in it["source_finding_ids"] for a in evidence_of.get(fid, [])]
                if shots:
                    st.caption(f"证据附件 {len(shots)} 个（专家在现场拍摄或收集）")
                    _evidence.thumbnails(shots, f"rp_ev_{ref}", db, aid, mid, columns=6)
        chosen = [it["ref"] for it in items if st.session_state.get(f"rp_merge_{it['ref']}")]
        c = st.columns(3)
        if c[0].button(f"合并选中的 {len(chosen)} 条", key=f"rp_merge_btn_{kind}", disabled=locked or len(chosen) < 2):
            act(lambda: report_edit.merge_items(db, aid, mid, chosen), "已合并")
        if report_edit.is_edited(db, aid, sec_code, area_code, kind) and \
                c[1].button("恢复为专家原文", key=f"rp_reset_{kind}", disabled=locked):
            act(lambda: report_edit.reset_group(db, aid, mid, sec_code, area_code, kind), "已恢复为专家原文")
        for f in report_edit.display_unused(db, aid, sec_code, area_code, kind):
            cols = st.columns([5, 1])
            cols[0].caption(f"未纳入报告的意见（{ui.esc(f['member_name'] or '')}）：{ui.esc(f['shown'])}")
            if cols[1].button("加入报告", key=f"rp_use_{f['id']}", disabled=locked):
                act(lambda fid=f["id"]: report_edit.add_item(db, aid, mid, sec_code, area_code, kind, "", finding_id=fid),
                    "已加入报告")
        with st.expander(f"添加一条{ui.esc(word)}"):
            add_text = st.text_area("新条目", key=f"rp_add_text_{kind}", disabled=locked)
            if st.button("添加", key=f"rp_add_{kind}", disabled=locked):
                act(lambda: report_edit.add_item(db, aid, mid, sec_code, area_code, kind, add_text), "已添加")

# ---------- 其他评估方: scores, comments, findings; veto ----------
with tab_parties:
    entered = scoresheet.party_scores(db, aid)
    for p in data.parties:
        if p.computed:
            continue
        with st.container(border=True):
            st.markdown(f"**{ui.esc(p.name)}**（{ui.esc(p.label)}，权重 {report_text.num(p.share)}%，满分 {report_text.num(p.max)}）")
            row = entered.get(p.code) or {}
            cols = st.columns([1, 3])
            # Score and comment are saved as they are entered (on_change).
            cols[0].number_input("评分", min_value=0.0, max_value=float(p.max), step=0.5,
                                 value=float(row["score"]) if row.get("score") is not None else None,
                                 key=f"rp_party_score_{p.code}", disabled=locked,
                                 on_change=save_party, args=(p.code, p.label))
            cols[1].text_input("总体意见", value=p.comment, key=f"rp_party_comment_{p.code}",
                               disabled=locked, on_change=save_party, args=(p.code, p.label))
            ui.show_saved_error(f"rp_party_err_{p.code}")
            fc = st.columns([1, 4, 1])
            fc[0].radio("类型", list(FINDING_KINDS), format_func=FINDING_KINDS.get, key=f"rp_party_kind_{p.code}",
                        disabled=locked)
            fc[1].text_area("意见（离开输入框即保存）", key=f"rp_party_text_{p.code}", height=80, disabled=locked,
                            on_change=add_party_finding, args=(p.code,))
            fc[2].button("添加意见", key=f"rp_party_add_{p.code}", disabled=locked,
                         on_click=add_party_finding, args=(p.code,))
            ui.show_saved_error(f"rp_party_ferr_{p.code}")
            st.caption(f"值得肯定 {len(p.strengths)} 条，需要关注 {len(p.concerns)} 条（在“报告正文”中选择“"
                       f"{ui.esc(report_text.party_heading(p))}”排序和编辑）")
    for v in data.veto:
        with st.container(border=True):
            st.markdown(f"**一票否决：{ui.esc(v['name'])}**")
            st.checkbox("未通过（评估等级将为不合格）", value=v["failed"], key=f"rp_veto_{v['code']}",
                        disabled=locked, on_change=save_veto, args=(v["code"],))
            st.text_input("说明", value=v["note"], key=f"rp_veto_note_{v['code']}", disabled=locked,
                          on_change=save_veto, args=(v["code"],))
            ui.show_saved_error(f"rp_veto_err_{v['code']}")

def save_text(key: str) -> None:
    ui.saver("rp_free_err", report_edit.set_text, db, aid, mid, key, st.session_state[f"rp_free_{key}"])


def use_draft(draft: str) -> None:
    st.session_state["rp_free_closing_points"] = draft
    save_text("closing_points")


# ---------- 反馈与结语 ----------
with tab_free:
    st.subheader("评估反馈")
    st.caption("记录各方在现场反馈环节及对报告初稿的意见；报告只引用已记录的内容，未记录时写明“尚未记录”。")
    for key, label in report_text.FEEDBACK_KEYS.items():
        st.text_area(label + "（离开输入框即保存）", value=data.texts.get(key, ""), key=f"rp_free_{key}", height=80,
                     disabled=locked, placeholder="尚未记录", on_change=save_text, args=(key,))
    st.text_input("现场评估天数（离开输入框即保存；留空则按评估日期计 1 天）", value=data.texts.get("visit_days", ""),
                  key="rp_free_visit_days", disabled=locked, on_change=save_text, args=("visit_days",))
    ui.show_saved_error("rp_free_err")
    st.subheader("结语")
    st.caption("留空则使用系统根据数据生成的默认表述；结语的总体判断按评估等级选用框架中的表述。")
    for key, label in report_text.TEXT_KEYS.items():
        if key == "closing_points":
            draft = "\n".join(f"{n}. {t}" for n, t in enumerate(view.closing_draft, 1))
            left, right = st.columns(2)
            left.text_area(label + "（离开输入框即保存）", value=data.texts.get(key, ""), key="rp_free_closing_points",
                           height=220, disabled=locked, on_change=save_text, args=(key,))
            right.text_area("系统根据“需要关注”草拟的建议（只读，供参考）", value=draft, key="rp_closing_draft",
                            height=220, disabled=True)
            right.button("采用草拟建议", key="rp_use_draft", disabled=locked or not draft, on_click=use_draft,
                         args=(draft,))
            continue
        current = report_text.text(data, key)
        st.text_area(label + "（离开输入框即保存）", value=current, key=f"rp_free_{key}", height=140, disabled=locked,
                     on_change=save_text, args=(key,))
        ui.show_saved_error("rp_free_err")
        cols = st.columns([1, 5])
        if data.texts.get(key) and cols[0].button("恢复默认", key=f"rp_free_reset_{key}", disabled=locked):
            st.session_state.pop(f"rp_free_{key}", None)
            act(lambda k=key: report_edit.set_text(db, aid, mid, k, ""), "已恢复默认表述")

# ---------- 生成与导出 ----------
with tab_build:
    c = st.columns(2)
    open_items = len(blocking(checks))
    if locked:
        sure = c[0].checkbox("确认解锁：所有人可再次修改（记入修改记录）", key="rp_unlock_confirm")
        if c[0].button("解锁评估", key="rp_unlock", disabled=not sure):
            act(lambda: team.set_locked(db, aid, mid, False), "已解锁")
    else:
        if open_items:
            c[0].warning(f"尚有 {int(open_items)} 项【须处理】：现在锁定，报告仍是带“草稿”水印的草稿，且锁定后不能再处理。",
                         icon=":material/error:")
        sure = c[0].checkbox(f"仍要锁定（{open_items} 项须处理未解决，报告为草稿）" if open_items
                             else "确认锁定：锁定后所有人只读（解锁会记入修改记录）", key="rp_lock_confirm")
        if c[0].button("锁定评估（全部只读）", key="rp_lock", type="primary", disabled=not sure):
            act(lambda: team.set_locked(db, aid, mid, True), "已锁定")
    if data.result.final_projected:
        st.warning("部分评分尚未完成或其他评估方分数未录入，报告中的得分与等级为预计结果。")

    def save_history_switch() -> None:
        ui.saver("rp_history_err", team.update_assessment, db, aid, mid,
                 report_history=1 if st.session_state["rp_history"] else 0)

    st.checkbox("在“评估等级”部分加入“历次评估对比”表（本站在本系统中有更早的评估时）",
                value=data.assessment.get("report_history") != 0, key="rp_history", disabled=locked,
                on_change=save_history_switch)
    ui.show_saved_error("rp_history_err")
    if data.history:
        st.caption(f"本站有 {len(data.history) - 1} 次更早的评估，报告将列出历次评估对比。")
    st.subheader("导出前检查")
    if blocking(checks):
        st.error(f"尚有 {len(blocking(checks))} 项须处理，生成的报告将带“草稿”水印。", icon=":material/error:")
    else:
        st.success("导出前检查通过，报告为正式稿。", icon=":material/task_alt:")
    for n, item in enumerate(checks):
        cols = st.columns([4, 1])
        cols[0].markdown(ui.esc(item.label))
        if item.page in ui.PAGES:
            cols[1].page_link(ui.PAGES[item.page], label="去处理")
    with_evidence = st.checkbox("附上“评估意见证据”附件（各条意见的照片和扫描件；标记为含个人信息的附件不会打印）",
                                key="rp_evidence")
    if data.unevidenced:
        st.caption(f"有 {len(data.unevidenced)} 条“需要关注”意见没有证据附件（见上方导出前检查）。")
    if st.button("生成报告 PDF", key="rp_build", type="primary"):
        with st.status("正在生成报告…", expanded=True) as status:
            bar = st.progress(0.0, text="读取评估数据")

            def progress(f, msg):
                bar.progress(min(1.0, f), text=ui.esc(msg))

            pdf = report_pdf(db, aid, progress, evidence=with_evidence)
            st.session_state["rp_pdf"] = pdf
            status.update(label=f"报告已生成（{len(pdf) / 1024:.0f} KB）", state="complete")
    if st.session_state.get("rp_pdf"):
        st.download_button("下载报告 PDF", st.session_state["rp_pdf"], file_name=f"{data.title}.pdf",
                           mime="application/pdf", key="rp_download", on_click="ignore")
    _report_versions.word_button(db, aid, data.title, with_evidence)
    st.divider()
    _report_versions.render(db, who, data.title, with_evidence, locked)
    st.divider()
    _exports_panel.render(db, who)
