"""Everything the final report shows, gathered from the database into one ReportData.

core/report_text.py words it, core/pdf.py lays it out. Personal data arrives
masked: client names/phones only through the survey results (masked there),
findings are the experts'/lead's own words.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal

from .framework import Framework, get_framework
from .scoring import Result


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
    indicators: list[dict]       # core.station.indicator_rows: name, unit, target, actual, rate, rate_text
    staffing: dict | None        # core.station.staffing_figures, None when nothing entered
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


def _D(x) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def _indicators(db, aid: int) -> list[dict]:
    from db import station_data

    from .station import indicator_rows

    return indicator_rows(station_data.list_indicators(db, aid))


def _staffing(db, aid: int) -> dict | None:
    from db import station_data

    from .station import staffing_figures

    row = station_data.get_staffing(db, aid)
    if not row or all(row.get(k) is None for k in ("required", "on_post", "training_due", "continuous")):
        return None
    return staffing_figures(row)


def _survey(db, aid: int):
    from db import survey

    res = survey.survey_results(db, aid)
    return res if getattr(res, "seed", None) else None


def _register(db, aid: int) -> list[dict]:
    from db import station_data

    return station_data.list_clients(db, aid)


def scrubber(clients: list[dict]):
    """A function masking any register name (2+ characters) or phone typed into free text."""
    import re

    from .masking import mask_name, mask_phone

    pairs = {}
    for c in clients:
        name, phone = (c.get("name") or "").strip(), (c.get("phone") or "").strip()
        if len(name) >= 2:
            pairs[name] = mask_name(name)
        if len(re.sub(r"\D", "", phone)) >= 7:
            pairs[phone] = mask_phone(phone)
    if not pairs:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(k) for k in sorted(pairs, key=len, reverse=True)))
    return lambda text: pattern.sub(lambda m: pairs[m.group(0)], text or "")


def gather(db, aid: int) -> ReportData:
    from db import assessments as A
    from db import report as R
    from core import scoresheet as S

    a = A.get_assessment(db, aid)
    st = A.get_station(db, a["station_id"])
    areas = A.list_areas(db, a["station_id"])
    fw = get_framework(a["framework_id"])
    result = S.assessment_result(db, aid)
    items = R.all_items(db, aid)
    members = A.list_members(db, aid)

    scrub = scrubber(_register(db, aid))

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
        sections.append(SectionReport(sec.code, sec.name, sec.scope, _D(sec.points), sr.score, blocks,
                                      {i.suggest for i in sec.indicators if i.suggest}))

    entered = S.party_scores(db, aid)
    total_w = sum((_D(p.weight) for p in fw.parties), Decimal(0))
    parties = []
    for p, pr in zip(fw.parties, result.parties):
        code = f"party:{p.code}"
        parties.append(PartyReport(
            p.code, p.name, p.label if not p.computed else p.name, _D(p.weight), _D(p.max),
            _D(p.weight) / total_w * 100 if total_w else Decimal(0), pr.score, pr.weighted, pr.projected,
            p.computed, scrub((entered.get(p.code) or {}).get("comment") or ""),
            texts_of(code, "", "strength"), texts_of(code, "", "concern")))

    veto_rows = {r["code"]: r for r in db.query("SELECT code, failed, note FROM veto_checks WHERE assessment_id = ?", [aid])}
    veto = [{"code": v.code, "name": v.name, "failed": bool((veto_rows.get(v.code) or {}).get("failed")),
             "note": (veto_rows.get(v.code) or {}).get("note") or "", "checked": v.code in veto_rows}
            for v in fw.veto]

    title = f"{a['period_label']}{st['district']}{st['name']} {a['kind']}评估报告".strip()
    return ReportData(
        assessment=a, station=st, areas=areas, framework=fw, result=result, title=title,
        expert_count=sum(1 for m in members if m["role"] in ("lead", "expert")),
        staff_count=sum(1 for m in members if m["role"] == "staff"),
        sections=sections, parties=parties,
        indicators=_indicators(db, aid),
        staffing=_staffing(db, aid),
        survey=_survey(db, aid),
        texts={k: scrub(v) for k, v in R.get_texts(db, aid).items()}, veto=veto,
        generated_at=_dt.datetime.now().isoformat(timespec="seconds"),
    )
