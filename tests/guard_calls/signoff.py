"""Sample calls of the guarded writers of db/submissions.py (an expert's sign-off; the lead reopens)."""
from __future__ import annotations

from tests.guard_calls import Call


def _submitted(ctx) -> None:
    """林晓红 has submitted her sections."""
    ctx.db.execute("INSERT OR REPLACE INTO submissions (assessment_id, member_id, submitted_at) VALUES (?, ?, ?)",
                   [ctx.aid, ctx.ids["expert"], "2025-02-27T15:00:00.000"])


CALLS = [
    # Staff score nothing, so they submit nothing.
    Call("submissions.submit", "expert", "staff", lambda ctx: ((), {})),
    # Only the lead reopens.
    Call("submissions.reopen", "lead", "expert2", lambda ctx: ((ctx.ids["expert"], "补评 A3"), {}), prepare=_submitted),
]

# The agenda of the day is the lead's.
CALLS.append(Call("dayplan.replace_stages", "lead", "expert", lambda ctx: (([
    {"code": "intro", "name": "听取介绍", "starts": "09:00", "ends": "09:30", "note": ""},
    {"code": "", "name": "午餐", "starts": "12:00", "ends": "13:00", "note": "社工站食堂"}],), {})))
