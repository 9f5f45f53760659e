"""Site-record and previous-recommendation rules: checklists, statuses, field checks.

Pure functions (no I/O). Labels of the stored codes are core.labels'.
"""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Iterable

from core.errors import InvalidValue
from core.labels import INTERVIEW_GROUPS, RECTIFICATION_STATUSES, SITE_KINDS, SITE_STATUSES

RECTIFICATION_SHARE = {"已整改": Decimal(1), "部分整改": Decimal("0.5"), "未整改": Decimal(0)}
SITE_FIELDS = ("item", "status", "finding", "file_ref", "notes")
NOTE_KINDS = ("intro", "interview")          # kept as notes per topic; the others are checklists

# Default checklists (SPEC §1); teams extend them on the page.
SITE_CHECKLISTS: dict[str, list[str]] = {
    "intro": ["社工站运营及服务情况介绍", "各项指标完成情况介绍"],
    "observation": ["服务场地与功能室", "无障碍设施", "消防安全设施与疏散指引", "信息公开栏",
                    "党建引领与五社联动机制公示", "场地使用规则与服务指引"],
    "document": ["人事管理制度", "劳动合同", "个案文书", "小组文书", "社区活动文书", "服务知情同意书",
                 "分级评估表", "重点服务对象名册", "继续教育与督导记录", "志愿者与社区社会组织档案"],
    "interview": ["服务访谈：片区社工", "机构运营访谈：机构管理人员及行政人员"],
}


def rectification_counts(recs: Iterable[dict]) -> dict[str, int]:
    c = Counter(r.get("status") for r in recs)
    return {s: c[s] for s in RECTIFICATION_STATUSES}


def check_kind(kind: str) -> str:
    if kind not in SITE_KINDS:
        raise InvalidValue(f"未知记录类型“{kind}”")
    return kind


def clean_site_fields(kind: str, fields: dict, creating: bool) -> dict:
    """The given fields of a record of `kind`, stripped and checked (status code, non-empty item)."""
    check_kind(kind)
    unknown = set(fields) - set(SITE_FIELDS)
    if unknown:
        raise InvalidValue(f"未知的现场记录字段：{'、'.join(sorted(unknown))}")
    out = {k: ("" if v is None else str(v)).strip() for k, v in fields.items()}
    if "status" in out and out["status"] not in SITE_STATUSES:
        raise InvalidValue(f"检查结果应为{'、'.join(SITE_STATUSES.values())}之一")
    if (creating or "item" in out) and not out.get("item"):
        what = "访谈对象" if kind == "interview" and creating else "项目"
        raise InvalidValue(f"{SITE_KINDS[kind]}：{what}不能为空")
    return out


def status_code(label: str) -> str:
    """'符合' -> 'ok' (a code passes through; blank or unknown -> '' 未查看)."""
    if label in SITE_STATUSES:
        return label
    return next((code for code, text in SITE_STATUSES.items() if text == label), "")


def promotable_text(record: dict) -> str:
    """The text a record turns into when promoted to a 需要关注 finding ('' when nothing to promote)."""
    text = (record.get("finding") or "").strip()
    if not text and record.get("kind") in NOTE_KINDS:
        text = (record.get("notes") or "").strip()
    if text and record.get("file_ref") and record["file_ref"] not in text:
        text = f"{text}（抽查：{record['file_ref']}）"
    return text


INTERVIEW_FIELDS = ("group_code", "role", "name", "points", "quotes", "finding")


# Words that name a role, not a person: typed as a name they would be masked everywhere in the report.
NOT_NAMES = {"社工", "社工站", "居委", "居委会", "街道", "服务对象", "家属", "主任", "书记", "站长", "督导", "干事", "委员",
             "管理人员", "行政人员", "负责人", "机构", "志愿者", "居民", "组长", "专家", "工作人员", "总干事"}


def clean_interview(fields: dict, creating: bool) -> dict:
    """The given fields of an interview note, stripped and checked: a known group; a new note
    needs the interviewee's role or name and something recorded."""
    unknown = set(fields) - set(INTERVIEW_FIELDS)
    if unknown:
        raise InvalidValue(f"未知的访谈记录字段：{'、'.join(sorted(unknown))}")
    out = {k: ("" if v is None else str(v)).strip() for k, v in fields.items()}
    if (creating or "group_code" in out) and out.get("group_code") not in INTERVIEW_GROUPS:
        raise InvalidValue(f"访谈组别应为{'、'.join(INTERVIEW_GROUPS.values())}之一")
    if out.get("name") in NOT_NAMES or out.get("name") in INTERVIEW_GROUPS.values():
        raise InvalidValue(f"访谈记录：“{out['name']}”是身份，不是姓名，请填在“身份/岗位”中（姓名可不填）")
    if creating and not (out.get("role") or out.get("name")):
        raise InvalidValue(f"访谈记录（{INTERVIEW_GROUPS[out['group_code']]}）：身份/岗位和姓名至少填写一项")
    return out


def interview_recorded(note: dict) -> bool:
    """A note counts as an interview held when something was recorded of it."""
    return any((note.get(k) or "").strip() for k in ("points", "quotes", "finding"))


def interview_counts(notes: Iterable[dict]) -> dict[str, int]:
    """Interviewees recorded per group (group code -> count), in INTERVIEW_GROUPS order, only groups with any."""
    c = Counter(n["group_code"] for n in notes if interview_recorded(n))
    return {g: c[g] for g in INTERVIEW_GROUPS if c[g]}


def interview_promotable_text(note: dict) -> str:
    """The text an interview note turns into when promoted: its 发现的问题, else its key points,
    introduced by who was interviewed ('' when nothing to promote)."""
    text = (note.get("finding") or "").strip() or (note.get("points") or "").strip()
    if not text:
        return ""
    who = (note.get("role") or "").strip() or INTERVIEW_GROUPS.get(note.get("group_code"), "")
    return f"访谈{who}时了解到：{text}" if who else text


def clean_recommendation(text: str, status: str, evidence: str = "") -> dict:
    """{text, status, evidence} checked: text not empty, status one of the three."""
    text = (text or "").strip()
    if not text:
        raise InvalidValue("上期评估意见：内容不能为空")
    if status not in RECTIFICATION_STATUSES:
        raise InvalidValue(f"上期评估意见“{text[:20]}”：整改情况应为{'、'.join(RECTIFICATION_STATUSES)}之一")
    return {"text": text, "status": status, "evidence": (evidence or "").strip()}


def check_section(framework, section_code: str, area_code: str | None, area_codes: Iterable[str] = ()):
    """The framework section; `area_code` None skips the 片区 check (InvalidValue otherwise)."""
    try:
        sec = framework.section(section_code)
    except KeyError:
        raise InvalidValue(f"未知指标部分“{section_code}”") from None
    if area_code is None:
        return sec
    if sec.scope == "area":
        if area_code not in set(area_codes):
            raise InvalidValue(f"“{sec.name}”按片区评估，请选择片区")
    elif area_code:
        raise InvalidValue(f"“{sec.name}”不分片区，不能选择片区")
    return sec
