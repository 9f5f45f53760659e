"""Key-client register rules (重点服务对象名册): the 17 categories, row checks, the summary,
and rows for display (names and phones masked).

Pure functions over plain dicts (no I/O).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter, OrderedDict
from typing import Callable, Iterable

from core.errors import ImportRejected
from core.masking import mask_name, mask_phone

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
CATEGORY_ALIASES: dict[str, str] = {"低保户": "低保对象", "低保": "低保对象", "低保家庭": "低保对象",
                                    "低保人员": "低保对象", "特困": "特困人员", "特困供养": "特困人员",
                                    "特困供养人员": "特困人员", "特困供养对象": "特困人员", "五保": "特困人员",
                                    "五保户": "特困人员", "低保边缘": "低保边缘家庭成员",
                                    "低保边缘户": "低保边缘家庭成员", "低边": "低保边缘家庭成员",
                                    "支出型困难家庭": "支出型困难家庭成员", "支出型困难": "支出型困难家庭成员",
                                    "残疾": "残疾人", "残疾人士": "残疾人", "持证残疾人": "残疾人",
                                    "流浪乞讨": "流浪乞讨人员", "留守儿童": "农村留守儿童",
                                    "留守妇女": "农村留守妇女", "单亲特困母亲": "单身特困母亲",
                                    "失独": "计划生育特殊家庭老年人", "失独老人": "计划生育特殊家庭老年人",
                                    "失独家庭": "计划生育特殊家庭老年人"}
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
    return CATEGORY_ALIASES.get(t) or CATEGORY_ALIASES.get(t.replace("(", "（").replace(")", "）"))


CATEGORY_SEPARATOR = "、"   # several categories of one person are stored joined: 低保对象、残疾人


def categories_of(client: dict) -> list[str]:
    """The categories of a stored register row (one or several, joined by 、)."""
    return [c for c in (client.get("category") or "").split(CATEGORY_SEPARATOR) if c]


def _nfkc(text) -> str:
    return unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()


# ---------- reading a station's own register: one cell at a time (pure) ----------
# Each parse_* returns what will be stored, the changes made (Chinese, shown in the
# import preview) and an error message (None when the cell is fine).

NO_PHONE = "无电话"
_NO_PHONE_WORDS = {"", "无", "没有", "无电话", "暂无", "没电话", "无号码", "/", "-", "--", "—", "——", "空", "不详",
                   "无联系电话", "未有", "否"}
DITTO = {"同上", "同上户", "同前", "〃", "\"", "”", "''", "同上一户"}
MAX_PHONES = 2
_MOBILE_RE = r"(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}"
_LANDLINE_RE = r"0\d{2,3}[\s-]?[2-9]\d{2,3}[\s-]?\d{4}|[2-9]\d{2,3}[\s-]?\d{4}"   # a local number never starts with 0/1
_NUMBER = re.compile(r"(?<![\d+])(?:" + _MOBILE_RE + "|" + _LANDLINE_RE + r")(?!\d)")
_AREA_PAREN = re.compile(r"\((0\d{2,3})\)\s?(?=\d{7,8}(?!\d))")
_BRACKETS = re.compile(r"[(\[【]([^()\[\]【】]*)[)\]】]")
_RELATIVE = re.compile(r"女儿|儿子|子女|其子|其女|家属|亲属|母亲|父亲|妈妈|爸爸|妻子|丈夫|老伴|孙|侄|甥|邻居|监护人|"
                       r"联系人|媳|婿|哥|姐|弟|妹|女$|子$")
_PHONE_WORDS = re.compile(r"手机号码|手机号|手机|电话号码|联系电话|电话|座机|固话|号码|tel|Tel|TEL|[:：,;/|、]|或|及|和")


def is_ditto(text) -> bool:
    """"同上" (and its usual variants): the same as the row above."""
    return _nfkc(text).replace(" ", "") in DITTO


def _clean_number(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return digits
    if digits.startswith("0") and len(digits) >= 10:
        area = 3 if digits[1] in "12" else 4
        return digits[:area] + "-" + digits[area:]
    return digits


def parse_phone(text) -> dict:
    """A phone cell as stations write it -> {phone, phone2, phone_note, changes, error}.

    Dashes, spaces and +86 are dropped (landlines keep one dash after the area code);
    two numbers in one cell give a second phone; a number in brackets is a relative's
    (the words beside it are kept as the note: 女儿 …); blank or 无 is kept as no phone
    (phone ''), shown as 无电话. More than two numbers, or digits that form no number,
    are an error (the file must be fixed: nothing is guessed).
    """
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    written = "" if text is None else str(text).strip()
    t = _nfkc(written)
    out = {"phone": "", "phone2": "", "phone_note": "", "changes": [], "error": None}
    if t.replace(" ", "") in _NO_PHONE_WORDS:
        out["changes"].append("电话空白，记为“无电话”" if not t else f"电话“{written}”记为“无电话”")
        return out
    t = _AREA_PAREN.sub(r"\1-", t)
    relatives, labels, notes = [], [], []
    for m in _BRACKETS.finditer(t):
        inner = m.group(1)
        found = [_clean_number(x.group(0)) for x in _NUMBER.finditer(inner)]
        rest = _PHONE_WORDS.sub(" ", _NUMBER.sub(" ", inner)).strip()
        if re.search(r"\d", rest):
            out["error"] = f"括号内“{inner}”不是完整的电话号码（应为 11 位手机号或固定电话）"
            return out
        if found:
            relatives += found
            labels.append(rest)
        elif rest and _RELATIVE.search(rest):
            labels.append(rest)           # （女儿）13900001111: the label of the number beside it
        elif rest:
            notes.append(rest)
    outside = _BRACKETS.sub(" ", t)
    main = [_clean_number(x.group(0)) for x in _NUMBER.finditer(outside)]
    if labels and not relatives and len(main) == 1:
        relatives, main = main, []
    elif labels and not relatives:
        notes += labels
    rest = _PHONE_WORDS.sub(" ", _NUMBER.sub(" ", outside)).strip()
    if re.search(r"\d", rest):
        out["error"] = "号码格式不正确（应为 11 位手机号或固定电话，如 13812341234、020-87654321）"
        return out
    if rest:
        notes.append(" ".join(rest.split()))
    numbers = main + relatives
    if not numbers:
        out["error"] = f"“{written}”中没有电话号码（无电话请留空或填“无”）"
        return out
    if len(numbers) > MAX_PHONES:
        out["error"] = f"有 {len(numbers)} 个号码，最多保存 {MAX_PHONES} 个：请删去多余的号码"
        return out
    out["phone"] = numbers[0]
    out["phone2"] = numbers[1] if len(numbers) > 1 else ""
    who = "、".join(x for x in labels if x) or "亲属"
    if relatives and main:
        notes.insert(0, f"第二电话为{who}的号码")
    elif relatives:
        notes.insert(0, f"电话为{who}的号码" if len(relatives) == 1 else f"两个号码均为{who}的号码")
    out["phone_note"] = "；".join(notes)
    if len(numbers) == 1 and relatives:
        out["changes"].append(f"“{written}”：{who}的号码，记为电话“{numbers[0]}”")
    elif len(numbers) == 1 and written != out["phone"]:
        how = [w for w, hit in (("+86", re.search(r"\+?86[\s-]?1", t) and not t.startswith("1")),
                                ("空格", " " in written or "　" in written), ("短横线", re.search(r"[-－—]", written)),
                                ("括号", re.search(r"[()（）]", written))) if hit]
        out["changes"].append(f"电话“{written}”记为“{numbers[0]}”" + (f"（去掉了{'、'.join(how)}）" if how else ""))
    elif len(numbers) == 2:
        out["changes"].append(f"一格两个号码：电话“{numbers[0]}”，第二电话“{numbers[1]}”"
                              + (f"（{who}的号码）" if relatives else ""))
    if out["phone_note"]:
        out["changes"].append(f"电话说明：{out['phone_note']}")
    return out


def _split_top(text: str) -> list[str]:
    """Split on 、,;/+ and spaces outside brackets."""
    parts, buf, depth = [], "", 0
    for ch in text:
        if ch in "(（[【":
            depth += 1
        elif ch in ")）]】":
            depth = max(0, depth - 1)
        if depth == 0 and ch in "、,，;；/+＋ 　和及":
            parts.append(buf)
            buf = ""
        else:
            buf += ch
    parts.append(buf)
    return [p.strip() for p in parts if p.strip()]


def parse_categories(text) -> dict:
    """A category cell -> {category (canonical, joined by 、), detail, changes, error}.

    Several categories are kept (低保、残疾人 -> 低保对象、残疾人); a bracket after a
    category is its detail (残疾人（肢体二级） -> 残疾人, detail 肢体二级); short forms
    (特困供养, 独居老人 …) become the canonical names of the 17 categories.
    """
    written = "" if text is None else str(text).strip()
    out = {"category": "", "detail": "", "changes": [], "error": None}
    if not written:
        out["error"] = "不能为空"
        return out
    cats, details, unknown = [], [], []
    for part in _split_top(_nfkc(written)):
        cat = normalise_category(part)
        detail = ""
        if cat is None:
            m = re.match(r"^(.*?)\s*[(\[【](.*)[)\]】]$", part)
            if m:
                cat, detail = normalise_category(m.group(1)), m.group(2).strip()
        if cat is None:
            unknown.append(part)
            continue
        if cat not in cats:
            cats.append(cat)
        if detail:
            details.append(detail if len(cats) == 1 else f"{cat}：{detail}")
    if unknown:
        out["error"] = (f"未知类别“{'、'.join(unknown)}”（应为 17 类之一，几类之间用“、”分隔：" + "、".join(CATEGORIES) + "）")
        return out
    out["category"] = CATEGORY_SEPARATOR.join(cats)
    out["detail"] = "；".join(details)
    if out["category"] != written:
        out["changes"].append(f"类别记为“{out['category']}”" + (f"（{len(cats)} 类）" if len(cats) > 1 else ""))
    if details:
        out["changes"].append(f"括号内“{out['detail']}”存为类别说明")
    return out


_COMMUNITY_SUFFIXES = ("社区居民委员会", "社区居委会", "居民委员会", "社区居委", "居委会", "村民委员会", "村委会",
                       "居委", "社区", "村")


def _community_core(name: str) -> str:
    t = re.sub(r"\s", "", _nfkc(name))
    for suf in _COMMUNITY_SUFFIXES:
        if t.endswith(suf) and len(t) > len(suf):
            return t[: -len(suf)]
    return t


def match_community(text, communities: Iterable[str]) -> str | None:
    """The station's community written as `text` (…居委会, …社区, a short name, or with the
    street before it), or None when none or several match."""
    t = re.sub(r"\s", "", _nfkc(text))
    communities = [c for c in communities if c]
    if t in communities:
        return t
    core = _community_core(t)
    exact = [c for c in communities if _community_core(c) in (core, t)]   # 潭村 for 潭村社区 (村 is not cut off)
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None
    tail = [c for c in communities if len(_community_core(c)) >= 2 and core.endswith(_community_core(c))]
    return tail[0] if len(tail) == 1 else None


_TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "有", "☑", "●"}
_FALSE_WORDS = {"", "否", "n", "no", "false", "0", "×", "✗", "无", "不是", "非", "-", "/", "—"}
FLAG_WORDS = {"vacant_household": ("空挂", "空挂户", "是空挂户"), "separated": ("人户分离", "分离", "人户不一致")}


def parse_flag(text, field: str) -> dict:
    """A 空挂户 / 人户分离 cell -> {value (bool), changes, error}: 是/√/the flag's own word -> True."""
    written = "" if text is None else str(text).strip()
    t = _nfkc(written).replace(" ", "").lower()
    out = {"value": False, "changes": [], "error": None}
    if t in _TRUE_WORDS or t in FLAG_WORDS.get(field, ()):
        out["value"] = True
        if written != "是":
            out["changes"].append(f"“{written}”记为“是”")
    elif t in _FALSE_WORDS:
        if written not in ("", "否"):
            out["changes"].append(f"“{written}”记为“否”")
    else:
        out["error"] = f"“{written}”应为“是”或“否”（也可写 √、{FLAG_WORDS.get(field, ('',))[0]}，或留空）"
    return out


def check_rows(rows: Iterable[dict]) -> None:
    """Rows written as a register: every person named, every category one of the 17 (ImportRejected)."""
    rows = list(rows)
    bad = [f"第 {n} 人“对象类别”：未知类别“{r.get('category') or ''}”（应为 17 类之一）"
           for n, r in enumerate(rows, 1)
           if not categories_of(r) or any(c not in CATEGORIES for c in categories_of(r))]
    bad += [f"第 {n} 人“姓名”：不能为空" for n, r in enumerate(rows, 1) if not (r.get("name") or "").strip()]
    if bad:
        raise ImportRejected(bad)


def household_key(household, person) -> str:
    """The household a person belongs to: their 户号, or one of their own (`person`: their row id) without one."""
    h = (household or "").strip()
    return h if h else f"#person-{person}"


def _household_key(c: dict) -> str:
    return household_key(c.get("household"), c.get("id") or id(c))


def register_summary(clients: Iterable[dict]) -> dict:
    """Households and persons overall, by community and by category; 空挂户 / 人户分离 counts.

    A household is a distinct household id (户号) within the register; a person
    without one counts as a household of their own. A household's community is
    that of its first member. Categories keep the order of CATEGORIES; a person with
    several categories counts in each (so by_category may add up to more than persons).
    `no_phone`: persons registered without a phone (无电话).
    """
    clients = list(clients)
    households: dict[str, str] = {}
    by_community: "OrderedDict[str, dict]" = OrderedDict()
    cat_counts: Counter = Counter()
    vacant = separated = complete = no_phone = several = 0
    for c in clients:
        cats = categories_of(c)
        complete += bool((c.get("household") or "").strip() and cats and all(x in CATEGORIES for x in cats)
                         and (c.get("phone") or "").strip())
        no_phone += not (c.get("phone") or "").strip()
        several += len(cats) > 1
        key = _household_key(c)
        comm = (c.get("community") or "").strip() or "（未填社区）"
        d = by_community.setdefault(comm, {"households": 0, "persons": 0})
        d["persons"] += 1
        if key not in households:
            households[key] = comm
            d["households"] += 1
        for cat in cats or [""]:
            cat_counts[cat] += 1
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
        "no_phone": no_phone,
        "several_categories": several,
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
            "phone": mask_phone(c.get("phone") or "") or NO_PHONE,
            "phone2": mask_phone(c.get("phone2") or ""),
            "phone_note": scrub(c.get("phone_note") or "") if scrub else c.get("phone_note") or "",
            "category_detail": c.get("category_detail") or "",
            "household_written": c.get("household_written") or "",
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
