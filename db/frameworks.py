"""The library of the agency's own frameworks: storage only.

A framework here is a `code` (the id assessments use) with numbered versions; an edit adds
a version, nothing is overwritten. `data` is JSON with the structure of a framework YAML file;
core.framework.model checks it before it is stored. The shipped YAML frameworks are not stored here
(core refuses their ids). Each assessment keeps its own frozen copy (assessments.framework_data),
so a new version never changes an assessment already set up.
"""
from __future__ import annotations

from . import audit
from .connection import transaction
from .errors import InvalidValue, NotFound
from .guard import Write, writer

_COLS = "id, code, version, name, origin, created_by, created_at"


def list_frameworks(db) -> list[dict]:
    """The latest version of every stored framework (without its data), by code."""
    return list(db.query(
        f"SELECT {_COLS} FROM frameworks f WHERE version = (SELECT MAX(version) FROM frameworks g"
        " WHERE g.code = f.code) ORDER BY code"))


def versions(db, code: str) -> list[dict]:
    """Every version of one framework, newest first (without data)."""
    return list(db.query(f"SELECT {_COLS} FROM frameworks WHERE code = ? ORDER BY version DESC", [code]))


def get_framework(db, code: str, version: int | None = None) -> dict:
    """{code, version, name, data (JSON text), …} of a version (default: the latest); NotFound."""
    if version is None:
        cur = db.execute("SELECT * FROM frameworks WHERE code = ? ORDER BY version DESC LIMIT 1", [code])
    else:
        cur = db.execute("SELECT * FROM frameworks WHERE code = ? AND version = ?", [code, version])
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"找不到评估框架“{code}”" + (f"第 {version} 版" if version else ""))
    return dict(zip([d[0] for d in cur.description], row))


def exists(db, code: str) -> bool:
    return db.execute("SELECT 1 FROM frameworks WHERE code = ? LIMIT 1", [code]).fetchone() is not None


def _insert(db, code: str, version: int, name: str, data: str, origin: str, actor: str) -> int:
    if db.execute("SELECT 1 FROM frameworks WHERE code = ? AND version >= ?", [code, version]).fetchone():
        raise InvalidValue(f"评估框架“{code}”已有第 {version} 版或更新的版本，请刷新后再保存")
    return db["frameworks"].insert(dict(code=code, version=version, name=name, data=data, origin=origin,
                                        created_by=actor, created_at=audit.now())).last_pk


@writer("lead", what="评估框架", when_locked=True)
def add_version(w: Write, code: str, version: int, name: str, data: str, origin: str) -> int:
    """Store a checked framework as `code` version `version` (a new framework, or the next version
    of a stored one; refused if that version or a newer one exists). Allowed while the lead's own
    assessment is locked: the library is shared and no assessment's frozen copy changes.
    Return the row id."""
    row_id = _insert(w.db, code, version, name, data, origin, w.member["name"])
    w.log("create", "framework", code, new={"code": code, "version": version, "name": name, "origin": origin})
    return row_id


def import_framework(db, code: str, version: int, name: str, data: str, origin: str) -> int:
    """The command line's import of a checked framework as a new code (see db.guard.UNGUARDED);
    one audit row without an assessment. Return the row id."""
    with transaction(db):
        if exists(db, code):
            raise InvalidValue(f"评估框架“{code}”已存在")
        row_id = _insert(db, code, version, name, data, origin, "命令行")
        audit.log(db, None, None, "import", "framework", code, actor="命令行",
                  new={"code": code, "version": version, "name": name, "origin": origin})
    return row_id
