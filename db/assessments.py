"""Stations, 片区, assessments, members and assignments: storage only.

Readers return plain rows. Writers are guarded (`db.guard.writer`): the guard checks the
lock, the membership and the role inside the write transaction, and each writer logs one
audit row. The rules (framework, PIN format and hashing, names, kinds) live in core.assessment.team,
which calls these with values it has already checked.
"""
from __future__ import annotations

import json

from . import audit
from .connection import transaction
from .errors import InvalidValue, NotFound
from .guard import writer

STATION_FIELDS = ("name", "short_name", "district", "street", "address", "operator", "purchaser",
                  "supervisor", "operating_since", "agency_code")
ASSESSMENT_FIELDS = ("kind", "period_label", "contract_start", "contract_end", "stats_start", "stats_end",
                     "visit_date", "funding_wan", "evaluator_org", "framework_id", "name", "report_history")
_MEMBER_COLS = "id, assessment_id, name, role, active, created_at"
# The frozen framework of an assessment: written by new_assessment and set_framework only.
FRAMEWORK_FIELDS = ("framework_version", "framework_data")


def _one(db, sql: str, params) -> dict | None:
    cur = db.execute(sql, list(params))
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row))


def _json_list(values) -> str:
    return json.dumps(list(values or []), ensure_ascii=False)


# ---------- readers ----------

def get_station(db, station_id: int) -> dict:
    st = _one(db, "SELECT * FROM stations WHERE id = ?", [station_id])
    if st is None:
        raise NotFound(f"找不到社工站 {station_id}")
    st["communities"] = json.loads(st["communities"])
    return st


def list_areas(db, station_id: int) -> list[dict]:
    rows = list(db.query("SELECT * FROM areas WHERE station_id = ? ORDER BY position, id", [station_id]))
    for r in rows:
        r["communities"] = json.loads(r["communities"])
    return rows


def get_assessment(db, assessment_id: int) -> dict:
    a = _one(db, "SELECT * FROM assessments WHERE id = ?", [assessment_id])
    if a is None:
        raise NotFound(f"找不到评估 {assessment_id}")
    return a


def list_assessments(db) -> list[dict]:
    """The assessments not deleted, newest first (without their frozen framework)."""
    return list(db.query(
        "SELECT a.id, a.station_id, a.kind, a.period_label, a.visit_date, a.evaluator_org, a.framework_id,"
        " a.framework_version, a.status, a.created_at, a.name, s.name AS station_name"
        " FROM assessments a JOIN stations s ON s.id = a.station_id"
        " WHERE a.id NOT IN (SELECT assessment_id FROM deleted_assessments) ORDER BY a.id DESC"))


def is_deleted(db, assessment_id: int) -> bool:
    return db.execute("SELECT 1 FROM deleted_assessments WHERE assessment_id = ?", [assessment_id]).fetchone() is not None


def list_deleted(db) -> list[dict]:
    """The deleted assessments (kept whole, restorable), newest deletion first."""
    return list(db.query(
        "SELECT d.*, s.name AS station_name, a.period_label, a.kind FROM deleted_assessments d"
        " JOIN assessments a ON a.id = d.assessment_id JOIN stations s ON s.id = a.station_id"
        " ORDER BY d.deleted_at DESC"))


def member_records(db, member_id: int) -> dict[str, int]:
    """How many rows of each table name this member (scores, findings, calls, …), the
    assignments and browser sign-ins (login_sessions) aside: a member with any cannot be removed,
    only deactivated."""
    out = {}
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                      " AND name NOT LIKE 'sqlite_%' AND name NOT IN ('members', 'assignments', 'login_sessions')")]
    for t in tables:
        for fk in db.execute(f'PRAGMA foreign_key_list("{t}")').fetchall():
            if fk[2] == "members":
                n = db.execute(f'SELECT COUNT(*) FROM "{t}" WHERE "{fk[3]}" = ?', [member_id]).fetchone()[0]
                if n:
                    out[t] = out.get(t, 0) + n
    return out


def has_scores(db, assessment_id: int) -> bool:
    return db.execute("SELECT 1 FROM scores WHERE assessment_id = ? LIMIT 1", [assessment_id]).fetchone() is not None


def get_member(db, member_id: int) -> dict:
    m = _one(db, f"SELECT {_MEMBER_COLS} FROM members WHERE id = ?", [member_id])
    if m is None:
        raise NotFound(f"找不到成员 {member_id}")
    return m


def find_member(db, assessment_id: int, name: str) -> dict | None:
    """The member of the assessment with this name, or None."""
    return _one(db, f"SELECT {_MEMBER_COLS} FROM members WHERE assessment_id = ? AND name = ?", [assessment_id, name])


def login_credentials(db, assessment_id: int, name: str) -> dict | None:
    """{id, pin_hash} of the active member with this name (for core.assessment.team.login), or None:
    a deactivated member, or one of a deleted assessment, cannot log in."""
    return _one(db, "SELECT id, pin_hash FROM members WHERE assessment_id = ? AND name = ? AND active = 1"
                " AND assessment_id NOT IN (SELECT assessment_id FROM deleted_assessments)", [assessment_id, name])


def assignments(db, assessment_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM assignments WHERE assessment_id = ? ORDER BY member_id, section_code, area_code",
                         [assessment_id]))


def list_members(db, assessment_id: int) -> list[dict]:
    """Members (lead first, then experts, then staff), each with `sections`: [(section, 片区), …]."""
    rows = list(db.query(f"SELECT {_MEMBER_COLS} FROM members WHERE assessment_id = ?"
                         " ORDER BY CASE role WHEN 'lead' THEN 0 WHEN 'expert' THEN 1 ELSE 2 END, id",
                         [assessment_id]))
    assigned = assignments(db, assessment_id)
    for r in rows:
        r["sections"] = [(x["section_code"], x["area_code"]) for x in assigned if x["member_id"] == r["id"]]
    return rows


# ---------- creators (unguarded: no member exists yet; see db.guard.UNGUARDED) ----------

def _new_identity(db, station_row: dict) -> int:
    """A station identity of its own for a station row created without one (core.agency.stations
    attaches a new assessment to an existing identity when district and street match)."""
    return db.execute("INSERT INTO station_identities (district, street, agency_code, created_at) VALUES (?, ?, ?, ?)",
                      [station_row.get("district") or "", station_row.get("street") or "",
                       station_row.get("agency_code") or "", audit.now()]).lastrowid


def create_station(db, fields: dict) -> int:
    """Insert a station (name and fields already checked); one audit row."""
    row = {k: (fields.get(k) or "") for k in STATION_FIELDS}
    row["communities"] = _json_list(fields.get("communities"))
    with transaction(db):
        row["identity_id"] = fields.get("identity_id") or _new_identity(db, row)
        station_id = db["stations"].insert(row).last_pk
        audit.log(db, None, None, "create", "station", station_id, new=row, actor="system")
    return station_id


def new_assessment(db, station: int | dict, assessment: dict, lead_name: str, lead_pin_hash: str) -> tuple[int, int]:
    """Create the assessment and its lead, and the station when `station` is a dict of its fields
    (an int is an existing station's id), all or nothing; one audit row. Return (assessment_id, lead_id)."""
    with transaction(db):
        if isinstance(station, dict):
            row = {k: (station.get(k) or "") for k in STATION_FIELDS}
            row["communities"] = _json_list(station.get("communities"))
            row["identity_id"] = station.get("identity_id") or _new_identity(db, row)
            station_id = db["stations"].insert(row).last_pk
        else:
            station_id = get_station(db, station)["id"]
            row = None
        a = {k: assessment.get(k) for k in ASSESSMENT_FIELDS}
        a.update(station_id=station_id, status="open", created_at=audit.now(), name=assessment.get("name") or "")
        frozen = {k: assessment.get(k) for k in FRAMEWORK_FIELDS}
        assessment_id = db["assessments"].insert(dict(a, **frozen)).last_pk
        lead_id = db["members"].insert(dict(assessment_id=assessment_id, name=lead_name, role="lead",
                                            pin_hash=lead_pin_hash, created_at=audit.now())).last_pk
        a["framework_version"] = frozen["framework_version"]   # the frozen data itself is not logged
        new = {"assessment": a, "lead": {"id": lead_id, "name": lead_name, "role": "lead"}}
        if row is not None:
            new["station"] = dict(row, id=station_id)
        audit.log(db, assessment_id, lead_id, "create", "assessment", assessment_id, new=new, actor=lead_name)
    return assessment_id, lead_id


# ---------- guarded writers ----------

@writer("lead", what="社工站信息")
def update_station(w, **fields) -> dict:
    """Change station fields (names in STATION_FIELDS, `communities` a list); return the changes."""
    station_id = w.assessment["station_id"]
    old = get_station(w.db, station_id)
    new = {k: v for k, v in fields.items() if k in STATION_FIELDS}
    if "communities" in fields:
        new["communities"] = _json_list(fields["communities"])
        old["communities"] = _json_list(old["communities"])
    changes = w.update_changed("stations", station_id, old, new, entity="station")
    keys = {k: changes[k] for k in ("district", "street", "agency_code") if k in changes}
    if keys and old.get("identity_id") is not None and w.db.execute(
            "SELECT COUNT(*) FROM stations WHERE identity_id = ?", [old["identity_id"]]).fetchone()[0] == 1:
        # The station's only assessment so far: its identity follows the corrected address.
        w.db["station_identities"].update(old["identity_id"], keys)
    return changes


@writer("lead", what="评估信息")
def update_assessment(w, **fields) -> dict:
    """Change assessment fields (names in ASSESSMENT_FIELDS; the framework through set_framework,
    which freezes it); return the changes."""
    if "framework_id" in fields and fields["framework_id"] != w.assessment["framework_id"]:
        raise InvalidValue("更换评估框架请用 set_framework（冻结框架内容）")
    new = {k: v for k, v in fields.items() if k in ASSESSMENT_FIELDS and k != "framework_id"}
    return w.update_changed("assessments", w.assessment_id, w.assessment, new, entity="assessment")


@writer("lead", what="片区")
def set_areas(w, areas: list[dict]) -> list[dict]:
    """Replace the station's 片区 with `areas`: [{code?, name, communities}] (names checked and unique).

    Codes stay stable by code or name; a new 片区 gets the next free P<n>. A removed 片区 takes
    its assignments with it; one that has scores cannot be removed. Return the new list.
    """
    db, station_id = w.db, w.assessment["station_id"]
    old = list_areas(db, station_id)
    names = [x["name"] for x in areas]
    kept = {x.get("code") for x in areas if x.get("code")} | {o["code"] for o in old if o["name"] in names}
    for o in old:
        if o["code"] not in kept and db.execute(
                "SELECT 1 FROM scores WHERE area_code = ? AND assessment_id IN"
                " (SELECT id FROM assessments WHERE station_id = ?) LIMIT 1", [o["code"], station_id]).fetchone():
            raise InvalidValue(f"{o['name']}已有专家评分，不能删除")
    by_name = {o["name"]: o["code"] for o in old}
    used = {o["code"] for o in old}
    new = []
    for x in areas:
        code = x.get("code") or by_name.get(x["name"])
        if not code:
            k = 1
            while f"P{k}" in used:
                k += 1
            code = f"P{k}"
        used.add(code)
        new.append({"code": code, "name": x["name"], "communities": list(x.get("communities") or [])})
    before = [{k: o[k] for k in ("code", "name", "communities")} for o in old]
    if new == before:
        return new
    db.execute("DELETE FROM areas WHERE station_id = ?", [station_id])
    for pos, x in enumerate(new):
        db["areas"].insert(dict(station_id=station_id, code=x["code"], name=x["name"], position=pos,
                                communities=_json_list(x["communities"])))
    # Assignments to a removed 片区 go with it (it has no scores: checked above).
    for code in [o["code"] for o in old if o["code"] not in {x["code"] for x in new}]:
        db.execute("DELETE FROM assignments WHERE area_code = ? AND assessment_id IN"
                   " (SELECT id FROM assessments WHERE station_id = ?)", [code, station_id])
    w.log("update", "areas", station_id, old=before, new=new)
    return new


def _replace_assignments(db, assessment_id: int, member_id: int, pairs) -> tuple[list, list]:
    """Replace a member's (section, 片区) pairs; return (old, new)."""
    old = [(r["section_code"], r["area_code"]) for r in db.query(
        "SELECT section_code, area_code FROM assignments WHERE member_id = ? ORDER BY id", [member_id])]
    new = list(dict.fromkeys((s, a or "") for s, a in pairs))
    if new != old:
        db.execute("DELETE FROM assignments WHERE member_id = ?", [member_id])
        for sec, area in new:
            db["assignments"].insert(dict(assessment_id=assessment_id, member_id=member_id,
                                          section_code=sec, area_code=area))
    return old, new


@writer("lead", what="评估成员")
def add_member(w, name: str, role: str, pin_hash: str, sections=()) -> int:
    """Add a member (name, role and uniqueness checked by core.assessment.team; PIN already hashed) with its
    (section, 片区) pairs; return its id."""
    member_id = w.db["members"].insert(dict(assessment_id=w.assessment_id, name=name, role=role,
                                            pin_hash=pin_hash, created_at=audit.now())).last_pk
    _, pairs = _replace_assignments(w.db, w.assessment_id, member_id, sections)
    w.log("create", "member", member_id, new={"name": name, "role": role, "sections": pairs})
    return member_id


def _end_sessions(db, member_id: int) -> None:
    """Revoke every browser sign-in of the member (login_sessions, migration 017): a new PIN, a
    deactivation or a removal signs the member out of every browser, after a restart too."""
    db.execute("DELETE FROM login_sessions WHERE member_id = ?", [member_id])


def _own_member(w, member_id: int) -> dict:
    m = _one(w.db, f"SELECT {_MEMBER_COLS} FROM members WHERE id = ?", [member_id])
    if m is None or m["assessment_id"] != w.assessment_id:
        w.deny("该成员不属于本评估")
    return m


@writer("lead", what="成员 PIN")
def set_pin(w, target_id: int, pin_hash: str) -> None:
    """Replace the PIN hash of member `target_id` (the PIN itself is never logged)."""
    m = _own_member(w, target_id)
    w.db.execute("UPDATE members SET pin_hash = ? WHERE id = ?", [pin_hash, target_id])
    _end_sessions(w.db, target_id)
    w.log("reset_pin", "member", target_id, new={"name": m["name"]})


@writer("lead", what="评分分工")
def set_assignments(w, target_id: int, sections) -> list:
    """Replace the (section, 片区) pairs of member `target_id` (checked against the framework); return them."""
    _own_member(w, target_id)
    old, new = _replace_assignments(w.db, w.assessment_id, target_id, sections)
    if new != old:
        w.log("assign", "member", target_id, old=old, new=new)
    return new


@writer("lead", what="评估锁定状态", when_locked=True)
def set_locked(w, locked: bool) -> None:
    """Lock (everyone read-only) or unlock the assessment; logged as lock / unlock."""
    old, new = w.assessment["status"], "locked" if locked else "open"
    if old == new:
        return
    w.db.execute("UPDATE assessments SET status = ? WHERE id = ?", [new, w.assessment_id])
    w.log("lock" if locked else "unlock", "assessment", w.assessment_id, old={"status": old}, new={"status": new})


@writer("lead", what="公开评分")
def set_scores_revealed(w, revealed: bool) -> None:
    """The lead reveals the experts' scores to the experts on 实时总览 (or withdraws it); logged as
    reveal / hide. Before, an expert's totals there come from their own cells only."""
    old = w.assessment.get("scores_revealed_at")
    if bool(old) == bool(revealed):
        return
    new = audit.now() if revealed else None
    w.db.execute("UPDATE assessments SET scores_revealed_at = ? WHERE id = ?", [new, w.assessment_id])
    w.log("reveal" if revealed else "hide", "assessment", w.assessment_id,
          old={"scores_revealed_at": old}, new={"scores_revealed_at": new})


@writer("lead", what="评估框架")
def set_framework(w, framework_id: str, version, data: str) -> None:
    """Freeze another framework (or another version) for the assessment: refused once anything is
    scored, so a past assessment's scores never change. `data` is the checked framework as JSON."""
    if has_scores(w.db, w.assessment_id):
        raise InvalidValue("已有专家评分，不能更换评估框架")
    a = w.assessment
    old = {"framework_id": a["framework_id"], "framework_version": a["framework_version"]}
    new = {"framework_id": framework_id, "framework_version": version}
    if old == new and a["framework_data"] == data:
        return
    w.db["assessments"].update(w.assessment_id, dict(new, framework_data=data))
    w.log("update", "assessment", w.assessment_id, old=old, new=new)


@writer("lead", what="评估成员")
def rename_member(w, target_id: int, name: str) -> None:
    """Rename member `target_id` (name checked and unique: core.assessment.team); scores and records keep
    pointing at the member, the audit log keeps the name each entry was made under."""
    m = _own_member(w, target_id)
    if m["name"] == name:
        return
    if find_member(w.db, w.assessment_id, name):
        raise InvalidValue(f"成员“{name}”已存在")
    w.db.execute("UPDATE members SET name = ? WHERE id = ?", [name, target_id])
    w.log("rename", "member", target_id, old={"name": m["name"]}, new={"name": name})


@writer("lead", what="评估成员")
def remove_member(w, target_id: int) -> None:
    """Remove member `target_id` with its assignments: refused for the lead themself and for a
    member who has scored or recorded anything (deactivate them instead)."""
    m = _own_member(w, target_id)
    if target_id == w.member_id:
        raise InvalidValue("不能删除自己")
    work = member_records(w.db, target_id)
    if work:
        raise InvalidValue(f"成员“{m['name']}”已有评分或记录，不能删除；可改为停用（停用后不能登录，也不再分配任务）")
    sections = [(r["section_code"], r["area_code"]) for r in w.db.query(
        "SELECT section_code, area_code FROM assignments WHERE member_id = ? ORDER BY id", [target_id])]
    w.db.execute("DELETE FROM assignments WHERE member_id = ?", [target_id])
    _end_sessions(w.db, target_id)
    w.db.execute("DELETE FROM members WHERE id = ?", [target_id])
    w.log("delete", "member", target_id, old={"name": m["name"], "role": m["role"], "sections": sections})


@writer("lead", what="评估成员")
def set_member_active(w, target_id: int, active: bool) -> None:
    """Deactivate (cannot log in, not offered for assignments; everything recorded is kept) or
    reactivate member `target_id`. The lead cannot deactivate themself."""
    m = _own_member(w, target_id)
    if target_id == w.member_id and not active:
        raise InvalidValue("不能停用自己")
    if bool(m["active"]) == bool(active):
        return
    w.db.execute("UPDATE members SET active = ? WHERE id = ?", [1 if active else 0, target_id])
    if not active:
        _end_sessions(w.db, target_id)
    w.log("activate" if active else "deactivate", "member", target_id, new={"name": m["name"]})


@writer("lead", what="评估")
def delete_assessment(w, label: str) -> None:
    """Delete the assessment (refused when locked, by the guard): it leaves every list and
    nobody can log in to it, but it is kept whole in deleted_assessments for the command line
    to restore (`python -m core restore-assessment ID`)."""
    if is_deleted(w.db, w.assessment_id):
        raise NotFound(f"评估 {w.assessment_id} 已删除")
    w.db["deleted_assessments"].insert(dict(assessment_id=w.assessment_id, label=label, member_id=w.member_id,
                                            deleted_by=w.member["name"], deleted_at=audit.now()))
    w.log("delete", "assessment", w.assessment_id, new={"label": label})


def restore_assessment(db, assessment_id: int) -> dict:
    """Bring a deleted assessment back, as it was (see db.guard.UNGUARDED: the command line
    restores it, no member of it can be logged in); one audit row. Return its deletion record."""
    with transaction(db):
        row = _one(db, "SELECT * FROM deleted_assessments WHERE assessment_id = ?", [assessment_id])
        if row is None:
            get_assessment(db, assessment_id)
            raise InvalidValue(f"评估 {assessment_id} 没有被删除，无需恢复")
        db.execute("DELETE FROM deleted_assessments WHERE assessment_id = ?", [assessment_id])
        audit.log(db, assessment_id, None, "restore", "assessment", assessment_id, actor="命令行",
                  old={"label": row["label"], "deleted_by": row["deleted_by"], "deleted_at": row["deleted_at"]})
    return row
