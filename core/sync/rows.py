"""A travelling row as it crosses laptops: its content (ids of other travelling rows replaced by
their uids, files by their SHA-256), its version (the hash of that content, so identical content
has the same version on every laptop) and the way back to a row of this database.

Rows that are not made on laptops (members, 片区, assignments, the sample and its items, the
register) keep the lead's ids on every laptop (the pack copies them), so member_id, item_id and
the like travel as they are.
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json

from db import sync as sync_db
from core.errors import InvalidValue

TABLES = sync_db.TABLES
# Columns holding the id of another travelling row.
REFS = {"attachments": {"site_record_id": "site_records", "interview_id": "interviews", "finding_id": "findings"}}
# findings.source: 'site_record:12,interview:3' (ids of travelling rows) travel as 'site_record@<uid>'.
SOURCE_KINDS = {"site_record": "site_records", "interview": "interviews"}
BLOBS = {"attachments": ("data", "thumb")}
LOCAL = ("id", "assessment_id", "uid", "updated_at")
# Whose row it is: the member in this column. site_records and interviews are the team's shared
# notes (every editor may change them, as on the pages): their changes meet by the version rule.
OWNER = {"findings": "member_id", "scores": "member_id", "attachments": "member_id", "survey_calls": "member_id",
         "submissions": "member_id"}
EDITORS = {"site_records": ("lead", "expert"), "interviews": ("lead", "expert"), "findings": ("lead", "expert"),
           "scores": ("lead", "expert"), "attachments": ("lead", "expert"), "survey_calls": ("lead", "expert", "staff"),
           "submissions": ("lead", "expert")}


def canonical(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def version(content: dict | None) -> str | None:
    """The version of a row's content (None: no row)."""
    return None if content is None else sha256(canonical(content))[:32]


def _source_out(db, source: str) -> str:
    refs = []
    for ref in (source or "").split(","):
        kind, _, tail = ref.strip().partition(":")
        if kind in SOURCE_KINDS and tail.isdigit():
            refs.append(f"{kind}@{sync_db.uid_of(db, SOURCE_KINDS[kind], int(tail)) or '?'}")
        elif ref.strip():
            refs.append(ref.strip())
    return ",".join(refs)


def content(db, table: str, row: dict | None) -> tuple[dict | None, dict[str, bytes]]:
    """(content, files) of a row of this database; (None, {}) for no row."""
    if row is None:
        return None, {}
    out, files = {}, {}
    refs = REFS.get(table, {})
    for k, v in row.items():
        if k in LOCAL:
            continue
        if k in refs:
            v = None if v is None else sync_db.uid_of(db, refs[k], v)
        elif k in BLOBS.get(table, ()) and v is not None:
            h = sha256(bytes(v))
            files[h] = bytes(v)
            v = "sha256:" + h
        elif table == "findings" and k == "source":
            v = _source_out(db, v)
        out[k] = v
    return out, files


def current(db, assessment_id: int, table: str, uid: str) -> tuple[dict | None, dict[str, bytes]]:
    return content(db, table, sync_db.row_by_uid(db, assessment_id, table, uid))


class Missing(InvalidValue):
    """The content refers to a row or a file this database does not hold."""


def _source_in(db, assessment_id: int, source: str) -> str:
    refs = []
    for ref in (source or "").split(","):
        kind, _, tail = ref.strip().partition("@")
        if kind in SOURCE_KINDS and tail:
            rid = sync_db.id_of(db, assessment_id, SOURCE_KINDS[kind], tail)
            if rid is None:
                raise Missing(f"评估意见的来源记录 {tail} 不在本机")
            refs.append(f"{kind}:{rid}")
        elif ref.strip():
            refs.append(ref.strip())
    return ",".join(refs)


def to_values(db, assessment_id: int, table: str, data: dict, files: dict[str, bytes]) -> dict:
    """The column values of this database for a content (Missing: a referenced row or file absent)."""
    out = {}
    refs = REFS.get(table, {})
    for k, v in data.items():
        if k in LOCAL:
            continue
        if k in refs and v is not None:
            rid = sync_db.id_of(db, assessment_id, refs[k], v)
            if rid is None:
                raise Missing(f"{table}.{k} 指向的记录 {v} 不在本机")
            v = rid
        elif k in BLOBS.get(table, ()) and v is not None:
            h = str(v).removeprefix("sha256:")
            if h not in files or sha256(files[h]) != h:
                raise Missing(f"文件 {h[:12]}… 缺失或内容与哈希不符")
            v = files[h]
        elif table == "findings" and k == "source":
            v = _source_in(db, assessment_id, v)
        out[k] = v
    out["assessment_id"] = assessment_id
    if "updated_at" in sync_db.columns(db, table):
        out["updated_at"] = data.get("updated_at") or _now()
    return out


def _now() -> str:
    return _dt.datetime.now().isoformat(timespec="milliseconds")


def owner_of(table: str, data: dict | None) -> int | None:
    col = OWNER.get(table)
    return None if col is None or data is None else data.get(col)


def pack_files(files: dict[str, bytes]) -> dict[str, str]:
    return {h: base64.b64encode(b).decode("ascii") for h, b in files.items()}


def unpack_files(files) -> dict[str, bytes]:
    """{sha256: bytes} from the bundle's {sha256: base64}; a file whose bytes do not match its hash is dropped
    (the change needing it then is kept as a conflict)."""
    out = {}
    if not isinstance(files, dict):
        return out
    for h, b64 in files.items():
        try:
            data = base64.b64decode(str(b64), validate=True)
        except (ValueError, TypeError):
            continue
        if sha256(data) == h:
            out[h] = data
    return out
