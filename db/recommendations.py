"""Previous recommendations (上期评估意见): rows of `prev_recommendations`.

Storage only: core.station.data validates status and section. Writers (lead and
experts) go through the one write guard and log one audit row. Text is stored as
typed; outputs mask it (core.privacy.scrubber).
"""
from __future__ import annotations

from .errors import NotFound
from .guard import Write, writer

EDITORS = ("lead", "expert")


def list_recommendations(db, assessment_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM prev_recommendations WHERE assessment_id = ? ORDER BY position, id",
                         [assessment_id]))


def _get(db, assessment_id: int, recommendation_id: int) -> dict:
    rows = list(db.query("SELECT * FROM prev_recommendations WHERE id = ? AND assessment_id = ?",
                         [recommendation_id, assessment_id]))
    if not rows:
        raise NotFound(f"找不到上期评估意见 {recommendation_id}")
    return rows[0]


@writer(*EDITORS, what="上期评估意见")
def save_recommendation(w: Write, text: str, status: str, evidence: str = "", section_code: str = "",
                        recommendation_id: int | None = None) -> int:
    """Create (id None) or update a (clean) recommendation; returns its id."""
    db, assessment_id = w.db, w.assessment_id
    row = {"text": text, "status": status, "evidence": evidence, "section_code": section_code}
    if recommendation_id is None:
        pos = db.execute("SELECT coalesce(max(position), -1) + 1 FROM prev_recommendations WHERE assessment_id = ?",
                         [assessment_id]).fetchone()[0]
        rid = db["prev_recommendations"].insert(dict(row, assessment_id=assessment_id, position=pos)).last_pk
        w.log("create", "prev_recommendation", rid, new=row)
        return rid
    old = _get(db, assessment_id, recommendation_id)
    w.update_changed("prev_recommendations", recommendation_id, old, row, entity="prev_recommendation")
    return recommendation_id


@writer(*EDITORS, what="上期评估意见")
def delete_recommendation(w: Write, recommendation_id: int) -> None:
    old = _get(w.db, w.assessment_id, recommendation_id)
    w.db.execute("DELETE FROM prev_recommendations WHERE id = ?", [recommendation_id])
    w.log("delete", "prev_recommendation", recommendation_id,
          old={k: old[k] for k in ("text", "status", "evidence", "section_code")})
