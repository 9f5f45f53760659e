"""Use cases of interview notes (访谈记录): one note per interviewee in the groups of the sample
report (core.labels.INTERVIEW_GROUPS), each promotable to a finding like a site record.

Rules are core.station.site's (clean_interview, interview_promotable_text); storage db/interviews.py
through the write guard. Names and text are stored as typed and masked on every output by
the assessment's one scrubber (core.privacy.scrubber knows the interviewees' names).
"""
from __future__ import annotations

from db import interviews as interviews_db
from db.connection import transaction

from core.scoring import scoresheet
from core.assessment import team
from core.errors import InvalidValue
from core.labels import FINDING_KINDS, INTERVIEW_GROUPS
from core.privacy import scrubber
from core.station.site import check_section, clean_interview, interview_counts, interview_promotable_text

EDITORS = ("lead", "expert")
_UNSET = object()
_TEXT = ("role", "name", "points", "quotes", "finding")


def can_edit(role: str) -> bool:
    return role in EDITORS


def list_interviews(db, assessment_id: int, group_code: str | None = None) -> list[dict]:
    """Notes for display, in the groups' order: name and every text masked (the name as 黄*昕), with `group_label`,
    `member_name` and `finding_id` (the finding it was promoted to, or None)."""
    scrub = scrubber(db, assessment_id)
    order = {g: n for n, g in enumerate(INTERVIEW_GROUPS)}
    rows = sorted(interviews_db.list_interviews(db, assessment_id, group_code),
                  key=lambda r: (order.get(r["group_code"], 99), r["position"], r["id"]))
    return [dict(r, group_label=INTERVIEW_GROUPS.get(r["group_code"], r["group_code"]),
                 **{k: scrub(r[k]) for k in _TEXT}) for r in rows]


def progress(db, assessment_id: int, groups) -> tuple[int, int, dict[str, int]]:
    """(notes with something recorded, notes, recorded per group) of the given groups' interviewees:
    the day plan's 服务访谈 / 机构运营访谈 stages."""
    notes = [n for n in interviews_db.list_interviews(db, assessment_id) if n["group_code"] in groups]
    made = interview_counts(notes)
    return sum(made.values()), len(notes), made


def counts(db, assessment_id: int) -> dict[str, int]:
    """Interviewees recorded per group (core.station.site.interview_counts)."""
    return interview_counts(interviews_db.list_interviews(db, assessment_id))


def save_interview(db, assessment_id: int, member_id: int, group_code: str = _UNSET, role: str = _UNSET,
                   name: str = _UNSET, points: str = _UNSET, quotes: str = _UNSET, finding: str = _UNSET,
                   interview_id: int | None = None) -> int:
    """Create (interview_id None) or update a note; only the fields given change."""
    given = {k: v for k, v in dict(group_code=group_code, role=role, name=name, points=points, quotes=quotes,
                                   finding=finding).items() if v is not _UNSET}
    fields = clean_interview(given, creating=interview_id is None)
    return interviews_db.save_interview(db, assessment_id, member_id, fields, interview_id=interview_id)


def delete_interview(db, assessment_id: int, member_id: int, interview_id: int) -> None:
    interviews_db.delete_interview(db, assessment_id, member_id, interview_id)


def promote_to_finding(db, assessment_id: int, member_id: int, interview_id: int, section_code: str,
                       area_code: str = "", kind: str = "concern") -> int:
    """Turn an interview note into a finding of a section (source interview:<id>), 需要关注 by
    default or 值得肯定; refused when the note has nothing to promote or was promoted already."""
    if kind not in FINDING_KINDS:
        raise InvalidValue(f"意见类型应为{'、'.join(FINDING_KINDS.values())}之一")
    with transaction(db):
        team.require_member(db, assessment_id, member_id, EDITORS, "访谈记录")
        note = interviews_db.get_interview(db, assessment_id, interview_id)
        who = note["role"] or INTERVIEW_GROUPS.get(note["group_code"], "")
        text = interview_promotable_text(note)
        if not text:
            raise InvalidValue(f"访谈记录“{scrubber(db, assessment_id)(who)}”没有填写访谈要点或发现的问题，不能转为意见")
        if note["finding_id"]:
            raise InvalidValue(f"访谈记录“{scrubber(db, assessment_id)(who)}”已转为意见")
        fw = team.framework_of(db, assessment_id)
        a = team.get_assessment(db, assessment_id)
        check_section(fw, section_code, area_code or "", [x["code"] for x in team.list_areas(db, a["station_id"])])
        return scoresheet.add_finding(db, assessment_id, member_id, section_code, kind, text,
                                      area_code=area_code or "", source=f"interview:{interview_id}")
