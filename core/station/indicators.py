"""Contract-indicator rules (协议指标): the default list, validation, completion rates.

Pure functions over plain dicts (no I/O). Percentages follow the sample report
(core.numbers): half-up to 2 places, trailing zeros dropped — 2165/1968 -> '110.01%',
793/500 -> '158.6%', 99/100 -> '99%'.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from core.errors import InvalidValue
from core.numbers import D, D_or_none, ZeroTarget, bounded_decimal, fmt_number, ratio_percent

NO_RATE = "—"
FIELDS = ("name", "unit", "target", "actual", "note")

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
        "actual": checked_number(row.get("actual"), f"{w}“实际完成量”"),
        "note": (row.get("note") or "").strip(),
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


def indicator_rows(rows: Iterable[dict]) -> list[dict]:
    """Copies of the indicator rows with `rate` (Decimal percent or None), `rate_text` and `problem`."""
    out = []
    for r in rows:
        r = dict(r)
        rate = completion(r.get("actual"), r.get("target"))
        r["rate"] = rate
        r["rate_text"] = NO_RATE if rate is None else fmt_number(rate) + "%"
        if r.get("target") in (None, "") or D(r.get("target")) <= 0:
            r["problem"] = "目标值缺失" if r.get("target") in (None, "") else "目标值应大于 0"
        elif r.get("actual") in (None, ""):
            r["problem"] = "完成量未填写"
        else:
            r["problem"] = ""
        out.append(r)
    return out


def capped_share(rows: Iterable[dict]) -> tuple[Decimal, int] | None:
    """Mean of min(1, actual/target) over rows that have both figures, and how many; None if none."""
    shares = []
    for r in rows:
        t, a = D_or_none(r.get("target")), D_or_none(r.get("actual"))
        if t is None or a is None or t <= 0:
            continue
        shares.append(min(Decimal(1), a / t))
    if not shares:
        return None
    return sum(shares) / len(shares), len(shares)
