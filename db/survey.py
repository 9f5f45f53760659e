"""Satisfaction survey storage: samples, sampled clients (items), their assignment, claims and calls.

Storage only: the rules (the draw, item status, validation, masking) are core's
(core/survey/rules.py, core/survey/calls.py). Readers return rows as stored — full names and
phones included — for core to mask. Every writer goes through the write guard.
"""
from __future__ import annotations

import json
import sqlite3

from .audit import now
from .errors import InvalidValue, NotFound
from .guard import Write, writer


# ---------- readers ----------

def register(db, assessment_id: int) -> list[dict]:
    """The key-client register (full rows; for hashing and drawing only)."""
    return list(db.query(
        "SELECT id, name, phone, community, category, household FROM clients WHERE assessment_id = ?"
        " ORDER BY position, id", [assessment_id]))


def current_sample(db, assessment_id: int) -> dict | None:
    """The active sample: {id, seed, register_hash, size, reserve_size, member_name, created_at, …}."""
    return next(iter(db.query(
        "SELECT s.*, m.name AS member_name FROM survey_samples s LEFT JOIN members m ON m.id = s.member_id"
        " WHERE s.assessment_id = ? AND s.active = 1 ORDER BY s.id DESC LIMIT 1", [assessment_id])), None)


def _active_calls(db, assessment_id: int) -> int:
    return db.execute("SELECT COUNT(*) FROM survey_calls c JOIN survey_items i ON i.id = c.item_id"
                      " JOIN survey_samples s ON s.id = i.sample_id WHERE s.assessment_id = ? AND s.active = 1",
                      [assessment_id]).fetchone()[0]


def call_count(db, assessment_id: int) -> int:
    """Calls recorded on the active sample."""
    return _active_calls(db, assessment_id)


def sample_members(db, sample_id: int) -> list[tuple[int, int]]:
    """(client_id, reserve) of the sample's items in draw order."""
    return [(r[0], r[1]) for r in db.execute(
        "SELECT client_id, reserve FROM survey_items WHERE sample_id = ? ORDER BY position", [sample_id])]


def _dicts(db, sql: str, params) -> list[dict]:
    """Rows as dicts through one plain statement (the savers' reads: no savepoint around them)."""
    cur = db.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _decode(call: dict) -> dict:
    call["awareness"] = json.loads(call["awareness"] or "{}")
    call["satisfaction"] = json.loads(call["satisfaction"] or "{}")
    return call


def calls_by_item(db, sample_id: int) -> dict[int, list[dict]]:
    """item id -> its calls (attempt order, with the recorder's name) for every item of the sample."""
    out: dict[int, list[dict]] = {}
    for c in db.query("SELECT c.*, m.name AS member_name FROM survey_calls c JOIN survey_items i ON i.id = c.item_id"
                      " LEFT JOIN members m ON m.id = c.member_id"
                      " WHERE i.sample_id = ? ORDER BY c.item_id, c.attempt", [sample_id]):
        out.setdefault(c["item_id"], []).append(_decode(c))
    return out


def item_calls(db, item_id: int) -> list[dict]:
    """The calls of one item (attempt order): one indexed read (UNIQUE (item_id, attempt))."""
    return [_decode(c) for c in _dicts(
        db, "SELECT c.*, m.name AS member_name FROM survey_calls c LEFT JOIN members m ON m.id = c.member_id"
        " WHERE c.item_id = ? ORDER BY c.attempt", [item_id])]


def items(db, sample_id: int, caller_id: int | None = None) -> list[dict]:
    """The sample's items with their client's fields (full name and phone) and caller's name."""
    sql = ("SELECT i.id, i.position, i.reserve, i.caller_id, i.claimed_by, i.claimed_at, m.name AS caller_name,"
           " c.id AS client_id, c.name, c.phone, c.community, c.category, c.household"
           " FROM survey_items i JOIN clients c ON c.id = i.client_id LEFT JOIN members m ON m.id = i.caller_id"
           " WHERE i.sample_id = ?")
    params: list = [sample_id]
    if caller_id is not None:
        sql += " AND i.caller_id = ?"
        params.append(caller_id)
    return list(db.query(sql + " ORDER BY i.position", params))


def unassigned_main_items(db, sample_id: int) -> list[int]:
    """Ids of the sample's main (not reserve) items without a caller, in draw order."""
    return [r[0] for r in db.execute("SELECT id FROM survey_items WHERE sample_id = ? AND reserve = 0"
                                     " AND caller_id IS NULL ORDER BY position", [sample_id])]


def callers(db, assessment_id: int) -> list[dict]:
    """Members who can be given calls (every active member of the assessment; staff first)."""
    return list(db.query("SELECT id, name, role FROM members WHERE assessment_id = ? AND active = 1"
                         " ORDER BY CASE role WHEN 'staff' THEN 0 WHEN 'expert' THEN 1 ELSE 2 END, id",
                         [assessment_id]))


def item(db, assessment_id: int, item_id: int) -> dict:
    """One item of the assessment's active sample, with its client's fields and the names of
    its caller and claimer (NotFound / InvalidValue otherwise)."""
    row = next(iter(_dicts(
        db, "SELECT i.*, s.assessment_id, s.active, c.name, c.phone, c.community, c.category,"
        " mc.name AS caller_name, mk.name AS claimer_name"
        " FROM survey_items i JOIN survey_samples s ON s.id = i.sample_id JOIN clients c ON c.id = i.client_id"
        " LEFT JOIN members mc ON mc.id = i.caller_id LEFT JOIN members mk ON mk.id = i.claimed_by"
        " WHERE i.id = ?", [item_id])), None)
    if row is None or row["assessment_id"] != assessment_id:
        raise NotFound(f"找不到抽样对象 {item_id}")
    if not row["active"]:
        raise InvalidValue(f"抽样对象 {item_id} 属于已作废的样本")
    return row


# ---------- writers ----------

@writer("lead", "staff", what="满意度抽样")
def draw(w: Write, drawn: dict, confirm_redraw: bool = False) -> int:
    """Store a sample drawn by core (replacing the active one); return its id.

    `drawn`: {seed, register_hash, size, sample: [client ids], reserve: [client ids],
    register_persons, design ("" / "area" / "category"), allocation ({stratum: {register, sample, reserve}})}. The lead or staff may draw while no call is recorded; once calls
    exist only the lead may redraw, with `confirm_redraw=True`. The old sample (and its
    calls) is kept inactive; one audit row (draw or redraw) records both.
    """
    w.refuse_on_laptop("这是成员笔记本上的副本：抽样在组长的笔记本上进行，样本随任务包下发")
    db, assessment_id = w.db, w.assessment_id
    old = current_sample(db, assessment_id)
    calls = _active_calls(db, assessment_id)
    if calls:
        if w.role != "lead":
            w.deny(f"已有 {calls} 条通话记录，重新抽样须由组长进行")
        if not confirm_redraw:
            raise InvalidValue(f"已有 {calls} 条通话记录，重新抽样将作废当前样本，请先确认")
    known = {r[0] for r in db.execute("SELECT id FROM clients WHERE assessment_id = ?", [assessment_id])}
    ids = list(drawn["sample"]) + list(drawn["reserve"])
    if not ids or not set(ids) <= known or len(set(ids)) != len(ids):
        raise InvalidValue("抽样对象不在本评估的重点服务对象名册中，请重新抽样")
    db.execute("UPDATE survey_samples SET active = 0 WHERE assessment_id = ? AND active = 1", [assessment_id])
    sample_id = db["survey_samples"].insert(dict(
        assessment_id=assessment_id, seed=drawn["seed"], register_hash=drawn["register_hash"],
        size=int(drawn["size"]), reserve_size=len(drawn["reserve"]), active=1, member_id=w.member_id,
        created_at=now(), design=drawn.get("design") or "",
        allocation=json.dumps(drawn.get("allocation") or {}, ensure_ascii=False),
        register_persons=drawn.get("register_persons"))).last_pk
    db["survey_items"].insert_all(
        [dict(sample_id=sample_id, client_id=cid, position=n, reserve=int(n > len(drawn["sample"])))
         for n, cid in enumerate(ids, 1)])
    new = {"seed": drawn["seed"], "register_hash": drawn["register_hash"], "size": int(drawn["size"]),
           "drawn": len(drawn["sample"]), "reserve": len(drawn["reserve"]),
           "register_persons": drawn.get("register_persons")}
    if drawn.get("design"):
        new.update(design=drawn["design"], allocation=drawn.get("allocation") or {})
    old_v = None if old is None else {"seed": old["seed"], "register_hash": old["register_hash"],
                                      "size": old["size"], "calls": calls}
    w.log("redraw" if old else "draw", "survey_sample", sample_id, old=old_v, new=new)
    return sample_id


@writer("lead", what="满意度抽样")
def withdraw(w: Write, confirm: bool = False) -> None:
    """Withdraw every sample of the assessment (lead only), e.g. so the register can be replaced.

    Recorded calls are deleted with it, so `confirm=True` is needed once calls exist;
    the audit row keeps the seed, hash and number of calls withdrawn."""
    db, assessment_id = w.db, w.assessment_id
    samples = list(db.query("SELECT id, seed, register_hash, active FROM survey_samples WHERE assessment_id = ?"
                            " ORDER BY id", [assessment_id]))
    if not samples:
        raise InvalidValue("尚未抽样，无需撤销")
    calls = db.execute("SELECT COUNT(*) FROM survey_calls WHERE assessment_id = ?", [assessment_id]).fetchone()[0]
    if calls and not confirm:
        raise InvalidValue(f"已有 {calls} 条通话记录，撤销抽样将一并删除这些记录，请先确认")
    db.execute("DELETE FROM survey_samples WHERE assessment_id = ?", [assessment_id])
    active = next((s for s in samples if s["active"]), samples[-1])
    w.log("withdraw", "survey_sample", active["id"],
          old={"seed": active["seed"], "register_hash": active["register_hash"], "samples": len(samples),
               "calls": calls}, new=None)


@writer("lead", what="回访分配")
def assign(w: Write, plan: list[tuple[int, int | None]]) -> int:
    """Give items to callers: `plan` = [(item_id, caller_id or None to unassign)]. Lead only.

    One audit row lists every item whose caller changed; returns how many changed."""
    db, assessment_id = w.db, w.assessment_id
    members = {r[0] for r in db.execute("SELECT id FROM members WHERE assessment_id = ?", [assessment_id])}
    changed, old, new = [], [], []
    for item_id, caller_id in plan:
        it = item(db, assessment_id, item_id)
        if caller_id is not None and caller_id not in members:
            raise InvalidValue("回访人员不属于本评估")
        if it["caller_id"] == caller_id:
            continue
        db.execute("UPDATE survey_items SET caller_id = ? WHERE id = ?", [caller_id, item_id])
        changed.append(item_id)
        old.append(it["caller_id"])
        new.append(caller_id)
    if changed:
        w.log("assign", "survey_item", ",".join(map(str, changed)),
              old={"items": changed, "caller_id": old}, new={"items": changed, "caller_id": new})
    return len(changed)


def _assigned(w: Write, it: dict, verb: str) -> None:
    if it["caller_id"] != w.member_id:
        w.deny(f"抽样对象第 {it['position']} 号未分配给您，不能{verb}")


@writer(what="回访记录")
def claim(w: Write, item_id: int, at: str, live_after: str, fresh_after: str) -> str | None:
    """The assigned caller opens the item's call form: claim it (releasing the caller's other claims).

    Returns the other member's name, taking nothing, while someone else's claim is live
    (taken after `live_after`); None when the claim is ours. An own claim taken after
    `fresh_after` is left as it is (nothing written); otherwise one audit row."""
    db = w.db
    it = item(db, w.assessment_id, item_id)
    _assigned(w, it, "记录其通话")
    if it["claimed_by"] and it["claimed_by"] != w.member_id and (it["claimed_at"] or "") > live_after:
        return it["claimer_name"] or "他人"
    others = [r[0] for r in db.execute("SELECT id FROM survey_items WHERE claimed_by = ? AND id != ?",
                                       [w.member_id, item_id])]
    if it["claimed_by"] == w.member_id and (it["claimed_at"] or "") > fresh_after and not others:
        return None
    db.execute("UPDATE survey_items SET claimed_by = NULL, claimed_at = NULL WHERE claimed_by = ? AND id != ?",
               [w.member_id, item_id])
    db.execute("UPDATE survey_items SET claimed_by = ?, claimed_at = ? WHERE id = ?", [w.member_id, at, item_id])
    w.log("claim", "survey_item", item_id, old={"claimed_by": it["claimed_by"], "released": others},
          new={"claimed_by": w.member_id, "claimed_at": at})
    return None


@writer(what="回访记录")
def release(w: Write, item_id: int) -> bool:
    """The assigned caller leaves the item's call form: drop the caller's claim on it (one audit
    row). True when a claim was released; False (nothing written) when the caller held none."""
    it = item(w.db, w.assessment_id, item_id)
    _assigned(w, it, "记录其通话")
    if it["claimed_by"] != w.member_id:
        return False
    w.db.execute("UPDATE survey_items SET claimed_by = NULL, claimed_at = NULL WHERE id = ?", [item_id])
    w.log("release", "survey_item", item_id, old={"claimed_by": w.member_id, "claimed_at": it["claimed_at"]},
          new={"claimed_by": None})
    return True


@writer(what="回访记录")
def record_call(w: Write, item_id: int, attempt: int, call: dict, called_at: str, live_after: str,
                final: str | None = None, problems: list[str] = ()) -> int:
    """Save one call attempt (the assigned caller); return its id.

    `call`: the stored fields (core.survey.rules.call_row). Checked here, in the transaction:
    the item is the member's, nobody else holds a live claim on it (taken after
    `live_after`), `attempt` is the next one (else who recorded it is named). Then
    `final` (core's label of the item's final status, from its calls read in the same
    transaction) refuses a call that is no longer due, and `problems` (core's validation
    messages) refuse a bad record. One audit row (item and outcome, never name or phone).
    """
    db = w.db
    it = item(db, w.assessment_id, item_id)
    label = f"抽样对象第 {it['position']} 号"
    if it["caller_id"] != w.member_id:
        w.deny(f"{label}已分配给 {it['caller_name'] or '（未分配）'}，您不能记录其通话")
    if it["claimed_by"] and it["claimed_by"] != w.member_id and (it["claimed_at"] or "") > live_after:
        raise InvalidValue(f"{label}正由 {it['claimer_name']} 记录中，请稍后再试")
    calls = item_calls(db, item_id)
    if len(calls) >= attempt >= 1:
        c = calls[attempt - 1]
        raise InvalidValue(f"{label}的第 {attempt} 次拨打已由 {c['member_name'] or '他人'} 于 {c['called_at']} 记录"
                           f"（结果：{c['outcome']}），请刷新后再填写")
    if attempt != len(calls) + 1:
        raise InvalidValue(f"{label}：应记录第 {len(calls) + 1} 次拨打")
    if final:
        raise InvalidValue(f"{label}已{final}，无需再拨打")
    if problems:
        raise InvalidValue(f"{label}第 {attempt} 次拨打：" + "；".join(problems))
    row = dict(call, assessment_id=w.assessment_id, item_id=item_id, member_id=w.member_id, attempt=attempt,
               called_at=called_at)
    try:
        call_id = db.execute(f"INSERT INTO survey_calls ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                             list(row.values())).lastrowid
    except sqlite3.IntegrityError:
        raise InvalidValue(f"{label}的第 {attempt} 次拨打已被他人记录，请刷新后再填写") from None
    db.execute("UPDATE survey_items SET claimed_by = NULL, claimed_at = NULL WHERE id = ?", [item_id])
    w.log("call", "survey_item", item_id, new={k: v for k, v in row.items() if k != "assessment_id"})
    return call_id


# ---------- the caller's script (survey_script) ----------

def script_texts(db, assessment_id: int) -> dict[str, str]:
    """The lead's edits of the caller's script: {key: text}."""
    return {r[0]: r[1] for r in db.execute("SELECT key, text FROM survey_script WHERE assessment_id = ?",
                                           [assessment_id])}


@writer("lead", what="回访话术")
def set_script_text(w: Write, key: str, text: str) -> None:
    """The lead's wording of one line of the caller's script (key checked by core); '' goes back to
    the framework's wording. One audit row when it changes."""
    old = w.db.execute("SELECT text FROM survey_script WHERE assessment_id = ? AND key = ?",
                       [w.assessment_id, key]).fetchone()
    old_text = old[0] if old else ""
    if old_text == text:
        return
    if text:
        w.db.execute("INSERT INTO survey_script (assessment_id, key, text, updated_at) VALUES (?, ?, ?, ?)"
                     " ON CONFLICT (assessment_id, key) DO UPDATE SET text = excluded.text,"
                     " updated_at = excluded.updated_at", [w.assessment_id, key, text, now()])
    else:
        w.db.execute("DELETE FROM survey_script WHERE assessment_id = ? AND key = ?", [w.assessment_id, key])
    w.log("update", "survey_script", key, old={"text": old_text}, new={"text": text})
