"""Sample calls of the guarded writers of db/scores.py and db/findings.py (demo: expert 林晓红
scores sections A and C, expert2 王建华 section B in P1 and P2)."""
from __future__ import annotations

from tests.guard_calls import Call


def _finding_of(ctx, member: str) -> int:
    """A live finding written by `member` in the demo."""
    fid = ctx.one("SELECT id FROM findings WHERE assessment_id = ? AND member_id = ? AND deleted = 0"
                  " ORDER BY id LIMIT 1", [ctx.aid, ctx.ids[member]])
    assert fid is not None, f"the demo has no finding by {member}"
    return fid


def _submitted_a1(ctx) -> None:
    """林晓红 has scored A1 (the demo) and submitted her sections."""
    ctx.db.execute("INSERT OR REPLACE INTO submissions (assessment_id, member_id, submitted_at) VALUES (?, ?, ?)",
                   [ctx.aid, ctx.ids["expert"], "2025-02-27T15:00:00.000"])


CALLS = [
    # An expert's own cell; staff may not score.
    Call("scores.save_score", "expert", "staff", lambda ctx: (("A1", "", "A"), {"note": "守卫测试备注"})),
    # Ownership: 王建华 (section B only) may not score A1.
    Call("scores.save_score", "expert", "expert2", lambda ctx: (("A1", "", "A"), {"note": "守卫测试备注"})),
    # A per-片区 cell of an expert assigned the section in that 片区.
    Call("scores.save_score", "expert2", "expert", lambda ctx: (("B1", "P1", "B"), {"note": "片区备注"})),
    # After submitting, an expert revises their own score with a reason; staff score nothing.
    Call("scores.revise_score", "expert", "staff",
         lambda ctx: (("A1", "", 1.0, False, {}, "missed_evidence", "补看了培训记录"), {}), prepare=_submitted_a1),
    Call("scores.save_override", "lead", "expert",
         lambda ctx: (("A1", ""), {"value": 1.0, "reason": "组长复核后调整"})),
    Call("scores.save_party_score", "lead", "expert", lambda ctx: (("purchaser", 77.0, "守卫测试评语"), {})),
    Call("scores.save_veto", "lead", "expert", lambda ctx: (("finance", True, "守卫测试"), {})),
    Call("findings.add_finding", "expert", "staff", lambda ctx: (("A", "concern", "守卫测试意见"), {})),
    # Other parties' findings are the lead's.
    Call("findings.add_finding", "lead", "expert", lambda ctx: (("party:purchaser", "strength", "购买方意见"), {})),
    # Own findings only: 王建华 may not change 林晓红's.
    Call("findings.update_finding", "expert", "expert2",
         lambda ctx: ((_finding_of(ctx, "expert"),), {"text": "守卫测试改写"})),
    Call("findings.delete_finding", "expert", "expert2", lambda ctx: ((_finding_of(ctx, "expert"),), {})),
]
