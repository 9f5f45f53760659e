"""Score rows, the lead's overrides, other parties' scores and veto checks: storage only.

The rules (indicator exists, value range, detail -> value, party and veto codes) live in
core.scoring.scoresheet, which calls these guarded writers with checked values; the results are
computed in core (core.scoring.scoresheet.result). Findings rows: db/findings.py.
"""
from __future__ import annotations

import json

from . import audit
from .findings import add_finding, delete_finding, findings, update_finding  # noqa: F401  (transitional)
from .errors import InvalidValue
from .guard import Write, writer
from .submissions import refuse_if_submitted

_UNSET = object()
_FIELDS = ("value", "na", "note", "detail")


def _cell_key(indicator_code: str, area_code: str) -> str:
    return f"{indicator_code}/{area_code}" if area_code else indicator_code


def _score_row(db, member_id, indicator_code, area_code):
    row = db.execute("SELECT id, value, na, note, detail FROM scores WHERE member_id = ? AND indicator_code = ? AND area_code = ?",
                     [member_id, indicator_code, area_code]).fetchone()
    if row is None:
        return None
    return {"id": row[0], "value": row[1], "na": bool(row[2]), "note": row[3], "detail": json.loads(row[4])}


@writer("lead", "expert", what="评分")
def save_score(w: Write, indicator_code: str, area_code: str, section_code: str,
               value=_UNSET, na=_UNSET, note=_UNSET, detail=_UNSET) -> dict:
    """Save the member's score for one cell (only the fields given change); returns
    {value, na, note, detail} as saved. `value` comes checked from core (N/A clears it).

    Ownership: the member has an assignment of the indicator's section (`section_code`,
    given by core) for the cell's 片区, or for every 片区 (''); and has not submitted their
    sections (db.submissions), unless the lead reopened them.
    """
    area_code = area_code or ""
    mine = w.db.execute(
        "SELECT 1 FROM assignments WHERE member_id = ? AND section_code = ? AND area_code IN (?, '')",
        [w.member_id, section_code, area_code]).fetchone()
    if not mine:
        w.deny(f"指标 {indicator_code} 未分配给 {w.member['name']}，不能修改（只能修改自己负责的评分）")
    refuse_if_submitted(w)
    old = _score_row(w.db, w.member_id, indicator_code, area_code)
    new = {k: v for k, v in (old or {"value": None, "na": False, "note": "", "detail": {}}).items() if k in _FIELDS}
    for k, v in (("value", value), ("na", na), ("note", note), ("detail", detail)):
        if v is not _UNSET:
            new[k] = v
    new["na"] = bool(new["na"])
    new["note"] = new["note"] or ""
    new["detail"] = new["detail"] or {}
    if new["na"]:
        new["value"] = None
    elif new["value"] is not None:
        new["value"] = float(new["value"])
    old_cmp = {k: old[k] for k in _FIELDS} if old else None
    if old_cmp == new:
        return new
    w.db.execute(
        "INSERT INTO scores (assessment_id, member_id, indicator_code, area_code, value, na, note, detail, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (member_id, indicator_code, area_code) DO UPDATE SET"
        " value = excluded.value, na = excluded.na, note = excluded.note, detail = excluded.detail,"
        " updated_at = excluded.updated_at",
        [w.assessment_id, w.member_id, indicator_code, area_code, new["value"], int(new["na"]), new["note"],
         json.dumps(new["detail"], ensure_ascii=False), audit.now()])
    w.log("update" if old else "create", "score", _cell_key(indicator_code, area_code), old=old_cmp, new=new)
    return new


@writer("lead", "expert", what="复核改分")
def revise_score(w: Write, indicator_code: str, area_code: str, value, na: bool, detail: dict, reason: str,
                 note: str = "") -> dict:
    """After submitting, the member revises their own score of one cell (value and reason checked by
    core). The score as submitted is kept (first_value / first_na / first_detail, set at the first
    revision and never changed after); one audit row. Refused before the member has submitted and
    for a cell the member did not score."""
    area_code = area_code or ""
    sub = w.db.execute("SELECT 1 FROM submissions WHERE assessment_id = ? AND member_id = ? AND reopened_at IS NULL",
                       [w.assessment_id, w.member_id]).fetchone()
    if not sub:
        w.deny(f"{w.member['name']}尚未提交评分：提交前请直接修改评分，提交后才可复核改分")
    row = w.db.execute("SELECT id, value, na, detail, first_value, first_na, revised_at FROM scores"
                       " WHERE member_id = ? AND indicator_code = ? AND area_code = ?",
                       [w.member_id, indicator_code, area_code]).fetchone()
    if row is None or (row[1] is None and not row[2]):
        raise InvalidValue(f"指标 {_cell_key(indicator_code, area_code)}：您没有评过这一项，无法复核改分")
    value = None if na else (float(value) if value is not None else None)
    if value is None and not na:
        raise InvalidValue(f"指标 {_cell_key(indicator_code, area_code)}：请填写复核后的分数或标为不适用")
    old = {"value": row[1], "na": bool(row[2]), "detail": json.loads(row[3])}
    new = {"value": value, "na": bool(na), "detail": detail or {}}
    if old["value"] == new["value"] and old["na"] == new["na"]:
        raise InvalidValue(f"指标 {_cell_key(indicator_code, area_code)}：复核后的分数与原分数相同，无需修改")
    first = row[6] is None
    w.db.execute(
        "UPDATE scores SET value = ?, na = ?, detail = ?, revised_at = ?, revision_reason = ?, revision_note = ?,"
        " first_value = CASE WHEN revised_at IS NULL THEN value ELSE first_value END,"
        " first_na = CASE WHEN revised_at IS NULL THEN na ELSE first_na END,"
        " first_detail = CASE WHEN revised_at IS NULL THEN detail ELSE first_detail END,"
        " updated_at = ? WHERE id = ?",
        [new["value"], int(new["na"]), json.dumps(new["detail"], ensure_ascii=False), audit.now(), reason, note or "",
         audit.now(), row[0]])
    w.log("revise", "score", _cell_key(indicator_code, area_code), old=old,
          new=dict(new, reason=reason, note=note or "", first=first))
    return new


@writer("lead", what="组长裁定")
def save_override(w: Write, indicator_code: str, area_code: str = "", value=None, na: bool = False,
                  reason: str = "") -> None:
    """The lead's decision on a cell (checked by core); value None and na False clears it."""
    area_code = area_code or ""
    where = [w.assessment_id, indicator_code, area_code]
    old = w.db.execute("SELECT value, na, reason FROM overrides WHERE assessment_id = ? AND indicator_code = ?"
                       " AND area_code = ?", where).fetchone()
    old_d = {"value": old[0], "na": bool(old[1]), "reason": old[2]} if old else None
    if value is None and not na:
        new_d = None
        w.db.execute("DELETE FROM overrides WHERE assessment_id = ? AND indicator_code = ? AND area_code = ?", where)
    else:
        new_d = {"value": None if na else float(value), "na": bool(na), "reason": reason}
        w.db.execute(
            "INSERT INTO overrides (assessment_id, indicator_code, area_code, value, na, reason, member_id, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (assessment_id, indicator_code, area_code) DO UPDATE SET"
            " value = excluded.value, na = excluded.na, reason = excluded.reason, member_id = excluded.member_id,"
            " updated_at = excluded.updated_at",
            where + [new_d["value"], int(new_d["na"]), reason, w.member_id, audit.now()])
    if old_d != new_d:
        w.log("override", "score", _cell_key(indicator_code, area_code), old=old_d, new=new_d)


@writer("lead", what="其他评估方评分")
def save_party_score(w: Write, party_code: str, score, comment: str | None = None) -> None:
    """An other party's score (checked by core; None = not entered) and comment (None keeps it)."""
    old = w.db.execute("SELECT score, comment FROM party_scores WHERE assessment_id = ? AND party_code = ?",
                       [w.assessment_id, party_code]).fetchone()
    old_d = {"score": old[0], "comment": old[1]} if old else None
    new_d = {"score": None if score is None else float(score),
             "comment": comment if comment is not None else (old[1] if old else "")}
    if old_d == new_d:
        return
    w.db.execute(
        "INSERT INTO party_scores (assessment_id, party_code, score, comment, member_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (assessment_id, party_code) DO UPDATE SET score = excluded.score, comment = excluded.comment,"
        " member_id = excluded.member_id, updated_at = excluded.updated_at",
        [w.assessment_id, party_code, new_d["score"], new_d["comment"], w.member_id, audit.now()])
    w.log("update", "party_score", party_code, old=old_d, new=new_d)


@writer("lead", what="否决项")
def save_veto(w: Write, code: str, failed: bool, note: str = "") -> None:
    """A veto check (code checked by core): failed or passed, with a note."""
    old = w.db.execute("SELECT failed, note FROM veto_checks WHERE assessment_id = ? AND code = ?",
                       [w.assessment_id, code]).fetchone()
    old_d = {"failed": bool(old[0]), "note": old[1]} if old else None
    new_d = {"failed": bool(failed), "note": note or ""}
    if old_d == new_d:
        return
    w.db.execute(
        "INSERT INTO veto_checks (assessment_id, code, failed, note, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (assessment_id, code) DO UPDATE SET failed = excluded.failed, note = excluded.note,"
        " updated_at = excluded.updated_at", [w.assessment_id, code, int(new_d["failed"]), new_d["note"], audit.now()])
    w.log("update", "veto", code, old=old_d, new=new_d)


# ---------- reads ----------

def scores(db, assessment_id: int, member_id: int | None = None) -> list[dict]:
    """Score rows with the scorer's name (member_name); detail parsed, na a bool."""
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
        r["first_detail"] = json.loads(r["first_detail"]) if r.get("first_detail") else None
        r["first_na"] = bool(r["first_na"]) if r.get("first_na") is not None else None
    return rows


def score_values(db, assessment_id: int, first: bool = False) -> list[dict]:
    """The fields scoring needs: {member_id, indicator_code, area_code, value, na} per score row.
    `first`: the scores as submitted (before any revision after the reveal) instead of the final ones."""
    cols = ("CASE WHEN revised_at IS NULL THEN value ELSE first_value END, "
            "CASE WHEN revised_at IS NULL THEN na ELSE first_na END") if first else "value, na"
    return [dict(member_id=r[0], indicator_code=r[1], area_code=r[2], value=r[3], na=bool(r[4])) for r in db.execute(
        f"SELECT member_id, indicator_code, area_code, {cols} FROM scores WHERE assessment_id = ?", [assessment_id])]


def any_revision(db, assessment_id: int) -> bool:
    """Has any expert revised a score after the reveal?"""
    return db.execute("SELECT 1 FROM scores WHERE assessment_id = ? AND revised_at IS NOT NULL LIMIT 1",
                      [assessment_id]).fetchone() is not None


def overrides(db, assessment_id: int) -> list[dict]:
    rows = list(db.query("SELECT * FROM overrides WHERE assessment_id = ?", [assessment_id]))
    for r in rows:
        r["na"] = bool(r["na"])
    return rows


def party_scores(db, assessment_id: int) -> dict[str, dict]:
    return {r["party_code"]: r for r in db.query("SELECT * FROM party_scores WHERE assessment_id = ?", [assessment_id])}


def veto_checks(db, assessment_id: int) -> dict[str, dict]:
    """code -> {failed, note} of the veto checks entered."""
    return {r[0]: {"failed": bool(r[1]), "note": r[2]} for r in db.execute(
        "SELECT code, failed, note FROM veto_checks WHERE assessment_id = ?", [assessment_id])}


def veto_checks(db, assessment_id: int) -> dict[str, dict]:
    """The veto items checked: {code: {failed, note}} (the report prints the notes)."""
    return {r["code"]: {"failed": bool(r["failed"]), "note": r["note"] or ""} for r in db.query(
        "SELECT code, failed, note FROM veto_checks WHERE assessment_id = ?", [assessment_id])}


def veto_failed(db, assessment_id: int) -> list[str]:
    return [r[0] for r in db.execute("SELECT code FROM veto_checks WHERE assessment_id = ? AND failed = 1", [assessment_id])]
