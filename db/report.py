"""The report text the lead edits: ordered/merged/edited findings and free texts.

A *group* is (section_code, area_code, kind): a framework section (or
'party:<code>' for another party), a 片区 ('' when station-wide) and
'strength' (值得肯定) or 'concern' (需要关注).

Until the lead touches a group, its report items are the experts' findings in
the order they were written (derived, nothing stored). The first edit of a
group copies its findings into `report_items`; from then on the lead orders,
merges, edits, removes and adds items there. The experts' originals in
`findings` are never changed by anything here.

Each item is addressed by a `ref`: 'item:<id>' for a stored item, or
'finding:<id>' for a derived one (resolved to its stored copy on first edit).
"""
from __future__ import annotations

import json

from . import audit
from .assessments import require_lead, require_open
from .connection import transaction
from .errors import InvalidValue, NotFound

KINDS = {"strength": "值得肯定", "concern": "需要关注"}


def _findings(db, aid: int) -> list[dict]:
    return list(db.query(
        "SELECT f.id, f.section_code, f.area_code, f.kind, f.text, f.member_id, m.name AS member_name"
        " FROM findings f LEFT JOIN members m ON m.id = f.member_id"
        " WHERE f.assessment_id = ? AND f.deleted = 0 ORDER BY f.id", [aid]))


def _stored(db, aid: int) -> list[dict]:
    rows = list(db.query("SELECT * FROM report_items WHERE assessment_id = ? ORDER BY position, id", [aid]))
    for r in rows:
        r["source_finding_ids"] = json.loads(r["source_finding_ids"])
    return rows


def all_items(db, aid: int) -> dict[tuple[str, str, str], list[dict]]:
    """Every group's report items, in report order: {(section, area, kind): [item, …]}.

    Item: ref, id (None when derived), section_code, area_code, kind, text,
    source_finding_ids, authors (names of the findings' writers), edited.
    """
    findings = _findings(db, aid)
    names = {f["id"]: f["member_name"] or "" for f in findings}
    out: dict[tuple[str, str, str], list[dict]] = {}
    edited = set()
    for r in _stored(db, aid):
        key = (r["section_code"], r["area_code"], r["kind"])
        edited.add(key)
        out.setdefault(key, []).append(dict(
            ref=f"item:{r['id']}", id=r["id"], section_code=r["section_code"], area_code=r["area_code"],
            kind=r["kind"], text=r["text"], source_finding_ids=r["source_finding_ids"], edited=True,
            authors=list(dict.fromkeys(names[i] for i in r["source_finding_ids"] if names.get(i)))))
    for key in _edited_groups(db, aid):
        edited.add(key)
        out.setdefault(key, [])
    for f in findings:
        key = (f["section_code"], f["area_code"], f["kind"])
        if key in edited:
            continue
        out.setdefault(key, []).append(dict(
            ref=f"finding:{f['id']}", id=None, section_code=f["section_code"], area_code=f["area_code"],
            kind=f["kind"], text=f["text"], source_finding_ids=[f["id"]], edited=False,
            authors=[f["member_name"] or ""]))
    return out


def group_items(db, aid: int, section_code: str, area_code: str, kind: str) -> list[dict]:
    return all_items(db, aid).get((section_code, area_code or "", kind), [])


def _edited_groups(db, aid: int) -> set[tuple[str, str, str]]:
    """Groups the lead has taken over (even if all their items were removed)."""
    row = db.execute("SELECT text FROM report_texts WHERE assessment_id = ? AND key = ?",
                     [aid, "_edited_groups"]).fetchone()
    return {tuple(x) for x in json.loads(row[0])} if row else set()


def _mark_edited(db, aid: int, key: tuple[str, str, str]) -> None:
    groups = _edited_groups(db, aid) | {key}
    db.execute(
        "INSERT INTO report_texts (assessment_id, key, text, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (assessment_id, key) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
        [aid, "_edited_groups", json.dumps(sorted(groups), ensure_ascii=False), audit.now()])


def is_edited(db, aid: int, section_code: str, area_code: str, kind: str) -> bool:
    return (section_code, area_code or "", kind) in _edited_groups(db, aid)


def unused_findings(db, aid: int, section_code: str, area_code: str, kind: str) -> list[dict]:
    """Findings of an edited group that no report item draws on (e.g. written after the lead's edit)."""
    key = (section_code, area_code or "", kind)
    if key not in _edited_groups(db, aid):
        return []
    used = {i for it in all_items(db, aid).get(key, []) for i in it["source_finding_ids"]}
    return [f for f in _findings(db, aid)
            if (f["section_code"], f["area_code"], f["kind"]) == key and f["id"] not in used]


def _check(db, aid: int, lead_id: int) -> None:
    require_lead(db, aid, lead_id)
    require_open(db, aid)


def _materialize(db, aid: int, lead_id: int, key: tuple[str, str, str]) -> None:
    """Copy a group's derived items into report_items (inside the caller's transaction)."""
    if key in _edited_groups(db, aid):
        return
    derived = all_items(db, aid).get(key, [])
    for pos, it in enumerate(derived):
        db["report_items"].insert(dict(
            assessment_id=aid, section_code=key[0], area_code=key[1], kind=key[2], position=pos,
            text=it["text"], source_finding_ids=json.dumps(it["source_finding_ids"]), updated_at=audit.now()))
    _mark_edited(db, aid, key)
    audit.log(db, aid, lead_id, "create", "report_group", "/".join(key),
              new={"items": [it["text"] for it in derived]})


def _group_of_ref(db, aid: int, ref: str) -> tuple[str, str, str]:
    kind_, _, num = (ref or "").partition(":")
    try:
        num_i = int(num)
    except ValueError:
        raise NotFound(f"找不到报告条目“{ref}”") from None
    table = {"item": "report_items", "finding": "findings"}.get(kind_)
    if table is None:
        raise NotFound(f"找不到报告条目“{ref}”")
    row = db.execute(f"SELECT section_code, area_code, kind FROM {table} WHERE id = ? AND assessment_id = ?",
                     [num_i, aid]).fetchone()
    if row is None:
        raise NotFound(f"找不到报告条目“{ref}”")
    return (row[0], row[1], row[2])


def _resolve(db, aid: int, lead_id: int, ref: str) -> dict:
    """The stored item a ref points to, materializing its group first if needed."""
    key = _group_of_ref(db, aid, ref)
    _materialize(db, aid, lead_id, key)
    kind_, _, num = ref.partition(":")
    for it in _stored(db, aid):
        if kind_ == "item" and it["id"] == int(num):
            return it
        if kind_ == "finding" and (it["section_code"], it["area_code"], it["kind"]) == key \
                and it["source_finding_ids"] == [int(num)]:
            return it
    raise NotFound(f"报告条目“{ref}”已被合并或移除，请刷新页面")


def _group_rows(db, aid: int, key) -> list[dict]:
    return [r for r in _stored(db, aid) if (r["section_code"], r["area_code"], r["kind"]) == tuple(key)]


def _renumber(db, rows: list[dict]) -> None:
    for pos, r in enumerate(rows):
        if r["position"] != pos:
            db.execute("UPDATE report_items SET position = ? WHERE id = ?", [pos, r["id"]])


def update_item(db, aid: int, lead_id: int, ref: str, text: str) -> str:
    """Edit an item's wording; returns its (possibly new) ref."""
    _check(db, aid, lead_id)
    text = (text or "").strip()
    if not text:
        raise InvalidValue("报告条目内容不能为空（如需删除请使用“移除”）")
    with transaction(db):
        it = _resolve(db, aid, lead_id, ref)
        if it["text"] != text:
            db.execute("UPDATE report_items SET text = ?, updated_at = ? WHERE id = ?", [text, audit.now(), it["id"]])
            audit.log(db, aid, lead_id, "update", "report_item", it["id"], old={"text": it["text"]}, new={"text": text})
    return f"item:{it['id']}"


def move_item(db, aid: int, lead_id: int, ref: str, delta: int) -> None:
    """Move an item up (delta < 0) or down within its group."""
    _check(db, aid, lead_id)
    with transaction(db):
        it = _resolve(db, aid, lead_id, ref)
        rows = _group_rows(db, aid, (it["section_code"], it["area_code"], it["kind"]))
        idx = next(n for n, r in enumerate(rows) if r["id"] == it["id"])
        new = max(0, min(len(rows) - 1, idx + delta))
        if new == idx:
            return
        rows.insert(new, rows.pop(idx))
        _renumber(db, rows)
        audit.log(db, aid, lead_id, "move", "report_item", it["id"], old={"position": idx}, new={"position": new})


def merge_items(db, aid: int, lead_id: int, refs: list[str], text: str | None = None) -> str:
    """Merge items of one group into the first of them (texts joined unless `text` is given)."""
    _check(db, aid, lead_id)
    if len(refs) < 2:
        raise InvalidValue("请至少选择两条意见进行合并")
    with transaction(db):
        items = [_resolve(db, aid, lead_id, r) for r in refs]
        keys = {(i["section_code"], i["area_code"], i["kind"]) for i in items}
        if len(keys) != 1:
            raise InvalidValue("只能合并同一部分、同一片区、同一类型（值得肯定/需要关注）的意见")
        rows = _group_rows(db, aid, keys.pop())
        order = {r["id"]: n for n, r in enumerate(rows)}
        items = sorted({i["id"]: i for i in items}.values(), key=lambda i: order[i["id"]])
        first = items[0]
        merged = (text or "").strip() or "".join(i["text"] for i in items)
        sources = list(dict.fromkeys(s for i in items for s in i["source_finding_ids"]))
        db.execute("UPDATE report_items SET text = ?, source_finding_ids = ?, updated_at = ? WHERE id = ?",
                   [merged, json.dumps(sources), audit.now(), first["id"]])
        for i in items[1:]:
            db.execute("DELETE FROM report_items WHERE id = ?", [i["id"]])
        _renumber(db, [r for r in rows if r["id"] not in {i["id"] for i in items[1:]}])
        audit.log(db, aid, lead_id, "merge", "report_item", first["id"],
                  old={"items": [i["text"] for i in items]}, new={"text": merged})
    return f"item:{first['id']}"


def remove_item(db, aid: int, lead_id: int, ref: str) -> None:
    """Leave an item out of the report (the expert's finding stays in the record)."""
    _check(db, aid, lead_id)
    with transaction(db):
        it = _resolve(db, aid, lead_id, ref)
        db.execute("DELETE FROM report_items WHERE id = ?", [it["id"]])
        _renumber(db, _group_rows(db, aid, (it["section_code"], it["area_code"], it["kind"])))
        audit.log(db, aid, lead_id, "delete", "report_item", it["id"], old={"text": it["text"]})


def add_item(db, aid: int, lead_id: int, section_code: str, area_code: str, kind: str, text: str,
             finding_id: int | None = None) -> str:
    """Append an item to a group: the lead's own text, or an expert's finding (its text when none given)."""
    _check(db, aid, lead_id)
    if kind not in KINDS:
        raise InvalidValue(f"未知意见类型“{kind}”（应为值得肯定或需要关注）")
    sources: list[int] = []
    if finding_id is not None:
        row = db.execute("SELECT text FROM findings WHERE id = ? AND assessment_id = ?", [finding_id, aid]).fetchone()
        if row is None:
            raise NotFound(f"找不到意见 {finding_id}")
        text = text or row[0]
        sources = [finding_id]
    text = (text or "").strip()
    if not text:
        raise InvalidValue("报告条目内容不能为空")
    key = (section_code, area_code or "", kind)
    with transaction(db):
        _materialize(db, aid, lead_id, key)
        pos = len(_group_rows(db, aid, key))
        iid = db["report_items"].insert(dict(
            assessment_id=aid, section_code=key[0], area_code=key[1], kind=kind, position=pos, text=text,
            source_finding_ids=json.dumps(sources), updated_at=audit.now())).last_pk
        audit.log(db, aid, lead_id, "create", "report_item", iid, new={"group": "/".join(key), "text": text})
    return f"item:{iid}"


def reset_group(db, aid: int, lead_id: int, section_code: str, area_code: str, kind: str) -> None:
    """Drop the lead's edits of a group: it shows the experts' findings again."""
    _check(db, aid, lead_id)
    key = (section_code, area_code or "", kind)
    with transaction(db):
        rows = _group_rows(db, aid, key)
        db.execute("DELETE FROM report_items WHERE assessment_id = ? AND section_code = ? AND area_code = ? AND kind = ?",
                   [aid, *key])
        groups = _edited_groups(db, aid) - {key}
        db.execute("UPDATE report_texts SET text = ?, updated_at = ? WHERE assessment_id = ? AND key = ?",
                   [json.dumps(sorted(groups), ensure_ascii=False), audit.now(), aid, "_edited_groups"])
        audit.log(db, aid, lead_id, "reset", "report_group", "/".join(key), old={"items": [r["text"] for r in rows]})


# ---------- free texts (评估反馈, 结语, …) ----------

def get_texts(db, aid: int) -> dict[str, str]:
    """The lead's texts by key (keys starting with '_' are internal)."""
    return {r["key"]: r["text"] for r in db.query(
        "SELECT key, text FROM report_texts WHERE assessment_id = ? AND key NOT LIKE '\\_%' ESCAPE '\\'", [aid])}


def set_text(db, aid: int, lead_id: int, key: str, text: str) -> None:
    """Save one text; an empty text removes it (the report then uses the app's default wording)."""
    _check(db, aid, lead_id)
    if not key or key.startswith("_"):
        raise InvalidValue(f"无效的报告文本项“{key}”")
    text = (text or "").strip()
    with transaction(db):
        old = db.execute("SELECT text FROM report_texts WHERE assessment_id = ? AND key = ?", [aid, key]).fetchone()
        if (old[0] if old else "") == text:
            return
        if text:
            db.execute(
                "INSERT INTO report_texts (assessment_id, key, text, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (assessment_id, key) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
                [aid, key, text, audit.now()])
        else:
            db.execute("DELETE FROM report_texts WHERE assessment_id = ? AND key = ?", [aid, key])
        audit.log(db, aid, lead_id, "update", "report_text", key, old={"text": old[0]} if old else None,
                  new={"text": text} if text else None)
