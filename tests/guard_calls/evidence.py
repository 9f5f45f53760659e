"""Sample calls of the interview and evidence writers (db/interviews.py, db/attachments.py): lead and
experts write; a finding's evidence is its author's (and the lead's)."""
from __future__ import annotations

import io

from tests.guard_calls import Call


def _photo() -> dict:
    from PIL import Image

    from core.station.evidence import prepare

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "JPEG")
    return prepare("现场照片.jpg", buf.getvalue())


def _finding_of(ctx, member: str) -> int:
    return ctx.one("SELECT id FROM findings WHERE assessment_id = ? AND member_id = ? AND deleted = 0"
                   " ORDER BY id LIMIT 1", [ctx.aid, ctx.ids[member]])


def _add_interview(ctx) -> None:
    ctx.db.execute("INSERT INTO interviews (assessment_id, group_code, role, name, points, member_id, updated_at)"
                   " VALUES (?, 'worker', '片区一社工', '李明华', '熟悉兜底对象', ?, '2025-02-27T10:00:00')",
                   [ctx.aid, ctx.ids["expert"]])


def _interview(ctx) -> int:
    return ctx.one("SELECT MIN(id) FROM interviews WHERE assessment_id = ?", [ctx.aid])


def _add_attachment(ctx) -> None:
    f = _photo()
    ctx.db.execute("INSERT INTO attachments (assessment_id, finding_id, filename, mime, data, thumb, width, height,"
                   " size, original_size, member_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [ctx.aid, _finding_of(ctx, "expert"), f["filename"], f["mime"], f["data"], f["thumb"], f["width"],
                    f["height"], f["size"], f["original_size"], ctx.ids["expert"], "2025-02-27T10:00:00"])


def _attachment(ctx) -> int:
    return ctx.one("SELECT MIN(id) FROM attachments WHERE assessment_id = ?", [ctx.aid])


CALLS = [
    Call("interviews.save_interview", "expert", "staff",
         lambda ctx: (({"group_code": "client", "role": "服务对象家属", "points": "社工每月探访"},), {})),
    Call("interviews.save_interview", "lead", "staff",
         lambda ctx: (({"quotes": "“社工很耐心”"},), {"interview_id": _interview(ctx)}), prepare=_add_interview),
    Call("interviews.delete_interview", "expert2", "staff", lambda ctx: ((_interview(ctx),), {}),
         prepare=_add_interview),
    # A finding's evidence: its author may attach, another expert may not.
    Call("attachments.add_attachment", "expert", "expert2",
         lambda ctx: (("finding", _finding_of(ctx, "expert"), _photo()), {"personal": False})),
    Call("attachments.add_attachment", "expert2", "staff",
         lambda ctx: (("site_record", ctx.one("SELECT MIN(id) FROM site_records WHERE assessment_id = ?", [ctx.aid]),
                       _photo()), {})),
    Call("attachments.update_attachment", "expert", "expert2", lambda ctx: ((_attachment(ctx),), {"personal": True}),
         prepare=_add_attachment),
    Call("attachments.delete_attachment", "lead", "expert2", lambda ctx: ((_attachment(ctx),), {}),
         prepare=_add_attachment),
]
