"""Contract indicators (协议指标): rows of `contract_indicators`.

Storage only: core.station.data validates the rows (core.station.indicators) and passes clean
values. Writers (lead and staff) go through the one write guard and log one audit row.
"""
from __future__ import annotations

from .errors import InvalidValue, NotFound
from .guard import Write, writer

FIELDS = ("name", "unit", "target", "mid_target", "actual", "note", "target_pending")
EDITORS = ("lead", "staff")


def _row(c: dict) -> dict:
    """The stored fields of a clean row (a target is confirmed unless it says target_pending)."""
    out = {k: c.get(k) for k in FIELDS}
    out["target_pending"] = 1 if c.get("target_pending") else 0
    return out


def _int_if_whole(v):
    return int(v) if isinstance(v, float) and v.is_integer() else v


def list_indicators(db, assessment_id: int) -> list[dict]:
    """The indicator rows in table order; whole figures as int (1968, not 1968.0)."""
    rows = list(db.query("SELECT id, position, name, unit, target, mid_target, actual, note, target_pending"
                         " FROM contract_indicators WHERE assessment_id = ? ORDER BY position, id", [assessment_id]))
    for r in rows:
        r["target"], r["actual"] = _int_if_whole(r["target"]), _int_if_whole(r["actual"])
        r["mid_target"] = _int_if_whole(r["mid_target"])
    return rows


@writer(*EDITORS, what="协议指标")
def replace_indicators(w: Write, rows: list[dict], source: str = "") -> bool:
    """Replace the table with clean `rows` ({id?, name, unit, target, mid_target, actual, note,
    target_pending}), in order.

    A row keeps its id when `id` names an existing indicator. One audit row lists the
    per-row changes (old: updated and deleted rows; new: created and updated rows), or
    the file for an import (`source`). Returns True if anything changed; nothing is
    written when the rows equal the table (and no file is imported).
    """
    db, assessment_id = w.db, w.assessment_id
    old = {r["id"]: r for r in list_indicators(db, assessment_id)}
    olds, news = [], []
    kept = set()
    for pos, c in enumerate(rows):
        rid = c.get("id") if c.get("id") in old else None
        now = _row(c)
        if rid is None:
            news.append(dict(now, action="create", position=pos))
            continue
        kept.add(rid)
        o = old[rid]
        before = {k: o[k] for k in FIELDS}
        if before != now or o["position"] != pos:
            changed = [k for k in FIELDS if before[k] != now[k]]
            olds.append(dict({k: before[k] for k in changed}, id=rid, action="update", name=o["name"],
                             position=o["position"]))
            news.append(dict({k: now[k] for k in changed}, id=rid, action="update", name=now["name"], position=pos))
    for rid, o in old.items():
        if rid not in kept:
            olds.append(dict({k: o[k] for k in FIELDS}, id=rid, action="delete"))
    if not olds and not news and not source:
        return False
    db.execute("DELETE FROM contract_indicators WHERE assessment_id = ?", [assessment_id])
    for pos, c in enumerate(rows):
        row = dict(assessment_id=assessment_id, position=pos, **_row(c))
        if c.get("id") in old:
            row["id"] = c["id"]
        db["contract_indicators"].insert(row)
    new: dict = {"rows": news}
    if source:
        new.update(file=source, count=len(rows))
    w.log("import" if source else "update", "contract_indicators", assessment_id, old={"rows": olds}, new=new)
    return bool(olds or news)


@writer(*EDITORS, what="协议指标")
def save_indicator(w: Write, name: str, unit: str = "", target=None, actual=None, note: str = "",
                   indicator_id: int | None = None, mid_target=None, target_pending: int = 0) -> int:
    """Create or update one (clean) indicator, by id or else by name; returns its id."""
    db, assessment_id = w.db, w.assessment_id
    c = dict(name=name, unit=unit, target=target, mid_target=mid_target, actual=actual, note=note,
             target_pending=int(bool(target_pending)))
    rows = list_indicators(db, assessment_id)
    if indicator_id is None:
        indicator_id = next((r["id"] for r in rows if r["name"] == name), None)
    elif indicator_id not in {r["id"] for r in rows}:
        raise NotFound(f"找不到协议指标 {indicator_id}")
    if any(r["name"] == name and r["id"] != indicator_id for r in rows):
        raise InvalidValue(f"指标“{name}”已存在")
    if indicator_id is None:
        pos = max((r["position"] for r in rows), default=-1) + 1
        indicator_id = db["contract_indicators"].insert(dict(assessment_id=assessment_id, position=pos, **c)).last_pk
        w.log("create", "contract_indicator", indicator_id, new=c)
    else:
        o = next(r for r in rows if r["id"] == indicator_id)
        w.update_changed("contract_indicators", indicator_id, o, c, entity="contract_indicator")
    return indicator_id


@writer(*EDITORS, what="协议指标")
def prefill_indicators(w: Write, items: list[tuple[str, str]]) -> bool:
    """Append the (name, unit) items not in the table yet, without figures. True if any was added.

    core.station.data prefills only an empty table (the check and this call in one transaction)."""
    rows = list_indicators(w.db, w.assessment_id)
    have = {r["name"] for r in rows}
    pos = max((r["position"] for r in rows), default=-1) + 1
    added = []
    for name, unit in items:
        if name in have:
            continue
        have.add(name)
        w.db["contract_indicators"].insert(dict(assessment_id=w.assessment_id, position=pos + len(added), name=name,
                                                unit=unit, target=None, actual=None, note=""))
        added.append(name)
    if added:
        w.log("prefill", "contract_indicators", w.assessment_id, new=added)
    return bool(added)
