"""Merging a laptop's bundle into the lead's database (`python -m core merge`, and each network push).

The bundle is refused whole (nothing changed, a Chinese message naming what is wrong) when it is
truncated or not a bundle, belongs to an assessment this database does not hold, comes from a
member without a pack, or its signature is not that of the member's secret. Otherwise every change
is decided in one transaction (`decide`, the rule) and written by the guarded writer
db.sync.merge_changes — all of it or, on any failure (kill -9 included), none of it:

- a change already received (its sequence number not newer than the last one of that row from that
  member) or whose content is the lead's current content: unchanged;
- a change to a row that is not the sender's (another member's score, finding, photo or call), or
  of a table the sender's role may not write: kept for the lead ('owner'), not applied;
- after the lead has locked the assessment: kept for the lead ('late'), not applied;
- based on the lead's current version (or a new row), or following a version of the row this laptop
  sent before and the lead still holds (consecutive bundles by file): applied;
- anything else: a conflict, kept with both versions for the lead to decide (core.sync.conflicts);
  the lead's value stays until then. Never last write wins.
"""
from __future__ import annotations

import json
import os
import sys
import time

from db import sync as sync_db
from db.connection import transaction
from core.sync import envelope
from core.sync.rows import EDITORS, OWNER, TABLES, current, owner_of, pack_files, to_values, unpack_files, version



def decide(change: dict, ours_version: str | None, ours_owner: int | None, sender: dict, last_seq: int | None,
           locked: bool) -> str:
    """'unchanged', 'owner', 'late', 'apply' or 'conflict' for one change (see the module's rules)."""
    if last_seq is not None and change["seq"] <= last_seq:
        return "unchanged"
    t = change["tbl"]
    if sender["role"] not in EDITORS[t]:
        return "owner"
    if t in OWNER:
        theirs_owner = owner_of(t, change["content"])
        if (change["content"] is not None and theirs_owner != sender["id"]) or \
                (ours_owner is not None and ours_owner != sender["id"]):
            return "owner"
    if change["version"] == ours_version:
        return "unchanged"
    if locked:
        return "late"
    if change["base"] == ours_version or (ours_version is not None and ours_version in change.get("sent", ())):
        return "apply"                # based on the lead's version, or following a version it sent before
    return "conflict"


def _check_changes(body: dict) -> list[dict]:
    items = body.get("changes")
    if not isinstance(items, list):
        raise envelope.Refused("变更文件缺少变更列表，未作任何修改。")
    for n, c in enumerate(items, 1):
        ok = (isinstance(c, dict) and c.get("tbl") in TABLES and isinstance(c.get("uid"), str) and c["uid"]
              and isinstance(c.get("seq"), int) and (c.get("content") is None or isinstance(c["content"], dict))
              and (c.get("base") is None or isinstance(c["base"], str))
              and isinstance(c.get("sent", []), list) and all(isinstance(v, str) for v in c.get("sent", [])))
        if not ok:
            raise envelope.Refused(f"变更文件第 {n} 条变更格式不符，未作任何修改。")
        if version(c["content"]) != c.get("version"):
            raise envelope.Refused(f"变更文件第 {n} 条变更的版本与内容不符，未作任何修改。")
    return items


def read_bundle(db, data: bytes) -> tuple[int, dict, dict]:
    """(assessment id, sender member, body) of a bundle this database may merge (Refused otherwise)."""
    doc = envelope.parse(data, "bundle")
    body = doc["body"]
    row = db.execute("SELECT id FROM assessments WHERE uid = ?", [str(body.get("assessment_uid"))]).fetchone()
    if row is None:
        raise envelope.Refused(f"该变更文件属于另一个评估（文件中的评估编号 {body.get('assessment_id')}，"
                               "不在此数据库中），未作任何修改。")
    aid = row[0]
    if sync_db.peer(db, aid):
        raise envelope.Refused("这是成员笔记本上的副本：变更文件只能合并到组长的数据库，未作任何修改。")
    member = body.get("member") if isinstance(body.get("member"), dict) else {}
    m = db.execute("SELECT id, name, role FROM members WHERE id = ? AND assessment_id = ? AND active = 1",
                   [member.get("id"), aid]).fetchone()
    key = sync_db.member_key(db, aid, m[0]) if m else None
    if m is None or key is None:
        raise envelope.Refused(f"变更文件的签名人“{member.get('name', '')}”不是本评估在岗的成员或没有任务包，"
                               "无法核对签名，未作任何修改。")
    envelope.verify(doc, key["secret"], m[1])
    _check_changes(body)
    return aid, {"id": m[0], "name": m[1], "role": m[2]}, body


def _conflict_record(kind: str, c: dict, ours: dict | None, files: dict) -> dict:
    need = {h: b for h, b in files.items() if c["content"] and f"sha256:{h}" in c["content"].values()}
    return {"kind": kind, "tbl": c["tbl"], "uid": c["uid"], "seq": c["seq"], "base_version": c["base"],
            "theirs_version": c["version"], "theirs": json.dumps(c["content"], ensure_ascii=False),
            "ours_version": version(ours), "ours": json.dumps(ours, ensure_ascii=False) if ours else None,
            "files": json.dumps(pack_files(need))}


def resolver(aid: int, c: dict, files: dict):
    """The column values of a change, resolved at write time (rows it refers to may be written just before)."""
    if c["content"] is None:
        return None
    return lambda db: to_values(db, aid, c["tbl"], c["content"], files)


def plan(db, aid: int, sender: dict, body: dict, via: str, address: str = "") -> dict:
    """What the bundle does to the lead's database (read in the merge's transaction)."""
    locked = db.execute("SELECT status FROM assessments WHERE id = ?", [aid]).fetchone()[0] == "locked"
    seqs = sync_db.applied_seqs(db, aid, sender["id"])
    files = unpack_files(body.get("files"))
    out = {"bundle_id": str(body.get("bundle_id", "")), "apply": [], "conflicts": [], "seqs": [],
           "counts": {"applied": 0, "unchanged": 0, "conflicts": 0, "late": 0},
           "meeting": {"via": via, "address": address, "received": len(body["changes"]),
                       "waiting": int(body.get("waiting") or 0)}}
    for c in body["changes"]:
        ours, _ = current(db, aid, c["tbl"], c["uid"])
        outcome = decide(c, version(ours), owner_of(c["tbl"], ours), sender, seqs.get((c["tbl"], c["uid"])), locked)
        out["seqs"].append((c["tbl"], c["uid"], c["seq"]))
        if outcome == "unchanged":
            out["counts"]["unchanged"] += 1
        elif outcome == "apply":
            out["counts"]["applied"] += 1
            out["apply"].append({"tbl": c["tbl"], "uid": c["uid"], "values": resolver(aid, c, files),
                                 "conflict": _conflict_record("missing", c, ours, files)})
        else:
            out["counts"]["conflicts"] += 1
            out["counts"]["late"] += outcome == "late"
            out["conflicts"].append(_conflict_record(outcome, c, ours, files))
    return out


def _pause_for_fault_test() -> None:
    """ASSESSMENT_FAULT_PAUSE_MERGE=seconds: stop inside the merge's transaction, after the writes and
    before the commit, and say so (tests kill -9 the process there to prove nothing is half-merged)."""
    pause = os.environ.get("ASSESSMENT_FAULT_PAUSE_MERGE")
    if pause:
        print("MERGE-PAUSED", flush=True, file=sys.stderr)
        time.sleep(float(pause))


def merge(db, data: bytes, via: str = "file", address: str = "") -> dict:
    """Merge a bundle into the lead's database in one transaction; returns the counts and the
    assessment and sender. Refused (nothing changed) for a bundle that cannot be merged."""
    with transaction(db):
        aid, sender, body = read_bundle(db, data)
        p = plan(db, aid, sender, body, via, address)
        if body["changes"]:
            sync_db.merge_changes(db, aid, sender["id"], p)
        else:                        # a heartbeat: no audit row every few seconds, only when it met
            sync_db.note_meeting(db, aid, sender["id"], via, address, 0)
        _pause_for_fault_test()
    return dict(p["counts"], assessment_id=aid, member=sender, bundle_id=p["bundle_id"], have=body.get("have"))
