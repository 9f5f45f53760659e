"""Issued versions of the report (a use case): each copy sent out — 初稿 1, 初稿 2, …, 定稿 — is made with
its version printed on the cover and in the footer, then recorded with its date, recipient, format and
the SHA-256 of the very bytes handed over (db/report_versions.py). The feedback the recipients send
back is attached to the version it answers. A 定稿 is issued only when the pre-export check has no
blocking item and the assessment is locked (so nothing can change between the check and the file).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from db import report_versions as store

from core.assessment import team
from core.errors import DataError
from core.labels import REPORT_FORMATS
from core.report import check as report_check
from core.report.make import preexport_check, report_file


@dataclass(frozen=True)
class Issued:
    version: dict        # the recorded row (label, recipient, format, sha256, …)
    data: bytes          # the file as sent


def versions(db, assessment_id: int) -> list[dict]:
    """Every version issued, in order."""
    return store.list_versions(db, assessment_id)


def final_refusal(db, assessment_id: int) -> str | None:
    """Why a 定稿 cannot be issued now (Chinese), or None when it can."""
    if not team.is_locked(db, assessment_id):
        return "定稿只能在评估锁定后发出：请先在「评估设置」锁定评估（锁定后内容不再改变）。"
    items = report_check.blocking(preexport_check(db, assessment_id))
    if items:
        return (f"导出前检查尚有 {len(items)} 项须处理，不能发出定稿：" + "；".join(i.message for i in items[:5])
                + ("等" if len(items) > 5 else ""))
    return None


def issue(db, assessment_id: int, member_id: int, kind: str, recipient: str, fmt: str,
          evidence: bool = False, note: str = "") -> Issued:
    """Make the report as the next version of `kind` ('draft' or 'final') in `fmt` ('pdf' or 'docx') and
    record it as sent to `recipient`. Refuses (DataError) a 定稿 while `final_refusal` says why not."""
    if fmt not in REPORT_FORMATS:
        raise DataError(f"报告格式“{fmt}”无效（应为 PDF 或 Word）")
    if not (recipient or "").strip():
        raise DataError("请填写报告的发送对象（如区民政局、街道办事处、社工站）。")
    if kind == "final":
        why = final_refusal(db, assessment_id)
        if why:
            raise DataError(why)
    label = store.next_label(db, assessment_id, kind)
    data = report_file(db, assessment_id, fmt, evidence=evidence, version=label)
    vid = store.issue_version(db, assessment_id, member_id, kind, label, recipient, fmt,
                              hashlib.sha256(data).hexdigest(), len(data), note)
    row = next(v for v in store.list_versions(db, assessment_id) if v["id"] == vid)
    return Issued(row, data)


def record_feedback(db, assessment_id: int, member_id: int, version_id: int, text: str) -> bool:
    """The feedback received on a version (评估反馈 on the 初稿 it answers)."""
    return store.record_feedback(db, assessment_id, member_id, version_id, text)
