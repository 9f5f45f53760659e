"""Scores, overrides, findings, other parties' scores and veto checks."""
from __future__ import annotations

import json

from core.framework import get_framework
from core.scoring import Result, check_value, compute, score_from_detail

from . import audit
from .assessments import assigned_cells, get_assessment, get_member, list_areas, require_lead, require_open
from .connection import transaction
from .errors import InvalidValue, NotFound, PermissionDenied

_UNSET = object()
FINDING_KINDS = {"strength": "值得肯定", "concern": "需要关注"}


def _score_row(db, member_id, indicator_code, area_code):
    row = db.execute("SELECT id, value, na, note, detail FROM scores WHERE member_id = ? AND indicator_code = ? AND area_code = ?",
                     [member_id, indicator_code, area_code]).fetchone()
    if row is None:
        return None
    return {"id": row[0], "value": row[1], "na": bool(row[2]), "note": row[3], "detail": json.loads(row[4])}


def save_score(db, assessment_id: int, member_id: int, indicator_code: str, area_code: str = "",
               value=_UNSET, na=_UNSET, note=_UNSET, detail=_UNSET) -> dict:
    """Save one expert's score for one cell (only the fields given change).

    `detail` ({"criteria": [indices]} or {"level": name}) sets the value from the
    indicator's rule unless `value` is given too. Raises PermissionDenied for a
    cell not assigned to the member, InvalidValue for an out-of-range value,
    AssessmentLocked when locked. Returns the saved row.
    """
    a = get_assessment(db, assessment_id)
    require_open(db, assessment_id)
    m = get_member(db, member_id)
    if m["assessment_id"] != assessment_id:
        raise PermissionDenied("该成员不属于本评估")
    fw = get_framework(a["framework_id"])
    try:
        ind = fw.indicator(indicator_code)
    except KeyError:
        raise InvalidValue(f"未知指标“{indicator_code}”") from None
    area_code = area_code or ""
    if (indicator_code, area_code) not in assigned_cells(db, assessment_id, member_id):
        raise PermissionDenied(f"指标 {indicator_code} 未分配给 {m['name']}，不能修改（只能修改自己负责的评分）")
    if detail is not _UNSET and value is _UNSET:
        v = score_from_detail(ind, detail)
        if v is not None:
            value = float(v)
    if value is not _UNSET and value is not None:
        err = check_value(ind, value)
        if err:
            raise InvalidValue(err)
        value = float(value)
    with transaction(db):
        old = _score_row(db, member_id, indicator_code, area_code)
        new = dict(old or {"value": None, "na": False, "note": "", "detail": {}})
        new.pop("id", None)
        for k, v in (("value", value), ("na", na), ("note", note), ("detail", detail)):
            if v is not _UNSET:
                new[k] = v
        if new["na"]:
            new["value"] = None
        row = dict(assessment_id=assessment_id, member_id=member_id, indicator_code=indicator_code,
                   area_code=area_code, value=new["value"], na=int(bool(new["na"])), note=new["note"] or "",
                   detail=json.dumps(new["detail"] or {}, ensure_ascii=False), updated_at=audit.now())
        db.execute(
            "INSERT INTO scores (assessment_id, member_id, indicator_code, area_code, value, na, note, detail, updated_at)"
            " VALUES (:assessment_id, :member_id, :indicator_code, :area_code, :value, :na, :note, :detail, :updated_at)"
            " ON CONFLICT (member_id, indicator_code, area_code) DO UPDATE SET"
            " value = excluded.value, na = excluded.na, note = excluded.note, detail = excluded.detail,"
            " updated_at = excluded.updated_at", row)
        old_cmp = {k: old[k] for k in ("value", "na", "note", "detail")} if old else None
        new_cmp = {k: new[k] for k in ("value", "na", "note", "detail")}
        if old_cmp != new_cmp:
            audit.log(db, assessment_id, member_id, "update" if old else "create", "score",
                      f"{indicator_code}/{area_code}" if area_code else indicator_code, old=old_cmp, new=new_cmp)
    return new_cmp


def scores(db, assessment_id: int, member_id: int | None = None) -> list[dict]:
    sql = ("SELECT s.*, m.name AS member_name FROM scores s JOIN members m ON m.id = s.member_id"
           " WHERE s.assessment_id = ?")
    params: list = [assessment_id]
    if member_id is not None:
        sql += " AND s.member_id = ?"
        params.append(member_id)
    rows = list(db.query(sql + " ORDER BY s.indicator_code, s.area_code, s.member_id", params))
    for r in rows:
        r["detail"] = json.loads(r["detail"])
        r["na"] = bool(r["na"])
    return rows


def save_override(db, assessment_id: int, lead_id: int, indicator_code: str, area_code: str = "",
                  value=None, na: bool = False, reason: str = "") -> None:
    """The lead's decision on a cell, with a mandatory reason; value None and na False clears it."""
    a = get_assessment(db, assessment_id)
    require_lead(db, assessment_id, lead_id)
    require_open(db, assessment_id)
    ind = get_framework(a["framework_id"]).indicator(indicator_code)
    area_code = area_code or ""
    clearing = value is None and not na
    if not clearing:
        if not (reason or "").strip():
            raise InvalidValue(f"指标 {indicator_code}：组长调整分数必须填写理由")
        if not na:
            err = check_value(ind, value)
            if err:
                raise InvalidValue(err)
    with transaction(db):
        old = db.execute("SELECT value, na, reason FROM overrides WHERE assessment_id = ? AND indicator_code = ? AND area_code = ?",
                         [assessment_id, indicator_code, area_code]).fetchone()
        old_d = {"value": old[0], "na": bool(old[1]), "reason": old[2]} if old else None
        if clearing:
            db.execute("DELETE FROM overrides WHERE assessment_id = ? AND indicator_code = ? AND area_code = ?",
                       [assessment_id, indicator_code, area_code])
            new_d = None
        else:
            new_d = {"value": None if na else float(value), "na": bool(na), "reason": reason.strip()}
            db.execute(
                "INSERT INTO overrides (assessment_id, indicator_code, area_code, value, na, reason, member_id, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (assessment_id, indicator_code, area_code) DO UPDATE SET"
                " value = excluded.value, na = excluded.na, reason = excluded.reason, member_id = excluded.member_id,"
                " updated_at = excluded.updated_at",
                [assessment_id, indicator_code, area_code, new_d["value"], int(na), new_d["reason"], lead_id, audit.now()])
        audit.log(db, assessment_id, lead_id, "override", "score",
                  f"{indicator_code}/{area_code}" if area_code else indicator_code, old=old_d, new=new_d)


def overrides(db, assessment_id: int) -> list[dict]:
    rows = list(db.query("SELECT * FROM overrides WHERE assessment_id = ?", [assessment_id]))
    for r in rows:
        r["na"] = bool(r["na"])
    return rows


# ---------- findings ----------

def add_finding(db, assessment_id: int, member_id: int, section_code: str, kind: str, text: str,
                area_code: str = "", indicator_code: str = "", source: str = "") -> int:
    require_open(db, assessment_id)
    m = get_member(db, member_id)
    if m["assessment_id"] != assessment_id:
        raise PermissionDenied("该成员不属于本评估")
    if kind not in FINDING_KINDS:
        raise InvalidValue(f"未知意见类型“{kind}”（应为值得肯定或需要关注）")
    text = (text or "").strip()
    if not text:
        raise InvalidValue("意见内容不能为空")
    if section_code.startswith("party:") and m["role"] != "lead":
        raise PermissionDenied("其他评估方的意见由组长录入")
    row = dict(assessment_id=assessment_id, member_id=member_id, section_code=section_code, area_code=area_code or "",
               indicator_code=indicator_code or "", kind=kind, text=text, source=source, deleted=0,
               created_at=audit.now(), updated_at=audit.now())
    with transaction(db):
        fid = db["findings"].insert(row).last_pk
        audit.log(db, assessment_id, member_id, "create", "finding", fid,
                  new={k: row[k] for k in ("section_code", "area_code", "indicator_code", "kind", "text")})
    return fid


def _own_finding(db, assessment_id, member_id, finding_id) -> dict:
    try:
        f = db["findings"].get(finding_id)
    except Exception:
        raise NotFound(f"找不到意见 {finding_id}") from None
    if f["assessment_id"] != assessment_id:
        raise NotFound(f"找不到意见 {finding_id}")
    if f["member_id"] != member_id:
        raise PermissionDenied("只能修改自己填写的意见")
    return f


def update_finding(db, assessment_id: int, member_id: int, finding_id: int, text=None, kind=None) -> None:
    require_open(db, assessment_id)
    f = _own_finding(db, assessment_id, member_id, finding_id)
    changes = {}
    if text is not None:
        if not text.strip():
            raise InvalidValue("意见内容不能为空")
        changes["text"] = text.strip()
    if kind is not None:
        if kind not in FINDING_KINDS:
            raise InvalidValue(f"未知意见类型“{kind}”")
        changes["kind"] = kind
    with transaction(db):
        audit.update_changed(db, "findings", finding_id, f, changes, assessment_id=assessment_id,
                             member_id=member_id, entity="finding", stamp={"updated_at": audit.now()})


def delete_finding(db, assessment_id: int, member_id: int, finding_id: int) -> None:
    """Soft delete: the record (and the audit log) keep the text."""
    require_open(db, assessment_id)
    f = _own_finding(db, assessment_id, member_id, finding_id)
    with transaction(db):
        db["findings"].update(finding_id, {"deleted": 1, "updated_at": audit.now()})
        audit.log(db, assessment_id, member_id, "delete", "finding", finding_id, old={"text": f["text"]})


def findings(db, assessment_id: int, section_code: str | None = None, member_id: int | None = None,
             include_deleted: bool = False) -> list[dict]:
    sql = ("SELECT f.*, m.name AS member_name FROM findings f LEFT JOIN members m ON m.id = f.member_id"
           " WHERE f.assessment_id = ?")
    params: list = [assessment_id]
    if section_code is not None:
        sql += " AND f.section_code = ?"
        params.append(section_code)
    if member_id is not None:
        sql += " AND f.member_id = ?"
        params.append(member_id)
    if not include_deleted:
        sql += " AND f.deleted = 0"
    return list(db.query(sql + " ORDER BY f.section_code, f.area_code, f.id", params))


# ---------- other parties and veto ----------

def save_party_score(db, assessment_id: int, lead_id: int, party_code: str, score, comment: str | None = None) -> None:
    a = get_assessment(db, assessment_id)
    require_lead(db, assessment_id, lead_id)
    require_open(db, assessment_id)
    fw = get_framework(a["framework_id"])
    try:
        party = fw.party(party_code)
    except KeyError:
        raise InvalidValue(f"未知评估方“{party_code}”") from None
    if party.computed:
        raise InvalidValue("第三方评分由专家评分汇总得出，不能直接录入")
    if score is not None:
        try:
            score = float(score)
        except (TypeError, ValueError):
            raise InvalidValue(f"{party.label}评分“{score}”不是数字") from None
        if not 0 <= score <= party.max:
            raise InvalidValue(f"{party.label}评分应在 0 到 {party.max:g} 之间（输入为 {score:g}）")
    with transaction(db):
        old = db.execute("SELECT score, comment FROM party_scores WHERE assessment_id = ? AND party_code = ?",
                         [assessment_id, party_code]).fetchone()
        new_comment = comment if comment is not None else (old[1] if old else "")
        db.execute(
            "INSERT INTO party_scores (assessment_id, party_code, score, comment, member_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (assessment_id, party_code) DO UPDATE SET score = excluded.score, comment = excluded.comment,"
            " member_id = excluded.member_id, updated_at = excluded.updated_at",
            [assessment_id, party_code, score, new_comment, lead_id, audit.now()])
        audit.log(db, assessment_id, lead_id, "update", "party_score", party_code,
                  old={"score": old[0], "comment": old[1]} if old else None, new={"score": score, "comment": new_comment})


def party_scores(db, assessment_id: int) -> dict[str, dict]:
    return {r["party_code"]: r for r in db.query("SELECT * FROM party_scores WHERE assessment_id = ?", [assessment_id])}


def save_veto(db, assessment_id: int, lead_id: int, code: str, failed: bool, note: str = "") -> None:
    a = get_assessment(db, assessment_id)
    require_lead(db, assessment_id, lead_id)
    require_open(db, assessment_id)
    if code not in {v.code for v in get_framework(a["framework_id"]).veto}:
        raise InvalidValue(f"本框架没有否决项“{code}”")
    with transaction(db):
        old = db.execute("SELECT failed, note FROM veto_checks WHERE assessment_id = ? AND code = ?", [assessment_id, code]).fetchone()
        db.execute(
            "INSERT INTO veto_checks (assessment_id, code, failed, note, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (assessment_id, code) DO UPDATE SET failed = excluded.failed, note = excluded.note,"
            " updated_at = excluded.updated_at", [assessment_id, code, int(failed), note, audit.now()])
        audit.log(db, assessment_id, lead_id, "update", "veto", code,
                  old={"failed": bool(old[0]), "note": old[1]} if old else None, new={"failed": bool(failed), "note": note})


def veto_checks(db, assessment_id: int) -> dict[str, dict]:
    """The veto items checked: {code: {failed, note}} (the report prints the notes)."""
    return {r["code"]: {"failed": bool(r["failed"]), "note": r["note"] or ""} for r in db.query(
        "SELECT code, failed, note FROM veto_checks WHERE assessment_id = ?", [assessment_id])}


def veto_failed(db, assessment_id: int) -> list[str]:
    return [r[0] for r in db.execute("SELECT code FROM veto_checks WHERE assessment_id = ? AND failed = 1", [assessment_id])]


# ---------- the whole picture ----------

def assessment_result(db, assessment_id: int) -> Result:
    """Read everything scoring needs in a handful of queries and compute it."""
    a = get_assessment(db, assessment_id)
    fw = get_framework(a["framework_id"])
    areas = [x["code"] for x in list_areas(db, a["station_id"])]
    score_rows = db.execute("SELECT member_id, indicator_code, area_code, value, na FROM scores WHERE assessment_id = ?",
                            [assessment_id]).fetchall()
    srows = [dict(member_id=r[0], indicator_code=r[1], area_code=r[2], value=r[3], na=bool(r[4])) for r in score_rows]
    ps = {k: v["score"] for k, v in party_scores(db, assessment_id).items()}
    return compute(fw, areas, srows, overrides(db, assessment_id), ps, veto_failed(db, assessment_id))
