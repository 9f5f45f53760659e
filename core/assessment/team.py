"""Use cases of the assessment set-up: stations, 片区, assessments, members, assignments, login, lock.

The rules live here (framework and section codes, PIN format and hashing, kinds, names,
duplicates, communities); db.assessments stores what these have checked, through the
write guard (lock, membership and role are checked there, inside the transaction).
"""
from __future__ import annotations

import re
import time

from db import assessments as store
from db import audit as audit_db
from db import logins
from db.assessments import (  # noqa: F401  (readers, re-exported for the pages and other areas)
    assignments, get_assessment, get_member, get_station, list_areas, list_assessments, list_members,
)
from db.connection import transaction
from db.errors import InvalidValue, LoginFailed, NotFound, PermissionDenied

from core.framework import library as framework_library
from core.assessment import pins
from core.assessment.audit_text import actor_label, codes_for, describe, key_text, mask_people
from core.framework.model import Framework, FrameworkError, framework_of_row
from core.labels import ASSESSMENT_FIELDS, ASSESSMENT_KINDS, AUDIT_ACTIONS, AUDIT_ENTITIES, ROLES, STATION_FIELDS, label  # noqa: F401
from core.assessment.pins import check_pin_format, hash_pin, verify_pin
from core.privacy import scrubber

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


def framework_of(db, assessment_id: int) -> Framework:
    """THE framework of an assessment: the copy frozen in it when it was set up (or when the lead
    changed it before anything was scored). Every score, suggestion, page and report of the
    assessment resolves its framework here, so editing a framework never changes a past
    assessment."""
    try:
        return framework_of_row(get_assessment(db, assessment_id))
    except FrameworkError as e:
        raise InvalidValue(str(e)) from None


def framework_version(db, assessment_id: int) -> dict:
    """{id, name, version, latest, can_update}: the frozen framework, and the library's latest
    version of it (`can_update` while nothing is scored and the assessment is open)."""
    a = get_assessment(db, assessment_id)
    fw = framework_of(db, assessment_id)
    try:
        _, latest, _ = framework_library.resolve(db, a["framework_id"])
    except InvalidValue:
        latest = None
    version = a["framework_version"] or fw.version
    return {"id": a["framework_id"], "name": fw.name, "version": version, "latest": latest,
            "can_update": latest is not None and latest != version and a["status"] == "open"
            and not store.has_scores(db, assessment_id)}


def _kind(kind) -> str:
    if kind not in ASSESSMENT_KINDS:
        raise InvalidValue("评估类型应为“中期”或“末期”")
    return kind


def _pin_hash(pin: str, who: str | None = None) -> str:
    err = check_pin_format(pin)
    if err:
        raise InvalidValue(f"成员“{who}”：{err}" if who else err)
    return hash_pin(pin)


def _pairs(fw: Framework, sections) -> list[tuple[str, str]]:
    """['A', ('B', 'P1'), …] -> [('A', ''), ('B', 'P1')], each section known to the framework."""
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


def _assessment_fields(db, framework_id: str, fields: dict) -> dict:
    """The assessment's row, with the framework frozen in it (its version and content); `frozen_framework`
    (version, content) freezes exactly the framework an earlier assessment used (the next term)."""
    frozen = fields.get("frozen_framework")
    _, version, data = (None, *frozen) if frozen else framework_library.resolve(db, framework_id)
    row = {k: fields.get(k) for k in store.ASSESSMENT_FIELDS}
    row.update(framework_id=framework_id, kind=_kind(fields.get("kind") or "末期"),
               period_label=fields.get("period_label") or "", evaluator_org=fields.get("evaluator_org") or "",
               name=(fields.get("name") or "").strip(), framework_version=version, framework_data=data)
    return row


# ---------- stations and assessments ----------

def create_station(db, name: str, communities=(), **fields) -> int:
    """A new station (no assessment yet); return its id."""
    return store.create_station(db, _station_fields(dict(fields, name=name, communities=communities)))


def create_assessment(db, station_id: int, framework_id: str, lead_name: str, lead_pin: str,
                      **fields) -> tuple[int, int]:
    """An assessment of an existing station, with its lead; return (assessment_id, lead_member_id)."""
    row = _assessment_fields(db, framework_id, fields)
    lead_name = _name(lead_name, "成员姓名不能为空")
    return store.new_assessment(db, station_id, row, lead_name, _pin_hash(lead_pin, lead_name))


def new_assessment(db, station: dict, framework_id: str, lead_name: str, lead_pin: str, *,
                   identity_id: int | None = None, then=None, **fields) -> tuple[int, int]:
    """A new station row, its assessment and the lead, all or nothing; return (assessment_id,
    lead_member_id). `identity_id`: the station (across terms) it belongs to (core.agency.stations);
    `then(assessment_id, lead_id)` runs in the same transaction (the carry-over)."""
    station = _station_fields(dict(station, name=station.get("name", "")))
    station["identity_id"] = identity_id
    row = _assessment_fields(db, framework_id, fields)
    lead_name = _name(lead_name, "成员姓名不能为空")
    # slow: hashed before the write transaction; `lead_pin_hash` keeps the lead's PIN of an earlier term
    pin_hash = fields.get("lead_pin_hash") or _pin_hash(lead_pin, lead_name)
    with transaction(db):
        if callable(identity_id):
            station["identity_id"] = identity_id()
        ids = store.new_assessment(db, station, row, lead_name, pin_hash)
        if then is not None:
            then(*ids)
    return ids


def update_station(db, assessment_id: int, member_id: int, **fields) -> dict:
    """The lead changes station fields (`communities`: a list or typed text); return the changes."""
    return store.update_station(db, assessment_id, member_id, **_station_fields(fields))


def update_assessment(db, assessment_id: int, member_id: int, **fields) -> dict:
    """The lead changes assessment fields; the framework only while nothing is scored (it is
    frozen again: its latest version's content is copied into the assessment)."""
    if "kind" in fields:
        _kind(fields["kind"])
    fields = dict(fields)
    framework_id = fields.pop("framework_id", None)
    with transaction(db):
        a = get_assessment(db, assessment_id)
        changes = {}
        if framework_id is not None and framework_id != a["framework_id"]:
            use_framework(db, assessment_id, member_id, framework_id)
            changes["framework_id"] = framework_id
        if fields:
            changes.update(store.update_assessment(db, assessment_id, member_id, **fields))
        return changes


def use_framework(db, assessment_id: int, member_id: int, framework_id: str) -> int:
    """The lead freezes the latest version of `framework_id` for the assessment (another framework,
    or a newer version of the same one); refused once anything is scored. Return the version."""
    with transaction(db):
        _, version, data = framework_library.resolve(db, framework_id)
        store.set_framework(db, assessment_id, member_id, framework_id, version, data)
    return version


def rename_assessment(db, assessment_id: int, member_id: int, name: str) -> str:
    """The lead names the assessment as it is listed at login ('' = station, period and kind)."""
    name = (name or "").strip()
    store.update_assessment(db, assessment_id, member_id, name=name)
    return name


def assessment_label(a: dict) -> str:
    """How an assessment is listed: its name, else '#id 站名 · 年度末期评估 · 日期'."""
    if a.get("name"):
        return f"#{a['id']} {a['name']}"
    return f"#{a['id']} {a['station_name']} · {a['period_label']}{a['kind']}评估 · {a['visit_date'] or ''}".rstrip(" ·")


def delete_assessment(db, assessment_id: int, member_id: int, confirm: str) -> None:
    """The lead deletes the assessment after typing its station's name (refused when locked);
    it is kept whole and the command line can restore it (restore_assessment)."""
    with transaction(db):
        a = get_assessment(db, assessment_id)
        station_name = get_station(db, a["station_id"])["name"]
        if (confirm or "").strip() != station_name:
            raise InvalidValue(f"请输入社工站名称“{station_name}”以确认删除")
        label_ = assessment_label(dict(a, station_name=station_name))
        store.delete_assessment(db, assessment_id, member_id, label_)


def deleted_assessments(db) -> list[dict]:
    return store.list_deleted(db)


def restore_assessment(db, assessment_id: int) -> dict:
    """Bring a deleted assessment back as it was (command line); return its deletion record."""
    return store.restore_assessment(db, assessment_id)


# Station fields the report's cover, header and footer print: the pre-export check lists those empty.
REQUIRED_STATION_FIELDS = (
    ("assessment", "evaluator_org"), ("assessment", "period_label"), ("assessment", "visit_date"), ("station", "name"),
    ("station", "district"), ("station", "street"), ("station", "operator"), ("station", "purchaser"),
    ("station", "supervisor"),
)
_FIELD_LABELS = {"assessment": ASSESSMENT_FIELDS, "station": STATION_FIELDS}


def missing_station_fields(db, assessment_id: int) -> list[str]:
    """The labels of the required station and assessment fields still empty (评估方 among them),
    in the set-up page's order: the pre-export check lists them."""
    a = get_assessment(db, assessment_id)
    st = get_station(db, a["station_id"])
    rows = {"assessment": a, "station": st}
    return [_FIELD_LABELS[where][field] for where, field in REQUIRED_STATION_FIELDS
            if not str(rows[where].get(field) or "").strip()]


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
        pairs = _pairs(framework_of(db, assessment_id), sections)
        if store.find_member(db, assessment_id, name):
            raise InvalidValue(f"成员“{name}”已存在")
        return store.add_member(db, assessment_id, actor_id, name, role, pin_hash, pairs)


def set_pin(db, assessment_id: int, actor_id: int, member_id: int, pin: str) -> None:
    """The lead sets a member's new PIN; a wrong-PIN lock of the member is lifted with it."""
    store.set_pin(db, assessment_id, actor_id, member_id, _pin_hash(pin))
    if logins.counters(db, assessment_id, [(logins.MEMBER, str(member_id))]):
        unlock_login(db, assessment_id, actor_id, logins.MEMBER, str(member_id))


def set_assignments(db, assessment_id: int, actor_id: int, member_id: int, sections) -> list:
    """The lead replaces a member's sections: ['A', ('B', 'P1'), …]; ('B', '') = every 片区."""
    with transaction(db):
        m = get_member(db, member_id)
        if not m["active"] and sections:
            raise InvalidValue(f"成员“{m['name']}”已停用，不能分配评分任务")
        pairs = _pairs(framework_of(db, assessment_id), sections)
        return store.set_assignments(db, assessment_id, actor_id, member_id, pairs)


def rename_member(db, assessment_id: int, actor_id: int, member_id: int, name: str) -> str:
    """The lead corrects a member's name (unique in the assessment); return it."""
    name = _name(name, "成员姓名不能为空")
    store.rename_member(db, assessment_id, actor_id, member_id, name)
    return name


def remove_member(db, assessment_id: int, actor_id: int, member_id: int) -> None:
    """The lead removes a member added by mistake: refused once they have scored or recorded
    anything (then deactivate_member)."""
    store.remove_member(db, assessment_id, actor_id, member_id)


def set_member_active(db, assessment_id: int, actor_id: int, member_id: int, active: bool) -> None:
    """The lead deactivates a member (cannot log in, not offered for assignments or calls;
    everything they recorded is kept) or reactivates them."""
    store.set_member_active(db, assessment_id, actor_id, member_id, bool(active))


def require_member(db, assessment_id: int, member_id: int, roles, what: str) -> dict:
    """The member, when they belong to the assessment and hold one of `roles`; else PermissionDenied
    naming `what` (for use cases that read before reaching a guarded writer, which checks again)."""
    m = get_member(db, member_id)
    if m["assessment_id"] != assessment_id:
        raise PermissionDenied("该成员不属于本评估")
    if m["role"] not in roles:
        raise PermissionDenied(f"{m['name']}的角色无权修改{what}")
    return m


def active_members(db, assessment_id: int) -> list[dict]:
    """The members who can log in and be given work."""
    return [m for m in list_members(db, assessment_id) if m["active"]]


LOCAL_ADDRESS = "本机"   # the client address of a browser on the server's own machine


def login(db, assessment_id: int, name: str, pin: str, address: str | None = None,
          now: float | None = None) -> dict:
    """The member with this name and PIN, or LoginFailed.

    Wrong PINs are throttled per member and per client `address` (core.assessment.pins: after 5 a growing
    delay, after 10 a 15-minute lock only the lead or the command line lifts early). The attempt
    is counted as a failure *before* the PIN is checked (one transaction), so parallel guesses
    cannot slip past the counters; a correct PIN then resets them. Attempts made while waiting or
    locked are refused without looking at the PIN (counted as `refused`); every wrong PIN writes
    a 登录失败 audit row."""
    now = time.time() if now is None else now
    name = (name or "").strip()
    address = (address or "").strip() or LOCAL_ADDRESS
    try:
        get_assessment(db, assessment_id)
    except NotFound:
        raise LoginFailed("姓名或 PIN 不正确") from None
    row = store.login_credentials(db, assessment_id, name)
    keys = [(logins.ADDRESS, address)] + ([(logins.MEMBER, str(row["id"]))] if row else [])
    who = {logins.ADDRESS: "本设备", logins.MEMBER: "该成员"}
    with transaction(db):
        current = logins.counters(db, assessment_id, keys)
        refused = next(filter(None, (pins.refusal(current.get(k), now, who[k[0]]) for k in keys)), None)
        if refused:
            logins.record_attempt(db, assessment_id, {k: {"refused": current[k]["refused"] + 1}
                                                      for k in keys if k in current})
        else:
            logins.record_attempt(db, assessment_id, {
                k: pins.counters_after_failure((current[k]["failures"] if k in current else 0) + 1, now)
                for k in keys})
    if refused:
        raise LoginFailed(refused)
    if row is not None and verify_pin(pin or "", row["pin_hash"]):
        with transaction(db):
            logins.record_attempt(db, assessment_id, {k: {"failures": 0, "wait_until": None, "locked_until": None}
                                                      for k in keys})
        return get_member(db, row["id"])
    failures = {k[0]: pins.counters_after_failure((current[k]["failures"] if k in current else 0) + 1, now)
                for k in keys}
    detail = {"连续输错": failures[logins.MEMBER]["failures"] if row else None,
              "本设备连续输错": failures[logins.ADDRESS]["failures"]}
    if any(f["locked_until"] for f in failures.values()):
        detail["结果"] = f"锁定 {pins.LOCK_SECONDS // 60} 分钟"
    elif any(f["wait_until"] for f in failures.values()):
        detail["结果"] = f"须等待 {max(pins.delay_after(f['failures']) for f in failures.values())} 秒"
    if row is None:
        del detail["连续输错"]
        detail["说明"] = "无此成员"
    with transaction(db):
        logins.record_attempt(db, assessment_id, {}, failed={"name": name[:100], "address": address[:100],
                                                             "detail": detail})
    raise LoginFailed("姓名或 PIN 不正确")


def _subject_label(db, assessment_id: int, kind: str, subject: str) -> str:
    if kind == logins.MEMBER:
        try:
            return get_member(db, int(subject))["name"]
        except (NotFound, ValueError):
            return f"成员 {subject}"
    return "本机" if subject == LOCAL_ADDRESS else subject


def login_counters(db, assessment_id: int, now: float | None = None) -> list[dict]:
    """The lead's view of wrong PINs: one row per member or client address with a counter,
    {kind, subject, label, failures, refused, state ('locked'/'waiting'/'clear'), until, last_failure_at}."""
    now = time.time() if now is None else now
    out = []
    for r in logins.all_counters(db, assessment_id):
        if not r["failures"] and not r["refused"]:
            continue
        st_ = pins.state(r, now)
        out.append({"kind": r["kind"], "subject": r["subject"],
                    "label": _subject_label(db, assessment_id, r["kind"], r["subject"]),
                    "failures": r["failures"], "refused": r["refused"], "state": st_,
                    "until": r["locked_until"] if st_ == "locked" else r["wait_until"] if st_ == "waiting" else None,
                    "last_failure_at": r["last_failure_at"]})
    return out


def clock(ts: float | None) -> str:
    """'14:05:09' (local time) of epoch seconds, '' for None."""
    return time.strftime("%H:%M:%S", time.localtime(ts)) if ts else ""


def failed_login_count(db, assessment_id: int) -> int:
    """Failed logins recorded in the audit log of the assessment."""
    return logins.failed_logins(db, assessment_id)


def unlock_login(db, assessment_id: int, actor_id: int, kind: str, subject: str) -> bool:
    """The lead lifts the delay or lockout of a member or a client address (logged)."""
    return logins.unlock(db, assessment_id, actor_id, kind, str(subject),
                         _subject_label(db, assessment_id, kind, str(subject)))


def unlock_from_command_line(db, assessment_id: int, member_name: str | None = None,
                             address: str | None = None) -> list[str]:
    """`python -m core unlock-member`: lift the lock of the named member and/or of a client
    address; return what was lifted (labels). InvalidValue for an unknown member."""
    get_assessment(db, assessment_id)
    lifted = []
    if member_name:
        m = next((m for m in list_members(db, assessment_id) if m["name"] == member_name.strip()), None)
        if m is None:
            raise InvalidValue(f"评估 {assessment_id} 中没有成员“{member_name}”")
        if logins.unlock_from_command_line(db, assessment_id, logins.MEMBER, str(m["id"]), m["name"]):
            lifted.append(m["name"])
    if address:
        if logins.unlock_from_command_line(db, assessment_id, logins.ADDRESS, address.strip(), address.strip()):
            lifted.append(address.strip())
    return lifted


def session_member(db, member_id: int) -> dict | None:
    """{assessment_id, member_id, name, role} of a logged-in member, or None when gone."""
    try:
        m = get_member(db, member_id)
    except NotFound:
        return None
    if not m["active"] or store.is_deleted(db, m["assessment_id"]):
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
    fw = framework_of(db, assessment_id)
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
    (codes kept as action_code / entity_code), old and new values in words (core.assessment.audit_text, never raw
    JSON), names and phones masked."""
    scrub = scrubber(db, assessment_id)
    names = {m["id"]: m["name"] for m in list_members(db, assessment_id)}
    codes = codes_for(framework_of(db, assessment_id),
                      list_areas(db, get_assessment(db, assessment_id)["station_id"]))

    def words(value, entity):
        return scrub(describe(mask_people(value, entity), names, entity, codes))

    return [{"id": r["id"], "at": (r["at"] or "").replace("T", " ")[:19], "actor": actor_label(r["actor"]),
             "action": label(AUDIT_ACTIONS, r["action"]), "entity": label(AUDIT_ENTITIES, r["entity"]),
             "action_code": r["action"], "entity_code": r["entity"], "key": key_text(r["entity"], r["entity_key"], codes),
             "old": words(r["old"], r["entity"]), "new": words(r["new"], r["entity"])}
            for r in audit_db.entries(db, assessment_id, limit)]
