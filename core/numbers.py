"""Number formatting in the sample report's convention."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Bounds of a figure typed by a user or read from a file (counts, person-months, hours, 万元): no
# station figure comes near 10^12, and nothing beyond it reaches SQLite (2^63 overflows its integers,
# 1e308 its floats); more than 4 decimals is refused, so 1e-400 never becomes a stored 0.
MAX_NUMBER = Decimal(10) ** 12
MAX_DECIMALS = 4


class ZeroTarget(ValueError):
    """A ratio whose denominator is 0 or missing: an input error, not a crash."""


def D(x) -> Decimal:
    """The one Decimal helper: str() first so 0.1 stays 0.1 rather than its binary expansion."""
    return x if isinstance(x, Decimal) else Decimal(str(x))


def D_or_none(x) -> Decimal | None:
    """D(x), or None for None / ''."""
    return None if x is None or x == "" else D(x)


_dec = D


def round_half_up(x, places: int = 2) -> Decimal:
    return _dec(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fmt_number(x, places: int = 2) -> str:
    """Round half-up, drop trailing zeros: 110.010 -> '110.01', 158.60 -> '158.6', 99.00 -> '99'."""
    d = round_half_up(x, places)
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def round_float(x, places: int = 2) -> float:
    """A float figure kept as a float (cached JSON summaries, chart data), rounded half-up like every
    other figure: 0.125 -> 0.13 (Python's round() gives 0.12)."""
    return float(round_half_up(x, places))


def round_to_step(value, step=Decimal("0.5")) -> Decimal:
    """Half-up to the nearest multiple of step (a score's step): 7.25 -> 7.5, 7.24 -> 7 (step 0.5)."""
    step = _dec(step)
    return round_half_up(_dec(value) / step, 0) * step


def tidy(v) -> Decimal:
    """A Decimal without trailing zeros or exponent: 8.0 -> 8, 1.60 -> 1.6, never 1E+1."""
    v = _dec(v)
    return Decimal(int(v)) if v == v.to_integral_value() else v.normalize()


def fmt_score(x) -> str:
    """A score as the report writes it (2 places half-up, trailing zeros dropped), '—' when missing."""
    return "—" if x is None else fmt_number(x, 2)


def fmt_pct(x, places: int = 2) -> str:
    """A figure already in percent: 90.625 -> '90.63%', 95.0 -> '95%'; '—' when missing."""
    return "—" if x is None else fmt_number(x, places) + "%"


def fmt_share(share, places: int = 2) -> str:
    """A proportion (0–1) as the report writes a percentage: 29/32 = 0.90625 -> '90.63%', 0.5 -> '50%'."""
    return fmt_number(_dec(share) * 100, places) + "%"


def ratio_percent(actual, target) -> Decimal:
    """actual / target × 100, exact (Decimal), rounded half-up to 2 places."""
    if target is None or _dec(target) == 0:
        raise ZeroTarget("目标值为 0 或缺失，无法计算完成率")
    return round_half_up(_dec(actual) * 100 / _dec(target), 2)


def fmt_percent(actual, target) -> str:
    """'110.01%' for 2165 / 1968; '—' never: a bad target raises ZeroTarget."""
    return fmt_number(ratio_percent(actual, target)) + "%"


def fmt_rate(numerator, denominator, places: int = 1) -> str:
    """A survey-style rate with fixed decimals, as the report writes it: 92/96 -> '95.8%'."""
    if not denominator:
        raise ZeroTarget("分母为 0，无法计算比率")
    d = round_half_up(_dec(numerator) * 100 / _dec(denominator), places)
    return f"{d}%"


def bounded_decimal(text) -> Decimal:
    """A typed figure ('1,968', ' 12 ', 1968.0) as a Decimal; ValueError with the Chinese reason when it
    is not a usable number: not a number, NaN or infinite, beyond ±10^12 (2^63, 1e308 …), more than
    4 decimals (1e-400). The one range check of every typed or imported figure."""
    if isinstance(text, bool):
        raise ValueError(f"“{text}”不是数字")
    # a float as a spreadsheet shows it (15 significant digits: 0.30000000000000004 -> 0.3)
    t = format(text, ".15g") if isinstance(text, float) else str(text).replace(",", "").replace("，", "").strip()
    try:
        d = Decimal(t)
    except InvalidOperation:
        raise ValueError(f"“{text}”不是数字") from None
    if not d.is_finite():
        raise ValueError(f"“{text}”不是数字（不接受 NaN、无穷大）")
    if abs(d) >= MAX_NUMBER:
        raise ValueError(f"“{str(text)[:40]}”超出允许范围（绝对值应小于 {MAX_NUMBER:,.0f}）")
    if d != 0 and d.as_tuple().exponent < -MAX_DECIMALS and d != round(d, MAX_DECIMALS):
        raise ValueError(f"“{str(text)[:40]}”小数位过多（最多 {MAX_DECIMALS} 位）")
    return d


def fmt_fraction(x, places: int = 1) -> str:
    """A proportion (0–1) as a percentage with fixed decimals, half-up: 0.93224… -> '93.2%'."""
    return f"{round_half_up(_dec(x) * 100, places)}%"


def fmt_interval(low, high, places: int = 1) -> str:
    """An interval of proportions as percentages: (0.93224, 0.97464) -> '93.2%–97.5%'."""
    return f"{fmt_fraction(low, places)}–{fmt_fraction(high, places)}"
