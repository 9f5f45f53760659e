"""Use cases of scoring: experts' scores, the lead's overrides, findings, other parties' scores,
veto checks, and the assessment's result.

The rules are checked here (indicator and 片区 exist, value range, detail -> value, party and
veto codes, finding kinds and text), then the guarded writers of db.scores / db.findings write
(lock, membership, role and ownership are checked by the guard inside the transaction).
`result(db, assessment_id)` reads the rows through db/ and computes with core.scoring.totals.
Readers for display (`shown_findings`, `shown_scores`) return free text through the
assessment's scrubber.
"""
from __future__ import annotations

from db import assessments as assessments_db
from db import findings as findings_db
from db import scores as scores_db
from db import submissions as sub_db
from core import derived
from core.errors import InvalidValue

from core.assessment import team
from core.framework.model import Framework, Indicator
from core.labels import FINDING_KINDS
from core.numbers import fmt_number
from core.privacy import scrubber
from core.scoring.totals import Result, check_party_score, check_value, compute, score_from_detail
from core.scoring import agreement as agreement_rules
from core.scoring.totals import build_cells
from core.labels import REVISION_REASONS

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
    """Cells, sections, third-party score, parties, final score, grade and flags (core.scoring.totals)."""
    a = team.get_assessment(db, assessment_id)
    fw = team.framework_of(db, assessment_id)
    areas = [x["code"] for x in team.list_areas(db, a["station_id"])]
    party = {k: v["score"] for k, v in scores_db.party_scores(db, assessment_id).items()}
    return compute(fw, areas, scores_db.score_values(db, assessment_id), scores_db.overrides(db, assessment_id),
                   party, scores_db.veto_failed(db, assessment_id))


assessment_result = result


def agreement(db, assessment_id: int, first: bool = False):
    """The experts' agreement (core.scoring.agreement): per cell spread and r_wg, Krippendorff's α over
    every cell with two or more experts' scores, and the framework's one-line reading.
    `first`: on the scores as submitted (independent, before revisions after the reveal)."""
    a = team.get_assessment(db, assessment_id)
    fw = team.framework_of(db, assessment_id)
    areas = [x["code"] for x in team.list_areas(db, a["station_id"])]
    cells = build_cells(fw, areas, scores_db.score_values(db, assessment_id, first=first))
    return agreement_rules.compute(cells, fw.report_rules)


def any_revision(db, assessment_id: int) -> bool:
    return scores_db.any_revision(db, assessment_id)


# ---------- blind, then reveal (issue 15) ----------

def reveal_scores(db, assessment_id: int, member_id: int, revealed: bool = True) -> None:
    """The lead reveals every expert's scores to the experts on 实时总览 (or withdraws it; logged).
    Until then an expert's totals there are computed from their own cells only."""
    assessments_db.set_scores_revealed(db, assessment_id, member_id, bool(revealed))


def scores_revealed(db, assessment_id: int) -> str | None:
    """When the lead revealed the experts' scores (ISO time), or None."""
    return team.get_assessment(db, assessment_id).get("scores_revealed_at")


def revise_score(db, assessment_id: int, member_id: int, indicator_code: str, area_code: str = "",
                 value=None, na: bool = False, detail: dict | None = None, reason: str = "", note: str = "") -> dict:
    """After submitting, revise the member's own score of a cell with a reason from
    core.labels.REVISION_REASONS (code or label) and a note; the submitted score is kept as the
    first score. `detail` sets the value from the indicator's rule unless `value` is given."""
    fw = framework(db, assessment_id)
    ind = _indicator(fw, indicator_code)
    area_code = area_code or ""
    _check_cell(db, assessment_id, ind, area_code)
    code = reason if reason in REVISION_REASONS else next((k for k, v in REVISION_REASONS.items() if v == reason), None)
    if code is None:
        raise InvalidValue(f"指标 {indicator_code}：请选择复核改分的原因（{'、'.join(REVISION_REASONS.values())}）")
    if detail and value is None and not na:
        value = score_from_detail(ind, detail)
    if not na and value is not None:
        value = _checked_value(ind, value)
    return scores_db.revise_score(db, assessment_id, member_id, indicator_code, area_code, value=value, na=bool(na),
                                  detail=dict(detail or {}), reason=code, note=(note or "").strip())


def _scored(r: dict) -> bool:
    return r["value"] is not None or bool(r["na"])


def peer_view_now(db, assessment_id: int, viewer_id: int) -> dict:
    """`peer_view`, computed once per change of the assessment's data (core.derived) and shared: the scoring
    page's indicator cards read it on every rerun, each card alone (st.fragment). Read-only."""
    return derived.by_data(db, assessment_id, ("peer_view", viewer_id), lambda: peer_view(db, assessment_id, viewer_id))


def peer_view(db, assessment_id: int, viewer_id: int) -> dict:
    """What the viewer may see of other members' scores, per cell (indicator_code, area_code):
    {"visible": bool, "peers": [{member_id, member_name, value, na, note (scrubbed), first_value,
    first_na, revised_at, revision_reason, revision_note (scrubbed)}]} — `peers` is empty while
    hidden; "waiting": how many peers have scored it. Blind rule: an expert sees others' scores and
    notes of a cell only once they have saved their own score (a value or 不适用) for it; the lead
    sees everything."""
    viewer = team.get_member(db, viewer_id)
    rows = shown_scores(db, assessment_id)
    scrub = scrubber(db, assessment_id)
    own = {(r["indicator_code"], r["area_code"]) for r in rows if r["member_id"] == viewer_id and _scored(r)}
    out: dict = {}
    for r in rows:
        if r["member_id"] == viewer_id or not (_scored(r) or r["note"]):
            continue
        key = (r["indicator_code"], r["area_code"])
        cell = out.setdefault(key, {"visible": viewer["role"] == "lead" or key in own, "peers": [], "waiting": 0})
        cell["waiting"] += 1
        if cell["visible"]:
            cell["peers"].append({k: r.get(k) for k in ("member_id", "member_name", "value", "na", "note", "first_value",
                                                         "first_na", "revised_at", "revision_reason")}
                                 | {"revision_note": scrub(r.get("revision_note") or "")})
    return out


def disagreements(db, assessment_id: int, viewer_id: int) -> list[dict]:
    """After the viewer has submitted: every cell they scored that another expert scored differently
    (another value, or 不适用 against a value), side by side — [{indicator_code, indicator_name,
    area_code, points, rows: [{member_id, member_name, own, first, final, revised_at, reason, note,
    score_note}]}] in framework order. [] before the viewer has submitted (the lead: every cell
    with a disagreement)."""
    viewer = team.get_member(db, viewer_id)
    lead = viewer["role"] == "lead"
    if not lead and not sub_db.is_submitted(db, assessment_id, viewer_id):
        return []
    fw = framework(db, assessment_id)
    scrub = scrubber(db, assessment_id)
    by_cell: dict = {}
    for r in scores_db.scores(db, assessment_id):
        if _scored(r):
            by_cell.setdefault((r["indicator_code"], r["area_code"]), []).append(r)
    order = {ind.code: n for n, ind in enumerate(fw.indicators)}
    out = []
    for (code, area), rs in sorted(by_cell.items(), key=lambda kv: (order.get(kv[0][0], 1e9), kv[0][1])):
        if len(rs) < 2 or (not lead and viewer_id not in {r["member_id"] for r in rs}):
            continue
        finals = {("na" if r["na"] else r["value"]) for r in rs}
        firsts = {(("na" if r["first_na"] else r["first_value"]) if r["revised_at"] else ("na" if r["na"] else r["value"]))
                  for r in rs}
        if len(finals) < 2 and len(firsts) < 2:
            continue
        try:
            ind = fw.indicator(code)
        except KeyError:
            continue

        def shown(value, na):
            return "不适用" if na else fmt_number(value)

        rows = []
        for r in sorted(rs, key=lambda r: (r["member_id"] != viewer_id, r["member_id"])):
            first = shown(r["first_value"], r["first_na"]) if r["revised_at"] else shown(r["value"], r["na"])
            rows.append({"member_id": r["member_id"], "member_name": r["member_name"], "own": r["member_id"] == viewer_id,
                         "first": first, "final": shown(r["value"], r["na"]), "revised_at": r["revised_at"],
                         "reason": REVISION_REASONS.get(r["revision_reason"], ""),
                         "note": scrub(r["revision_note"] or ""), "score_note": scrub(r["note"] or "")})
        out.append({"indicator_code": code, "indicator_name": ind.name, "area_code": area, "points": ind.points,
                    "rule_type": ind.rule_type, "rows": rows})
    return out
