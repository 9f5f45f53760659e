"""The final report as a PDF (reportlab), following the sample report's structure (SPEC §7).

One embedded TrueType CJK font (core.report.fonts, subset) for every style, table,
chart label, header and footer; the canvas's initial font is that font too, so
no non-embedded base-14 font is ever referenced. Characters that font lacks
(CJK Ext-B, emoji) are drawn in embedded TrueType fallback fonts: every text
goes through core.report.fonts.runs() — paragraphs and table cells via _p()/markup(),
header and footer via _draw_runs(), chart labels via _fallback_strings().
"""
from __future__ import annotations

import copy
import io
from typing import TYPE_CHECKING, Callable

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, Group, Line, String, UserNode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (BaseDocTemplate, CondPageBreak, Frame, Image, KeepTogether, NextPageTemplate,
                                PageBreak, PageTemplate, Paragraph, Spacer, Table, TableStyle)

from core.report import document
from core.report import words as report_text
from core.report.fonts import markup, register_cjk_font, report_fonts, runs, string_width

if TYPE_CHECKING:  # the data class lives with the use case that gathers it
    from core.report.data import ReportData

PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 25 * mm, 25 * mm, 22 * mm
TEXT_W = PAGE_W - 2 * MARGIN_X
ACCENT = colors.black          # an official report: black text and plain black rules
LIGHT = colors.HexColor("#eeeeee")
GRID = colors.black
CHART = colors.HexColor("#1f4e79")   # chart bars keep a colour
CELL_LIMIT = 600                      # characters a table cell shows; longer text goes to 附件 长文本
CELL_MAX_LINES = 36                   # …and no more lines than fit well inside one page (9 pt on 12 pt leading)
LABEL_LIMIT = 24                      # characters of a chart label or the running header

Progress = Callable[[float, str], None]

# Chinese punctuation that must not begin a line (GB/T 15834 practice). reportlab's
# CJK wrapper only knows the Japanese set, which lacks the full-width comma,
# semicolon, colon, ! and ?, so lines began with "，". Its wrapper reads the
# module-level name in reportlab.platypus.paragraph, so that is where it is extended.
_CN_CANNOT_START = "，；：！？、。）》」』】〕〉”’％"


def _chinese_line_breaking() -> None:
    import reportlab.lib.textsplit as textsplit
    import reportlab.platypus.paragraph as paragraph

    extra = "".join(ch for ch in _CN_CANNOT_START if ch not in paragraph.ALL_CANNOT_START)
    if extra:
        paragraph.ALL_CANNOT_START += extra
        textsplit.ALL_CANNOT_START = paragraph.ALL_CANNOT_START


_chinese_line_breaking()

# Opening brackets and quotes must not end a line: reportlab's CJK splitter never checks
# ALL_CANNOT_END, so a line could end in "（" or "“". The splitter is wrapped: whenever a line
# ends in such a character, it moves to the next line.
_CN_CANNOT_END = "（《「『【〔〈“‘([{"


def _no_opening_bracket_at_line_end() -> None:
    import inspect

    import reportlab.platypus.paragraph as paragraph

    if getattr(paragraph.cjkFragSplit, "_cn_end", False):
        return
    src = inspect.getsource(paragraph.cjkFragSplit)
    anchor = "            lines.append(makeCJKParaLine(U[lineStartPos:i],maxWidth,widthUsed,extraSpace,lineBreak,calcBounds))"
    if anchor not in src:   # another reportlab: leave its splitter alone
        return
    rule = ("            while not lineBreak and i - 1 > lineStartPos + 1 and U[i - 1] in _CN_CANNOT_END:\n"
            "                i -= 1\n"
            "                extraSpace += U[i].width\n")
    ns = dict(vars(paragraph), _CN_CANNOT_END=_CN_CANNOT_END)
    exec(compile(src.replace(anchor, rule + anchor), paragraph.__file__, "exec"), ns)
    ns["cjkFragSplit"]._cn_end = True
    paragraph.cjkFragSplit = ns["cjkFragSplit"]


_no_opening_bracket_at_line_end()


def _styles(font: str, heading: str | None = None) -> dict[str, ParagraphStyle]:
    """Body text in `font` (宋体/仿宋-style when the machine has one), headings in `heading` (黑体-style);
    every heading keeps with the paragraph after it (never alone at a page bottom)."""
    hd = heading or font
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=19, alignment=TA_JUSTIFY,
                          firstLineIndent=22, spaceAfter=4, wordWrap="CJK")
    s = {
        "body": body,
        "plain": ParagraphStyle("plain", parent=body, firstLineIndent=0),
        "item": ParagraphStyle("item", parent=body, firstLineIndent=0, leftIndent=0),
        "title": ParagraphStyle("title", fontName=hd, fontSize=22, leading=34, alignment=TA_CENTER, textColor=ACCENT,
                                wordWrap="CJK"),
        "doc_title": ParagraphStyle("doc_title", fontName=hd, fontSize=16, leading=26, alignment=TA_CENTER,
                                    spaceAfter=12, wordWrap="CJK"),
        "cover": ParagraphStyle("cover", fontName=font, fontSize=14, leading=30, alignment=TA_LEFT, wordWrap="CJK"),
        "h1": ParagraphStyle("h1", fontName=hd, fontSize=15, leading=24, spaceBefore=12, spaceAfter=6,
                             textColor=ACCENT, wordWrap="CJK", keepWithNext=1),
        "h2": ParagraphStyle("h2", fontName=hd, fontSize=12.5, leading=21, spaceBefore=8, spaceAfter=4, wordWrap="CJK",
                             keepWithNext=1),
        "h3": ParagraphStyle("h3", fontName=hd, fontSize=11.5, leading=19, spaceBefore=4, spaceAfter=2,
                             leftIndent=0, wordWrap="CJK", keepWithNext=1),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=12, wordWrap="CJK"),
        "cell_c": ParagraphStyle("cell_c", fontName=font, fontSize=9, leading=12, alignment=TA_CENTER, wordWrap="CJK"),
        "cell_h": ParagraphStyle("cell_h", fontName=hd, fontSize=9, leading=12, alignment=TA_CENTER,
                                 textColor=colors.black, wordWrap="CJK"),
        "caption": ParagraphStyle("caption", fontName=hd, fontSize=9, leading=13, alignment=TA_CENTER,
                                  textColor=colors.black, spaceBefore=2, spaceAfter=8, wordWrap="CJK", keepWithNext=1),
        "grade": ParagraphStyle("grade", fontName=font, fontSize=13, leading=22, wordWrap="CJK", firstLineIndent=22),
        "note": ParagraphStyle("note", fontName=font, fontSize=9, leading=14, textColor=colors.black,
                               wordWrap="CJK"),
        "sign": ParagraphStyle("sign", fontName=font, fontSize=12, leading=24, alignment=2, wordWrap="CJK"),
    }
    return s


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup(text or "", style.fontName), style)


class LongTexts:
    """Texts too long for a table cell, a chart label or the cover: shown shortened there, in full
    in the annex 长文本全文 (a table row cannot split across pages, so a 10,000-character cell
    would otherwise stop the whole report)."""

    def __init__(self):
        self.items: list[tuple[str, str]] = []

    def cell(self, text: str, where: str, limit: int = CELL_LIMIT) -> str:
        text = text or ""
        if len(text) <= limit:
            return text
        self.items.append((where, text))
        return text[:limit] + f"……（全文见附件“长文本全文”第 {len(self.items)} 项）"


def cell_limit(width: float) -> int:
    """Characters a table cell of this width shows before the rest goes to the annex: CELL_MAX_LINES
    lines of full-width characters (9 pt), at most CELL_LIMIT."""
    return min(CELL_LIMIT, max(20, int(width // 9.5) * CELL_MAX_LINES))


def long_text_annex(long: LongTexts, S) -> list:
    """The annex 长文本全文: every text shortened in a table or on the cover, in full."""
    if not long.items:
        return []
    out = [Spacer(1, 10), _p("附件：长文本全文", S["h2"]),
           _p("以下文字在正文表格或封面中过长，已缩略显示，全文如下。", S["note"])]
    for i, (where, text) in enumerate(long.items, 1):
        out += [_p(f"{i}. {where}：", S["h3"]), _p(text, S["body"])]
    return out


def _short(text: str, limit: int = LABEL_LIMIT) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _draw_runs(canvas: Canvas, x: float, y: float, text: str, size: float, anchor: str = "start") -> None:
    """drawString with font fallback; anchor is start, middle or end."""
    if anchor != "start":
        w = string_width(text, size)
        x -= w / 2 if anchor == "middle" else w
    t = canvas.beginText(x, y)   # one text object, so readers extract the runs as one line
    for font, s in runs(text):
        t.setFont(font, size)
        t.textOut(s)
    canvas.drawText(t)


def _fallback_strings(node):
    """A drawn graphics tree with every String split into one String per font run (core.report.fonts.runs).
    Call it while the chart the tree was drawn from is alive (its label widgets refer back to it)."""
    if isinstance(node, String):
        parts = runs(node.text)
        if len(parts) <= 1 and all(f == node.fontName for f, _ in parts):
            return node
        from reportlab.pdfbase.pdfmetrics import stringWidth

        x = node.x
        if node.textAnchor in ("middle", "end"):
            w = string_width(node.text, node.fontSize)
            x -= w / 2 if node.textAnchor == "middle" else w
        g = Group()
        for font, text in parts:
            piece = copy.copy(node)
            piece.x, piece.text, piece.fontName, piece.textAnchor = x, text, font, "start"
            g.add(piece)
            x += stringWidth(text, font, node.fontSize)
        return g
    if isinstance(node, Group):
        for i, child in enumerate(node.contents):
            if isinstance(child, UserNode):   # widgets such as axis and bar labels: expand them now
                child = child.provideNode()
            if isinstance(child, (Group, String)):
                node.contents[i] = _fallback_strings(child)
    return node


def draw_draft_mark(canvas, grey: str) -> None:
    """「草稿」 diagonally across the middle of the page, in the given grey (the report's and the
    expert's score sheet's draft mark)."""
    canvas.saveState()
    canvas.setFillColor(colors.HexColor(grey))
    canvas.translate(PAGE_W / 2, PAGE_H / 2)
    canvas.rotate(40)
    _draw_runs(canvas, 0, -30, "草稿", 110, "middle")
    canvas.restoreState()


class _NumberedCanvas(Canvas):
    """Draws header and footer with 第 x 页 / 共 y 页 once the page count is known."""

    title = ""
    footer_left = ""
    font = ""
    draft = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved: list[dict] = []

    def showPage(self):
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            if self._pageNumber > 1:   # the cover has neither header nor footer
                self._decorate(total)
            if self.draft:
                self._watermark()
            super().showPage()
        super().save()

    def _watermark(self) -> None:
        """「草稿」 across the page while the pre-export check has blocking items."""
        draw_draft_mark(self, "#bbbbbb")

    def _decorate(self, total: int) -> None:
        self.saveState()
        self.setFont(self.font, 8.5)
        self.setFillColor(colors.HexColor("#555555"))
        self.setStrokeColor(colors.HexColor("#999999"))
        self.setLineWidth(0.5)
        top = PAGE_H - MARGIN_TOP + 8 * mm
        _draw_runs(self, PAGE_W / 2, top + 2, _short(self.title, 60), 8.5, "middle")
        self.line(MARGIN_X, top - 2, PAGE_W - MARGIN_X, top - 2)
        bottom = MARGIN_BOTTOM - 10 * mm
        self.line(MARGIN_X, bottom + 10, PAGE_W - MARGIN_X, bottom + 10)
        _draw_runs(self, MARGIN_X, bottom, _short(self.footer_left, 60), 8.5)
        self.setFont(self.font, 8.5)
        self.drawRightString(PAGE_W - MARGIN_X, bottom, f"第 {self._pageNumber - 1} 页 / 共 {total - 1} 页")
        self.restoreState()


def _table(rows: list[list], widths: list[float], S, header_rows: int = 1, align_center_from: int = 1,
           zebra: bool = True, bold_last: bool = False, long: LongTexts | None = None, where: str = "") -> Table:
    data = []
    # A row cannot split across pages: a cell holds at most CELL_MAX_LINES lines of its column's
    # width (a full-width CJK character per 9 pt), so a long text in a narrow column (a 单位 of
    # 10,000 characters) is cut where a wide one would be, the rest going to the annex.
    limits = [cell_limit(w) for w in widths]
    for r, row in enumerate(rows):
        cells = []
        for c, v in enumerate(row):
            if isinstance(v, str):
                limit = limits[c] if c < len(limits) else CELL_LIMIT
                if long is not None:
                    v = long.cell(v, f"{where}第 {r} 行" if where else "表格", limit)
                elif len(v) > limit:
                    v = v[:limit] + "……"
                st = S["cell_h"] if r < header_rows else (S["cell_c"] if c >= align_center_from else S["cell"])
                v = _p(v, st)
            cells.append(v)
        data.append(cells)
    t = Table(data, colWidths=widths, repeatRows=header_rows, hAlign="CENTER")
    style = [
        ("FONT", (0, 0), (-1, -1), S["cell"].fontName, 9),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if bold_last:
        style.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), LIGHT))
    t.setStyle(TableStyle(style))
    return t


# ---------- charts (reportlab.graphics, drawn into the PDF) ----------

def _bar_chart(labels: list[str], series: list[list[float]], bar_labels: list[str], font: str, *,
               value_max: float, ref: float | None = None, ref_label: str = "", fills=(), low_below=None,
               row_h: float = 15, label_w: float = 120) -> Drawing:
    n = len(labels)
    h = max(80, n * row_h * (1 if len(series) == 1 else 1.6) + 40)
    d = Drawing(TEXT_W, h)
    d.initialFontName, d.initialFontSize = font, 8   # the renderer's initial font: never a base-14 one
    ch = HorizontalBarChart()
    ch.x, ch.y = label_w, 24
    ch.width, ch.height = TEXT_W - label_w - 45, h - 40
    ch.data = [list(reversed(s)) for s in series]
    ch.categoryAxis.categoryNames = list(reversed(labels))
    ch.categoryAxis.labels.fontName = font
    ch.categoryAxis.labels.fontSize = 8
    ch.categoryAxis.labels.boxAnchor = "e"
    ch.categoryAxis.labels.dx = -4
    ch.valueAxis.valueMin = 0
    ch.valueAxis.valueMax = value_max
    ch.valueAxis.labels.fontName = font
    ch.valueAxis.labels.fontSize = 7.5
    ch.valueAxis.gridStrokeColor = colors.HexColor("#e0e0e0")
    ch.valueAxis.visibleGrid = True
    ch.barSpacing = 1
    ch.groupSpacing = 4
    ch.barLabels.fontName = font
    ch.barLabels.fontSize = 7
    ch.barLabels.boxAnchor = "w"
    ch.barLabels.dx = 3
    ch.barLabelFormat = "values"   # take the texts from barLabelArray
    labels_rev = list(reversed(bar_labels))
    ch.barLabelArray = [[""] * n for _ in series[:-1]] + [labels_rev]   # labels on the last series
    for i, fill in enumerate(fills or [CHART]):
        ch.bars[i].fillColor = fill
        ch.bars[i].strokeColor = None
    if low_below is not None:
        for j, v in enumerate(ch.data[0]):
            if v < low_below:
                ch.bars[(0, j)].fillColor = colors.HexColor("#c0504d")
    d.add(ch.draw())   # drawn now, so that its labels get fallback fonts below
    if ref is not None:
        x = ch.x + ch.width * ref / value_max
        d.add(Line(x, ch.y - 2, x, ch.y + ch.height + 2, strokeColor=colors.HexColor("#c0504d"), strokeWidth=1,
                   strokeDashArray=[3, 2]))
        d.add(String(x + 2, ch.y + ch.height + 4, ref_label, fontName=font, fontSize=7.5,
                     fillColor=colors.HexColor("#c0504d")))
    return _fallback_strings(d)


def completion_chart(data: ReportData, font: str) -> Drawing | None:
    rows = [r for r in data.indicators if r.get("rate") is not None]
    if not rows:
        return None
    vals = [float(r["rate"]) for r in rows]
    top = max(120.0, max(vals) * 1.12)
    return _bar_chart([_short(r["name"]) for r in rows], [vals], [r["rate_text"] for r in rows], font,
                      value_max=top, ref=100, ref_label="100%", low_below=100)


def section_chart(data: ReportData, font: str) -> Drawing | None:
    secs = [s for s in data.sections if s.score is not None]
    if not secs:
        return None
    labels = [_short(s.name) for s in secs]
    scores = [float(s.score) for s in secs]
    maxes = [float(s.points) for s in secs]
    d = _bar_chart(labels, [maxes, scores], [f"{report_text.num(s.score)} / {report_text.num(s.points)}" for s in secs], font,
                   value_max=max(maxes) * 1.25, fills=[colors.HexColor("#c9d3df"), CHART], row_h=16)
    return d


# ---------- the document ----------

def _cover_table(block: document.Cover, S, font: str, long: LongTexts) -> Table:
    cover = [[_p(k + "：", S["cover"]), _p(long.cell(v, f"封面“{k}”", 120), S["cover"])] for k, v in block.lines]
    ct = Table(cover, colWidths=[34 * mm, 100 * mm], hAlign="CENTER")
    ct.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 14), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return ct


PHOTO_W, PHOTO_H = 76 * mm, 64 * mm     # the largest a photo of the evidence annex is printed


def _photo(item: dict, S) -> list:
    """A photo scaled into PHOTO_W × PHOTO_H (aspect kept), with its caption or file name below."""
    w, h = item.get("width") or 4, item.get("height") or 3
    k = min(PHOTO_W / w, PHOTO_H / h)
    label = item["caption"] or item["filename"]
    return [Image(io.BytesIO(item["data"]), width=w * k, height=h * k), _p(label, S["caption"])]


def _photos(block: document.Photos, S) -> Table:
    """Two photos a row."""
    cells = [_photo(it, S) for it in block.items]
    rows = [cells[i:i + 2] + [""] * (2 - len(cells[i:i + 2])) for i in range(0, len(cells), 2)]
    t = Table(rows, colWidths=[TEXT_W / 2] * 2, hAlign="CENTER")
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    return t


CHARTS = {"completion": completion_chart, "section": section_chart}


class _Renderer:
    """core.report.document's blocks as reportlab flowables."""

    def __init__(self, data: ReportData, S, font: str, long: LongTexts):
        self.data, self.S, self.font, self.long = data, S, font, long

    def flowables(self, blocks: list) -> list:
        out: list = []
        for b in blocks:
            if isinstance(b, document.Signature):   # keeps the last paragraph with it
                last = out.pop() if out and isinstance(out[-1], Paragraph) else None
                out.append(KeepTogether(([last] if last is not None else []) + self.flowables(b.blocks)))
            else:
                out += self.one(b)
        return out

    def one(self, b) -> list:
        S, long = self.S, self.long
        if isinstance(b, document.Para):
            text = long.cell(b.text, b.where, b.limit) if b.limit else b.text
            return [_p(text, S[b.style])]
        if isinstance(b, document.Tab):
            return [_table(b.rows, b.widths, S, header_rows=b.header_rows, align_center_from=b.align_center_from,
                           bold_last=b.bold_last, long=long if b.where is not None else None, where=b.where or "")]
        if isinstance(b, document.Keep):
            return [KeepTogether(self.flowables(b.blocks))]
        if isinstance(b, document.Gap):
            return [Spacer(1, b.points)]
        if isinstance(b, document.NewPage):
            return [NextPageTemplate("body"), PageBreak()]
        if isinstance(b, document.CondNewPage):
            return [CondPageBreak(b.points)]
        if isinstance(b, document.Cover):
            return [_cover_table(b, S, self.font, long)]
        if isinstance(b, document.Grade):
            return [Paragraph(markup(b.sentence) + f'<font size="16" color="#1f4e79">{markup(b.grade)}</font>',
                              S["grade"])]
        if isinstance(b, document.Chart):
            chart = CHARTS[b.name](self.data, self.font)
            return [chart] if chart is not None else []
        if isinstance(b, document.Photos):
            return [_photos(b, S)]
        if isinstance(b, document.LongTextAnnex):
            return long_text_annex(long, S)
        raise TypeError(f"unknown block {b!r}")


def chart_pdf(data: ReportData, name: str) -> bytes | None:
    """One chart of the report alone as a one-page PDF (the Word draft rasterises it)."""
    register_cjk_font()
    _heading, body = report_fonts()
    drawing = CHARTS[name](data, body)
    return None if drawing is None else renderPDF.drawToString(drawing)


def build_pdf(data: ReportData, progress: Progress | None = None, draft_items: list[str] | None = None,
              version: str = "") -> bytes:
    """The report (core.report.document's blocks) as PDF bytes; `progress(fraction, message)` is called
    along the way. With `draft_items` (the pre-export check's blocking items) every page carries a
    「草稿」 watermark; `version` (an issued version's label) is printed on the cover and in the footer."""
    progress = progress or (lambda f, m: None)
    font = register_cjk_font()
    heading, body = report_fonts()
    S = _styles(body, heading)
    progress(0.1, "准备排版")
    story = _Renderer(data, S, body, LongTexts()).flowables(document.compose(data, draft_items, version, progress))
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                          bottomMargin=MARGIN_BOTTOM, title=data.title, author=data.assessment.get("evaluator_org") or "",
                          subject="社工站评估报告", creator="社工站现场评估台", initialFontName=font,
                          initialFontSize=11, invariant=1)
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, TEXT_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="f")
    doc.addPageTemplates([PageTemplate("cover", [frame]), PageTemplate("body", [frame])])

    class Canvas_(_NumberedCanvas):
        pass

    Canvas_.title, Canvas_.font, Canvas_.draft = data.title, font, bool(draft_items)
    Canvas_.footer_left = f"{data.assessment.get('evaluator_org') or ''}  ·  评估日期 {report_text.date_cn(data.assessment.get('visit_date'), False)}" \
        + (f"  ·  {version}" if version else "")
    progress(0.8, "生成 PDF")
    doc.build(story, canvasmaker=Canvas_)
    progress(1.0, "完成")
    return buf.getvalue()
