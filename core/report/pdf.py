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

from core.report import words as report_text
from core.report.fonts import markup, register_cjk_font, report_fonts, runs, string_width
from core.labels import AAPOR_CODES
from core.scoring.agreement import fmt_alpha
from core.numbers import fmt_number, fmt_pct, fmt_score

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

def _items(story, items: list[str], S, numbering: str = "paren") -> None:
    for n, it in enumerate(items, 1):
        mark = f"（{n}）" if numbering == "paren" else (report_text.circled(n) if numbering == "circled" else f"{n}. ")
        story.append(_p(mark + it, S["body"]))


def build_story(data: ReportData, S, font: str, progress: Progress, draft_items: list[str] | None = None,
                long: LongTexts | None = None) -> list:
    story: list = []
    long = long if long is not None else LongTexts()
    a, st = data.assessment, data.station
    kind = a["kind"]

    # Cover
    story += [Spacer(1, 50 * mm)] + [_p(long.cell(line, "封面标题", 120), S["title"])
                                     for line in report_text.title_lines(data)] + [Spacer(1, 45 * mm)]
    cover = [[_p(k + "：", S["cover"]), _p(long.cell(v, f"封面“{k}”", 120), S["cover"])]
             for k, v in report_text.cover_lines(data)]
    ct = Table(cover, colWidths=[34 * mm, 100 * mm], hAlign="CENTER")
    ct.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 14), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [ct]
    if data.result.final_projected:
        story += [Spacer(1, 20 * mm), _p("（草稿：部分评分尚未完成或未录入，得分与等级为预计结果）", S["caption"])]
    if draft_items:
        story += [Spacer(1, 6 * mm), _p(f"（草稿：导出前检查尚有 {len(draft_items)} 项未完成，见报告末页）", S["caption"])]
    story += [NextPageTemplate("body"), PageBreak()]

    story += [_p(long.cell(data.title, "报告标题", 200), S["doc_title"]), _p(report_text.preface(data), S["body"])]

    # 一、评估背景
    story.append(_p(f"一、{kind}评估背景", S["h1"]))
    story.append(_p(report_text.background_intro(data), S["body"]))
    _items(story, report_text.process_steps(data), S, "dot")
    story.append(_p("（一）评估依据", S["h2"]))
    _items(story, report_text.basis(data), S, "dot")
    story.append(_p("（二）评估原则", S["h2"]))
    _items(story, report_text.PRINCIPLES, S, "dot")
    story.append(_p("（三）评估阶段", S["h2"]))
    for n, (name, txt) in enumerate(report_text.stages(data), 1):
        story += [_p(f"{n}.{name}", S["h3"]), _p(txt, S["body"])]
    story.append(_p("（四）评估内容", S["h2"]))
    _items(story, report_text.contents(data), S, "dot")
    story.append(_p("（五）评估结果说明", S["h2"]))
    story.append(_p(report_text.result_explanation(data), S["body"]))
    progress(0.3, "评估背景")

    # 二、评估总结
    story.append(_p("二、评估总结", S["h1"]))
    n = 1
    story.append(_p(f"（{report_text.cn(n)}）社工站基本情况", S["h2"]))
    story += [_p(x, S["body"]) for x in report_text.basic_info(data)]
    n += 1
    story.append(_p(f"（{report_text.cn(n)}）各项目服务进度情况", S["h2"]))
    story.append(_p(report_text.progress_paragraph(data), S["body"]))
    comment = report_text.text(data, "progress_comment")
    if comment:
        story.append(_p(comment, S["body"]))
    chart = completion_chart(data, font)
    if chart is not None:
        story += [KeepTogether([chart, _p("图 1  协议指标完成率（虚线为 100%）", S["caption"])])]

    for sec in data.sections:
        n += 1
        story.append(_p(f"（{report_text.cn(n)}）{sec.name}", S["h2"]))
        for k_i, kind_ in enumerate(("strength", "concern"), 1):
            word = "值得肯定的地方" if kind_ == "strength" else "需要关注的地方"
            story.append(_p(f"{k_i}. {word}", S["h3"]))
            story.append(_p(report_text.section_lead_in(data, sec, kind_), S["body"]))
            if sec.scope == "area":
                for b_i, b in enumerate(sec.blocks):
                    comms = "、".join(b.communities)
                    story.append(_p(f"（{b_i + 1}）{b.area_name}" + (f"，该片区范围包括：{comms}" if comms else ""),
                                    S["body"]))
                    items = report_text.section_items(data, sec, b_i, kind_)
                    if items:
                        for i, it in enumerate(items, 1):
                            story.append(_p(report_text.circled(i) + it, S["body"]))
                    else:
                        story.append(_p("暂无。", S["body"]))
            else:
                items = report_text.section_items(data, sec, 0, kind_)
                if items:
                    _items(story, items, S)
                else:
                    story.append(_p("暂无。", S["body"]))
    progress(0.5, "评估总结")

    for p in data.parties:
        if p.computed:
            continue
        n += 1
        story.append(_p(f"（{report_text.cn(n)}）{report_text.party_heading(p)}", S["h2"]))
        story.append(_p(report_text.party_intro(p), S["body"]))
        if p.strengths:
            story.append(_p("1. 值得肯定的地方", S["h3"]))
            _items(story, p.strengths, S)
            story.append(_p("2. 需要关注的地方", S["h3"]))
            if p.concerns:
                _items(story, p.concerns, S)
            else:
                story.append(_p(f"{p.label}暂无相关意见。", S["body"]))
        elif p.concerns:
            _items(story, p.concerns, S, "dot")
        else:
            story.append(_p(f"{p.label}暂无相关意见。", S["body"]))

    # 上期评估意见整改
    n += 1
    story.append(_p(f"（{report_text.cn(n)}）上期评估意见整改情况", S["h2"]))
    story.append(_p(report_text.rectification_summary(data), S["body"]))
    if data.recommendations:
        names = {sec.code: sec.name for sec in data.sections}
        rows = [["序号", "上期评估意见", "所属部分", "整改情况", "整改依据"]] + [
            [str(i), r["text"], names.get(r.get("section_code") or "", "—"), r["status"], r.get("evidence") or "—"]
            for i, r in enumerate(data.recommendations, 1)]
        story += [_p("上期评估意见整改情况表", S["caption"]),
                  _table(rows, [12 * mm, 58 * mm, 22 * mm, 20 * mm, 48 * mm], S, align_center_from=9, long=long,
                         where="上期评估意见整改表")]

    # 三、评估反馈
    story.append(_p("三、评估反馈", S["h1"]))
    story.append(_p(report_text.feedback_intro(data), S["body"]))
    story.append(_p("1.现场反馈：" + report_text.feedback_onsite(data), S["body"]))
    story.append(_p("2.对评估报告初稿的反馈：" + report_text.feedback_draft(data), S["body"]))

    # 四、评估等级
    story.append(CondPageBreak(90 * mm))
    story.append(_p("四、评估等级", S["h1"]))
    grade = data.grade or "（尚未确定）"
    story.append(Paragraph(markup(report_text.grade_sentence(data)) + f'<font size="16" color="#1f4e79">{markup(grade)}</font>',
                           S["grade"]))
    story.append(_p(report_text.score_sentence(data), S["body"]))
    story += score_tables(data, S, long)
    sc = section_chart(data, font)
    if sc is not None:
        story += [KeepTogether([sc, _p("图 2  第三方评估各部分得分（浅色为满分）", S["caption"])])]
    progress(0.7, "评估等级")

    # 五、结语
    story.append(_p("五、结语", S["h1"]))
    story.append(_p(report_text.text(data, "closing"), S["body"]))
    points = report_text.closing_points(data)
    if points:
        story.append(_p(report_text.closing_points_intro(data), S["body"]))
        _items(story, points, S, "dot")
    titles = report_text.annex_titles(data)
    story.append(Spacer(1, 6))
    story.append(_p("附件：" + "；".join(f"{i}.{t}" for i, t in enumerate(titles, 1)), S["plain"]))

    # 附件
    story += annexes(data, S, titles, long)
    if data.evidence_annex is not None:
        story += evidence_annex(data, S, len(titles), titles[-1])
    story += long_text_annex(long, S)
    if draft_items:
        story += [Spacer(1, 10), _p("草稿说明：导出前检查未通过的项目", S["h2"])]
        _items(story, draft_items, S, "dot")
    # The 落款 never stands alone on a last page: it keeps the story's last paragraph with it.
    last = story.pop() if story and isinstance(story[-1], Paragraph) else None
    story += [KeepTogether(([last] if last is not None else []) + signature(data, S))]
    return story


def signature(data: ReportData, S) -> list:
    """落款 on the last page: 评估方, the experts who submitted their scores (core.scoring.signoff), the date
    the report was produced."""
    org = data.assessment.get("evaluator_org") or "（评估方未填写）"
    team = "、".join(data.signed_names) or "（尚无专家提交评分）"
    date = report_text.date_cn(data.generated_at[:10], spaced=False)
    return [KeepTogether([Spacer(1, 16 * mm), _p(f"评估方：{org}", S["sign"]), _p(f"评估专家：{team}", S["sign"]),
                          _p(date, S["sign"])])]


def score_tables(data: ReportData, S, long: LongTexts | None = None) -> list:
    out = []
    rows = [["评估部分", "满分", "得分", "得分率"]]
    for s in data.sections:
        rate = f"{report_text.num(s.score / s.points * 100)}%" if s.score is not None and s.points else "—"
        rows.append([s.name + ("（按片区评分）" if s.scope == "area" else ""), report_text.num(s.points),
                     report_text.num(s.score) if s.score is not None else "未评", rate])
    tp = data.result.third_party
    rows.append(["第三方评估合计", report_text.num(sum(s.points for s in data.sections)),
                 report_text.num(tp) if tp is not None else "未评", ""])
    out += [Spacer(1, 4), _p("表 1  第三方评估各部分得分", S["caption"]),
            _table(rows, [70 * mm, 25 * mm, 25 * mm, 25 * mm], S, align_center_from=1, bold_last=True)]
    rows = [["评估方", "权重", "评分（满分）", "加权得分"]]
    for p in data.parties:
        score = (report_text.num(p.score) if p.score is not None else "未录入") + ("（预计）" if p.projected and p.score is not None else "")
        rows.append([p.name + ("" if p.computed or p.label == p.name else f"（{p.label}）"), f"{report_text.num(p.share)}%",
                     f"{score}（{report_text.num(p.max)}）", report_text.num(p.weighted) if p.weighted is not None else "—"])
    rows.append(["最终得分 / 评估等级", "100%", data.grade or "—",
                 report_text.num(data.final) if data.final is not None else "—"])
    out += [Spacer(1, 6), _p("表 2  各评估方得分与最终得分", S["caption"]),
            _table(rows, [62 * mm, 22 * mm, 38 * mm, 28 * mm], S, bold_last=True)]
    n = 3
    if data.veto:
        vrows = [["否决项", "结果", "说明"]] + [[v["name"], ("未通过" if v["failed"] else "通过") if v["checked"] else "未检查",
                                               v["note"]] for v in data.veto]
        out += [Spacer(1, 6), _p("表 3  一票否决项", S["caption"]),
                _table(vrows, [40 * mm, 25 * mm, 85 * mm], S, align_center_from=1, long=long, where="一票否决项表")]
        n = 4
    if data.history:
        out += history_table(data, S, n, long)
    return out


def history_table(data: ReportData, S, number: int, long: LongTexts | None = None) -> list:
    """表 n 历次评估对比: the station's earlier terms and this one (final, grade, section scores,
    satisfaction), as recorded in this database (core.agency.overview.report_history)."""
    rows_ = data.history
    codes = list(dict.fromkeys(c for r in rows_ for c in r["sections"]))
    names = {}
    for r in rows_:
        names.update(r["section_names"])
    head = ["评估", "评估日期"] + [names.get(c, c) for c in codes] + ["最终得分", "等级", "满意度"]
    body = [[f"{r['period']}{r['kind']}评估", r["visit_date"] or "—"] + [fmt_score(r["sections"].get(c)) for c in codes]
            + [fmt_score(r["final"]) + ("（预计）" if r["projected"] and r["final"] is not None else ""),
               r["grade"] or "—", fmt_pct(r["satisfaction"]["rate"], 1) if r["satisfaction"] else "—"]
            for r in rows_]
    fixed = [34 * mm, 20 * mm]
    tail = [18 * mm, 14 * mm, 16 * mm]
    each = max(12 * mm, (150 * mm - sum(fixed) - sum(tail)) / max(1, len(codes)))
    return [Spacer(1, 6), _p(f"表 {number}  历次评估对比", S["caption"]),
            _table([head] + body, fixed + [each] * len(codes) + tail, S, align_center_from=1, long=long,
                   where="历次评估对比表"),
            _p("注：同一社工站（所在区、街道相同）在本评估系统中的历次评估，按年度和中期、末期排列。", S["note"])]


def annexes(data: ReportData, S, titles: list[str], long: LongTexts | None = None) -> list:
    out: list = [NextPageTemplate("body"), PageBreak()]
    out.append(_p(f"附件1：{titles[0]}", S["h2"]))
    rows = [["序号", "服务指标", "单位", "协议指标量", "完成量", "完成率"]]
    for i, r in enumerate(data.indicators, 1):
        rows.append([str(i), r.get("name") or "", r.get("unit") or "", report_text.num(r.get("target")) or "—",
                     report_text.num(r.get("actual")) or "—", r.get("rate_text") or "—"])
    if len(rows) == 1:
        rows.append(["", "尚未录入协议指标", "", "", "", ""])
    out.append(_table(rows, [12 * mm, 52 * mm, 16 * mm, 26 * mm, 26 * mm, 26 * mm], S, align_center_from=2, long=long,
                      where="附件1"))
    out.append(_p("注：完成率 = 完成量 ÷ 协议指标量，四舍五入保留两位小数。数据由社工站提供。", S["note"]))

    out.append(Spacer(1, 10))
    out.append(_p(f"附件2：{titles[1]}", S["h2"]))
    s = data.staffing
    if s:
        req = report_text.num(s.get("required"))

        def ratio(v, text):
            return text if v is not None else "—"
        rows = [["项目", "人数 / 人次 / 时数", "比例", "说明"],
                ["协议要求配备社工", req or "—", "", "比例的分母"],
                ["在岗社工", report_text.num(s.get("on_post")) or "—", ratio(s.get("on_post_ratio"), s.get("on_post_ratio_text")), "占协议要求配备数"],
                ["持证社工（中级 / 助理）", f"{report_text.num(s.get('certified'))}（{report_text.num(s.get('cert_intermediate'))} / "
                 f"{report_text.num(s.get('cert_assistant'))}）" if s.get("certified") is not None else "—",
                 ratio(s.get("cert_ratio"), s.get("cert_ratio_text")), "占协议要求配备数"],
                ["非持证社工", report_text.num(s.get("non_certified")) or "—", "", ""],
                ["从业两年以上社工", report_text.num(s.get("experienced")) or "—",
                 ratio(s.get("experience_ratio"), s.get("experience_ratio_text")), "占协议要求配备数"],
                ["到岗人次（应到 / 实到）", f"{report_text.num(s.get('attendance_due'))} / {report_text.num(s.get('attendance_actual'))}",
                 ratio(s.get("attendance_rate"), s.get("attendance_rate_text")), "实到 ÷ 应到"],
                ["持证社工到岗人次（应到 / 实到）",
                 f"{report_text.num(s.get('attendance_cert_due'))} / {report_text.num(s.get('attendance_cert_actual'))}",
                 ratio(s.get("attendance_cert_rate"), s.get("attendance_cert_rate_text")), "实到 ÷ 应到"],
                ["非持证社工到岗人次（应到 / 实到）",
                 f"{report_text.num(s.get('attendance_noncert_due')) or '—'} / {report_text.num(s.get('attendance_noncert_actual')) or '—'}", "", ""],
                ["继续教育时数（应完成 / 实际）", f"{report_text.num(s.get('training_due'))} / {report_text.num(s.get('training_actual'))}",
                 ratio(s.get("training_rate"), s.get("training_rate_text")), "达标率"],
                ["评估期内持续在岗", report_text.num(s.get("continuous")) or "—", ratio(s.get("retention"), s.get("retention_text")),
                 "稳岗率（占协议要求配备数）"]]
        out.append(_table(rows, [58 * mm, 40 * mm, 22 * mm, 40 * mm], S, align_center_from=1))
    else:
        out.append(_p("尚未录入人员配置情况。", S["body"]))

    out.append(Spacer(1, 10))
    out.append(_p(f"附件3：{titles[2]}", S["h2"]))
    r = data.survey
    if r is not None:
        rows = [["项目", "内容"],
                ["抽样方式", (f"全覆盖（名册共 {r.sample_size} 人）" if r.everyone else
                          f"{r.design_label}，{r.sample_size} 人（名册 {r.population or '—'} 人）")],
                ["随机种子", str(r.seed)],
                ["名册校验值（SHA-256）", str(r.register_hash)],
                ["成功访问 / 无法接通 / 拒访", f"{r.reached} / {r.unreachable} / {r.refused}"],
                ["访问结果（AAPOR 标准定义）", "，".join(f"{AAPOR_CODES[k]} {v}" for k, v in r.dispositions.items())],
                ["应答率（AAPOR RR1）", r.response_rate_text],
                ["总体满意度", r.satisfaction_ci_text],
                ["服务知晓度（知晓 5 项中 3 项以上）", r.awareness_ci_text],
                ["不了解社工", f"{len(r.knows_worker_no)} 人"]]
        out.append(_table(rows, [58 * mm, 102 * mm], S, align_center_from=9))
        out.append(_p("注：按相同随机种子和相同名册可重新抽取同一样本，名册校验值用于核对名册未被改动。"
                      "置信区间按 Wilson 法计算，并按名册人数作有限总体校正（n_eff = n(N−1)/(N−n)，n 为成功访问人数，"
                      "N 为名册人数）。应答率 RR1 = 完成访问 ÷ 全部样本（拒访、未能联系、资格未知均计入分母）；"
                      "无人接听计为未能联系，空号、非本人及未拨打计为资格未知。", S["note"]))
        if r.allocation:
            rows = [["层", "名册人数", "样本", "候补"]] + [
                [k, str(v["register"]), str(v["sample"]), str(v["reserve"])] for k, v in r.allocation.items()]
            out += [Spacer(1, 6), _p(f"分层抽样分配（{r.design_label}）", S["caption"]),
                    _table(rows, [70 * mm, 30 * mm, 30 * mm, 30 * mm], S, align_center_from=1, long=long,
                           where="分层抽样分配表")]
        if r.by_area and r.reached:
            rows = [["片区", "样本", "成功访问", "满意率（95% 置信区间）"]] + [
                [a["area"], str(a["sample"]), str(a["reached"]), a["text"]] for a in r.by_area]
            out += [Spacer(1, 6), _p("各片区服务对象满意度", S["caption"]),
                    _table(rows, [34 * mm, 18 * mm, 22 * mm, 86 * mm], S, align_center_from=1, long=long,
                           where="各片区满意度表")]
        out.append(Spacer(1, 6))
        out.append(_p("请社工站跟进：兜底保障对象（特困、低保、低保边缘、支出型困难）无法接通者及表示不满意的受访者"
                      "（姓名、电话已脱敏）", S["caption"]))
        if r.priority_follow_up:
            rows = [["序号", "服务对象", "电话", "社区", "类别", "跟进原因"]] + [
                [str(i), f["name"], f["phone"], f.get("community") or "", f.get("category") or "", f["reason"]]
                for i, f in enumerate(r.priority_follow_up, 1)]
            out.append(_table(rows, [12 * mm, 20 * mm, 28 * mm, 26 * mm, 30 * mm, 44 * mm], S, align_center_from=1,
                              long=long, where="请社工站跟进表"))
        else:
            out.append(_p("无（兜底保障对象均已接通，受访者中无人表示不满意）。" if r.reached or r.unreachable
                          else "尚无。", S["note"]))
        if r.follow_up:
            rows = [["序号", "服务对象", "电话", "社区", "跟进原因"]] + [
                [str(i), f["name"], f["phone"], f.get("community") or "", f["reason"]] for i, f in enumerate(r.follow_up, 1)]
            out += [Spacer(1, 6), _p("全部需跟进服务对象（已脱敏）", S["caption"]),
                    _table(rows, [12 * mm, 22 * mm, 32 * mm, 30 * mm, 64 * mm], S, align_center_from=1, long=long,
                           where="需跟进服务对象表")]
    else:
        out.append(_p("尚未进行满意度抽样。", S["body"]))
    out += agreement_annex(data, S, titles, long)
    return out


def agreement_annex(data: ReportData, S, titles: list[str], long: LongTexts | None = None) -> list:
    """附件4: Krippendorff's α with the framework's one-line reading, then per cell the spread and r_wg."""
    ag = data.agreement
    out = [Spacer(1, 10), _p(f"附件4：{titles[3]}", S["h2"])]
    if ag is None or not ag.cells:
        out.append(_p("尚无专家评分。", S["body"]))
        return out
    out.append(_p(f"Krippendorff α（区间尺度）= {ag.alpha_text}（{ag.alpha_cells} 个由两位及以上专家评分的指标单元，"
                  f"{ag.alpha_experts} 位专家）。{ag.reading}", S["body"]))
    first = data.agreement_first
    if first is not None:
        out.append(_p(f"专家提交评分后对照分歧，部分专家复核改分（原因与初评见 Excel 导出“专家评分”表）。"
                      f"按提交时的独立评分计算，α = {first.alpha_text}（{first.alpha_cells} 个单元）；上述数值按复核后的评分计算。",
                      S["body"]))
    names = {x["code"]: x["name"] for x in data.areas}
    rows = [["指标", "名称", "评分专家", "极差（分）", "r_wg"]]
    for c in ag.cells:
        where = f"·{names.get(c.area_code, c.area_code)}" if c.area_code else ""
        rwg = "—" if c.rule_type != "level" else ("—" if c.rwg is None else fmt_alpha(c.rwg) +
                                                   ("" if ag.rwg_threshold is None or c.rwg >= ag.rwg_threshold else "（偏低）"))
        rows.append([f"{c.indicator_code}{where}", c.indicator_name, str(c.n),
                     fmt_number(c.spread) if c.spread is not None else "—", rwg])
    out.append(_table(rows, [24 * mm, 76 * mm, 18 * mm, 20 * mm, 22 * mm], S, align_center_from=2, long=long,
                      where="专家评分一致性表"))
    th = data.framework.report_rules.agreement
    out.append(_p(f"注：α 以各指标得分占该指标满分的比例计算（未评分或“不适用”视为缺失），不低于 "
                  f"{fmt_alpha(th['reliable'])} 为可靠、不低于 {fmt_alpha(th['tentative'])} 为尚可，低于为不可靠。"
                  "r_wg = 1 − s²/σ²_EU，σ²_EU = (A² − 1)/12，A 为程度分等级数，仅适用于程度分指标；低于 "
                  f"{fmt_number(th['rwg'])} 标为“偏低”。", S["note"]))
    return out


PHOTO_W, PHOTO_H = 76 * mm, 64 * mm     # the largest a photo of the evidence annex is printed


def _photo(item: dict, S) -> list:
    """A photo scaled into PHOTO_W × PHOTO_H (aspect kept), with its caption or file name below."""
    w, h = item.get("width") or 4, item.get("height") or 3
    k = min(PHOTO_W / w, PHOTO_H / h)
    label = item["caption"] or item["filename"]
    return [Image(io.BytesIO(item["data"]), width=w * k, height=h * k), _p(label, S["caption"])]


def evidence_annex(data: ReportData, S, number: int, title: str) -> list:
    """附件N：评估意见证据 — each finding with evidence: its text, its photos not marked personal (two
    per row), its PDF scans by name, and how many attachments marked personal were left out."""
    out: list = [PageBreak(), _p(f"附件{number}：{title}", S["h2"]),
                 _p("下列照片和扫描件由评估专家在现场拍摄或收集；标记为含个人信息的附件不列入本报告。", S["note"])]
    if not data.evidence_annex:
        return out + [_p("暂无附有证据的评估意见。", S["body"])]
    for n, f in enumerate(data.evidence_annex, 1):
        block: list = [_p(f"（{n}）{f['where']}·{f['kind']}：{f['text']}", S["body"])]
        photos = [it for it in f["items"] if it["data"] is not None]
        scans = [it for it in f["items"] if it["data"] is None]
        cells = [_photo(it, S) for it in photos]
        rows = [cells[i:i + 2] + [""] * (2 - len(cells[i:i + 2])) for i in range(0, len(cells), 2)]
        if rows:
            t = Table(rows, colWidths=[TEXT_W / 2] * 2, hAlign="CENTER")
            t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
            block.append(t)
        for it in scans:
            block.append(_p(f"{it['type']}：{it['filename']}" + (f"（{it['caption']}）" if it["caption"] else ""),
                            S["note"]))
        if f["hidden"]:
            block.append(_p(f"另有 {f['hidden']} 个附件含个人信息，未列入本报告。", S["note"]))
        out += [KeepTogether(block[:2]), *block[2:], Spacer(1, 4)]
    return out


def build_pdf(data: ReportData, progress: Progress | None = None, draft_items: list[str] | None = None) -> bytes:
    """The report as PDF bytes; `progress(fraction, message)` is called along the way. With
    `draft_items` (the pre-export check's blocking items) every page carries a 「草稿」 watermark."""
    progress = progress or (lambda f, m: None)
    font = register_cjk_font()
    heading, body = report_fonts()
    S = _styles(body, heading)
    progress(0.1, "准备排版")
    story = build_story(data, S, body, progress, draft_items)
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
    Canvas_.footer_left = f"{data.assessment.get('evaluator_org') or ''}  ·  评估日期 {report_text.date_cn(data.assessment.get('visit_date'), False)}"
    progress(0.8, "生成 PDF")
    doc.build(story, canvasmaker=Canvas_)
    progress(1.0, "完成")
    return buf.getvalue()
