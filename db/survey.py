"""Satisfaction survey storage: samples, call assignment, call records, results.

Names and phone numbers leave this module masked, except `call_form`, which
returns them in full to the caller the client is assigned to.
"""
from __future__ import annotations

import datetime as _dt
import json
import sqlite3

from core import survey as S
from core.masking import mask_name, mask_phone

from . import audit
from .assessments import get_member, require_lead, require_open
from .connection import transaction
from .errors import InvalidValue, NotFound, PermissionDenied

CLAIM_MINUTES = 15        # an open call form keeps its claim this long


# ---------- register and sample ----------

def register(db, assessment_id: int) -> list[dict]:
    """The key-client register (full rows; for hashing and drawing only)."""
    return list(db.query(
        "SELECT id, name, phone, community, category, household FROM clients WHERE assessment_id = ?"
        " ORDER BY position, id", [assessment_id]))


def current_register_hash(db, assessment_id: int) -> str:
    return S.register_hash(register(db, assessment_id))


def current_sample(db, assessment_id: int) -> dict | None:
    """The active sample: {id, seed, register_hash, size, reserve_size, member_name, created_at, …}."""
    row = next(iter(db.query(
        "SELECT s.*, m.name AS member_name FROM survey_samples s LEFT JOIN members m ON m.id = s.member_id"
        " WHERE s.assessment_id = ? AND s.active = 1 ORDER BY s.id DESC LIMIT 1", [assessment_id])), None)
    return row


def call_count(db, assessment_id: int) -> int:
    """Calls recorded on the active sample."""
    s = current_sample(db, assessment_id)
    if s is None:
        return 0
    return db.execute("SELECT COUNT(*) FROM survey_calls c JOIN survey_items i ON i.id = c.item_id"
                      " WHERE i.sample_id = ?", [s["id"]]).fetchone()[0]


def _member_of(db, assessment_id: int, member_id: int) -> dict:
    m = get_member(db, member_id)
    if m["assessment_id"] != assessment_id:
        raise PermissionDenied("该成员不属于本评估")
    return m


def draw_sample(db, assessment_id: int, member_id: int, seed: str | None = None, size: int = S.MIN_SAMPLE,
                reserve: int = 0, confirm_redraw: bool = False) -> int:
    """Draw (or redraw) the sample from the current register; return the sample id.

    The lead or staff may draw while no call has been recorded; once calls exist
    only the lead may redraw, with `confirm_redraw=True`. The old sample (and its
    calls) is kept inactive; the audit log records both draws.
    """
    require_open(db, assessment_id)
    m = _member_of(db, assessment_id, member_id)
    if m["role"] not in ("lead", "staff"):
        raise PermissionDenied("只有组长或工作人员可以抽样")
    seed = S.new_seed() if seed is None or not str(seed).strip() else str(seed).strip()
    clients = register(db, assessment_id)
    if not clients:
        raise InvalidValue("重点服务对象名册为空，请先导入名册再抽样")
    try:
        d = S.draw(clients, seed, size, reserve)
    except ValueError as e:
        raise InvalidValue(str(e)) from None
    with transaction(db):
        old = current_sample(db, assessment_id)
        calls = call_count(db, assessment_id)
        if calls:
            if m["role"] != "lead":
                raise PermissionDenied(f"已有 {calls} 条通话记录，重新抽样须由组长进行")
            if not confirm_redraw:
                raise InvalidValue(f"已有 {calls} 条通话记录，重新抽样将作废当前样本，请先确认")
        db.execute("UPDATE survey_samples SET active = 0 WHERE assessment_id = ? AND active = 1", [assessment_id])
        sid = db["survey_samples"].insert(dict(
            assessment_id=assessment_id, seed=d.seed, register_hash=d.register_hash, size=int(size),
            reserve_size=len(d.reserve), active=1, member_id=member_id, created_at=audit.now())).last_pk
        rows = [dict(sample_id=sid, client_id=c["id"], position=n, reserve=0) for n, c in enumerate(d.sample, 1)]
        rows += [dict(sample_id=sid, client_id=c["id"], position=len(d.sample) + n, reserve=1)
                 for n, c in enumerate(d.reserve, 1)]
        db["survey_items"].insert_all(rows)
        new = {"seed": d.seed, "register_hash": d.register_hash, "size": int(size), "drawn": len(d.sample),
               "reserve": len(d.reserve), "register_persons": len(clients)}
        old_v = None if old is None else {"seed": old["seed"], "register_hash": old["register_hash"],
                                          "size": old["size"], "calls": calls}
        audit.log(db, assessment_id, member_id, "redraw" if old else "draw", "survey_sample", sid, old=old_v, new=new)
    return sid


def verify_sample(db, assessment_id: int) -> dict:
    """Redraw with the stored seed on the current register and compare with the stored sample.

    {register_matches, sample_matches, stored_hash, current_hash}."""
    s = current_sample(db, assessment_id)
    if s is None:
        raise NotFound("尚未抽样")
    clients = register(db, assessment_id)
    d = S.draw(clients, s["seed"], s["size"], s["reserve_size"]) if clients else None
    stored = [(r["client_id"], r["reserve"]) for r in db.query(
        "SELECT client_id, reserve FROM survey_items WHERE sample_id = ? ORDER BY position", [s["id"]])]
    redrawn = [] if d is None else [(c["id"], 0) for c in d.sample] + [(c["id"], 1) for c in d.reserve]
    cur = S.register_hash(clients)
    return {"register_matches": cur == s["register_hash"], "sample_matches": stored == redrawn,
            "stored_hash": s["register_hash"], "current_hash": cur}


# ---------- items, assignment ----------

def _calls_by_item(db, sample_id: int) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for c in db.query("SELECT c.*, m.name AS member_name FROM survey_calls c JOIN survey_items i ON i.id = c.item_id"
                      " LEFT JOIN members m ON m.id = c.member_id"
                      " WHERE i.sample_id = ? ORDER BY c.item_id, c.attempt", [sample_id]):
        c["awareness"] = json.loads(c["awareness"] or "{}")
        c["satisfaction"] = json.loads(c["satisfaction"] or "{}")
        out.setdefault(c["item_id"], []).append(c)
    return out


def _items_raw(db, sample_id: int, caller_id: int | None = None) -> list[dict]:
    sql = ("SELECT i.id, i.position, i.reserve, i.caller_id, i.claimed_by, i.claimed_at, m.name AS caller_name,"
           " c.id AS client_id, c.name, c.phone, c.community, c.category, c.household"
           " FROM survey_items i JOIN clients c ON c.id = i.client_id LEFT JOIN members m ON m.id = i.caller_id"
           " WHERE i.sample_id = ?")
    params: list = [sample_id]
    if caller_id is not None:
        sql += " AND i.caller_id = ?"
        params.append(caller_id)
    return list(db.query(sql + " ORDER BY i.position", params))


def _masked(item: dict, calls: list[dict]) -> dict:
    out = {k: v for k, v in item.items() if k not in ("name", "phone")}
    out["name"] = mask_name(item["name"])
    out["phone"] = mask_phone(item["phone"])
    out["attempts"] = len(calls)
    out["status"] = S.item_status(calls)
    out["status_label"] = S.STATUS_LABELS[out["status"]]
    out["last_outcome"] = calls[-1]["outcome"] if calls else ""
    return out


def list_items(db, assessment_id: int) -> list[dict]:
    """Every item of the active sample (masked), with status and attempts."""
    s = current_sample(db, assessment_id)
    if s is None:
        return []
    calls = _calls_by_item(db, s["id"])
    return [_masked(it, calls.get(it["id"], [])) for it in _items_raw(db, s["id"])]


def my_calls(db, assessment_id: int, member_id: int) -> list[dict]:
    """The caller's own list (masked): only items assigned to `member_id`."""
    s = current_sample(db, assessment_id)
    if s is None:
        return []
    calls = _calls_by_item(db, s["id"])
    return [_masked(it, calls.get(it["id"], [])) for it in _items_raw(db, s["id"], caller_id=member_id)]


def callers(db, assessment_id: int) -> list[dict]:
    """Members who can be given calls (everyone in the assessment)."""
    return list(db.query("SELECT id, name, role FROM members WHERE assessment_id = ?"
                         " ORDER BY CASE role WHEN 'staff' THEN 0 WHEN 'expert' THEN 1 ELSE 2 END, id",
                         [assessment_id]))


def _item(db, assessment_id: int, item_id: int) -> dict:
    row = next(iter(db.query(
        "SELECT i.*, s.assessment_id, s.active FROM survey_items i JOIN survey_samples s ON s.id = i.sample_id"
        " WHERE i.id = ?", [item_id])), None)
    if row is None or row["assessment_id"] != assessment_id:
        raise NotFound(f"找不到抽样对象 {item_id}")
    if not row["active"]:
        raise InvalidValue(f"抽样对象 {item_id} 属于已作废的样本")
    return row


def assign(db, assessment_id: int, lead_id: int, item_ids: list[int], caller_id: int | None) -> None:
    """Give the items to a caller (None = unassign). Lead only."""
    require_open(db, assessment_id)
    require_lead(db, assessment_id, lead_id)
    if caller_id is not None:
        _member_of(db, assessment_id, caller_id)
    with transaction(db):
        for iid in item_ids:
            it = _item(db, assessment_id, iid)
            if it["caller_id"] == caller_id:
                continue
            db.execute("UPDATE survey_items SET caller_id = ? WHERE id = ?", [caller_id, iid])
            audit.log(db, assessment_id, lead_id, "assign", "survey_item", iid,
                      old={"caller_id": it["caller_id"]}, new={"caller_id": caller_id})


def assign_evenly(db, assessment_id: int, lead_id: int, caller_ids: list[int]) -> int:
    """Share the unassigned main-sample items among the callers in turn; return how many."""
    if not caller_ids:
        raise InvalidValue("请至少选择一名回访人员")
    s = current_sample(db, assessment_id)
    if s is None:
        raise InvalidValue("尚未抽样")
    ids = [r["id"] for r in db.query("SELECT id FROM survey_items WHERE sample_id = ? AND reserve = 0"
                                     " AND caller_id IS NULL ORDER BY position", [s["id"]])]
    with transaction(db):
        for k, cid in enumerate(caller_ids):
            assign(db, assessment_id, lead_id, ids[k::len(caller_ids)], cid)
    return len(ids)


# ---------- the call form ----------

def _claim_live(row: dict, now: _dt.datetime) -> bool:
    if not row.get("claimed_by") or not row.get("claimed_at"):
        return False
    return now - _dt.datetime.fromisoformat(row["claimed_at"]) < _dt.timedelta(minutes=CLAIM_MINUTES)


def call_form(db, assessment_id: int, member_id: int, item_id: int) -> dict:
    """The call form for the assigned caller: full name and phone, previous attempts,
    the next attempt number, and `claimed_by_other` (name) when someone else has it open."""
    it = _item(db, assessment_id, item_id)
    if it["caller_id"] != member_id:
        raise PermissionDenied(f"抽样对象第 {it['position']} 号未分配给您，不能查看其联系方式")
    client = db["clients"].get(it["client_id"])
    calls = _calls_by_item(db, it["sample_id"]).get(item_id, [])
    other = None
    if it["claimed_by"] and it["claimed_by"] != member_id and _claim_live(it, _dt.datetime.now()):
        other = get_member(db, it["claimed_by"])["name"]
    return {"item_id": item_id, "position": it["position"], "reserve": bool(it["reserve"]),
            "name": client["name"], "phone": client["phone"], "community": client["community"],
            "category": client["category"], "calls": calls, "next_attempt": len(calls) + 1,
            "status": S.item_status(calls), "claimed_by_other": other}


def claim(db, assessment_id: int, member_id: int, item_id: int) -> str | None:
    """Mark the item as being recorded by `member_id` (releasing the member's other claims).

    Returns the other member's name, without taking the claim, when someone else
    claimed it less than CLAIM_MINUTES ago; None when the claim is ours."""
    it = _item(db, assessment_id, item_id)
    if it["caller_id"] != member_id:
        raise PermissionDenied(f"抽样对象第 {it['position']} 号未分配给您")
    now = _dt.datetime.now()
    with transaction(db):
        it = _item(db, assessment_id, item_id)
        if it["claimed_by"] and it["claimed_by"] != member_id and _claim_live(it, now):
            return get_member(db, it["claimed_by"])["name"]
        db.execute("UPDATE survey_items SET claimed_by = NULL, claimed_at = NULL WHERE claimed_by = ? AND id != ?",
                   [member_id, item_id])
        db.execute("UPDATE survey_items SET claimed_by = ?, claimed_at = ? WHERE id = ?",
                   [member_id, now.isoformat(timespec="seconds"), item_id])
    return None


def release(db, assessment_id: int, member_id: int, item_id: int) -> None:
    db.execute("UPDATE survey_items SET claimed_by = NULL, claimed_at = NULL WHERE id = ? AND claimed_by = ?",
               [item_id, member_id])


def record_call(db, assessment_id: int, member_id: int, item_id: int, attempt: int, outcome: str,
                respondent: str = "", knows_worker: bool | None = None, awareness: dict | None = None,
                satisfaction: dict | None = None, overall: int | None = None, comment: str = "",
                called_at: str | None = None) -> int:
    """Save one call attempt as entered; return its id.

    `attempt` is the attempt number the caller's form showed: if another save got
    there first the call is refused with a message naming who recorded it.
    Answers are kept only for a reached call (接通).
    """
    require_open(db, assessment_id)
    m = _member_of(db, assessment_id, member_id)
    errs = S.validate_call(outcome, respondent, knows_worker, awareness, satisfaction, overall)
    with transaction(db):
        it = _item(db, assessment_id, item_id)
        label = f"抽样对象第 {it['position']} 号"
        if it["caller_id"] != member_id:
            who = get_member(db, it["caller_id"])["name"] if it["caller_id"] else "（未分配）"
            raise PermissionDenied(f"{label}已分配给 {who}，您不能记录其通话")
        if it["claimed_by"] and it["claimed_by"] != member_id and _claim_live(it, _dt.datetime.now()):
            raise InvalidValue(f"{label}正由 {get_member(db, it['claimed_by'])['name']} 记录中，请稍后再试")
        calls = _calls_by_item(db, it["sample_id"]).get(item_id, [])
        if len(calls) >= attempt:
            c = calls[attempt - 1]
            raise InvalidValue(f"{label}的第 {attempt} 次拨打已由 {c['member_name'] or '他人'} 于 {c['called_at']} 记录"
                               f"（结果：{c['outcome']}），请刷新后再填写")
        if attempt != len(calls) + 1:
            raise InvalidValue(f"{label}：应记录第 {len(calls) + 1} 次拨打")
        status = S.item_status(calls)
        if status in S.FINAL_STATUSES:
            raise InvalidValue(f"{label}已{S.STATUS_LABELS[status]}，无需再拨打")
        if errs:
            raise InvalidValue(f"{label}第 {attempt} 次拨打：" + "；".join(errs))
        reached = outcome == S.REACHED
        row = dict(assessment_id=assessment_id, item_id=item_id, member_id=member_id, attempt=attempt,
                   called_at=called_at or _dt.datetime.now().isoformat(timespec="seconds"), outcome=outcome,
                   respondent=respondent if reached else "",
                   knows_worker=(1 if knows_worker else 0) if reached else None,
                   awareness=json.dumps({k: 1 if (awareness or {}).get(k) else 0 for k in S.AWARENESS_ITEMS}
                                        if reached else {}, ensure_ascii=False),
                   satisfaction=json.dumps({k: v for k, v in (satisfaction or {}).items() if v is not None}
                                           if reached else {}, ensure_ascii=False),
                   overall=overall if reached else None, comment=(comment or "").strip())
        try:
            cid = db["survey_calls"].insert(row).last_pk
        except sqlite3.IntegrityError:
            raise InvalidValue(f"{label}的第 {attempt} 次拨打已被他人记录，请刷新后再填写") from None
        db.execute("UPDATE survey_items SET claimed_by = NULL, claimed_at = NULL WHERE id = ?", [item_id])
        # The log holds the item and outcome, never the client's name or phone.
        audit.log(db, assessment_id, member_id, "call", "survey_item", item_id,
                  new={k: v for k, v in row.items() if k not in ("assessment_id",)}, actor=m["name"])
    return cid


# ---------- results ----------

def survey_results(db, assessment_id: int) -> S.SurveyResults:
    """Results of the active sample (an empty SurveyResults when nothing is drawn)."""
    s = current_sample(db, assessment_id)
    if s is None:
        return S.compute_results(None, [], {})
    items = _items_raw(db, s["id"])
    clients = register(db, assessment_id)
    return S.compute_results(s, items, _calls_by_item(db, s["id"]),
                             current_hash=S.register_hash(clients), register_size=len(clients))


def evidence(db, assessment_id: int) -> S.SurveyResults | None:
    """For core.suggest (rule "satisfaction"): the results, or None before any call is answered."""
    res = survey_results(db, assessment_id)
    return res if res.reached else None


def withdraw_sample(db, assessment_id: int, lead_id: int, confirm: bool = False) -> None:
    """Withdraw every sample of the assessment (lead only), e.g. so the register can be replaced.

    Recorded calls are deleted with it, so `confirm=True` is needed once calls exist;
    the audit log keeps the seed, hash and number of calls withdrawn."""
    require_open(db, assessment_id)
    require_lead(db, assessment_id, lead_id)
    with transaction(db):
        samples = list(db.query("SELECT id, seed, register_hash, active FROM survey_samples WHERE assessment_id = ?",
                                [assessment_id]))
        if not samples:
            raise InvalidValue("尚未抽样，无需撤销")
        calls = db.execute("SELECT COUNT(*) FROM survey_calls WHERE assessment_id = ?", [assessment_id]).fetchone()[0]
        if calls and not confirm:
            raise InvalidValue(f"已有 {calls} 条通话记录，撤销抽样将一并删除这些记录，请先确认")
        db.execute("DELETE FROM survey_samples WHERE assessment_id = ?", [assessment_id])
        active = next((s for s in samples if s["active"]), samples[-1])
        audit.log(db, assessment_id, lead_id, "withdraw", "survey_sample", active["id"],
                  old={"seed": active["seed"], "register_hash": active["register_hash"], "samples": len(samples),
                       "calls": calls}, new=None)


def export_rows(db, assessment_id: int) -> list[dict]:
    """One masked row per sampled client for CSV/Excel export (Chinese headers)."""
    s = current_sample(db, assessment_id)
    if s is None:
        return []
    calls = _calls_by_item(db, s["id"])
    out = []
    for it in _items_raw(db, s["id"]):
        cs = calls.get(it["id"], [])
        st = S.item_status(cs)
        if it["reserve"] and not cs and it["caller_id"] is None:
            continue
        r = next((c for c in cs if c["outcome"] == S.REACHED), None)
        row = {"序号": it["position"], "候补": "是" if it["reserve"] else "", "姓名": mask_name(it["name"]),
               "电话": mask_phone(it["phone"]), "社区": it["community"], "类别": it["category"],
               "回访人": it["caller_name"] or "", "拨打次数": len(cs), "状态": S.STATUS_LABELS[st],
               "受访者": r["respondent"] if r else "",
               "认识社工": ("是" if r["knows_worker"] else "否") if r else ""}
        for k in S.AWARENESS_ITEMS:
            row[f"知晓-{k}"] = ("是" if r["awareness"].get(k) else "否") if r else ""
        for k in S.SATISFACTION_ITEMS:
            v = r["satisfaction"].get(k) if r else None
            row[k] = S.SCALE.get(v, "") if v else ""
        row[S.OVERALL] = S.SCALE.get(r["overall"], "") if r else ""
        row["备注"] = r["comment"] if r else (cs[-1]["comment"] if cs else "")
        out.append(row)
    return out
