"""A laptop's changes as a signed bundle (`python -m core changes`, and each network push).

Each change names its row (table and uid), the version it was based on (the version last agreed
with the lead; None for a row made on this laptop), the versions of the row this laptop already sent
since (a file brings no confirmation back: the lead holding one of them means the change follows it),
the new content (None: deleted) and its version, its sequence number (never reused on this laptop, so the lead can tell an old change
from a new one) and who made it and when (the write's audit row). Photos and files travel beside
the changes, keyed by their SHA-256. Every change not yet confirmed by the lead is in the bundle:
sending the same changes again changes nothing.
"""
from __future__ import annotations

import datetime as _dt
import secrets

from db import sync as sync_db
from core.errors import DataError
from core.sync import envelope
from core.sync.rows import TABLES, current, pack_files, version


def laptop(db, assessment_id: int) -> dict:
    """Whose copy this database is (DataError on the lead's database or another assessment's)."""
    p = sync_db.peer(db, assessment_id)
    if p is None:
        other = sync_db.peer(db)
        if other:
            raise DataError(f"这台笔记本的副本属于评估 {other['assessment_id']}，不是评估 {assessment_id}。")
        raise DataError(f"数据库中评估 {assessment_id} 不是由任务包建立的成员副本（组长的数据库用 merge 接收变更）。")
    return p


def changes(db, assessment_id: int) -> tuple[list[dict], dict[str, bytes]]:
    """The laptop's unconfirmed changes, parents first, and the files they need."""
    base = sync_db.bases(db, assessment_id)
    sent = sync_db.sent(db, assessment_id)
    out, files = [], {}
    order = {t: i for i, t in enumerate(TABLES)}
    for c in sorted(sync_db.pending(db, assessment_id), key=lambda c: (order.get(c["tbl"], 99), c["seq"])):
        data, f = current(db, assessment_id, c["tbl"], c["uid"])
        b = base.get((c["tbl"], c["uid"]))
        earlier = sorted(sent.get((c["tbl"], c["uid"]), []))
        if data is None and b is None and not earlier:
            continue                  # made and deleted here before the lead ever saw it
        files.update(f)
        out.append({"tbl": c["tbl"], "uid": c["uid"], "seq": c["seq"], "base": b, "sent": earlier,
                    "version": version(data), "content": data, "at": c["at"], "who": c["who"] or ""})
    return out, files


def make_bundle(db, assessment_id: int, have: dict | None = None) -> bytes:
    """The signed bundle of the laptop's unconfirmed changes (`have`: the versions this laptop
    holds, sent with a network push so the reply carries only what differs)."""
    p = laptop(db, assessment_id)
    items, files = changes(db, assessment_id)
    sync_db.record_sent(db, assessment_id, [(c["tbl"], c["uid"], c["version"]) for c in items])
    body = {"bundle_id": secrets.token_hex(8), "created_at": _dt.datetime.now().isoformat(timespec="milliseconds"),
            "assessment_id": assessment_id, "assessment_uid": sync_db.assessment_uid(db, assessment_id),
            "member": {"id": p["member_id"], "name": p["member_name"]}, "pack_id": p["pack_id"],
            "waiting": len(items), "changes": items, "files": pack_files(files)}
    if have is not None:
        body["have"] = have
    return envelope.dumps("bundle", body, p["secret"])


def holdings(db, assessment_id: int) -> dict[str, dict[str, str]]:
    """{table: {uid: version}} of the rows agreed with the lead (the base)."""
    out: dict = {}
    for (t, u), v in sync_db.bases(db, assessment_id).items():
        out.setdefault(t, {})[u] = v
    return out
