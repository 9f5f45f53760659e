"""Use cases of the assessment set-up: stations, 片区, assessments, members, assignments, login, lock.

The rules live here (framework and section codes, PIN format and hashing, kinds, names,
duplicates, communities); db.assessments stores what these have checked, through the
write guard (lock, membership and role are checked there, inside the transaction).
"""
from __future__ import annotations

import re

from db import assessments as store
from db import audit as audit_db
from db.assessments import (  # noqa: F401  (readers, re-exported for the pages and other areas)
    assignments, get_assessment, get_member, get_station, list_areas, list_assessments, list_members,
)
from db.connection import transaction
from db.errors import InvalidValue, LoginFailed, NotFound

from .framework import FrameworkError, get_framework
from .labels import ASSESSMENT_KINDS, AUDIT_ACTIONS, AUDIT_ENTITIES, ROLES, label  # noqa: F401
from .pins import check_pin_format, hash_pin, verify_pin
from .privacy import scrubber

_SPLIT = re.compile(r"[、，,\n\r]+")


# ---------- rules ----------

def split_communities(text) -> list[str]:
    """'甲社区、乙社区，丙社区' (顿号, commas or new lines) -> ['甲社区', '乙社区', '丙社区'].
    A list is cleaned the same way (blanks dropped)."""
    parts = _SPLIT.split(text or "") if isinstance(text, str) else list(text or ())
    return [p.strip() for p in parts if p and p.strip()]


def _name(value, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidValue(message)
    return value


def _framework(framework_id: str):
    try:
        return get_framework(framework_id)
    except FrameworkError as e:
        raise InvalidValue(str(e)) from None


def _kind(kind) -> str:
    if kind not in ASSESSMENT_KINDS:
        raise InvalidValue("评估类型应为“中期”或“末期”")
    return kind


def _pin_hash(pin: str, who: str | None = None) -> str:
    err = check_pin_format(pin)
    if err:
        raise InvalidValue(f"成员“{who}”：{err}" if who else err)
    return hash_pin(pin)


def _pairs(framework_id: str, sections) -> list[tuple[str, str]]:
    """['A', ('B', 'P1'), …] -> [('A', ''), ('B', 'P1')], each section known to the framework."""
    fw = _framework(framework_id)
    out = []
    for s in sections or ():
        sec, area = (s, "") if isinstance(s, str) else (s[0], s[1] or "")
        try:
            fw.section(sec)
        except KeyError:
            raise InvalidValue(f"未知指标部分“{sec}”") from None
        out.append((sec, area))
    return list(dict.fromkeys(out))


def _station_fields(fields: dict) -> dict:
    out = {k: v for k, v in fields.items() if k in store.STATION_FIELDS}
    if "name" in out:
        out["name"] = _name(out["name"], "社工站名称不能为空")
    if "communities" in fields:
        out["communities"] = split_communities(fields["communities"])
    return out


def _assessment_fields(framework_id: str, fields: dict) -> dict:
    _framework(framework_id)
    row = {k: fields.get(k) for k in store.ASSESSMENT_FIELDS}
    row.update(framework_id=framework_id, kind=_kind(fields.get("kind") or "末期"),
               period_label=fields.get("period_label") or "", evaluator_org=fields.get("evaluator_org") or "")
    return row


# ---------- stations and assessments ----------

def create_station(db, name: str, communities=(), **fields) -> int:
    """A new station (no assessment yet); return its id."""
    return store.create_station(db, _station_fields(dict(fields, name=name, communities=communities)))


def create_assessment(db, station_id: int, framework_id: str, lead_name: str, lead_pin: str,
                      **fields) -> tuple[int, int]:
    """An assessment of an existing station, with its lead; return (assessment_id, lead_member_id)."""
    row = _assessment_fields(framework_id, fields)
    lead_name = _name(lead_name, "成员姓名不能为空")
    return store.new_assessment(db, station_id, row, lead_name, _pin_hash(lead_pin, lead_name))


def new_assessment(db, station: dict, framework_id: str, lead_name: str, lead_pin: str,
                   **fields) -> tuple[int, int]:
    """A new station, its assessment and the lead, all or nothing; return (assessment_id, lead_member_id)."""
    station = _station_fields(dict(station, name=station.get("name", "")))
    row = _assessment_fields(framework_id, fields)
    lead_name = _name(lead_name, "成员姓名不能为空")
    return store.new_assessment(db, station, row, lead_name, _pin_hash(lead_pin, lead_name))


def update_station(db, assessment_id: int, member_id: int, **fields) -> dict:
    """The lead changes station fields (`communities`: a list or typed text); return the changes."""
    return store.update_station(db, assessment_id, member_id, **_station_fields(fields))


def update_assessment(db, assessment_id: int, member_id: int, **fields) -> dict:
    """The lead changes assessment fields; the framework only while nothing is scored."""
    if "kind" in fields:
        _kind(fields["kind"])
    with transaction(db):
        a = get_assessment(db, assessment_id)
        if "framework_id" in fields and fields["framework_id"] != a["framework_id"]:
            _framework(fields["framework_id"])
            if store.has_scores(db, assessment_id):
                raise InvalidValue("已有专家评分，不能更换评估框架")
        return store.update_assessment(db, assessment_id, member_id, **fields)


def set_areas(db, assessment_id: int, member_id: int, areas: list[dict]) -> list[dict]:
    """The lead replaces the 片区: [{code?, name, communities}] (codes stay stable); return the new list."""
    clean = []
    for n, x in enumerate(areas, 1):
        row = {"name": _name(x.get("name"), f"第 {n} 个片区：名称不能为空"),
               "communities": split_communities(x.get("communities"))}
        if x.get("code"):
            row["code"] = x["code"]
        clean.append(row)
    if len({x["name"] for x in clean}) != len(clean):
        raise InvalidValue("片区名称重复")
    return store.set_areas(db, assessment_id, member_id, clean)


def assessment_title(db, assessment_id: int) -> str:
    """'2023—2024 年度天河区元岗街社工服务站 末期评估报告'."""
    return assessment_header(db, assessment_id)["title"]


def is_locked(db, assessment_id: int) -> bool:
    return get_assessment(db, assessment_id)["status"] == "locked"


def set_locked(db, assessment_id: int, member_id: int, locked: bool) -> None:
    """The lead locks (everyone read-only) or unlocks; both are logged."""
    store.set_locked(db, assessment_id, member_id, bool(locked))


# ---------- members, login, assignments ----------

def add_member(db, assessment_id: int, actor_id: int, name: str, role: str, pin: str,
               sections=()) -> int:
    """The lead adds a member with a PIN and the sections to score ['A', ('B', 'P1')]; return its id."""
    name = _name(name, "成员姓名不能为空")
    if role not in ROLES:
        raise InvalidValue(f"未知角色“{role}”")
    pin_hash = _pin_hash(pin, name)  # slow: hashed before the write transaction
    with transaction(db):
        pairs = _pairs(get_assessment(db, assessment_id)["framework_id"], sections)
        if store.find_member(db, assessment_id, name):
            raise InvalidValue(f"成员“{name}”已存在")
        return store.add_member(db, assessment_id, actor_id, name, role, pin_hash, pairs)


def set_pin(db, assessment_id: int, actor_id: int, member_id: int, pin: str) -> None:
    """The lead sets a member's new PIN."""
    store.set_pin(db, assessment_id, actor_id, member_id, _pin_hash(pin))


def set_assignments(db, assessment_id: int, actor_id: int, member_id: int, sections) -> list:
    """The lead replaces a member's sections: ['A', ('B', 'P1'), …]; ('B', '') = every 片区."""
    with transaction(db):
        pairs = _pairs(get_assessment(db, assessment_id)["framework_id"], sections)
        return store.set_assignments(db, assessment_id, actor_id, member_id, pairs)


def login(db, assessment_id: int, name: str, pin: str) -> dict:
    """The member with this name and PIN, or LoginFailed."""
    row = store.login_credentials(db, assessment_id, (name or "").strip())
    if row is None or not verify_pin(pin or "", row["pin_hash"]):
        raise LoginFailed("姓名或 PIN 不正确")
    return get_member(db, row["id"])


def session_member(db, member_id: int) -> dict | None:
    """{assessment_id, member_id, name, role} of a logged-in member, or None when gone."""
    try:
        m = get_member(db, member_id)
    except NotFound:
        return None
    return {"assessment_id": m["assessment_id"], "member_id": m["id"], "name": m["name"], "role": m["role"]}


def assessment_header(db, assessment_id: int) -> dict:
    """What the sidebar and titles show: station name, kind, title, locked."""
    a = get_assessment(db, assessment_id)
    st = get_station(db, a["station_id"])
    return {"station_name": st["name"], "kind": a["kind"], "locked": a["status"] == "locked",
            "title": f"{a['period_label']}{st['district']}{st['name']} {a['kind']}评估报告".strip()}


def assigned_cells(db, assessment_id: int, member_id: int) -> list[tuple[str, str]]:
    """(indicator_code, area_code) pairs this member is to score."""
    a = get_assessment(db, assessment_id)
    fw = get_framework(a["framework_id"])
    areas = [x["code"] for x in list_areas(db, a["station_id"])]
    out = []
    for r in assignments(db, assessment_id):
        if r["member_id"] != member_id:
            continue
        try:
            sec = fw.section(r["section_code"])
        except KeyError:
            continue
        for ind in sec.indicators:
            if ind.scope == "area":
                out += [(ind.code, ac) for ac in ([r["area_code"]] if r["area_code"] else areas)]
            else:
                out.append((ind.code, ""))
    return list(dict.fromkeys(out))


# ---------- the audit log, for display ----------

def audit_entries(db, assessment_id: int, limit: int | None = None) -> list[dict]:
    """The assessment's audit rows, newest first, for display: Chinese action and entity labels
    (codes kept as action_code / entity_code), old and new values masked by the scrubber."""
    scrub = scrubber(db, assessment_id)
    return [{"id": r["id"], "at": (r["at"] or "").replace("T", " "), "actor": r["actor"] or "",
             "action": label(AUDIT_ACTIONS, r["action"]), "entity": label(AUDIT_ENTITIES, r["entity"]),
             "action_code": r["action"], "entity_code": r["entity"], "key": r["entity_key"],
             "old": scrub(r["old"] or ""), "new": scrub(r["new"] or "")}
            for r in audit_db.entries(db, assessment_id, limit)]
