"""Staffing (人员配置): the one `staffing` row of an assessment.

Storage only: core.station.data validates the figures (core.station.staffing). The writer
(lead and staff) goes through the one write guard and logs one audit row.
"""
from __future__ import annotations

from . import audit
from .errors import InvalidValue
from .guard import Write, writer


def get_staffing(db, assessment_id: int) -> dict | None:
    """The staffing row, whole figures as int; None before anything is entered."""
    rows = list(db.query("SELECT * FROM staffing WHERE assessment_id = ?", [assessment_id]))
    if not rows:
        return None
    return {k: (int(v) if isinstance(v, float) and v.is_integer() else v) for k, v in rows[0].items()}


@writer("lead", "staff", what="人员配置")
def save_staffing(w: Write, fields: dict) -> dict:
    """Save the given (clean) figures, others unchanged; returns the row. Logs what changed."""
    db, assessment_id = w.db, w.assessment_id
    unknown = set(fields) - (set(db["staffing"].columns_dict) - {"assessment_id", "updated_at"})
    if unknown:
        raise InvalidValue(f"未知的人员配置字段：{'、'.join(sorted(unknown))}")
    old = get_staffing(db, assessment_id)
    if old is None:
        db["staffing"].insert(dict(fields, assessment_id=assessment_id, updated_at=audit.now()))
        w.log("create", "staffing", assessment_id, new=dict(fields))
    else:
        changed = {k: v for k, v in fields.items() if old.get(k) != v}
        if not changed:
            return old
        db.execute("UPDATE staffing SET " + ", ".join(f"{k} = ?" for k in changed) + ", updated_at = ?"
                   " WHERE assessment_id = ?", [*changed.values(), audit.now(), assessment_id])
        w.log("update", "staffing", assessment_id, old={k: old.get(k) for k in changed}, new=changed)
    return get_staffing(db, assessment_id)
