"""The report's outputs, made from the gathered data: the pre-export check, the report page's view,
the PDF, the Word draft (the same blocks, core.report.document), and an expert's score sheet.

core.report.data gathers (and knows nothing of the layout or the check); this module puts the pieces
together, so gathering never calls the PDF builder or the check back.
"""
from __future__ import annotations

from dataclasses import dataclass

from core import derived
from core.privacy import scrubber
from core.report import check as report_check
from core.report import words as report_text
from core.report import data as report_data
from core.report.data import ReportData
from core.scoring import signoff
from core.store import open_db


def preexport_check(db, assessment_id: int, data: ReportData | None = None) -> list:
    """core.report.check.check of the assessment: every item missing or inconsistent, blocking first."""
    data = data or report_data.gather(db, assessment_id)
    return report_check.check(data, scrubber(db, assessment_id))


@dataclass(frozen=True)
class ReportPage:
    """What the report page shows of the report: the data, the pre-export check, the 建议 draft."""
    data: ReportData
    checks: list
    closing_draft: list[str]


def page_view(db, assessment_id: int) -> ReportPage:
    """The report page's data, pre-export check and 建议 draft, gathered once per change of the
    assessment's data (core.derived: any write, from any connection or process, changes the
    mark stored in the database) and reused by every rerun in between: a widget change reads
    one mark instead of the whole report. Shared between sessions: read-only. The PDF gathers
    afresh (`report_pdf`), with the time of its making."""
    def build():
        data = report_data.gather(db, assessment_id)
        return ReportPage(data, preexport_check(db, assessment_id, data), report_text.closing_points_draft(data))
    return derived.by_data(db, assessment_id, "report_page", build)


def report_pdf(db, assessment_id: int, progress=None, evidence: bool = False, version: str = "") -> bytes:
    """The final report of an assessment as PDF bytes (gathered, then laid out by core.report.pdf); a draft
    with a 「草稿」 watermark while the pre-export check has blocking items. `evidence=True` adds the
    evidence annex (each finding's evidence; photos marked personal are never printed); `version` (an
    issued version's label) is printed on the cover and in the footer."""
    # Imported here: reportlab (~12 MB of the server's memory) is loaded by the first PDF made, not by every
    # page that shows the report's figures (page_view: the report page, the lead's day plan) (issue 27).
    from core.report.pdf import build_pdf

    progress = progress or (lambda f, m: None)
    progress(0.0, "读取评估数据")
    data = report_data.gather(db, assessment_id, evidence=evidence)
    items = report_check.blocking(preexport_check(db, assessment_id, data))
    return build_pdf(data, progress, [i.message for i in items], version)


def report_docx(db, assessment_id: int, evidence: bool = False, version: str = "") -> bytes:
    """The same report as an editable Word draft (core.report.word renders the same blocks as the PDF);
    the draft mark is in its header while the pre-export check has blocking items."""
    # Imported here: python-docx and pypdfium2 take ~0.3 s to load, paid only when a Word draft is made,
    # not by every start of the report page (core.report.word imports nothing that imports this module).
    from core.report.word import build_docx

    data = report_data.gather(db, assessment_id, evidence=evidence)
    items = report_check.blocking(preexport_check(db, assessment_id, data))
    return build_docx(data, [i.message for i in items], version)


FORMATS = {".pdf": "pdf", ".docx": "docx"}


def report_file(db, assessment_id: int, fmt: str, evidence: bool = False, version: str = "") -> bytes:
    """The report in the format asked for: 'pdf' or 'docx'."""
    if fmt == "docx":
        return report_docx(db, assessment_id, evidence, version)
    return report_pdf(db, assessment_id, evidence=evidence, version=version)


def report_docx_download(path: str, assessment_id: int, evidence: bool = False) -> bytes:
    """report_docx on its own connection to the database file (the page's deferred Word download builds
    the file outside the page's script run)."""
    db = open_db(path, migrated=False)
    try:
        return report_docx(db, assessment_id, evidence)
    finally:
        db.conn.close()


# ---------- an expert's score sheet ----------

def score_sheet_pdf(db, assessment_id: int, member_id: int) -> bytes:
    """The member's score sheet as PDF bytes (the scoring page's button and `python -m core scoresheet`)."""
    # Imported here, as build_pdf above: the scoring and dashboard pages offer this download on every run.
    from core.report.sheet_pdf import build_sheet_pdf

    return build_sheet_pdf(signoff.score_sheet(db, assessment_id, member_id))


def score_sheet_download(path: str, assessment_id: int, member_id: int) -> bytes:
    """score_sheet_pdf on its own connection to the database file (the page's deferred download
    button builds the file outside the page's script run)."""
    db = open_db(path, migrated=False)
    try:
        return score_sheet_pdf(db, assessment_id, member_id)
    finally:
        db.conn.close()
