"""A station's next term: a new assessment of a station that has earlier ones starts from them.

`create_assessment` attaches the new assessment to its station (core.agency.stations' identity rule) and,
when the station has an earlier assessment, starts it with that assessment's profile, 片区 and
communities, and with its report's 需要关注 and 建议 as 上期评估意见 (status 未核实 until checked on site),
read from the report as printed (`carry_over_of`, through core.report.data).
"""
from __future__ import annotations

from db import assessments as assessments_db
from db import stations as _db

from core.agency import history, stations
from core.assessment import team
from core.errors import NotFound
from core.report import data as report_data
from core.report import words as report_text


def carry_over_of(db, assessment_id: int) -> dict:
    """What a new assessment of the same station starts with from assessment `assessment_id`:
    {station: its profile, areas: 片区 with communities, recommendations: 需要关注 and 建议 as
    上期评估意见 (未核实)}. The concerns are the report's 需要关注 as printed (the lead's edited
    items and the app's paragraphs placed by the framework, scrubbed), its own not-rectified
    previous recommendations by their text; the 建议 are the 结语's points."""
    d = report_data.gather(db, assessment_id)
    rectification = {s.code: set(report_text.rectification_concerns(d, s.code)) for s in d.sections}
    concerns = []
    for sec in d.sections:
        for b_i in range(len(sec.blocks)):
            for text in report_text.section_items(d, sec, b_i, "concern"):
                if text not in rectification[sec.code]:
                    concerns.append({"section_code": sec.code, "text": text})
    unresolved = [r for r in d.recommendations if r.get("status") in ("未整改", "部分整改", "未核实")]
    recs = history.carried_recommendations(concerns, report_text.closing_points(d), unresolved)
    station = {k: d.station.get(k) for k in assessments_db.STATION_FIELDS}
    station["communities"] = list(d.station.get("communities") or [])
    areas = [{"code": a["code"], "name": a["name"], "communities": list(a["communities"])} for a in d.areas]
    return {"from": assessment_id, "station": station, "areas": areas, "recommendations": recs}


def term_label(a: dict) -> str:
    """'2024—2025 年度 末期' (or the assessment's id when it has no year)."""
    return f"{a.get('period_label') or ''} {a.get('kind') or ''}".strip() or f"评估 {a['id']}"


def recommendation_source(db, identity_id: int) -> tuple[dict, str]:
    """(the assessment whose report gives the next term its 上期评估意见, a plain note or ''): the last
    locked assessment of the station — its report as sent; when the latest one is not locked, the note says so,
    and when none ever was, the latest one is used as it stands and the note says that it was never locked."""
    rows = stations.assessments_of(db, identity_id)
    latest = rows[-1]
    locked = [a for a in rows if a.get("status") == "locked"]
    if locked and locked[-1]["id"] == latest["id"]:
        return latest, ""
    if locked:
        return locked[-1], (f"最近一次评估（{term_label(latest)}）尚未锁定，上期评估意见取自最近一次已锁定的评估"
                            f"（{term_label(locked[-1])}）。")
    return latest, (f"上一次评估（{term_label(latest)}）从未锁定，上期评估意见取自其目前的报告内容（并非定稿），"
                    "请在现场核实时留意。")


def unlocked_sources(db, recommendations: list[dict]) -> str:
    """A plain note when 上期评估意见 were carried over from an assessment that is not locked (its report was
    never final): '' when every source is locked (or nothing was carried)."""
    ids = sorted({int(r["source"].split(":", 1)[1]) for r in recommendations
                  if (r.get("source") or "").startswith("assessment:") and r["source"].split(":", 1)[1].isdigit()})
    open_ = []
    for i in ids:
        try:
            a = team.get_assessment(db, i)
        except NotFound:    # a source no longer in this file (an imported assessment): nothing to say
            continue
        if a.get("status") != "locked":
            open_.append(term_label(a))
    if not open_:
        return ""
    return (f"带入这些意见的上期评估（{'、'.join(open_)}）从未锁定，意见取自其当时的报告内容（并非定稿），"
            "请在现场核实时留意。")


def create_assessment(db, station: dict, framework_id: str, lead_name: str, lead_pin: str, *,
                      attach=stations.AUTO, **fields) -> dict:
    """Create an assessment with its lead, attached to its station.

    `station`: {name, district, street, agency_code, …}; `attach`: AUTO (the existing station
    at the same district + street, else a new one), NEW (a new station even when one matches)
    or an identity id. When the station has an earlier assessment, the new one starts with its
    profile (fields given here win), 片区 and 上期评估意见 (未核实, from the last locked assessment:
    recommendation_source). Returns {assessment_id, lead_id, station_id (identity), attached, carried_from,
    carried, carry_note}."""
    district, street = station.get("district") or "", station.get("street") or ""
    code = station.get("agency_code") or ""
    if attach == stations.AUTO:
        found = stations.find_station(db, district, street, code)
        identity_id = found["id"] if found else None
    elif attach == stations.NEW or attach is None:
        identity_id = None
    else:
        identity_id = _db.get_identity(db, int(attach))["id"]
    plan = None
    note = ""
    if identity_id is not None:
        earlier = stations.latest_assessment(db, identity_id)
        if earlier is not None:
            plan = carry_over_of(db, earlier["id"])
            source, note = recommendation_source(db, identity_id)
            if source["id"] != earlier["id"]:
                plan = dict(plan, **{"from": source["id"],
                                     "recommendations": carry_over_of(db, source["id"])["recommendations"]})
    profile = dict(station)
    if plan is not None:
        profile = {**plan["station"], **{k: v for k, v in station.items() if v not in (None, "", [])}}

    def then(assessment_id, lead_id):
        if plan is not None:
            _db.carry_over(db, assessment_id, plan["from"], plan["areas"], plan["recommendations"])

    def identity():
        return identity_id or _db.create_identity(db, district, street, code)

    aid, lead = team.new_assessment(db, profile, framework_id, lead_name, lead_pin,
                                    identity_id=identity, then=then, **fields)
    return {"assessment_id": aid, "lead_id": lead, "station_id": stations.station_of_assessment(db, aid),
            "attached": identity_id is not None, "carried_from": plan["from"] if plan else None,
            "carried": len(plan["recommendations"]) if plan else 0, "carry_note": note}
