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
from core.station import data as station_data
from core.assessment import team

# Demo accounts: name -> PIN (printed by `python -m core demo`, shown on the home page).
DEMO_PINS = {m["name"]: m["pin"] for m in demo_content.MEMBERS}


def create_demo(db) -> int:
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
    return assessment_id
