"""One expert's printable score sheet (专家评分表) as a PDF: their scores, notes and findings,
the date, and a signature line. Pure layout over the data core.scoring.signoff.score_sheet gathers;
the report's fonts (core.report.fonts), styles, tables and page decoration (core.report.pdf).
"""
from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, KeepTogether, PageTemplate, Spacer

from core.report import words as report_text
from core.report.fonts import register_cjk_font, report_fonts
from core.labels import FINDING_KINDS
from core.numbers import fmt_number
from core.report.pdf import (MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PAGE_H, TEXT_W, LongTexts, _NumberedCanvas, _p, _styles, _table,
                  cell_limit, draw_draft_mark, long_text_annex)


def score_text(row: dict) -> str:
    """'8.5', '不适用', or '' (not scored): never 'None'; a score revised after submitting reads
    '初评 7 → 8.5'."""
    now = "不适用" if row.get("na") else "" if row.get("value") is None else fmt_number(row["value"])
    if row.get("first") is not None:
        return f"初评 {row['first'] or '—'} → {now or '—'}"
    return now


def build_story(sheet: dict, S) -> list:
    story = [_p(sheet["title"], S["doc_title"]),
             _p(f"评估专家：{sheet['member_name']}（{sheet['role_label']}）　　评估日期：{report_text.date_cn(sheet['visit_date'])}",
                S["plain"]),
             _p(sheet["status"], S["plain"]), Spacer(1, 4)]
    long = LongTexts()   # notes too long for their cell: shortened there, in full in 长文本全文 at the end
    widths = [14 * mm, 50 * mm, 13 * mm, 22 * mm, TEXT_W - 99 * mm]   # 得分 holds '初评 7 → 8.5'
    for g in sheet["groups"]:
        story.append(_p(g["label"], S["h2"]))
        rows = [["指标", "名称", "满分", "得分", "备注"]]
        for r in g["rows"]:
            note = long.cell(r["note"], f"{g['label']} {r['code']} 备注", cell_limit(widths[4]))
            rows.append([r["code"], r["name"], fmt_number(r["points"]), score_text(r), _p(note, S["cell"])])
        rows.append(["小计", "", fmt_number(g["points"]), g["subtotal"], f"已评 {g['scored']} / {len(g['rows'])}"])
        story.append(_table(rows, widths, S, align_center_from=2, bold_last=True, long=long, where=g["label"]))
        for kind, label in FINDING_KINDS.items():
            texts = [f["text"] for f in g["findings"] if f["kind"] == kind]
            if texts:
                story.append(_p(f"{label}：", S["h3"]))
                story += [_p(f"{n}. {t}", S["item"]) for n, t in enumerate(texts, 1)]
    if sheet["other_findings"]:
        story.append(_p("其他意见", S["h2"]))
        story += [_p(f"{n}. 【{f['section_label']}·{FINDING_KINDS.get(f['kind'], f['kind'])}】{f['text']}", S["item"])
                  for n, f in enumerate(sheet["other_findings"], 1)]
    story += long_text_annex(long, S)
    story.append(Spacer(1, 6))
    story.append(_p(f"合计：已评 {sheet['scored']} / 分配 {sheet['assigned']} 个评分单元。", S["plain"]))
    story.append(KeepTogether([
        Spacer(1, 14 * mm),
        _p("本人确认以上评分与意见为本人独立作出。", S["plain"]),
        Spacer(1, 8 * mm),
        _p("专家签名：____________________　　日期：________年____月____日", S["sign"]),
        _p(f"打印时间：{sheet['printed_at'].replace('T', ' ')[:16]}", S["note"]),
    ]))
    return story


def build_sheet_pdf(sheet: dict) -> bytes:
    """The score sheet as PDF bytes (A4; header with the title, footer with page numbers)."""
    font = register_cjk_font()
    heading, body = report_fonts()
    S = _styles(body, heading)
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                          bottomMargin=MARGIN_BOTTOM, title=sheet["title"], author=sheet["member_name"],
                          subject="专家评分表", creator="社工站现场评估台", initialFontName=font,
                          initialFontSize=11, invariant=1)
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, TEXT_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="f")
    # A blank first page template is not wanted here: the canvas below decorates every page.
    if sheet["submitted"]:
        doc.addPageTemplates([PageTemplate("sheet", [frame])])
    else:
        doc.addPageTemplates([PageTemplate("sheet", [frame], onPage=_watermark)])

    class Canvas_(_SheetCanvas):
        pass

    Canvas_.title, Canvas_.font, Canvas_.draft = sheet["header"], font, False
    Canvas_.footer_left = f"{sheet['member_name']} · 专家评分表"
    doc.build(build_story(sheet, S), canvasmaker=Canvas_)
    return buf.getvalue()


class _SheetCanvas(_NumberedCanvas):
    """The report's page decoration on every page (a score sheet has no cover)."""

    def save(self):
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            self._pageNumber += 1          # the report's numbering skips a cover page
            self._decorate(total + 1)
            self._pageNumber -= 1
            if self.draft:
                self._watermark()
            super(_NumberedCanvas, self).showPage()
        super(_NumberedCanvas, self).save()


def _watermark(canvas, doc) -> None:
    """A light 「草稿」 drawn before the page's content (the scores stay legible) while the expert
    has not submitted."""
    draw_draft_mark(canvas, "#e8e8e8")
