"""Key-client register rules (重点服务对象名册): the 17 categories, row checks, the summary,
and rows for display (names and phones masked).

Pure functions over plain dicts (no I/O).
"""
from __future__ import annotations

from collections import Counter, OrderedDict
from typing import Callable, Iterable

from .errors import ImportRejected
from .masking import mask_name, mask_phone

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


def check_rows(rows: Iterable[dict]) -> None:
    """Rows written as a register: every person named, every category one of the 17 (ImportRejected)."""
    rows = list(rows)
    bad = [f"第 {n} 人“对象类别”：未知类别“{r.get('category') or ''}”（应为 17 类之一）"
           for n, r in enumerate(rows, 1) if r.get("category") not in CATEGORIES]
    bad += [f"第 {n} 人“姓名”：不能为空" for n, r in enumerate(rows, 1) if not (r.get("name") or "").strip()]
    if bad:
        raise ImportRejected(bad)


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


def audit_counts(clients: Iterable[dict]) -> dict:
    """What the audit keeps of a register: counts, never personal data."""
    s = register_summary(clients)
    return {k: s[k] for k in ("households", "vacant_household", "separated")}


def masked_clients(clients: Iterable[dict], scrub: Callable[[str], str] | None = None) -> list[dict]:
    """Register rows for display or export: name and phone masked, the 备注 through `scrub`."""
    out = []
    for c in clients:
        note = c.get("note") or ""
        out.append({
            "id": c.get("id"),
            "name": mask_name(c.get("name") or ""),
            "phone": mask_phone(c.get("phone") or ""),
            "community": c.get("community") or "",
            "category": c.get("category") or "",
            "household": c.get("household") or "",
            "vacant_household": bool(c.get("vacant_household")),
            "separated": bool(c.get("separated")),
            "note": scrub(note) if scrub else note,
        })
    return out


def register_for_communities(clients: Iterable[dict], communities: Iterable[str]) -> list[dict]:
    wanted = set(communities)
    return [c for c in clients if (c.get("community") or "") in wanted]
