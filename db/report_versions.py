"""Issued versions of the report (migration 019): 初稿 1, 初稿 2, …, 定稿, each with its date, recipient,
format and the SHA-256 of the file sent, and the feedback that came back on it.

The version's label is printed on the cover and in the footer of the file, so it is decided before
the file is made (`next_label`) and checked again inside the writer's transaction (`issue_version`
refuses a label that is no longer the next one). A 定稿 is issued only on a locked assessment (the
caller has checked that the pre-export check is clean: nothing can change once locked).
"""
from __future__ import annotations

from . import audit
from .errors import InvalidValue, NotFound
from .guard import Write, writer

KINDS = ("draft", "final")
FORMATS = ("pdf", "docx")
COLUMNS = ("id", "seq", "kind", "label", "issued_at", "recipient", "format", "sha256", "size", "member_id",
           "note", "feedback", "feedback_at")


def list_versions(db, assessment_id: int) -> list[dict]:
    """Every issued version in the order issued, with the issuing member's name."""
    cur = db.execute(
        "SELECT " + ", ".join(f"v.{c}" for c in COLUMNS) + ", COALESCE(m.name, '') AS member_name"
        " FROM report_versions v LEFT JOIN members m ON m.id = v.member_id"
        " WHERE v.assessment_id = ? ORDER BY v.seq", [assessment_id])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def next_label(db, assessment_id: int, kind: str) -> str:
    """The label the next version of this kind gets: 初稿 n (n = drafts so far + 1), 定稿 (定稿 2 … if reissued)."""
    if kind not in KINDS:
        raise InvalidValue(f"版本类型“{kind}”无效（应为初稿或定稿）")
    n = db.execute("SELECT COUNT(*) FROM report_versions WHERE assessment_id = ? AND kind = ?",
                   [assessment_id, kind]).fetchone()[0]
    if kind == "draft":
        return f"初稿 {n + 1}"
    return "定稿" if n == 0 else f"定稿 {n + 1}"


@writer("lead", what="报告版本", when_locked=True)
def issue_version(w: Write, kind: str, label: str, recipient: str, fmt: str, sha256: str, size: int,
                  note: str = "") -> int:
    """Record a version sent out; returns its id. Refuses a label that is not the next one of its kind
    (another version was issued meanwhile: make the file again) and a 定稿 on an assessment not locked."""
    if fmt not in FORMATS:
        raise InvalidValue(f"报告格式“{fmt}”无效（应为 pdf 或 docx）")
    if not (recipient or "").strip():
        raise InvalidValue("报告版本：请填写发送对象（如区民政局、街道办事处、社工站）")
    if kind == "final" and w.status != "locked":
        w.deny("定稿只能在评估锁定后发出（锁定后内容不再改变）")
    expected = next_label(w.db, w.assessment_id, kind)
    if label != expected:
        raise InvalidValue(f"报告版本已变化：下一个版本应为“{expected}”，请重新生成文件")
    seq = w.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM report_versions WHERE assessment_id = ?",
                       [w.assessment_id]).fetchone()[0]
    row = dict(assessment_id=w.assessment_id, seq=seq, kind=kind, label=label, issued_at=audit.now(),
               recipient=recipient.strip(), format=fmt, sha256=sha256, size=size, member_id=w.member_id,
               note=note or "")
    vid = w.db["report_versions"].insert(row).last_pk
    w.log("issue", "report_version", vid, new={k: row[k] for k in ("label", "recipient", "format", "sha256")})
    return vid


@writer("lead", what="报告版本的反馈")
def record_feedback(w: Write, version_id: int, text: str) -> bool:
    """Attach the feedback received on a version (replacing what was recorded); False if unchanged."""
    cur = w.db.execute("SELECT feedback FROM report_versions WHERE id = ? AND assessment_id = ?",
                       [version_id, w.assessment_id]).fetchone()
    if cur is None:
        raise NotFound(f"找不到报告版本 {version_id}")
    text = (text or "").strip()
    if cur[0] == text:
        return False
    w.db["report_versions"].update(version_id, {"feedback": text, "feedback_at": audit.now() if text else None})
    w.log("update", "report_version", version_id, old={"feedback": cur[0]}, new={"feedback": text})
    return True
