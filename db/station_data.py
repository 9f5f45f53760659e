"""Station data: contract indicators, staffing, key-client register, previous
recommendations and site records (听取介绍 / 实地观察 / 查阅资料 / 访谈).

Who may write: the lead and staff enter the station's figures and register;
the lead and experts record site records and previous recommendations.
Every write checks the lock, runs in one transaction and writes an audit row.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from core import imports as IM
from core import station as CS
from core.framework import get_framework

from . import audit
from .assessments import get_assessment, get_member, get_station, list_areas, require_open
from .connection import transaction
from .errors import ImportRejected, InvalidValue, NotFound, PermissionDenied

STATION_EDITORS = ("lead", "staff")
SITE_EDITORS = ("lead", "expert")
_UNSET = object()


def _require_role(db, assessment_id: int, member_id: int, roles: tuple[str, ...], what: str) -> dict:
    m = get_member(db, member_id)
    if m["assessment_id"] != assessment_id:
        raise PermissionDenied("该成员不属于本评估")
    if m["role"] not in roles:
        from .assessments import ROLES

        allowed = "、".join(ROLES[r] for r in roles)
        raise PermissionDenied(f"{what}只能由{allowed}填写")
    return m


def _writable(db, assessment_id, member_id, roles, what) -> dict:
    require_open(db, assessment_id)
    return _require_role(db, assessment_id, member_id, roles, what)


def can_edit_station_data(role: str) -> bool:
    return role in STATION_EDITORS


def can_edit_site_records(role: str) -> bool:
    return role in SITE_EDITORS


def _num(v, where: str, *, positive=False, integer=False, allow_none=True):
    """Validated number (int or float) or None; InvalidValue names the row/field."""
    if v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v):
        if allow_none:
            return None
        raise InvalidValue(f"{where}：不能为空")
    try:
        d = Decimal(str(v).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidValue(f"{where}：“{v}”不是数字") from None
    if not d.is_finite():
        raise InvalidValue(f"{where}：“{v}”不是数字")
    if positive and d <= 0:
        raise InvalidValue(f"{where}：应大于 0（输入为 {v}）")
    if d < 0:
        raise InvalidValue(f"{where}：不能为负数（输入为 {v}）")
    if integer and d != d.to_integral_value():
        raise InvalidValue(f"{where}：应为整数（输入为 {v}）")
    return int(d) if d == d.to_integral_value() else float(d)


# ---------- contract indicators (协议指标) ----------

_IND_COLS = ("id", "position", "name", "unit", "target", "actual", "note")


def list_indicators(db, assessment_id: int) -> list[dict]:
    rows = list(db.query("SELECT id, position, name, unit, target, actual, note FROM contract_indicators"
                         " WHERE assessment_id = ? ORDER BY position, id", [assessment_id]))
    for r in rows:
        for k in ("target", "actual"):
            if r[k] is not None and float(r[k]).is_integer():
                r[k] = int(r[k])
    return rows


def _clean_indicator(row: dict, n: int | None) -> dict:
    where = f"第 {n} 行" if n else "指标"
    name = (row.get("name") or "").strip()
    if not name:
        raise InvalidValue(f"{where}“指标名称”：不能为空")
    w = f"{where}（{name}）"
    return {
        "name": name,
        "unit": (row.get("unit") or "").strip(),
        "target": _num(row.get("target"), f"{w}“协议指标量”", positive=True),
        "actual": _num(row.get("actual"), f"{w}“实际完成量”"),
        "note": (row.get("note") or "").strip(),
    }


def save_indicators(db, assessment_id: int, member_id: int, rows: list[dict]) -> bool:
    """Replace the indicator table with `rows` (as edited in the table; each may carry its `id`).

    All rows are validated first; any problem raises InvalidValue naming the row
    and field, and nothing changes. A missing target is allowed while editing
    (the rate shows '—'); a zero or negative one is refused. Returns True if anything changed.
    """
    _writable(db, assessment_id, member_id, STATION_EDITORS, "协议指标")
    clean, errors, seen = [], [], {}
    for n, r in enumerate(rows, 1):
        if all((r.get(k) in (None, "") or (isinstance(r.get(k), float) and r.get(k) != r.get(k)))
               for k in ("name", "unit", "target", "actual", "note")):
            continue  # an empty row added in the table and not filled yet
        try:
            c = _clean_indicator(r, n)
        except InvalidValue as e:
            errors.append(str(e))
            continue
        if c["name"] in seen:
            errors.append(f"第 {n} 行“指标名称”：“{c['name']}”与第 {seen[c['name']]} 行重复")
            continue
        seen[c["name"]] = n
        rid = r.get("id")
        c["id"] = int(rid) if rid not in (None, "") and rid == rid else None
        clean.append(c)
    if errors:
        raise InvalidValue("协议指标未保存：\n" + "\n".join(errors))
    return _replace_indicators(db, assessment_id, member_id, clean, action="update")


def _replace_indicators(db, assessment_id, member_id, clean: list[dict], action: str, note: str = "") -> bool:
    with transaction(db):
        old = {r["id"]: r for r in list_indicators(db, assessment_id)}
        kept_ids = {c["id"] for c in clean if c.get("id") in old}
        db.execute("DELETE FROM contract_indicators WHERE assessment_id = ?", [assessment_id])
        changed = False
        for pos, c in enumerate(clean):
            rid = c.get("id") if c.get("id") in old else None
            row = dict(assessment_id=assessment_id, position=pos, name=c["name"], unit=c["unit"],
                       target=c["target"], actual=c["actual"], note=c["note"])
            if rid is not None:
                row["id"] = rid
            new_id = db["contract_indicators"].insert(row).last_pk
            fields = ("name", "unit", "target", "actual", "note")
            new_cmp = {k: c[k] for k in fields}
            if rid is None:
                changed = True
                audit.log(db, assessment_id, member_id, "create", "contract_indicator", new_id, new=new_cmp)
            else:
                o = old[rid]
                old_cmp = {k: o[k] for k in fields}
                if old_cmp != new_cmp or o["position"] != pos:
                    changed = True
                    audit.log(db, assessment_id, member_id, "update", "contract_indicator", rid,
                              old=dict(old_cmp, position=o["position"]), new=dict(new_cmp, position=pos))
        for rid, o in old.items():
            if rid not in kept_ids:
                changed = True
                audit.log(db, assessment_id, member_id, "delete", "contract_indicator", rid,
                          old={k: o[k] for k in ("name", "unit", "target", "actual", "note")})
        if note:
            audit.log(db, assessment_id, member_id, action, "contract_indicators", assessment_id, new={"file": note})
    return changed


def save_indicator(db, assessment_id: int, member_id: int, name: str, unit: str = "", target=None,
                   actual=None, note: str = "", indicator_id: int | None = None) -> int:
    """Create or update one indicator (by id, else by name); returns its id."""
    _writable(db, assessment_id, member_id, STATION_EDITORS, "协议指标")
    c = _clean_indicator(dict(name=name, unit=unit, target=target, actual=actual, note=note), None)
    rows = list_indicators(db, assessment_id)
    if indicator_id is None:
        indicator_id = next((r["id"] for r in rows if r["name"] == c["name"]), None)
    elif indicator_id not in {r["id"] for r in rows}:
        raise NotFound(f"找不到协议指标 {indicator_id}")
    clash = next((r for r in rows if r["name"] == c["name"] and r["id"] != indicator_id), None)
    if clash:
        raise InvalidValue(f"指标“{c['name']}”已存在")
    with transaction(db):
        if indicator_id is None:
            pos = max((r["position"] for r in rows), default=-1) + 1
            indicator_id = db["contract_indicators"].insert(dict(assessment_id=assessment_id, position=pos, **c)).last_pk
            audit.log(db, assessment_id, member_id, "create", "contract_indicator", indicator_id, new=c)
        else:
            o = next(r for r in rows if r["id"] == indicator_id)
            audit.update_changed(db, "contract_indicators", indicator_id, o, c, assessment_id=assessment_id,
                                 member_id=member_id, entity="contract_indicator")
    return indicator_id


def delete_indicator(db, assessment_id: int, member_id: int, indicator_id: int) -> None:
    _writable(db, assessment_id, member_id, STATION_EDITORS, "协议指标")
    rows = [r for r in list_indicators(db, assessment_id) if r["id"] != indicator_id]
    if len(rows) == len(list_indicators(db, assessment_id)):
        raise NotFound(f"找不到协议指标 {indicator_id}")
    _replace_indicators(db, assessment_id, member_id, rows, action="update")


def prefill_indicators(db, assessment_id: int, member_id: int) -> bool:
    """Fill an empty indicator table with the usual Guangzhou list (no figures yet). True if filled."""
    _writable(db, assessment_id, member_id, STATION_EDITORS, "协议指标")
    with transaction(db):
        if list_indicators(db, assessment_id):
            return False
        for pos, (name, unit) in enumerate(CS.DEFAULT_INDICATORS):
            db["contract_indicators"].insert(dict(assessment_id=assessment_id, position=pos, name=name, unit=unit,
                                                  target=None, actual=None, note=""))
        audit.log(db, assessment_id, member_id, "prefill", "contract_indicators", assessment_id,
                  new=[n for n, _ in CS.DEFAULT_INDICATORS])
    return True


def import_indicators(db, assessment_id: int, member_id: int, filename: str, data: bytes) -> int:
    """Replace the indicators with an .xlsx/.csv file's rows; all-or-nothing. Returns the row count.

    Raises ImportRejected (every row and column problem listed) and changes nothing
    on a bad file. Rows keep their ids when the name matches an existing indicator.
    """
    _writable(db, assessment_id, member_id, STATION_EDITORS, "协议指标")
    rows = IM.parse_indicators(filename, data)
    by_name = {r["name"]: r["id"] for r in list_indicators(db, assessment_id)}
    for r in rows:
        r["id"] = by_name.get(r["name"])
    _replace_indicators(db, assessment_id, member_id, rows, action="import", note=filename)
    return len(rows)


# ---------- staffing (人员配置) ----------

def get_staffing(db, assessment_id: int) -> dict | None:
    row = db.execute("SELECT * FROM staffing WHERE assessment_id = ?", [assessment_id]).fetchone()
    if row is None:
        return None
    cols = [d[0] for d in db.execute("SELECT * FROM staffing LIMIT 0").description]
    out = dict(zip(cols, row))
    for k, (_, kind) in CS.STAFFING_FIELDS.items():
        v = out.get(k)
        if v is not None and float(v).is_integer():
            out[k] = int(v)
    return out


def save_staffing(db, assessment_id: int, member_id: int, **fields) -> dict:
    """Save the given staffing figures (others unchanged); InvalidValue names the field."""
    _writable(db, assessment_id, member_id, STATION_EDITORS, "人员配置")
    unknown = [k for k in fields if k not in CS.STAFFING_FIELDS]
    if unknown:
        raise InvalidValue(f"未知的人员配置字段：{'、'.join(unknown)}")
    clean = {}
    for k, v in fields.items():
        label, kind = CS.STAFFING_FIELDS[k]
        clean[k] = _num(v, f"人员配置“{label}”", integer=(kind == "int"))
    with transaction(db):
        old = get_staffing(db, assessment_id)
        if old is None:
            db["staffing"].insert(dict(clean, assessment_id=assessment_id, updated_at=audit.now()))
        else:
            clean = {k: v for k, v in clean.items() if old.get(k) != v}
            if not clean:
                return old
            db.execute("UPDATE staffing SET " + ", ".join(f"{k} = ?" for k in clean) + ", updated_at = ?"
                       " WHERE assessment_id = ?", [*clean.values(), audit.now(), assessment_id])
        audit.log(db, assessment_id, member_id, "update" if old else "create", "staffing", assessment_id,
                  old={k: old.get(k) for k in clean} if old else None, new=clean)
    return get_staffing(db, assessment_id)


# ---------- key-client register (重点服务对象名册) ----------

_CLIENT_FIELDS = ("name", "phone", "community", "category", "household", "vacant_household", "separated", "note")


def list_clients(db, assessment_id: int) -> list[dict]:
    """Full, unmasked rows — for internal use (summary, survey sampling). Pages show
    `core.station.masked_clients(...)` instead."""
    rows = list(db.query("SELECT * FROM clients WHERE assessment_id = ? ORDER BY position, id", [assessment_id]))
    for r in rows:
        r["vacant_household"] = bool(r["vacant_household"])
        r["separated"] = bool(r["separated"])
    return rows


def station_communities(db, assessment_id: int) -> list[str]:
    a = get_assessment(db, assessment_id)
    return list(get_station(db, a["station_id"])["communities"])


def _survey_started(db, assessment_id: int) -> bool:
    try:
        return db.execute("SELECT 1 FROM survey_samples WHERE assessment_id = ? LIMIT 1",
                          [assessment_id]).fetchone() is not None
    except Exception:  # survey tables not migrated (older file)
        return False


def replace_clients(db, assessment_id: int, member_id: int, rows: list[dict], source: str = "") -> int:
    """Replace the whole register with already-validated rows (see core.imports.parse_clients)."""
    _writable(db, assessment_id, member_id, STATION_EDITORS, "重点服务对象名册")
    bad = [f"第 {n} 人“对象类别”：未知类别“{r.get('category') or ''}”（应为 17 类之一）"
           for n, r in enumerate(rows, 1) if r.get("category") not in CS.CATEGORIES]
    bad += [f"第 {n} 人“姓名”：不能为空" for n, r in enumerate(rows, 1) if not (r.get("name") or "").strip()]
    if bad:
        raise ImportRejected(bad)
    if _survey_started(db, assessment_id):
        raise ImportRejected(["已从名册抽取满意度调查样本，不能再替换名册（以免抽样与名册不一致）。"
                              "如确需更换，请组长先在“满意度抽样与结果”页撤销抽样。"])
    with transaction(db):
        old_n = db.execute("SELECT count(*) FROM clients WHERE assessment_id = ?", [assessment_id]).fetchone()[0]
        db.execute("DELETE FROM clients WHERE assessment_id = ?", [assessment_id])
        db["clients"].insert_all(
            [dict(assessment_id=assessment_id, position=pos,
                  **{k: (int(bool(r.get(k))) if k in ("vacant_household", "separated") else (r.get(k) or ""))
                     for k in _CLIENT_FIELDS})
             for pos, r in enumerate(rows)])
        s = CS.register_summary(rows)
        # The audit keeps counts, never the personal data itself.
        audit.log(db, assessment_id, member_id, "import", "clients", assessment_id,
                  old={"persons": old_n},
                  new={"file": source, "persons": s["persons"], "households": s["households"],
                       "vacant_household": s["vacant_household"], "separated": s["separated"]})
    return len(rows)


def import_clients(db, assessment_id: int, member_id: int, filename: str, data: bytes) -> int:
    """Replace the register with an .xlsx/.csv file; all-or-nothing. Returns the person count."""
    _writable(db, assessment_id, member_id, STATION_EDITORS, "重点服务对象名册")
    rows = IM.parse_clients(filename, data, communities=station_communities(db, assessment_id))
    return replace_clients(db, assessment_id, member_id, rows, source=filename)


def register_summary(db, assessment_id: int, area_code: str | None = None) -> dict:
    clients = list_clients(db, assessment_id)
    if area_code:
        clients = CS.register_for_communities(clients, _area_communities(db, assessment_id).get(area_code, []))
    return CS.register_summary(clients)


def _area_communities(db, assessment_id: int) -> dict[str, list[str]]:
    a = get_assessment(db, assessment_id)
    return {x["code"]: x["communities"] for x in list_areas(db, a["station_id"])}


# ---------- previous recommendations (上期评估意见) ----------

def list_recommendations(db, assessment_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM prev_recommendations WHERE assessment_id = ? ORDER BY position, id",
                         [assessment_id]))


def save_recommendation(db, assessment_id: int, member_id: int, text: str, status: str = "未整改",
                        evidence: str = "", section_code: str = "", recommendation_id: int | None = None) -> int:
    _writable(db, assessment_id, member_id, SITE_EDITORS, "上期评估意见")
    text = (text or "").strip()
    if not text:
        raise InvalidValue("上期评估意见：内容不能为空")
    if status not in CS.RECTIFICATION_STATUSES:
        raise InvalidValue(f"上期评估意见“{text[:20]}”：整改情况应为{'、'.join(CS.RECTIFICATION_STATUSES)}之一")
    if section_code:
        _check_section(db, assessment_id, section_code, None)
    names = [c["name"] for c in list_clients(db, assessment_id)]
    row = {"text": CS.scrub_text(text, names), "status": status,
           "evidence": CS.scrub_text((evidence or "").strip(), names), "section_code": section_code or ""}
    with transaction(db):
        if recommendation_id is None:
            pos = db.execute("SELECT coalesce(max(position), -1) + 1 FROM prev_recommendations WHERE assessment_id = ?",
                             [assessment_id]).fetchone()[0]
            rid = db["prev_recommendations"].insert(dict(row, assessment_id=assessment_id, position=pos)).last_pk
            audit.log(db, assessment_id, member_id, "create", "prev_recommendation", rid, new=row)
            return rid
        old = _get(db, "prev_recommendations", assessment_id, recommendation_id, "上期评估意见")
        audit.update_changed(db, "prev_recommendations", recommendation_id, old, row, assessment_id=assessment_id,
                             member_id=member_id, entity="prev_recommendation")
        return recommendation_id


def delete_recommendation(db, assessment_id: int, member_id: int, recommendation_id: int) -> None:
    _writable(db, assessment_id, member_id, SITE_EDITORS, "上期评估意见")
    with transaction(db):
        old = _get(db, "prev_recommendations", assessment_id, recommendation_id, "上期评估意见")
        db.execute("DELETE FROM prev_recommendations WHERE id = ?", [recommendation_id])
        audit.log(db, assessment_id, member_id, "delete", "prev_recommendation", recommendation_id,
                  old={k: old[k] for k in ("text", "status", "evidence")})


def _get(db, table: str, assessment_id: int, row_id: int, label: str) -> dict:
    rows = list(db.query(f"SELECT * FROM {table} WHERE id = ? AND assessment_id = ?", [row_id, assessment_id]))
    if not rows:
        raise NotFound(f"找不到{label} {row_id}")
    return rows[0]


# ---------- site records ----------

_SITE_FIELDS = ("item", "status", "finding", "file_ref", "notes")


def list_site_records(db, assessment_id: int, kind: str | None = None) -> list[dict]:
    sql = ("SELECT r.*, m.name AS member_name FROM site_records r LEFT JOIN members m ON m.id = r.member_id"
           " WHERE r.assessment_id = ?")
    params: list = [assessment_id]
    if kind is not None:
        if kind not in CS.SITE_KINDS:
            raise InvalidValue(f"未知记录类型“{kind}”")
        sql += " AND r.kind = ?"
        params.append(kind)
    rows = list(db.query(sql + " ORDER BY r.kind, r.position, r.id", params))
    promoted = promoted_records(db, assessment_id)
    for r in rows:
        r["finding_id"] = promoted.get(r["id"])
    return rows


def promoted_records(db, assessment_id: int) -> dict[int, int]:
    """site record id -> id of the (not deleted) finding it was promoted to."""
    out = {}
    for fid, src in db.execute("SELECT id, source FROM findings WHERE assessment_id = ? AND deleted = 0"
                               " AND source LIKE 'site_record:%'", [assessment_id]):
        try:
            out[int(src.split(":", 1)[1])] = fid
        except ValueError:
            continue
    return out


def save_site_record(db, assessment_id: int, member_id: int, kind: str, item: str = _UNSET, status: str = _UNSET,
                     finding: str = _UNSET, file_ref: str = _UNSET, notes: str = _UNSET,
                     record_id: int | None = None) -> int:
    """Create (record_id None) or update a site record; only the fields given change.

    Names of registered clients and mobile numbers typed into the text are masked
    before saving (黄*昕, 138****1234)."""
    _writable(db, assessment_id, member_id, SITE_EDITORS, "现场记录")
    if kind not in CS.SITE_KINDS:
        raise InvalidValue(f"未知记录类型“{kind}”")
    given = {k: v for k, v in dict(item=item, status=status, finding=finding, file_ref=file_ref, notes=notes).items()
             if v is not _UNSET}
    if "status" in given and given["status"] not in CS.SITE_STATUSES:
        raise InvalidValue(f"检查结果应为{'、'.join(CS.SITE_STATUSES.values())}之一")
    names = [c["name"] for c in list_clients(db, assessment_id)]
    for k in ("item", "finding", "file_ref", "notes"):
        if k in given:
            given[k] = CS.scrub_text((given[k] or "").strip(), names)
    with transaction(db):
        if record_id is None:
            row = {k: given.get(k, "") for k in _SITE_FIELDS}
            label = CS.SITE_KINDS[kind]
            if not row["item"]:
                raise InvalidValue(f"{label}：{'访谈对象' if kind == 'interview' else '项目'}不能为空")
            pos = db.execute("SELECT coalesce(max(position), -1) + 1 FROM site_records WHERE assessment_id = ? AND kind = ?",
                             [assessment_id, kind]).fetchone()[0]
            rid = db["site_records"].insert(dict(row, assessment_id=assessment_id, kind=kind, position=pos,
                                                 member_id=member_id, updated_at=audit.now())).last_pk
            audit.log(db, assessment_id, member_id, "create", "site_record", rid, new=dict(row, kind=kind))
            return rid
        old = _get(db, "site_records", assessment_id, record_id, "现场记录")
        if old["kind"] != kind:
            raise InvalidValue(f"现场记录 {record_id} 不是“{CS.SITE_KINDS[kind]}”记录")
        if "item" in given and not given["item"]:
            raise InvalidValue(f"{CS.SITE_KINDS[kind]}：项目不能为空")
        audit.update_changed(db, "site_records", record_id, old, given, assessment_id=assessment_id,
                             member_id=member_id, entity="site_record",
                             stamp={"member_id": member_id, "updated_at": audit.now()})
        return record_id


def delete_site_record(db, assessment_id: int, member_id: int, record_id: int) -> None:
    _writable(db, assessment_id, member_id, SITE_EDITORS, "现场记录")
    with transaction(db):
        old = _get(db, "site_records", assessment_id, record_id, "现场记录")
        db.execute("DELETE FROM site_records WHERE id = ?", [record_id])
        audit.log(db, assessment_id, member_id, "delete", "site_record", record_id,
                  old={k: old[k] for k in ("kind",) + _SITE_FIELDS})


def prefill_site_records(db, assessment_id: int, member_id: int, kind: str) -> bool:
    """Fill an empty checklist of `kind` with the default items (SPEC §1). True if filled."""
    _writable(db, assessment_id, member_id, SITE_EDITORS, "现场记录")
    with transaction(db):
        if list_site_records(db, assessment_id, kind):
            return False
        for item in CS.SITE_CHECKLISTS[kind]:
            save_site_record(db, assessment_id, member_id, kind, item=item)
    return True


def _check_section(db, assessment_id: int, section_code: str, area_code: str | None):
    """The framework section; area_code None skips the 片区 check."""
    a = get_assessment(db, assessment_id)
    fw = get_framework(a["framework_id"])
    try:
        sec = fw.section(section_code)
    except KeyError:
        raise InvalidValue(f"未知指标部分“{section_code}”") from None
    if area_code is None:
        return sec
    if sec.scope == "area":
        if area_code not in _area_communities(db, assessment_id):
            raise InvalidValue(f"“{sec.name}”按片区评估，请选择片区")
    elif area_code:
        raise InvalidValue(f"“{sec.name}”不分片区，不能选择片区")
    return sec


def promote_to_finding(db, assessment_id: int, member_id: int, record_id: int, section_code: str,
                       area_code: str = "") -> int:
    """Turn a site record's finding into a 需要关注 finding of a section (source site_record:<id>)."""
    from . import scores

    _writable(db, assessment_id, member_id, SITE_EDITORS, "现场记录转为意见")
    rec = _get(db, "site_records", assessment_id, record_id, "现场记录")
    text = (rec["finding"] or "").strip() or ((rec["notes"] or "").strip() if rec["kind"] in ("intro", "interview") else "")
    if not text:
        raise InvalidValue(f"现场记录“{rec['item']}”没有填写发现的问题，不能转为需要关注意见")
    if record_id in promoted_records(db, assessment_id):
        raise InvalidValue(f"现场记录“{rec['item']}”已转为需要关注意见")
    _check_section(db, assessment_id, section_code, area_code or "")
    if rec["file_ref"] and rec["file_ref"] not in text:
        text = f"{text}（抽查：{rec['file_ref']}）"
    with transaction(db):
        return scores.add_finding(db, assessment_id, member_id, section_code, "concern", text,
                                  area_code=area_code or "", source=f"site_record:{record_id}")


# ---------- evidence for suggested scores ----------

def evidence(db, assessment_id: int):
    """Everything the suggested-score rules read (core.suggest.Evidence)."""
    from core.suggest import Evidence

    clients = list_clients(db, assessment_id)
    areas = _area_communities(db, assessment_id)
    staffing = get_staffing(db, assessment_id)
    survey = None
    try:  # the survey area may provide db.survey.evidence(db, aid)
        from . import survey as _survey

        fn = getattr(_survey, "evidence", None)
        survey = fn(db, assessment_id) if fn else None
    except ImportError:
        pass
    return Evidence(
        indicators=CS.indicator_rows(list_indicators(db, assessment_id)),
        staffing=CS.staffing_figures(staffing) if staffing else None,
        recommendations=list_recommendations(db, assessment_id),
        register=CS.register_summary(clients) if clients else None,
        register_by_area={code: CS.register_summary(CS.register_for_communities(clients, comms))
                          for code, comms in areas.items()} if clients else {},
        survey=survey,
    )

