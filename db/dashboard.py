"""The reads for one dashboard refresh: a fixed handful of indexed queries per assessment
(never one per indicator or per member), returned as plain rows; core.day.live builds the
dashboard from them."""
from __future__ import annotations

from .errors import NotFound


def _rows(db, sql: str, params) -> list[dict]:
    cur = db.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def load(db, assessment_id: int) -> dict:
    """{assessment, areas, members, assignments, scores (with first_value / first_na: the score as
    submitted, before a revision after the reveal), overrides, party_scores, veto_failed,
    finding_activity, submitted (member -> time of the submission in force)}: the rows of one refresh (assessment = its row + station_name)."""
    rows = _rows(db, "SELECT a.*, s.name AS station_name FROM assessments a JOIN stations s ON s.id = a.station_id"
                     " WHERE a.id = ?", [assessment_id])
    if not rows:
        raise NotFound(f"找不到评估 {assessment_id}")
    a = rows[0]
    areas = _rows(db, "SELECT code, name FROM areas WHERE station_id = ? ORDER BY position, id", [a["station_id"]])
    members = _rows(db, "SELECT id, name, role FROM members WHERE assessment_id = ?"
                        " ORDER BY CASE role WHEN 'lead' THEN 0 WHEN 'expert' THEN 1 ELSE 2 END, id", [assessment_id])
    assignments = _rows(db, "SELECT member_id, section_code, area_code FROM assignments WHERE assessment_id = ?"
                            " ORDER BY member_id, id", [assessment_id])
    scores = _rows(db, "SELECT member_id, indicator_code, area_code, value, na, note, updated_at,"
                       " CASE WHEN revised_at IS NULL THEN value ELSE first_value END AS first_value,"
                       " CASE WHEN revised_at IS NULL THEN na ELSE first_na END AS first_na FROM scores"
                       " WHERE assessment_id = ?", [assessment_id])
    overrides = _rows(db, "SELECT indicator_code, area_code, value, na, reason, member_id, updated_at FROM overrides"
                          " WHERE assessment_id = ?", [assessment_id])
    party = {r[0]: r[1] for r in db.execute("SELECT party_code, score FROM party_scores WHERE assessment_id = ?",
                                            [assessment_id])}
    veto = [r[0] for r in db.execute("SELECT code FROM veto_checks WHERE assessment_id = ? AND failed = 1",
                                     [assessment_id])]
    activity = {r[0]: r[1] for r in db.execute(
        "SELECT member_id, MAX(updated_at) FROM findings WHERE assessment_id = ? AND member_id IS NOT NULL"
        " GROUP BY member_id", [assessment_id])}
    submitted = {r[0]: r[1] for r in db.execute(
        "SELECT member_id, submitted_at FROM submissions WHERE assessment_id = ? AND reopened_at IS NULL",
        [assessment_id])}
    for s in scores:
        s["na"] = bool(s["na"])
        s["first_na"] = bool(s["first_na"])
    for o in overrides:
        o["na"] = bool(o["na"])
    return dict(assessment=a, areas=areas, members=members, assignments=assignments, scores=scores,
                overrides=overrides, party_scores=party, veto_failed=veto, finding_activity=activity,
                submitted=submitted)
