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
from .errors import InvalidValue, NotFound
from .guard import Write, writer


def _findings(db, assessment_id: int) -> list[dict]:
    return list(db.query(
        "SELECT f.id, f.section_code, f.area_code, f.kind, f.text, f.member_id, m.name AS member_name"
        " FROM findings f LEFT JOIN members m ON m.id = f.member_id"
        " WHERE f.assessment_id = ? AND f.deleted = 0 ORDER BY f.id", [assessment_id]))


def _stored(db, assessment_id: int, key: tuple[str, str, str] | None = None) -> list[dict]:
    """The stored report items (of one group: an indexed read of that group only)."""
    sql = "SELECT * FROM report_items WHERE assessment_id = ?"
    params: list = [assessment_id]
    if key is not None:
        sql += " AND section_code = ? AND area_code = ? AND kind = ?"
        params += list(key)
    rows = list(db.query(sql + " ORDER BY position, id", params))
    for r in rows:
        r["source_finding_ids"] = json.loads(r["source_finding_ids"])
    return rows


def _group_findings(db, assessment_id: int, key: tuple[str, str, str]) -> list[dict]:
    """The (not deleted) findings of one group, in id order (an indexed read of that group only)."""
    return list(db.query(
        "SELECT f.id, f.section_code, f.area_code, f.kind, f.text, f.member_id, m.name AS member_name"
        " FROM findings f LEFT JOIN members m ON m.id = f.member_id WHERE f.assessment_id = ? AND f.section_code = ?"
        " AND f.area_code = ? AND f.kind = ? AND f.deleted = 0 ORDER BY f.id", [assessment_id, *key]))


def _authors(db, assessment_id: int, finding_ids) -> dict[int, str]:
    """finding id -> its writer's name, for the (not deleted) findings among `finding_ids`."""
    ids = sorted(set(finding_ids))
    if not ids:
        return {}
    return {r[0]: r[1] or "" for r in db.execute(
        f"SELECT f.id, m.name FROM findings f LEFT JOIN members m ON m.id = f.member_id WHERE f.assessment_id = ?"
        f" AND f.deleted = 0 AND f.id IN ({','.join('?' * len(ids))})", [assessment_id, *ids])}


def all_items(db, assessment_id: int) -> dict[tuple[str, str, str], list[dict]]:
    """Every group's report items, in report order: {(section, area, kind): [item, …]}.

    Item: ref, id (None when derived), section_code, area_code, kind, text,
    source_finding_ids, authors (names of the findings' writers), edited.
    """
    findings = _findings(db, assessment_id)
    names = {f["id"]: f["member_name"] or "" for f in findings}
    out: dict[tuple[str, str, str], list[dict]] = {}
    edited = set()
    for r in _stored(db, assessment_id):
        key = (r["section_code"], r["area_code"], r["kind"])
        edited.add(key)
        out.setdefault(key, []).append(dict(
            ref=f"item:{r['id']}", id=r["id"], section_code=r["section_code"], area_code=r["area_code"],
            kind=r["kind"], text=r["text"], source_finding_ids=r["source_finding_ids"], edited=True,
            authors=list(dict.fromkeys(names[i] for i in r["source_finding_ids"] if names.get(i)))))
    for key in _edited_groups(db, assessment_id):
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


def group_items(db, assessment_id: int, section_code: str, area_code: str, kind: str) -> list[dict]:
    """One group's items, as `all_items` gives them, reading that group's rows only."""
    key = (section_code, area_code or "", kind)
    if key not in _edited_groups(db, assessment_id):
        return [dict(ref=f"finding:{f['id']}", id=None, section_code=key[0], area_code=key[1], kind=key[2],
                     text=f["text"], source_finding_ids=[f["id"]], edited=False, authors=[f["member_name"] or ""])
                for f in _group_findings(db, assessment_id, key)]
    rows = _stored(db, assessment_id, key)
    names = _authors(db, assessment_id, [i for r in rows for i in r["source_finding_ids"]])
    return [dict(ref=f"item:{r['id']}", id=r["id"], section_code=r["section_code"], area_code=r["area_code"],
                 kind=r["kind"], text=r["text"], source_finding_ids=r["source_finding_ids"], edited=True,
                 authors=list(dict.fromkeys(names[i] for i in r["source_finding_ids"] if names.get(i))))
            for r in rows]


def _edited_groups(db, assessment_id: int) -> set[tuple[str, str, str]]:
    """Groups the lead has taken over (even if all their items were removed)."""
    row = db.execute("SELECT text FROM report_texts WHERE assessment_id = ? AND key = ?",
                     [assessment_id, "_edited_groups"]).fetchone()
    return {tuple(x) for x in json.loads(row[0])} if row else set()


def _mark_edited(db, assessment_id: int, key: tuple[str, str, str]) -> None:
    groups = _edited_groups(db, assessment_id) | {key}
    db.execute(
        "INSERT INTO report_texts (assessment_id, key, text, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (assessment_id, key) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
        [assessment_id, "_edited_groups", json.dumps(sorted(groups), ensure_ascii=False), audit.now()])


def is_edited(db, assessment_id: int, section_code: str, area_code: str, kind: str) -> bool:
    return (section_code, area_code or "", kind) in _edited_groups(db, assessment_id)


def unused_findings(db, assessment_id: int, section_code: str, area_code: str, kind: str) -> list[dict]:
    """Findings of an edited group that no report item draws on (e.g. written after the lead's edit)."""
    key = (section_code, area_code or "", kind)
    if key not in _edited_groups(db, assessment_id):
        return []
    used = {i for it in group_items(db, assessment_id, *key) for i in it["source_finding_ids"]}
    return [f for f in _group_findings(db, assessment_id, key) if f["id"] not in used]


def _materialize(db, assessment_id: int, key: tuple[str, str, str]) -> list[str] | None:
    """Copy a group's derived items into report_items (inside the writer's transaction).

    Returns the texts copied, or None when the group was already the lead's: the
    calling writer folds them into its one audit row.
    """
    if key in _edited_groups(db, assessment_id):
        return None
    derived = _group_findings(db, assessment_id, key)
    at = audit.now()
    db.conn.executemany(
        "INSERT INTO report_items (assessment_id, section_code, area_code, kind, position, text, source_finding_ids,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(assessment_id, *key, pos, f["text"], json.dumps([f["id"]]), at) for pos, f in enumerate(derived)])
    _mark_edited(db, assessment_id, key)
    return [f["text"] for f in derived]


def _log(w: Write, action: str, entity: str, key, old=None, new=None, taken_over: list[str] | None = None) -> None:
    """The writer's one audit row; a group taken over on the way is recorded in it."""
    if taken_over is not None:
        new = dict(new or {}, group_taken_over=taken_over)
    w.log(action, entity, key, old=old, new=new)


def _group_of_ref(db, assessment_id: int, ref: str) -> tuple[str, str, str]:
    kind_, _, num = (ref or "").partition(":")
    try:
        num_i = int(num)
    except ValueError:
        raise NotFound(f"找不到报告条目“{ref}”") from None
    table = {"item": "report_items", "finding": "findings"}.get(kind_)
    if table is None:
        raise NotFound(f"找不到报告条目“{ref}”")
    row = db.execute(f"SELECT section_code, area_code, kind FROM {table} WHERE id = ? AND assessment_id = ?",
                     [num_i, assessment_id]).fetchone()
    if row is None:
        raise NotFound(f"找不到报告条目“{ref}”")
    return (row[0], row[1], row[2])


def _resolve(db, assessment_id: int, ref: str) -> tuple[dict, list[str] | None]:
    """The stored item a ref points to (its group materialized first if needed), and the texts
    copied by that materialization (None when none)."""
    key = _group_of_ref(db, assessment_id, ref)
    taken = _materialize(db, assessment_id, key)
    kind_, _, num = ref.partition(":")
    for it in _stored(db, assessment_id, key):
        if kind_ == "item" and it["id"] == int(num):
            return it, taken
        if kind_ == "finding" and (it["section_code"], it["area_code"], it["kind"]) == key \
                and it["source_finding_ids"] == [int(num)]:
            return it, taken
    raise NotFound(f"报告条目“{ref}”已被合并或移除，请刷新页面")


def _group_rows(db, assessment_id: int, key) -> list[dict]:
    return _stored(db, assessment_id, tuple(key))


def _renumber(db, rows: list[dict]) -> None:
    for pos, r in enumerate(rows):
        if r["position"] != pos:
            db.execute("UPDATE report_items SET position = ? WHERE id = ?", [pos, r["id"]])


def _group_key(item: dict) -> tuple[str, str, str]:
    return (item["section_code"], item["area_code"], item["kind"])


def _log_taken_over(w: Write, key, taken: list[str] | None) -> None:
    """Nothing else changed: the one audit row records the group taken over (if it was)."""
    if taken is not None:
        w.log("create", "report_group", "/".join(key), new={"items": taken})


@writer("lead", what="报告内容")
def update_item(w: Write, ref: str, text: str) -> str:
    """Edit an item's wording (text already checked by core.report.edits); returns its (possibly new) ref."""
    it, taken = _resolve(w.db, w.assessment_id, ref)
    if it["text"] != text:
        w.db.execute("UPDATE report_items SET text = ?, updated_at = ? WHERE id = ?", [text, audit.now(), it["id"]])
        _log(w, "update", "report_item", it["id"], old={"text": it["text"]}, new={"text": text}, taken_over=taken)
    else:
        _log_taken_over(w, _group_key(it), taken)
    return f"item:{it['id']}"


@writer("lead", what="报告内容")
def move_item(w: Write, ref: str, delta: int) -> None:
    """Move an item up (delta < 0) or down within its group."""
    it, taken = _resolve(w.db, w.assessment_id, ref)
    rows = _group_rows(w.db, w.assessment_id, _group_key(it))
    idx = next(n for n, r in enumerate(rows) if r["id"] == it["id"])
    new = max(0, min(len(rows) - 1, idx + delta))
    if new == idx:
        _log_taken_over(w, _group_key(it), taken)
        return
    rows.insert(new, rows.pop(idx))
    _renumber(w.db, rows)
    _log(w, "move", "report_item", it["id"], old={"position": idx}, new={"position": new}, taken_over=taken)


@writer("lead", what="报告内容")
def merge_items(w: Write, refs: list[str], text: str | None = None) -> str:
    """Merge items of one group into the first of them (texts joined unless `text` is given)."""
    resolved = [_resolve(w.db, w.assessment_id, r) for r in refs]
    items = [it for it, _ in resolved]
    taken_lists = [t for _, t in resolved if t is not None]
    taken = [x for t in taken_lists for x in t] if taken_lists else None
    keys = {_group_key(i) for i in items}
    if len(keys) != 1:
        raise InvalidValue("只能合并同一部分、同一片区、同一类型（值得肯定/需要关注）的意见")
    rows = _group_rows(w.db, w.assessment_id, keys.pop())
    order = {r["id"]: n for n, r in enumerate(rows)}
    items = sorted({i["id"]: i for i in items}.values(), key=lambda i: order[i["id"]])
    first = items[0]
    merged = (text or "").strip() or "".join(i["text"] for i in items)
    sources = list(dict.fromkeys(s for i in items for s in i["source_finding_ids"]))
    w.db.execute("UPDATE report_items SET text = ?, source_finding_ids = ?, updated_at = ? WHERE id = ?",
                 [merged, json.dumps(sources), audit.now(), first["id"]])
    for i in items[1:]:
        w.db.execute("DELETE FROM report_items WHERE id = ?", [i["id"]])
    _renumber(w.db, [r for r in rows if r["id"] not in {i["id"] for i in items[1:]}])
    _log(w, "merge", "report_item", first["id"], old={"items": [i["text"] for i in items]}, new={"text": merged},
         taken_over=taken)
    return f"item:{first['id']}"


@writer("lead", what="报告内容")
def remove_item(w: Write, ref: str) -> None:
    """Leave an item out of the report (the expert's finding stays in the record)."""
    it, taken = _resolve(w.db, w.assessment_id, ref)
    w.db.execute("DELETE FROM report_items WHERE id = ?", [it["id"]])
    _renumber(w.db, _group_rows(w.db, w.assessment_id, _group_key(it)))
    _log(w, "delete", "report_item", it["id"], old={"text": it["text"]}, taken_over=taken)


def finding_text(db, assessment_id: int, finding_id: int) -> str:
    """The text of one of the assessment's findings (NotFound otherwise)."""
    row = db.execute("SELECT text FROM findings WHERE id = ? AND assessment_id = ?",
                     [finding_id, assessment_id]).fetchone()
    if row is None:
        raise NotFound(f"找不到意见 {finding_id}")
    return row[0]


@writer("lead", what="报告内容")
def add_item(w: Write, section_code: str, area_code: str, kind: str, text: str,
             finding_id: int | None = None) -> str:
    """Append an item to a group: the lead's own text, or an expert's finding (its text when none given).

    Kind and text are checked by core.report.edits.
    """
    sources: list[int] = []
    if finding_id is not None:
        found = finding_text(w.db, w.assessment_id, finding_id)
        text = text or found
        sources = [finding_id]
    key = (section_code, area_code or "", kind)
    taken = _materialize(w.db, w.assessment_id, key)
    pos = len(_group_rows(w.db, w.assessment_id, key))
    iid = w.db["report_items"].insert(dict(
        assessment_id=w.assessment_id, section_code=key[0], area_code=key[1], kind=kind, position=pos, text=text,
        source_finding_ids=json.dumps(sources), updated_at=audit.now())).last_pk
    _log(w, "create", "report_item", iid, new={"group": "/".join(key), "text": text}, taken_over=taken)
    return f"item:{iid}"


@writer("lead", what="报告内容")
def reset_group(w: Write, section_code: str, area_code: str, kind: str) -> None:
    """Drop the lead's edits of a group: it shows the experts' findings again."""
    key = (section_code, area_code or "", kind)
    rows = _group_rows(w.db, w.assessment_id, key)
    w.db.execute("DELETE FROM report_items WHERE assessment_id = ? AND section_code = ? AND area_code = ? AND kind = ?",
                 [w.assessment_id, *key])
    groups = _edited_groups(w.db, w.assessment_id) - {key}
    w.db.execute("UPDATE report_texts SET text = ?, updated_at = ? WHERE assessment_id = ? AND key = ?",
                 [json.dumps(sorted(groups), ensure_ascii=False), audit.now(), w.assessment_id, "_edited_groups"])
    w.log("reset", "report_group", "/".join(key), old={"items": [r["text"] for r in rows]})


# ---------- free texts (评估反馈, 结语, …) ----------

def get_texts(db, assessment_id: int) -> dict[str, str]:
    """The lead's texts by key (keys starting with '_' are internal)."""
    return {r["key"]: r["text"] for r in db.query(
        "SELECT key, text FROM report_texts WHERE assessment_id = ? AND key NOT LIKE '\\_%' ESCAPE '\\'",
        [assessment_id])}


@writer("lead", what="报告内容")
def set_text(w: Write, key: str, text: str) -> None:
    """Save one text; an empty text removes it (the report then uses the app's default wording)."""
    if not key or key.startswith("_"):
        raise InvalidValue(f"无效的报告文本项“{key}”")   # '_…' keys are internal storage
    old = w.db.execute("SELECT text FROM report_texts WHERE assessment_id = ? AND key = ?",
                       [w.assessment_id, key]).fetchone()
    if (old[0] if old else "") == text:
        return
    if text:
        w.db.execute(
            "INSERT INTO report_texts (assessment_id, key, text, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (assessment_id, key) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
            [w.assessment_id, key, text, audit.now()])
    else:
        w.db.execute("DELETE FROM report_texts WHERE assessment_id = ? AND key = ?", [w.assessment_id, key])
    w.log("update", "report_text", key, old={"text": old[0]} if old else None, new={"text": text} if text else None)
