"""The JSON transfer of a whole assessment (moving it to another laptop).

The format rules (plain Python): the format constants, the explicit list of tables,
the id remapping (foreign keys and ids written inside text), the validation of a file
before anything is written, and `canonical()` for comparing two exports ids aside.
The use cases: `export_assessment`, `export_json`, `import_assessment` (all or nothing),
`record_export`; `db/transfer.py` reads and writes the tables. See docs/json-format.md.

The file carries REAL client names and phone numbers (it is the database moved
to another laptop, not a publication); every other export is masked.
"""
from __future__ import annotations

import base64
import binascii
import json
import re

from db import transfer as _db
from db.audit import now
from db.connection import transaction

from core import uploads
from core.assessment import pins
from core.errors import ImportRejected, InvalidValue
from core.framework.model import framework_of_row, get_framework, shipped_framework_data
from core.station.indicators import checked_number, clean_indicator
from core.station.evidence import MAX_UPLOAD_BYTES as MAX_ATTACHMENT_BYTES
from core.labels import ATTACHMENT_TYPES, INTERVIEW_GROUPS, ROLES, TABLE_LABELS
from core.scoring.totals import check_party_score, check_value
from core.station.staffing import STAFFING_FIELDS, clean_staffing
from core.survey.rules import validate_call
from core.agency import stations

FORMAT = "shegongzhan-assessment"
FORMAT_VERSION = 1

# Every table of an assessment, parents before children (insertion order).
# Columns are discovered from the database (PRAGMA table_info), so a new column
# travels without code changes; a new TABLE must be added here (a test checks
# that every table of the schema is listed here or in NOT_EXPORTED).
TABLES = (
    "stations", "assessments", "areas", "members", "assignments", "scores", "overrides",
    "findings", "party_scores", "veto_checks", "contract_indicators", "staffing", "clients",
    "prev_recommendations", "site_records", "interviews", "attachments", "survey_samples", "survey_items",
    "survey_calls", "report_items", "report_texts", "submissions", "visit_stages", "survey_script", "report_versions",
    "audit_log",
)
# Tables added after files were first written: a file from before them imports with none.
LATER_TABLES = ("submissions", "visit_stages", "survey_script", "interviews", "attachments", "report_versions")
# The shared framework library and the deleted-assessment records belong to no one assessment
# (an assessment carries its own frozen framework in assessments.framework_data); station
# identities are this database's own (the import attaches the station by district + street),
# summaries are derived figures, data_versions holds change marks kept by triggers (an
# imported assessment gets its own as its rows arrive), and the wrong-PIN counters
# (login_throttle) and the browsers' sign-ins (login_sessions) are the state of one server, not
# content of the assessment.
NOT_EXPORTED = ("_migrations", "frameworks", "deleted_assessments", "station_identities", "assessment_summaries",
                "data_versions", "login_throttle", "login_sessions",
                # issue 23: this database's own meeting with the team's laptops (keys, what was sent and received)
                "sync_peer", "sync_applying", "sync_changes", "sync_base", "sync_sent", "sync_members", "sync_applied",
                "sync_conflicts",
                # issue 27: which register rows changed (this file's own bookkeeping for cached figures)
                "register_log")

# Binary columns, written in the file as base64 text (docs/json-format.md).
BLOB_COLUMNS = {("attachments", "data"), ("attachments", "thumb")}

# References without a FOREIGN KEY constraint (audit_log keeps history, so it has none).
SOFT_FKS = {"audit_log": {"assessment_id": "assessments", "member_id": "members"}}

# Ids written inside text.
# findings.source = '<prefix>:<id>' (e.g. 'site_record:12'); prefix -> table.
SOURCE_PREFIXES = {
    "site_record": "site_records", "finding": "findings", "client": "clients",
    "survey_call": "survey_calls", "survey_item": "survey_items", "prev_recommendation": "prev_recommendations",
    "contract_indicator": "contract_indicators", "report_item": "report_items", "member": "members",
    "interview": "interviews",
}
# Columns holding a JSON list of ids.
ID_LIST_COLUMNS = {("report_items", "source_finding_ids"): "findings"}
# audit_log.entity -> table whose id is written in entity_key (when the key is a number).
# Entities named after a whole table log the assessment id as their key.
AUDIT_ENTITIES = {
    "station": "stations", "areas": "stations", "assessment": "assessments", "member": "members",
    "finding": "findings", "site_record": "site_records", "client": "clients",
    "contract_indicator": "contract_indicators", "prev_recommendation": "prev_recommendations",
    "survey_sample": "survey_samples", "survey_item": "survey_items", "survey_call": "survey_calls",
    "report_item": "report_items", "submission": "members", "visit_stage": "visit_stages",
    "visit_stages": "assessments", "survey_script": "assessments",
    "interview": "interviews", "attachment": "attachments", "report_version": "report_versions",
    "staffing": "assessments", "clients": "assessments", "contract_indicators": "assessments",
    "site_records": "assessments", "prev_recommendations": "assessments", "survey": "assessments",
}
_SOURCE_RE = re.compile(r"^([a-z_]+):(\d+)$")

# Limits of a file (checked before and while parsing): a real assessment exports to well under 10 MB.
MAX_FILE_BYTES = uploads.max_bytes("transfer")   # core.uploads: the import box's limit too
MAX_TEXT_CHARS = 2_000_000            # one value (the frozen framework's JSON is the largest, ~100 KB)
MAX_ERRORS = 50                       # a refusal lists this many problems, then says how many more
INT_MIN, INT_MAX = -(2 ** 63), 2 ** 63 - 1   # SQLite's integers

PRIVACY_NOTICE = ("本文件包含重点服务对象的真实姓名和电话（用于把整个评估迁移到另一台电脑），"
                  "请妥善保管，不得外传；对外提供请使用已脱敏的 Excel 或 PDF。")


def label(table: str) -> str:
    return TABLE_LABELS.get(table, table)


def _source_table(prefix: str) -> str | None:
    t = SOURCE_PREFIXES.get(prefix) or (prefix + "s")
    return t if t in TABLES else None


def _audit_table(entity: str) -> str | None:
    if entity in AUDIT_ENTITIES:
        return AUDIT_ENTITIES[entity]
    return entity + "s" if (entity + "s") in TABLES else None


# ---------- serialisation ----------

def dumps(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")


def _no_constant(name: str):
    raise ImportRejected([f"文件含有非有限数值 {name}（JSON 不允许 NaN、Infinity），可能被修改过。"])


def loads(data: bytes | str) -> dict:
    """Parse a file's bytes; a clear Chinese ImportRejected for anything that is not our JSON.

    Bounded: more than MAX_FILE_BYTES is refused unparsed; NaN/Infinity, numbers too big for a float,
    integers of thousands of digits and nesting too deep for the parser are refused in Chinese."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportRejected([f"文件过大（{len(data) / 1024 / 1024:.1f} MB，上限 {MAX_FILE_BYTES // 1024 // 1024} MB），"
                              "不像是本系统导出的评估文件。"])
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportRejected(["文件不是 UTF-8 编码的 JSON 文本，可能不是本系统导出的评估文件。"]) from None
    try:
        doc = json.loads(data, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise ImportRejected([f"文件不是有效的 JSON（第 {e.lineno} 行第 {e.colno} 列附近格式错误），"
                              "可能已损坏或不完整。"]) from None
    except RecursionError:
        raise ImportRejected(["文件的嵌套层数过深，不是本系统导出的评估文件。"]) from None
    except ValueError as e:   # an integer of thousands of digits (Python's int limit)
        raise ImportRejected([f"文件含有无法读取的数值（{str(e)[:80]}），可能被修改过。"]) from None
    if not isinstance(doc, dict):
        raise ImportRejected(["文件内容不是本系统导出的评估文件（顶层应为对象）。"])
    return doc


# ---------- validation ----------

def check_header(doc: dict) -> list[str]:
    if doc.get("format") != FORMAT:
        return [f"不是本系统导出的评估文件（format 应为“{FORMAT}”）。"]
    v = doc.get("format_version")
    if not isinstance(v, int) or isinstance(v, bool):
        return ["文件缺少有效的格式版本号（format_version）。"]
    if v > FORMAT_VERSION:
        return [f"文件格式版本 {v} 比本程序支持的版本 {FORMAT_VERSION} 新，请先升级本程序再导入。"]
    if v != FORMAT_VERSION:
        return [f"不支持的文件格式版本 {v}（本程序支持版本 {FORMAT_VERSION}）。"]
    return []


def with_later_tables(doc: dict) -> dict:
    """The file with an empty list for each table added after it was written (LATER_TABLES)."""
    tables = doc.get("tables")
    if not isinstance(tables, dict) or all(t in tables for t in LATER_TABLES):
        return doc
    return dict(doc, tables=dict(tables, **{t: [] for t in LATER_TABLES if t not in tables}))


def validate(doc: dict, schema: dict) -> list[str]:
    """Every problem of the file, in Chinese, naming table, row and column; [] when importable.

    `schema`: {table: {"columns": {name: {"notnull": bool, "default": bool}}, "pk": "id" | None,
    "fks": {column: parent_table}}} as discovered by db.transfer.schema().
    """
    errors = check_header(doc)
    if errors:
        return errors
    doc = with_later_tables(doc)
    tables = doc.get("tables")
    if not isinstance(tables, dict):
        return ["文件缺少数据（tables）。"]
    for t in tables:
        if t not in TABLES:
            errors.append(f"文件含有未知的数据表“{t}”，可能来自更新版本的程序。")
    for t in TABLES:
        if t not in tables:
            errors.append(f"文件缺少数据表“{label(t)}”（{t}）。")
        elif not isinstance(tables[t], list) or not all(isinstance(r, dict) for r in tables[t]):
            errors.append(f"数据表“{label(t)}”格式错误：应为记录列表。")
    if errors:
        return errors

    ids: dict[str, set] = {}
    for t in TABLES:
        sch = schema[t]
        cols = sch["columns"]
        pk = sch["pk"]
        seen: set = set()
        for n, row in enumerate(tables[t], 1):
            where = f"{label(t)} 第 {n} 条"
            for c in row:
                if c not in cols:
                    errors.append(f"{where}：列“{c}”在本数据库中不存在（文件可能来自更新版本的程序）。")
            for c, info in cols.items():
                if info["notnull"] and not info["default"] and c != pk and row.get(c) is None:
                    errors.append(f"{where}：缺少必填列“{c}”。")
            for c, v in row.items():
                if not (v is None or isinstance(v, (str, int, float))):
                    errors.append(f"{where}：列“{c}”的值类型不正确。")
                elif (t, c) in BLOB_COLUMNS:
                    if v is not None and _unbase64(v) is None:
                        errors.append(f"{where}：列“{c}”应为 base64 编码的文件内容，文件可能已损坏。")
                elif c in cols:
                    problem = _scalar_problem(v, cols[c].get("type", ""))
                    if problem:
                        errors.append(f"{where}“{c}”：{problem}")
            if pk:
                v = row.get(pk)
                if not isinstance(v, int) or isinstance(v, bool):
                    errors.append(f"{where}：缺少有效的编号（{pk}）。")
                elif v in seen:
                    errors.append(f"{where}：编号 {v} 重复。")
                else:
                    seen.add(v)
        ids[t] = seen
    if errors:
        return errors

    if len(tables["stations"]) != 1:
        errors.append(f"文件应包含 1 个社工站，实际为 {len(tables['stations'])} 个。")
    if len(tables["assessments"]) != 1:
        errors.append(f"文件应包含 1 个评估，实际为 {len(tables['assessments'])} 个。")
    if errors:
        return errors
    assessment_id = tables["assessments"][0]["id"]
    station_id = tables["stations"][0]["id"]

    # Foreign keys must point inside the file (else the file is incomplete or edited).
    for t in TABLES:
        for c, parent in fks(schema, t).items():
            for n, row in enumerate(tables[t], 1):
                v = row.get(c)
                if v is None or t in SOFT_FKS and c in SOFT_FKS[t]:
                    continue
                if v not in ids[parent]:
                    errors.append(f"{label(t)} 第 {n} 条：列“{c}”引用的{label(parent)}编号 {v} 不在文件中。")
        if "assessment_id" in schema[t]["columns"]:
            for n, row in enumerate(tables[t], 1):
                v = row.get("assessment_id")
                if v != assessment_id and not (t == "audit_log" and v is None):
                    errors.append(f"{label(t)} 第 {n} 条：属于另一个评估（编号 {v}），文件不完整或被修改过。")
    for t in ("areas", "assessments"):
        for n, row in enumerate(tables[t], 1):
            if row.get("station_id") != station_id:
                errors.append(f"{label(t)} 第 {n} 条：属于另一个社工站（编号 {row.get('station_id')}）。")
    for (t, c), _parent in ID_LIST_COLUMNS.items():
        for n, row in enumerate(tables[t], 1):
            if _id_list(row.get(c)) is None:
                errors.append(f"{label(t)} 第 {n} 条：列“{c}”应为编号列表（JSON），实际为“{row.get(c)}”。")
    a = tables["assessments"][0]
    try:  # the framework frozen in the file (a file from before frozen frameworks: a shipped one)
        fw = framework_of_row(a)
    except Exception as e:  # noqa: BLE001
        errors.append(f"评估使用的评估框架“{a.get('framework_id')}”无法使用："
                      + (str(e) if a.get("framework_data") else "本程序中不存在，请先升级本程序。"))
        return errors
    return errors + value_errors(tables, fw)


def _scalar_problem(v, declared: str) -> str | None:
    """What is wrong with one stored value for its column's declared type (None when fine)."""
    if isinstance(v, bool):
        return f"应为{'数字' if _numeric(declared) else '文字'}，不能是 {str(v).lower()}"
    if isinstance(v, float) and v != v or isinstance(v, float) and v in (float("inf"), float("-inf")):
        return f"数值 {v} 不是有限的数字"
    if isinstance(v, int) and not INT_MIN <= v <= INT_MAX:
        return f"数值 {str(v)[:30]}… 超出数据库整数的范围"
    if isinstance(v, str) and len(v) > MAX_TEXT_CHARS:
        return f"文字过长（{len(v):,} 字，上限 {MAX_TEXT_CHARS:,} 字）"
    if _numeric(declared) and isinstance(v, str):
        return f"应为数字，实际为“{v[:40]}”"
    if declared == "TEXT" and isinstance(v, (int, float)):
        return f"应为文字，实际为数字 {v}"
    return None


def _numeric(declared: str) -> bool:
    return "INT" in declared or "REAL" in declared


def _json_object(v) -> dict | None:
    try:
        x = json.loads(v) if isinstance(v, str) else v
    except (json.JSONDecodeError, RecursionError):
        return None
    return x if isinstance(x, dict) else None


def value_errors(tables: dict, fw) -> list[str]:
    """The values checked as strictly as the pages check them, through the same rule functions
    (scoring.check_value, scoring.check_party_score, indicators.clean_indicator, staffing.clean_staffing,
    survey.validate_call, pins.check_hash_format): each problem names table, row and column."""
    errors: list[str] = []

    def add(t: str, n: int, c: str, message: str) -> None:
        errors.append(f"{label(t)} 第 {n} 条“{c}”：{message}")

    indicators = {i.code: i for i in fw.indicators}
    area_codes = {r.get("code") for r in tables["areas"]}
    for t in ("scores", "overrides"):
        for n, r in enumerate(tables[t], 1):
            ind = indicators.get(r.get("indicator_code"))
            if ind is None:
                add(t, n, "indicator_code", f"评估框架中没有指标“{r.get('indicator_code')}”")
                continue
            area = r.get("area_code") or ""
            if (ind.scope == "area") != bool(area) or area and area not in area_codes:
                add(t, n, "area_code", f"指标 {ind.code} 的片区“{area}”无效")
            if r.get("na") not in (None, 0, 1):
                add(t, n, "na", f"应为 0 或 1，实际为 {r.get('na')}")
            if r.get("value") is not None:
                problem = check_value(ind, r["value"])
                if problem:
                    add(t, n, "value", problem)
            if t == "scores" and r.get("detail") not in (None, "") and _json_object(r["detail"]) is None:
                add(t, n, "detail", "应为 JSON 对象（勾选的评分细则或程度）")
    for n, r in enumerate(tables["party_scores"], 1):
        try:
            party = fw.party(r.get("party_code"))
        except KeyError:
            add("party_scores", n, "party_code", f"评估框架中没有评估方“{r.get('party_code')}”")
            continue
        _, problem = check_party_score(party, r.get("score"))
        if problem:
            add("party_scores", n, "score", problem)
    veto_codes = {v.code for v in fw.veto}
    for n, r in enumerate(tables["veto_checks"], 1):
        if r.get("code") not in veto_codes:
            add("veto_checks", n, "code", f"评估框架中没有否决项“{r.get('code')}”")
        if r.get("failed") not in (0, 1):
            add("veto_checks", n, "failed", f"应为 0 或 1，实际为 {r.get('failed')}")
    for n, r in enumerate(tables["contract_indicators"], 1):
        for c in ("target", "mid_target", "actual"):   # one field at a time, so each problem names its column
            try:
                clean_indicator({"name": r.get("name") or "—", c: r.get(c)}, n)
            except InvalidValue as e:
                add("contract_indicators", n, c, str(e))
    for n, r in enumerate(tables["staffing"], 1):
        for c in STAFFING_FIELDS:
            try:
                clean_staffing({c: r.get(c)})
            except InvalidValue as e:
                add("staffing", n, c, str(e))
    for n, r in enumerate(tables["survey_calls"], 1):
        aw, sat = _json_object(r.get("awareness") or "{}"), _json_object(r.get("satisfaction") or "{}")
        if aw is None or sat is None:
            add("survey_calls", n, "awareness" if aw is None else "satisfaction", "应为 JSON 对象")
            continue
        for problem in validate_call(r.get("outcome"), r.get("respondent") or "", r.get("knows_worker"), aw, sat,
                                     r.get("overall")):
            add("survey_calls", n, "outcome" if "通话结果" in problem else "satisfaction", problem)
    for n, r in enumerate(tables["members"], 1):
        if r.get("role") not in ROLES:
            add("members", n, "role", f"角色“{r.get('role')}”无效，应为 {'、'.join(ROLES)}")
        problem = pins.check_hash_format(r.get("pin_hash"))
        if problem:
            add("members", n, "pin_hash", problem)
    for n, r in enumerate(tables["assessments"], 1):
        try:
            checked_number(r.get("funding_wan"), "服务经费（万元）")
        except InvalidValue as e:
            add("assessments", n, "funding_wan", str(e))
        if r.get("status") not in ("open", "locked"):
            add("assessments", n, "status", f"状态“{r.get('status')}”无效")
    for n, r in enumerate(tables["interviews"], 1):
        if r.get("group_code") not in INTERVIEW_GROUPS:
            add("interviews", n, "group_code", f"访谈对象类别“{r.get('group_code')}”无效，应为 "
                + "、".join(f"{k}（{v}）" for k, v in INTERVIEW_GROUPS.items()))
    for n, r in enumerate(tables["attachments"], 1):
        _attachment_errors(r, lambda c, m, n=n: add("attachments", n, c, m))
    return errors


# The first bytes of each stored kind of evidence (a photo is always stored as a JPEG).
_MAGIC = {"image/jpeg": b"\xff\xd8\xff", "application/pdf": b"%PDF-"}


def _attachment_errors(r: dict, add) -> None:
    """An attachment row as the evidence panel stores it: one owner, a known kind whose bytes are
    that kind, within the upload cap, its stated size true, 含个人信息 0 or 1."""
    owners = [c for c in ("site_record_id", "interview_id", "finding_id") if r.get(c) is not None]
    if len(owners) != 1:
        add("site_record_id", "应恰好附属于一条现场记录、访谈记录或评估意见"
            + (f"，实际附属于 {len(owners)} 条" if owners else "，实际没有"))
    mime = r.get("mime")
    if mime not in ATTACHMENT_TYPES:
        add("mime", f"文件类型“{mime}”无效，应为 {'、'.join(ATTACHMENT_TYPES)}")
    if r.get("personal") not in (0, 1):
        add("personal", f"应为 0 或 1，实际为 {r.get('personal')}")
    data = _unbase64(r.get("data"))
    if data is None:
        return                                           # reported by validate() already
    if len(data) > MAX_ATTACHMENT_BYTES:
        add("data", f"文件有 {len(data) / 1024 / 1024:.1f} MB，超过每个附件 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB 的上限")
    elif mime in _MAGIC and not data.startswith(_MAGIC[mime]):
        add("data", f"文件内容不是{ATTACHMENT_TYPES[mime]}（{mime}），文件可能已损坏或被修改过")
    if r.get("size") != len(data):
        add("size", f"记录的大小 {r.get('size')} 与文件内容的 {len(data)} 字节不符")
    thumb = _unbase64(r.get("thumb")) if r.get("thumb") is not None else None
    if thumb is not None and (len(thumb) > MAX_ATTACHMENT_BYTES or not thumb.startswith(_MAGIC["image/jpeg"])):
        add("thumb", "缩略图不是有效的 JPEG 图片")


def fks(schema: dict, table: str) -> dict[str, str]:
    out = dict(schema[table]["fks"])
    out.update(SOFT_FKS.get(table, {}))
    return out


def _id_list(v):
    if v is None or v == "":
        return []
    try:
        x = json.loads(v) if isinstance(v, str) else v
    except json.JSONDecodeError:
        return None
    if not isinstance(x, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in x):
        return None
    return x


def _unbase64(v) -> bytes | None:
    if not isinstance(v, str):
        return None
    try:
        return base64.b64decode(v.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def _blobs_to_text(tables: dict[str, list[dict]]) -> None:
    for t, c in BLOB_COLUMNS:
        for row in tables.get(t, []):
            if isinstance(row.get(c), (bytes, bytearray, memoryview)):
                row[c] = base64.b64encode(bytes(row[c])).decode("ascii")


def _blobs_from_text(tables: dict[str, list[dict]]) -> None:
    for t, c in BLOB_COLUMNS:
        for row in tables.get(t, []):
            if isinstance(row.get(c), str):
                row[c] = _unbase64(row[c])


# ---------- remapping ----------

def id_maps(doc: dict, schema: dict, bases: dict[str, int]) -> dict[str, dict[int, int]]:
    """New id of every row: base[table] + rank of its old id (order kept)."""
    out = {}
    for t in TABLES:
        pk = schema[t]["pk"]
        if not pk:
            continue
        old = sorted(r[pk] for r in doc["tables"][t])
        out[t] = {o: bases.get(t, 0) + i for i, o in enumerate(old, 1)}
    return out


def remap(doc: dict, schema: dict, bases: dict[str, int]) -> dict[str, list[dict]]:
    """The tables with every id, foreign key and id-in-text renumbered; rows sorted by new id.

    References whose target is not in the file: soft foreign keys become NULL,
    a findings.source becomes '', an id inside a list is dropped; an audit
    entity_key is kept as written (history).
    """
    maps = id_maps(doc, schema, bases)
    out: dict[str, list[dict]] = {}
    for t in TABLES:
        pk = schema[t]["pk"]
        fk = fks(schema, t)
        rows = []
        for row in doc["tables"][t]:
            r = dict(row)
            r.pop("uid", None)       # an imported assessment is a new one: its rows get keys of their own (issue 23)
            if pk:
                r[pk] = maps[t][row[pk]]
            for c, parent in fk.items():
                if r.get(c) is not None:
                    r[c] = maps[parent].get(r[c])
            if t == "findings" and r.get("source"):
                r["source"] = _remap_source(r["source"], maps)
            for (lt, c), parent in ID_LIST_COLUMNS.items():
                if lt == t and c in r:
                    lst = _id_list(r[c]) or []
                    r[c] = json.dumps([maps[parent][i] for i in lst if i in maps[parent]])
            if t == "audit_log":
                r["entity_key"] = _remap_audit_key(r.get("entity", ""), r.get("entity_key", ""), maps)
            rows.append(r)
        if pk:
            rows.sort(key=lambda r: r[pk])
        out[t] = rows
    return out


def _remap_source(source: str, maps) -> str:
    if "," in source:   # a finding drawing on several records: 'site_record:3,prev_recommendation:1'
        return ",".join(p for p in (_remap_source(x.strip(), maps) for x in source.split(",")) if p)
    m = _SOURCE_RE.match(source)
    if not m:
        return source
    t = _source_table(m.group(1))
    if t is None:
        return source
    new = maps.get(t, {}).get(int(m.group(2)))
    return f"{m.group(1)}:{new}" if new is not None else ""


def _remap_audit_key(entity: str, key, maps) -> str:
    key = "" if key is None else str(key)
    t = _audit_table(entity or "")
    if t is None or not key.isdigit():
        return key
    new = maps.get(t, {}).get(int(key))
    return str(new) if new is not None else key


def canonical(doc: dict, schema: dict) -> dict[str, list[dict]]:
    """The content ids aside: ids renumbered 1..n per table (order kept), references
    followed. Two exports of the same assessment have equal canonical forms."""
    return remap(doc, schema, {})


# ---------- use cases ----------

def schema(db) -> dict:
    """Columns, primary key and foreign keys of every exported table (db.transfer.schema)."""
    return _db.schema(db, TABLES)


def export_assessment(db, assessment_id: int) -> dict:
    """The whole assessment as a JSON-ready document (real names and phones included)."""
    tables = _db.read_tables(db, assessment_id, TABLES)
    _blobs_to_text(tables)
    for row in tables["stations"]:
        row.pop("identity_id", None)   # this database's own key; the import attaches the station anew
    for t, rows in tables.items():
        for row in rows:
            for c, v in row.items():
                if isinstance(v, bytes):
                    raise ValueError(f"{t}.{c}: binary values cannot be exported")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": now(),
        "source_assessment_id": assessment_id,
        "privacy": PRIVACY_NOTICE,
        "tables": tables,
    }


def export_json(db, assessment_id: int) -> bytes:
    return dumps(export_assessment(db, assessment_id))


def import_assessment(db, doc: dict | bytes | str, attach="auto") -> int:
    """Import an exported assessment as a new one (its own station row); return its id.
    `attach`: "auto" joins the existing station at the same district + street, "new" makes it a
    new station, an id names the station (core.agency.stations). See import_to_station."""
    return import_to_station(db, doc, attach)["assessment_id"]


def import_to_station(db, doc: dict | bytes | str, attach="auto") -> dict:
    """Import an exported assessment; return {assessment_id, station_id, attached, station}.

    Validates the whole file first and raises ImportRejected listing every problem;
    then remaps the ids above the database's highest and writes everything in one
    transaction (nothing is written on any error). The station row joins its station
    (identity) by district + street unless `attach` says otherwise.
    """
    if not isinstance(doc, dict):
        big = uploads.too_large("transfer", "JSON 迁移文件", len(doc.encode("utf-8") if isinstance(doc, str) else doc))
        if big:
            raise ImportRejected([big])
        doc = loads(doc)
    doc = with_later_tables(doc)
    sch = schema(db)
    errors = validate(doc, sch)
    if errors:
        more = len(errors) - MAX_ERRORS
        raise ImportRejected(errors[:MAX_ERRORS] + ([f"……另有 {more} 处问题未列出。"] if more > 0 else []))
    with transaction(db):
        src = doc["tables"]["stations"][0]
        target = stations.import_target(db, src, attach)
        identity_id = target if target is not None else stations.new_identity(db, src)
        tables = remap(doc, sch, _db.max_ids(db, sch))   # ids above every row, the identity's log too
        st = tables["stations"][0]
        st["identity_id"] = identity_id
        a = tables["assessments"][0]
        if not a.get("framework_data"):  # a file from before frozen frameworks: freeze its shipped one
            a.update(framework_version=get_framework(a["framework_id"]).version,
                     framework_data=json.dumps(shipped_framework_data()[a["framework_id"]], ensure_ascii=False))
        assessment_id = a["id"]
        _blobs_from_text(tables)
        _db.insert_tables(db, {t: tables[t] for t in TABLES}, new_assessment_id=assessment_id, labels=TABLE_LABELS,
                          logged={"source_assessment_id": doc.get("source_assessment_id"),
                                  "exported_at": doc.get("exported_at"), "format_version": doc.get("format_version")})
    return {"assessment_id": assessment_id, "station_id": st["identity_id"], "attached": target is not None,
            "station": st.get("name", "")}


def record_export(db, assessment_id: int, member_id: int, what: str) -> None:
    """Log that the lead took a copy out ('xlsx', 'json', 'backup'); allowed when locked."""
    _db.record_export(db, assessment_id, member_id, what)
