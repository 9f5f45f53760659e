"""What a laptop receives from the lead's database, and how it takes it in.

The lead sends (`pull_for`): the assessment's status (the lock), the team and their assignments,
the lead's rulings (overrides), every travelling row the member may see whose version differs from
the one the laptop holds (`have`) — other members' scores only for cells the member has scored on
the lead's database (core.sync.pack.visible_scores, the blind rule of the pages) — the rows gone,
and the member's changes the lead decided against.

The laptop (`take`) keeps a change of its own not yet confirmed unless the lead holds the same
content (then it is confirmed) or decided against it (then the lead's version is taken); every
other row becomes the lead's version. Confirmed changes leave the laptop's change record.
"""
from __future__ import annotations

from db import sync as sync_db
from db.connection import transaction
from core.sync import envelope
from core.sync.bundle import laptop
from core.sync.merge import resolver
from core.sync.pack import visible_scores, visible_tables
from core.sync.rows import TABLES, content, current, pack_files, unpack_files, version

_TEAM = ("id", "name", "role", "active", "created_at")


def _visible_rows(db, aid: int, member: dict) -> dict[str, list[dict]]:
    out = {t: sync_db.rows_of(db, aid, t) for t in visible_tables(member)}
    if "scores" in out:
        out["scores"] = visible_scores(out["scores"], member)
    return out


def pull_for(db, aid: int, member: dict, have: dict) -> dict:
    """The reply body for `member`'s laptop, which holds `have` ({table: {uid: version}})."""
    have = have if isinstance(have, dict) else {}
    rejected = sync_db.rejected(db, aid, member["id"])
    rejected_uids = {(t, u) for t, u, _ in rejected}
    rows, gone, files = [], [], {}
    for t, rs in _visible_rows(db, aid, member).items():
        held = have.get(t) if isinstance(have.get(t), dict) else {}
        seen = set()
        for r in rs:
            seen.add(r["uid"])
            data, f = content(db, t, r)
            v = version(data)
            if held.get(r["uid"]) != v or (t, r["uid"]) in rejected_uids:
                rows.append({"tbl": t, "uid": r["uid"], "version": v, "content": data})
                files.update(f)
        gone += [[t, u] for u in held if u not in seen]
    team = [{k: m[k] for k in _TEAM} for m in db.query("SELECT * FROM members WHERE assessment_id = ?", [aid])]
    return {"assessment_uid": sync_db.assessment_uid(db, aid), "member_id": member["id"],
            "status": db.execute("SELECT status FROM assessments WHERE id = ?", [aid]).fetchone()[0],
            "members": team, "assignments": sync_db.rows_of(db, aid, "assignments"),
            "overrides": sync_db.rows_of(db, aid, "overrides"), "rows": rows, "gone": gone,
            "rejected": [list(x) for x in rejected], "files": pack_files(files)}


def plan_take(db, aid: int, reply: dict) -> dict:
    """What the laptop does with the lead's reply (read in the pull's transaction)."""
    pending = {(c["tbl"], c["uid"]): c["seq"] for c in sync_db.pending(db, aid)}
    rejected = {(t, u, v) for t, u, v in reply.get("rejected", [])}
    files = unpack_files(reply.get("files"))
    ops, confirm = [], []
    for r in reply.get("rows", []):
        key = (r["tbl"], r["uid"])
        if r["tbl"] not in TABLES:
            continue
        seq = pending.pop(key, None)
        mine = version(current(db, aid, r["tbl"], r["uid"])[0])
        if seq is not None and mine != r["version"] and (r["tbl"], r["uid"], mine) not in rejected:
            continue                                  # our change still waits for the lead
        done = (r["tbl"], r["uid"], r["version"], seq)
        if mine != r["version"]:       # confirmed only once written (a row it refers to may be missing)
            ops.append({"tbl": r["tbl"], "uid": r["uid"], "values": resolver(aid, r, files), "confirm": done})
        else:
            confirm.append(done)
    for t, u in reply.get("gone", []):
        if (t, u) in pending or t not in TABLES:
            continue
        ops.append({"tbl": t, "uid": u, "values": None, "confirm": (t, u, None, None)})
    base = sync_db.bases(db, aid)
    for (t, u), seq in pending.items():                # pending rows the lead holds as our base
        if version(current(db, aid, t, u)[0]) == base.get((t, u)):
            confirm.append((t, u, base[(t, u)], seq))
    order = {t: i for i, t in enumerate(TABLES)}
    ops.sort(key=lambda o: (o["values"] is None, order[o["tbl"]] * (-1 if o["values"] is None else 1)))
    out = {"ops": ops, "confirm": confirm, "failed": []}
    return dict(out, **_team_changes(db, aid, reply))


def _team_changes(db, aid: int, reply: dict) -> dict:
    """The lock, the team, assignments and rulings of the reply where they differ from the laptop's."""
    out = {}
    status = db.execute("SELECT status FROM assessments WHERE id = ?", [aid]).fetchone()[0]
    if reply.get("status") in ("open", "locked") and reply["status"] != status:
        out["status"] = reply["status"]
    mine = {m["id"]: {k: m[k] for k in ("name", "role", "active")}
            for m in db.query("SELECT * FROM members WHERE assessment_id = ?", [aid])}
    if any(mine.get(m.get("id")) != {k: m.get(k) for k in ("name", "role", "active")}
           for m in reply.get("members", [])):
        out["members"] = reply["members"]
    for t, cols in (("assignments", ("member_id", "section_code", "area_code")),
                    ("overrides", ("indicator_code", "area_code", "value", "na", "reason", "member_id"))):
        have = sorted(tuple(r[c] for c in cols) for r in sync_db.rows_of(db, aid, t))
        got = sorted(tuple(r.get(c) for c in cols) for r in reply.get(t, []))
        if have != got:
            out[t] = reply.get(t, [])
    return out


def has_work(plan: dict) -> bool:
    return any(plan.get(k) for k in ("ops", "confirm", "status", "members", "assignments", "overrides"))


def take(db, aid: int, data: bytes) -> dict:
    """Take the lead's signed reply into the laptop's database, in one transaction."""
    p = laptop(db, aid)
    doc = envelope.parse(data, "reply")
    reply = envelope.verify(doc, p["secret"], "组长（本任务包）")
    if reply.get("assessment_uid") != sync_db.assessment_uid(db, aid):
        raise envelope.Refused("组长的回复属于另一个评估，未作任何修改。")
    with transaction(db):
        plan = plan_take(db, aid, reply)
        if has_work(plan):           # nothing new: no write, no audit row every few seconds
            sync_db.apply_pull(db, aid, p["member_id"], plan)
    return {"rows": len(plan["ops"]), "confirmed": len(plan["confirm"]), "failed": plan["failed"],
            "status": plan.get("status")}
