"""Demo satisfaction survey: a sample of 100 from the demo register with recorded calls.

Reproduces the sample report's figures (二(五)): 100 sampled, 4 unreachable after
two calls, 96 reached, 92 satisfied (95.8%), 1 client and 1 family member who did
not know the social worker. Deterministic: fixed seed, fixed answers.
"""
from __future__ import annotations

import datetime as _dt
import random

from db.connection import transaction

from core.survey import calls
from core.survey import rules as survey
from core.assessment.team import get_assessment, get_member

SEED = "20250227"
CALLERS = ("黄小燕", "林晓红")       # the staff member and one expert

# Positions in the sample (1-based, draw order) with a scripted story.
UNREACHABLE = {17: ("无人接听", "无人接听"), 42: ("无人接听", "无人接听"), 68: ("非本人", "无人接听"),
               91: ("无人接听", "无人接听")}
SECOND_TRY = {5: "无人接听", 33: "非本人", 77: "无人接听"}   # reached on the second attempt
NEUTRAL = {12, 50, 63, 85}                                   # overall 一般: reached but not satisfied
KNOWS_NOT = {23: "本人", 58: "家属"}                          # did not know the social worker
FAMILY = {8, 19, 27, 36, 45, 54, 66, 73, 88, 95}             # answered by a family member
COMMENTS = {
    3: "社工经常打电话关心，很感谢。",
    9: "上门探访很及时，帮忙申请了居家适老化改造。",
    12: "希望社工多上门走访。",
    23: "表示不清楚社工是谁，需社工跟进。",
    29: "对社工站的活动很满意。",
    50: "对服务没有太多了解。",
    58: "家属表示不了解社工，平时主要由社区联系。",
    63: "希望增加陪同就医服务。",
    85: "电话联系较少。",
}


def fill(db, assessment_id: int, member_ids: dict[str, int]) -> None:
    """Draw the demo sample, assign it to 黄小燕 and 林晓红, and record their calls."""
    if not calls.register(db, assessment_id):
        return  # no register, nothing to sample
    lead_id = next(mid for mid in member_ids.values() if get_member(db, mid)["role"] == "lead")
    visit = get_assessment(db, assessment_id).get("visit_date") or "2025-02-27"
    day = _dt.datetime.fromisoformat(visit + "T09:30:00")
    rng = random.Random(SEED)
    with transaction(db):
        calls.draw_sample(db, assessment_id, lead_id, seed=SEED, size=survey.MIN_SAMPLE, reserve=10)
        calls.assign_evenly(db, assessment_id, lead_id, [member_ids[n] for n in CALLERS])
        items = [i for i in calls.list_items(db, assessment_id) if not i["reserve"]]
        for n, it in enumerate(items, 1):
            first = day + _dt.timedelta(minutes=4 * n)
            second = first + _dt.timedelta(hours=4)
            caller = it["caller_id"]

            def call(attempt, at, outcome, **answers):
                calls.record_call(db, assessment_id, caller, it["id"], attempt, outcome,
                               called_at=at.isoformat(timespec="seconds"), **answers)

            if n in UNREACHABLE:       # 空号 is final at once; otherwise two failed attempts
                for attempt, (at, outcome) in enumerate(zip((first, second), UNREACHABLE[n]), 1):
                    call(attempt, at, outcome)
                continue
            attempt, at = 1, first
            if n in SECOND_TRY:
                call(1, first, SECOND_TRY[n])
                attempt, at = 2, second
            overall = 3 if n in NEUTRAL else (5 if rng.random() < 0.7 else 4)
            sat = {k: max(1, min(5, overall - (1 if rng.random() < 0.2 else 0))) for k in survey.SATISFACTION_ITEMS}
            known = 5 - (rng.random() < 0.5) - (rng.random() < 0.3) - (rng.random() < 0.15)
            if n in KNOWS_NOT or n in NEUTRAL:
                known = 2
            awareness = {k: 1 if i < known else 0 for i, k in enumerate(survey.AWARENESS_ITEMS)}
            respondent = KNOWS_NOT.get(n) or ("家属" if n in FAMILY else "本人")
            call(attempt, at, survey.REACHED, respondent=respondent, knows_worker=n not in KNOWS_NOT,
                 awareness=awareness, satisfaction=sat, overall=overall, comment=COMMENTS.get(n, ""))

