"""The demo assessment: the 元岗街 station's end-of-term assessment from the sample report.

`create_demo(db)` builds the whole thing through the core use cases (core.assessment.team,
core.scoring.scoresheet, core.station.data, core.survey.calls) and returns the assessment id; each
area adds its own part (station data, survey) from its own module.
"""
from __future__ import annotations

from db.connection import transaction

from core.demo import content as demo_content
from core.demo import station as demo_station
from core.demo import survey as demo_survey
from core.report import edits as report_edit
from core.scoring import scoresheet
from core.scoring import signoff
from core.terms import nextterm
from core.station import data as station_data
from core.assessment import team

# Demo accounts: name -> PIN (printed by `python -m core demo`, shown on the home page).
DEMO_PINS = {m["name"]: m["pin"] for m in demo_content.MEMBERS}


def create_demo(db, finished: bool = True) -> int:
    """The demo assessment as the sample report was sent: every score, finding, party score, feedback (初稿 too)
    and 建议 recorded and, when `finished`, the five experts' scores submitted (signed), so the 落款 names them.
    `finished=False` stops before the submissions (the experts can still change their scores)."""
    with transaction(db):
        sid = team.create_station(db, demo_content.STATION["name"], communities=demo_content.COMMUNITIES,
                               **{k: v for k, v in demo_content.STATION.items() if k != "name"})
        lead = demo_content.MEMBERS[0]
        assessment_id, lead_id = team.create_assessment(db, sid, demo_content.FRAMEWORK_ID, lead["name"], lead["pin"], **demo_content.ASSESSMENT)
        team.set_areas(db, assessment_id, lead_id, demo_content.AREAS)
        ids = {lead["name"]: lead_id}
        for m in demo_content.MEMBERS[1:]:
            ids[m["name"]] = team.add_member(db, assessment_id, lead_id, m["name"], m["role"], m["pin"])
        for m in demo_content.MEMBERS:
            if m.get("sections"):
                team.set_assignments(db, assessment_id, lead_id, ids[m["name"]], m["sections"])
    demo_station.fill(db, assessment_id, ids)
    demo_survey.fill(db, assessment_id, ids)
    with transaction(db):
        for name, code, area, kw in demo_content.scores(db, assessment_id):
            scoresheet.save_score(db, assessment_id, ids[name], code, area, **kw)
        records = {r["item"]: r["id"] for r in station_data.list_site_records(db, assessment_id, "document")}
        recs = station_data.list_recommendations(db, assessment_id)

        def source_of(text):
            for opening, refs in demo_content.FINDING_SOURCES:
                if text.startswith(opening):
                    out = [f"site_record:{records[v]}" if k == "site_record"
                           else f"prev_recommendation:{next(r['id'] for r in recs if r['text'].startswith(v))}"
                           for k, v in refs]
                    return ",".join(out)
            return ""

        for name, section, area, kind, text in demo_content.FINDINGS:
            scoresheet.add_finding(db, assessment_id, ids[name], section, kind, text, area_code=area,
                                   source=source_of(text))
        for party, score, comment in demo_content.PARTY_SCORES:
            scoresheet.save_party_score(db, assessment_id, lead_id, party, score, comment)
        for party, kind, text in demo_content.PARTY_FINDINGS:
            scoresheet.add_finding(db, assessment_id, lead_id, f"party:{party}", kind, text)
        scoresheet.save_veto(db, assessment_id, lead_id, "finance", False, "财务评估通过")
        for key, text in demo_content.FEEDBACK.items():
            report_edit.set_text(db, assessment_id, lead_id, key, text)
        report_edit.set_text(db, assessment_id, lead_id, "closing_points", "\n".join(demo_content.CLOSING_POINTS))
    if finished:
        for m in demo_content.MEMBERS:
            if m.get("sections"):
                signoff.submit_sections(db, assessment_id, ids[m["name"]])
    return assessment_id


def create_next_term_demo(db, demo_id: int) -> int:
    """The same station's next term, so its history and carry-over show at once: the demo (`demo_id`) is
    locked as sent, and the 2024—2025 中期 starts from it (core.terms.nextterm: team with the demo PINs, framework,
    评估方, 片区, indicators, 上期评估意见) with its contract dates and the figures to its statistics date."""
    lead_id = next(m["id"] for m in team.list_members(db, demo_id) if m["role"] == "lead")
    if team.get_assessment(db, demo_id)["status"] != "locked":
        team.set_locked(db, demo_id, lead_id, True)
    out = nextterm.start_next_term(db, demo_id, kind="中期", keep_pins=True)
    aid = out["assessment_id"]
    lead = next(m["id"] for m in team.list_members(db, aid) if m["role"] == "lead")
    with transaction(db):
        team.update_assessment(db, aid, lead, **demo_content.NEXT_TERM)
        rows = station_data.list_indicators(db, aid)
        for r in rows:
            mid, actual = demo_content.NEXT_TERM_INDICATORS.get(r["name"], (None, None))
            r.update(mid_target=mid, actual=actual, target_pending=0)
        station_data.save_indicators(db, aid, lead, rows)
    return aid
