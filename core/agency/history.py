"""Rules of a station's history and the agency's overview (issue 16). Pure functions, no I/O.

- Station identity: a station is district + street (with an optional agency code); the keys
  are normalised the way evaluators write them (天河 / 天河区, 元岗街 / 元岗街道, spaces).
- Carry-over: what a new assessment of a station starts with from the earlier one.
- Summaries: the figures of one assessment the history and the overview show, as plain
  JSON-ready data; the overview's filters, distributions, frequent concerns and each
  expert's calibration across assessments.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from decimal import Decimal
from statistics import mean

from core.numbers import D, fmt_interval, fmt_pct, round_float

# Bump when a summary's content changes: cached summaries of an older version are recomputed.
SUMMARY_VERSION = 4           # 4: a 中期's completion against what was due by its statistics date

_SPACES = re.compile(r"[\s\u3000]+")


# ---------- station identity ----------

def district_key(district: str) -> str:
    """'广州市 天河区' / '天河' -> '天河'."""
    d = _SPACES.sub("", district or "")
    d = re.sub(r"^(广东省)?(广州市|广州)", "", d)
    return re.sub(r"区$", "", d) if len(d) > 2 else d


def street_key(street: str) -> str:
    """'元岗街道' / '元岗街' / '元岗 街' -> '元岗街'; '太和镇' stays '太和镇'."""
    s = _SPACES.sub("", street or "")
    s = re.sub(r"(社工服务站|社工站|服务站)$", "", s)
    return re.sub(r"街道(办事处)?$", "街", s)


def code_key(code: str) -> str:
    return _SPACES.sub("", code or "").upper()


def identity_key(district: str, street: str) -> tuple[str, str] | None:
    """The key stations are matched on, or None when district or street is missing."""
    d, s = district_key(district), street_key(street)
    return (d, s) if d and s else None


def same_station(identity: dict, district: str, street: str, agency_code: str = "") -> bool:
    """Does `identity` ({district, street, agency_code}) name the station at district + street?
    Two different agency codes are two stations even in one street; a missing code matches."""
    key = identity_key(district, street)
    if key is None or key != identity_key(identity.get("district", ""), identity.get("street", "")):
        return False
    a, b = code_key(agency_code), code_key(identity.get("agency_code", ""))
    return not (a and b and a != b)


def match_identity(identities: list[dict], district: str, street: str, agency_code: str = "") -> dict | None:
    """The identity the station belongs to: the one with the same agency code first, then the one
    assessed most recently (`last_seen`), else None."""
    found = [i for i in identities if same_station(i, district, street, agency_code)]
    if not found:
        return None
    code = code_key(agency_code)
    return max(found, key=lambda i: (bool(code) and code_key(i.get("agency_code", "")) == code,
                                     i.get("last_seen") or "", i["id"]))


# ---------- ordering and years ----------

_YEAR = re.compile(r"(20\d\d)")


def year_of(period_label: str, visit_date: str | None = "", created_at: str | None = "") -> str:
    """The contract year an assessment belongs to: '2023—2024 年度' -> '2023—2024', '2024 年度'
    -> '2024'; else the year of the visit (or of its creation)."""
    years = _YEAR.findall(period_label or "")
    if len(years) >= 2:
        return f"{years[0]}—{years[1]}"
    if years:
        return years[0]
    for d in (visit_date, created_at):
        m = _YEAR.search(d or "")
        if m:
            return m.group(1)
    return ""


def term_order(a: dict) -> tuple:
    """Order of a station's assessments: contract year, 中期 before 末期, visit date, id."""
    return (year_of(a.get("period_label", ""), a.get("visit_date"), a.get("created_at")),
            0 if a.get("kind") == "中期" else 1, a.get("visit_date") or "", a["id"])


# ---------- carry-over ----------

def carried_recommendations(concerns: list[dict], advice: list[str], unresolved: list[dict]) -> list[dict]:
    """上期评估意见 a new assessment starts with, from the earlier one: its 需要关注 (each
    {section_code, text}), its 建议 (结语's points, no section) and its own previous
    recommendations still 未整改 / 部分整改 / 未核实 (their original text). Duplicates dropped,
    order kept; each {section_code, text, status: 未核实}."""
    out, seen = [], set()
    for section_code, text in ([(c.get("section_code", ""), c["text"]) for c in concerns]
                               + [("", t) for t in advice]
                               + [(r.get("section_code", ""), r["text"]) for r in unresolved]):
        t = (text or "").strip()
        if t and t not in seen:
            seen.add(t)
            out.append({"section_code": section_code or "", "text": t, "status": "未核实"})
    return out


# ---------- one assessment's summary ----------

def _num(x) -> float | None:
    return None if x is None else float(x)


def summarize(*, assessment: dict, station: dict, framework, result, indicators: list[dict],
              staffing: dict | None, survey, register_size: int, interval, concerns: list[dict],
              members: dict[int, str]) -> tuple[dict, dict]:
    """(summary, calibration) of one assessment, JSON-ready.

    `result`: core.scoring.totals.Result; `indicators`: core.station.indicators.indicator_rows; `staffing`:
    core.station.staffing.staffing_figures or None; `survey`: core.survey.rules.SurveyResults or None;
    `interval`: the satisfaction's (low, high) proportions or None; `concerns`: the 需要关注
    findings [{section_code, indicator_code}]; `members`: id -> name of the experts.
    """
    sections = {s.code: _num(s.score) for s in result.sections}
    rates = [r for r in indicators if r.get("rate") is not None]
    below = [r["name"] for r in rates if r["rate"] < 100]
    sat = None
    if survey is not None and getattr(survey, "reached", 0):
        sat = {"rate": _num(survey.satisfaction_rate), "satisfied": survey.satisfied, "reached": survey.reached,
               "register": register_size,
               "low": _num(interval[0] * 100) if interval else None,
               "high": _num(interval[1] * 100) if interval else None,
               "interval_text": ("全部调查，无抽样误差" if interval and register_size == survey.reached
                                 else fmt_interval(*interval) if interval else "—")}
    staff = None
    if staffing:
        staff = {k: _num(staffing.get(k)) for k in ("cert_ratio", "experience_ratio", "on_post_ratio", "retention",
                                                     "attendance_rate", "training_rate")}
    summary = {
        "v": SUMMARY_VERSION,
        "id": assessment["id"], "identity_id": station.get("identity_id"),
        "station": station.get("name", ""), "district": station.get("district", ""),
        "street": station.get("street", ""), "agency_code": station.get("agency_code", ""),
        "year": year_of(assessment.get("period_label", ""), assessment.get("visit_date"), assessment.get("created_at")),
        "period": assessment.get("period_label", ""), "kind": assessment.get("kind", ""),
        "visit_date": assessment.get("visit_date") or "", "status": assessment.get("status", ""),
        "framework": assessment.get("framework_id", ""), "framework_name": framework.name,
        "final": _num(result.final), "projected": bool(result.final_projected), "grade": result.grade or "",
        "third_party": _num(result.third_party), "sections": sections,
        "section_names": {s.code: s.name for s in framework.sections},
        "completion": [{"name": r["name"], "unit": r.get("unit", ""), "target": _num(D(r["target"])) if r.get("target") not in (None, "") else None,
                        "actual": _num(D(r["actual"])) if r.get("actual") not in (None, "") else None,
                        "rate": _num(r.get("rate")), "due_basis": r.get("due_basis") or "",
                        "due_target": _num(D(r["due_target"])) if r.get("due_target") not in (None, "") else None}
                       for r in indicators],
        "completion_summary": {"indicators": len(indicators), "with_rate": len(rates), "below": len(below),
                               "below_names": below,
                               "min_rate": _num(min((r["rate"] for r in rates), default=None))},
        "staffing": staff, "satisfaction": sat,
        # 需要关注 findings per (section, indicator): [[section, indicator, count]]
        "concerns": [[k[0], k[1], n] for k, n in Counter((c.get("section_code", ""), c.get("indicator_code", ""))
                                                         for c in concerns).items()],
        "flags": len(result.flags),
        "texts": {"satisfaction": fmt_pct(sat["rate"], 1) if sat else "—",
                  "interval": sat["interval_text"] if sat else "—",
                  "completion": f"{len(rates) - len(below)}/{len(rates)}",
                  "min_rate": fmt_pct(_num(min((r["rate"] for r in rates), default=None)))},
        "experts": sorted(set(members.values())),
    }
    return summary, calibration_of(result, members)


def calibration_of(result, members: dict[int, str]) -> dict:
    """Each expert's deviation from the panel mean on every cell scored by ≥ 2 experts (one
    value per expert and indicator: the mean over its 片区), and the flagged cells they sat on:
    {name: {"dev": {indicator: deviation in points}, "rel": {indicator: deviation / max},
    "flags": n, "cells": n}}. An expert scoring a cell alone has nothing to deviate from."""
    per: dict[str, dict] = {}
    acc: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    rel: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for cell in result.cells:
        vals = {m: v for m, v in cell.expert_values.items() if v is not None}
        if len(vals) < 2:
            continue
        panel = sum(vals.values()) / len(vals)
        pts = D(cell.indicator.points) or Decimal(1)
        flagged = cell.flagged
        for m, v in vals.items():
            name = members.get(m)
            if name is None:
                continue
            e = per.setdefault(name, {"dev": {}, "rel": {}, "flags": 0, "cells": 0})
            e["cells"] += 1
            e["flags"] += 1 if flagged else 0
            acc[(name, cell.indicator.code)].append(v - panel)
            rel[(name, cell.indicator.code)].append((v - panel) / pts)
    for (name, code), devs in acc.items():
        per[name]["dev"][code] = round_float(sum(devs) / len(devs), 4)
        per[name]["rel"][code] = round_float(sum(rel[(name, code)]) / len(rel[(name, code)]), 4)
    return per


# ---------- the overview ----------

FILTERS = ("district", "year", "grade", "framework")


def filter_rows(rows: list[dict], **chosen) -> list[dict]:
    """The summaries matching every chosen filter (a list of accepted values; empty = all)."""
    for k in chosen:
        if k not in FILTERS:
            raise ValueError(f"unknown filter {k}")
    active = {k: set(v) for k, v in chosen.items() if v}
    return [r for r in rows if all(r.get(k) in vals for k, vals in active.items())]


def filter_options(rows: list[dict]) -> dict[str, list[str]]:
    return {k: sorted({r.get(k) or "" for r in rows} - {""}) for k in FILTERS}


def frequent_concerns(rows: list[dict], labels: dict[tuple[str, str], str] | None = None, top: int = 15) -> list[dict]:
    """The most frequent 需要关注 by section and indicator across stations: [{section, indicator,
    label, findings, stations, assessments}] ordered by the stations concerned, then findings."""
    findings: Counter = Counter()
    stations: dict[tuple, set] = defaultdict(set)
    assessments: dict[tuple, set] = defaultdict(set)
    for r in rows:
        station = r.get("identity_id") or f"#{r['id']}"
        for sec, ind, n in r.get("concerns", ()):
            key = (sec, ind)
            findings[key] += n
            stations[key].add(station)
            assessments[key].add(r["id"])
    labels = labels or {}
    out = [{"section": k[0], "indicator": k[1], "label": labels.get(k, k[1] or k[0]), "findings": n,
            "stations": len(stations[k]), "assessments": len(assessments[k])} for k, n in findings.items()]
    out.sort(key=lambda x: (-x["stations"], -x["findings"], x["section"], x["indicator"]))
    return out[:top]


def expert_totals(rows: list[dict]) -> list[dict]:
    """Each expert across the assessments: assessments sat on, cells compared with the panel,
    mean deviation from the panel mean (signed, in points per indicator, and as a share of the
    indicator's points), mean absolute share, flags raised (flagged cells they sat on) and the
    mean α of their panels (None while no α is known). From each summary's `experts_cal`."""
    acc: dict[str, list] = {}      # name -> [assessments, cells, flags, n, sum_dev, sum_rel, sum_abs_rel, alphas]
    for r in rows:
        alpha = r.get("alpha")
        for name, e in (r.get("experts_cal") or {}).items():
            a = acc.get(name)
            if a is None:
                a = acc[name] = [0, 0, 0, 0, 0.0, 0.0, 0.0, []]
            a[0] += 1
            a[1] += e["cells"]
            a[2] += e["flags"]
            a[3] += e["n"]
            a[4] += e["sum_dev"]
            a[5] += e["sum_rel"]
            a[6] += e["sum_abs_rel"]
            if alpha is not None:
                a[7].append(alpha)
    by = {name: dict(zip(("assessments", "cells", "flags", "n", "sum_dev", "sum_rel", "sum_abs_rel", "alphas"), a))
          for name, a in acc.items()}
    out = []
    for name, x in by.items():
        n = x["n"]
        out.append({"expert": name, "assessments": x["assessments"], "cells": x["cells"], "flags": x["flags"],
                    "mean_deviation": round_float(x["sum_dev"] / n, 3) if n else None,
                    "mean_share": round_float(x["sum_rel"] / n * 100, 1) if n else None,
                    "mean_abs_share": round_float(x["sum_abs_rel"] / n * 100, 1) if n else None,
                    "alpha": round_float(mean(x["alphas"]), 3) if x["alphas"] else None})
    out.sort(key=lambda e: (-(e["mean_abs_share"] or 0), e["expert"]))
    return out


def expert_per_indicator(name: str, calibrations: list[dict]) -> dict[str, float]:
    """One expert's mean deviation from the panel mean per indicator, over the calibrations
    (core.agency.history.calibration_of) of the assessments they sat on."""
    devs: dict[str, list[float]] = defaultdict(list)
    for cal in calibrations:
        for code, d in ((cal.get(name) or {}).get("dev") or {}).items():
            devs[code].append(d)
    return {code: round_float(mean(ds), 3) for code, ds in sorted(devs.items())}


# ---------- charts (plotly) ----------

def history_charts(rows: list[dict]) -> dict:
    """Trend charts of a station: final score, section scores, satisfaction (with its interval),
    completion of each contract indicator — one point per assessment, in term order."""
    import plotly.graph_objects as go

    if not rows:
        return {}
    x = [f"{r['period'] or r['year']}{r['kind']}" for r in rows]
    figs = {}
    f = go.Figure(go.Scatter(x=x, y=[r["final"] for r in rows], mode="lines+markers+text", name="最终得分",
                             text=[r["grade"] for r in rows], textposition="top center"))
    f.update_layout(title="最终得分", yaxis_title="分", height=320, margin=dict(t=40, b=30, l=40, r=10))
    figs["final"] = f
    f = go.Figure()
    codes = list(dict.fromkeys(c for r in rows for c in r["sections"]))
    for c in codes:
        name = next((r["section_names"].get(c) for r in rows if c in r["section_names"]), c)
        f.add_trace(go.Scatter(x=x, y=[r["sections"].get(c) for r in rows], mode="lines+markers", name=f"{c} {name}"))
    f.update_layout(title="各部分得分", yaxis_title="分", height=320, margin=dict(t=40, b=30, l=40, r=10))
    figs["sections"] = f
    sat = [r["satisfaction"] for r in rows]
    if any(sat):
        y = [s["rate"] if s else None for s in sat]
        hi = [(s["high"] - s["rate"]) if s and s.get("high") is not None else 0 for s in sat]
        lo = [(s["rate"] - s["low"]) if s and s.get("low") is not None else 0 for s in sat]
        f = go.Figure(go.Scatter(x=x, y=y, mode="lines+markers", name="满意度",
                                 error_y=dict(type="data", symmetric=False, array=hi, arrayminus=lo)))
        f.update_layout(title="服务对象满意度（95% 置信区间）", yaxis_title="%", height=320,
                        margin=dict(t=40, b=30, l=40, r=10))
        figs["satisfaction"] = f
    names = list(dict.fromkeys(c["name"] for r in rows for c in r["completion"]))
    if names:
        f = go.Figure()
        for n in names:
            f.add_trace(go.Scatter(x=x, y=[next((c["rate"] for c in r["completion"] if c["name"] == n), None)
                                           for r in rows], mode="lines+markers", name=n))
        f.add_hline(y=100, line_dash="dot")
        f.update_layout(title="协议指标完成率", yaxis_title="%", height=380, margin=dict(t=40, b=30, l=40, r=10))
        figs["completion"] = f
    return figs


def overview_charts(rows: list[dict]) -> dict:
    """Distributions over the filtered assessments: final scores by year, grades, section
    scores as a share of their points, satisfaction."""
    import plotly.graph_objects as go

    if not rows:
        return {}
    figs = {}
    f = go.Figure()
    for y in sorted({r["year"] for r in rows}):
        f.add_trace(go.Histogram(x=[r["final"] for r in rows if r["year"] == y and r["final"] is not None],
                                 name=y or "未填年度", xbins=dict(size=2.5), opacity=0.75))
    f.update_layout(title="最终得分分布（按年度）", barmode="overlay", xaxis_title="最终得分", yaxis_title="评估数",
                    height=340, margin=dict(t=40, b=30, l=40, r=10))
    figs["final"] = f
    grades = Counter(r["grade"] or "未完成" for r in rows)
    f = go.Figure(go.Bar(x=list(grades), y=list(grades.values())))
    f.update_layout(title="等级分布", yaxis_title="评估数", height=300, margin=dict(t=40, b=30, l=40, r=10))
    figs["grades"] = f
    f = go.Figure()
    codes = list(dict.fromkeys(c for r in rows for c in r["sections"]))
    for c in codes:
        name = next((r["section_names"].get(c) for r in rows if c in r["section_names"]), c)
        f.add_trace(go.Box(y=[v for r in rows for k, v in r["sections"].items() if k == c and v is not None],
                           name=f"{c} {name}"))
    f.update_layout(title="各部分得分分布", yaxis_title="分", height=340, showlegend=False,
                    margin=dict(t=40, b=30, l=40, r=10))
    figs["sections"] = f
    sat = [r["satisfaction"]["rate"] for r in rows if r["satisfaction"] and r["satisfaction"]["rate"] is not None]
    if sat:
        f = go.Figure(go.Histogram(x=sat, xbins=dict(size=1)))
        f.update_layout(title="满意度分布", xaxis_title="%", yaxis_title="评估数", height=300,
                        margin=dict(t=40, b=30, l=40, r=10))
        figs["satisfaction"] = f
    return figs


def interval_label(sat: dict | None) -> str:
    """'95.8%（92/96；93.2%–97.5%）' or '—'."""
    if not sat:
        return "—"
    text = f"{fmt_pct(sat['rate'], 1)}（{sat['satisfied']}/{sat['reached']}"
    if sat.get("interval_text", "—") != "—":
        text += f"；{sat['interval_text']}"
    return text + "）"
