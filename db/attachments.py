"""Evidence attachments (证据附件): photos and PDF scans in `attachments`, each owned by one site
record, interview note or finding.

Storage only: core.station.evidence checks and downscales the file, core.station.attachments decides who may
attach to what. Writers go through the one write guard and log one audit row (the file's
name, type and size; never its bytes).
"""
from __future__ import annotations

from . import audit
from .errors import NotFound
from .guard import Write, writer
from .submissions import refuse_if_submitted

OWNERS = {"site_record": "site_record_id", "interview": "interview_id", "finding": "finding_id"}
_OWNER_TABLES = {"site_record": "site_records", "interview": "interviews", "finding": "findings"}
META = ("id", "assessment_id", "site_record_id", "interview_id", "finding_id", "filename", "mime", "width", "height",
        "size", "original_size", "personal", "caption", "member_id", "created_at")
EDITORS = ("lead", "expert")


def _owner_of(row: dict) -> tuple[str, int]:
    for kind, col in OWNERS.items():
        if row.get(col) is not None:
            return kind, row[col]
    raise ValueError("attachment without owner")


def _with_owner(row: dict) -> dict:
    row["owner_kind"], row["owner_id"] = _owner_of(row)
    row["personal"] = bool(row["personal"])
    return row


def list_attachments(db, assessment_id: int, owner_kind: str | None = None, owner_id: int | None = None,
                     with_thumbs: bool = True) -> list[dict]:
    """Metadata (and thumbnails) of the assessment's attachments, or of one owner's, oldest first;
    with the uploader's name. The full file is `attachment_data`."""
    cols = ", ".join("a." + c for c in META) + (", a.thumb" if with_thumbs else "")
    sql = (f"SELECT {cols}, m.name AS member_name FROM attachments a LEFT JOIN members m ON m.id = a.member_id"
           " WHERE a.assessment_id = ?")
    params: list = [assessment_id]
    if owner_kind is not None:
        sql += f" AND a.{OWNERS[owner_kind]} = ?"
        params.append(owner_id)
    return [_with_owner(r) for r in db.query(sql + " ORDER BY a.id", params)]


def get_attachment(db, assessment_id: int, attachment_id: int, with_data: bool = False) -> dict:
    cols = ", ".join(META) + ", thumb" + (", data" if with_data else "")
    rows = list(db.query(f"SELECT {cols} FROM attachments WHERE id = ? AND assessment_id = ?",
                         [attachment_id, assessment_id]))
    if not rows:
        raise NotFound(f"找不到证据附件 {attachment_id}")
    return _with_owner(rows[0])


def owner_row(db, assessment_id: int, owner_kind: str, owner_id: int) -> dict:
    """The site record / interview note / finding an attachment belongs to (NotFound otherwise)."""
    table = _OWNER_TABLES.get(owner_kind)
    if table is None:
        raise ValueError(f"unknown attachment owner {owner_kind}")
    rows = list(db.query(f"SELECT * FROM {table} WHERE id = ? AND assessment_id = ?", [owner_id, assessment_id]))
    if not rows or rows[0].get("deleted"):
        raise NotFound({"site_record": "找不到现场记录", "interview": "找不到访谈记录",
                        "finding": "找不到评估意见"}[owner_kind] + f" {owner_id}")
    return rows[0]


def count_for(db, owner_kind: str, owner_id: int) -> int:
    return db.execute(f"SELECT COUNT(*) FROM attachments WHERE {OWNERS[owner_kind]} = ?", [owner_id]).fetchone()[0]


def _may_change(w: Write, owner_kind: str, owner: dict, uploader_id: int | None = None) -> None:
    """A finding's evidence is its author's (and the lead's); an attachment is removed or re-marked
    by whoever added it, the owner's author or the lead. Not once the member has submitted the
    finding's section (db.submissions), until the lead reopens it."""
    if owner_kind == "finding" and owner.get("section_code"):
        refuse_if_submitted(w, owner["section_code"])     # the member's submitted sections are read-only
    if w.role == "lead":
        return
    if owner_kind == "finding" and owner.get("member_id") != w.member_id and uploader_id != w.member_id:
        w.deny("只能为自己填写的意见添加或修改证据附件")


@writer(*EDITORS, what="证据附件")
def add_attachment(w: Write, owner_kind: str, owner_id: int, file: dict, personal: bool = False,
                   caption: str = "") -> int:
    """Store a checked file (core.station.evidence.prepare: filename, mime, data, thumb, width, height, size,
    original_size) for the owner; returns its id."""
    owner = owner_row(w.db, w.assessment_id, owner_kind, owner_id)
    _may_change(w, owner_kind, owner)
    row = {k: file.get(k) for k in ("filename", "mime", "data", "thumb", "width", "height", "size", "original_size")}
    row.update({OWNERS[owner_kind]: owner_id, "assessment_id": w.assessment_id, "personal": int(bool(personal)),
                "caption": caption or "", "member_id": w.member_id, "created_at": audit.now()})
    aid = w.db["attachments"].insert(row).last_pk
    w.log("create", "attachment", aid, new={"owner": f"{owner_kind}:{owner_id}", "filename": row["filename"],
                                            "mime": row["mime"], "size": row["size"], "personal": bool(personal)})
    return aid


@writer(*EDITORS, what="证据附件")
def update_attachment(w: Write, attachment_id: int, personal: bool | None = None, caption: str | None = None) -> None:
    """Mark whether the attachment shows personal data, and/or change its caption."""
    old = get_attachment(w.db, w.assessment_id, attachment_id)
    _may_change(w, old["owner_kind"], owner_row(w.db, w.assessment_id, old["owner_kind"], old["owner_id"]),
                old["member_id"])
    new = {}
    if personal is not None:
        new["personal"] = int(bool(personal))
    if caption is not None:
        new["caption"] = caption
    w.update_changed("attachments", attachment_id, dict(old, personal=int(old["personal"])), new, entity="attachment")


@writer(*EDITORS, what="证据附件")
def delete_attachment(w: Write, attachment_id: int) -> None:
    old = get_attachment(w.db, w.assessment_id, attachment_id)
    owner = list(w.db.query(f"SELECT * FROM {_OWNER_TABLES[old['owner_kind']]} WHERE id = ?", [old["owner_id"]]))
    _may_change(w, old["owner_kind"], owner[0] if owner else {}, old["member_id"])
    w.db.execute("DELETE FROM attachments WHERE id = ?", [attachment_id])
    w.log("delete", "attachment", attachment_id, old={"owner": f"{old['owner_kind']}:{old['owner_id']}",
                                                      "filename": old["filename"], "size": old["size"]})


def thumbs(db, assessment_id: int, attachment_ids) -> dict[int, bytes | None]:
    """The thumbnails of the given attachments (id -> JPEG bytes, None for a PDF)."""
    ids = [int(i) for i in attachment_ids]
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    return {r[0]: r[1] for r in db.execute(f"SELECT id, thumb FROM attachments WHERE assessment_id = ? AND id IN ({marks})",
                                           [assessment_id, *ids]).fetchall()}


def attachment_data(db, assessment_id: int, attachment_id: int) -> dict:
    """The attachment with its stored file (`data`)."""
    return get_attachment(db, assessment_id, attachment_id, with_data=True)
