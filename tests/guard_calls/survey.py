"""Sample calls of the survey's guarded writers (db/survey.py) on the demo.

The demo has an active sample of 100 (+10 unassigned reserves) with every main item's
calls recorded by 黄小燕 (staff) and 林晓红 (expert).
"""
from __future__ import annotations

import datetime as _dt

from tests.guard_calls import Call

LIVE_AFTER = "2000-01-01T00:00:00"


def _sample(ctx) -> int:
    return ctx.one("SELECT id FROM survey_samples WHERE assessment_id = ? AND active = 1", [ctx.aid])


def _staff_item(ctx) -> int:
    """An item of the active sample assigned to the staff member."""
    return ctx.one("SELECT id FROM survey_items WHERE sample_id = ? AND caller_id = ? ORDER BY position LIMIT 1",
                   [_sample(ctx), ctx.ids["staff"]])


def _reserve_item(ctx) -> int:
    return ctx.one("SELECT id FROM survey_items WHERE sample_id = ? AND reserve = 1 ORDER BY position LIMIT 1",
                   [_sample(ctx)])


def _give_staff_a_reserve(ctx) -> None:
    """A client still to call: the first reserve, assigned to the staff member."""
    ctx.db.execute("UPDATE survey_items SET caller_id = ? WHERE id = ?", [ctx.ids["staff"], _reserve_item(ctx)])


def _staff_claims_an_item(ctx) -> None:
    ctx.db.execute("UPDATE survey_items SET claimed_by = ?, claimed_at = ? WHERE id = ?",
                   [ctx.ids["staff"], _dt.datetime.now().isoformat(timespec="seconds"), _staff_item(ctx)])


def _draw(ctx):
    clients = [r[0] for r in ctx.db.execute("SELECT id FROM clients WHERE assessment_id = ? ORDER BY id",
                                            [ctx.aid]).fetchall()]
    drawn = {"seed": "1", "register_hash": "h" * 64, "size": 100, "sample": clients[:100], "reserve": clients[100:103],
             "register_persons": len(clients)}
    return (drawn,), {"confirm_redraw": True}


NO_ANSWER = {"outcome": "无人接听", "respondent": "", "knows_worker": None, "awareness": "{}", "satisfaction": "{}",
             "overall": None, "comment": ""}

CALLS = [
    Call("survey.draw", "lead", "expert", _draw),
    Call("survey.withdraw", "lead", "staff", lambda ctx: ((), {"confirm": True})),
    Call("survey.assign", "lead", "staff", lambda ctx: (([(_reserve_item(ctx), ctx.ids["staff"])],), {})),
    Call("survey.claim", "staff", "expert",
         lambda ctx: ((_staff_item(ctx), "2030-01-01T00:00:00", LIVE_AFTER, "2029-12-31T23:55:00"), {})),
    Call("survey.release", "staff", "expert", lambda ctx: ((_staff_item(ctx),), {}), prepare=_staff_claims_an_item),
    Call("survey.record_call", "staff", "expert",
         lambda ctx: ((_reserve_item(ctx), 1, NO_ANSWER, "2030-01-01T09:00:00", LIVE_AFTER), {}),
         prepare=_give_staff_a_reserve),
]

# The caller's script is the lead's to word.
CALLS.append(Call("survey.set_script_text", "lead", "staff", lambda ctx: (("opening", "您好，我是评估机构的回访员。"), {})))
