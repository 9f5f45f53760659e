"""The agenda of the visit day (`visit_stages`): storage only.

The rules (names, times, the default seven steps) are core.day.plan's; the lead replaces the
whole agenda in one guarded, logged write.
"""
from __future__ import annotations

from .audit import now
from .guard import Write, writer

_FIELDS = ("code", "name", "starts", "ends", "note")


def stages(db, assessment_id: int) -> list[dict]:
    """The agenda rows in order: {id, position, code, name, starts, ends, note}; [] while the lead
    has not set one (core shows the default)."""
    return list(db.query("SELECT id, position, code, name, starts, ends, note FROM visit_stages"
                         " WHERE assessment_id = ? ORDER BY position, id", [assessment_id]))


@writer("lead", what="评估日程")
def replace_stages(w: Write, rows: list[dict]) -> bool:
    """The lead's agenda (rows checked by core): replaces the stored one; one audit row with the
    old and the new agenda. False (nothing written) when nothing changed."""
    old = [{k: r[k] for k in _FIELDS} for r in stages(w.db, w.assessment_id)]
    new = [{k: r.get(k) or "" for k in _FIELDS} for r in rows]
    if old == new:
        return False
    w.db.execute("DELETE FROM visit_stages WHERE assessment_id = ?", [w.assessment_id])
    at = now()
    w.db["visit_stages"].insert_all([dict(r, assessment_id=w.assessment_id, position=n, updated_at=at)
                                     for n, r in enumerate(new)])
    w.log("update", "visit_stages", w.assessment_id, old=old or None, new=new)
    return True
