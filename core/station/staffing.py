"""Staffing rules (人员配置): the fields, their validation and the sample report's ratios.

Pure functions over plain dicts (no I/O).
"""
from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from core.errors import InvalidValue
from core.station.indicators import NO_RATE, checked_number
from core.numbers import ZeroTarget, fmt_number, ratio_percent

STAFFING_FIELDS: "OrderedDict[str, tuple[str, str]]" = OrderedDict([
    # field: (label, kind) — kind 'int' for head counts, 'num' for person-months / hours
    ("required", ("协议要求配备社工数", "int")),
    ("on_post", ("在岗社工数", "int")),
    ("cert_intermediate", ("持证：中级社工师", "int")),
    ("cert_assistant", ("持证：助理社工师", "int")),
    ("non_certified", ("非持证社工", "int")),
    ("experienced", ("从业两年以上社工", "int")),
    ("attendance_due", ("到岗应到人次（合计）", "num")),
    ("attendance_actual", ("到岗实到人次（合计）", "num")),
    ("attendance_cert_due", ("持证社工应到人次", "num")),
    ("attendance_cert_actual", ("持证社工实到人次", "num")),
    ("attendance_noncert_due", ("非持证社工应到人次", "num")),
    ("attendance_noncert_actual", ("非持证社工实到人次", "num")),
    ("training_due", ("继续教育应完成时数", "num")),
    ("training_actual", ("继续教育实际完成时数", "num")),
    ("continuous", ("评估期内持续在岗人数", "int")),
])


def clean_staffing(fields: dict) -> dict:
    """The typed figures validated (head counts whole); InvalidValue names the field."""
    unknown = [k for k in fields if k not in STAFFING_FIELDS]
    if unknown:
        raise InvalidValue(f"未知的人员配置字段：{'、'.join(unknown)}")
    out = {}
    for k, v in fields.items():
        label, kind = STAFFING_FIELDS[k]
        out[k] = checked_number(v, f"人员配置“{label}”", integer=(kind == "int"))
    return out


def _ratio(n, d) -> tuple[Decimal | None, str]:
    if n is None or d is None:
        return None, NO_RATE
    try:
        r = ratio_percent(n, d)
    except ZeroTarget:
        return None, NO_RATE
    return r, fmt_number(r) + "%"


def staffing_figures(staffing: dict | None) -> dict:
    """The sample report's staffing ratios, each as Decimal percent and `*_text`.

    certified = 中级 + 助理; cert_ratio, experience_ratio and retention (稳岗率) are
    against the agreement-required number (20), as the report does; attendance_rate
    = actual / due person-months; training_rate = actual / due hours. Missing figures
    give None and '—'. `warnings` lists inconsistencies worth a look.
    """
    s = {k: (staffing or {}).get(k) for k in STAFFING_FIELDS}
    certified = None
    if s["cert_intermediate"] is not None or s["cert_assistant"] is not None:
        certified = (s["cert_intermediate"] or 0) + (s["cert_assistant"] or 0)
    out: dict = dict(s, certified=certified)
    for name, n, d in (
        ("cert_ratio", certified, s["required"]),
        ("experience_ratio", s["experienced"], s["required"]),
        ("on_post_ratio", s["on_post"], s["required"]),
        ("retention", s["continuous"], s["required"]),
        ("attendance_rate", s["attendance_actual"], s["attendance_due"]),
        ("attendance_cert_rate", s["attendance_cert_actual"], s["attendance_cert_due"]),
        ("training_rate", s["training_actual"], s["training_due"]),
    ):
        out[name], out[name + "_text"] = _ratio(n, d)
    warnings = []
    if certified is not None and s["non_certified"] is not None and s["on_post"] is not None \
            and certified + s["non_certified"] != s["on_post"]:
        warnings.append(f"持证（{certified}）与非持证（{s['non_certified']}）人数之和不等于在岗社工数（{s['on_post']}）")
    if s["on_post"] is not None and s["required"] is not None and s["on_post"] > s["required"]:
        warnings.append(f"在岗社工数（{s['on_post']}）多于协议要求配备数（{s['required']}）")
    for k in ("experienced", "continuous"):
        if s[k] is not None and s["on_post"] is not None and s[k] > s["on_post"]:
            warnings.append(f"{STAFFING_FIELDS[k][0]}（{s[k]}）多于在岗社工数（{s['on_post']}）")
    out["warnings"] = warnings
    return out
