"""A score entered from a paper score sheet (`python -m core score-set`): the member, the cell and the
value named as a person reads them off the sheet, then saved through the scoring page's own use case
(core.scoring.scoresheet.save_score: the guard's lock and role checks, the member's assignment, the
refusal after submission, the value's range).

The value is checked against the indicator's rule as the page's widgets would allow it: a 程度分
(level) indicator takes only one of its levels' scores (the level is recorded, as when it is picked on
the page); a 组合分 (combo) indicator only a sum its criteria can make (the ticks are recorded when
only one set of criteria makes it, else the value alone); a free indicator any score from 0 to its
points in its steps.
"""
from __future__ import annotations

from decimal import Decimal
from itertools import combinations

from core.assessment import team
from core.errors import InvalidValue
from core.framework.model import Indicator
from core.numbers import D, bounded_decimal, fmt_number, round_half_up
from core.scoring import scoresheet
from core.scoring.totals import check_value

MAX_COMBO_CRITERIA = 16   # 2^16 subsets at most: a framework's combo indicator has a handful of criteria


# ---------- rules ----------

def _level_scores(ind: Indicator) -> dict[Decimal, str]:
    return {round_half_up(D(lv.share) * D(ind.points), 2): lv.name for lv in ind.levels}


def _combo_sets(ind: Indicator, value: Decimal) -> list[list[int]]:
    """Every set of criteria (indices) whose points add up to `value`."""
    n = len(ind.criteria)
    if n > MAX_COMBO_CRITERIA:
        raise InvalidValue(f"指标 {ind.code}「{ind.name}」的评分项过多，无法按分值推算，请在评分页面勾选")
    return [list(c) for k in range(n + 1) for c in combinations(range(n), k)
            if sum((D(ind.criteria[i].points) for i in c), Decimal(0)) == value]


def paper_fields(ind: Indicator, text) -> dict:
    """{value, detail} to save for the score `text` read off a paper sheet, or InvalidValue naming the
    indicator and what it accepts."""
    where = f"指标 {ind.code}「{ind.name}」"
    try:
        value = bounded_decimal(text)
    except ValueError as e:
        raise InvalidValue(f"{where}：分数{e}") from None
    err = check_value(ind, value)
    if err:
        raise InvalidValue(err)
    if ind.rule_type == "level":
        levels = _level_scores(ind)
        if value not in levels:
            allowed = "、".join(f"{fmt_number(v)}（{name}）" for v, name in levels.items())
            raise InvalidValue(f"{where}是程度分，分数只能是 {allowed}（输入为 {text}）")
        return {"value": float(value), "detail": {"level": levels[value]}}
    if ind.rule_type == "combo":
        sets = _combo_sets(ind, value)
        if not sets:
            items = "、".join(f"{c.text}（{fmt_number(c.points)} 分）" for c in ind.criteria)
            raise InvalidValue(f"{where}是组合分，{text} 分不是评分项分值之和（评分项：{items}）")
        return {"value": float(value), "detail": {"criteria": sets[0]} if len(sets) == 1 else {}}
    step = D(ind.step or 0)
    if step > 0 and value % step != 0:
        raise InvalidValue(f"{where}：分数应为 {fmt_number(step)} 的整数倍（输入为 {text}）")
    return {"value": float(value), "detail": {}}


# ---------- the use case ----------

def _member(db, assessment_id: int, name: str) -> dict:
    name = (name or "").strip()
    members = team.list_members(db, assessment_id)
    m = next((m for m in members if m["name"] == name), None)
    if m is None:
        known = "、".join(x["name"] for x in members if x["role"] in ("lead", "expert"))
        raise InvalidValue(f"评估 {assessment_id} 中没有成员“{name}”（评分成员：{known or '无'}）")
    return m


def _area(db, assessment_id: int, ind: Indicator, area: str | None) -> str:
    """The 片区 code of `area` (its code or its name) for a per-片区 indicator; '' otherwise."""
    area = (area or "").strip()
    if ind.scope != "area":
        if area:
            raise InvalidValue(f"指标 {ind.code}「{ind.name}」不分片区，不能指定片区“{area}”")
        return ""
    areas = team.list_areas(db, team.get_assessment(db, assessment_id)["station_id"])
    hit = next((a["code"] for a in areas if area in (a["code"], a["name"])), None) if area else None
    if hit is None:
        known = "、".join(f"{a['code']} {a['name']}" for a in areas)
        said = f"未知片区“{area}”" if area else "请用 --area 指定片区"
        raise InvalidValue(f"指标 {ind.code}「{ind.name}」按片区评分，{said}（本站片区：{known or '无'}）")
    return hit


def set_score(db, assessment_id: int, member_name: str, indicator_code: str, area: str | None = None,
              value=None, na: bool = False) -> dict:
    """Save the named member's score of one cell as the scoring page does (`value` as typed, or `na`
    for 不适用); return {member, indicator, area_code, value, na, detail} as saved."""
    if (value is None) == (not na):
        raise InvalidValue("请给出分数（--value）或不适用（--na），二者选一")
    m = _member(db, assessment_id, member_name)
    fw = team.framework_of(db, assessment_id)
    try:
        ind = fw.indicator((indicator_code or "").strip())
    except KeyError:
        raise InvalidValue(f"未知指标“{indicator_code}”") from None
    area_code = _area(db, assessment_id, ind, area)
    fields = {"na": True} if na else dict(paper_fields(ind, value), na=False)
    saved = scoresheet.save_score(db, assessment_id, m["id"], ind.code, area_code, **fields)
    return dict(saved, member=m["name"], indicator=ind, area_code=area_code)
