"""The demo assessment: the 元岗街 station's end-of-term assessment from the sample report.

`create_demo(db)` builds the whole thing through the core use cases (core.team,
core.scoresheet, core.station_data, core.calls) and returns the assessment id; each
area adds its own part (station data, survey) from its own module.
"""
from __future__ import annotations

from db.connection import transaction

from . import demo_content as C
from . import demo_station, demo_survey
from . import scoresheet as S
from . import team as A

# Demo accounts: name -> PIN (printed by `python -m core demo`, shown on the home page).
DEMO_PINS = {m["name"]: m["pin"] for m in C.MEMBERS}


def create_demo(db) -> int:
    with transaction(db):
        sid = A.create_station(db, C.STATION["name"], communities=C.COMMUNITIES,
                               **{k: v for k, v in C.STATION.items() if k != "name"})
        lead = C.MEMBERS[0]
        aid, lead_id = A.create_assessment(db, sid, C.FRAMEWORK_ID, lead["name"], lead["pin"], **C.ASSESSMENT)
        A.set_areas(db, aid, lead_id, C.AREAS)
        ids = {lead["name"]: lead_id}
        for m in C.MEMBERS[1:]:
            ids[m["name"]] = A.add_member(db, aid, lead_id, m["name"], m["role"], m["pin"])
        for m in C.MEMBERS:
            if m.get("sections"):
                A.set_assignments(db, aid, lead_id, ids[m["name"]], m["sections"])
    demo_station.fill(db, aid, ids)
    demo_survey.fill(db, aid, ids)
    with transaction(db):
        for name, code, area, kw in C.scores(db, aid):
            S.save_score(db, aid, ids[name], code, area, **kw)
        for name, section, area, kind, text in C.FINDINGS:
            S.add_finding(db, aid, ids[name], section, kind, text, area_code=area)
        for party, score, comment in C.PARTY_SCORES:
            S.save_party_score(db, aid, lead_id, party, score, comment)
        for party, kind, text in C.PARTY_FINDINGS:
            S.add_finding(db, aid, lead_id, f"party:{party}", kind, text)
        S.save_veto(db, aid, lead_id, "finance", False, "财务评估通过")
    return aid
