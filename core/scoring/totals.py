"""The scoring engine: experts' scores -> indicator, section, third-party and final scores.

Pure functions over plain data; the database layer feeds it rows as dicts.
Rules (SPEC §3):
- a cell is one indicator (and one 片区 for per-area indicators); its score is
  the mean of the experts who scored it, unless the lead overrode it;
- N/A cells leave the denominator of their own section; a per-area indicator is the
  mean of its 片区 cells; unscored cells are pending and also left out ("so far");
- section score = Σ earned / Σ max counted × section points, half-up to 2 places;
- third-party score = Σ section scores / Σ points of the sections scored × party max
  (third_party_score: 表 1's sections add up to the total; docs/scoring.md);
- final = Σ weight × (party score / party max) / Σ weight × 100;
- grade from the final rounded half-up to 2 places; a failed veto gives the
  lowest grade whatever the score;
- a cell is flagged when its experts differ by more than 20% of its max
  (or some said N/A and others scored).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Mapping

from core.framework.model import Framework, Indicator
from core.numbers import D, fmt_number, round_half_up

DISAGREEMENT_SHARE = Decimal("0.2")
STATION = ""


@dataclass
class Cell:
    indicator: Indicator
    area_code: str
    expert_values: dict[int, Decimal | None] = field(default_factory=dict)  # member -> value (None = N/A)
    override: dict | None = None

    @property
    def scored_values(self) -> list[Decimal]:
        return [v for v in self.expert_values.values() if v is not None]

    @property
    def status(self) -> str:
        """'scored', 'na' or 'pending'."""
        if self.override is not None:
            return "na" if self.override.get("na") else "scored"
        if self.scored_values:
            return "scored"
        if self.expert_values:
            return "na"  # everyone who answered said N/A
        return "pending"

    @property
    def value(self) -> Decimal | None:
        if self.override is not None:
            return None if self.override.get("na") else D(self.override["value"])
        vals = self.scored_values
        return sum(vals) / len(vals) if vals else None

    @property
    def spread(self) -> Decimal:
        vals = self.scored_values
        return max(vals) - min(vals) if len(vals) > 1 else Decimal(0)

    @property
    def flagged(self) -> bool:
        mixed_na = bool(self.scored_values) and any(v is None for v in self.expert_values.values())
        return mixed_na or self.spread > DISAGREEMENT_SHARE * D(self.indicator.points)


@dataclass
class IndicatorResult:
    indicator: Indicator
    cells: list[Cell]

    @property
    def status(self) -> str:
        st = {c.status for c in self.cells}
        if not st:
            return "pending"  # a per-片区 indicator before any 片区 is defined
        if "scored" in st:
            return "scored" if "pending" not in st else "partial"
        if "pending" in st:
            return "pending"
        return "na"

    @property
    def value(self) -> Decimal | None:
        vals = [c.value for c in self.cells if c.status == "scored"]
        return sum(vals) / len(vals) if vals else None


@dataclass
class SectionResult:
    code: str
    name: str
    points: Decimal
    earned: Decimal          # Σ indicator values counted
    counted_max: Decimal     # Σ max of indicators counted (scored, not N/A)
    na_max: Decimal          # Σ max of N/A indicators
    indicators: list[IndicatorResult]

    @property
    def score(self) -> Decimal | None:
        """Rescaled to the section's points (N/A and pending leave the denominator)."""
        if not self.counted_max:
            return None
        return round_half_up(self.earned / self.counted_max * self.points, 2)

    @property
    def complete(self) -> bool:
        return all(i.status in ("scored", "na") for i in self.indicators)


@dataclass
class PartyResult:
    code: str
    name: str
    weight: Decimal
    max: Decimal
    score: Decimal | None     # on the party's own scale
    projected: bool           # True when the score is not entered/complete yet
    weighted: Decimal | None  # contribution to the 100-point final


@dataclass
class Result:
    cells: list[Cell]
    sections: list[SectionResult]
    third_party: Decimal | None
    third_party_complete: bool
    parties: list[PartyResult]
    final: Decimal | None
    final_projected: bool
    grade: str | None
    veto_failed: list[str]

    @property
    def flags(self) -> list[Cell]:
        return [c for c in self.cells if c.flagged]

    def cell(self, code: str, area_code: str = STATION) -> Cell:
        for c in self.cells:
            if c.indicator.code == code and c.area_code == area_code:
                return c
        raise KeyError((code, area_code))

    def section(self, code: str) -> SectionResult:
        return next(s for s in self.sections if s.code == code)


def third_party_score(sections: list[SectionResult], party_max: Decimal) -> Decimal | None:
    """The one N/A rule: the third-party score is the sum of the section scores as printed.

    N/A (and not yet scored) indicators leave the denominator of their own section only;
    each section score is rescaled to the section's points and rounded half-up to 2
    places. The third-party score is Σ those section scores ÷ Σ the points of the sections
    that have a score × the party's max, so with every section scored (and sections
    summing to the party's max, as both frameworks do) 表 1's rows add up to its total
    exactly. A section with no score at all (all N/A or pending) leaves the total's
    denominator. None when no section has a score.
    """
    scored = [s for s in sections if s.score is not None]
    points = sum((s.points for s in scored), Decimal(0))
    if not points:
        return None
    total = sum((s.score for s in scored), Decimal(0))
    return round_half_up(total / points * party_max, 2)


def unscored_sections(result: Result) -> list[SectionResult]:
    """The sections with no score at all (every indicator N/A or not yet scored) while another has one: the
    third-party total then rests on the other sections only and is projected to the party's scale."""
    if not any(s.score is not None for s in result.sections):
        return []
    return [s for s in result.sections if s.score is None]


def third_party_projected(result: Result) -> bool:
    """True when the third-party total is projected from part of the framework (a section has no score)."""
    return bool(unscored_sections(result))


def projection_note(result: Result) -> str:
    """On what a projected third-party total rests, the same words in 表 1, on the dashboard and in Excel:
    '服务监测未评（指标均不适用），合计按已评 80 分折算'; '' when every section has a score."""
    missing = unscored_sections(result)
    if not missing:
        return ""
    scored = sum((s.points for s in result.sections if s.score is not None), Decimal(0))

    def why(s: SectionResult) -> str:
        statuses = {i.status for i in s.indicators}
        return "指标均不适用" if statuses == {"na"} else ("尚未评分" if "na" not in statuses else "指标不适用或尚未评分")

    named = "；".join(f"{s.name}未评（{why(s)}）" for s in missing)
    return f"{named}，合计按已评 {fmt_number(scored)} 分折算"


def grade_for(fw: Framework, score, veto_failed: bool = False) -> str:
    """Grade for a final score with the framework's bands (inclusive lower edges)."""
    if veto_failed:
        return fw.grades[-1].name
    s = round_half_up(score, 2)
    for g in fw.grades:
        if s >= D(g.min):
            return g.name
    return fw.grades[-1].name


def build_cells(fw: Framework, area_codes: list[str], scores: Iterable[Mapping],
                overrides: Iterable[Mapping] = ()) -> list[Cell]:
    cells: dict[tuple[str, str], Cell] = {}
    for ind in fw.indicators:
        for a in (area_codes if ind.scope == "area" else [STATION]):
            cells[(ind.code, a)] = Cell(ind, a)
    for s in scores:
        key = (s["indicator_code"], s.get("area_code") or STATION)
        if key not in cells:
            continue  # a score for an indicator/片区 no longer in the framework
        if s.get("na"):
            cells[key].expert_values[s["member_id"]] = None
        elif s.get("value") is not None:
            cells[key].expert_values[s["member_id"]] = D(s["value"])
        # a row holding only a note is not a score
    for o in overrides:
        key = (o["indicator_code"], o.get("area_code") or STATION)
        if key in cells:
            cells[key].override = dict(o)
    return list(cells.values())


def compute(fw: Framework, area_codes: list[str], scores: Iterable[Mapping],
            overrides: Iterable[Mapping] = (), party_scores: Mapping[str, float | None] | None = None,
            veto_failed: Iterable[str] = ()) -> Result:
    """Everything the dashboard and the report show about scores."""
    party_scores = party_scores or {}
    cells = build_cells(fw, area_codes, scores, overrides)
    by_ind: dict[str, list[Cell]] = {}
    for c in cells:
        by_ind.setdefault(c.indicator.code, []).append(c)

    sections = []
    for sec in fw.sections:
        irs = [IndicatorResult(i, by_ind.get(i.code, [])) for i in sec.indicators]
        earned = counted = na_max = Decimal(0)
        for ir in irs:
            if ir.value is not None:
                earned += ir.value
                counted += D(ir.indicator.points)
            elif ir.status == "na":
                na_max += D(ir.indicator.points)
        sections.append(SectionResult(sec.code, sec.name, D(sec.points), earned, counted, na_max, irs))

    tp = fw.third_party
    third = third_party_score(sections, D(tp.max))
    complete = all(s.complete for s in sections)

    parties, total_w, acc, projected = [], Decimal(0), Decimal(0), not complete
    for p in fw.parties:
        w, mx = D(p.weight), D(p.max)
        total_w += w
        if p.computed:
            score, proj = third, not complete
        else:
            entered = party_scores.get(p.code)
            if entered is not None:
                score, proj = D(entered), False
            else:
                # Not entered yet: project at the third party's rate, clearly marked.
                score = third / D(tp.max) * mx if third is not None else None
                proj = True
        projected = projected or proj
        weighted = score / mx * w if score is not None else None
        if weighted is not None:
            acc += weighted
        parties.append(PartyResult(p.code, p.name, w, mx, score, proj, weighted))

    final = None
    if third is not None:
        final = round_half_up(acc / total_w * 100, 2)
        for pr in parties:
            pr.weighted = round_half_up(pr.weighted / total_w * 100, 2) if pr.weighted is not None else None
    vetoed = [v.name for v in fw.veto if v.code in set(veto_failed)]
    grade = grade_for(fw, final, bool(vetoed)) if final is not None else (fw.grades[-1].name if vetoed else None)
    return Result(cells, sections, third, complete, parties, final, projected, grade, vetoed)


def score_from_detail(ind: Indicator, detail: Mapping) -> Decimal | None:
    """The score implied by ticked criteria (组合分) or a chosen level (程度分)."""
    if ind.rule_type == "combo":
        ticked = set(detail.get("criteria", []))
        return sum((D(c.points) for n, c in enumerate(ind.criteria) if n in ticked), Decimal(0))
    if ind.rule_type == "level":
        name = detail.get("level")
        for lv in ind.levels:
            if lv.name == name:
                return round_half_up(D(lv.share) * D(ind.points), 2)
        return None
    return None


def check_value(ind: Indicator, value) -> str | None:
    """Chinese error for an out-of-range score, or None."""
    if isinstance(value, bool):
        return f"指标 {ind.code}「{ind.name}」：分数“{value}”不是数字"
    try:
        v = D(value)
    except Exception:
        return f"指标 {ind.code}「{ind.name}」：分数“{value}”不是数字"
    if v.is_nan():
        return f"指标 {ind.code}「{ind.name}」：分数“{value}”不是数字"
    if v < 0:
        return f"指标 {ind.code}「{ind.name}」：分数不能小于 0（输入为 {value}）"
    if v > D(ind.points):
        return f"指标 {ind.code}「{ind.name}」：分数不能超过满分 {ind.points:g} 分（输入为 {value}）"
    return None


def check_party_score(party, score) -> tuple[float | None, str | None]:
    """(the score as stored, None) or (None, Chinese error) for an other party's score on its own
    scale: a finite number from 0 to the party's maximum, or None (not entered)."""
    if score is None:
        return None, None
    if isinstance(score, bool):
        return None, f"{party.label}评分“{score}”不是数字"
    try:
        v = float(score)
    except (TypeError, ValueError, OverflowError):
        return None, f"{party.label}评分“{score}”不是数字"
    if v != v or not 0 <= v <= party.max:
        return None, f"{party.label}评分应在 0 到 {party.max:g} 之间（输入为 {score}）"
    return v, None
