"""The team's meeting state in words: the lead's view of each laptop (dashboard, 团队同步 page) and a
joined laptop's view of itself (whose copy, when it last met the lead's, what waits to be sent)."""
from __future__ import annotations

import datetime as _dt
import json

from db import sync as sync_db
from core.labels import ROLES, SYNC_VIA, label


def ago(ts: str | None, now: _dt.datetime | None = None) -> str:
    """'从未' / '刚刚' / '12 分钟前（10:32）' / '3 小时前（07:05）' / the date for older."""
    if not ts:
        return "从未"
    try:
        t = _dt.datetime.fromisoformat(ts)
    except ValueError:
        return ts
    now = now or _dt.datetime.now()
    secs = (now - t).total_seconds()
    clock = t.strftime("%H:%M")
    if secs < 60:
        return f"刚刚（{t.strftime('%H:%M:%S')}）"
    if secs < 3600:
        return f"{int(secs // 60)} 分钟前（{clock}）"
    if secs < 86400:
        return f"{int(secs // 3600)} 小时前（{clock}）"
    return t.strftime("%Y-%m-%d %H:%M")


def team_view(db, assessment_id: int, now: _dt.datetime | None = None) -> list[dict]:
    """One row per member holding a pack: who, when the laptop last met the lead's (and how), how
    many changes it held unconfirmed then, how many were applied, open conflicts and late changes."""
    out = []
    for m in sync_db.members(db, assessment_id):
        out.append({"成员": m["name"], "角色": label(ROLES, m["role"]), "任务包导出": ago(m["issued_at"], now),
                    "上次同步": ago(m["last_met_at"], now), "方式": label(SYNC_VIA, m["last_via"]),
                    "当时待传变更": m["waiting"], "本次应用": m["last_applied"],
                    "待裁定冲突": m["open_conflicts"], "锁定后到达": m["late"]})
    return out


def open_count(db, assessment_id: int) -> int:
    return len(sync_db.conflicts(db, assessment_id, "open"))


def laptop_view(db, assessment_id: int | None = None, now: _dt.datetime | None = None) -> dict | None:
    """Whose copy this database is (None on the lead's): name, role, when it last met the lead's,
    the changes waiting to be sent, the last error, the lead's addresses."""
    p = sync_db.peer(db, assessment_id)
    if p is None:
        return None
    return {"assessment_id": p["assessment_id"], "member_name": p["member_name"], "role": label(ROLES, p["role"]),
            "last_met": ago(p["last_met_at"], now), "met": bool(p["last_met_at"]),
            "pending": sync_db.pending_count(db, p["assessment_id"]), "error": p["last_error"] or "",
            "tried": ago(p["last_tried_at"], now), "lead_urls": json.loads(p["lead_urls"] or "[]")}
