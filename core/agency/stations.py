"""Use cases of a station across terms (issue 16): its identity, the carry-over into a new
assessment, its history.

A station (社工站) is identified by district + street, with an optional agency code
(core.agency.history's rules). Each assessment keeps its own `stations` row — the profile as at
that assessment, so editing it never changes a locked report — and the row points at the
station's identity (`station_identities`). Creating an assessment or importing a JSON export
attaches it to the existing station when district and street match (the caller may choose
"as a new station"); a new assessment of a station with an earlier one starts with that
assessment's profile, 片区 and communities, and its 需要关注 and 建议 as 上期评估意见 (status
未核实 until checked on site) — all editable.
"""
from __future__ import annotations

from db import assessments as assessments_db
from db import stations as _db
from db.errors import InvalidValue, NotFound

from core.agency import history
from core.assessment import team

NEW = "new"          # the caller's choice "as a new station"
AUTO = "auto"        # attach when district and street match


# ---------- identities ----------

def list_stations(db) -> list[dict]:
    """Every station (identity) with its latest name, district, street, agency code and the
    number of its assessments (not deleted), most recently assessed first."""
    rows = [r for r in _db.list_identities(db) if r["assessments"]]
    rows.sort(key=lambda r: (r["last_seen"] or "", r["id"]), reverse=True)
    return rows


def station_label(s: dict) -> str:
    code = f"（{s['agency_code']}）" if s.get("agency_code") else ""
    return f"{s.get('district') or ''}{s.get('name') or s.get('street') or ''}{code} · {s.get('assessments', 0)} 次评估"


def find_station(db, district: str, street: str, agency_code: str = "") -> dict | None:
    """The existing station (identity) at district + street, or None (also when either is empty)."""
    return history.match_identity([r for r in _db.list_identities(db) if r["assessments"]],
                                  district, street, agency_code)


def find_station_by_name(db, name: str) -> dict:
    """The station whose (latest) name, short name or street is `name` (a number: its id);
    InvalidValue naming the candidates when several match, NotFound when none."""
    name = (name or "").strip()
    stations = list_stations(db)
    if name.isdigit():
        hit = [s for s in stations if s["id"] == int(name)]
        if hit:
            return hit[0]
    exact = [s for s in stations if name in (s["name"], s["street"]) or name == f"{s['district']}{s['name']}"]
    if not exact:
        exact = [s for s in stations if name and name in (s["name"] or "")]
    if not exact:
        raise NotFound(f"找不到社工站“{name}”")
    if len(exact) > 1:
        raise InvalidValue(f"“{name}”对应多个社工站，请用编号：" + "；".join(
            f"{s['id']} {station_label(s)}" for s in exact))
    return exact[0]


def station_of_assessment(db, assessment_id: int) -> int:
    return _db.identity_of_assessment(db, assessment_id)


def assessments_of(db, identity_id: int) -> list[dict]:
    """The station's assessments (not deleted) in term order: contract year, 中期 before 末期."""
    return sorted(_db.identity_assessments(db, identity_id), key=history.term_order)


def latest_assessment(db, identity_id: int, before: int | None = None) -> dict | None:
    rows = [a for a in assessments_of(db, identity_id) if a["id"] != before]
    return rows[-1] if rows else None


# ---------- the carry-over ----------

def carry_over_of(db, assessment_id: int) -> dict:
    """What a new assessment of the same station starts with from assessment `assessment_id`:
    {station: its profile, areas: 片区 with communities, recommendations: 需要关注 and 建议 as
    上期评估意见 (未核实)}. The concerns are the report's 需要关注 as printed (the lead's edited
    items and the app's paragraphs placed by the framework, scrubbed), its own not-rectified
    previous recommendations by their text; the 建议 are the 结语's points."""
    from core.report import data as report_data
    from core.report import words as report_text

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


def create_assessment(db, station: dict, framework_id: str, lead_name: str, lead_pin: str, *,
                      attach=AUTO, **fields) -> dict:
    """Create an assessment with its lead, attached to its station.

    `station`: {name, district, street, agency_code, …}; `attach`: AUTO (the existing station
    at the same district + street, else a new one), NEW (a new station even when one matches)
    or an identity id. When the station has an earlier assessment, the new one starts with its
    profile (fields given here win), 片区 and 上期评估意见 (未核实). Returns {assessment_id,
    lead_id, station_id (identity), attached, carried_from, carried}."""
    district, street = station.get("district") or "", station.get("street") or ""
    code = station.get("agency_code") or ""
    if attach == AUTO:
        found = find_station(db, district, street, code)
        identity_id = found["id"] if found else None
    elif attach == NEW or attach is None:
        identity_id = None
    else:
        identity_id = _db.get_identity(db, int(attach))["id"]
    plan = None
    if identity_id is not None:
        earlier = latest_assessment(db, identity_id)
        if earlier is not None:
            plan = carry_over_of(db, earlier["id"])
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
    return {"assessment_id": aid, "lead_id": lead, "station_id": station_of_assessment(db, aid),
            "attached": identity_id is not None, "carried_from": plan["from"] if plan else None,
            "carried": len(plan["recommendations"]) if plan else 0}


def import_target(db, station_row: dict, attach=AUTO) -> int | None:
    """The identity an imported assessment's station row joins (None: a new one), by the same rule."""
    if attach == AUTO:
        found = find_station(db, station_row.get("district") or "", station_row.get("street") or "",
                             station_row.get("agency_code") or "")
        return found["id"] if found else None
    if attach == NEW or attach is None:
        return None
    return _db.get_identity(db, int(attach))["id"]


def new_identity(db, station_row: dict) -> int:
    return _db.create_identity(db, station_row.get("district") or "", station_row.get("street") or "",
                               station_row.get("agency_code") or "")
