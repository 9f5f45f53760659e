"""Sample calls of the report's guarded writers (db/report.py, db/transfer.py): the lead's only."""
from __future__ import annotations

from db import report as R
from db import report_versions as RV
from tests.guard_calls import Call


def _refs(ctx, n=2):
    return [it["ref"] for it in R.group_items(ctx.db, ctx.aid, "A", "", "concern")[:n]]


CALLS = [
    Call("report.update_item", "lead", "expert", lambda ctx: ((_refs(ctx)[0], "组长改写的报告条目。"), {})),
    Call("report.move_item", "lead", "expert", lambda ctx: ((_refs(ctx)[1], -1), {})),
    Call("report.merge_items", "lead", "expert", lambda ctx: ((_refs(ctx),), {})),
    Call("report.remove_item", "lead", "staff", lambda ctx: ((_refs(ctx)[0],), {})),
    Call("report.add_item", "lead", "expert2", lambda ctx: (("A", "", "concern", "组长补充的一条意见。"), {})),
    Call("report.reset_group", "lead", "expert", lambda ctx: (("A", "", "concern"), {})),
    Call("report.set_text", "lead", "expert", lambda ctx: (("closing", "组长写的结语。"), {})),
    Call("transfer.record_export", "lead", "expert", lambda ctx: (("xlsx",), {}), when_locked=True),
    Call("report_versions.issue_version", "lead", "expert",
         lambda ctx: (("draft", RV.next_label(ctx.db, ctx.aid, "draft"), "天河区民政局", "pdf", "0" * 64, 1000), {}),
         when_locked=True),
    Call("report_versions.record_feedback", "lead", "staff",
         lambda ctx: ((_version(ctx), "区民政局：对初稿无异议。"), {}), prepare=lambda ctx: _issue(ctx)),
]


def _issue(ctx) -> None:
    if not RV.list_versions(ctx.db, ctx.aid):
        RV.issue_version(ctx.db, ctx.aid, ctx.ids["lead"], "draft", "初稿 1", "元岗街道办事处", "docx", "1" * 64, 2000)


def _version(ctx) -> int:
    return RV.list_versions(ctx.db, ctx.aid)[0]["id"]
