"""Findings rows (值得肯定 / 需要关注): storage only.

The rules (finding kinds, non-empty text) live in core.scoring.scoresheet; the writers here check
the guard's lock, membership and role, and ownership (own findings only; 'party:'
sections are the lead's), and log one audit row each.
"""
from __future__ import annotations

from . import audit
from .errors import NotFound
from .guard import Write, writer
from .submissions import refuse_if_submitted

_LOGGED = ("section_code", "area_code", "indicator_code", "kind", "text")


@writer("lead", "expert", what="评估意见")
def add_finding(w: Write, section_code: str, kind: str, text: str, area_code: str = "",
                indicator_code: str = "", source: str = "") -> int:
    """Insert a finding of the member (`source` e.g. 'site_record:12' when promoted); returns its id."""
    if section_code.startswith("party:") and w.role != "lead":
        w.deny("其他评估方的意见由组长录入")
    refuse_if_submitted(w, section_code)
    at = audit.now()
    row = dict(assessment_id=w.assessment_id, member_id=w.member_id, section_code=section_code,
               area_code=area_code or "", indicator_code=indicator_code or "", kind=kind, text=text,
               source=source or "", deleted=0, created_at=at, updated_at=at)
    fid = w.db.execute(f"INSERT INTO findings ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                       list(row.values())).lastrowid
    w.log("create", "finding", fid, new={k: row[k] for k in _LOGGED})
    return fid


def _own(w: Write, finding_id: int) -> dict:
    f = get_finding(w.db, w.assessment_id, finding_id)
    if f["member_id"] != w.member_id:
        w.deny("只能修改自己填写的意见")
    refuse_if_submitted(w, f["section_code"])
    return f


@writer("lead", "expert", what="评估意见")
def update_finding(w: Write, finding_id: int, text: str | None = None, kind: str | None = None) -> None:
    """Change the text and/or kind of the member's own finding (only what differs is written)."""
    f = _own(w, finding_id)
    changes = {}
    if text is not None:
        changes["text"] = text
    if kind is not None:
        changes["kind"] = kind
    w.update_changed("findings", finding_id, f, changes, entity="finding", stamp={"updated_at": audit.now()})


@writer("lead", "expert", what="评估意见")
def delete_finding(w: Write, finding_id: int) -> None:
    """Soft delete of the member's own finding: the row (and the audit log) keep the text."""
    f = _own(w, finding_id)
    if f["deleted"]:
        return
    w.db["findings"].update(finding_id, {"deleted": 1, "updated_at": audit.now()})
    w.log("delete", "finding", finding_id, old={"text": f["text"]})


# ---------- reads ----------

def get_finding(db, assessment_id: int, finding_id: int) -> dict:
    """One finding of the assessment (deleted ones too); NotFound otherwise."""
    rows = list(db.query("SELECT * FROM findings WHERE id = ? AND assessment_id = ?", [finding_id, assessment_id]))
    if not rows:
        raise NotFound(f"找不到意见 {finding_id}")
    return rows[0]


def findings(db, assessment_id: int, section_code: str | None = None, member_id: int | None = None,
             include_deleted: bool = False) -> list[dict]:
    """Finding rows with the author's name (member_name), stored text (unmasked)."""
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
