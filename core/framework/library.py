"""Use cases of the framework library: the shipped frameworks (read-only YAML) and the agency's own
(stored in the database, versioned), their Excel import/export and the lead's edits.

A framework is resolved by id: a shipped id gives the YAML file, any other the latest stored
version. An assessment never resolves its framework here once set up: it uses the copy frozen
in it (core.assessment.team.framework_of).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from db import frameworks as store
from db.errors import ImportRejected, InvalidValue, NotFound

from core import uploads
from core.framework import xlsx as framework_xlsx
from core.framework.model import (DEFAULT_FRAMEWORK, Framework, FrameworkError, available_frameworks, parse_framework,
                        shipped_framework_data)


@dataclass(frozen=True)
class Entry:
    """One framework offered in a list: shipped (read-only) or stored (its latest version)."""
    id: str
    name: str
    version: int
    shipped: bool
    origin: str = ""
    created_by: str = ""
    created_at: str = ""

    @property
    def label(self) -> str:
        tag = "内置·只读" if self.shipped else f"第 {self.version} 版"
        return f"{self.name}（{tag}）"        # the stored id (gz-2024-four-party-2) is no name for a person


def dumps(data: dict) -> str:
    """The framework data as stored (JSON, keys kept in order)."""
    return json.dumps(data, ensure_ascii=False)


def list_frameworks(db) -> list[Entry]:
    """Every framework that can be chosen: the shipped ones first (default first), then the stored ones."""
    shipped = sorted(available_frameworks().values(), key=lambda f: (f.id != DEFAULT_FRAMEWORK, f.id))
    out = [Entry(f.id, f.name, f.version, True) for f in shipped]
    out += [Entry(r["code"], r["name"], r["version"], False, r["origin"], r["created_by"], r["created_at"])
            for r in store.list_frameworks(db)]
    return out


def resolve(db, framework_id: str, version: int | None = None) -> tuple[Framework, int, str]:
    """(framework, version, data as JSON) of a shipped id or a stored one (latest version unless
    given); InvalidValue naming the id when there is none."""
    shipped = shipped_framework_data()
    try:
        if framework_id in shipped:
            data = shipped[framework_id]
            fw = available_frameworks()[framework_id]
            return fw, fw.version, dumps(data)
        row = store.get_framework(db, framework_id, version)
    except NotFound:
        raise InvalidValue(f"找不到评估框架“{framework_id}”") from None
    except FrameworkError as e:
        raise InvalidValue(str(e)) from None
    fw = parse_framework(json.loads(row["data"]), source=f"library:{framework_id}")
    return fw, row["version"], row["data"]


def get(db, framework_id: str, version: int | None = None) -> Framework:
    return resolve(db, framework_id, version)[0]


def is_shipped(framework_id: str) -> bool:
    return framework_id in available_frameworks()


def free_id(db, wanted: str) -> str:
    """`wanted` if neither shipped nor stored, else wanted-2, wanted-3, …"""
    candidate, n = wanted, 1
    while is_shipped(candidate) or store.exists(db, candidate):
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate


# ---------- Excel ----------

def export_xlsx(db, framework_id: str, version: int | None = None) -> bytes:
    """Any framework (shipped or stored) as an Excel 指标体系."""
    return framework_xlsx.to_xlsx(get(db, framework_id, version))


def template_xlsx() -> bytes:
    """The downloadable template: the shipped default framework as Excel."""
    return framework_xlsx.to_xlsx(available_frameworks()[DEFAULT_FRAMEWORK])


def check_xlsx(data: bytes) -> dict:
    """The framework data of an Excel 指标体系, or ImportRejected listing every error (sheet, row, column)."""
    big = uploads.too_large("framework", "指标体系 Excel", len(data or b""))
    if big:
        raise ImportRejected([big])
    fw_data, errors = framework_xlsx.framework_from_xlsx(data)
    if errors:
        raise ImportRejected(errors)
    return fw_data


def _as_new(db, data: dict) -> dict:
    data = dict(data)
    data["id"] = free_id(db, data["id"])
    return data


def import_xlsx(db, assessment_id: int, member_id: int, data: bytes, filename: str = "") -> str:
    """The lead imports an Excel 指标体系 as a new framework (a new id when the file's id is taken,
    e.g. the template's shipped id); all or nothing. Return the new framework id."""
    fw_data = _as_new(db, check_xlsx(data))
    store.add_version(db, assessment_id, member_id, fw_data["id"], int(fw_data.get("version") or 1), fw_data["name"],
                      dumps(fw_data), f"excel:{filename}" if filename else "excel")
    return fw_data["id"]


def import_xlsx_cli(db, data: bytes, filename: str = "") -> str:
    """`python -m core import-framework FILE.xlsx`: the same import, from the command line."""
    fw_data = _as_new(db, check_xlsx(data))
    store.import_framework(db, fw_data["id"], int(fw_data.get("version") or 1), fw_data["name"], dumps(fw_data),
                           f"excel:{filename}" if filename else "excel")
    return fw_data["id"]


# ---------- the lead's edits ----------

def copy_framework(db, assessment_id: int, member_id: int, framework_id: str, new_id: str | None = None,
                   name: str | None = None) -> str:
    """A stored copy of any framework (a shipped one is never edited itself): version 1 of a new id.
    Return the new id."""
    fw, version, data_json = resolve(db, framework_id)
    data = json.loads(data_json)
    data["id"] = free_id(db, (new_id or "").strip() or f"{fw.id}-copy")
    data["name"] = (name or "").strip() or f"{fw.name}（副本）"
    data["version"] = 1
    try:
        parse_framework(data)
    except FrameworkError as e:
        raise InvalidValue(str(e)) from None
    store.add_version(db, assessment_id, member_id, data["id"], 1, data["name"], dumps(data),
                      f"copy:{framework_id} v{version}")
    return data["id"]


def editable_sheets(db, framework_id: str) -> dict[str, list[dict]]:
    """The framework as the editor's tables (the Excel sheets' rows, every cell as text)."""
    return {name: [{c: framework_xlsx.cell_text(v) for c, v in r.items()} for r in rows]
            for name, rows in framework_xlsx.sheets_of(get(db, framework_id)).items()}


def save_edit(db, assessment_id: int, member_id: int, framework_id: str, tables: dict[str, list[dict]]) -> int:
    """Save the edited tables as the next version of a stored framework (never a shipped one);
    ImportRejected listing every error (sheet, row, column) and nothing stored. Blocks of the
    framework the tables do not show (e.g. report rules) are kept from the version edited.
    Return the new version number (the current one when nothing changed: nothing is stored)."""
    if is_shipped(framework_id):
        raise InvalidValue("内置框架只读：请先复制一份再编辑")
    _, version, old_json = resolve(db, framework_id)
    sheets = {name: framework_xlsx.rows_from_table(rows) for name, rows in tables.items()}
    data, errors = framework_xlsx.framework_from_sheets(sheets)
    if errors:
        raise ImportRejected(errors)
    old = json.loads(old_json)
    merged = {k: v for k, v in old.items() if k not in data}
    merged.update(data)
    merged["id"] = framework_id          # the id stays; a new id is a copy
    if parse_framework(dict(merged, version=version)) == parse_framework(dict(old, id=framework_id, version=version)):
        return version                   # nothing changed: no new version
    merged["version"] = version + 1
    store.add_version(db, assessment_id, member_id, framework_id, version + 1, merged["name"], dumps(merged), "edit")
    return version + 1


def versions(db, framework_id: str) -> list[dict]:
    return [] if is_shipped(framework_id) else store.versions(db, framework_id)
