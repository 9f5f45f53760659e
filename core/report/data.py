"""Everything the final report shows, gathered into one ReportData (a use case).

core/report/words.py words it, core/report/pdf.py lays it out. Gathered through the core use
cases only (core.assessment.team, core.scoring.scoresheet, core.station.data, core.survey.calls, core.report.edits):
no SQL here. Personal data arrives masked: every free text printed (report items, the
lead's texts, party comments, veto notes) passes through the assessment's one scrubber
(core.privacy.scrubber); client names/phones of the survey come masked by core.survey.calls.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal

from core.station import attachments
from core.survey import calls
from core.station import interviews
from core.report import edits as report_edit
from core.scoring import scoresheet
from core.scoring import signoff
from core.station import data as station_data
from core.assessment import team
from core.station.evidence import for_print
from core.framework.model import Framework
from core.numbers import D
from core.privacy import scrubber
from core.scoring.totals import Result
from core.station.staffing import staffing_figures
from core.labels import ATTACHMENT_TYPES, FINDING_KINDS, section_label
from core.agency.overview import report_history
from core.agency.stations import names_elsewhere
from db import report_versions


@dataclass
class Block:
    """One 片区 (or the whole station) of a section: its 值得肯定 / 需要关注 items."""
    area_code: str
    area_name: str
    communities: list[str]
    strengths: list[str] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)


@dataclass
class SectionReport:
    code: str
    name: str
    scope: str                   # 'station' or 'area'
    points: Decimal
    score: Decimal | None
    blocks: list[Block]
    suggests: set[str] = field(default_factory=set)   # evidence rules of its indicators (staffing, satisfaction …)


@dataclass
class PartyReport:
    code: str
    name: str
    label: str                   # 购买方 / 督导中心 / 监督方 / 第三方评估机构
    weight: Decimal
    max: Decimal
    share: Decimal               # weight as a percent of all weights
    score: Decimal | None
    weighted: Decimal | None     # contribution to the 100-point final
    projected: bool
    computed: bool               # the third party (experts' scores)
    comment: str = ""
    strengths: list[str] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)


@dataclass
class ReportData:
    assessment: dict
    station: dict
    areas: list[dict]
    framework: Framework
    result: Result
    title: str
    expert_count: int
    staff_count: int
    sections: list[SectionReport]
    parties: list[PartyReport]
    indicators: list[dict]       # core.station.indicators.indicator_rows: name, unit, target, actual, rate, rate_text
    staffing: dict | None        # core.station.staffing.staffing_figures, None when nothing entered
    survey: object | None        # core.survey.rules.SurveyResults, None when no sample drawn
    texts: dict[str, str]        # the lead's texts (report_texts)
    veto: list[dict]             # [{code, name, failed, note}]
    generated_at: str
    recommendations: list[dict] = field(default_factory=list)   # 上期评估意见: text, status, evidence, section_code, covered
    record_concerns: list[dict] = field(default_factory=list)   # 查阅资料 records with a problem not in a finding
    register: dict | None = None                                 # core.station.register.register_summary, None when empty
    register_by_area: dict = field(default_factory=dict)         # 片区 code -> register_summary
    site_done: dict = field(default_factory=dict)                # site-record kind -> items recorded (done)
    interviews: dict = field(default_factory=dict)               # interview group -> interviewees recorded
    team_names: list[str] = field(default_factory=list)          # the lead, then the experts
    signed_names: list[str] = field(default_factory=list)        # those of them who submitted (core.scoring.signoff), lead first
    unsigned_names: list[str] = field(default_factory=list)      # members with sections to score who have not
    raw_texts: dict = field(default_factory=dict)                # the lead's edited texts as typed (for the check)
    raw_items: list[str] = field(default_factory=list)           # every report item as typed (for the check)
    unevidenced: list[dict] = field(default_factory=list)        # 需要关注 findings without evidence: where, text
    evidence_annex: list[dict] | None = None                     # the optional evidence annex (report_pdf(evidence=True))
    agreement: object | None = None                              # core.scoring.agreement.Agreement (experts' agreement)
    agreement_first: object | None = None                        # the same on the scores as submitted, when revised
    history: list[dict] = field(default_factory=list)            # 历次评估对比: earlier terms and this one (summaries)
    period: object | None = None                                 # a 中期's core.station.indicators.Period, None for 末期
    expert_names: list[str] = field(default_factory=list)        # active members with the expert role (not the lead)
    printed: list[dict] = field(default_factory=list)            # every free text printed, as typed: where, text, page
    known_names: dict = field(default_factory=dict)              # other stations/streets/districts/people (the check)
    issued: list[dict] = field(default_factory=list)             # report versions issued (db.report_versions)

    @property
    def short_name(self) -> str:
        return self.station.get("short_name") or self.station.get("name") or ""

    @property
    def final(self) -> Decimal | None:
        return self.result.final

    @property
    def grade(self) -> str | None:
        return self.result.grade

    def section_with(self, suggest: str) -> SectionReport | None:
        """The section holding an indicator tied to the given evidence (e.g. 'staffing')."""
        return next((s for s in self.sections if suggest in s.suggests), None)


def _indicators(db, assessment_id: int) -> list[dict]:
    return station_data.indicator_view(db, assessment_id)


def _staffing(db, assessment_id: int) -> dict | None:
    row = station_data.get_staffing(db, assessment_id)
    if not row or all(row.get(k) is None for k in ("required", "on_post", "training_due", "continuous")):
        return None
    return staffing_figures(row)


def _survey(db, assessment_id: int):
    res = calls.survey_results(db, assessment_id)
    return res if getattr(res, "seed", None) else None


def _covered_refs(db, assessment_id: int) -> set[str]:
    """'site_record:N' / 'prev_recommendation:N' refs that a (not deleted) finding already draws on."""
    out = set()
    for f in scoresheet.findings(db, assessment_id):
        for ref in (f.get("source") or "").split(","):
            if ref.strip():
                out.add(ref.strip())
    return out


def _site(db, assessment_id: int, fw: Framework, covered: set[str]) -> tuple[dict, list[dict]]:
    """What was done on site (kind -> recorded items) and the 查阅资料 problems not yet in a finding."""
    done: dict[str, list[str]] = {}
    concerns = []
    rules = fw.report_rules
    for r in station_data.list_site_records(db, assessment_id):   # masked for output
        recorded = bool(r.get("status") or (r.get("notes") or "").strip() or (r.get("finding") or "").strip())
        if recorded:
            done.setdefault(r["kind"], []).append(r.get("item") or "")
        if (r["kind"] == "document" and r.get("status") == "finding" and (r.get("finding") or "").strip()
                and not r.get("finding_id") and f"site_record:{r['id']}" not in covered):
            text = f"查阅资料（{r['item']}）发现：{r['finding'].strip().rstrip('。')}"
            if (r.get("file_ref") or "").strip():
                text += f"（抽查：{r['file_ref'].strip()}）"
            concerns.append({"section_code": rules.document_section(r.get("item") or ""), "text": text + "。",
                             "id": r["id"]})
    return done, concerns


def _findings_evidence(db, assessment_id: int, fw: Framework, areas: list[dict], items: dict, scrub,
                       with_files: bool):
    """(the 需要关注 findings of the framework's sections without any evidence, the evidence annex or
    None). A finding's evidence is what is attached to it and to the records it was promoted from.
    The annex follows the report: each report item (in report order, as the lead edited it) whose
    findings have evidence, with its photos not marked personal (their files), its PDF scans by
    name, and the count of attachments marked personal it leaves out."""
    live = [f for f in scoresheet.findings(db, assessment_id)]
    ev = attachments.finding_evidence(db, assessment_id, {f["id"]: f.get("source") or "" for f in live})
    area_name = {a["code"]: a["name"] for a in areas}
    order = {s.code: n for n, s in enumerate(fw.sections)}
    area_order = {a["code"]: n for n, a in enumerate(areas)}

    def where(section_code, area_code):
        return section_label(fw, section_code, area_name.get(area_code, ""))

    concerns = sorted((f for f in live if f["kind"] == "concern" and not f["section_code"].startswith("party:")),
                      key=lambda f: (order.get(f["section_code"], 99), area_order.get(f["area_code"], -1), f["id"]))
    missing = [{"id": f["id"], "where": where(f["section_code"], f["area_code"]), "text": scrub(f["text"]),
                "member_name": f.get("member_name") or ""} for f in concerns if f["id"] not in ev]
    if not with_files:
        return missing, None
    annex = []
    keys = sorted(items, key=lambda k: (order.get(k[0], 99), k[0], area_order.get(k[1], -1), k[2] != "strength"))
    for key in keys:
        for it in items[key]:
            found = list({a["id"]: a for fid in it["source_finding_ids"] for a in ev.get(fid, [])}.values())
            if not found:
                continue
            shown = [a for a in found if not a["personal"]]
            files = attachments.with_data(db, assessment_id, [a["id"] for a in shown if a["mime"] == "image/jpeg"])
            annex.append({"where": where(key[0], key[1]), "kind": FINDING_KINDS.get(key[2], key[2]),
                          "text": scrub(it["text"]),
                          "items": [{"filename": scrub(a["filename"]), "caption": scrub(a["caption"]),
                                     "type": ATTACHMENT_TYPES.get(a["mime"], a["mime"]),
                                     "data": for_print(files[a["id"]]) if a["id"] in files else None,
                                     "width": a["width"], "height": a["height"], "size": a["size"]} for a in shown],
                          "hidden": len(found) - len(shown)})
    return missing, annex


def _printed(fw: Framework, areas: list[dict], items: dict, raw_texts: dict, entered: dict, checks: dict) -> list[dict]:
    """Every free text the report prints, as typed, with the name of the text (a lead's text by its key,
    which core.report.review names) and the page it is edited on (the reviewer's check quotes and links
    it): report items, the lead's texts, the other parties' comments, the veto notes."""
    area_name = {a["code"]: a["name"] for a in areas}
    out = []
    for (section_code, area_code, kind), group in items.items():
        where = section_label(fw, section_code, area_name.get(area_code, "")) + "·" + FINDING_KINDS.get(kind, kind)
        out += [{"where": f"{where}第 {n} 条", "text": it["text"], "page": "report"} for n, it in enumerate(group, 1)]
    out += [{"where": k, "text": v, "page": "report"} for k, v in raw_texts.items() if v]   # named by the check
    out += [{"where": f"{section_label(fw, 'party:' + code)}的意见", "text": p.get("comment") or "", "page": "report"}
            for code, p in entered.items() if (p or {}).get("comment")]
    out += [{"where": f"一票否决项说明（{code}）", "text": c.get("note") or "", "page": "report"}
            for code, c in checks.items() if (c or {}).get("note")]
    return out


def _printed_feedback(db, assessment_id: int, raw_texts: dict) -> list[dict]:
    """The feedback recorded under the issued drafts, printed in 三、评估反馈 when the lead wrote none."""
    if (raw_texts.get("feedback_draft") or "").strip():
        return []
    return [{"where": f"{v['label']}收到的反馈", "text": v["feedback"], "page": "report"}
            for v in report_versions.list_versions(db, assessment_id) if v["kind"] == "draft" and v["feedback"]]


def gather(db, assessment_id: int, evidence: bool = False) -> ReportData:
    """The report's data; `evidence=True` also gathers the evidence annex (with the photos' files)."""
    a = team.get_assessment(db, assessment_id)
    st = team.get_station(db, a["station_id"])
    areas = team.list_areas(db, a["station_id"])
    fw = team.framework_of(db, assessment_id)
    result = scoresheet.result(db, assessment_id)
    items = report_edit.all_items(db, assessment_id)
    members = team.list_members(db, assessment_id)
    scrub = scrubber(db, assessment_id)

    def texts_of(section_code, area_code, kind):
        return [scrub(it["text"]) for it in items.get((section_code, area_code, kind), [])]

    sections = []
    for sec in fw.sections:
        sr = result.section(sec.code)
        if sec.scope == "area":
            blocks = [Block(ar["code"], ar["name"], ar["communities"],
                            texts_of(sec.code, ar["code"], "strength"), texts_of(sec.code, ar["code"], "concern"))
                      for ar in areas]
        else:
            blocks = [Block("", "", [], texts_of(sec.code, "", "strength"), texts_of(sec.code, "", "concern"))]
        sections.append(SectionReport(sec.code, sec.name, sec.scope, D(sec.points), sr.score, blocks,
                                      {i.suggest for i in sec.indicators if i.suggest}))

    entered = scoresheet.party_scores(db, assessment_id)
    total_w = sum((D(p.weight) for p in fw.parties), Decimal(0))
    parties = []
    for p, pr in zip(fw.parties, result.parties):
        code = f"party:{p.code}"
        parties.append(PartyReport(
            p.code, p.name, p.label if not p.computed else p.name, D(p.weight), D(p.max),
            D(p.weight) / total_w * 100 if total_w else Decimal(0), pr.score, pr.weighted, pr.projected,
            p.computed, scrub((entered.get(p.code) or {}).get("comment") or ""),
            texts_of(code, "", "strength"), texts_of(code, "", "concern")))

    checks = scoresheet.veto_checks(db, assessment_id)
    veto = [{"code": v.code, "name": v.name, "failed": bool((checks.get(v.code) or {}).get("failed")),
             "note": scrub((checks.get(v.code) or {}).get("note") or ""), "checked": v.code in checks}
            for v in fw.veto]

    covered = _covered_refs(db, assessment_id)
    site_done, record_concerns = _site(db, assessment_id, fw, covered)
    recs = [dict(r, covered=f"prev_recommendation:{r['id']}" in covered)
            for r in station_data.list_recommendations(db, assessment_id)]
    has_register = station_data.has_register(db, assessment_id)
    register, by_area = (station_data.register_summary_by_area(db, assessment_id, [ar["code"] for ar in areas])
                         if has_register else (None, {}))
    lead_first = sorted((m for m in members if m["role"] in ("lead", "expert")), key=lambda m: m["role"] != "lead")
    signed = {m["member_id"] for m in signoff.submitted_members(db, assessment_id)}
    scoring = {r["member_id"] for r in team.assignments(db, assessment_id)}
    raw_texts = report_edit.get_texts(db, assessment_id)

    unevidenced, annex = _findings_evidence(db, assessment_id, fw, areas, items, scrub, evidence)
    title = f"{a['period_label']}{st['district']}{st['name']} {a['kind']}评估报告".strip()
    return ReportData(
        assessment=a, station=st, areas=areas, framework=fw, result=result, title=title,
        # the experts who score (as the 落款 lists them), not the lead who only leads
        expert_count=sum(1 for m in lead_first if m["id"] in scoring) or len(lead_first),
        staff_count=sum(1 for m in members if m["role"] == "staff"),
        sections=sections, parties=parties,
        indicators=_indicators(db, assessment_id),
        staffing=_staffing(db, assessment_id),
        survey=_survey(db, assessment_id),
        texts={k: scrub(v) for k, v in report_edit.get_texts(db, assessment_id).items()}, veto=veto,
        generated_at=_dt.datetime.now().isoformat(timespec="seconds"),
        recommendations=recs, record_concerns=record_concerns, register=register, register_by_area=by_area,
        site_done=site_done, interviews=interviews.counts(db, assessment_id),
        team_names=[m["name"] for m in lead_first], raw_texts=raw_texts,
        signed_names=[m["name"] for m in lead_first if m["id"] in signed],
        unsigned_names=[m["name"] for m in lead_first if m["id"] in scoring and m["id"] not in signed and m["active"]],
        raw_items=[it["text"] for group in items.values() for it in group],
        unevidenced=unevidenced, evidence_annex=annex,
        agreement=scoresheet.agreement(db, assessment_id),
        agreement_first=scoresheet.agreement(db, assessment_id, first=True)
        if scoresheet.any_revision(db, assessment_id) else None,
        history=report_history(db, assessment_id) if a.get("report_history") != 0 else [],
        period=station_data.indicator_period(db, assessment_id),
        expert_names=[m["name"] for m in members if m["role"] == "expert" and m["active"]],
        printed=_printed(fw, areas, items, raw_texts, entered, checks) + _printed_feedback(db, assessment_id, raw_texts),
        known_names=names_elsewhere(db, assessment_id),
        issued=[dict(v, feedback=scrub(v["feedback"])) for v in report_versions.list_versions(db, assessment_id)],
    )
