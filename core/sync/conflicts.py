"""The lead decides what the merge kept aside (`python -m core conflicts`, the 同步冲突 page).

A conflict shows both versions side by side, field by field (the lead's value stays until decided):
'theirs' writes the member's version into the lead's database, 'ours' keeps the lead's; either way
the decision reaches the member's laptop at its next pull. A change that arrived after the lock can
be adopted once the lead unlocks; a change to another member's row cannot be adopted (the owner
must make it).
"""
from __future__ import annotations

import json

from db import sync as sync_db
from db.connection import transaction
from core.assessment.audit_text import describe
from core.errors import InvalidValue
from core.labels import AUDIT_FIELDS, SYNC_KINDS, SYNC_TABLES, label
from core.masking import mask_name
from core.sync.merge import resolver
from core.sync.rows import unpack_files

_HIDDEN = {"uid", "data", "thumb", "created_at", "first_detail"}


def _load(text):
    return None if text in (None, "") else json.loads(text)


def subject(tbl: str, data: dict | None, names: dict) -> str:
    """Which row, in words: 评分 A1（P1）· 林晓红."""
    d = data or {}
    who = names.get(d.get("member_id"), "")
    if tbl == "scores":
        what = d.get("indicator_code", "") + (f"（{d['area_code']}）" if d.get("area_code") else "")
    elif tbl == "findings":
        what = d.get("section_code", "")
    elif tbl == "site_records":
        what = d.get("item", "")
    elif tbl == "interviews":
        what = d.get("role", "") or mask_name(d.get("name", ""))
    elif tbl == "attachments":
        what = d.get("filename", "")
    elif tbl == "survey_calls":
        what = f"抽样对象 {d.get('item_id')} 第 {d.get('attempt')} 次"
    else:
        what = ""
    return " ".join(x for x in (label(SYNC_TABLES, tbl), what) if x) + (f" · {who}" if who else "")


def side_by_side(theirs: dict | None, ours: dict | None, names: dict) -> list[dict]:
    """[{field, label, ours, theirs, differs}] of the fields either version holds."""
    fields = [k for k in dict.fromkeys([*(ours or {}), *(theirs or {})]) if k not in _HIDDEN]
    out = []
    for k in fields:
        o = "（无此记录）" if ours is None else describe({k: ours.get(k)}, names=names).partition("：")[2]
        t = "（已删除）" if theirs is None else describe({k: theirs.get(k)}, names=names).partition("：")[2]
        out.append({"field": k, "label": AUDIT_FIELDS.get(k, k), "ours": o, "theirs": t, "differs": o != t})
    return out


def listing(db, assessment_id: int, status: str | None = "open") -> list[dict]:
    """The kept changes (open ones by default) with their words, both versions side by side."""
    names = {m["id"]: m["name"] for m in db.query("SELECT id, name FROM members WHERE assessment_id = ?",
                                                   [assessment_id])}
    out = []
    for c in sync_db.conflicts(db, assessment_id, status):
        theirs, ours = _load(c["theirs"]), _load(c["ours"])
        out.append(dict(c, theirs=theirs, ours=ours, kind_label=label(SYNC_KINDS, c["kind"]),
                        subject=subject(c["tbl"], theirs or ours, names),
                        fields=side_by_side(theirs, ours, names)))
    return out


def decide(db, assessment_id: int, lead_id: int, conflict_id: int, choice: str) -> None:
    """The lead's decision ('theirs' / 'ours') on one kept change, in one transaction."""
    if choice not in ("theirs", "ours"):
        raise InvalidValue(f"裁定只能是采用成员版本或保留组长版本（收到 {choice}）")
    with transaction(db):
        c = sync_db.conflict(db, assessment_id, conflict_id)
        if c is None:
            raise InvalidValue(f"找不到冲突 {conflict_id}")
        op = None
        if choice == "theirs":
            if c["kind"] == "owner":
                raise InvalidValue("这是对他人数据的修改，不能采用；请由该数据的填写人修改")
            change = {"tbl": c["tbl"], "content": _load(c["theirs"])}
            op = {"tbl": c["tbl"], "uid": c["uid"],
                  "values": resolver(assessment_id, change, unpack_files(_load(c["files"]) or {}))}
        sync_db.decide_conflict(db, assessment_id, lead_id, conflict_id, choice, op)
