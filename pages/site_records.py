"""现场记录: 听取介绍, 实地观察, 查阅资料, 访谈 and 上期评估意见 (lead and experts record)."""
import pandas as pd
import streamlit as st

from core.station import attachments
from core.station import interviews
from core.station import data as station_data
from core.assessment import team
from core.labels import FINDING_KINDS, INTERVIEW_GROUPS, RECTIFICATION_STATUSES, SITE_KINDS, SITE_STATUSES
from core.station.site import rectification_counts, status_code
from core.terms.start import unlocked_sources
from pages import _evidence
from pages import _shared as ui

who = ui.require_login()
db = ui.get_db()
assessment_id, member_id = who["assessment_id"], who["member_id"]
locked = team.is_locked(db, assessment_id)
can_edit = station_data.can_edit_site_records(who["role"]) and not locked
assessment = team.get_assessment(db, assessment_id)
fw = team.framework_of(db, assessment_id)
areas = team.list_areas(db, assessment["station_id"])

evidence = attachments.by_owner(db, assessment_id)

st.title("现场记录")
if locked:
    st.info("评估已锁定，本页只读。", icon=":material/lock:")
elif not can_edit:
    st.info("现场记录由组长和评估专家填写，您可以查看。")
st.caption(ui.esc("涉及服务对象时尽量只写脱敏姓名（如 黄*昕）；名册中的姓名和电话号码在所有页面和导出中脱敏显示。"))

TAB_KEY = "sr_tab"     # the open tab's label (st.session_state), e.g. "访谈"
FIELDS = {"项目": "item", "结果": "status", "发现的问题": "finding", "抽查文件": "file_ref", "备注": "notes"}


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) else str(v)


def _fields(cells: dict) -> dict:
    """Table cells (column title -> value) as site record fields (the 结果 label as its code)."""
    return {FIELDS[c]: (status_code(_text(v)) if c == "结果" else _text(v)) for c, v in cells.items() if c in FIELDS}


def bump(name: str) -> None:
    st.session_state[name] = st.session_state.get(name, 0) + 1


def promote_box(kind: str, records: list[dict]) -> None:
    """Turn a record's finding into a 需要关注 finding of a section (and 片区)."""
    candidates = [r for r in records if not r["finding_id"]
                  and (r["finding"] or (kind in ("intro", "interview") and r["notes"]))]
    done = [r for r in records if r["finding_id"]]
    if done:
        st.caption("已转为需要关注意见：" + "；".join(ui.esc(r["item"]) for r in done))
    if not can_edit or not candidates:
        return
    with st.container(border=True):
        st.markdown("**将发现的问题转为“需要关注”意见**")
        c1, c2, c3, c4 = st.columns([3, 2, 2, 1])
        rec = c1.selectbox("记录", candidates, format_func=lambda r: f"{r['item']}：{(r['finding'] or r['notes'])[:30]}",
                           placeholder="请选择", key=f"promote_rec_{kind}")
        sec = c2.selectbox("指标部分", fw.sections, format_func=lambda s: f"{s.code} {s.name}", placeholder="请选择",
                           key=f"promote_sec_{kind}")
        area = ""
        if sec.scope == "area":
            area_row = c3.selectbox("片区", areas, format_func=lambda x: x["name"], placeholder="请选择",
                                    key=f"promote_area_{kind}")
            area = area_row["code"] if area_row else ""
        if c4.button("转为意见", key=f"promote_btn_{kind}"):
            if ui.run(lambda: station_data.promote_to_finding(db, assessment_id, member_id, rec["id"], sec.code, area),
                      "已转为需要关注意见"):
                st.rerun()


def checklist(kind: str) -> None:
    """Observation / document review: an editable checklist saved as edited."""
    if can_edit and not station_data.list_site_records(db, assessment_id, kind):
        ui.run(lambda: station_data.prefill_site_records(db, assessment_id, member_id, kind))
    records = station_data.list_site_records(db, assessment_id, kind)
    df = pd.DataFrame([{"id": r["id"], "项目": r["item"], "结果": SITE_STATUSES[r["status"]], "发现的问题": r["finding"],
                        "抽查文件": r["file_ref"], "备注": r["notes"], "记录人": r["member_name"] or "",
                        "证据": len(evidence.get(("site_record", r["id"]), []))} for r in records],
                      columns=["id", "项目", "结果", "发现的问题", "抽查文件", "备注", "记录人", "证据"])
    ver_name = f"{kind}_editor_ver"
    key = f"{kind}_editor_{st.session_state.get(ver_name, 0)}"
    st.data_editor(
        df, key=key, hide_index=True, width="stretch", num_rows="dynamic" if can_edit else "fixed",
        disabled=True if not can_edit else ["记录人", "证据"],
        column_config={
            "id": None,
            "项目": st.column_config.TextColumn("项目", required=True, width="medium"),
            "结果": st.column_config.SelectboxColumn("结果", options=list(SITE_STATUSES.values()), required=True,
                                                   default=SITE_STATUSES[""], width="small"),
            "发现的问题": st.column_config.TextColumn("发现的问题", width="large"),
            "抽查文件": st.column_config.TextColumn("抽查文件（脱敏）", width="medium"),
            "备注": st.column_config.TextColumn("备注", width="medium"),
            "记录人": st.column_config.TextColumn("记录人", width="small"),
            "证据": st.column_config.NumberColumn("证据", width="small", help="照片、扫描件的数量（在下方“证据附件”中添加和查看）"),
        },
        placeholder="",
    )
    delta = st.session_state.get(key) or {}
    if can_edit and any(delta.get(k) for k in ("edited_rows", "added_rows", "deleted_rows")):
        updated = {int(df.iloc[int(pos)]["id"]): _fields(change)
                   for pos, change in (delta.get("edited_rows") or {}).items()}
        added = [_fields(row) for row in delta.get("added_rows") or []]
        deleted = [int(df.iloc[int(pos)]["id"]) for pos in delta.get("deleted_rows") or []]
        # All edits of one table change are saved together, or none (one core use case).
        if ui.run(lambda: station_data.apply_site_record_edits(db, assessment_id, member_id, kind, updated, added, deleted)):
            bump(ver_name)
            st.rerun()
    n_find = sum(1 for r in records if r["status"] == "finding")
    n_ok = sum(1 for r in records if r["status"] == "ok")
    st.caption(f"共 {len(records)} 项：{ui.esc(SITE_STATUSES['ok'])} {int(n_ok)} 项，{ui.esc(SITE_STATUSES['finding'])} {int(n_find)} 项，"
               f"{ui.esc(SITE_STATUSES[''])} {int(len(records) - n_ok - n_find)} 项。")
    checklist_evidence(kind, records)
    promote_box(kind, records)


def checklist_evidence(kind: str, records: list[dict]) -> None:
    """Photos and scans of the checklist's records: all thumbnails, and the chosen record's upload form."""
    n = sum(len(evidence.get(("site_record", r["id"]), [])) for r in records)
    with st.expander(f"{ui.esc(SITE_KINDS[kind])}的证据附件（照片、扫描件）：共 {int(n)} 个", expanded=bool(n)):
        for r in records:
            items = evidence.get(("site_record", r["id"]), [])
            if items:
                st.markdown(f"**{ui.esc(r['item'])}**")
                _evidence.thumbnails(items, f"ev_sr_{r['id']}", db, assessment_id, member_id, can_edit)
        if not records:
            return
        if can_edit:
            rec = st.selectbox("为哪一项添加附件", records, format_func=lambda r: r["item"], key=f"{kind}_ev_rec")
            if rec is not None:
                _evidence.upload_form(db, assessment_id, member_id, "site_record", rec["id"], f"ev_sr_up_{rec['id']}")
        elif not n:
            st.caption("暂无证据附件。")


def notes(kind: str, item_label: str, prefill: bool = True) -> None:
    """Introduction (and interviews recorded per group before per-interviewee notes): one note per
    topic or group, saved as typed."""
    if prefill and can_edit and not station_data.list_site_records(db, assessment_id, kind):
        ui.run(lambda: station_data.prefill_site_records(db, assessment_id, member_id, kind))
    records = station_data.list_site_records(db, assessment_id, kind)
    err_key = f"{kind}_error"

    def save(rid: int, field: str, wkey: str) -> None:
        ui.saver(err_key, station_data.save_site_record, db, assessment_id, member_id, kind, record_id=rid,
                 **{field: st.session_state.get(wkey) or ""})

    ui.show_saved_error(err_key)
    for r in records:
        with st.container(border=True):
            # User text is escaped: shown literally, never rendered as Markdown or HTML.
            st.markdown(f"**{ui.esc(r['item'])}**")
            if r["member_name"]:
                st.caption(f"记录人：{ui.esc(r['member_name'])}")
            st.text_area("记录", value=r["notes"], key=f"{kind}_notes_{r['id']}", height=110, disabled=not can_edit,
                         on_change=save, args=(r["id"], "notes", f"{kind}_notes_{r['id']}"))
            st.text_input("发现的问题（可转为需要关注意见）", value=r["finding"], key=f"{kind}_finding_{r['id']}",
                          disabled=not can_edit, on_change=save, args=(r["id"], "finding", f"{kind}_finding_{r['id']}"))
            items = evidence.get(("site_record", r["id"]), [])
            with st.expander(f"证据附件（{len(items)}）", expanded=bool(items)):
                _evidence.panel(db, assessment_id, member_id, "site_record", r["id"], f"ev_sr_{r['id']}", can_edit,
                                items, on_request=True)
            if can_edit and st.button("删除此条", key=f"{kind}_del_{r['id']}"):
                if ui.run(lambda rid=r["id"]: station_data.delete_site_record(db, assessment_id, member_id, rid), "已删除"):
                    st.rerun()
    if can_edit:
        with st.form(f"{kind}_new", clear_on_submit=True):
            item = st.text_input(f"新增{item_label}", key=f"{kind}_new_item")
            text = st.text_area("记录", key=f"{kind}_new_notes", height=80)
            if st.form_submit_button("添加", key=f"{kind}_new_submit"):
                if ui.run(lambda: station_data.save_site_record(db, assessment_id, member_id, kind, item=item, notes=text),
                          "已添加"):
                    st.rerun()
    promote_box(kind, records)


def interview_notes() -> None:
    """访谈: one note per interviewee in the sample report's groups (role, masked name, key points,
    quotes, a problem to promote), each with its evidence; promotable to a finding."""
    notes_ = interviews.list_interviews(db, assessment_id)
    counts = interviews.counts(db, assessment_id)
    st.caption("每位受访者一条记录。姓名保存后在所有页面和导出中脱敏显示（如 李*华）；报告的评估方法按各组已记录的人数表述。"
               + ("已记录：" + "，".join(f"{ui.esc(INTERVIEW_GROUPS[g])} {int(n)} 人" for g, n in counts.items())
                  if counts else "尚未记录访谈。"))
    err_key = "iv_error"

    def save(iid: int, field: str) -> None:
        ui.saver(err_key, interviews.save_interview, db, assessment_id, member_id, interview_id=iid,
                 **{field: st.session_state.get(f"iv_{field}_{iid}") or ""})

    ui.show_saved_error(err_key)
    for group, glabel in INTERVIEW_GROUPS.items():
        mine = [n for n in notes_ if n["group_code"] == group]
        st.markdown(f"**{ui.esc(glabel)}**（{len(mine)} 人）")
        for n in mine:
            iid = n["id"]
            with st.container(border=True):
                head = "　".join(x for x in (n["role"], n["name"]) if x)
                st.caption(f"{ui.esc(head)}　记录人：{ui.esc(n['member_name'] or '')}"
                           + ("　· 已转为意见" if n["finding_id"] else ""))
                c1, c2 = st.columns(2)
                c1.text_input("身份/岗位", value=n["role"], key=f"iv_role_{iid}", disabled=not can_edit,
                              on_change=save, args=(iid, "role"))
                c2.text_input("姓名（保存后脱敏显示）", value=n["name"], key=f"iv_name_{iid}", disabled=not can_edit,
                              on_change=save, args=(iid, "name"))
                st.text_area("访谈要点", value=n["points"], key=f"iv_points_{iid}", height=90, disabled=not can_edit,
                             on_change=save, args=(iid, "points"))
                st.text_area("原话摘录", value=n["quotes"], key=f"iv_quotes_{iid}", height=68, disabled=not can_edit,
                             on_change=save, args=(iid, "quotes"))
                st.text_input("发现的问题（可转为意见）", value=n["finding"], key=f"iv_finding_{iid}",
                              disabled=not can_edit, on_change=save, args=(iid, "finding"))
                items = evidence.get(("interview", iid), [])
                with st.expander(f"证据附件（{len(items)}）", expanded=bool(items)):
                    _evidence.panel(db, assessment_id, member_id, "interview", iid, f"ev_iv_{iid}", can_edit, items,
                                    on_request=True)
                if can_edit and st.button("删除此条", key=f"iv_del_{iid}"):
                    if ui.run(lambda iid=iid: interviews.delete_interview(db, assessment_id, member_id, iid), "已删除"):
                        st.rerun()
    if can_edit:
        with st.form("iv_new", clear_on_submit=True):
            st.markdown("**新增受访者**")
            c1, c2, c3 = st.columns(3)
            group = c1.selectbox("组别", list(INTERVIEW_GROUPS), format_func=INTERVIEW_GROUPS.get, key="iv_new_group")
            role = c2.text_input("身份/岗位（如 片区一社工、居委主任）", key="iv_new_role")
            name = c3.text_input("姓名（可不填；保存后脱敏显示）", key="iv_new_name")
            points = st.text_area("访谈要点", key="iv_new_points", height=80)
            quotes = st.text_area("原话摘录", key="iv_new_quotes", height=60)
            if st.form_submit_button("添加访谈记录", key="iv_new_submit"):
                if ui.run(lambda: interviews.save_interview(db, assessment_id, member_id, group_code=group, role=role,
                                                            name=name, points=points, quotes=quotes), "已添加"):
                    st.rerun()
    interview_promote_box(notes_)


def interview_promote_box(notes_: list[dict]) -> None:
    """Turn an interview note into a finding (需要关注 by default, or 值得肯定) of a section (and 片区)."""
    candidates = [n for n in notes_ if not n["finding_id"] and (n["finding"] or n["points"])]
    if not can_edit or not candidates:
        return
    with st.container(border=True):
        st.markdown("**将访谈记录转为评估意见**")
        c1, c2, c3, c4, c5 = st.columns([3, 2, 2, 2, 1])
        note = c1.selectbox("访谈记录", candidates, placeholder="请选择", key="iv_promote_rec",
                            format_func=lambda n: f"{n['group_label']}·{n['role'] or n['name']}：{(n['finding'] or n['points'])[:24]}")
        kind = c2.selectbox("意见类型", list(FINDING_KINDS), index=1, format_func=FINDING_KINDS.get,
                            key="iv_promote_kind")
        sec = c3.selectbox("指标部分", fw.sections, format_func=lambda s: f"{s.code} {s.name}", placeholder="请选择",
                           key="iv_promote_sec")
        area = ""
        if sec.scope == "area":
            area_row = c4.selectbox("片区", areas, format_func=lambda x: x["name"], placeholder="请选择",
                                    key="iv_promote_area")
            area = area_row["code"] if area_row else ""
        if c5.button("转为意见", key="iv_promote_btn"):
            if ui.run(lambda: interviews.promote_to_finding(db, assessment_id, member_id, note["id"], sec.code, area,
                                                            kind=kind), "已转为评估意见"):
                st.rerun()


def recommendations() -> None:
    recs = station_data.list_recommendations(db, assessment_id)
    counts = rectification_counts(recs)
    st.caption(f"共 {len(recs)} 条：" + "，".join(f"{ui.esc(k)} {int(v)} 条" for k, v in counts.items()))
    carried = [r for r in recs if (r.get("source") or "").startswith("assessment:")]
    unchecked = sum(1 for r in carried if r["status"] == "未核实")
    if carried:
        st.info(f"其中 {len(carried)} 条从本站上期评估带入（上期报告的“需要关注”和“建议”）；"
                f"尚有 {int(unchecked)} 条“未核实”，请现场核实后选择整改情况并填写佐证，不适用的可删除。"
                "有“未核实”的意见时，报告为草稿。", icon=":material/history:")
        note = unlocked_sources(db, carried)
        if note:
            st.warning(ui.esc(note))
    sec_label = {s.code: f"{s.code} {s.name}" for s in fw.sections}
    df = pd.DataFrame([{"id": r["id"], "意见内容": r["text"], "所属部分": sec_label.get(r["section_code"], ""),
                        "整改情况": r["status"], "佐证": r["evidence"]} for r in recs],
                      columns=["id", "意见内容", "所属部分", "整改情况", "佐证"])
    ver_name = "recs_editor_ver"
    key = f"recs_editor_{st.session_state.get(ver_name, 0)}"
    st.data_editor(
        df, key=key, hide_index=True, width="stretch", num_rows="dynamic" if can_edit else "fixed",
        disabled=not can_edit,
        column_config={
            "id": None,
            "意见内容": st.column_config.TextColumn("意见内容", required=True, width="large"),
            "所属部分": st.column_config.SelectboxColumn("所属部分", options=[""] + list(sec_label.values())),
            "整改情况": st.column_config.SelectboxColumn("整改情况", options=list(RECTIFICATION_STATUSES),
                                                     required=True, default="未整改"),
            "佐证": st.column_config.TextColumn("佐证", width="large"),
        },
        placeholder="",
    )
    delta = st.session_state.get(key) or {}
    if can_edit and any(delta.get(k) for k in ("edited_rows", "added_rows", "deleted_rows")):
        label_code = {v: k for k, v in sec_label.items()}

        def row_kw(row: dict) -> dict:
            return {"text": _text(row.get("意见内容")), "status": _text(row.get("整改情况")) or "未整改",
                    "evidence": _text(row.get("佐证")), "section_code": label_code.get(_text(row.get("所属部分")), "")}

        updated = {}
        for pos, change in (delta.get("edited_rows") or {}).items():
            base = df.iloc[int(pos)].to_dict()
            base.update(change)
            updated[int(base["id"])] = row_kw(base)
        added = [row_kw(row) for row in delta.get("added_rows") or []]
        deleted = [int(df.iloc[int(pos)]["id"]) for pos in delta.get("deleted_rows") or []]
        # All edits of one table change are saved together, or none (one core use case).
        if ui.run(lambda: station_data.apply_recommendation_edits(db, assessment_id, member_id, updated, added, deleted)):
            bump(ver_name)
            st.rerun()


def old_interview_notes() -> None:
    """Interviews recorded per group (before per-interviewee notes), behind an expander drawn only when open."""
    if not station_data.list_site_records(db, assessment_id, "interview"):
        return
    box = st.expander("按组别的访谈记录（每组一条的旧记录方式）", key="sr_old_interviews", on_change="rerun")
    if box.open:
        with box:
            notes("interview", "访谈对象（组别）", prefill=False)


# Only the open tab is drawn (switching tabs reruns the page, issue 27): each tab is a page of widgets of its
# own (notes, tables, evidence), and drawing all five on every run made this the slowest page to open.
TABS = {"intro": lambda: notes("intro", "介绍主题"), "observation": lambda: checklist("observation"),
        "document": lambda: checklist("document"), "interview": lambda: (interview_notes(), old_interview_notes()),
        "recommendations": recommendations}
TAB_LABELS = {**SITE_KINDS, "recommendations": "上期评估意见"}
for tab, draw in zip(st.tabs(list(TAB_LABELS.values()), key=TAB_KEY, on_change="rerun"), TABS.values()):
    if tab.open:
        with tab:
            draw()
