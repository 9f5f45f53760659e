"""Interview notes (访谈记录): one row of `interviews` per interviewee.

Storage only: core.station.interviews checks the group, the fields and the promotion to a finding
(core.station.site). Writers (lead and experts) go through the one write guard and log one audit
row. Names and text are stored as typed; every output masks them (core.privacy.scrubber,
which reads `identities` here).
"""
from __future__ import annotations

from . import audit
from .errors import InvalidValue, NotFound
from .guard import Write, writer

FIELDS = ("group_code", "role", "name", "points", "quotes", "finding")
EDITORS = ("lead", "expert")


def list_interviews(db, assessment_id: int, group_code: str | None = None) -> list[dict]:
    """Rows in group and entry order, with the recorder's name and `finding_id`: the (not
    deleted) finding the note was promoted to, or None."""
    sql = ("SELECT i.*, m.name AS member_name FROM interviews i LEFT JOIN members m ON m.id = i.member_id"
           " WHERE i.assessment_id = ?")
    params: list = [assessment_id]
    if group_code is not None:
        sql += " AND i.group_code = ?"
        params.append(group_code)
    rows = list(db.query(sql + " ORDER BY i.group_code, i.position, i.id", params))
    promoted = _promoted(db, assessment_id)
    for r in rows:
        r["finding_id"] = promoted.get(r["id"])
    return rows


def get_interview(db, assessment_id: int, interview_id: int) -> dict:
    rows = list(db.query("SELECT * FROM interviews WHERE id = ? AND assessment_id = ?", [interview_id, assessment_id]))
    if not rows:
        raise NotFound(f"找不到访谈记录 {interview_id}")
    r = rows[0]
    r["finding_id"] = _promoted(db, assessment_id).get(interview_id)
    return r


def _promoted(db, assessment_id: int) -> dict[int, int]:
    """interview id -> id of the (not deleted) finding it was promoted to."""
    out = {}
    for fid, src in db.execute("SELECT id, source FROM findings WHERE assessment_id = ? AND deleted = 0"
                               " AND source LIKE '%interview:%'", [assessment_id]):
        for ref in src.split(","):
            kind, _, tail = ref.strip().partition(":")
            if kind == "interview" and tail.isdigit():
                out[int(tail)] = fid
    return out


def identities(db, assessment_id: int | None) -> list[str]:
    """The interviewees' names as typed (for the scrubber); every assessment's when assessment_id is None."""
    if assessment_id is None:
        return [r[0] for r in db.execute("SELECT name FROM interviews WHERE name != '' ORDER BY id").fetchall()]
    return [r[0] for r in db.execute("SELECT name FROM interviews WHERE assessment_id = ? AND name != '' ORDER BY id",
                                     [assessment_id]).fetchall()]


@writer(*EDITORS, what="访谈记录")
def save_interview(w: Write, fields: dict, interview_id: int | None = None) -> int:
    """Create (interview_id None; `group_code` required) or update the given (clean) fields of a note."""
    db = w.db
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown interview fields {unknown}")
    if interview_id is None:
        row = {k: fields.get(k, "") or "" for k in FIELDS}
        pos = db.execute("SELECT coalesce(max(position), -1) + 1 FROM interviews WHERE assessment_id = ?"
                         " AND group_code = ?", [w.assessment_id, row["group_code"]]).fetchone()[0]
        iid = db["interviews"].insert(dict(row, assessment_id=w.assessment_id, position=pos, member_id=w.member_id,
                                           updated_at=audit.now())).last_pk
        w.log("create", "interview", iid, new=row)
        return iid
    old = get_interview(db, w.assessment_id, interview_id)
    w.update_changed("interviews", interview_id, old, dict(fields), entity="interview",
                     stamp={"member_id": w.member_id, "updated_at": audit.now()})
    return interview_id


@writer(*EDITORS, what="访谈记录")
def delete_interview(w: Write, interview_id: int) -> None:
    """Delete a note; refused while evidence is attached to it (delete the attachments first)."""
    old = get_interview(w.db, w.assessment_id, interview_id)
    n = w.db.execute("SELECT COUNT(*) FROM attachments WHERE interview_id = ?", [interview_id]).fetchone()[0]
    if n:
        raise InvalidValue(f"访谈记录“{old['role'] or old['group_code']}”附有 {n} 个证据附件，请先删除附件再删除记录")
    w.db.execute("DELETE FROM interviews WHERE id = ?", [interview_id])
    w.log("delete", "interview", interview_id, old={k: old[k] for k in FIELDS})
