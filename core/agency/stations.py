"""Use cases of a station across terms (issue 16): its identity, the carry-over into a new
its history (the carry-over into a new assessment is core.terms').

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

from db import stations as _db
from db.errors import InvalidValue, NotFound

from core.agency import history

NEW = "new"          # the caller's choice "as a new station"
AUTO = "auto"        # attach when district and street match


# ---------- identities ----------

def list_stations(db) -> list[dict]:
    """Every station (identity) with its latest name, district, street, agency code and the
    number of its assessments (not deleted), most recently assessed first."""
    rows = [r for r in _db.list_identities(db) if r["assessments"]]
    rows.sort(key=lambda r: (r["last_seen"] or "", r["id"]), reverse=True)
    return rows


def names_elsewhere(db, assessment_id: int) -> dict[str, list[str]]:
    """Other stations' names, streets and districts and other assessments' people known to the
    database (db.stations.names_elsewhere), for the report's reviewer check."""
    return _db.names_elsewhere(db, assessment_id)


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
