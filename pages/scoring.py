"""Expert scoring: the member's assigned indicators (per 片区 where per-area), findings, progress."""
import streamlit as st

from core.report import make as report_make
from core.station import attachments
from core.scoring import scoresheet
from core.scoring import signoff
from core.assessment import team
from core.labels import FINDING_KINDS, REVISION_REASONS
from core.numbers import fmt_number
from core.scoring.totals import score_from_detail
from core.day.hints import evidence as load_evidence
from core.station.suggest import suggest
from pages import _evidence
from pages import _shared as ui

who = ui.require_login("lead", "expert")
db = ui.get_db()
aid, mid = who["assessment_id"], who["member_id"]
a = team.get_assessment(db, aid)
fw = team.framework_of(db, aid)
areas = {x["code"]: x for x in team.list_areas(db, a["station_id"])}
locked = a["status"] == "locked"

st.title("专家评分")
cells = team.assigned_cells(db, aid, mid)
if not cells:
    st.info("组长尚未给您分配评分指标。")
    st.stop()

mine = {(r["indicator_code"], r["area_code"]): r for r in scoresheet.scores(db, aid, mid)}
done = sum(1 for c in cells if c in mine and (mine[c]["value"] is not None or mine[c]["na"]))
st.progress(done / len(cells), text=f"评分进度：已评 {int(done)} / 分配 {len(cells)}")
sub = signoff.submission_of(db, aid, mid)
submitted = bool(sub and sub["submitted"])
if locked:
    st.warning("评估已锁定，所有内容只读。", icon=":material/lock:")


def submit_step() -> None:
    """The sign-off: submit when everything assigned is scored; then read-only until the lead reopens."""
    with st.container(border=True, key="sc_submit_box"):
        if submitted:
            st.success(f"您已于 {ui.esc(sub['submitted_at'].replace('T', ' ')[:16])} 提交评分，评分与意见只读。"
                       "如需修改，请联系组长在「实时总览」中退回。", icon=":material/task_alt:")
        else:
            if sub and sub["reopened_at"]:
                st.info(f"组长{ui.esc(sub['reopened_by_name'])}已退回您的评分（理由：{ui.esc(sub['reopen_reason'])}），"
                        "修改后请重新提交。", icon=":material/undo:")
            left = len(cells) - done
            st.markdown("**提交评分**：评完分配给您的全部指标后提交，提交后评分与意见只读，组长可见。"
                        + (f"　还有 **{int(left)}** 个评分单元未评。" if left else "　全部已评，可以提交。"))
            sure = st.checkbox("我已核对全部评分与意见，确认提交（提交后只读，只能由组长退回）", key="sc_submit_confirm",
                               disabled=locked or left > 0)
            if st.button("提交我的评分", key="sc_submit", type="primary", disabled=locked or left > 0 or not sure):
                if ui.run(lambda: signoff.submit_sections(db, aid, mid), success="评分已提交"):
                    st.rerun()
        path = ui.db_path()
        st.download_button("下载我的评分表（PDF，含签名栏）", data=lambda: report_make.score_sheet_download(path, aid, mid),
                           file_name=f"专家评分表-{who['name']}.pdf", mime="application/pdf", key="sc_sheet_pdf",
                           on_click="ignore", icon=":material/print:")


submit_step()
readonly = locked or submitted


def revision_step() -> None:
    """After submitting: the cells where experts disagree, side by side, and the revision form (on request)."""
    if not submitted:
        return
    rows = scoresheet.disagreements(db, aid, mid)
    st.subheader(f"分歧对照与复核（{len(rows)}）")
    if not rows:
        st.caption("您评分的指标中，目前没有与其他专家不一致的评分。")
        return
    st.caption("以下指标各专家评分不一致。如需修改自己的评分，请打开“复核我的评分”，选择原因并说明；"
               "提交时的评分（初评）与复核后的评分都会保留。")
    blocks: list = []     # disagreements drawn as one element up to the next one with a toggle (issue 27)
    for d in rows:
        where = f" · {areas[d['area_code']]['name']}" if d["area_code"] in areas else ""
        rk = f"rv_{d['indicator_code']}_{d['area_code']}"
        # The heading and a static table (a few rows, nothing to sort), no box around it: a data grid per
        # disagreement, then an element per part, made this page slow to open (issue 27).
        blocks.append((f"{d['indicator_code']} {d['indicator_name']}{where}", f"满分 {fmt_number(d['points'])} 分", [{
            "专家": r["member_name"] + ("（我）" if r["own"] else ""), "初评（提交时）": r["first"],
            "复核后": r["final"] if r["revised_at"] else "", "复核原因": r["reason"], "说明": r["note"],
            "评分备注": r["score_note"]} for r in d["rows"]]))
        own = next((r for r in d["rows"] if r["own"]), None)
        if own is None or locked:
            continue
        st.markdown(ui.markdown_tables(blocks))
        blocks = []
        if st.toggle("复核我的评分", key=f"{rk}_open"):
            revision_form(d, rk)
    if blocks:
        st.markdown(ui.markdown_tables(blocks))


def revision_form(d: dict, rk: str) -> None:
    """One disagreement's revision: the new score (or 不适用), a listed reason and a note."""
    ind = fw.indicator(d["indicator_code"])
    with st.form(f"{rk}_form"):
        c1, c2 = st.columns(2)
        current = mine.get((d["indicator_code"], d["area_code"])) or {}
        value = c1.number_input(f"复核后得分（0–{ind.points:g}）", min_value=0.0, max_value=float(ind.points),
                                value=float(current.get("value") or 0), step=float(ind.step or 0.5), format="%g",
                                key=f"{rk}_value")
        na = c1.checkbox("不适用（N/A）", value=bool(current.get("na")), key=f"{rk}_na")
        reason = c2.selectbox("原因", list(REVISION_REASONS), format_func=REVISION_REASONS.get, index=None,
                              placeholder="请选择", key=f"{rk}_reason")
        note = c2.text_input("说明", key=f"{rk}_note")
        if st.form_submit_button("保存复核", key=f"{rk}_save"):
            if ui.run(lambda: scoresheet.revise_score(db, aid, mid, d["indicator_code"], d["area_code"],
                                                     value=None if na else value, na=na, reason=reason or "",
                                                     note=note), success="已保存复核（初评保留）"):
                st.rerun()


revision_step()

# Sections (and 片区) this member scores, in framework order.
groups = []
for sec in fw.sections:
    sec_areas = sorted({ac for (code, ac) in cells if fw.indicator(code).section_code == sec.code})
    for ac in sec_areas:
        label = f"{sec.code} {sec.name}" + (f" · {areas[ac]['name']}" if ac in areas else "")
        groups.append((sec, ac, label))
labels = [g[2] for g in groups]
# Radio options render Markdown: the 片区 name is the station's own text.
choice = st.radio("评分部分", labels, horizontal=True, key="scoring_group", format_func=ui.esc)
sec, area, _ = groups[labels.index(choice)]
if area in areas and areas[area]["communities"]:
    st.caption("片区范围：" + ui.esc("、".join(areas[area]["communities"])))

evidence = load_evidence(db, aid)


def k(*parts) -> str:
    return "sc_" + "_".join(str(p) for p in parts)


def save(ind, area_code, **fields):
    ui.saver(k("err", ind.code, area_code), scoresheet.save_score, db, aid, mid, ind.code, area_code, **fields)


def on_criteria(ind, area_code):
    ticked = [n for n in range(len(ind.criteria)) if st.session_state.get(k("crit", ind.code, area_code, n))]
    save(ind, area_code, detail={"criteria": ticked})


def on_level(ind, area_code):
    save(ind, area_code, detail={"level": st.session_state.get(k("level", ind.code, area_code))})


def adopt(ind, area_code, sug):
    """Take the data-suggested score: tick its criteria / choose its level, or set the value."""
    if sug.detail:
        save(ind, area_code, detail=sug.detail)
        for n in range(len(ind.criteria)):
            st.session_state[k("crit", ind.code, area_code, n)] = n in set(sug.detail.get("criteria", []))
        if "level" in sug.detail:
            st.session_state[k("level", ind.code, area_code)] = sug.detail["level"]
    else:
        save(ind, area_code, value=float(sug.value))
        st.session_state[k("value", ind.code, area_code)] = float(sug.value)


def on_value(ind, area_code):
    v = st.session_state.get(k("value", ind.code, area_code))
    save(ind, area_code, value=v)


def _row(cell) -> dict:
    return {(r["indicator_code"], r["area_code"]): r for r in scoresheet.scores(db, aid, mid)}.get(cell) \
        or {"value": None, "na": False, "note": "", "detail": {}}


def _scored(row: dict) -> bool:
    return row["value"] is not None or bool(row["na"])


@st.fragment
def indicator_card(ind, cell_area: str, scored_on_page: bool) -> None:
    """One indicator's card. A tick, a level, a value or a note reruns this card alone (st.fragment), not
    the page: an expert clicks hundreds of times a day. When the cell turns scored or unscored, the whole
    page reruns (its progress bar and the submit step count the cells)."""
    row = _row((ind.code, cell_area))
    if _scored(row) != scored_on_page:
        st.rerun(scope="app")
    with st.container(border=True):
        st.markdown(f"**{ui.esc(ind.code)} {ui.esc(ind.name)}**　满分 {fmt_number(ind.points)} 分"
                    + ("　·　不适用" if row["na"] else
                       f"　·　当前得分 **{fmt_number(row['value'])}**" if row["value"] is not None else ""))
        notes = ((["评估标准：" + ind.guidance] if ind.guidance else [])
                 + (["需提供材料：" + "；".join(ind.evidence)] if ind.evidence else []))
        if notes:      # one element for both (issue 27: every element costs the page switch)
            st.caption("  \n".join(ui.esc(n) for n in notes))
        na = st.checkbox("不适用（N/A）", value=row["na"], key=k("na", ind.code, cell_area), disabled=readonly,
                         on_change=lambda ind=ind, ca=cell_area: save(ind, ca, na=st.session_state[k("na", ind.code, ca)]))
        if not na:
            score_widgets(ind, cell_area, row)
        st.text_area("备注", value=row["note"], key=k("note", ind.code, cell_area), height=68, disabled=readonly,
                     on_change=lambda ind=ind, ca=cell_area: save(ind, ca, note=st.session_state[k("note", ind.code, ca)]))
        ui.show_saved_error(k("err", ind.code, cell_area))
        peer_lines(scoresheet.peer_view_now(db, aid, mid).get((ind.code, cell_area)))


def readonly_card(ind, cell_area: str) -> None:
    """A cell once submitted or locked: what its card shows (criteria ticked, level, value, the data-suggested
    score, note, the other experts), as one Markdown element in a box: disabled widgets cost the browser a dozen
    elements per card at every switch to this page (issue 27), and none of them can be used."""
    row = _row((ind.code, cell_area))
    lines = []                # plain text, escaped as a whole below
    if ind.guidance:
        lines.append("评估标准：" + ind.guidance)
    if ind.evidence:
        lines.append("需提供材料：" + "；".join(ind.evidence))
    if row["na"]:
        lines.append("不适用（N/A）：是")
    elif ind.rule_type == "combo":
        ticked = set(row["detail"].get("criteria", []))
        lines += [("☑ " if n in ticked else "☐ ") + f"{c.text}（{c.points:g} 分）" for n, c in enumerate(ind.criteria)]
    elif ind.rule_type == "level":
        level = row["detail"].get("level")
        lines.append("达到程度：" + (f"{level}（{score_from_detail(ind, {'level': level}):g} 分）" if level else "未选"))
    if ind.suggest and not row["na"]:
        sug = suggest(ind, evidence, cell_area)
        if sug is not None:
            lines.append(f"数据建议分：{fmt_number(sug.value)} 分。{sug.explanation}")
    lines.append("备注：" + (row["note"] or "（无）"))
    lines += peer_texts(scoresheet.peer_view_now(db, aid, mid).get((ind.code, cell_area)))
    status = "不适用" if row["na"] else f"当前得分 {fmt_number(row['value'])}" if row["value"] is not None else "未评分"
    with st.container(border=True, key=k("ro", ind.code, cell_area)):
        st.markdown(f"**{ui.esc(ind.code)} {ui.esc(ind.name)}**　满分 {fmt_number(ind.points)} 分　·　{ui.esc(status)}"
                    + "".join(f"  \n{ui.esc(line)}" for line in lines))


def score_widgets(ind, cell_area: str, row: dict) -> None:
    """The criteria, the level or the value of a cell, and the data-suggested score."""
    if ind.rule_type == "combo":
        ticked = set(row["detail"].get("criteria", []))
        for n, c in enumerate(ind.criteria):
            ui.init_state(k("crit", ind.code, cell_area, n), n in ticked)
            st.checkbox(ui.esc(f"{c.text}（{c.points:g} 分）"), key=k("crit", ind.code, cell_area, n), disabled=readonly,
                        on_change=on_criteria, args=(ind, cell_area))
    elif ind.rule_type == "level":
        names = [lv.name for lv in ind.levels]
        ui.init_state(k("level", ind.code, cell_area), row["detail"].get("level"))
        st.radio("达到程度", names, key=k("level", ind.code, cell_area), horizontal=True, disabled=readonly,
                 format_func=lambda n, ind=ind: ui.esc(f"{n}（{score_from_detail(ind, {'level': n}):g} 分）"),
                 on_change=on_level, args=(ind, cell_area))
    else:
        ui.init_state(k("value", ind.code, cell_area), row["value"])
        st.number_input(f"得分（0–{ind.points:g}）", key=k("value", ind.code, cell_area), step=ind.step,
                        format="%g", disabled=readonly, on_change=on_value, args=(ind, cell_area))
    if ind.suggest:
        sug = suggest(ind, evidence, cell_area)
        if sug is not None:
            # The tip and its button one under the other (no columns: three elements fewer per card, issue 27).
            st.info(f"数据建议分：{fmt_number(sug.value)} 分。{ui.esc(sug.explanation)}", icon=":material/lightbulb:")
            st.button("采用建议分", key=k("adopt", ind.code, cell_area), disabled=readonly,
                      on_click=adopt, args=(ind, cell_area, sug))


def peer_texts(seen: dict | None) -> list[str]:
    """Other experts' scores of the cell, once the viewer has scored it (blind, then reveal): plain text lines."""
    if seen and not seen["visible"]:
        return [f"已有 {int(seen['waiting'])} 位其他专家评分；保存您的评分后显示他们的评分与备注。"]
    lines = []
    for p in (seen or {}).get("peers", []):
        v = "不适用" if p["na"] else (fmt_number(p["value"]) + " 分" if p["value"] is not None else "未评分")
        first = ""
        if p["revised_at"]:
            f0 = "不适用" if p["first_na"] else fmt_number(p["first_value"]) + " 分"
            first = f"（初评 {f0}，复核：{REVISION_REASONS.get(p['revision_reason'], '')}）"
        lines.append(f"{p['member_name']}：{v}{first}" + (f"　备注：{p['note']}" if p["note"] else ""))
    return lines


def peer_lines(seen: dict | None) -> None:
    """The card's peers: the waiting note as a caption, the peers' lines in one element (issue 27)."""
    if seen and not seen["visible"]:
        st.caption(ui.esc(peer_texts(seen)[0]))
    elif seen and seen["peers"]:
        st.markdown("  \n".join(ui.esc(line) for line in peer_texts(seen)))


for ind in sec.indicators:
    cell_area = area if ind.scope == "area" else ""
    if (ind.code, cell_area) in cells and readonly:
        readonly_card(ind, cell_area)
    elif (ind.code, cell_area) in cells:
        indicator_card(ind, cell_area, _scored(mine.get((ind.code, cell_area)) or {"value": None, "na": False}))

# Findings for this section (and 片区): the member's own are editable, others' are shown read-only.
st.subheader("评估意见")
st.caption("值得肯定 / 需要关注。组长在「报告与导出」中整理进报告，您的原文保留在记录中。")
area_key = area if sec.scope == "area" else ""
all_f = scoresheet.shown_findings(db, aid, sec.code, area_key, viewer_id=mid)  # others' text through the scrubber
fk = "fd_" + sec.code + "_" + area_key
evidence_of = attachments.evidence_of_findings(db, aid, [f["id"] for f in all_f])   # incl. their records' ones


def has_evidence_panel(f: dict) -> bool:
    """Does the finding show an evidence expander (its photos, or the means to attach them)?"""
    return bool(evidence_of.get(f["id"])) or (not readonly and (f["own"] or who["role"] == "lead"))


def finding_evidence(f: dict) -> None:
    """The finding's photos and scans: its author (and the lead) attach and mark them; others see them."""
    items = evidence_of.get(f["id"], [])
    own_items = [a for a in items if a["owner_kind"] == "finding"]
    from_records = [a for a in items if a["owner_kind"] != "finding"]
    editable = not readonly and (f["own"] or who["role"] == "lead")
    if not has_evidence_panel(f):
        return
    with st.expander(f"证据附件（{len(items)}）", expanded=bool(items)):
        if from_records:
            st.caption("来自现场记录 / 访谈记录的证据：")
            _evidence.thumbnails(from_records, f"{fk}_evr_{f['id']}", db, aid, mid)
        _evidence.panel(db, aid, mid, "finding", f["id"], f"{fk}_ev_{f['id']}", editable, own_items)


def findings_of_kind(kind_label: str, items: list[dict]) -> None:
    """The findings of one kind. Those shown as text (others', and one's own once submitted or locked) go
    into one element with the heading, up to the next one that needs elements of its own (an edit box, an
    evidence expander): an element per finding made this page slow to open (issue 27)."""
    heading, shown = kind_label, []

    def flush() -> None:
        nonlocal heading, shown
        if heading or shown:
            st.markdown(ui.markdown_lines(shown, heading=heading))
        heading, shown = "", []
    for f in items:
        if f["own"] and not readonly:
            flush()
            c1, c2 = st.columns([10, 1])
            c1.text_area(f"意见 #{f['id']}", value=f["text"], key=f"{fk}_text_{f['id']}", label_visibility="collapsed",
                         disabled=readonly,
                         on_change=lambda fid=f["id"]: ui.saver(fk + "_err", scoresheet.update_finding, db, aid, mid, fid,
                                                                text=st.session_state[f"{fk}_text_{fid}"]))
            c2.button("删除", key=f"{fk}_del_{f['id']}", disabled=readonly,
                      on_click=lambda fid=f["id"]: ui.saver(fk + "_err", scoresheet.delete_finding, db, aid, mid, fid))
        else:
            shown.append(f"{f['member_name']}（我）：{f['text']}" if f["own"] else f"{f['member_name']}：{f['shown']}")
        if has_evidence_panel(f):
            flush()
            finding_evidence(f)
    flush()


for kind, kind_label in FINDING_KINDS.items():
    findings_of_kind(kind_label, [f for f in all_f if f["kind"] == kind])

def add_new_finding():
    """Save the typed finding as soon as the text box loses focus (or 添加意见 is clicked)."""
    text = (st.session_state.get(f"{fk}_newtext") or "").strip()
    if not text:
        return
    ui.saver(fk + "_err", scoresheet.add_finding, db, aid, mid, sec.code, st.session_state[f"{fk}_newkind"], text,
             area_code=area_key)
    if fk + "_err" not in st.session_state:
        st.session_state[f"{fk}_newtext"] = ""
        st.toast("意见已保存")


if readonly:     # no disabled form to look at (issue 27: every element costs the page switch)
    st.caption("评估已锁定，不能新增意见。" if locked else "您已提交评分，不能新增意见；如需修改，请联系组长退回。")
else:
    with st.container(border=True):
        st.radio("类型", list(FINDING_KINDS), format_func=FINDING_KINDS.get, horizontal=True, key=f"{fk}_newkind")
        st.text_area("新增意见（离开输入框即保存）", key=f"{fk}_newtext", on_change=add_new_finding)
        st.button("添加意见", key=f"{fk}_newadd", on_click=add_new_finding)
ui.show_saved_error(fk + "_err")
