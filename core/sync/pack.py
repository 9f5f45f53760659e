"""The 任务包: what the lead exports for one member, and the laptop's database made from it.

A pack carries the assessment (with its frozen framework), the station's data, the team and their
assignments, what the member's role needs and nothing more: an expert's pack has no client phone
numbers; the staff's pack has the call list (phones included) and no scores; scores of other
members only for cells the member has already scored (the blind rule of the pages,
core.scoring.scoresheet.peer_view). It also carries the lead's sync addresses and certificate
fingerprint (pinned by the laptop) and the member's secret, which signs the laptop's changes: the
lead's database keeps it (db.sync.issue_pack), a new pack replaces it.
"""
from __future__ import annotations

import base64
import datetime as _dt
import json
import secrets
from pathlib import Path

from db import sync as sync_db
from db import transfer as transfer_db
from core import store
from core.assessment import team
from core.errors import DataError, NotFound
from core.sync import envelope
from core.sync.rows import TABLES, content, version

# Parents first. Report text, the audit log, login counters and summaries stay on the lead's laptop.
PACK_TABLES = (
    "stations", "areas", "assessments", "members", "assignments", "contract_indicators", "staffing", "clients",
    "prev_recommendations", "site_records", "interviews", "findings", "scores", "overrides", "party_scores",
    "veto_checks", "survey_samples", "survey_items", "survey_calls", "attachments", "submissions", "visit_stages",
    "survey_script",
)
PHONE_FIELDS = ("phone", "phone2", "phone_note")
# The staff calls clients: their pack and pulls hold no scores, findings, notes or photos of the team.
NOT_FOR_STAFF = ("site_records", "interviews", "findings", "scores", "overrides", "party_scores", "veto_checks",
                 "attachments", "submissions")


def _scored(r: dict) -> bool:
    return r.get("value") is not None or bool(r.get("na"))


def visible_tables(member: dict) -> tuple[str, ...]:
    """The travelling tables whose rows the member's laptop holds."""
    return tuple(t for t in TABLES if member["role"] != "staff" or t not in NOT_FOR_STAFF)


def visible_scores(rows: list[dict], member: dict) -> list[dict]:
    """The score rows a member's laptop may hold: their own, and other members' of the cells they
    have scored themselves (the staff: none)."""
    if member["role"] == "staff":
        return []
    own = {(r["indicator_code"], r["area_code"]) for r in rows if r["member_id"] == member["id"] and _scored(r)}
    return [r for r in rows if r["member_id"] == member["id"] or (r["indicator_code"], r["area_code"]) in own]


def _for_member(tables: dict, member: dict) -> dict:
    """The rows of the pack filtered for the member's role."""
    out = dict(tables)
    out["members"] = [dict(m, pin_hash=m["pin_hash"] if m["id"] == member["id"] else "!") for m in tables["members"]]
    if member["role"] != "staff" and member["role"] != "lead":
        out["clients"] = [dict(c, **{f: "" for f in PHONE_FIELDS if f in c}) for c in tables["clients"]]
    out["scores"] = visible_scores(tables["scores"], member)
    if member["role"] == "staff":
        out.update({t: [] for t in NOT_FOR_STAFF})
    out["stations"] = [dict(s, identity_id=None) for s in tables["stations"]]
    return out


def _blobs_out(tables: dict) -> dict:
    return {t: [{k: ({"$b64": base64.b64encode(v).decode("ascii")} if isinstance(v, bytes) else v)
                 for k, v in r.items()} for r in rows] for t, rows in tables.items()}


def _blobs_in(tables: dict) -> dict:
    def dec(v):
        return base64.b64decode(v["$b64"]) if isinstance(v, dict) and "$b64" in v else v
    return {t: [{k: dec(v) for k, v in r.items()} for r in rows] for t, rows in tables.items()}


def make_pack(db, assessment_id: int, lead_id: int, member_name: str, lead_urls: list[str],
              fingerprint: str, key_pin: str = "") -> bytes:
    """The member's pack (signed); records the member's new secret in the lead's database.
    `fingerprint`: the lead's certificate's SHA-256; `key_pin`: its public key's (core.tls.key_pin),
    which the laptop pins so that the lead's certificate made again on another network still passes."""
    member = next((m for m in team.active_members(db, assessment_id) if m["name"] == member_name), None)
    if member is None:
        names = "、".join(m["name"] for m in team.active_members(db, assessment_id))
        raise NotFound(f"评估 {assessment_id} 中没有在岗成员“{member_name}”（成员：{names}）")
    if member["role"] == "lead":
        raise DataError("组长的数据库就是全队的汇总库，不需要任务包；请为专家或工作人员导出任务包。")
    if sync_db.peer(db, assessment_id):
        raise DataError("这是一台成员的笔记本（由任务包建立），只有组长的数据库能导出任务包。")
    tables = _for_member(transfer_db.read_tables(db, assessment_id, PACK_TABLES), member)
    secret, pack_id = secrets.token_hex(32), secrets.token_hex(8)
    sync_db.issue_pack(db, assessment_id, lead_id, member["id"], secret, pack_id)
    a = tables["assessments"][0]
    body = {"pack_id": pack_id, "created_at": _dt.datetime.now().isoformat(timespec="seconds"),
            "assessment_id": assessment_id, "assessment_uid": a["uid"], "title": team.assessment_title(db, assessment_id),
            "member": {"id": member["id"], "name": member["name"], "role": member["role"]}, "secret": secret,
            "lead": {"urls": list(lead_urls), "fingerprint": fingerprint, "key_pin": key_pin},
            "tables": _blobs_out(tables)}
    return envelope.dumps("pack", body, secret)


def read_pack(data: bytes) -> dict:
    """The pack's body (Refused: truncated, not a pack, edited after it was signed)."""
    doc = envelope.parse(data, "pack")
    secret = doc["body"].get("secret")
    if not isinstance(secret, str) or not secret:
        raise envelope.Refused("任务包缺少成员密钥，未作任何修改。")
    body = envelope.verify(doc, secret, "该成员")
    for k in ("pack_id", "assessment_id", "assessment_uid", "member", "lead", "tables"):
        if k not in body:
            raise envelope.Refused(f"任务包缺少“{k}”，未作任何修改。")
    return body


def _base_of(db, assessment_id: int) -> list[tuple[str, str, str]]:
    out = []
    for t in TABLES:
        for r in sync_db.rows_of(db, assessment_id, t):
            out.append((t, r["uid"], version(content(db, t, r)[0])))
    return out


def join(db_path: str, data: bytes, lead_url: str | None = None) -> int:
    """Make the laptop's database at `db_path` (refused when the file exists) from a pack; returns
    the assessment id. A refused pack leaves no file behind."""
    p = Path(db_path)
    if p.exists():
        raise DataError(f"数据库文件 {p} 已存在：join 只新建数据库，不会覆盖已有的（请换一个 --db 路径）。")
    body = read_pack(data)
    tables = _blobs_in(body["tables"])
    missing = [t for t in PACK_TABLES if t not in tables]
    if missing:
        raise envelope.Refused(f"任务包缺少数据表 {'、'.join(missing)}，未作任何修改。")
    created = [d for d in p.parents if not d.exists()]
    db = store.open_db(str(p))
    try:
        aid = body["assessment_id"]
        urls = [lead_url] if lead_url else list(body["lead"].get("urls") or [])
        peer = {"assessment_id": aid, "member_id": body["member"]["id"], "secret": body["secret"],
                "lead_urls": json.dumps(urls), "fingerprint": body["lead"].get("fingerprint") or "",
                "key_pin": body["lead"].get("key_pin") or "",
                "pack_id": body["pack_id"], "joined_at": _dt.datetime.now().isoformat(timespec="seconds")}
        sync_db.create_copy(db, {t: tables[t] for t in PACK_TABLES}, peer, _base_of)
    except BaseException:
        db.conn.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(p) + suffix).unlink(missing_ok=True)
        for d in reversed(created):
            try:
                d.rmdir()
            except OSError:
                pass
        raise
    db.conn.close()
    return aid
