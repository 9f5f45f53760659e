"""Stations, 片区, assessments, members, assignments, login and locking."""
from __future__ import annotations

import json

import sqlite_utils

from core.framework import get_framework
from core.pins import check_pin_format, hash_pin, verify_pin

from . import audit
from .connection import transaction
from .errors import AssessmentLocked, InvalidValue, LoginFailed, NotFound, PermissionDenied

ROLES = {"lead": "组长", "expert": "评估专家", "staff": "工作人员"}

STATION_FIELDS = ("name", "short_name", "district", "street", "address", "operator", "purchaser",
                  "supervisor", "operating_since")
ASSESSMENT_FIELDS = ("kind", "period_label", "contract_start", "contract_end", "stats_start", "stats_end",
                     "visit_date", "funding_wan", "evaluator_org", "framework_id")


# ---------- stations and 片区 ----------

def create_station(db, name: str, communities: list[str] = (), **fields) -> int:
    if not (name or "").strip():
        raise InvalidValue("社工站名称不能为空")
    row = {k: fields.get(k, "") or "" for k in STATION_FIELDS if k != "name"}
    row.update(name=name.strip(), communities=json.dumps(list(communities), ensure_ascii=False))
    with transaction(db):
        sid = db["stations"].insert(row).last_pk
        audit.log(db, None, None, "create", "station", sid, new=row, actor="system")
    return sid


def get_station(db, station_id: int) -> dict:
    try:
        st = db["stations"].get(station_id)
    except sqlite_utils.db.NotFoundError:
        raise NotFound(f"找不到社工站 {station_id}") from None
    st["communities"] = json.loads(st["communities"])
    return st


def update_station(db, assessment_id: int, member_id: int, **fields) -> None:
    a = get_assessment(db, assessment_id)
    _require_lead(db, assessment_id, member_id)
    _require_open(a)
    changes = {k: v for k, v in fields.items() if k in STATION_FIELDS or k == "communities"}
    if "communities" in changes:
        changes["communities"] = json.dumps(list(changes["communities"]), ensure_ascii=False)
    if "name" in changes and not (changes["name"] or "").strip():
        raise InvalidValue("社工站名称不能为空")
    with transaction(db):
        old = db["stations"].get(a["station_id"])
        db["stations"].update(a["station_id"], changes)
        audit.log(db, assessment_id, member_id, "update", "station", a["station_id"],
                  old={k: old[k] for k in changes}, new=changes)


def list_areas(db, station_id: int) -> list[dict]:
    rows = list(db.query("SELECT * FROM areas WHERE station_id = ? ORDER BY position, id", [station_id]))
    for r in rows:
        r["communities"] = json.loads(r["communities"])
    return rows


def set_areas(db, assessment_id: int, member_id: int | None, areas: list[dict]) -> None:
    """Replace the station's 片区: list of {code?, name, communities}. Codes stay stable by name."""
    a = get_assessment(db, assessment_id)
    if member_id is not None:
        _require_lead(db, assessment_id, member_id)
    _require_open(a)
    names = [(x.get("name") or "").strip() for x in areas]
    for n, name in enumerate(names, 1):
        if not name:
            raise InvalidValue(f"第 {n} 个片区：名称不能为空")
    if len(set(names)) != len(names):
        raise InvalidValue("片区名称重复")
    with transaction(db):
        old = list_areas(db, a["station_id"])
        kept = {x.get("code") for x in areas if x.get("code")} | {o["code"] for o in old if o["name"] in names}
        for o in old:
            if o["code"] not in kept and db.execute(
                    "SELECT 1 FROM scores WHERE area_code = ? AND assessment_id IN"
                    " (SELECT id FROM assessments WHERE station_id = ?) LIMIT 1", [o["code"], a["station_id"]]).fetchone():
                raise InvalidValue(f"{o['name']}已有专家评分，不能删除")
        by_name = {o["name"]: o["code"] for o in old}
        used = {o["code"] for o in old}
        db.execute("DELETE FROM areas WHERE station_id = ?", [a["station_id"]])
        new = []
        for pos, x in enumerate(areas):
            code = x.get("code") or by_name.get(names[pos])
            if not code:
                k = 1
                while f"P{k}" in used:
                    k += 1
                code = f"P{k}"
            used.add(code)
            row = dict(station_id=a["station_id"], code=code, name=names[pos], position=pos,
                       communities=json.dumps(list(x.get("communities") or []), ensure_ascii=False))
            db["areas"].insert(row)
            new.append({"code": code, "name": names[pos], "communities": list(x.get("communities") or [])})
        # Assignments to a removed 片区 go with it (it has no scores: checked above).
        removed = [o["code"] for o in old if o["code"] not in {x["code"] for x in new}]
        for code in removed:
            db.execute("DELETE FROM assignments WHERE area_code = ? AND assessment_id IN"
                       " (SELECT id FROM assessments WHERE station_id = ?)", [code, a["station_id"]])
        audit.log(db, assessment_id, member_id, "update", "areas", a["station_id"],
                  old=[{k: o[k] for k in ("code", "name", "communities")} for o in old], new=new,
                  actor="" if member_id else "system")


# ---------- assessments ----------

def create_assessment(db, station_id: int, framework_id: str, lead_name: str, lead_pin: str, **fields) -> tuple[int, int]:
    """Create an assessment with its lead; return (assessment_id, lead_member_id)."""
    get_framework(framework_id)  # raises FrameworkError with a Chinese message
    get_station(db, station_id)
    row = {k: fields.get(k) for k in ASSESSMENT_FIELDS if k != "framework_id"}
    row.update(station_id=station_id, framework_id=framework_id, status="open", created_at=audit.now(),
               kind=fields.get("kind") or "末期", period_label=fields.get("period_label") or "",
               evaluator_org=fields.get("evaluator_org") or "")
    if row["kind"] not in ("中期", "末期"):
        raise InvalidValue("评估类型应为“中期”或“末期”")
    with transaction(db):
        aid = db["assessments"].insert(row).last_pk
        audit.log(db, aid, None, "create", "assessment", aid, new=row, actor=lead_name)
        lead_id = _add_member(db, aid, lead_name, "lead", lead_pin, actor_id=None)
    return aid, lead_id


def new_assessment(db, station: dict, framework_id: str, lead_name: str, lead_pin: str, **fields) -> tuple[int, int]:
    """Create a station and its assessment with the lead, all or nothing."""
    station = dict(station)
    with transaction(db):
        sid = create_station(db, station.pop("name", ""), station.pop("communities", []), **station)
        return create_assessment(db, sid, framework_id, lead_name, lead_pin, **fields)


def get_assessment(db, assessment_id: int) -> dict:
    row = db.execute("SELECT * FROM assessments WHERE id = ?", [assessment_id]).fetchone()
    if row is None:
        raise NotFound(f"找不到评估 {assessment_id}")
    cols = [d[0] for d in db.execute("SELECT * FROM assessments LIMIT 0").description]
    return dict(zip(cols, row))


def update_assessment(db, assessment_id: int, member_id: int, **fields) -> None:
    a = get_assessment(db, assessment_id)
    _require_lead(db, assessment_id, member_id)
    _require_open(a)
    changes = {k: v for k, v in fields.items() if k in ASSESSMENT_FIELDS}
    if "framework_id" in changes and changes["framework_id"] != a["framework_id"]:
        get_framework(changes["framework_id"])
        if db.execute("SELECT 1 FROM scores WHERE assessment_id = ? LIMIT 1", [assessment_id]).fetchone():
            raise InvalidValue("已有专家评分，不能更换评估框架")
    if "kind" in changes and changes["kind"] not in ("中期", "末期"):
        raise InvalidValue("评估类型应为“中期”或“末期”")
    with transaction(db):
        db["assessments"].update(assessment_id, changes)
        audit.log(db, assessment_id, member_id, "update", "assessment", assessment_id,
                  old={k: a[k] for k in changes}, new=changes)


def list_assessments(db) -> list[dict]:
    return list(db.query(
        "SELECT a.*, s.name AS station_name FROM assessments a JOIN stations s ON s.id = a.station_id"
        " ORDER BY a.id DESC"))


def assessment_title(db, assessment_id: int) -> str:
    a = get_assessment(db, assessment_id)
    st = get_station(db, a["station_id"])
    return f"{a['period_label']}{st['district']}{st['name']} {a['kind']}评估报告".strip()


def set_locked(db, assessment_id: int, member_id: int, locked: bool) -> None:
    a = get_assessment(db, assessment_id)
    _require_lead(db, assessment_id, member_id)
    new = "locked" if locked else "open"
    if a["status"] == new:
        return
    with transaction(db):
        db.execute("UPDATE assessments SET status = ? WHERE id = ?", [new, assessment_id])
        audit.log(db, assessment_id, member_id, "lock" if locked else "unlock", "assessment", assessment_id,
                  old={"status": a["status"]}, new={"status": new})


def is_locked(db, assessment_id: int) -> bool:
    return get_assessment(db, assessment_id)["status"] == "locked"


def _require_open(a: dict) -> None:
    if a["status"] == "locked":
        raise AssessmentLocked()


def require_open(db, assessment_id: int) -> None:
    """Raise AssessmentLocked when the assessment is locked (for other db modules)."""
    _require_open(get_assessment(db, assessment_id))


def _require_lead(db, assessment_id: int, member_id: int) -> dict:
    m = get_member(db, member_id)
    if m["assessment_id"] != assessment_id or m["role"] != "lead":
        raise PermissionDenied("只有本评估的组长可以进行此操作")
    return m


def require_lead(db, assessment_id: int, member_id: int) -> dict:
    return _require_lead(db, assessment_id, member_id)


# ---------- members, login, assignments ----------

def _add_member(db, assessment_id: int, name: str, role: str, pin: str, actor_id: int | None) -> int:
    name = (name or "").strip()
    if not name:
        raise InvalidValue("成员姓名不能为空")
    if role not in ROLES:
        raise InvalidValue(f"未知角色“{role}”")
    err = check_pin_format(pin)
    if err:
        raise InvalidValue(f"成员“{name}”：{err}")
    if db.execute("SELECT 1 FROM members WHERE assessment_id = ? AND name = ?", [assessment_id, name]).fetchone():
        raise InvalidValue(f"成员“{name}”已存在")
    mid = db["members"].insert(dict(assessment_id=assessment_id, name=name, role=role,
                                    pin_hash=hash_pin(pin), created_at=audit.now())).last_pk
    audit.log(db, assessment_id, actor_id, "create", "member", mid, new={"name": name, "role": role},
              actor="" if actor_id else name)
    return mid


def add_member(db, assessment_id: int, actor_id: int, name: str, role: str, pin: str,
               sections: list[str] | list[tuple[str, str]] = ()) -> int:
    _require_lead(db, assessment_id, actor_id)
    require_open(db, assessment_id)
    with transaction(db):
        mid = _add_member(db, assessment_id, name, role, pin, actor_id)
        if sections:
            _set_assignments(db, assessment_id, actor_id, mid, sections)
    return mid


def get_member(db, member_id: int) -> dict:
    row = db.execute("SELECT id, assessment_id, name, role, created_at FROM members WHERE id = ?", [member_id]).fetchone()
    if row is None:
        raise NotFound(f"找不到成员 {member_id}")
    return dict(zip(("id", "assessment_id", "name", "role", "created_at"), row))


def list_members(db, assessment_id: int) -> list[dict]:
    rows = list(db.query("SELECT id, assessment_id, name, role, created_at FROM members"
                         " WHERE assessment_id = ? ORDER BY CASE role WHEN 'lead' THEN 0 WHEN 'expert' THEN 1 ELSE 2 END, id",
                         [assessment_id]))
    assigned = assignments(db, assessment_id)
    for r in rows:
        r["sections"] = [(x["section_code"], x["area_code"]) for x in assigned if x["member_id"] == r["id"]]
    return rows


def login(db, assessment_id: int, name: str, pin: str) -> dict:
    row = db.execute("SELECT id, pin_hash FROM members WHERE assessment_id = ? AND name = ?",
                     [assessment_id, (name or "").strip()]).fetchone()
    if row is None or not verify_pin(pin or "", row[1]):
        raise LoginFailed("姓名或 PIN 不正确")
    return get_member(db, row[0])


def set_pin(db, assessment_id: int, actor_id: int, member_id: int, pin: str) -> None:
    _require_lead(db, assessment_id, actor_id)
    err = check_pin_format(pin)
    if err:
        raise InvalidValue(err)
    with transaction(db):
        db.execute("UPDATE members SET pin_hash = ? WHERE id = ? AND assessment_id = ?", [hash_pin(pin), member_id, assessment_id])
        audit.log(db, assessment_id, actor_id, "reset_pin", "member", member_id)


def assignments(db, assessment_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM assignments WHERE assessment_id = ? ORDER BY member_id, section_code, area_code",
                         [assessment_id]))


def _set_assignments(db, assessment_id, actor_id, member_id, sections) -> None:
    fw = get_framework(get_assessment(db, assessment_id)["framework_id"])
    pairs = []
    for s in sections:
        sec, area = (s, "") if isinstance(s, str) else (s[0], s[1] or "")
        try:
            fw.section(sec)
        except KeyError:
            raise InvalidValue(f"未知指标部分“{sec}”") from None
        pairs.append((sec, area))
    old = [(r["section_code"], r["area_code"]) for r in db.query(
        "SELECT section_code, area_code FROM assignments WHERE member_id = ?", [member_id])]
    db.execute("DELETE FROM assignments WHERE member_id = ?", [member_id])
    for sec, area in dict.fromkeys(pairs):
        db["assignments"].insert(dict(assessment_id=assessment_id, member_id=member_id, section_code=sec, area_code=area))
    audit.log(db, assessment_id, actor_id, "assign", "member", member_id, old=old, new=pairs)


def set_assignments(db, assessment_id: int, actor_id: int, member_id: int, sections) -> None:
    """Replace a member's sections: ['A', ('B', 'P1'), ...]; ('B', '') = every 片区."""
    _require_lead(db, assessment_id, actor_id)
    require_open(db, assessment_id)
    m = get_member(db, member_id)
    if m["assessment_id"] != assessment_id:
        raise PermissionDenied("该成员不属于本评估")
    with transaction(db):
        _set_assignments(db, assessment_id, actor_id, member_id, sections)


def assigned_cells(db, assessment_id: int, member_id: int) -> list[tuple[str, str]]:
    """(indicator_code, area_code) pairs this member is to score."""
    a = get_assessment(db, assessment_id)
    fw = get_framework(a["framework_id"])
    areas = [x["code"] for x in list_areas(db, a["station_id"])]
    out = []
    for r in db.query("SELECT section_code, area_code FROM assignments WHERE member_id = ?", [member_id]):
        try:
            sec = fw.section(r["section_code"])
        except KeyError:
            continue
        for ind in sec.indicators:
            if ind.scope == "area":
                for ac in ([r["area_code"]] if r["area_code"] else areas):
                    out.append((ind.code, ac))
            else:
                out.append((ind.code, ""))
    return list(dict.fromkeys(out))
