"""Each member's sign-off of their sections (`submissions`): storage only.

A member (expert, or the lead when scoring) submits when done; from then on their scores and
findings are read-only for them (`refuse_if_submitted`, called by the score and finding writers
inside the guard's transaction) until the lead reopens the submission, with a reason. Both are
logged. Re-submitting after a reopening updates the same row (the audit log keeps the history).
The rules (everything assigned is scored) are core.scoring.signoff's.
"""
from __future__ import annotations

from . import audit
from .errors import InvalidValue, NotFound
from .guard import Write, writer

_COLS = "id, assessment_id, member_id, submitted_at, reopened_at, reopened_by, reopen_reason"


def _row(db, assessment_id: int, member_id: int) -> dict | None:
    rows = list(db.query(f"SELECT {_COLS} FROM submissions WHERE assessment_id = ? AND member_id = ?",
                         [assessment_id, member_id]))
    return rows[0] if rows else None


# ---------- reads ----------

def submission(db, assessment_id: int, member_id: int) -> dict | None:
    """The member's submission row ({submitted_at, reopened_at, reopened_by, reopen_reason, …}),
    or None when they never submitted. It is in force while `reopened_at` is NULL."""
    return _row(db, assessment_id, member_id)


def submissions(db, assessment_id: int) -> list[dict]:
    """Every submission row of the assessment (in force or reopened), with the member's name
    and role and the reopener's name, in member order."""
    return list(db.query(
        "SELECT s.id, s.assessment_id, s.member_id, s.submitted_at, s.reopened_at, s.reopened_by, s.reopen_reason,"
        " m.name AS member_name, m.role AS member_role, r.name AS reopened_by_name"
        " FROM submissions s JOIN members m ON m.id = s.member_id LEFT JOIN members r ON r.id = s.reopened_by"
        " WHERE s.assessment_id = ? ORDER BY m.id", [assessment_id]))


def is_submitted(db, assessment_id: int, member_id: int) -> bool:
    return db.execute("SELECT 1 FROM submissions WHERE assessment_id = ? AND member_id = ? AND reopened_at IS NULL",
                      [assessment_id, member_id]).fetchone() is not None


def refuse_if_submitted(w: Write, section_code: str | None = None) -> None:
    """Inside a guarded writer: refuse the member's edit of their scores, or of their findings in
    a section assigned to them (`section_code`), once they have submitted (until the lead reopens)."""
    row = _row(w.db, w.assessment_id, w.member_id)
    if section_code is not None and not w.db.execute(
            "SELECT 1 FROM assignments WHERE member_id = ? AND section_code = ?", [w.member_id, section_code]).fetchone():
        return
    if row is not None and row["reopened_at"] is None:
        at = (row["submitted_at"] or "").replace("T", " ")[:16]
        w.deny(f"{w.member['name']}已于 {at} 提交评分，评分与意见只读；如需修改，请组长退回后再改")


# ---------- writers ----------

@writer("lead", "expert", what="提交评分")
def submit(w: Write, checked_at: str | None = None) -> str:
    """The member submits their sections (core has checked that everything assigned is scored);
    returns the time. Refused when already submitted."""
    row = _row(w.db, w.assessment_id, w.member_id)
    if row is not None and row["reopened_at"] is None:
        raise InvalidValue(f"{w.member['name']}已于 {row['submitted_at'].replace('T', ' ')[:16]} 提交，无需重复提交")
    at = checked_at or audit.now()
    if row is None:
        w.db["submissions"].insert(dict(assessment_id=w.assessment_id, member_id=w.member_id, submitted_at=at,
                                        reopened_at=None, reopened_by=None, reopen_reason=""))
    else:
        w.db.execute("UPDATE submissions SET submitted_at = ?, reopened_at = NULL, reopened_by = NULL,"
                     " reopen_reason = '' WHERE id = ?", [at, row["id"]])
    w.log("submit", "submission", w.member_id,
          old=None if row is None else {"reopened_at": row["reopened_at"], "reopen_reason": row["reopen_reason"]},
          new={"member": w.member["name"], "submitted_at": at})
    return at


@writer("lead", what="退回评分")
def reopen(w: Write, expert_id: int, reason: str) -> None:
    """The lead reopens a member's submission (their scores and findings become editable again),
    with a reason (checked non-empty by core)."""
    row = _row(w.db, w.assessment_id, expert_id)
    name = w.db.execute("SELECT name FROM members WHERE id = ? AND assessment_id = ?",
                        [expert_id, w.assessment_id]).fetchone()
    if name is None:
        raise NotFound("该成员不属于本评估")
    if row is None or row["reopened_at"] is not None:
        raise InvalidValue(f"{name[0]}尚未提交评分，无需退回")
    at = audit.now()
    w.db.execute("UPDATE submissions SET reopened_at = ?, reopened_by = ?, reopen_reason = ? WHERE id = ?",
                 [at, w.member_id, reason, row["id"]])
    w.log("reopen", "submission", expert_id, old={"member": name[0], "submitted_at": row["submitted_at"]},
          new={"reopened_at": at, "reason": reason})
