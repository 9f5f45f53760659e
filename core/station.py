"""Station data rules: contract-indicator completion, staffing ratios, register summary.

Plain Python over dicts from db/station_data.py (no streamlit, no SQL).
Percentages follow the sample report (core.numbers): half-up to 2 places, trailing
zeros dropped — 2165/1968 -> '110.01%', 793/500 -> '158.6%', 99/100 -> '99%'.
"""
from __future__ import annotations

import re
from collections import Counter, OrderedDict
from decimal import Decimal
from typing import Iterable

from .masking import mask_name, mask_phone
from .numbers import ZeroTarget, fmt_number, ratio_percent

NO_RATE = "—"

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

# The 17 categories of key clients (《广州市社工服务站管理办法》2023, Art. 4).
CATEGORIES: list[str] = [
    "低保对象", "特困人员", "低保边缘家庭成员", "支出型困难家庭成员", "残疾人", "流浪乞讨人员",
    "农村留守儿童", "困境儿童", "单身特困母亲", "农村留守妇女",
    "孤寡老年人", "空巢老年人", "独居老年人", "留守老年人", "失能老年人", "重残老年人",
    "计划生育特殊家庭老年人",
]
_ELDERLY = {"孤寡": "孤寡老年人", "空巢": "空巢老年人", "独居": "独居老年人", "留守": "留守老年人",
            "失能": "失能老年人", "重残": "重残老年人", "计划生育特殊家庭": "计划生育特殊家庭老年人",
            "计生特殊家庭": "计划生育特殊家庭老年人"}
CATEGORY_ALIASES: dict[str, str] = {"低保户": "低保对象", "低保": "低保对象", "特困": "特困人员",
                                    "特困供养人员": "特困人员", "低保边缘": "低保边缘家庭成员",
                                    "支出型困难家庭": "支出型困难家庭成员", "残疾": "残疾人"}
for _k, _v in _ELDERLY.items():
    for _suffix in ("", "老人", "老年人", "长者"):
        CATEGORY_ALIASES.setdefault(_k + _suffix, _v)
    CATEGORY_ALIASES.setdefault("特殊困难老年人（" + _k + "）", _v)
    CATEGORY_ALIASES.setdefault("特殊困难老年人(" + _k + ")", _v)


def normalise_category(text: str) -> str | None:
    """The canonical category for `text` (accepting common short forms), or None if unknown."""
    t = (text or "").strip().replace(" ", "")
    if t in CATEGORIES:
        return t
    return CATEGORY_ALIASES.get(t)


# ---------- contract indicators ----------

def _dec(x) -> Decimal | None:
    if x is None or x == "":
        return None
    return x if isinstance(x, Decimal) else Decimal(str(x))


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
    """Copies of the indicator rows with `rate` (Decimal percent or None) and `rate_text`."""
    out = []
    for r in rows:
        r = dict(r)
        rate = completion(r.get("actual"), r.get("target"))
        r["rate"] = rate
        r["rate_text"] = NO_RATE if rate is None else fmt_number(rate) + "%"
        if r.get("target") in (None, "") or _dec(r.get("target")) <= 0:
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
        t, a = _dec(r.get("target")), _dec(r.get("actual"))
        if t is None or a is None or t <= 0:
            continue
        shares.append(min(Decimal(1), a / t))
    if not shares:
        return None
    return sum(shares) / len(shares), len(shares)


# ---------- staffing ----------

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


# ---------- key-client register ----------

def _household_key(c: dict) -> str:
    h = (c.get("household") or "").strip()
    return h if h else f"#person-{c.get('id') or id(c)}"


def register_summary(clients: Iterable[dict]) -> dict:
    """Households and persons overall, by community and by category; 空挂户 / 人户分离 counts.

    A household is a distinct household id (户号) within the register; a person
    without one counts as a household of their own. A household's community is
    that of its first member. Categories keep the order of CATEGORIES.
    """
    clients = list(clients)
    households: dict[str, str] = {}
    by_community: "OrderedDict[str, dict]" = OrderedDict()
    cat_counts: Counter = Counter()
    vacant = separated = complete = 0
    for c in clients:
        complete += bool((c.get("household") or "").strip() and c.get("category") in CATEGORIES
                         and (c.get("phone") or "").strip())
        key = _household_key(c)
        comm = (c.get("community") or "").strip() or "（未填社区）"
        d = by_community.setdefault(comm, {"households": 0, "persons": 0})
        d["persons"] += 1
        if key not in households:
            households[key] = comm
            d["households"] += 1
        cat_counts[c.get("category") or ""] += 1
        vacant += bool(c.get("vacant_household"))
        separated += bool(c.get("separated"))
    by_category = OrderedDict((k, cat_counts[k]) for k in CATEGORIES if cat_counts[k])
    for k, v in cat_counts.items():
        if k not in by_category:
            by_category[k or "（未填类别）"] = v
    return {
        "households": len(households),
        "persons": len(clients),
        "by_community": by_community,
        "by_category": by_category,
        "vacant_household": vacant,
        "separated": separated,
        "complete": complete,   # rows with household id, a known category and a phone
    }


def masked_clients(clients: Iterable[dict]) -> list[dict]:
    """Register rows for display or export: name and phone masked, nothing else personal added."""
    out = []
    for c in clients:
        out.append({
            "id": c.get("id"),
            "name": mask_name(c.get("name") or ""),
            "phone": mask_phone(c.get("phone") or ""),
            "community": c.get("community") or "",
            "category": c.get("category") or "",
            "household": c.get("household") or "",
            "vacant_household": bool(c.get("vacant_household")),
            "separated": bool(c.get("separated")),
            "note": c.get("note") or "",
        })
    return out


def register_for_communities(clients: Iterable[dict], communities: Iterable[str]) -> list[dict]:
    wanted = set(communities)
    return [c for c in clients if (c.get("community") or "") in wanted]


# ---------- previous recommendations ----------

RECTIFICATION_STATUSES = ("已整改", "部分整改", "未整改")
RECTIFICATION_SHARE = {"已整改": Decimal(1), "部分整改": Decimal("0.5"), "未整改": Decimal(0)}


def rectification_counts(recs: Iterable[dict]) -> dict[str, int]:
    c = Counter(r.get("status") for r in recs)
    return {s: c[s] for s in RECTIFICATION_STATUSES}


# ---------- site records ----------

SITE_KINDS = {"intro": "听取介绍", "observation": "实地观察", "document": "查阅资料", "interview": "访谈"}
SITE_STATUSES = {"": "未查看", "ok": "符合", "finding": "发现问题"}

# Default checklists (SPEC §1); teams extend them on the page.
SITE_CHECKLISTS: dict[str, list[str]] = {
    "intro": ["社工站运营及服务情况介绍", "各项指标完成情况介绍"],
    "observation": ["服务场地与功能室", "无障碍设施", "消防安全设施与疏散指引", "信息公开栏",
                    "党建引领与五社联动机制公示", "场地使用规则与服务指引"],
    "document": ["人事管理制度", "劳动合同", "个案文书", "小组文书", "社区活动文书", "服务知情同意书",
                 "分级评估表", "重点服务对象名册", "继续教育与督导记录", "志愿者与社区社会组织档案"],
    "interview": ["服务访谈：片区社工", "机构运营访谈：机构管理人员及行政人员"],
}

_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1\d{10})(?!\d)")


def scrub_text(text: str, names: Iterable[str] = ()) -> str:
    """Mask register names and mobile numbers typed into free text (file refs, notes).

    Longer names first so 欧阳子昕 is masked before a shorter name inside it.
    """
    out = text or ""
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        if name in out:
            out = out.replace(name, mask_name(name))
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(1)), out)
