"""The report as a neutral document, composed once: headings, paragraphs, tables, charts, photos,
page breaks and annexes, in the order the sample report prints them (SPEC §7).

The PDF (core.report.pdf) and the Word draft (core.report.word) render the same blocks, so the two
never differ in a heading, a figure or a sentence. A rule module: pure, over the gathered ReportData
and the report's sentences (core.report.words); no layout library is imported here. Lengths are in
points (MM = one millimetre); a paragraph's `style` is one of STYLES.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from core.report import words as report_text
from core.numbers import fmt_pct, fmt_score
from core.labels import AAPOR_CODES
from core.scoring.agreement import fmt_alpha
from core.numbers import fmt_number

if TYPE_CHECKING:  # the data class lives with the use case that gathers it
    from core.report.data import ReportData

MM = 72 / 25.4
STYLES = ("title", "doc_title", "cover", "h1", "h2", "h3", "body", "plain", "item", "caption", "note", "sign", "grade")
HEADINGS = ("h1", "h2", "h3")        # the report's numbered headings (Word: 标题 1–3)

Progress = Callable[[float, str], None]


@dataclass
class Para:
    """A paragraph. `limit`/`where`: a text the PDF shortens beyond `limit` characters (the rest goes to
    the annex 长文本全文 under the name `where`); Word prints it whole."""
    text: str
    style: str = "body"
    limit: int | None = None
    where: str = ""


@dataclass
class Tab:
    """A table: rows of texts, the first `header_rows` a header; column widths in points. `where`
    names it in the annex 长文本全文 (None: a too long cell is cut in the PDF without an annex entry)."""
    rows: list[list[str]]
    widths: list[float]
    header_rows: int = 1
    align_center_from: int = 1
    bold_last: bool = False
    where: str | None = None


@dataclass
class Cover:
    """The cover's 项目：内容 lines."""
    lines: list[tuple[str, str]]


@dataclass
class Grade:
    """四、评估等级's sentence with the grade set large."""
    sentence: str
    grade: str


@dataclass
class Chart:
    """A chart drawn from the data: 'completion' (图 1) or 'section' (图 2)."""
    name: str


@dataclass
class Photos:
    """Evidence photos, two a row: each {'data', 'width', 'height', 'caption', 'filename'}."""
    items: list[dict]


@dataclass
class Gap:
    points: float


@dataclass
class NewPage:
    pass


@dataclass
class CondNewPage:
    """A new page unless `points` of space are left on this one."""
    points: float


@dataclass
class Keep:
    """Blocks kept together on one page."""
    blocks: list = field(default_factory=list)


@dataclass
class Signature:
    """The 落款; it never stands alone on a last page (the PDF keeps the paragraph before it with it)."""
    blocks: list = field(default_factory=list)


@dataclass
class LongTextAnnex:
    """Where the PDF prints the annex 长文本全文 (the texts it shortened); Word has nothing to add."""


def P(text: str, style: str = "body", limit: int | None = None, where: str = "") -> Para:
    return Para(text or "", style, limit, where)


def T(rows, widths, header_rows: int = 1, align_center_from: int = 1, bold_last: bool = False,
      where: str | None = None) -> Tab:
    return Tab(rows, widths, header_rows, align_center_from, bold_last, where)


def _items(story, items: list[str], numbering: str = "paren") -> None:
    for n, it in enumerate(items, 1):
        mark = f"（{n}）" if numbering == "paren" else (report_text.circled(n) if numbering == "circled" else f"{n}. ")
        story.append(P(mark + it, "body"))


def compose(data: ReportData, draft_items: list[str] | None = None, version: str = "",
            progress: Progress | None = None) -> list:
    """The whole report as blocks: cover, 一 … 五, the annexes, the draft notes and the 落款.
    `draft_items` (the pre-export check's blocking items) are named on the cover and listed at the
    end; `version` (an issued version's label, e.g. 初稿 2) is printed on the cover."""
    progress = progress or (lambda f, m: None)
    story = cover(data, draft_items, version) + background(data)
    progress(0.3, "评估背景")
    story += summary(data)
    progress(0.5, "评估总结")
    story += parties_and_rectification(data, 1 + 1 + len(data.sections)) + feedback(data) + grade_part(data)
    progress(0.7, "评估等级")
    story += closing_and_annexes(data, draft_items)
    return story + [Signature(signature(data))]


def cover(data: ReportData, draft_items: list[str] | None = None, version: str = "") -> list:
    lines = list(report_text.cover_lines(data)) + ([("报告版本", version)] if version else [])
    story = [Gap(50 * MM)] + [P(line, "title", limit=120, where="封面标题")
                              for line in report_text.title_lines(data)] + [Gap(45 * MM), Cover(lines)]
    if data.result.final_projected:
        story += [Gap(20 * MM), P("（草稿：部分评分尚未完成或未录入，得分与等级为预计结果）", "caption")]
    if draft_items:
        story += [Gap(6 * MM), P(f"（草稿：导出前检查尚有 {len(draft_items)} 项未完成，见报告末页）", "caption")]
    return story + [NewPage(), P(data.title, "doc_title", limit=200, where="报告标题"),
                    P(report_text.preface(data), "body")]


def background(data: ReportData) -> list:
    """一、评估背景."""
    story: list = [P(f"一、{data.assessment['kind']}评估背景", "h1"), P(report_text.background_intro(data), "body")]
    _items(story, report_text.process_steps(data), "dot")
    story.append(P("（一）评估依据", "h2"))
    _items(story, report_text.basis(data), "dot")
    story.append(P("（二）评估原则", "h2"))
    _items(story, report_text.PRINCIPLES, "dot")
    story.append(P("（三）评估阶段", "h2"))
    for n, (name, txt) in enumerate(report_text.stages(data), 1):
        story += [P(f"{n}.{name}", "h3"), P(txt, "body")]
    story.append(P("（四）评估内容", "h2"))
    _items(story, report_text.contents(data), "dot")
    story += [P("（五）评估结果说明", "h2"), P(report_text.result_explanation(data), "body")]
    return story


def summary(data: ReportData) -> list:
    """二、评估总结: 基本情况, 服务进度 (图 1), then each section's 值得肯定 / 需要关注."""
    story: list = [P("二、评估总结", "h1"), P(f"（{report_text.cn(1)}）社工站基本情况", "h2")]
    story += [P(x, "body") for x in report_text.basic_info(data)]
    story.append(P(f"（{report_text.cn(2)}）各项目服务进度情况", "h2"))
    story.append(P(report_text.progress_paragraph(data), "body"))
    comment = report_text.text(data, "progress_comment")
    if comment:
        story.append(P(comment, "body"))
    if any(r.get("rate") is not None for r in data.indicators):
        what = "协议指标进度完成率（占中期应完成量，虚线为 100%）" if report_text.midterm(data) else "协议指标完成率（虚线为 100%）"
        story += [Keep([Chart("completion"), P(f"图 1  {what}", "caption")])]
    for n, sec in enumerate(data.sections, 3):
        story.append(P(f"（{report_text.cn(n)}）{sec.name}", "h2"))
        for k_i, kind_ in enumerate(("strength", "concern"), 1):
            story += section_part(data, sec, k_i, kind_)
    return story


def section_part(data: ReportData, sec, k_i: int, kind_: str) -> list:
    word = "值得肯定的地方" if kind_ == "strength" else "需要关注的地方"
    story: list = [P(f"{k_i}. {word}", "h3"), P(report_text.section_lead_in(data, sec, kind_), "body")]
    if sec.scope != "area":
        items = report_text.section_items(data, sec, 0, kind_)
        if items:
            _items(story, items)
        else:
            story.append(P("暂无。", "body"))
        return story
    for b_i, b in enumerate(sec.blocks):
        comms = "、".join(b.communities)
        story.append(P(f"（{b_i + 1}）{b.area_name}" + (f"，该片区范围包括：{comms}" if comms else ""), "body"))
        items = report_text.section_items(data, sec, b_i, kind_)
        story += [P(report_text.circled(i) + it, "body") for i, it in enumerate(items, 1)] or [P("暂无。", "body")]
    return story


def parties_and_rectification(data: ReportData, n: int) -> list:
    """The other parties' comments (购买方, 督导中心, 监督方), then 上期评估意见整改情况."""
    story: list = []
    for p in data.parties:
        if p.computed:
            continue
        n += 1
        story.append(P(f"（{report_text.cn(n)}）{report_text.party_heading(p)}", "h2"))
        story.append(P(report_text.party_intro(p), "body"))
        if p.strengths:
            story.append(P("1. 值得肯定的地方", "h3"))
            _items(story, p.strengths)
            story.append(P("2. 需要关注的地方", "h3"))
            if p.concerns:
                _items(story, p.concerns)
            else:
                story.append(P(f"{p.label}暂无相关意见。", "body"))
        elif p.concerns:
            _items(story, p.concerns, "dot")
        else:
            story.append(P(f"{p.label}暂无相关意见。", "body"))
    n += 1
    story.append(P(f"（{report_text.cn(n)}）上期评估意见整改情况", "h2"))
    story.append(P(report_text.rectification_summary(data), "body"))
    if data.recommendations:
        names = {sec.code: sec.name for sec in data.sections}
        rows = [["序号", "上期评估意见", "所属部分", "整改情况", "整改依据"]] + [
            [str(i), r["text"], names.get(r.get("section_code") or "", "—"), r["status"], r.get("evidence") or "—"]
            for i, r in enumerate(data.recommendations, 1)]
        story += [P("上期评估意见整改情况表", "caption"),
                  T(rows, [12 * MM, 58 * MM, 22 * MM, 20 * MM, 48 * MM], align_center_from=9, where="上期评估意见整改表")]
    return story


def feedback(data: ReportData) -> list:
    """三、评估反馈."""
    return [P("三、评估反馈", "h1"), P(report_text.feedback_intro(data), "body"),
            P("1.现场反馈：" + report_text.feedback_onsite(data), "body"),
            P("2.对评估报告初稿的反馈：" + report_text.feedback_draft(data), "body")]


def grade_part(data: ReportData) -> list:
    """四、评估等级: the grade, the score sentence, 表 1–3 (历次评估对比), 图 2."""
    story: list = [CondNewPage(90 * MM), P("四、评估等级", "h1"),
                   Grade(report_text.grade_sentence(data), data.grade or "（尚未确定）"),
                   P(report_text.score_sentence(data), "body")]
    story += score_tables(data)
    if any(s.score is not None for s in data.sections):
        story += [Keep([Chart("section"), P("图 2  第三方评估各部分得分（浅色为满分）", "caption")])]
    return story


def closing_and_annexes(data: ReportData, draft_items: list[str] | None = None) -> list:
    """五、结语, the annexes, 长文本全文 (PDF), and the draft notes."""
    story: list = [P("五、结语", "h1"), P(report_text.text(data, "closing"), "body")]
    points = report_text.closing_points(data)
    if points:
        story.append(P(report_text.closing_points_intro(data), "body"))
        _items(story, points, "dot")
    titles = report_text.annex_titles(data)
    story += [Gap(6), P("附件：" + "；".join(f"{i}.{t}" for i, t in enumerate(titles, 1)), "plain")]
    story += annexes(data, titles)
    if data.evidence_annex is not None:
        story += evidence_annex(data, len(titles), titles[-1])
    story.append(LongTextAnnex())
    if draft_items:
        story += [Gap(10), P("草稿说明：导出前检查未通过的项目", "h2")]
        _items(story, draft_items, "dot")
    return story


def signature(data: ReportData) -> list:
    """落款 on the last page: 评估方, the experts who submitted their scores (core.scoring.signoff), the date
    the report was produced."""
    org = data.assessment.get("evaluator_org") or "（评估方未填写）"
    team = "、".join(data.signed_names) or "（尚无专家提交评分）"
    date = report_text.date_cn(data.generated_at[:10], spaced=False)
    return [Keep([Gap(16 * MM), P(f"评估方：{org}", "sign"), P(f"评估专家：{team}", "sign"),
                          P(date, "sign")])]


def score_tables(data: ReportData) -> list:
    out = []
    rows = [["评估部分", "满分", "得分", "得分率"]]
    for s in data.sections:
        rate = f"{report_text.num(s.score / s.points * 100)}%" if s.score is not None and s.points else "—"
        rows.append([s.name + ("（按片区评分）" if s.scope == "area" else ""), report_text.num(s.points),
                     report_text.num(s.score) if s.score is not None else "未评", rate])
    tp = data.result.third_party
    projected = report_text.projection_sentence(data)
    rows.append(["第三方评估合计" + ("（折算）" if projected else ""), report_text.num(sum(s.points for s in data.sections)),
                 report_text.num(tp) if tp is not None else "未评", ""])
    out += [Gap(4), P("表 1  第三方评估各部分得分", "caption"),
            T(rows, [70 * MM, 25 * MM, 25 * MM, 25 * MM], align_center_from=1, bold_last=True)]
    out += [P("注：" + t, "note") for t in ([projected] if projected else []) + report_text.na_sentences(data)]
    rows = [["评估方", "权重", "评分（满分）", "加权得分"]]
    for p in data.parties:
        score = (report_text.num(p.score) if p.score is not None else "未录入") + ("（预计）" if p.projected and p.score is not None else "")
        rows.append([p.name + ("" if p.computed or p.label == p.name else f"（{p.label}）"), f"{report_text.num(p.share)}%",
                     f"{score}（{report_text.num(p.max)}）", report_text.num(p.weighted) if p.weighted is not None else "—"])
    rows.append(["最终得分 / 评估等级", "100%", data.grade or "—",
                 report_text.num(data.final) if data.final is not None else "—"])
    out += [Gap(6), P("表 2  各评估方得分与最终得分", "caption"),
            T(rows, [62 * MM, 22 * MM, 38 * MM, 28 * MM], bold_last=True)]
    n = 3
    if data.veto:
        vrows = [["否决项", "结果", "说明"]] + [[v["name"], ("未通过" if v["failed"] else "通过") if v["checked"] else "未检查",
                                               v["note"]] for v in data.veto]
        out += [Gap(6), P("表 3  一票否决项", "caption"),
                T(vrows, [40 * MM, 25 * MM, 85 * MM], align_center_from=1, where="一票否决项表")]
        n = 4
    if data.history:
        out += history_table(data, n)
    return out


def history_table(data: ReportData, number: int) -> list:
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
    fixed = [34 * MM, 20 * MM]
    tail = [18 * MM, 14 * MM, 16 * MM]
    each = max(12 * MM, (150 * MM - sum(fixed) - sum(tail)) / max(1, len(codes)))
    return [Gap(6), P(f"表 {number}  历次评估对比", "caption"),
            T([head] + body, fixed + [each] * len(codes) + tail, align_center_from=1, where="历次评估对比表"),
            P("注：同一社工站（所在区、街道相同）在本评估系统中的历次评估，按年度和中期、末期排列。", "note")]


def annexes(data: ReportData, titles: list[str]) -> list:
    """附件1–4 (on a new page)."""
    return ([NewPage()] + indicator_annex(data, titles) + staffing_annex(data, titles) + survey_annex(data, titles)
            + agreement_annex(data, titles))


def indicator_annex(data: ReportData, titles: list[str]) -> list:
    """附件1: the contract indicators, target, actual and rate; a 中期 shows the annual target and the target due
    by its statistics date side by side, the rate against the due one and the share of the year."""
    out: list = [P(f"附件1：{titles[0]}", "h2")]
    n = report_text.num
    if report_text.midterm(data):
        rows = [["序号", "服务指标", "单位", "全年协议指标量", "中期应完成量", "完成量", "进度完成率", "占全年"]]
        for i, r in enumerate(data.indicators, 1):
            rows.append([str(i), r.get("name") or "", r.get("unit") or "", n(r.get("target")) or "—",
                         n(r.get("due_target")) or "—", n(r.get("actual")) or "—", r.get("rate_text") or "—",
                         r.get("annual_rate_text") or "—"])
        widths = [10 * MM, 40 * MM, 12 * MM, 20 * MM, 20 * MM, 18 * MM, 18 * MM, 18 * MM]
        basis = report_text.due_basis(data)
        note = (f"注：中期应完成量{basis or '无法计算（合同期或统计截止日期未填写）'}；进度完成率 = 完成量 ÷ 中期应完成量，"
                "占全年 = 完成量 ÷ 全年协议指标量，四舍五入保留两位小数。数据由社工站提供。")
    else:
        rows = [["序号", "服务指标", "单位", "协议指标量", "完成量", "完成率"]]
        for i, r in enumerate(data.indicators, 1):
            rows.append([str(i), r.get("name") or "", r.get("unit") or "", n(r.get("target")) or "—",
                         n(r.get("actual")) or "—", r.get("rate_text") or "—"])
        widths = [12 * MM, 52 * MM, 16 * MM, 26 * MM, 26 * MM, 26 * MM]
        note = "注：完成率 = 完成量 ÷ 协议指标量，四舍五入保留两位小数。数据由社工站提供。"
    if len(rows) == 1:
        rows.append(["", "尚未录入协议指标"] + [""] * (len(rows[0]) - 2))
    out.append(T(rows, widths, align_center_from=2, where="附件1"))
    out.append(P(note, "note"))
    return out


def staffing_annex(data: ReportData, titles: list[str]) -> list:
    """附件2: staffing, attendance, training and retention."""
    out: list = [Gap(10), P(f"附件2：{titles[1]}", "h2")]
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
        out.append(T(rows, [58 * MM, 40 * MM, 22 * MM, 40 * MM], align_center_from=1))
    else:
        out.append(P("尚未录入人员配置情况。", "body"))
    return out


def survey_annex(data: ReportData, titles: list[str]) -> list:
    """附件3: the satisfaction survey: design, outcomes, rates, strata, the clients to follow up (masked)."""
    out: list = [Gap(10), P(f"附件3：{titles[2]}", "h2")]
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
        out.append(T(rows, [58 * MM, 102 * MM], align_center_from=9))
        out.append(P("注：按相同随机种子和相同名册可重新抽取同一样本，名册校验值用于核对名册未被改动。"
                      "置信区间按 Wilson 法计算，并按名册人数作有限总体校正（n_eff = n(N−1)/(N−n)，n 为成功访问人数，"
                      "N 为名册人数）。应答率 RR1 = 完成访问 ÷ 全部样本（拒访、未能联系、资格未知均计入分母）；"
                      "无人接听计为未能联系，空号、非本人及未拨打计为资格未知。", "note"))
        if r.allocation:
            rows = [["层", "名册人数", "样本", "候补"]] + [
                [k, str(v["register"]), str(v["sample"]), str(v["reserve"])] for k, v in r.allocation.items()]
            out += [Gap(6), P(f"分层抽样分配（{r.design_label}）", "caption"),
                    T(rows, [70 * MM, 30 * MM, 30 * MM, 30 * MM], align_center_from=1, where="分层抽样分配表")]
        if r.by_area and r.reached:
            rows = [["片区", "样本", "成功访问", "满意率（95% 置信区间）"]] + [
                [a["area"], str(a["sample"]), str(a["reached"]), a["text"]] for a in r.by_area]
            out += [Gap(6), P("各片区服务对象满意度", "caption"),
                    T(rows, [34 * MM, 18 * MM, 22 * MM, 86 * MM], align_center_from=1, where="各片区满意度表")]
        out.append(Gap(6))
        out.append(P("请社工站跟进：兜底保障对象（特困、低保、低保边缘、支出型困难）无法接通者及表示不满意的受访者"
                      "（姓名、电话已脱敏）", "caption"))
        if r.priority_follow_up:
            rows = [["序号", "服务对象", "电话", "社区", "类别", "跟进原因"]] + [
                [str(i), f["name"], f["phone"], f.get("community") or "", f.get("category") or "", f["reason"]]
                for i, f in enumerate(r.priority_follow_up, 1)]
            out.append(T(rows, [12 * MM, 20 * MM, 28 * MM, 26 * MM, 30 * MM, 44 * MM], align_center_from=1, where="请社工站跟进表"))
        else:
            out.append(P("无（兜底保障对象均已接通，受访者中无人表示不满意）。" if r.reached or r.unreachable
                          else "尚无。", "note"))
        if r.follow_up:
            rows = [["序号", "服务对象", "电话", "社区", "跟进原因"]] + [
                [str(i), f["name"], f["phone"], f.get("community") or "", f["reason"]] for i, f in enumerate(r.follow_up, 1)]
            out += [Gap(6), P("全部需跟进服务对象（已脱敏）", "caption"),
                    T(rows, [12 * MM, 22 * MM, 32 * MM, 30 * MM, 64 * MM], align_center_from=1, where="需跟进服务对象表")]
    else:
        out.append(P("尚未进行满意度抽样。", "body"))
    return out


def agreement_annex(data: ReportData, titles: list[str]) -> list:
    """附件4: Krippendorff's α with the framework's one-line reading, then per cell the spread and r_wg."""
    ag = data.agreement
    out = [Gap(10), P(f"附件4：{titles[3]}", "h2")]
    if ag is None or not ag.cells:
        out.append(P("尚无专家评分。", "body"))
        return out
    out.append(P(f"Krippendorff α（区间尺度）= {ag.alpha_text}（{ag.alpha_cells} 个由两位及以上专家评分的指标单元，"
                  f"{ag.alpha_experts} 位专家）。{ag.reading}", "body"))
    first = data.agreement_first
    if first is not None:
        out.append(P(f"专家提交评分后对照分歧，部分专家复核改分（原因与初评见 Excel 导出“专家评分”表）。"
                      f"按提交时的独立评分计算，α = {first.alpha_text}（{first.alpha_cells} 个单元）；上述数值按复核后的评分计算。",
                      "body"))
    names = {x["code"]: x["name"] for x in data.areas}
    rows = [["指标", "名称", "评分专家", "极差（分）", "r_wg"]]
    for c in ag.cells:
        where = f"·{names.get(c.area_code, c.area_code)}" if c.area_code else ""
        rwg = "—" if c.rule_type != "level" else ("—" if c.rwg is None else fmt_alpha(c.rwg) +
                                                   ("" if ag.rwg_threshold is None or c.rwg >= ag.rwg_threshold else "（偏低）"))
        rows.append([f"{c.indicator_code}{where}", c.indicator_name, str(c.n),
                     fmt_number(c.spread) if c.spread is not None else "—", rwg])
    out.append(T(rows, [24 * MM, 76 * MM, 18 * MM, 20 * MM, 22 * MM], align_center_from=2, where="专家评分一致性表"))
    th = data.framework.report_rules.agreement
    out.append(P(f"注：α 以各指标得分占该指标满分的比例计算（未评分或“不适用”视为缺失），不低于 "
                  f"{fmt_alpha(th['reliable'])} 为可靠、不低于 {fmt_alpha(th['tentative'])} 为尚可，低于为不可靠。"
                  "r_wg = 1 − s²/σ²_EU，σ²_EU = (A² − 1)/12，A 为程度分等级数，仅适用于程度分指标；低于 "
                  f"{fmt_number(th['rwg'])} 标为“偏低”。", "note"))
    return out


def evidence_annex(data: ReportData, number: int, title: str) -> list:
    """附件N：评估意见证据 — each finding with evidence: its text, its photos not marked personal (two
    per row), its PDF scans by name, and how many attachments marked personal were left out."""
    out: list = [NewPage(), P(f"附件{number}：{title}", "h2"),
                 P("下列照片和扫描件由评估专家在现场拍摄或收集；标记为含个人信息的附件不列入本报告。", "note")]
    if not data.evidence_annex:
        return out + [P("暂无附有证据的评估意见。", "body")]
    for n, f in enumerate(data.evidence_annex, 1):
        block: list = [P(f"（{n}）{f['where']}·{f['kind']}：{f['text']}", "body")]
        photos = [it for it in f["items"] if it["data"] is not None]
        scans = [it for it in f["items"] if it["data"] is None]
        if photos:
            block.append(Photos(photos))
        for it in scans:
            block.append(P(f"{it['type']}：{it['filename']}" + (f"（{it['caption']}）" if it["caption"] else ""),
                            "note"))
        if f["hidden"]:
            block.append(P(f"另有 {f['hidden']} 个附件含个人信息，未列入本报告。", "note"))
        out += [Keep(block[:2]), *block[2:], Gap(4)]
    return out


