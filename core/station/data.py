"""Use cases of station data: contract indicators, staffing, the key-client register,
previous recommendations, site records, and the evidence for suggested scores.

Each use case validates with the rule modules (core.station.indicators, core.station.staffing,
core.station.register, core.station.site, core.station.register_import) and writes through db/'s guarded writers
(lock, role and the audit row are checked there). Free text is stored as typed and
masked on output: readers that feed pages return it through the assessment's scrubber
(core.privacy). Who writes: lead and staff the station's figures and register; lead
and experts the site records and previous recommendations.
"""
from __future__ import annotations

import copy

from db import clients as clients_db
from db import indicators as indicators_db
from db import recommendations as recommendations_db
from db import site_records as site_db
from db import staffing as staffing_db
from db.connection import transaction

from core import derived
from core.station import register_import as imports
from core.scoring import scoresheet
from core.assessment import team
from core.errors import ImportRejected, InvalidValue
from core.station.indicators import DEFAULT_INDICATORS, clean_indicator, clean_table, indicator_rows, period_of
from core import privacy
from core.masking import mask_name, mask_phone
from core.privacy import scrubber
from core.station.register import (audit_counts, check_rows, masked_clients,
                       register_summary as summarise)
from core.labels import SITE_KINDS
from core.station.site import (SITE_CHECKLISTS, check_kind, check_section, clean_recommendation, clean_site_fields,
                   promotable_text)
from core.station.staffing import clean_staffing, staffing_figures
from core.station.suggest import Evidence

STATION_EDITORS = ("lead", "staff")
SITE_EDITORS = ("lead", "expert")
_UNSET = object()


def can_edit_station_data(role: str) -> bool:
    return role in STATION_EDITORS


def can_edit_site_records(role: str) -> bool:
    return role in SITE_EDITORS


def _area_communities(db, assessment_id: int) -> dict[str, list[str]]:
    a = team.get_assessment(db, assessment_id)
    return {x["code"]: x["communities"] for x in team.list_areas(db, a["station_id"])}


# ---------- contract indicators (协议指标) ----------

def list_indicators(db, assessment_id: int) -> list[dict]:
    """The stored rows (as typed): {id, position, name, unit, target, actual, note}."""
    return indicators_db.list_indicators(db, assessment_id)


def indicator_view(db, assessment_id: int) -> list[dict]:
    """core.station.indicators.indicator_rows of the stored rows, judged as the assessment's kind asks: a 中期
    against the targets due by its statistics date (mid-term targets, else pro-rated), a 末期 the annual ones."""
    return indicator_rows(list_indicators(db, assessment_id), period_of(team.get_assessment(db, assessment_id)))


def indicator_period(db, assessment_id: int):
    """The assessment's 中期 period (core.station.indicators.Period), None for a 末期."""
    return period_of(team.get_assessment(db, assessment_id))


def indicator_table(db, assessment_id: int) -> list[dict]:
    """Rows for display: core.station.indicators.indicator_rows (rate, rate_text, problem), free text masked."""
    scrub = scrubber(db, assessment_id)
    return [dict(r, name=scrub(r["name"]), note=scrub(r["note"])) for r in indicator_view(db, assessment_id)]


def save_indicators(db, assessment_id: int, member_id: int, rows: list[dict]) -> bool:
    """Replace the indicator table with `rows` as edited (each may carry its `id`).

    All rows are validated first; any problem raises InvalidValue naming the row and
    field, and nothing changes. Returns True if anything changed (one audit row).
    """
    return indicators_db.replace_indicators(db, assessment_id, member_id, clean_table(rows))


def save_indicator(db, assessment_id: int, member_id: int, name: str, unit: str = "", target=None,
                   actual=None, note: str = "", indicator_id: int | None = None, mid_target=None) -> int:
    """Create or update one indicator (by id, else by name); returns its id. Saving confirms its target."""
    c = clean_indicator(dict(name=name, unit=unit, target=target, actual=actual, note=note, mid_target=mid_target))
    return indicators_db.save_indicator(db, assessment_id, member_id, indicator_id=indicator_id, **c)


def prefill_indicators(db, assessment_id: int, member_id: int) -> bool:
    """Fill an empty indicator table with the usual Guangzhou list (no figures yet). True if filled."""
    with transaction(db):
        if list_indicators(db, assessment_id):
            return False
        return indicators_db.prefill_indicators(db, assessment_id, member_id, list(DEFAULT_INDICATORS))


def import_indicators(db, assessment_id: int, member_id: int, filename: str, data: bytes) -> int:
    """Replace the indicators with an .xlsx/.csv file's rows; all-or-nothing. Returns the row count.

    ImportRejected lists every row and column problem and nothing changes. Rows keep
    their ids when the name matches an existing indicator.
    """
    rows = imports.parse_indicators(filename, data)
    with transaction(db):
        by_name = {r["name"]: r["id"] for r in list_indicators(db, assessment_id)}
        for r in rows:
            r["id"] = by_name.get(r["name"])
        indicators_db.replace_indicators(db, assessment_id, member_id, rows, source=filename)
    return len(rows)


# ---------- staffing (人员配置) ----------

def get_staffing(db, assessment_id: int) -> dict | None:
    return staffing_db.get_staffing(db, assessment_id)


def save_staffing(db, assessment_id: int, member_id: int, **fields) -> dict:
    """Save the given staffing figures (others unchanged); InvalidValue names the field."""
    return staffing_db.save_staffing(db, assessment_id, member_id, clean_staffing(fields))


# ---------- key-client register (重点服务对象名册) ----------

def list_clients(db, assessment_id: int) -> list[dict]:
    """Full, unmasked rows — for internal use (summary, survey sampling). Pages show
    `register_view(...)` instead."""
    return clients_db.list_clients(db, assessment_id)


def register_size(db, assessment_id: int) -> int:
    """How many persons the register holds."""
    return clients_db.count_clients(db, assessment_id)


def register_view(db, assessment_id: int) -> list[dict]:
    """Register rows for the page: name and phone masked, 备注 through the scrubber."""
    return masked_clients(list_clients(db, assessment_id), scrubber(db, assessment_id))


def station_communities(db, assessment_id: int) -> list[str]:
    a = team.get_assessment(db, assessment_id)
    return list(team.get_station(db, a["station_id"])["communities"])


def _summaries(db, assessment_id: int, groups: tuple[tuple[str, ...], ...]) -> tuple[dict | None, list]:
    """(summary of the whole register, [summary of the clients of each group of communities]) — the register
    read once and each client put in the groups of its community (work linear in the register, whatever the
    number of 片区); None for an empty register; computed once per change of the register (core.derived)."""
    def build():
        clients = list_clients(db, assessment_id)
        if not clients:
            return None, [None] * len(groups)
        in_groups: dict[str, list[int]] = {}
        for k, communities in enumerate(groups):
            for community in set(communities):
                in_groups.setdefault(community, []).append(k)
        members: list[list[dict]] = [[] for _ in groups]
        for c in clients:
            for k in in_groups.get(c.get("community") or "", ()):
                members[k].append(c)
        return summarise(clients), [summarise(m) for m in members]
    return copy.deepcopy(derived.by_register(db, assessment_id, ("register_summaries", groups), build))


def has_register(db, assessment_id: int) -> bool:
    return clients_db.has_clients(db, assessment_id)


def register_summary(db, assessment_id: int, area_code: str | None = None) -> dict:
    """core.station.register.register_summary of the register, or of one 片区's communities."""
    if area_code:
        return register_summaries(db, assessment_id, [area_code])[area_code]
    whole, _ = _summaries(db, assessment_id, ())
    return whole if whole is not None else summarise([])


def register_summaries(db, assessment_id: int, area_codes) -> dict[str, dict]:
    """{片区 code: register_summary of its communities} for every code asked, from one read of the register."""
    return register_summary_by_area(db, assessment_id, area_codes)[1]


def register_summary_by_area(db, assessment_id: int, area_codes) -> tuple[dict, dict[str, dict]]:
    """(register_summary of the whole register, {片区 code: that of its communities}) from one read of the
    register (the report gathers both)."""
    communities = _area_communities(db, assessment_id)
    codes = list(area_codes)
    whole, parts = _summaries(db, assessment_id, tuple(tuple(communities.get(c, [])) for c in codes))
    return (whole if whole is not None else summarise([]),
            {c: part if part is not None else summarise([]) for c, part in zip(codes, parts)})


REPLACE_REFUSED = ("已从名册抽取满意度调查样本，不能再替换名册（以免抽样与名册不一致）。"
                   "如确需更换，请组长先在“满意度抽样与结果”页撤销抽样。")


def register_replace_refusal(db, assessment_id: int) -> str | None:
    """Why the register cannot be replaced now (the survey sample was drawn), else None."""
    return REPLACE_REFUSED if clients_db.survey_started(db, assessment_id) else None


def replace_clients(db, assessment_id: int, member_id: int, rows: list[dict], source: str = "") -> int:
    """Replace the whole register with already-validated rows (see core.station.register_import.parse_clients).

    ImportRejected when a row has no name or an unknown category, or once the survey
    sample was drawn. The audit row keeps counts only."""
    check_rows(rows)
    with transaction(db):
        if clients_db.survey_started(db, assessment_id):
            raise ImportRejected([REPLACE_REFUSED])
        return clients_db.replace_clients(db, assessment_id, member_id, rows, source=source,
                                          counts=audit_counts(rows))


def preview_register(db, assessment_id: int, filename: str, data: bytes, mapping: dict | None = None,
                     edits: dict | None = None, header_row: int | None = None) -> imports.RegisterPreview:
    """What importing the file would store (core.station.register_import.preview_clients against the station's
    communities); writes nothing. Unmasked: for the import itself and the CLI — pages show
    `register_preview_view`."""
    return imports.preview_clients(filename, data, station_communities(db, assessment_id), mapping, edits, header_row)


_PERSONAL = ("name", "phone", "phone2")


def preview_identities(p) -> tuple[list[str], list[str]]:
    """The names and phones of a register file being imported (as written and as they would be
    stored): the scrubber of its preview and messages knows them before they are in the register."""
    names = [r["written"].get("name") or "" for r in p.rows] + [r["stored"].get("name", "") for r in p.rows]
    phones = [x for r in p.rows for x in (r["written"].get("phone"), r["stored"].get("phone"), r["stored"].get("phone2"))
              if x]
    return names, phones


def register_preview_view(db, assessment_id: int, filename: str, data: bytes, mapping: dict | None = None,
                          edits: dict | None = None, header_row: int | None = None) -> dict:
    """The import preview for the page, names and phones masked, every text through a scrubber
    that knows the file's names and phones (the register's too).

    {ok, persons, households, header_row, header, mapping, columns ('C 列：联系方式'),
    rows [{row, stored (masked, for display), changes, errors [(field, column, message)],
    fix {field: value to offer for correction (personal fields: '' with `hint` masked)}}],
    skipped [(row, reason)], duplicates [(row, first row)], errors [message], refused (why the register cannot be replaced
    now, or None), by_category, no_phone}."""
    p = preview_register(db, assessment_id, filename, data, mapping, edits, header_row)
    scrub = privacy.with_file(db, assessment_id, *preview_identities(p))
    rows = []
    for r in p.rows:
        st = r["stored"]
        shown = masked_clients([st], scrub)[0] if st else {}
        errs = [(f, p.column_label(f), scrub(msg)) for f, msg in r["errors"]]
        fix = {f: ("" if f in _PERSONAL else r["written"][f]) for f, _, _ in errs}
        hint = {f: (mask_name(r["written"][f]) if f == "name" else scrub(mask_phone(r["written"][f])))
                for f, _, _ in errs if f in _PERSONAL}
        rows.append({"row": r["row"], "stored": shown, "changes": [scrub(c) for c in r["changes"]],
                     "errors": errs, "fix": fix, "hint": hint})
    stored = p.stored_rows() if not p.errors else [r["stored"] for r in p.rows if r["stored"]]
    summary = summarise(stored)
    return {"ok": p.ok, "persons": p.persons, "households": summary["households"] if stored else 0,
            "header_row": p.header_row, "header": [scrub(h) for h in p.header], "mapping": dict(p.mapping),
            "columns": [scrub(c) for c in imports.column_choices(p)], "rows": rows,
            "skipped": [(n, scrub(why)) for n, why in p.skipped], "errors": [scrub(e) for e in p.errors],
            "duplicates": list(p.duplicates),
            "refused": register_replace_refusal(db, assessment_id), "by_category": summary["by_category"],
            "no_phone": summary["no_phone"], "several_categories": summary["several_categories"]}


def import_register(db, assessment_id: int, member_id: int, filename: str, data: bytes, mapping: dict | None = None,
                    edits: dict | None = None, header_row: int | None = None) -> dict:
    """Replace the register with the file as previewed (same mapping and fixes); all or nothing.

    ImportRejected lists every problem (row and column) and nothing is stored; refused once
    the survey sample is drawn. Returns {persons, households, skipped, duplicates [(row, first row)]}."""
    p = preview_register(db, assessment_id, filename, data, mapping, edits, header_row)
    if p.errors:
        raise ImportRejected(p.errors[:imports.MAX_ERRORS] + (
            [f"……另有 {len(p.errors) - imports.MAX_ERRORS} 处问题未列出"] if len(p.errors) > imports.MAX_ERRORS else []))
    rows = p.stored_rows()
    n = replace_clients(db, assessment_id, member_id, rows, source=filename)
    return {"persons": n, "households": summarise(rows)["households"], "skipped": list(p.skipped),
            "duplicates": list(p.duplicates)}


def import_clients(db, assessment_id: int, member_id: int, filename: str, data: bytes) -> int:
    """Replace the register with an .xlsx/.csv file; all-or-nothing. Returns the person count."""
    return import_register(db, assessment_id, member_id, filename, data)["persons"]


# ---------- previous recommendations (上期评估意见) ----------

def list_recommendations(db, assessment_id: int) -> list[dict]:
    """Rows for display: text and evidence masked."""
    scrub = scrubber(db, assessment_id)
    return [dict(r, text=scrub(r["text"]), evidence=scrub(r["evidence"]))
            for r in recommendations_db.list_recommendations(db, assessment_id)]


def save_recommendation(db, assessment_id: int, member_id: int, text: str, status: str = "未整改",
                        evidence: str = "", section_code: str = "", recommendation_id: int | None = None) -> int:
    row = clean_recommendation(text, status, evidence)
    if section_code:
        check_section(team.framework_of(db, assessment_id), section_code, None)
    return recommendations_db.save_recommendation(db, assessment_id, member_id, row["text"], row["status"],
                                                  row["evidence"], section_code or "",
                                                  recommendation_id=recommendation_id)


def delete_recommendation(db, assessment_id: int, member_id: int, recommendation_id: int) -> None:
    recommendations_db.delete_recommendation(db, assessment_id, member_id, recommendation_id)


def apply_recommendation_edits(db, assessment_id: int, member_id: int, updated: dict[int, dict] | None = None,
                               added: list[dict] | None = None, deleted: list[int] | None = None) -> None:
    """All edits of one table change, saved together or not at all.

    `updated`: recommendation id -> full row {text, status, evidence, section_code};
    `added`: new rows (rows without text are skipped); `deleted`: ids."""
    with transaction(db):
        for rid, row in (updated or {}).items():
            save_recommendation(db, assessment_id, member_id, recommendation_id=int(rid), **row)
        for row in added or []:
            if (row.get("text") or "").strip():
                save_recommendation(db, assessment_id, member_id, **row)
        for rid in deleted or []:
            delete_recommendation(db, assessment_id, member_id, int(rid))


# ---------- site records (现场记录) ----------

def list_site_records(db, assessment_id: int, kind: str | None = None) -> list[dict]:
    """Rows for display (item, finding, file_ref and notes masked), with member_name and finding_id."""
    if kind is not None:
        check_kind(kind)
    scrub = scrubber(db, assessment_id)
    return [dict(r, **{k: scrub(r[k]) for k in ("item", "finding", "file_ref", "notes")})
            for r in site_db.list_site_records(db, assessment_id, kind)]


def save_site_record(db, assessment_id: int, member_id: int, kind: str, item: str = _UNSET, status: str = _UNSET,
                     finding: str = _UNSET, file_ref: str = _UNSET, notes: str = _UNSET,
                     record_id: int | None = None) -> int:
    """Create (record_id None) or update a site record; only the fields given change."""
    given = {k: v for k, v in dict(item=item, status=status, finding=finding, file_ref=file_ref, notes=notes).items()
             if v is not _UNSET}
    fields = clean_site_fields(kind, given, creating=record_id is None)
    if record_id is None:
        return site_db.save_site_record(db, assessment_id, member_id, kind, fields)
    with transaction(db):
        old = site_db.site_record_row(db, assessment_id, record_id)
        if old["kind"] != kind:
            raise InvalidValue(f"现场记录 {record_id} 不是“{SITE_KINDS[kind]}”记录")
        return site_db.save_site_record(db, assessment_id, member_id, kind, fields, record_id=record_id)


def delete_site_record(db, assessment_id: int, member_id: int, record_id: int) -> None:
    site_db.delete_site_record(db, assessment_id, member_id, record_id)


def prefill_site_records(db, assessment_id: int, member_id: int, kind: str) -> bool:
    """Fill an empty checklist of `kind` with the default items (SPEC §1). True if filled."""
    check_kind(kind)
    with transaction(db):
        if site_db.list_site_records(db, assessment_id, kind):
            return False
        return site_db.prefill_site_records(db, assessment_id, member_id, kind, list(SITE_CHECKLISTS[kind]))


def apply_site_record_edits(db, assessment_id: int, member_id: int, kind: str, updated: dict[int, dict] | None = None,
                            added: list[dict] | None = None, deleted: list[int] | None = None) -> None:
    """All edits of one checklist table change, saved together or not at all.

    `updated`: record id -> changed fields; `added`: new records' fields (all-empty ones
    skipped); `deleted`: record ids."""
    with transaction(db):
        for rid, fields in (updated or {}).items():
            if fields:
                save_site_record(db, assessment_id, member_id, kind, record_id=int(rid), **fields)
        for fields in added or []:
            if any(fields.values()):
                save_site_record(db, assessment_id, member_id, kind, **fields)
        for rid in deleted or []:
            delete_site_record(db, assessment_id, member_id, int(rid))


def promote_to_finding(db, assessment_id: int, member_id: int, record_id: int, section_code: str,
                       area_code: str = "") -> int:
    """Turn a site record's finding into a 需要关注 finding of a section (source site_record:<id>)."""
    with transaction(db):
        team.require_member(db, assessment_id, member_id, SITE_EDITORS, "现场记录")
        rec = site_db.get_site_record(db, assessment_id, record_id)
        text = promotable_text(rec)
        if not text:
            raise InvalidValue(f"现场记录“{rec['item']}”没有填写发现的问题，不能转为需要关注意见")
        if rec["finding_id"]:
            raise InvalidValue(f"现场记录“{rec['item']}”已转为需要关注意见")
        fw = team.framework_of(db, assessment_id)
        check_section(fw, section_code, area_code or "", _area_communities(db, assessment_id))
        return scoresheet.add_finding(db, assessment_id, member_id, section_code, "concern", text,
                                      area_code=area_code or "", source=f"site_record:{record_id}")


# ---------- evidence for suggested scores ----------

def suggestion_evidence(db, assessment_id: int, survey) -> Evidence:
    """Everything the suggested-score rules read (core.station.suggest.Evidence) from the station's data,
    with `survey` (core.survey.calls.survey_results) as the survey's part. core.day.hints caches it."""
    areas = _area_communities(db, assessment_id)
    staffing = get_staffing(db, assessment_id)
    register, parts = _summaries(db, assessment_id, tuple(tuple(comms) for comms in areas.values()))
    return Evidence(
        indicators=indicator_view(db, assessment_id),
        staffing=staffing_figures(staffing) if staffing else None,
        recommendations=recommendations_db.list_recommendations(db, assessment_id),
        register=register,
        register_by_area=dict(zip(areas, parts)) if register is not None else {},
        survey=survey if survey.reached else None,
    )
