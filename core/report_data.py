"""Everything the final report shows, gathered into one ReportData (a use case).

core/report_text.py words it, core/pdf.py lays it out. Gathered through the core use
cases only (core.team, core.scoresheet, core.station_data, core.calls, core.report_edit):
no SQL here. Personal data arrives masked: every free text printed (report items, the
lead's texts, party comments, veto notes) passes through the assessment's one scrubber
(core.privacy.scrubber); client names/phones of the survey come masked by core.calls.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal

from . import calls, report_edit, scoresheet, station_data, team
from .framework import Framework
from .numbers import D
from .pdf import build_pdf
from .privacy import scrubber
from .scoring import Result
from .indicators import indicator_rows
from .staffing import staffing_figures


@dataclass
class Block:
    """One 片区 (or the whole station) of a section: its 值得肯定 / 需要关注 items."""
    area_code: str
    area_name: str
    communities: list[str]
    strengths: list[str] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)


@dataclass
class SectionReport:
    code: str
    name: str
    scope: str                   # 'station' or 'area'
    points: Decimal
    score: Decimal | None
    blocks: list[Block]
    suggests: set[str] = field(default_factory=set)   # evidence rules of its indicators (staffing, satisfaction …)


@dataclass
class PartyReport:
    code: str
    name: str
    label: str                   # 购买方 / 督导中心 / 监督方 / 第三方评估机构
    weight: Decimal
    max: Decimal
    share: Decimal               # weight as a percent of all weights
    score: Decimal | None
    weighted: Decimal | None     # contribution to the 100-point final
    projected: bool
    computed: bool               # the third party (experts' scores)
    comment: str = ""
    strengths: list[str] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)


@dataclass
class ReportData:
    assessment: dict
    station: dict
    areas: list[dict]
    framework: Framework
    result: Result
    title: str
    expert_count: int
    staff_count: int
    sections: list[SectionReport]
    parties: list[PartyReport]
    indicators: list[dict]       # core.indicators.indicator_rows: name, unit, target, actual, rate, rate_text
    staffing: dict | None        # core.staffing.staffing_figures, None when nothing entered
    survey: object | None        # core.survey.SurveyResults, None when no sample drawn
    texts: dict[str, str]        # the lead's texts (report_texts)
    veto: list[dict]             # [{code, name, failed, note}]
    generated_at: str

    @property
    def short_name(self) -> str:
        return self.station.get("short_name") or self.station.get("name") or ""

    @property
    def final(self) -> Decimal | None:
        return self.result.final

    @property
    def grade(self) -> str | None:
        return self.result.grade

    def section_with(self, suggest: str) -> SectionReport | None:
        """The section holding an indicator tied to the given evidence (e.g. 'staffing')."""
        return next((s for s in self.sections if suggest in s.suggests), None)


def _indicators(db, assessment_id: int) -> list[dict]:
    return indicator_rows(station_data.list_indicators(db, assessment_id))


def _staffing(db, assessment_id: int) -> dict | None:
    row = station_data.get_staffing(db, assessment_id)
    if not row or all(row.get(k) is None for k in ("required", "on_post", "training_due", "continuous")):
        return None
    return staffing_figures(row)


def _survey(db, assessment_id: int):
    res = calls.survey_results(db, assessment_id)
    return res if getattr(res, "seed", None) else None


def gather(db, assessment_id: int) -> ReportData:
    a = team.get_assessment(db, assessment_id)
    st = team.get_station(db, a["station_id"])
    areas = team.list_areas(db, a["station_id"])
    fw = team.framework_of(db, assessment_id)
    result = scoresheet.result(db, assessment_id)
    items = report_edit.all_items(db, assessment_id)
    members = team.list_members(db, assessment_id)
    scrub = scrubber(db, assessment_id)

    def texts_of(section_code, area_code, kind):
        return [scrub(it["text"]) for it in items.get((section_code, area_code, kind), [])]

    sections = []
    for sec in fw.sections:
        sr = result.section(sec.code)
        if sec.scope == "area":
            blocks = [Block(ar["code"], ar["name"], ar["communities"],
                            texts_of(sec.code, ar["code"], "strength"), texts_of(sec.code, ar["code"], "concern"))
                      for ar in areas]
        else:
            blocks = [Block("", "", [], texts_of(sec.code, "", "strength"), texts_of(sec.code, "", "concern"))]
        sections.append(SectionReport(sec.code, sec.name, sec.scope, D(sec.points), sr.score, blocks,
                                      {i.suggest for i in sec.indicators if i.suggest}))

    entered = scoresheet.party_scores(db, assessment_id)
    total_w = sum((D(p.weight) for p in fw.parties), Decimal(0))
    parties = []
    for p, pr in zip(fw.parties, result.parties):
        code = f"party:{p.code}"
        parties.append(PartyReport(
            p.code, p.name, p.label if not p.computed else p.name, D(p.weight), D(p.max),
            D(p.weight) / total_w * 100 if total_w else Decimal(0), pr.score, pr.weighted, pr.projected,
            p.computed, scrub((entered.get(p.code) or {}).get("comment") or ""),
            texts_of(code, "", "strength"), texts_of(code, "", "concern")))

    checks = scoresheet.veto_checks(db, assessment_id)
    veto = [{"code": v.code, "name": v.name, "failed": bool((checks.get(v.code) or {}).get("failed")),
             "note": scrub((checks.get(v.code) or {}).get("note") or ""), "checked": v.code in checks}
            for v in fw.veto]

    title = f"{a['period_label']}{st['district']}{st['name']} {a['kind']}评估报告".strip()
    return ReportData(
        assessment=a, station=st, areas=areas, framework=fw, result=result, title=title,
        expert_count=sum(1 for m in members if m["role"] in ("lead", "expert")),
        staff_count=sum(1 for m in members if m["role"] == "staff"),
        sections=sections, parties=parties,
        indicators=_indicators(db, assessment_id),
        staffing=_staffing(db, assessment_id),
        survey=_survey(db, assessment_id),
        texts={k: scrub(v) for k, v in report_edit.get_texts(db, assessment_id).items()}, veto=veto,
        generated_at=_dt.datetime.now().isoformat(timespec="seconds"),
    )


def report_pdf(db, assessment_id: int, progress=None) -> bytes:
    """The final report of an assessment as PDF bytes (gathered, then laid out by core.pdf)."""
    progress = progress or (lambda f, m: None)
    progress(0.0, "读取评估数据")
    return build_pdf(gather(db, assessment_id), progress)
