"""Use cases of scoring: experts' scores, the lead's overrides, findings, other parties' scores,
veto checks, and the assessment's result.

The rules are checked here (indicator and 片区 exist, value range, detail -> value, party and
veto codes, finding kinds and text), then the guarded writers of db.scores / db.findings write
(lock, membership, role and ownership are checked by the guard inside the transaction).
`result(db, assessment_id)` reads the rows through db/ and computes with core.scoring.
Readers for display (`shown_findings`, `shown_scores`) return free text through the
assessment's scrubber.
"""
from __future__ import annotations

from db import findings as findings_db
from db import scores as scores_db
from .errors import InvalidValue

from . import team
from .framework import Framework, Indicator
from .labels import FINDING_KINDS
from .privacy import scrubber
from .scoring import Result, check_party_score, check_value, compute, score_from_detail

_UNSET = object()


# ---------- the framework of an assessment ----------

def framework(db, assessment_id: int) -> Framework:
    """The assessment's scoring framework."""
    return team.framework_of(db, assessment_id)


def _indicator(fw: Framework, indicator_code: str) -> Indicator:
    try:
        return fw.indicator(indicator_code)
    except KeyError:
        raise InvalidValue(f"未知指标“{indicator_code}”") from None


def _check_cell(db, assessment_id: int, ind: Indicator, area_code: str) -> None:
    """The cell exists: no 片区 for a station-wide indicator, a 片区 of the station otherwise."""
    if ind.scope != "area":
        if area_code:
            raise InvalidValue(f"指标 {ind.code}「{ind.name}」不分片区，不能按片区评分")
        return
    station_id = team.get_assessment(db, assessment_id)["station_id"]
    if area_code not in {a["code"] for a in team.list_areas(db, station_id)}:
        raise InvalidValue(f"指标 {ind.code}「{ind.name}」按片区评分：未知片区“{area_code}”")


def _checked_value(ind: Indicator, value) -> float:
    err = check_value(ind, value)
    if err:
        raise InvalidValue(err)
    return float(value)


# ---------- experts' scores ----------

def save_score(db, assessment_id: int, member_id: int, indicator_code: str, area_code: str = "",
               value=_UNSET, na=_UNSET, note=_UNSET, detail=_UNSET) -> dict:
    """Save one expert's score for one cell (only the fields given change); returns
    {value, na, note, detail} as saved.

    `detail` ({"criteria": [indices]} or {"level": name}) sets the value from the
    indicator's rule unless `value` is given too. InvalidValue for an unknown indicator or
    片区 or an out-of-range value; PermissionDenied for a cell not assigned to the member;
    AssessmentLocked when locked.
    """
    fw = framework(db, assessment_id)
    ind = _indicator(fw, indicator_code)
    area_code = area_code or ""
    _check_cell(db, assessment_id, ind, area_code)
    fields = {}
    if detail is not _UNSET:
        detail = dict(detail or {})
        fields["detail"] = detail
        if value is _UNSET:
            v = score_from_detail(ind, detail)
            if v is not None:
                value = v
    if value is not _UNSET:
        fields["value"] = None if value is None else _checked_value(ind, value)
    if na is not _UNSET:
        fields["na"] = bool(na)
    if note is not _UNSET:
        fields["note"] = note or ""
    return scores_db.save_score(db, assessment_id, member_id, indicator_code, area_code, ind.section_code, **fields)


def scores(db, assessment_id: int, member_id: int | None = None) -> list[dict]:
    """Score rows (stored text) with member_name; only `member_id`'s when given."""
    return scores_db.scores(db, assessment_id, member_id)


def shown_scores(db, assessment_id: int, member_id: int | None = None) -> list[dict]:
    """scores(...) with notes through the assessment's scrubber (for display)."""
    scrub = scrubber(db, assessment_id)
    return [dict(r, note=scrub(r["note"])) for r in scores_db.scores(db, assessment_id, member_id)]


# ---------- the lead's overrides ----------

def save_override(db, assessment_id: int, lead_id: int, indicator_code: str, area_code: str = "",
                  value=None, na: bool = False, reason: str = "") -> None:
    """The lead's decision on a cell, with a mandatory reason; value None and na False clears it."""
    fw = framework(db, assessment_id)
    ind = _indicator(fw, indicator_code)
    area_code = area_code or ""
    _check_cell(db, assessment_id, ind, area_code)
    reason = (reason or "").strip()
    clearing = value is None and not na
    if not clearing:
        if not reason:
            raise InvalidValue(f"指标 {indicator_code}：组长调整分数必须填写理由")
        if not na:
            value = _checked_value(ind, value)
    scores_db.save_override(db, assessment_id, lead_id, indicator_code, area_code,
                            value=None if clearing or na else value, na=bool(na) and not clearing,
                            reason="" if clearing else reason)


def overrides(db, assessment_id: int) -> list[dict]:
    return scores_db.overrides(db, assessment_id)


# ---------- findings ----------

def _finding_text(text) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidValue("意见内容不能为空")
    return text


def add_finding(db, assessment_id: int, member_id: int, section_code: str, kind: str, text: str,
                area_code: str = "", indicator_code: str = "", source: str = "") -> int:
    """A new finding of the member ('party:<code>' sections: the lead only); returns its id."""
    if kind not in FINDING_KINDS:
        raise InvalidValue(f"未知意见类型“{kind}”（应为{'或'.join(FINDING_KINDS.values())}）")
    text = _finding_text(text)
    return findings_db.add_finding(db, assessment_id, member_id, section_code, kind, text,
                                   area_code=area_code or "", indicator_code=indicator_code or "", source=source or "")


def update_finding(db, assessment_id: int, member_id: int, finding_id: int, text=None, kind=None) -> None:
    """Change the member's own finding (text and/or kind)."""
    if text is not None:
        text = _finding_text(text)
    if kind is not None and kind not in FINDING_KINDS:
        raise InvalidValue(f"未知意见类型“{kind}”")
    findings_db.update_finding(db, assessment_id, member_id, finding_id, text=text, kind=kind)


def delete_finding(db, assessment_id: int, member_id: int, finding_id: int) -> None:
    """Soft delete of the member's own finding (the record and the audit log keep the text)."""
    findings_db.delete_finding(db, assessment_id, member_id, finding_id)


def findings(db, assessment_id: int, section_code: str | None = None, member_id: int | None = None,
             include_deleted: bool = False) -> list[dict]:
    """Finding rows with member_name, stored text (unmasked: for editing and the transfer file)."""
    return findings_db.findings(db, assessment_id, section_code, member_id, include_deleted)


def shown_findings(db, assessment_id: int, section_code: str | None = None, area_code: str | None = None,
                   viewer_id: int | None = None) -> list[dict]:
    """Findings for display: each row gets `own` (written by `viewer_id`) and `shown`, the text
    through the assessment's scrubber (the viewer's own findings keep `text` to edit)."""
    scrub = scrubber(db, assessment_id)
    out = []
    for f in findings_db.findings(db, assessment_id, section_code):
        if area_code is not None and f["area_code"] != area_code:
            continue
        out.append(dict(f, own=viewer_id is not None and f["member_id"] == viewer_id, shown=scrub(f["text"])))
    return out


# ---------- other parties and veto ----------

def save_party_score(db, assessment_id: int, lead_id: int, party_code: str, score, comment: str | None = None) -> None:
    """An other party's score on its own scale (None: not entered) and comment (None keeps it)."""
    fw = framework(db, assessment_id)
    try:
        party = fw.party(party_code)
    except KeyError:
        raise InvalidValue(f"未知评估方“{party_code}”") from None
    if party.computed:
        raise InvalidValue("第三方评分由专家评分汇总得出，不能直接录入")
    score, err = check_party_score(party, score)
    if err:
        raise InvalidValue(err)
    scores_db.save_party_score(db, assessment_id, lead_id, party_code, score, comment)


def party_scores(db, assessment_id: int) -> dict[str, dict]:
    return scores_db.party_scores(db, assessment_id)


def save_veto(db, assessment_id: int, lead_id: int, code: str, failed: bool, note: str = "") -> None:
    """Record a veto check of the framework (failed or passed) with a note."""
    if code not in {v.code for v in framework(db, assessment_id).veto}:
        raise InvalidValue(f"本框架没有否决项“{code}”")
    scores_db.save_veto(db, assessment_id, lead_id, code, bool(failed), note or "")


def veto_checks(db, assessment_id: int) -> dict[str, dict]:
    """code -> {failed, note} (stored note)."""
    return scores_db.veto_checks(db, assessment_id)


def veto_failed(db, assessment_id: int) -> list[str]:
    return scores_db.veto_failed(db, assessment_id)


# ---------- the whole picture ----------

def result(db, assessment_id: int) -> Result:
    """Cells, sections, third-party score, parties, final score, grade and flags (core.scoring)."""
    a = team.get_assessment(db, assessment_id)
    fw = team.framework_of(db, assessment_id)
    areas = [x["code"] for x in team.list_areas(db, a["station_id"])]
    party = {k: v["score"] for k, v in scores_db.party_scores(db, assessment_id).items()}
    return compute(fw, areas, scores_db.score_values(db, assessment_id), scores_db.overrides(db, assessment_id),
                   party, scores_db.veto_failed(db, assessment_id))


assessment_result = result
