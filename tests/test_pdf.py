"""The demo report PDF read back: every figure of the sample report, masked names only,
every font embedded, and the Chinese text really drawn (pypdfium2 renders glyphs, not blanks or boxes)."""
from __future__ import annotations

import io
import re

import pypdf
import pypdfium2 as pdfium
import pytest

from core.report.fonts import missing_glyphs
from tests.pdf_helpers import not_embedded_truetype, pdf_fonts
from core.numbers import fmt_number
from core.report.make import report_pdf
from core.scoring import scoresheet as S
from core.station import data as SD
from db.connection import connect

SAMPLE_RATES = ["110.01%", "158.6%", "99%", "88.2%", "88%", "100%", "141.52%", "250%", "565.5%", "204.17%",
                "174.17%", "146.5%", "133.33%"]
STAFFING = ["75%", "55%", "145.64%", "60%"]


@pytest.fixture(scope="module")
def demo_pdf(demo_db_file):
    path, aid = demo_db_file
    db = connect(path)
    pdf = report_pdf(db, aid)
    result = S.result(db, aid)
    clients = SD.list_clients(db, aid)
    db.conn.close()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    pages = [p.extract_text() for p in reader.pages]
    return {"bytes": pdf, "reader": reader, "pages": pages, "text": "\n".join(pages),
            "flat": re.sub(r"\s+", "", "".join(pages)), "result": result, "clients": clients}


def test_pdf_is_a_multi_page_document_under_2_mb(demo_pdf):
    assert demo_pdf["bytes"][:5] == b"%PDF-"
    assert len(demo_pdf["reader"].pages) >= 10
    assert len(demo_pdf["bytes"]) < 2 * 1024 * 1024


@pytest.mark.parametrize("rate", SAMPLE_RATES)
def test_pdf_states_every_completion_rate_of_the_sample_report(demo_pdf, rate):
    assert re.search(r"(?<![\d.])" + re.escape(rate), demo_pdf["text"]), rate


def test_progress_sentence_reads_like_the_sample_report(demo_pdf):
    flat = demo_pdf["flat"]
    assert "社工站共完成电话访问2165个，入户探访793个，分别完成协议指标量的110.01%、158.6%；" in flat
    assert "专业个案接案99个，服务441节，结案66个，分别完成协议指标量的99%、88.2%和88%" in flat
    assert "新登记志愿者293名，培育志愿者骨干20名，发展志愿者队伍3支，分别完成协议指标量的146.5%、133.33%和100%" in flat


@pytest.mark.parametrize("figure", STAFFING)
def test_pdf_states_the_staffing_figures(demo_pdf, figure):
    assert figure in demo_pdf["text"]


def test_staffing_paragraph_gives_ratios_against_the_required_number(demo_pdf):
    flat = demo_pdf["flat"]
    assert "持证社工占协议要求配备社工总数（20人）的75%" in flat
    assert "从业两年以上社工11人，占协议要求配备社工总数（20人）的55%" in flat
    assert "达标率145.64%" in flat
    assert "稳岗率仅达60%" in flat


def test_pdf_states_the_satisfaction_survey_figures(demo_pdf):
    flat = demo_pdf["flat"]
    assert "随机抽取100名服务对象" in flat
    assert "总体满意度为95.8%" in flat
    assert "有1名服务对象及1名服务对象家属表示不了解社工，另有4名服务对象经两次电话联系均未能接通" in flat


def test_pdf_states_the_final_score_and_grade(demo_pdf):
    r = demo_pdf["result"]
    flat = demo_pdf["flat"]
    assert r.grade and r.final is not None
    assert f"本次评估总分为{fmt_number(r.final)}分" in flat
    assert f"评估的等级为：{r.grade}" in flat


def test_pdf_has_the_sample_reports_structure(demo_pdf):
    flat = demo_pdf["flat"]
    heads = ["项目监督方：", "项目购买方：", "项目承办方：", "项目评估方：", "评估日期：", "一、末期评估背景",
             "（五）评估结果说明", "二、评估总结", "（一）社工站基本情况", "（二）各项目服务进度情况", "（三）项目管理",
             "（四）服务质量", "片区一，该片区范围包括", "（五）服务监测", "（六）服务成效", "（七）购买方评估",
             "（八）督导中心", "（九）监督方评估", "三、评估反馈", "四、评估等级", "五、结语",
             "附件1：", "指标完成情况统计表", "附件2：", "社工到岗情况统计表", "附件3："]
    at = 0
    for h in heads:   # each heading found after the previous one
        nxt = flat.find(h, at)
        assert nxt >= 0, f"“{h}” missing or out of order"
        at = nxt + len(h)


def test_annex_states_the_sampling_seed_and_register_hash(demo_pdf, demo_db_file):
    from core.survey import calls as survey

    path, aid = demo_db_file
    db = connect(path)
    res = survey.survey_results(db, aid)
    db.conn.close()
    flat = demo_pdf["flat"]
    assert f"随机种子{res.seed}" in flat
    assert res.register_hash in flat


def test_every_page_but_the_cover_has_header_and_page_number(demo_pdf):
    pages = demo_pdf["pages"]
    for n, text in enumerate(pages[1:], 1):
        assert f"第 {n} 页 / 共 {len(pages) - 1} 页" in text
        assert "元岗街社工服务站" in text.splitlines()[0] or "元岗街社工服务站" in text


def test_no_unmasked_name_or_phone_of_the_register(demo_pdf):
    flat = demo_pdf["flat"]
    clients = demo_pdf["clients"]
    assert len(clients) == 131
    leaked = [c["name"] for c in clients if len(c["name"]) >= 2 and c["name"] in flat]
    leaked += [c["phone"] for c in clients if c["phone"] and c["phone"] in flat]
    assert not leaked
    assert re.search(r"1\d{2}\*{4}\d{4}", flat), "masked phones of the follow-up list expected"


def test_every_font_is_embedded_truetype(demo_pdf):
    fonts = pdf_fonts(demo_pdf["reader"])
    assert fonts
    assert not_embedded_truetype(fonts) == []
    # The pip font, plus the machine's 黑体/宋体-style faces when it has them (core.report.fonts.report_fonts).
    from reportlab.pdfbase import pdfmetrics
    from core.report.fonts import report_fonts

    faces = {pdfmetrics.getFont(f).face.name.decode() + "-0" for f in report_fonts()}
    assert {str(f["/BaseFont"]).split("+")[-1] for f in fonts} <= {"WenQuanYiMicroHei-0"} | faces


def test_the_font_has_a_glyph_for_every_character_printed(demo_pdf):
    assert missing_glyphs(demo_pdf["text"]) == set()


def _ink(img) -> float:
    """Share of clearly non-white pixels in a greyscale PIL image."""
    g = img.convert("L")
    hist = g.histogram()
    return sum(hist[:160]) / (g.width * g.height)


def _glyph_bitmaps(page, textpage, chars: str, scale: float):
    """Rendered bitmap of each of `chars` where it first occurs on the page (from pdfium's char boxes)."""
    img = page.render(scale=scale).to_pil().convert("L")
    text = textpage.get_text_range()
    out = {}
    for ch in chars:
        i = text.find(ch)
        assert i >= 0, ch
        left, bottom, right, top = textpage.get_charbox(i)
        h = page.get_height()
        box = (int(left * scale), int((h - top) * scale), int(right * scale) + 1, int((h - bottom) * scale) + 1)
        out[ch] = img.crop(box).resize((24, 24))
    return out


def test_rendered_pages_show_chinese_glyphs_not_blanks_or_boxes(demo_pdf):
    pdf = pdfium.PdfDocument(demo_pdf["bytes"])
    try:
        # every page carries visible ink (a non-embedded CID font renders blank in pdfium)
        for i in range(len(pdf)):
            # (a last page holding a three-line note and the 落款 has ~0.0036; a blank font gives ~0)
            assert _ink(pdf[i].render(scale=0.6).to_pil()) > 0.002, f"page {i + 1} renders (almost) blank"
        # the cover title's characters: each has ink, and they differ from one another
        # (missing glyphs would all be the same .notdef box)
        page = pdf[0]
        tp = page.get_textpage()
        glyphs = _glyph_bitmaps(page, tp, "元岗街社工服务站末期评估报告", scale=4)
        for ch, bmp in glyphs.items():
            assert _ink(bmp) > 0.05, f"{ch} renders blank"
        bitmaps = [bytes(b.point(lambda v: 0 if v < 160 else 255).tobytes()) for b in glyphs.values()]
        assert len(set(bitmaps)) == len(bitmaps), "distinct characters render identically (tofu boxes)"
        # and the body text of page 2 is real text whose extracted characters are Chinese
        body = pdf[1].get_textpage().get_text_range()
        assert sum(1 for c in body if "\u4e00" <= c <= "\u9fff") > 300
    finally:
        pdf.close()


def test_a_blank_page_would_fail_the_ink_check():
    """The ink measure itself: a blank page has none, a page of Chinese text has plenty."""
    from reportlab.pdfgen.canvas import Canvas

    from core.report.fonts import register_cjk_font

    font = register_cjk_font()
    pages = []
    for text in ("", "评估报告" * 12):
        buf = io.BytesIO()
        c = Canvas(buf, initialFontName=font)
        c.setFont(font, 28)
        for row in range(8):
            c.drawString(40, 760 - row * 40, text[:16])
        c.save()
        doc = pdfium.PdfDocument(buf.getvalue())
        pages.append(_ink(doc[0].render(scale=0.6).to_pil()))
        doc.close()
    assert pages[0] == 0 and pages[1] > 0.01


@pytest.mark.parametrize("framework", ["gz-2024-four-party", "gz-2019-city"])
def test_a_new_assessment_without_data_still_builds_a_draft_report(fresh_db, framework):
    from core.assessment import team as A

    sid = A.create_station(fresh_db, "测试街社工服务站", short_name="测试街社工站", district="天河区")
    aid, _ = A.create_assessment(fresh_db, sid, framework, "组长甲", "1234", visit_date="2025-03-01")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report_pdf(fresh_db, aid))).pages)
    for expected in ("测试街社工服务站", "社工站尚未录入协议指标完成情况", "尚未录入人员配置情况", "尚未进行满意度抽样",
                     "评分尚未完成", "附件1"):
        assert expected in text, expected


def test_no_line_begins_with_chinese_punctuation(demo_pdf):
    """Line-breaking follows Chinese practice: ，。、；：） never start a line."""
    lines = [ln for page in demo_pdf["reader"].pages for ln in page.extract_text().split("\n")]
    assert len(lines) > 300
    assert [ln[:20] for ln in lines if ln and ln[0] in "，。、；：！？）》"] == []


def test_a_register_name_in_the_veto_note_is_masked_in_the_pdf(demo_db):
    db, aid = demo_db
    c = next(c for c in SD.list_clients(db, aid) if len(c["name"]) == 3)
    lead = db.execute("SELECT id FROM members WHERE assessment_id = ? AND role = 'lead'", [aid]).fetchone()[0]
    S.save_veto(db, aid, lead, "finance", False, f"核对{c['name']}补贴，电话{c['phone']}，账目清楚")
    flat = re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report_pdf(db, aid))).pages))
    assert c["name"] not in flat and c["phone"] not in flat
    assert f"{c['name'][0]}*{c['name'][-1]}" in flat
