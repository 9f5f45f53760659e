"""Use cases of each member's sign-off: submit their sections, the lead reopens, who has submitted.

An expert (or the lead, for the sections the lead scores) submits when every cell assigned to
them is scored (a value or 不适用); from then on their scores, and their findings in their
sections, are read-only for them — the write guard's score and finding writers refuse them
(db.submissions.refuse_if_submitted) — until the lead reopens the submission with a reason.
Both steps are logged. The report's 落款 lists the members who submitted (core.report.data).
"""
from __future__ import annotations

from db import submissions as sub_db
from db.connection import transaction

from core import derived
from core.scoring import scoresheet
from core.assessment import team
from core.errors import InvalidValue
from core.labels import ROLES
from core.labels import REVISION_REASONS, label, section_label
from core.numbers import fmt_number
from core.privacy import scrubber


def progress(db, assessment_id: int, member_id: int) -> dict:
    """{assigned, scored, missing: [(indicator_code, area_code)]} of the member's assigned cells."""
    cells = team.assigned_cells(db, assessment_id, member_id)
    mine = {(r["indicator_code"], r["area_code"]): r for r in scoresheet.scores(db, assessment_id, member_id)}
    missing = [c for c in cells if not (c in mine and (mine[c]["value"] is not None or mine[c]["na"]))]
    return {"assigned": len(cells), "scored": len(cells) - len(missing), "missing": missing}


def _cell_names(db, assessment_id: int, cells: list[tuple[str, str]], limit: int = 8) -> str:
    station_id = team.get_assessment(db, assessment_id)["station_id"]
    areas = {a["code"]: a["name"] for a in team.list_areas(db, station_id)}
    names = [code + (f"（{areas.get(area, area)}）" if area else "") for code, area in cells[:limit]]
    return "、".join(names) + ("等" if len(cells) > limit else "")


def submit_sections(db, assessment_id: int, member_id: int) -> str:
    """The member submits their sections; returns the time submitted. Refused (InvalidValue, Chinese)
    while a cell assigned to them is unscored, when nothing is assigned, or when already submitted;
    the guard refuses staff, other assessments and a locked assessment."""
    with transaction(db):
        p = progress(db, assessment_id, member_id)
        if not p["assigned"]:
            name = team.get_member(db, member_id)["name"]
            raise InvalidValue(f"{name}没有分配评分指标，无需提交")
        if p["missing"]:
            raise InvalidValue(f"还有 {len(p['missing'])} 个评分单元未评分（{_cell_names(db, assessment_id, p['missing'])}），"
                               "请评完（或标为不适用）后再提交")
        return sub_db.submit(db, assessment_id, member_id)


def reopen_submission(db, assessment_id: int, lead_id: int, member_id: int, reason: str) -> None:
    """The lead reopens a member's submission (their scores and findings become editable again);
    the reason is required and logged."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidValue("退回评分须填写理由")
    sub_db.reopen(db, assessment_id, lead_id, member_id, reason)


def submission_of(db, assessment_id: int, member_id: int) -> dict | None:
    """The member's sign-off: {submitted (in force), submitted_at, reopened_at, reopened_by_name,
    reopen_reason}, or None when they never submitted."""
    row = sub_db.submission(db, assessment_id, member_id)
    if row is None:
        return None
    by = team.get_member(db, row["reopened_by"])["name"] if row["reopened_by"] else ""
    return {"submitted": row["reopened_at"] is None, "submitted_at": row["submitted_at"],
            "reopened_at": row["reopened_at"], "reopened_by_name": by, "reopen_reason": row["reopen_reason"]}


def is_submitted(db, assessment_id: int, member_id: int) -> bool:
    return sub_db.is_submitted(db, assessment_id, member_id)


def submitted_members(db, assessment_id: int) -> list[dict]:
    """The members whose submission is in force: [{member_id, name, role, submitted_at}], in member order."""
    return [{"member_id": r["member_id"], "name": r["member_name"], "role": r["member_role"],
             "submitted_at": r["submitted_at"]}
            for r in sub_db.submissions(db, assessment_id) if r["reopened_at"] is None]


def scorers(db, assessment_id: int) -> list[dict]:
    """Every active member with cells to score, lead first: {member_id, name, role, role_label,
    assigned, scored, submitted, submitted_at, reopened_at, reopen_reason} (the dashboard's list).
    Made once per change of the assessment's data (core.derived) and shared: the lead's home page asks twice a
    run and the dashboard once. Read-only."""
    return derived.by_data(db, assessment_id, "scorers", lambda: _scorers(db, assessment_id))


def _scorers(db, assessment_id: int) -> list[dict]:
    subs = {r["member_id"]: r for r in sub_db.submissions(db, assessment_id)}
    out = []
    for m in sorted(team.active_members(db, assessment_id), key=lambda m: (m["role"] != "lead", m["id"])):
        if m["role"] == "staff":
            continue
        p = progress(db, assessment_id, m["id"])
        if not p["assigned"]:
            continue
        s = subs.get(m["id"])
        out.append({"member_id": m["id"], "name": m["name"], "role": m["role"], "role_label": ROLES[m["role"]],
                    "assigned": p["assigned"], "scored": p["scored"],
                    "submitted": bool(s) and s["reopened_at"] is None,
                    "submitted_at": s["submitted_at"] if s and s["reopened_at"] is None else None,
                    "reopened_at": s["reopened_at"] if s else None, "reopen_reason": s["reopen_reason"] if s else ""})
    return out


# ---------- the printable score sheet ----------

def score_sheet(db, assessment_id: int, member_id: int) -> dict:
    """What the member's score sheet prints: their scores and notes per section (and 片区), their
    findings, the dates and their sign-off status. Free text through the assessment's scrubber."""
    import datetime as _dt

    a = team.get_assessment(db, assessment_id)
    m = team.get_member(db, member_id)
    fw = team.framework_of(db, assessment_id)
    areas = {x["code"]: x["name"] for x in team.list_areas(db, a["station_id"])}
    scrub = scrubber(db, assessment_id)
    cells = team.assigned_cells(db, assessment_id, member_id)
    if m["role"] == "staff" or not cells:
        raise InvalidValue(f"{m['name']}没有分配评分指标，没有专家评分表")
    mine = {(r["indicator_code"], r["area_code"]): r for r in scoresheet.scores(db, assessment_id, member_id)}
    own = [f for f in scoresheet.findings(db, assessment_id, member_id=member_id)]
    groups, used = [], set()
    for sec in fw.sections:
        for ac in sorted({ac for code, ac in cells if fw.indicator(code).section_code == sec.code},
                         key=lambda c: (c != "", list(areas).index(c) if c in areas else 0)):
            rows = []
            for ind in sec.indicators:
                cell_area = ac if ind.scope == "area" else ""
                if (ind.code, cell_area) not in cells:
                    continue
                r = mine.get((ind.code, cell_area)) or {}
                note = scrub(r.get("note") or "")
                first = None
                if r.get("revised_at"):     # revised after submitting (issue 15): the submitted score kept beside it
                    first = "不适用" if r.get("first_na") else fmt_number(r["first_value"]) if r.get("first_value") is not None else ""
                    why = label(REVISION_REASONS, r.get("revision_reason") or "", "")
                    note = "；".join(x for x in (note, f"复核：{why}" + (f"（{scrub(r['revision_note'])}）"
                                                                      if r.get("revision_note") else "")) if x)
                rows.append({"code": ind.code, "name": ind.name, "points": ind.points, "value": r.get("value"),
                             "na": bool(r.get("na")), "note": note, "first": first})
            if not rows:
                continue
            values = [r["value"] for r in rows if r["value"] is not None and not r["na"]]
            area_key = ac if sec.scope == "area" else ""
            fs = [f for f in own if f["section_code"] == sec.code and f["area_code"] == area_key]
            used |= {f["id"] for f in fs}
            groups.append({"label": section_label(fw, sec.code, areas.get(ac, "")),
                           "points": sum(r["points"] for r in rows if not r["na"]),
                           "subtotal": fmt_number(sum(values)) if values else "",
                           "scored": sum(1 for r in rows if r["value"] is not None or r["na"]),
                           "rows": rows, "findings": [dict(f, text=scrub(f["text"])) for f in fs]})
    others = [dict(f, text=scrub(f["text"]), section_label=section_label(
        fw, f["section_code"], areas.get(f["area_code"], ""))) for f in own if f["id"] not in used]
    s = submission_of(db, assessment_id, member_id)
    if s and s["submitted"]:
        status = f"状态：已于 {s['submitted_at'].replace('T', ' ')[:16]} 提交"
    elif s:
        status = f"状态：已退回修改（{s['reopen_reason']}），尚未重新提交"
    else:
        status = "状态：尚未提交（草稿）"
    head = team.assessment_header(db, assessment_id)
    p = progress(db, assessment_id, member_id)
    return {"title": f"{head['station_name']} {a['kind']}评估 · 专家评分表", "header": head["title"],
            "member_name": m["name"], "role_label": ROLES[m["role"]], "visit_date": a["visit_date"],
            "submitted": bool(s and s["submitted"]), "status": status, "groups": groups, "other_findings": others,
            "assigned": p["assigned"], "scored": p["scored"],
            "printed_at": _dt.datetime.now().isoformat(timespec="seconds")}


def member_by_name(db, assessment_id: int, name: str) -> dict:
    """The member of the assessment with this name (InvalidValue naming the members otherwise)."""
    members = team.list_members(db, assessment_id)
    for m in members:
        if m["name"] == (name or "").strip():
            return m
    raise InvalidValue(f"评估 {assessment_id} 中没有成员“{name}”（成员：{'、'.join(m['name'] for m in members)}）")
