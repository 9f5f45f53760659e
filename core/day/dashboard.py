"""The lead's live dashboard: figures and plotly charts for one refresh (SPEC §6).

Pure Python over plain rows: `core.day.live.load(db, assessment_id)` reads everything one
refresh needs into a `DashboardData`; `build(data)` turns it into a `Dashboard`
(scores so far, projection, expert progress, per-section and per-片区 scores,
disagreement flags, contract completion, survey progress); the `*_chart`
functions draw plotly figures from a `Dashboard`. Never imports streamlit.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from core import derived   # by_value only: a memo of built figures, no I/O
from core.framework.model import Framework, framework_of_row
from core.scoring.agreement import compute as agreement_compute, fmt_alpha
from core.labels import ROLES, SATISFACTION_SCALE
from core.numbers import D, fmt_number, round_half_up
from core.scoring.totals import STATION, Cell, Result, build_cells, compute, projection_note

DEFAULT_REFRESH_SECONDS = 5
NA_TEXT = "不适用"


def refresh_seconds() -> float:
    """Auto-refresh interval of the dashboard: $DASHBOARD_REFRESH_SECONDS, default 5 s."""
    try:
        v = float(os.environ.get("DASHBOARD_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS))
    except ValueError:
        return DEFAULT_REFRESH_SECONDS
    return v if v > 0 else DEFAULT_REFRESH_SECONDS


# ---------- input: the rows one refresh reads ----------

@dataclass
class DashboardData:
    assessment: dict                 # assessments row + station_name
    areas: list[dict]                # {code, name} in display order
    members: list[dict]              # {id, name, role}
    assignments: list[dict]          # {member_id, section_code, area_code}
    scores: list[dict]               # {member_id, indicator_code, area_code, value, na, note, updated_at}
    overrides: list[dict]            # {indicator_code, area_code, value, na, reason, member_id, updated_at}
    party_scores: dict[str, float | None]
    veto_failed: list[str]
    finding_activity: dict[int, str] = field(default_factory=dict)  # member -> last finding change
    submitted: dict[int, str] = field(default_factory=dict)         # member -> when they submitted (core.scoring.signoff)
    indicators: list[dict] | None = None   # contract indicators with rate / rate_text (core.station.indicators.indicator_rows)
    survey: Any | None = None              # core.survey.rules.SurveyResults (core.survey.calls.survey_results)


# ---------- output: what the page shows ----------

@dataclass
class PartyLine:
    code: str
    name: str
    weight: Decimal
    max: Decimal
    score: Decimal | None
    weighted: Decimal | None
    projected: bool

    @property
    def score_text(self) -> str:
        return "—" if self.score is None else fmt_number(self.score)

    @property
    def status_text(self) -> str:
        if self.score is None:
            return "待评"
        return "预计" if self.projected else "已录入"


@dataclass
class ExpertProgress:
    member_id: int
    name: str
    role: str
    assigned: int
    scored: int
    last_activity: str | None  # ISO time of the last score or finding change
    submitted_at: str | None = None   # when they submitted their sections (None: not submitted)

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def share(self) -> float:
        return self.scored / self.assigned if self.assigned else 0.0

    @property
    def progress_text(self) -> str:
        return f"{self.scored}/{self.assigned}" if self.assigned else "不参与评分"

    @property
    def submitted_text(self) -> str:
        if not self.assigned:
            return ""
        return f"已提交 {activity_text(self.submitted_at)}" if self.submitted_at else "未提交"

    @property
    def last_activity_text(self) -> str:
        return activity_text(self.last_activity)


@dataclass
class SectionLine:
    code: str
    name: str
    points: Decimal
    score: Decimal | None      # rescaled to the section's points, so far
    cells_scored: int          # cells scored or N/A
    cells_total: int
    complete: bool

    @property
    def score_text(self) -> str:
        return "—" if self.score is None else fmt_number(self.score)


@dataclass
class AreaLine:
    """Service quality (a per-片区 section) in one 片区."""
    section_code: str
    area_code: str
    area_name: str
    points: Decimal
    score: Decimal | None
    cells_scored: int
    cells_total: int

    @property
    def score_text(self) -> str:
        return "—" if self.score is None else fmt_number(self.score)


@dataclass
class ExpertScore:
    member_id: int
    name: str
    value: Decimal | None      # None: said N/A
    note: str

    @property
    def value_text(self) -> str:
        return NA_TEXT if self.value is None else fmt_number(self.value)


@dataclass
class Flag:
    indicator_code: str
    indicator_name: str
    area_code: str
    area_name: str
    points: Decimal
    spread: Decimal
    experts: list[ExpertScore]
    override: dict | None      # {value, na, reason} when the lead decided
    hidden: bool = False       # blind: the viewer has not scored this cell yet (experts' scores withheld)

    @property
    def label(self) -> str:
        where = f"（{self.area_name}）" if self.area_code else ""
        return f"{self.indicator_code} {self.indicator_name}{where}"

    @property
    def override_text(self) -> str:
        if not self.override:
            return ""
        v = NA_TEXT if self.override.get("na") else fmt_number(self.override["value"])
        return f"组长裁定：{v}（理由：{self.override.get('reason', '')}）"


@dataclass
class Dashboard:
    framework: Framework
    result: Result
    parties: list[PartyLine]
    experts: list[ExpertProgress]
    sections: list[SectionLine]
    areas: list[AreaLine]
    flags: list[Flag]
    cells_scored: int
    cells_total: int
    indicators: list[dict] | None
    survey: Any | None
    area_names: dict[str, str] = field(default_factory=dict)
    locked: bool = False
    agreement: Any | None = None           # core.scoring.agreement.Agreement of the experts' scores
    agreement_visible: set | None = None   # blind_for: the cells an expert viewer may see (None = all)
    own_only: bool = False                 # an expert's view before the lead revealed: totals from their own cells

    @property
    def third_party(self) -> Decimal | None:
        return self.result.third_party

    @property
    def third_party_text(self) -> str:
        if self.result.third_party is None:
            return "—"
        # marked 折算 once scoring is complete and a section still has no score (wholly N/A); while scoring goes on
        # the metric says 目前 and the caption says on what the figure rests
        done = self.result.third_party_complete and self.projection_note
        return fmt_number(self.result.third_party) + ("（折算）" if done else "")

    @property
    def projection_note(self) -> str:
        """On what a projected third-party total rests (the same words as the report's 表 1 and the Excel)."""
        return projection_note(self.result)

    @property
    def final(self) -> Decimal | None:
        return self.result.final

    @property
    def final_text(self) -> str:
        return "—" if self.result.final is None else fmt_number(self.result.final)

    @property
    def final_projected(self) -> bool:
        return self.result.final_projected

    @property
    def grade(self) -> str | None:
        return self.result.grade

    @property
    def final_label(self) -> str:
        return "预计最终得分" if self.final_projected else "最终得分"

    @property
    def grade_label(self) -> str:
        return "预计等级" if self.final_projected else "评估等级"


def activity_text(iso: str | None) -> str:
    """'2025-11-26T18:13:05.123' -> '11-26 18:13:05'; None -> '—'."""
    if not iso:
        return "—"
    date, _, time = iso.partition("T")
    return f"{date[5:]} {time[:8]}".strip()


def expand_assignments(fw: Framework, area_codes: list[str], rows) -> dict[int, list[tuple[str, str]]]:
    """member -> (indicator, 片区) cells to score; the same rule as core.assessment.team.assigned_cells,
    over the assignment rows of the whole assessment (no query per member)."""
    out: dict[int, dict[tuple[str, str], None]] = {}
    for r in rows:
        try:
            sec = fw.section(r["section_code"])
        except KeyError:
            continue
        cells = out.setdefault(r["member_id"], {})
        for ind in sec.indicators:
            if ind.scope == "area":
                for ac in ([r["area_code"]] if r["area_code"] else area_codes):
                    cells[(ind.code, ac)] = None
            else:
                cells[(ind.code, STATION)] = None
    return {m: list(c) for m, c in out.items()}


def _section_area_lines(fw: Framework, result: Result, areas: list[dict]) -> list[AreaLine]:
    by_key = {(c.indicator.code, c.area_code): c for c in result.cells}
    out = []
    for sec in fw.sections:
        if sec.scope != "area":
            continue
        for a in areas:
            earned = counted = Decimal(0)
            done = 0
            for ind in sec.indicators:
                c = by_key.get((ind.code, a["code"]))
                if c is None:
                    continue
                if c.status != "pending":
                    done += 1
                if c.status == "scored":
                    earned += c.value
                    counted += D(ind.points)
            pts = D(sec.points)
            score = round_half_up(earned / counted * pts, 2) if counted else None
            out.append(AreaLine(sec.code, a["code"], a["name"], pts, score, done, len(sec.indicators)))
    return out


def _flag(cell: Cell, names: dict[int, str], notes: dict[tuple, str], area_names: dict[str, str]) -> Flag:
    ind = cell.indicator
    experts = [ExpertScore(mid, names.get(mid, str(mid)), v, notes.get((mid, ind.code, cell.area_code), ""))
               for mid, v in cell.expert_values.items()]
    experts.sort(key=lambda e: (e.value is None, -(e.value or 0), e.name))
    ov = None
    if cell.override is not None:
        ov = {"value": cell.override.get("value"), "na": bool(cell.override.get("na")),
              "reason": cell.override.get("reason", "")}
    return Flag(ind.code, ind.name, cell.area_code, area_names.get(cell.area_code, cell.area_code),
                D(ind.points), cell.spread, experts, ov)


def own_only(data: DashboardData, viewer_id: int | None) -> bool:
    """Is the viewer an expert who sees totals from their own cells only? Yes until the lead
    revealed the experts' scores (assessments.scores_revealed_at); the lead (viewer None) never."""
    return viewer_id is not None and not data.assessment.get("scores_revealed_at")


def first_values(scores: list[dict]) -> list[dict]:
    """The scores as first given (blind, before any revision after the reveal): what agreement
    statistics are computed from."""
    return [{**s, "value": s.get("first_value", s.get("value")), "na": s.get("first_na", s.get("na"))}
            for s in scores]


def build(data: DashboardData, viewer_id: int | None = None) -> Dashboard:
    """Every figure the dashboard shows, from the rows of one refresh. `viewer_id`: an expert's
    view — before the lead reveals, the totals, sections, flags and agreement come from that
    expert's own cells only (a colleague's save never moves them); None = the lead's view.
    Agreement statistics use the first (blind) values."""
    fw = framework_of_row(data.assessment)
    area_codes = [a["code"] for a in data.areas]
    own = own_only(data, viewer_id)
    scores = [s for s in data.scores if s["member_id"] == viewer_id] if own else data.scores
    result = compute(fw, area_codes, scores, [] if own else data.overrides, data.party_scores, data.veto_failed)

    parties = [PartyLine(p.code, p.name, p.weight, p.max, p.score, p.weighted, p.projected) for p in result.parties]

    # Per-expert progress: own cells scored (a value or N/A) of the cells assigned.
    assigned = expand_assignments(fw, area_codes, data.assignments)
    answered: dict[int, set] = {}
    last: dict[int, str] = {}
    notes: dict[tuple, str] = {}
    for s in data.scores:
        key = (s["indicator_code"], s.get("area_code") or STATION)
        if s.get("na") or s.get("value") is not None:
            answered.setdefault(s["member_id"], set()).add(key)
        if s.get("note"):
            notes[(s["member_id"],) + key] = s["note"]
        t = s.get("updated_at")
        if t and t > last.get(s["member_id"], ""):
            last[s["member_id"]] = t
    for mid, t in data.finding_activity.items():
        if t and t > last.get(mid, ""):
            last[mid] = t
    experts = []
    for m in data.members:
        cells = assigned.get(m["id"], [])
        if not cells and m["role"] != "lead":
            continue  # nothing to score (staff): no 0/0 line; the lead is listed as 组长 all the same
        done = answered.get(m["id"], set())
        experts.append(ExpertProgress(m["id"], m["name"], m["role"], len(cells),
                                      sum(1 for c in cells if c in done), last.get(m["id"]),
                                      data.submitted.get(m["id"])))

    by_section: dict[str, list[Cell]] = {}
    for c in result.cells:
        by_section.setdefault(c.indicator.section_code, []).append(c)
    sections = []
    for s in result.sections:
        cells = by_section.get(s.code, [])
        sections.append(SectionLine(s.code, s.name, s.points, s.score,
                                    sum(1 for c in cells if c.status != "pending"), len(cells), s.complete))

    names = {m["id"]: m["name"] for m in data.members}
    area_names = {a["code"]: a["name"] for a in data.areas}
    flags = [_flag(c, names, notes, area_names) for c in result.flags]

    return Dashboard(
        framework=fw, result=result, parties=parties, experts=experts, sections=sections,
        areas=_section_area_lines(fw, result, data.areas), flags=flags,
        cells_scored=sum(1 for c in result.cells if c.status != "pending"), cells_total=len(result.cells),
        indicators=data.indicators, survey=data.survey, area_names=area_names,
        locked=data.assessment.get("status") == "locked",
        agreement=None if own else agreement_compute(build_cells(fw, area_codes, first_values(scores)),
                                                     fw.report_rules),
        own_only=own,
    )


def blind_for(dash: Dashboard, viewer_id: int, is_lead: bool) -> Dashboard:
    """Blind scoring on an expert's view: the flags of cells the viewer has not scored yet lose
    their experts' scores and notes (`hidden`), and the agreement table keeps only cells the
    viewer scored. The lead sees everything (unchanged)."""
    if is_lead:
        return dash
    own = {(c.indicator.code, c.area_code) for c in dash.result.cells if viewer_id in c.expert_values}
    for f in dash.flags:
        if (f.indicator_code, f.area_code) not in own:
            f.hidden, f.experts, f.spread = True, [], Decimal(0)
    dash.agreement_visible = own
    return dash


def agreement_rows(dash: Dashboard) -> list[dict]:
    """The agreement table: every cell two or more experts scored (spread in points, r_wg for
    level-scored indicators, marked when below the framework's threshold)."""
    ag = dash.agreement
    if ag is None:
        return []
    out = []
    visible = dash.agreement_visible
    for c in ag.cells:
        if c.n < 2 or (visible is not None and (c.indicator_code, c.area_code) not in visible):
            continue
        where = f"·{dash.area_names.get(c.area_code, c.area_code)}" if c.area_code else ""
        low = c.rwg is not None and ag.rwg_threshold is not None and c.rwg < ag.rwg_threshold
        out.append({"指标": f"{c.indicator_code}{where} {c.indicator_name}", "专家": c.n,
                    "极差": fmt_number(c.spread), "满分": fmt_number(c.points),
                    "r_wg": ("—" if c.rwg is None else fmt_alpha(c.rwg) + ("（偏低）" if low else ""))})
    return out


# ---------- survey figures (from core.survey.rules.SurveyResults, or a dict with the same names) ----------

def _get(obj, name, default=None):
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


SURVEY_FIGURES = (("sample_size", "抽取人数"), ("called", "已拨打"), ("reached", "已接通"),
                  ("unreachable", "无法接通"), ("refused", "拒访"), ("pending", "待拨打/待再拨"))


def survey_progress(survey) -> dict | None:
    """Survey progress so far, or None before the sample is drawn:
    {figures: [(label, count)], satisfaction_text, satisfaction_with_n, awareness_text}."""
    if survey is None or not _get(survey, "sample_size"):
        return None
    reached, satisfied = _get(survey, "reached", 0) or 0, _get(survey, "satisfied")
    with_n = _get(survey, "satisfaction_with_n")
    if with_n is None:
        text = _get(survey, "satisfaction_text") or "—"
        with_n = f"{text}（{satisfied}/{reached}）" if reached and satisfied is not None else text
    return {
        "figures": [(label, int(_get(survey, key, 0) or 0)) for key, label in SURVEY_FIGURES],
        "satisfaction_text": _get(survey, "satisfaction_text") or "—",
        "satisfaction_with_n": with_n,
        "awareness_text": _get(survey, "awareness_text") or "—",
        "satisfaction_interval": _get(survey, "satisfaction_interval_text") or "",   # '95% 置信区间 93.2%–97.5%'
        "margin": _get(survey, "margin_text") or "",                                 # '±2.1 个百分点'
        "response_rate": _get(survey, "response_rate_text") or "",                   # AAPOR RR1
    }


# ---------- charts ----------

OK_COLOR = "#2e7d32"
LOW_COLOR = "#c62828"
MAX_COLOR = "#cfd8dc"
SCORE_COLOR = "#1565c0"


def _figure(traces: list[dict], title: str, height: int = 360, **layout) -> go.Figure:
    """One Figure built in a single constructor call (plotly validates once, not per update_*)."""
    base = dict(title=dict(text=title), height=height, margin=dict(l=10, r=10, t=50, b=10),
                legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    base.update(layout)
    # The same figures make the same chart: built once (plotly's validation is most of a refresh's CPU) and
    # shared between reruns and sessions, read-only (st.plotly_chart copies it).
    return derived.by_value("dashboard_figure", (traces, base), lambda: go.Figure(data=traces, layout=base))


def completion_chart(dash: Dashboard) -> go.Figure | None:
    """Contract completion % per indicator, against a 100% line (None without indicators)."""
    rows = [r for r in (dash.indicators or []) if r.get("rate") is not None]
    if not rows:
        return None
    names = [r["name"] for r in rows]
    rates = [float(r["rate"]) for r in rows]
    bar = dict(type="bar", x=names, y=rates, name="完成率", textposition="outside",
               text=[r.get("rate_text") or f"{fmt_number(r['rate'])}%" for r in rows],
               marker=dict(color=[OK_COLOR if v >= 100 else LOW_COLOR for v in rates]),
               hovertemplate="%{x}：%{text}<extra></extra>")
    line = dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=100, y1=100,
                line=dict(color="#555", dash="dash"))
    midterm = any(r.get("due_basis") in ("mid", "prorated") for r in rows)   # a 中期: against the targets due
    title = "协议指标进度完成率（占中期应完成量，虚线为 100%）" if midterm else "协议指标完成率（虚线为 100%）"
    return _figure([bar], title, height=420, shapes=[line],
                   yaxis=dict(title=dict(text="完成率（%）"), rangemode="tozero"), xaxis=dict(tickangle=-35))


def section_chart(dash: Dashboard) -> go.Figure:
    """Each section's score so far against its max (per-片区 scores for area sections as extra bars)."""
    labels = [f"{s.code} {s.name}" for s in dash.sections]
    maxes = [float(s.points) for s in dash.sections]
    scores = [float(s.score) if s.score is not None else 0.0 for s in dash.sections]
    texts = [s.score_text for s in dash.sections]
    for a in dash.areas:
        labels.append(f"{a.section_code} · {a.area_name}")
        maxes.append(float(a.points))
        scores.append(float(a.score) if a.score is not None else 0.0)
        texts.append(a.score_text)
    traces = [
        dict(type="bar", x=labels, y=maxes, name="满分", marker=dict(color=MAX_COLOR),
             text=[fmt_number(m) for m in maxes], textposition="outside", hovertemplate="%{x} 满分 %{y}<extra></extra>"),
        dict(type="bar", x=labels, y=scores, name="当前得分", marker=dict(color=SCORE_COLOR), text=texts,
             textposition="inside", hovertemplate="%{x} 得分 %{text}<extra></extra>"),
    ]
    return _figure(traces, "各部分得分 / 满分", barmode="overlay", yaxis=dict(title=dict(text="分"), rangemode="tozero"))


SATISFACTION_LEVELS = list(SATISFACTION_SCALE.values())   # 非常满意 … 非常不满意
_LEVEL_COLORS = ["#1b5e20", "#66bb6a", "#ffca28", "#ef6c00", "#b71c1c"]


def satisfaction_breakdown(survey) -> list[tuple[str, dict[str, int]]]:
    """[(item, {level: count})] from SurveyResults' per-item breakdown ([] when none)."""
    raw = _get(survey, "breakdown") or _get(survey, "items") or {}
    out = []
    if isinstance(raw, dict):
        raw = list(raw.items())
    for entry in raw:
        if isinstance(entry, (tuple, list)) and len(entry) == 2:
            item, counts = entry
        else:
            item, counts = _get(entry, "item") or _get(entry, "name"), _get(entry, "counts") or {}
        if isinstance(counts, dict):
            out.append((str(item), {str(k): int(v or 0) for k, v in counts.items()}))
    return out


def satisfaction_chart(dash: Dashboard) -> go.Figure | None:
    """Stacked bars: answers per satisfaction level for each item (None before any answer)."""
    rows = satisfaction_breakdown(dash.survey)
    if not rows or not any(sum(c.values()) for _, c in rows):
        return None
    items = [item for item, _ in rows]
    levels = [lv for lv in SATISFACTION_LEVELS if any(lv in c for _, c in rows)]
    levels += sorted({k for _, c in rows for k in c} - set(levels))
    traces = []
    for lv in levels:
        n = SATISFACTION_LEVELS.index(lv) if lv in SATISFACTION_LEVELS else None
        traces.append(dict(type="bar", y=items, x=[c.get(lv, 0) for _, c in rows], name=lv, orientation="h",
                           marker=dict(color=_LEVEL_COLORS[n]) if n is not None else {},
                           hovertemplate="%{y} " + lv + "：%{x} 人<extra></extra>"))
    return _figure(traces, "满意度分项结果", height=max(260, 60 + 40 * len(items)), barmode="stack",
                   legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1, traceorder="normal"),
                   xaxis=dict(title=dict(text="人数")), yaxis=dict(autorange="reversed"))


def charts(dash: Dashboard) -> dict[str, go.Figure | None]:
    return {"completion": completion_chart(dash), "sections": section_chart(dash),
            "satisfaction": satisfaction_chart(dash)}
