"""Sample calls of the guarded writers of db/assessments.py (see tests/guard_calls/__init__.py)."""
from __future__ import annotations

from db.assessments import list_areas

from . import Call


def _no_scores(ctx):
    ctx.db.execute("DELETE FROM scores WHERE assessment_id = ?", [ctx.aid])


def _spare_member(ctx):
    ctx.db.execute("INSERT OR IGNORE INTO members (assessment_id, name, role, pin_hash, created_at)"
                   " VALUES (?, '误加成员', 'expert', 'x', '')", [ctx.aid])


def _spare(ctx):
    return ((ctx.one("SELECT id FROM members WHERE assessment_id = ? AND name = '误加成员'", [ctx.aid]),), {})


def _city_framework(ctx):
    import json

    from core.framework.model import shipped_framework_data
    return (("gz-2019-city", 1, json.dumps(shipped_framework_data()["gz-2019-city"], ensure_ascii=False)), {})


def _areas_renamed(ctx):
    station_id = ctx.one("SELECT station_id FROM assessments WHERE id = ?", [ctx.aid])
    areas = [{"code": x["code"], "name": x["name"], "communities": x["communities"]} for x in list_areas(ctx.db, station_id)]
    areas[0]["name"] += "（新）"
    return (areas,), {}


CALLS = [
    Call("assessments.update_station", "lead", "expert", lambda ctx: ((), {"name": "元岗街社工服务站（新）"})),
    Call("assessments.update_assessment", "lead", "expert", lambda ctx: ((), {"period_label": "2099 年度"})),
    Call("assessments.set_areas", "lead", "expert", _areas_renamed),
    Call("assessments.add_member", "lead", "expert", lambda ctx: (("新专家", "expert", "pbkdf2_sha256$1$00$00", [("A", "")]), {})),
    Call("assessments.set_pin", "lead", "staff", lambda ctx: ((ctx.ids["expert"], "pbkdf2_sha256$1$00$00"), {})),
    Call("assessments.set_assignments", "lead", "expert2", lambda ctx: ((ctx.ids["expert2"], [("A", "")]), {})),
    Call("assessments.set_locked", "lead", "expert", lambda ctx: ((True,), {}), when_locked=True),
    Call("assessments.set_scores_revealed", "lead", "expert", lambda ctx: ((True,), {})),
    Call("assessments.set_framework", "lead", "expert", _city_framework, prepare=_no_scores),
    Call("assessments.rename_member", "lead", "expert", lambda ctx: ((ctx.ids["expert"], "林晓红（新）"), {})),
    Call("assessments.remove_member", "lead", "expert", _spare, prepare=_spare_member),
    Call("assessments.set_member_active", "lead", "expert", lambda ctx: ((ctx.ids["expert2"], False), {})),
    Call("assessments.delete_assessment", "lead", "staff", lambda ctx: (("#1 示例",), {})),
]


def _locked_out(ctx):
    """The demo's first expert has wrong-PIN counters (a lockout) to lift."""
    import time

    expert = ctx.one("SELECT id FROM members WHERE assessment_id = ? AND role = 'expert' ORDER BY id", [ctx.aid])
    ctx.db.execute("INSERT OR REPLACE INTO login_throttle (assessment_id, kind, subject, failures, refused,"
                   " last_failure_at, locked_until) VALUES (?, 'member', ?, 10, 3, ?, ?)",
                   [ctx.aid, str(expert), time.time(), time.time() + 900])


def _the_expert(ctx):
    expert = ctx.one("SELECT id FROM members WHERE assessment_id = ? AND role = 'expert' ORDER BY id", [ctx.aid])
    return ("member", str(expert), "专家"), {}


CALLS.append(Call("logins.unlock", "lead", "expert", _the_expert, when_locked=True, prepare=_locked_out))
