"""The report as an editable Word draft (.docx, python-docx): the same blocks as the PDF
(core.report.document), so the same headings, paragraphs, tables, charts (as images) and annexes.

For the readers who edit and comment in Word (区民政局, 街道, the station): Chinese fonts are set for
East Asian text on every style and run (python-docx writes only the Latin font unless `w:eastAsia`
is set), the footer carries the page number as a PAGE field (and the version when one is issued),
and the header carries the draft mark while the pre-export check is not clean. The cover page has
neither header nor footer, as in the PDF. A rule module: bytes in, bytes out, no database.
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pypdfium2
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from core.report import document
from core.report import words as report_text
from core.report.pdf import chart_pdf

if TYPE_CHECKING:
    from core.report.data import ReportData

BODY_FONT = "宋体"          # what a Chinese official report is set in; Word/WPS substitute if absent
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
TEXT_WIDTH_MM = 160           # A4 less 25 mm margins, as the PDF
# paragraph style of the neutral model -> (Word style, size pt, bold, alignment, heading font)
STYLES = {
    "title": ("Title", 22, True, WD_ALIGN_PARAGRAPH.CENTER, True),
    "doc_title": ("Normal", 16, True, WD_ALIGN_PARAGRAPH.CENTER, True),
    "cover": ("Normal", 14, False, WD_ALIGN_PARAGRAPH.LEFT, False),
    "h1": ("Heading 1", 15, True, None, True),
    "h2": ("Heading 2", 12.5, True, None, True),
    "h3": ("Heading 3", 11.5, True, None, True),
    "body": ("Normal", 11, False, WD_ALIGN_PARAGRAPH.JUSTIFY, False),
    "plain": ("Normal", 11, False, WD_ALIGN_PARAGRAPH.JUSTIFY, False),
    "item": ("Normal", 11, False, WD_ALIGN_PARAGRAPH.JUSTIFY, False),
    "caption": ("Caption", 9, True, WD_ALIGN_PARAGRAPH.CENTER, True),
    "note": ("Normal", 9, False, WD_ALIGN_PARAGRAPH.LEFT, False),
    "sign": ("Normal", 12, False, WD_ALIGN_PARAGRAPH.RIGHT, False),
    "grade": ("Normal", 13, False, WD_ALIGN_PARAGRAPH.LEFT, False),
}


def set_fonts(rpr_owner, east_asia: str, size: float | None = None, bold: bool | None = None) -> None:
    """Latin and East Asian font of a run or a style (w:rFonts ascii/hAnsi/eastAsia; theme fonts removed,
    or Word would prefer them)."""
    font = rpr_owner.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = rpr_owner.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    fonts.set(qn("w:eastAsia"), east_asia)


def _styles(doc) -> None:
    set_fonts(doc.styles["Normal"], BODY_FONT, 11)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Caption"):
        st = doc.styles[name]
        set_fonts(st, HEADING_FONT)
        st.font.color.rgb = RGBColor(0, 0, 0)
        st.font.italic = False
        ppr = st.element.pPr
        for border in ([] if ppr is None else ppr.findall(qn("w:pBdr"))):   # the template's rule under 标题
            ppr.remove(border)


def _field(paragraph, instruction: str) -> None:
    """A field (PAGE, NUMPAGES) as Word writes it: begin, instruction, separate, a placeholder, end."""
    def char(kind):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el
    run = paragraph.add_run()
    set_fonts(run, BODY_FONT)
    run._r.append(char("begin"))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    run._r.append(char("separate"))
    placeholder = OxmlElement("w:t")
    placeholder.text = "1"
    run._r.append(placeholder)
    run._r.append(char("end"))


def _run(paragraph, text: str, east_asia: str = BODY_FONT, size: float | None = None, bold: bool | None = None,
         color: RGBColor | None = None):
    run = paragraph.add_run(text)
    set_fonts(run, east_asia, size, bold)
    if color is not None:
        run.font.color.rgb = color
    return run


class _Writer:
    """core.report.document's blocks into a python-docx Document."""

    def __init__(self, doc, data: ReportData):
        self.doc, self.data = doc, data
        self.first_page = True      # blocks before the first NewPage are the cover

    def blocks(self, blocks: list, keep: bool = False) -> None:
        for b in blocks:
            self.one(b, keep)

    def para(self, text: str, style: str, keep: bool = False):
        word_style, size, bold, align, heading = STYLES.get(style, STYLES["body"])
        p = self.doc.add_paragraph(style=word_style)
        if align is not None:
            p.alignment = align
        if style == "body":
            p.paragraph_format.first_line_indent = Pt(22)
        if keep or style in document.HEADINGS:
            p.paragraph_format.keep_with_next = True
        _run(p, text, HEADING_FONT if heading else BODY_FONT, size, bold)
        return p

    def one(self, b, keep: bool = False) -> None:
        if isinstance(b, document.Para):
            self.para(b.text, b.style, keep)
        elif isinstance(b, document.Tab):
            self.table(b)
        elif isinstance(b, (document.Keep, document.Signature)):
            self.blocks(b.blocks, keep=True)
        elif isinstance(b, document.Gap):
            self.doc.add_paragraph().paragraph_format.space_after = Pt(min(b.points, 200))
        elif isinstance(b, document.NewPage):
            self.new_page()
        elif isinstance(b, document.Cover):
            for k, v in b.lines:
                p = self.doc.add_paragraph()
                p.paragraph_format.left_indent = Cm(2.5)
                _run(p, f"{k}：", BODY_FONT, 14)
                _run(p, v, BODY_FONT, 14)
        elif isinstance(b, document.Grade):
            p = self.para(b.sentence, "grade")
            _run(p, b.grade, HEADING_FONT, 16, True, RGBColor(0x1F, 0x4E, 0x79))
        elif isinstance(b, document.Chart):
            self.chart(b.name)
        elif isinstance(b, document.Photos):
            self.photos(b.items)
        # CondNewPage: Word flows the text itself; LongTextAnnex: Word prints every text whole.

    def new_page(self) -> None:
        if self.first_page:     # the cover ends: the body gets its own section with header and footer
            self.doc.add_section(WD_SECTION.NEW_PAGE)
            self.first_page = False
        else:
            self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def table(self, b: document.Tab) -> None:
        ncols = max(len(r) for r in b.rows)
        t = self.doc.add_table(rows=len(b.rows), cols=ncols)
        t.style = self.doc.styles["Table Grid"]
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        for c, w in enumerate(b.widths[:ncols]):      # the PDF's column widths (w:gridCol and each w:tcW)
            t.columns[c].width = Pt(w)
        for r, row in enumerate(b.rows):
            header = r < b.header_rows
            if header:      # repeated at the top of each page
                trpr = t.rows[r]._tr.get_or_add_trPr()
                el = OxmlElement("w:tblHeader")
                el.set(qn("w:val"), "true")
                trpr.append(el)
            for c in range(ncols):
                cell = t.cell(r, c)
                cell.width = Pt(b.widths[c]) if c < len(b.widths) else cell.width
                p = cell.paragraphs[0]
                if header or c >= b.align_center_from:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                text = row[c] if c < len(row) and isinstance(row[c], str) else ""
                _run(p, text, HEADING_FONT if header else BODY_FONT, 9, True if header else None)

    def chart(self, name: str) -> None:
        pdf = chart_pdf(self.data, name)
        if pdf is None:
            return
        page = pypdfium2.PdfDocument(pdf)[0]
        image = page.render(scale=200 / 72).to_pil()
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        self.doc.add_picture(io.BytesIO(buf.getvalue()), width=Mm(TEXT_WIDTH_MM))
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.doc.paragraphs[-1].paragraph_format.keep_with_next = True

    def photos(self, items: list[dict]) -> None:
        for it in items:
            w, h = it.get("width") or 4, it.get("height") or 3
            width = Mm(76) if w >= h else Mm(76 * w / h)
            self.doc.add_picture(io.BytesIO(it["data"]), width=width)
            self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            self.para(it["caption"] or it["filename"], "caption")


def _header_footer(doc, data: ReportData, draft: bool, version: str) -> None:
    """The body section: the title (and the draft mark) in the header; 评估方, date, version and the page
    number as fields in the footer. The cover section has neither."""
    cover, body = doc.sections[0], doc.sections[-1]
    body.header.is_linked_to_previous = False
    body.footer.is_linked_to_previous = False
    for part in (cover.header, cover.footer):
        part.paragraphs[0].text = ""
    h = body.header.paragraphs[0]
    h.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(h, data.title, BODY_FONT, 9)
    if draft:
        d = body.header.add_paragraph()
        d.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(d, "草稿（导出前检查未通过，不作为正式评估报告）", HEADING_FONT, 12, True, RGBColor(0xC0, 0x50, 0x4D))
    f = body.footer.paragraphs[0]
    f.alignment = WD_ALIGN_PARAGRAPH.CENTER
    left = f"{data.assessment.get('evaluator_org') or ''}  ·  评估日期 {report_text.date_cn(data.assessment.get('visit_date'), False)}"
    _run(f, left + (f"  ·  {version}" if version else "") + "    第 ", BODY_FONT, 9)
    _field(f, "PAGE")
    _run(f, " 页 / 共 ", BODY_FONT, 9)
    _field(f, "NUMPAGES")
    _run(f, " 页", BODY_FONT, 9)


def build_docx(data: ReportData, draft_items: list[str] | None = None, version: str = "") -> bytes:
    """The report (core.report.document's blocks) as .docx bytes; with `draft_items` the header carries the
    draft mark and the items are listed at the end, as in the PDF; `version` goes on the cover and footer."""
    doc = Document()
    for s in doc.sections:
        s.page_width, s.page_height = Mm(210), Mm(297)
        s.left_margin = s.right_margin = Mm(25)
        s.top_margin, s.bottom_margin = Mm(25), Mm(22)
    _styles(doc)
    props = doc.core_properties
    props.title, props.subject = data.title, "社工站评估报告"
    props.author = data.assessment.get("evaluator_org") or ""
    _Writer(doc, data).blocks(document.compose(data, draft_items, version))
    _header_footer(doc, data, bool(draft_items), version)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
