"""Use cases of the report text the lead edits: ordered, merged, edited findings and free texts.

db/report.py stores the items and texts (guarded writers: lead only, assessment open);
the rules of what may be saved live here: the kind is one of core.labels.FINDING_KINDS,
an item's text is not empty, a merge takes at least two items. Readers return the stored
text as typed; `display_*` readers return it scrubbed for the screen
(core.privacy.scrubber).
"""
from __future__ import annotations

from db import report as _db

from core.errors import InvalidValue
from core.labels import FINDING_KINDS
from core.privacy import scrubber

KINDS = FINDING_KINDS

# Readers (stored text, as typed: the edit boxes show what the lead wrote).
all_items = _db.all_items
group_items = _db.group_items
is_edited = _db.is_edited
unused_findings = _db.unused_findings
get_texts = _db.get_texts


def _text(text) -> str:
    return (text or "").strip()


def _kind(kind: str) -> str:
    if kind not in FINDING_KINDS:
        raise InvalidValue(f"未知意见类型“{kind}”（应为值得肯定或需要关注）")
    return kind


def update_item(db, assessment_id: int, member_id: int, ref: str, text: str) -> str:
    """Edit an item's wording; returns its (possibly new) ref."""
    text = _text(text)
    if not text:
        raise InvalidValue("报告条目内容不能为空（如需删除请使用“移除”）")
    return _db.update_item(db, assessment_id, member_id, ref, text)


def move_item(db, assessment_id: int, member_id: int, ref: str, delta: int) -> None:
    """Move an item up (delta < 0) or down within its group."""
    return _db.move_item(db, assessment_id, member_id, ref, int(delta))


def merge_items(db, assessment_id: int, member_id: int, refs: list[str], text: str | None = None) -> str:
    """Merge items of one group into the first of them (texts joined unless `text` is given)."""
    refs = list(dict.fromkeys(refs or []))
    if len(refs) < 2:
        raise InvalidValue("请至少选择两条意见进行合并")
    return _db.merge_items(db, assessment_id, member_id, refs, _text(text) or None)


def remove_item(db, assessment_id: int, member_id: int, ref: str) -> None:
    """Leave an item out of the report (the expert's finding stays in the record)."""
    return _db.remove_item(db, assessment_id, member_id, ref)


def add_item(db, assessment_id: int, member_id: int, section_code: str, area_code: str, kind: str, text: str,
             finding_id: int | None = None) -> str:
    """Append an item to a group: the lead's own text, or an expert's finding (its text when none given)."""
    _kind(kind)
    text = _text(text)
    if finding_id is None and not text:
        raise InvalidValue("报告条目内容不能为空")
    if finding_id is not None and not text and not _text(_db.finding_text(db, assessment_id, finding_id)):
        raise InvalidValue("报告条目内容不能为空")
    return _db.add_item(db, assessment_id, member_id, section_code, area_code or "", kind, text,
                        finding_id=finding_id)


def reset_group(db, assessment_id: int, member_id: int, section_code: str, area_code: str, kind: str) -> None:
    """Drop the lead's edits of a group: it shows the experts' findings again."""
    return _db.reset_group(db, assessment_id, member_id, section_code, area_code or "", _kind(kind))


def set_text(db, assessment_id: int, member_id: int, key: str, text: str) -> None:
    """Save one text; an empty text removes it (the report then uses the app's default wording)."""
    if not key or key.startswith("_"):
        raise InvalidValue(f"无效的报告文本项“{key}”")
    return _db.set_text(db, assessment_id, member_id, key, _text(text))


# ---------- for the screen: scrubbed ----------

def display_group(db, assessment_id: int, section_code: str, area_code: str, kind: str) -> list[dict]:
    """group_items with `shown` = the text scrubbed (register names and phones masked)."""
    scrub = scrubber(db, assessment_id)
    return [dict(it, shown=scrub(it["text"])) for it in group_items(db, assessment_id, section_code, area_code, kind)]


def display_unused(db, assessment_id: int, section_code: str, area_code: str, kind: str) -> list[dict]:
    """unused_findings with `shown` = the text scrubbed (register names and phones masked)."""
    scrub = scrubber(db, assessment_id)
    return [dict(f, shown=scrub(f["text"])) for f in unused_findings(db, assessment_id, section_code, area_code, kind)]
