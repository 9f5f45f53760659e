"""Contract-indicator rules (协议指标): the default list, validation, completion rates.

Pure functions over plain dicts (no I/O). Percentages follow the sample report
(core.numbers): half-up to 2 places, trailing zeros dropped — 2165/1968 -> '110.01%',
793/500 -> '158.6%', 99/100 -> '99%'.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from core.errors import InvalidValue
from core.numbers import D, D_or_none, ZeroTarget, bounded_decimal, fmt_number, ratio_percent, round_half_up

NO_RATE = "—"
FIELDS = ("name", "unit", "target", "mid_target", "actual", "note")
MIDTERM = "中期"

# The usual Guangzhou contract-indicator list (name, unit), in the order of the
# sample report's 附件1 and its "各项目服务进度情况" paragraph.
DEFAULT_INDICATORS: list[tuple[str, str]] = [
    ("电话访问", "个"),
    ("入户探访", "个"),
    ("个案接案", "个"),
    ("个案服务节数", "节"),
    ("个案结案", "个"),
    ("小组", "个"),
    ("小组节数", "节"),
    ("小组服务人次", "人次"),
    ("大型社区活动", "次"),
    ("大型社区活动服务人次", "人次"),
    ("中小型社区活动", "次"),
    ("中小型社区活动服务人次", "人次"),
    ("新登记志愿者", "名"),
    ("志愿者骨干", "名"),
    ("志愿者队伍", "支"),
]


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


def checked_number(v, where: str, *, positive=False, integer=False, allow_none=True):
    """A typed figure as int or float (None when blank); InvalidValue names `where`.

    '1,968' and ' 12 ' are accepted; negatives, non-numbers, infinities, figures of 10^12 or more
    and more than 4 decimals (1e-400) are refused (core.numbers.bounded_decimal);
    `positive` refuses 0; `integer` refuses fractions."""
    if _blank(v):
        if allow_none:
            return None
        raise InvalidValue(f"{where}：不能为空")
    try:
        d = bounded_decimal(v)
    except ValueError as e:
        raise InvalidValue(f"{where}：{e}") from None
    if positive and d <= 0:
        raise InvalidValue(f"{where}：应大于 0（输入为 {v}）")
    if d < 0:
        raise InvalidValue(f"{where}：不能为负数（输入为 {v}）")
    if integer and d != d.to_integral_value():
        raise InvalidValue(f"{where}：应为整数（输入为 {v}）")
    return int(d) if d == d.to_integral_value() else float(d)


def clean_indicator(row: dict, n: int | None = None) -> dict:
    """One indicator as stored: {name, unit, target, actual, note}; InvalidValue names row and field.

    A missing target is allowed while editing (the rate shows '—'); zero or negative is refused."""
    where = f"第 {n} 行" if n else "指标"
    name = (row.get("name") or "").strip()
    if not name:
        raise InvalidValue(f"{where}“指标名称”：不能为空")
    w = f"{where}（{name}）"
    return {
        "name": name,
        "unit": (row.get("unit") or "").strip(),
        "target": checked_number(row.get("target"), f"{w}“协议指标量”", positive=True),
        "mid_target": checked_number(row.get("mid_target"), f"{w}“中期指标量”", positive=True),
        "actual": checked_number(row.get("actual"), f"{w}“实际完成量”"),
        "note": (row.get("note") or "").strip(),
        "target_pending": 1 if row.get("target_pending") in (1, True, "1") else 0,
    }


def clean_table(rows: Iterable[dict]) -> list[dict]:
    """The edited table's rows, validated: each {id, name, unit, target, actual, note}.

    Empty rows (added and not filled yet) are skipped; every problem (row and field) is
    collected and raised in one InvalidValue; names must be unique. `id` is kept (int or None).
    """
    clean, errors, seen = [], [], {}
    for n, r in enumerate(rows, 1):
        if all(_blank(r.get(k)) for k in FIELDS):
            continue
        try:
            c = clean_indicator(r, n)
        except InvalidValue as e:
            errors.append(str(e))
            continue
        if c["name"] in seen:
            errors.append(f"第 {n} 行“指标名称”：“{c['name']}”与第 {seen[c['name']]} 行重复")
            continue
        seen[c["name"]] = n
        rid = r.get("id")
        c["id"] = None if _blank(rid) else int(rid)
        clean.append(c)
    if errors:
        raise InvalidValue("协议指标未保存：\n" + "\n".join(errors))
    return clean


def completion(actual, target) -> Decimal | None:
    """actual / target as a percent (Decimal, 2 places, half-up); None when it cannot be computed."""
    if actual is None or actual == "":
        return None
    try:
        return ratio_percent(actual, target)
    except ZeroTarget:
        return None


def fmt_value(x) -> str:
    """A figure as the report writes it: 1922.5, 220, '' for missing."""
    return "" if x is None or x == "" else fmt_number(x)


@dataclass(frozen=True)
class Period:
    """How far a 中期 assessment is into its contract: the elapsed share of the contract period in days
    (contract start .. statistics date, both inclusive, over the whole period), None when the dates are
    missing or out of order."""
    kind: str
    elapsed_days: int | None
    total_days: int | None

    @property
    def share(self) -> Decimal | None:
        if not self.total_days or self.elapsed_days is None:
            return None
        return D(self.elapsed_days) / D(self.total_days)

    @property
    def share_text(self) -> str:
        """'50.41%' (half-up, 2 places, trailing zeros dropped), '' when unknown."""
        return "" if self.share is None else fmt_number(self.share * 100) + "%"


def _date(x) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(str(x)[:10]) if x else None
    except ValueError:
        return None


def period_of(assessment: dict) -> Period | None:
    """The 中期 period of an assessment ({kind, contract_start, contract_end, stats_end}); None for any other kind
    (a 末期 is judged against the annual targets)."""
    if (assessment.get("kind") or "") != MIDTERM:
        return None
    start, end, stats = (_date(assessment.get(k)) for k in ("contract_start", "contract_end", "stats_end"))
    if not (start and end and stats) or end < start or stats < start:
        return Period(MIDTERM, None, None)
    total = (end - start).days + 1
    return Period(MIDTERM, min((stats - start).days + 1, total), total)


def due_target(row: dict, period: Period | None):
    """(the target due by the statistics date, its basis 'annual' / 'mid' / 'prorated', or None when it
    cannot be known): the annual target for a 末期; for a 中期 the contract's mid-term target, else the
    annual target × the elapsed share (half-up to 2 places)."""
    target = row.get("target")
    if period is None:
        return target, "annual"
    if row.get("mid_target") not in (None, ""):
        return row["mid_target"], "mid"
    if target in (None, "") or period.share is None:
        return None, None
    return round_half_up(D(target) * period.share, 2), "prorated"


def _problem(r: dict, period: Period | None) -> str:
    if r.get("target") in (None, "") or D(r.get("target")) <= 0:
        return "目标值缺失" if r.get("target") in (None, "") else "目标值应大于 0"
    if period is not None and r.get("due_target") is None:
        return "中期应完成量无法计算（合同期或统计截止日期未填写）"
    if r.get("actual") in (None, ""):
        return "完成量未填写"
    return ""


def indicator_rows(rows: Iterable[dict], period: Period | None = None) -> list[dict]:
    """Copies of the indicator rows with `rate` (Decimal percent or None), `rate_text` and `problem`.

    With a 中期 `period` (period_of) each row is judged against the target due by its statistics date:
    `due_target` (and `due_basis`: 'mid' or 'prorated'), `rate` = actual ÷ due target, while
    `annual_rate` / `annual_rate_text` keep actual ÷ the annual target. For a 末期 both are the same."""
    out = []
    for r in rows:
        r = dict(r)
        due, basis = due_target(r, period)
        r["due_target"], r["due_basis"] = due, basis
        rate = completion(r.get("actual"), due)
        annual = completion(r.get("actual"), r.get("target"))
        r["rate"], r["annual_rate"] = rate, annual
        r["rate_text"] = NO_RATE if rate is None else fmt_number(rate) + "%"
        r["annual_rate_text"] = NO_RATE if annual is None else fmt_number(annual) + "%"
        r["problem"] = _problem(r, period)
        out.append(r)
    return out


def due_basis_text(rows: Iterable[dict], period: Period | None) -> str:
    """How the 中期 due figures were set, for the report: '按合同期已过 50.41% 折算', '按合同约定的中期指标量',
    or both; '' for a 末期."""
    if period is None:
        return ""
    kinds = {r.get("due_basis") for r in rows}
    parts = []
    if "mid" in kinds:
        parts.append("按合同约定的中期指标量")
    if "prorated" in kinds and period.share is not None:
        parts.append(("其余" if parts else "") + f"按合同期已过 {period.share_text} 折算")
    return "，".join(parts)


def capped_share(rows: Iterable[dict]) -> tuple[Decimal, int] | None:
    """Mean of min(1, actual/target) over rows that have both figures, and how many; None if none."""
    shares = []
    for r in rows:   # against the target due (a 中期's due figure) when the rows carry one
        t, a = D_or_none(r["due_target"] if "due_target" in r else r.get("target")), D_or_none(r.get("actual"))
        if t is None or a is None or t <= 0:
            continue
        shares.append(min(Decimal(1), a / t))
    if not shares:
        return None
    return sum(shares) / len(shares), len(shares)
