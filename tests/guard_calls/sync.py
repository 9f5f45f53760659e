"""Sample calls of the guarded writers of db/sync.py (issue 23: packs, merges, pulls, conflicts)."""
from __future__ import annotations

from tests.guard_calls import Call


def _open_conflict(ctx) -> None:
    """An open conflict on 林晓红's A1 score, as a merge keeps it."""
    ctx.db.execute("INSERT INTO sync_conflicts (assessment_id, kind, member_id, tbl, uid, seq, base_version,"
                   " theirs_version, theirs, ours_version, ours, received_at) VALUES (?, 'conflict', ?, 'scores',"
                   " ?, 3, 'b', 't', '{\"value\": 1.0}', 'o', '{\"value\": 3.0}', '2025-02-27T15:00:00')",
                   [ctx.aid, ctx.ids["expert"], f"s:{ctx.ids['expert']}:A1:"])


def _conflict_id(ctx) -> int:
    return ctx.one("SELECT MAX(id) FROM sync_conflicts WHERE assessment_id = ?", [ctx.aid])


def _merge_plan(ctx) -> dict:
    return {"bundle_id": "guard", "apply": [], "seqs": [("scores", "s:9:A1:", 7)],
            "conflicts": [{"kind": "late", "tbl": "scores", "uid": "s:9:A1:", "seq": 7, "base_version": None,
                           "theirs_version": "t", "theirs": "{}", "ours_version": None, "ours": None, "files": "{}"}],
            "counts": {"applied": 0, "unchanged": 0, "conflicts": 1, "late": 1},
            "meeting": {"via": "file", "received": 1, "waiting": 1}}


CALLS = [
    Call("sync.issue_pack", "lead", "expert", lambda ctx: ((ctx.ids["expert"], "5" * 64, "guardpack"), {})),
    # Any member's laptop sends its own bundle; kept (late) even on a locked assessment.
    Call("sync.merge_changes", "expert", None, lambda ctx: ((_merge_plan(ctx),), {}), when_locked=True),
    Call("sync.decide_conflict", "lead", "expert", lambda ctx: ((_conflict_id(ctx), "ours", None), {}),
         prepare=_open_conflict),
    # On a laptop: what the lead sent back (the lock among it), so allowed on a locked assessment.
    Call("sync.apply_pull", "expert", None,
         lambda ctx: (({"status": None, "members": [], "ops": [], "failed": [],
                        "confirm": [("scores", f"s:{ctx.ids['expert']}:A1:", "v1", None)]},), {}), when_locked=True),
]
