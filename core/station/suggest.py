"""Evidence-suggested scores (SPEC §3): indicators tied to data show a score computed
from the entered figures; the expert confirms or changes it.

A framework indicator names its rule with `suggest: <name>` (core/framework/yaml/*.yaml).
RULES maps that name to fn(indicator, evidence) -> Suggestion | None (None when the
data needed is missing). Register a new rule with the `@rule("name")` decorator:

    @rule("satisfaction")
    def _satisfaction(ind, ev): ...   # reads ev.survey

`suggest(indicator, evidence, area_code)` is what pages call. Values are rounded
half-up to the indicator's step (0.5) and never exceed its points; for a 程度分
(level) indicator the suggestion is the level the figures reach, for a 组合分
(combo) indicator the criteria the figures meet when they can be told from the
data (Suggestion.detail then holds {"level": name} / {"criteria": [indices]}).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Callable

from core.framework.model import SUGGEST_RULES, Indicator
from core.station.indicators import capped_share
from core import numbers
from core.numbers import D, fmt_number, fmt_share, round_half_up, tidy
from core.station.site import RECTIFICATION_SHARE


@dataclass
class Evidence:
    """The figures of one assessment the rules read (built by core.day.hints.evidence)."""
    indicators: list[dict] = field(default_factory=list)        # core.station.indicators.indicator_rows
    staffing: dict | None = None                                 # core.station.staffing.staffing_figures
    recommendations: list[dict] = field(default_factory=list)    # prev_recommendations rows
    register: dict | None = None                                 # core.station.register.register_summary
    register_by_area: dict[str, dict] = field(default_factory=dict)  # area code -> register summary
    survey: Any = None                                           # provided by the survey area
    area_code: str = ""                                          # set by suggest() for per-片区 cells

    def for_area(self, area_code: str) -> "Evidence":
        """The same evidence seen from one 片区 (register restricted to its communities)."""
        if not area_code:
            return self
        return replace(self, area_code=area_code, register=self.register_by_area.get(area_code))


@dataclass(frozen=True)
class Suggestion:
    value: Decimal
    explanation: str
    detail: dict | None = None      # {"level": name} or {"criteria": [indices]} when it maps onto the rule


Rule = Callable[[Indicator, Evidence], "Suggestion | None"]
RULES: dict[str, Rule] = {}


def rule(name: str):
    if name not in SUGGEST_RULES:
        raise ValueError(f"suggest rule {name!r} is not in core.framework.model.SUGGEST_RULES")

    def deco(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn
    return deco


def suggest(indicator: Indicator, evidence: Evidence | None, area_code: str = "") -> Suggestion | None:
    """The suggested score for one indicator (and 片区), or None if it has no rule or no data."""
    fn = RULES.get(indicator.suggest or "")
    if fn is None or evidence is None:
        return None
    return fn(indicator, evidence.for_area(area_code))


# ---------- helpers ----------

def round_to_step(value, step=0.5, points=None) -> Decimal:
    """Half-up to the nearest multiple of step, within [0, points] (core.numbers.round_to_step)."""
    v = max(Decimal(0), numbers.round_to_step(value, D(step) if step else Decimal("0.5")))
    if points is not None:
        v = min(v, D(points))
    return tidy(v)


def pts(x) -> str:
    return fmt_number(x)


def pct(share: Decimal) -> str:
    """A share (0..1) as the report prints it, rounded once, half-up: 29/32 -> '90.63%'."""
    return fmt_share(share)


def from_share(ind: Indicator, share: Decimal, why: str) -> Suggestion:
    """A suggestion for `share` (0..1) of the indicator's points, mapped onto its rule type."""
    share = max(Decimal(0), min(Decimal(1), share))
    if ind.rule_type == "level" and ind.levels:
        reached = [lv for lv in ind.levels if D(lv.share) <= share]
        lv = max(reached, key=lambda x: x.share) if reached else min(ind.levels, key=lambda x: x.share)
        value = tidy(round_half_up(D(lv.share) * D(ind.points), 2))
        return Suggestion(value, f"{why}，对应“{lv.name}”，建议 {pts(value)} 分", {"level": lv.name})
    raw = share * D(ind.points)
    value = round_to_step(raw, ind.step, ind.points)
    return Suggestion(value, f"{why}；{pct(share)} × {pts(ind.points)} 分 = {pts(raw)} 分，"
                             f"按 {pts(ind.step)} 分取整建议 {pts(value)} 分")


def from_checks(ind: Indicator, checks: list[tuple[str, bool, str]], why: str) -> Suggestion:
    """Checks (keyword, passed, figure text): a combo indicator gets the points of the
    criteria whose text contains a passed keyword; criteria the data cannot tell are
    scored at the same rate as those it can (and said so); other rule types get the
    share of checks passed."""
    if ind.rule_type == "combo" and ind.criteria:
        ticked, parts, known, unknown = [], [], Decimal(0), []
        for n, c in enumerate(ind.criteria):
            hit = next((ck for ck in checks if ck[0] in c.text), None)
            if hit is None:
                unknown.append(n)
                continue
            known += D(c.points)
            parts.append(f"{hit[2]}{'✓' if hit[1] else '✗'}")
            if hit[1]:
                ticked.append(n)
        if known:
            earned = sum((D(ind.criteria[n].points) for n in ticked), Decimal(0))
            if not unknown:
                value = round_to_step(earned, ind.step, ind.points)
                return Suggestion(value, f"{why}：{'；'.join(parts)}，建议 {pts(value)} 分", {"criteria": ticked})
            rest = sum((D(ind.criteria[n].points) for n in unknown), Decimal(0))
            raw = earned + rest * earned / known
            value = round_to_step(raw, ind.step, ind.points)
            return Suggestion(value, f"{why}：{'；'.join(parts)}（{pts(earned)}/{pts(known)} 分）；其余 {len(unknown)} 项"
                                     f"（{pts(rest)} 分）需专家判断，暂按同一比例计，建议 {pts(value)} 分")
    passed = sum(1 for c in checks if c[1])
    share = Decimal(passed) / Decimal(len(checks)) if checks else Decimal(0)
    return from_share(ind, share, f"{why}：{'；'.join(c[2] + ('✓' if c[1] else '✗') for c in checks)}")


_THRESHOLD = re.compile(r"(\d+(?:\.\d+)?)\s*%")


def threshold(ind: Indicator, keyword: str, default: Decimal) -> Decimal:
    """The percent threshold stated in the criterion mentioning `keyword` (e.g. '不低于 70%')."""
    for c in ind.criteria:
        if keyword in c.text:
            m = _THRESHOLD.search(c.text)
            if m:
                return Decimal(m.group(1))
    return default


# ---------- rules ----------

@rule("contract_completion")
def _contract_completion(ind: Indicator, ev: Evidence) -> Suggestion | None:
    """points × mean(min(1, actual / target)) over the contract indicators."""
    got = capped_share(ev.indicators)
    if got is None:
        return None
    share, n = got
    return from_share(ind, share, f"{n} 项协议指标平均完成率 {pct(share)}"
                                  "（每项最高按 100% 计）")


@rule("staffing")
def _staffing(ind: Indicator, ev: Evidence) -> Suggestion | None:
    """Certified ≥70%, ≥2 years ≥50%, attendance ≥ due, 稳岗率 ≥80% of the required number
    (thresholds read from the criteria when they state one)."""
    s = ev.staffing
    if not s:
        return None
    checks = []
    for key, rate, label, default in (
        ("持证", "cert_ratio", "持证率", Decimal(70)),
        ("两年", "experience_ratio", "从业两年以上", Decimal(50)),
        ("到岗", "attendance_rate", "到岗率", Decimal(100)),
        ("稳岗", "retention", "稳岗率", Decimal(80)),
    ):
        if s.get(rate) is None:
            continue
        t = threshold(ind, key, default)
        checks.append((key, s[rate] >= t, f"{label} {s[rate + '_text']}（≥{pts(t)}%）"))
    if not checks:
        return None
    return from_checks(ind, checks, "人员配置")


@rule("training")
def _training(ind: Indicator, ev: Evidence) -> Suggestion | None:
    """Continuing-education completion (actual / due hours, capped at 100%)."""
    s = ev.staffing
    if not s or s.get("training_rate") is None:
        return None
    share = min(Decimal(1), s["training_rate"] / 100)
    return from_share(ind, share, f"继续教育完成 {pts(s['training_actual'])}/{pts(s['training_due'])} 小时，"
                                  f"达标率 {s['training_rate_text']}")


@rule("rectification")
def _rectification(ind: Indicator, ev: Evidence) -> Suggestion | None:
    """Mean over previous recommendations: 已整改 1, 部分整改 0.5, 未整改 0."""
    recs = [r for r in ev.recommendations if r.get("status") in RECTIFICATION_SHARE]
    if not recs:
        return None
    share = sum(RECTIFICATION_SHARE[r["status"]] for r in recs) / len(recs)
    counts = {k: sum(1 for r in recs if r["status"] == k) for k in RECTIFICATION_SHARE}
    text = "、".join(f"{k} {v} 条" for k, v in counts.items() if v)
    return from_share(ind, share, f"上期评估意见 {len(recs)} 条（{text}），整改完成度 {pct(share)}")


@rule("register")
def _register(ind: Indicator, ev: Evidence) -> Suggestion | None:
    """Register completeness: persons with household id, known category and phone / persons."""
    r = ev.register
    if not r or not r.get("persons"):
        return None
    share = Decimal(r["complete"]) / Decimal(r["persons"])
    where = f"片区名册" if ev.area_code else "名册"
    flags = f"；空挂户 {r['vacant_household']} 人、人户分离 {r['separated']} 人，请抽查其服务档案" \
        if r["vacant_household"] or r["separated"] else ""
    s = from_share(ind, share, f"{where} {r['households']} 户 {r['persons']} 人，户号/类别/电话齐全 "
                               f"{r['complete']} 人（{pct(share)}）")
    return replace(s, explanation=s.explanation + flags + "；建档、一人一案与探访情况请结合档案抽查调整")


@rule("volunteers")
def _volunteers(ind: Indicator, ev: Evidence) -> Suggestion | None:
    """Completion of the volunteer indicators (names containing 志愿), each capped at 100%."""
    rows = [r for r in ev.indicators if "志愿" in (r.get("name") or "")]
    got = capped_share(rows)
    if got is None:
        return None
    share, n = got
    rates = "、".join(f"{r['name']} {r['rate_text']}" for r in rows if r.get("rate") is not None)
    why = f"志愿者相关指标 {n} 项：{rates}"
    return from_share(ind, share, why)


@rule("satisfaction")
def _satisfaction(ind: Indicator, ev: Evidence) -> Suggestion | None:
    """Survey (owned by the survey area): points × mean of the satisfaction rate and the
    awareness rate among the clients reached (core.survey.rules.SurveyResults in ev.survey)."""
    s = ev.survey
    if s is None or not getattr(s, "reached", 0) or getattr(s, "satisfaction_rate", None) is None:
        return None
    sat, aware = D(s.satisfaction_rate), D(s.awareness_rate or 0)
    share = (sat + aware) / 200
    why = (f"满意度调查接通 {s.reached} 人：满意率 {s.satisfaction_text}（{s.satisfied}/{s.reached}），"
           f"知晓率 {s.awareness_text}（{s.aware}/{s.reached}），两者平均 {fmt_number(share * 100)}%")
    if getattr(s, "pending", 0):
        why += f"（调查未完成，尚有 {s.pending} 人待拨打）"
    return from_share(ind, share, why)
