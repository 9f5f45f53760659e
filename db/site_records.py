"""Site records (听取介绍 / 实地观察 / 查阅资料 / 访谈): rows of `site_records`.

Storage only: core.station.data checks kinds, statuses and items (core.station.site). Writers
(lead and experts) go through the one write guard and log one audit row. Text is
stored as typed; outputs mask it (core.privacy.scrubber).
"""
from __future__ import annotations

from . import audit
from .errors import InvalidValue, NotFound
from .guard import Write, writer

FIELDS = ("item", "status", "finding", "file_ref", "notes")
EDITORS = ("lead", "expert")


def list_site_records(db, assessment_id: int, kind: str | None = None) -> list[dict]:
    """Rows (all kinds, or one) with the recorder's name and `finding_id`: the (not deleted)
    finding the record was promoted to, or None."""
    sql = ("SELECT r.*, m.name AS member_name FROM site_records r LEFT JOIN members m ON m.id = r.member_id"
           " WHERE r.assessment_id = ?")
    params: list = [assessment_id]
    if kind is not None:
        sql += " AND r.kind = ?"
        params.append(kind)
    rows = list(db.query(sql + " ORDER BY r.kind, r.position, r.id", params))
    promoted = _promoted(db, assessment_id)
    for r in rows:
        r["finding_id"] = promoted.get(r["id"])
    return rows


def site_record_row(db, assessment_id: int, record_id: int) -> dict:
    """One record of the assessment (one primary-key read; NotFound otherwise)."""
    rows = [r for r in db.query("SELECT * FROM site_records WHERE id = ? AND assessment_id = ?",
                                [record_id, assessment_id])]
    if not rows:
        raise NotFound(f"找不到现场记录 {record_id}")
    return rows[0]


def get_site_record(db, assessment_id: int, record_id: int) -> dict:
    """One record with `finding_id` (the finding it was promoted to, or None)."""
    r = site_record_row(db, assessment_id, record_id)
    r["finding_id"] = _promoted(db, assessment_id).get(record_id)
    return r


def _promoted(db, assessment_id: int) -> dict[int, int]:
    """site record id -> id of the (not deleted) finding it was promoted to."""
    out = {}
    for fid, src in db.execute("SELECT id, source FROM findings WHERE assessment_id = ? AND deleted = 0"
                               " AND source LIKE 'site_record:%'", [assessment_id]):
        for ref in src.split(","):   # one finding may draw on several records: 'site_record:3,site_record:4'
            kind, _, tail = ref.strip().partition(":")
            if kind == "site_record" and tail.isdigit():
                out[int(tail)] = fid
    return out


def _insert(db, assessment_id: int, member_id: int, kind: str, fields: dict) -> tuple[int, dict]:
    row = {k: fields.get(k, "") or "" for k in FIELDS}
    pos = db.execute("SELECT coalesce(max(position), -1) + 1 FROM site_records WHERE assessment_id = ? AND kind = ?",
                     [assessment_id, kind]).fetchone()[0]
    rid = db["site_records"].insert(dict(row, assessment_id=assessment_id, kind=kind, position=pos,
                                         member_id=member_id, updated_at=audit.now())).last_pk
    return rid, row


@writer(*EDITORS, what="现场记录")
def save_site_record(w: Write, kind: str, fields: dict, record_id: int | None = None) -> int:
    """Create (record_id None) a record of `kind`, or update the given (clean) fields of one."""
    db = w.db
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown site record fields {unknown}")
    if record_id is None:
        rid, row = _insert(db, w.assessment_id, w.member_id, kind, fields)
        w.log("create", "site_record", rid, new=dict(row, kind=kind))
        return rid
    old = site_record_row(db, w.assessment_id, record_id)
    w.update_changed("site_records", record_id, old, dict(fields), entity="site_record",
                     stamp={"member_id": w.member_id, "updated_at": audit.now()})
    return record_id


@writer(*EDITORS, what="现场记录")
def delete_site_record(w: Write, record_id: int) -> None:
    old = site_record_row(w.db, w.assessment_id, record_id)
    n = w.db.execute("SELECT COUNT(*) FROM attachments WHERE site_record_id = ?", [record_id]).fetchone()[0]
    if n:
        raise InvalidValue(f"现场记录“{old['item']}”附有 {n} 个证据附件，请先删除附件再删除记录")
    w.db.execute("DELETE FROM site_records WHERE id = ?", [record_id])
    w.log("delete", "site_record", record_id, old={k: old[k] for k in ("kind",) + FIELDS})


@writer(*EDITORS, what="现场记录")
def prefill_site_records(w: Write, kind: str, items: list[str]) -> bool:
    """Append the items of `kind` not recorded yet. True if any was added (one audit row).

    core.station.data prefills only an empty checklist (the check and this call in one transaction)."""
    have = {r["item"] for r in list_site_records(w.db, w.assessment_id, kind)}
    added = []
    for item in items:
        if item in have:
            continue
        have.add(item)
        _insert(w.db, w.assessment_id, w.member_id, kind, {"item": item})
        added.append(item)
    if added:
        w.log("prefill", "site_records", kind, new={"kind": kind, "items": added})
    return bool(added)
