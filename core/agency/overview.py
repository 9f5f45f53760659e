"""Use cases of a station's history and the agency's overview (issue 16).

Each assessment's figures (final and section scores, grade, completion of each contract
indicator, staffing ratios, satisfaction with its Wilson interval, concerns by section and
indicator, each expert's deviation from the panel) are computed by `compute_summary` and
cached in `assessment_summaries`, stamped with the assessment's last audit row: every change
of an assessment logs one, so a summary whose stamp still matches is current, and the
overview of thousands of assessments reads JSON instead of rescoring them all.

Who may see it: the overview shows every assessment in the database file. A lead logs in
per assessment, but a lead of any assessment in the file is the agency's staff (the file is
the agency's), so every lead sees the overview; experts and staff do not. Nothing personal is
in it: no register, no calls, no free text — names of stations and of the agency's experts.
"""
from __future__ import annotations

import io
import json
import threading
from dataclasses import dataclass, field

from db import stations as _db

from core import derived

from core.survey import calls
from core.agency import history
from core.scoring import scoresheet
from core.station import data as station_data
from core.agency import stations
from core.assessment import team
from core.station.staffing import staffing_figures
from core.survey.rules import wilson_interval
from core.masking import mask_name
from core.numbers import fmt_pct, fmt_score, round_float
from core.store import open_db
from core.agency.transfer import record_export


# ---------- one assessment ----------

try:  # Krippendorff's α of a panel is issue 15's (core.scoring.agreement); until it is merged, α shows as '—'.
    from core.scoring import agreement as _agreement
except ImportError:  # pragma: no cover - depends on the merge order of issue 15
    _agreement = None


def panel_alpha(result) -> float | None:
    """Krippendorff's α (interval) of the assessment's expert panel, by issue 15's
    core.scoring.agreement over the scored cells; None while that module is absent or α is undefined."""
    if _agreement is None:
        return None
    try:
        return _agreement.compute(result.cells).alpha
    except ImportError:   # its `krippendorff` package not installed
        return None


def compute_summary(db, assessment_id: int) -> tuple[dict, dict]:
    """(summary, calibration) of one assessment, computed from its data (core.agency.history.summarize)."""
    a = team.get_assessment(db, assessment_id)
    st = team.get_station(db, a["station_id"])
    fw = team.framework_of(db, assessment_id)
    result = scoresheet.result(db, assessment_id)
    inds = station_data.indicator_view(db, assessment_id)     # a 中期 against what was due by its statistics date
    raw_staff = station_data.get_staffing(db, assessment_id)
    staff = staffing_figures(raw_staff) if raw_staff else None
    survey = calls.survey_results(db, assessment_id)
    register = station_data.register_size(db, assessment_id)
    # The survey's own interval (core.survey.rules: Wilson, finite-population corrected by the register
    # size stored with the sample); computed here only for a sample drawn before that was stored.
    interval = getattr(survey, "satisfaction_interval", None)
    population = getattr(survey, "population", None)
    if population is not None:
        register = population
    if interval is None and survey.reached:
        population = register if register >= survey.reached and not survey.register_changed else None
        interval = wilson_interval(survey.satisfied, survey.reached, population)
    concerns = [{"section_code": f["section_code"], "indicator_code": f["indicator_code"]}
                for f in scoresheet.findings(db, assessment_id)
                if f["kind"] == "concern" and not f["section_code"].startswith("party:")]
    members = {m["id"]: m["name"] for m in team.list_members(db, assessment_id) if m["role"] in ("lead", "expert")}
    summary, calibration = history.summarize(
        assessment=a, station=st, framework=fw, result=result, indicators=inds, staffing=staff,
        survey=survey if survey.drawn else None, register_size=register, interval=interval,
        concerns=concerns, members=members)
    names = {}
    for sec, ind, _n in summary["concerns"]:
        try:
            names[ind] = fw.indicator(ind).name if ind else ""
        except KeyError:
            names[ind] = ind
    summary["indicator_names"] = names
    summary["alpha"] = panel_alpha(result)
    summary["experts_cal"] = {n: {"cells": e["cells"], "flags": e["flags"], "n": len(e["rel"]),
                                  "sum_dev": round_float(sum(e["dev"].values()), 4),
                                  "sum_rel": round_float(sum(e["rel"].values()), 4),
                                  "sum_abs_rel": round_float(sum(abs(v) for v in e["rel"].values()), 4)}
                              for n, e in calibration.items()}
    return summary, calibration


def _stamp(mark: int) -> str:
    # α joins the stamp: summaries cached before core.scoring.agreement existed are recomputed with it.
    return f"v{history.SUMMARY_VERSION}{'a' if _agreement is not None else ''}:{mark}"


DETAIL_KEYS = ("completion", "staffing")     # what the history shows and the overview does not
_PARSED: dict = {}                          # (file, assessment id) -> (stamp, summary): parsed once per process
_LOCK = threading.Lock()


def _split(summary: dict) -> tuple[dict, dict]:
    return ({k: v for k, v in summary.items() if k not in DETAIL_KEYS},
            {k: summary.get(k) for k in DETAIL_KEYS})


def summaries(db, ids=None) -> dict[int, dict]:
    """assessment id -> overview summary of the (not deleted) assessments (`ids` only, when
    given). A summary is current while its stamp matches the assessment's last audit row;
    stale or missing ones are recomputed and cached in the database."""
    marks = _db.audit_marks(db, ids)
    where = _db.db_file(db)
    out, missing = {}, []
    with _LOCK:
        for aid, mark in marks.items():
            hit = _PARSED.get((where, aid))
            if hit is not None and hit[0] == _stamp(mark):
                out[aid] = hit[1]
            else:
                missing.append(aid)
    if not missing:
        return out
    stored = _db.cached(db, missing)
    fresh = []
    for aid in missing:
        stamp = _stamp(marks[aid])
        hit = stored.get(aid)
        if hit is not None and hit[0] == stamp:
            summary = json.loads(hit[1])
        else:
            full, cal = compute_summary(db, aid)
            summary, detail = _split(full)
            fresh.append((aid, stamp, json.dumps(summary, ensure_ascii=False), json.dumps(detail, ensure_ascii=False),
                          json.dumps(cal, ensure_ascii=False)))
        out[aid] = summary
        with _LOCK:
            if len(_PARSED) > 20000:
                _PARSED.clear()
            _PARSED[(where, aid)] = (stamp, summary)
    _db.save_summaries(db, fresh)
    return out


def _column(db, ids, column: str) -> dict[int, dict]:
    return {aid: json.loads(v or "{}") for aid, (_, v) in _db.cached(db, ids, column).items()}


def calibrations(db, ids) -> dict[int, dict]:
    """assessment id -> its experts' deviations per indicator (cached; call summaries first)."""
    return _column(db, ids, "calibration")


# ---------- a station's history ----------

def station_history(db, station_id: int) -> list[dict]:
    """Every assessment of the station (identity), in term order, as summaries with their
    completion of each contract indicator and staffing ratios."""
    ids = [r["id"] for r in stations.assessments_of(db, station_id)]
    got = summaries(db, ids)
    detail = _column(db, ids, "detail")
    return [dict(got[i], **detail.get(i, {})) for i in ids if i in got]


def history_of_assessment(db, assessment_id: int) -> list[dict]:
    return station_history(db, stations.station_of_assessment(db, assessment_id))


def report_history(db, assessment_id: int) -> list[dict]:
    """The report's 历次评估对比: the station's assessments up to and including this one (term
    order; later ones never), or [] when this is its first — then the report is unchanged."""
    rows = stations.assessments_of(db, stations.station_of_assessment(db, assessment_id))
    ids = [r["id"] for r in rows]
    if assessment_id not in ids or ids.index(assessment_id) == 0:
        return []
    ids = ids[:ids.index(assessment_id) + 1]
    got = summaries(db, ids)
    return [got[i] for i in ids if i in got]


def history_lines(rows: list[dict]) -> list[str]:
    """One line per assessment: date, kind, final, grade (the `history` command)."""
    out = []
    for r in rows:
        date = r["visit_date"] or "（未填评估日期）"
        final = fmt_score(r["final"]) + ("（预计）" if r["projected"] and r["final"] is not None else "")
        out.append(f"{date}  {r['period']}{r['kind']}  {final}  {r['grade'] or '—'}")
    return out


def history_table(rows: list[dict]) -> tuple[list[str], list[list]]:
    """(header, body) of the history table: one row per assessment, then the sections, the
    contract indicators by name, staffing ratios and satisfaction with its interval."""
    sec_names: dict[str, str] = {}
    ind_names: list[str] = []
    for r in rows:
        for code, name in r["section_names"].items():
            sec_names.setdefault(code, name)
        for c in r["completion"]:
            if c["name"] not in ind_names:
                ind_names.append(c["name"])
    header = (["评估", "评估日期", "最终得分", "等级"] + [f"{c} {n}" for c, n in sec_names.items()]
              + [f"{n}完成率" for n in ind_names]
              + ["持证比例", "两年以上经验比例", "稳岗率", "到岗率", "继续教育达标率", "满意度（95% 置信区间）"])
    body = []
    for r in rows:
        comp = {c["name"]: c["rate"] for c in r["completion"]}
        s = r["staffing"] or {}
        body.append([f"{r['period']}{r['kind']}", r["visit_date"] or "", fmt_score(r["final"]), r["grade"] or "—"]
                    + [fmt_score(r["sections"].get(c)) for c in sec_names]
                    + [fmt_pct(comp.get(n)) for n in ind_names]
                    + [fmt_pct(s.get(k)) for k in ("cert_ratio", "experience_ratio", "retention",
                                                           "attendance_rate", "training_rate")]
                    + [history.interval_label(r["satisfaction"])])
    return header, body


def history_notes(rows: list[dict]) -> list[str]:
    """What the history table's completion rates are measured against, when not every term against its whole
    year: a 中期's rate is of what was due by its statistics date (its mid-term targets, or the annual ones
    pro-rated by the share of the contract gone), as its report judged it."""
    mid = [f"{r['period']}{r['kind']}" for r in rows
           if any(c.get("due_basis") in ("mid", "prorated") for c in r["completion"])]
    if not mid:
        return []
    return [f"{'、'.join(mid)}的协议指标完成率为占中期应完成量的比例（合同约定的中期指标量，或按合同期已过比例折算），"
            "与其报告一致；其余为占全年协议量的比例。"]


def history_charts(rows: list[dict]) -> dict:
    """The station's trend charts, built once per distinct history (core.derived.by_value) and shared between
    reruns and sessions, read-only: plotly's figure building was most of the 历次评估 page's rerun."""
    return derived.by_value("history_charts", rows, lambda: history.history_charts(rows))


# ---------- the agency's overview ----------

@dataclass
class Overview:
    rows: list[dict]                         # the filtered summaries, newest first
    total: int                               # assessments in the database
    options: dict[str, list[str]]            # filter -> values
    concerns: list[dict] = field(default_factory=list)
    experts: list[dict] = field(default_factory=list)


def overview(db, **filters) -> Overview:
    """Every assessment in the database (filters: district, year, grade, framework — lists of
    accepted values), the most frequent concerns and each expert's calibration."""
    everything = list(summaries(db).values())
    rows = history.filter_rows(everything, **filters)
    rows.sort(key=lambda r: (r["year"], r["visit_date"], r["id"]), reverse=True)
    labels = {}
    for r in rows:
        for sec, ind, _n in r["concerns"]:
            if (sec, ind) not in labels:
                labels[(sec, ind)] = (f"{sec} {r['section_names'].get(sec, sec)}"
                                      + (f" · {ind} {r['indicator_names'].get(ind, '')}" if ind else ""))
    return Overview(rows, len(everything), history.filter_options(everything),
                    history.frequent_concerns(rows, labels), history.expert_totals(rows))


def expert_detail(db, ov: Overview, name: str) -> dict[str, float]:
    """One expert's mean deviation per indicator across the overview's assessments they sat on."""
    ids = [r["id"] for r in ov.rows if name in r.get("experts_cal", {})]
    cal = calibrations(db, ids)
    return history.expert_per_indicator(name, [cal.get(i) or {} for i in ids])


def overview_table(ov: Overview) -> tuple[list[str], list[list]]:
    """(header, body) of the overview table (no personal data)."""
    sec_codes: list[str] = []
    for r in ov.rows:
        for c in r["sections"]:
            if c not in sec_codes:
                sec_codes.append(c)
    header = (["评估编号", "社工站", "所在区", "年度", "评估类型", "评估框架", "等级", "最终得分"]
              + [f"{c}部分得分" for c in sec_codes]
              + ["满意度", "满意度 95% 置信区间", "协议指标（达标/有完成率）", "未达标指标", "最低完成率", "评估日期"])
    body = []
    for r in ov.rows:
        tx = r["texts"]
        sections = r["sections"]
        body.append([r["id"], r["station"], r["district"], r["year"], r["kind"], r["framework_name"],
                     r["grade"] or "—", r["final"]]
                    + [sections.get(c) for c in sec_codes]
                    + [tx["satisfaction"], tx["interval"], tx["completion"],
                       "、".join(r["completion_summary"]["below_names"]), tx["min_rate"], r["visit_date"]])
    return header, body


def overview_charts(ov: Overview) -> dict:
    """The overview's charts, built once per distinct set of rows (as history_charts)."""
    return derived.by_value("overview_charts", ov.rows, lambda: history.overview_charts(ov.rows))


def overview_xlsx(db, **filters) -> bytes:
    """The overview as an Excel workbook: 评估一览, 常见问题, 专家校准 (names of the agency's
    experts masked like every export), text cells neutralised against formulas."""
    from openpyxl import Workbook

    # Imported here, not at the top: this module is on the report's start-up path (core.report.data ->
    # report_history), which writes no Excel, and exports loads openpyxl (0.3 s of `python -m core report`).
    from core.agency.exports import _write_sheet

    ov = overview(db, **filters)
    wb = Workbook()
    ws = wb.active
    ws.title = "评估一览"
    header, body = overview_table(ov)
    _write_sheet(ws, header, body, str)
    ws = wb.create_sheet("常见问题")
    _write_sheet(ws, ["部分 · 指标", "涉及社工站", "涉及评估", "意见条数"],
                 [[c["label"], c["stations"], c["assessments"], c["findings"]] for c in ov.concerns], str)
    ws = wb.create_sheet("专家校准")
    _write_sheet(ws, ["专家", "评估次数", "比较单元", "平均偏差（分）", "平均偏差（占满分%）", "平均绝对偏差（占满分%）",
                      "分歧标记", "所在评估组 α"],
                 [[mask_name(e["expert"]), e["assessments"], e["cells"], e["mean_deviation"], e["mean_share"],
                   e["mean_abs_share"], e["flags"], e["alpha"] if e["alpha"] is not None else "—"] for e in ov.experts], str)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def overview_download(path: str, assessment_id: int, member_id: int, **filters) -> bytes:
    """The overview workbook built on its own connection (the download button's callable); the
    download is logged on the lead's assessment."""
    db = open_db(path, migrated=False)
    try:
        record_export(db, assessment_id, member_id, "overview_xlsx")
        return overview_xlsx(db, **filters)
    finally:
        db.conn.close()
