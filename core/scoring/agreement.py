"""Experts' agreement (issue 15): per cell the spread and r_wg, per assessment Krippendorff's α.

Pure functions over core.scoring.totals cells (no I/O).

- **Spread**: the highest minus the lowest score the experts gave a cell (points).
- **r_wg** (James, Demaree & Wolf 1984) for level-scored indicators (程度分, A levels):
  r_wg = 1 − s²/σ²_EU with s² the variance (n − 1) of the experts' levels (1..A) and
  σ²_EU = (A² − 1)/12 the variance of a uniform "no agreement" answer; truncated at 0
  when the experts disagree more than chance (the usual convention). A value ≥ the framework's
  `report.agreement.rwg` (0.70 by convention) counts as agreement.
- **Krippendorff's α** (interval metric) over every cell that at least two experts scored,
  computed in pure Python (`alpha_interval`; checked against the `krippendorff` package in the tests): the reliability data are experts × cells,
  each score divided by the indicator's maximum (so indicators of 5 and 10 points share one
  scale); an N/A or a missing score is a missing value. None when it cannot be computed (no
  cell with two scores, or every score the same value).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from core.numbers import D, round_half_up


def sigma2_eu(levels: int) -> Decimal:
    """The expected variance of a uniform answer over A levels: (A² − 1)/12."""
    a = Decimal(int(levels))
    return (a * a - 1) / 12


def variance(values) -> Decimal:
    """Sample variance (n − 1) of the values."""
    xs = [D(v) for v in values]
    if len(xs) < 2:
        raise ValueError("至少需要两个评分")
    m = sum(xs) / len(xs)
    return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def rwg(values, levels: int) -> Decimal:
    """r_wg = 1 − s²/σ²_EU for ratings on levels 1..A (at least two ratings), truncated at 0."""
    if int(levels) < 2:
        raise ValueError("程度分至少需要两个等级")
    r = 1 - variance(values) / sigma2_eu(levels)
    return max(Decimal(0), r)


def level_index(indicator, value, detail: dict | None = None) -> int | None:
    """1..A (A = number of levels, 1 the lowest share) of a level-scored indicator's score: the level
    named in `detail` when given, else the level whose score is nearest the value (the score that
    counts; a chosen level gives exactly its level's score)."""
    levels = sorted(indicator.levels, key=lambda lv: lv.share)
    if not levels:
        return None
    name = (detail or {}).get("level")
    for k, lv in enumerate(levels, 1):
        if lv.name == name:
            return k
    if value is None:
        return None
    share = D(value) / D(indicator.points) if indicator.points else Decimal(0)
    return min(range(len(levels)), key=lambda k: (abs(D(levels[k].share) - share), k)) + 1


def alpha_interval(data: list[list]) -> float | None:
    """Krippendorff's α, interval metric, of reliability data (coders × units, None = missing):
    α = 1 − D_o / D_e over the pairable values (units with two or more), with
    D_o = Σ_u Σ_{i≠j} (v_i − v_j)² / (m_u − 1) / n and D_e = Σ_{i≠j} (v_i − v_j)² / (n (n − 1)) over all n
    pairable values (Krippendorff 2011, the coincidence form; equal to the `krippendorff` package's
    result, tests/test_agreement.py). Pure Python, so the report's start-up loads no numpy.
    None when it is undefined (fewer than two pairable values, or no variation at all)."""
    if not data or not data[0]:
        return None
    units = [[float(row[u]) for row in data if row[u] is not None] for u in range(len(data[0]))]
    units = [vs for vs in units if len(vs) >= 2]
    values = [v for vs in units for v in vs]
    n = len(values)
    if n < 2 or len(set(values)) < 2:
        return None
    observed = math.fsum(_sum_of_squared_differences(vs) / (len(vs) - 1) for vs in units) / n
    expected = _sum_of_squared_differences(values) / (n * (n - 1))
    if expected == 0:
        return None
    return 1.0 - observed / expected


def _sum_of_squared_differences(values: list[float]) -> float:
    """Σ over ordered pairs i ≠ j of (v_i − v_j)², as 2 Σ (v − mean)² · m (exact for any m)."""
    mean = math.fsum(values) / len(values)
    return 2 * len(values) * math.fsum((v - mean) ** 2 for v in values)


def fmt_alpha(a) -> str:
    """α (or r_wg) with three decimals, half-up: 0.84910… -> '0.849'; '—' when undefined."""
    return "—" if a is None else format(round_half_up(D(a), 3), "f")


@dataclass
class CellAgreement:
    indicator_code: str
    indicator_name: str
    area_code: str
    points: Decimal
    rule_type: str
    scores: dict                      # member id -> Decimal (N/A left out)
    spread: Decimal | None            # points; None with fewer than two scores
    rwg: Decimal | None               # level-scored cells with two or more scores
    levels: int = 0

    @property
    def n(self) -> int:
        return len(self.scores)


@dataclass
class Agreement:
    cells: list[CellAgreement] = field(default_factory=list)   # every cell with at least one score
    alpha: float | None = None
    alpha_cells: int = 0              # cells with >= 2 experts' scores (α's units)
    alpha_experts: int = 0            # experts who scored at least one of them
    reading: str = ""                 # the framework's one-line reading (report rules)
    band: str = "none"
    rwg_threshold: Decimal | None = None

    @property
    def alpha_text(self) -> str:
        return fmt_alpha(self.alpha)

    @property
    def cli_line(self) -> str:
        """'alpha 0.849 (12 cells, 4 experts)'."""
        return f"alpha {self.alpha_text} ({self.alpha_cells} cells, {self.alpha_experts} experts)"

    @property
    def low_rwg(self) -> list[CellAgreement]:
        t = self.rwg_threshold
        return [c for c in self.cells if c.rwg is not None and t is not None and c.rwg < t]


def compute(cells, rules=None, details: dict | None = None) -> Agreement:
    """The agreement of core.scoring.totals cells (Cell.expert_values: member -> value, None = N/A).

    `details`: optional {(indicator, area, member): detail dict} naming the level each expert chose
    (without it a level-scored score is read as the level nearest its value);
    `rules`: the framework's report rules (core.framework.model.ReportRules) for the reading."""
    details = details or {}
    out = Agreement()
    for c in cells:
        ind = c.indicator
        scores = {m: D(v) for m, v in c.expert_values.items() if v is not None}
        if not scores:
            continue
        spread = max(scores.values()) - min(scores.values()) if len(scores) >= 2 else None
        r, a = None, 0
        if ind.rule_type == "level" and len(ind.levels) >= 2:
            a = len(ind.levels)
            if len(scores) >= 2:
                idx = [level_index(ind, v, details.get((ind.code, c.area_code, m))) for m, v in scores.items()]
                r = rwg(idx, a)
        out.cells.append(CellAgreement(ind.code, ind.name, c.area_code, D(ind.points), ind.rule_type, scores,
                                       spread, r, a))
    units = [c for c in out.cells if c.n >= 2]
    experts = sorted({m for c in units for m in c.scores})
    out.alpha_cells, out.alpha_experts = len(units), len(experts)
    data = [[(c.scores[m] / c.points if c.points else None) if m in c.scores else None for c in units]
            for m in experts]
    out.alpha = alpha_interval(data) if units else None
    if rules is not None:
        out.band = rules.agreement_band(out.alpha)
        out.reading = rules.agreement_reading(out.alpha, out.alpha_text, out.alpha_cells, out.alpha_experts)
        out.rwg_threshold = rules.agreement["rwg"]
    return out
