"""Rare CJK (Ext-B) and emoji typed by users survive to the report PDF: as text a reader can
extract, drawn in embedded TrueType fallback fonts (not blanks or boxes), in paragraphs, table
cells, the page header/footer and chart labels. The fallback fonts must be installed: emoji come
from the `manimgx-fonts` package (requirements.txt), Ext-B from Debian's fonts-hanazono (.ci/run)
or the OS; a missing one fails here, it is not skipped."""
from __future__ import annotations

import io
import os
import re
import shutil

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from reportlab.pdfbase import pdfmetrics

from core.report import fonts
from core.report.make import report_pdf
from core.assessment import team as A
from core.scoring import scoresheet as S
from core.station import data as SD
from db.connection import connect
from tests.pdf_helpers import not_embedded_truetype, pdf_fonts

RARE = {"𠀀": "CJK Ext-B U+20000", "𪚥": "CJK Ext-B U+2A6A5", "😀": "emoji U+1F600", "👍": "emoji U+1F44D"}
FINDING = "服务对象姓名含𠀀𪚥字，满意😀👍，<b>粗体</b> & 其他"
STATION = "元岗街𠀀😀社工服务站"
ORG = "评估机构𪚥👍"
INDICATOR = "电话访问😀𠀀"
INSTALL_HINT = ("no fallback font has it: pip install -r requirements.txt (manimgx-fonts: Noto Emoji) and "
                "apt-get install fonts-hanazono (HanaMinB: CJK Ext-B), as .ci/run does")


@pytest.fixture(autouse=True)
def _standard_fallbacks():
    fonts.reset_fallbacks()
    yield
    fonts.reset_fallbacks()


@pytest.fixture(scope="module")
def rare_pdf(demo_db_file, tmp_path_factory):
    """The demo report with rare characters in a finding, the station name (cover, header,
    paragraphs), the evaluator (footer) and an indicator name (chart label, annex table)."""
    src, aid = demo_db_file
    path = tmp_path_factory.mktemp("rare") / "rare.db"
    shutil.copy(src, path)
    db = connect(path)
    members = {m["name"]: m["id"] for m in A.list_members(db, aid)}
    lead, expert = members["陈志远"], members["林晓红"]
    S.add_finding(db, aid, expert, "A", "strength", FINDING)
    A.update_station(db, aid, lead, name=STATION)
    A.update_assessment(db, aid, lead, evaluator_org=ORG)
    SD.save_indicator(db, aid, lead, name=INDICATOR, unit="个", target=100, actual=120)
    fonts.reset_fallbacks()
    pdf = report_pdf(db, aid)
    db.conn.close()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return {"bytes": pdf, "reader": reader, "pages": [p.extract_text() for p in reader.pages]}


@pytest.mark.parametrize("ch", RARE, ids=list(RARE.values()))
def test_a_fallback_font_on_this_machine_has_the_character(ch):
    assert ch in fonts.missing_glyphs(ch), "the primary font has it now: pick another probe character"
    assert fonts.font_for(ch) is not None, f"{RARE[ch]}: {INSTALL_HINT}"


@pytest.mark.parametrize("text", ["𠀀𪚥", "😀👍", FINDING], ids=["ext-b", "emoji", "whole-finding"])
def test_rare_characters_in_a_finding_are_in_the_pdf_text(rare_pdf, text):
    assert text in "".join(rare_pdf["pages"])


def test_station_name_and_evaluator_with_rare_characters_print_in_every_header_and_footer(rare_pdf):
    body = rare_pdf["pages"][1:]
    assert all(STATION in p for p in body), "header"
    assert all(ORG in p for p in body), "footer"
    assert STATION in re.sub(r"\s+", "", rare_pdf["pages"][0]), "cover"   # the title may wrap


def test_an_indicator_name_with_rare_characters_labels_the_chart_and_the_annex_table(rare_pdf):
    flat = [re.sub(r"\s+", "", p) for p in rare_pdf["pages"]]
    chart_pages = [p for p in flat if "图1协议指标完成率" in p]
    assert chart_pages and INDICATOR in chart_pages[0]
    assert sum(INDICATOR in p for p in flat) >= 2   # chart label and annex 1 row


def test_every_font_of_the_pdf_is_embedded_truetype_including_the_fallbacks(rare_pdf):
    found = pdf_fonts(rare_pdf["reader"])
    assert not_embedded_truetype(found) == []
    names = {str(f["/BaseFont"]).split("+")[-1] for f in found}
    assert "WenQuanYiMicroHei-0" in names
    for ch in RARE:
        face = pdfmetrics.getFont(fonts.font_for(ch)).face.name.decode("latin-1")
        assert face in names, f"{RARE[ch]}: its fallback {face} is not in the PDF ({names})"


def _glyph_boxes(page, text: str):
    """pdfium's box of each character of `text` (a run on the page); pdfium counts UTF-16 code units."""
    tp = page.get_textpage()
    units = [pdfium_raw.FPDFText_GetUnicode(tp, i) for i in range(tp.count_chars())]
    want = list(memoryview(text.encode("utf-16-le")).cast("H"))
    start = next((i for i in range(len(units) - len(want) + 1) if units[i:i + len(want)] == want), None)
    assert start is not None, f"{text!r} not found by pdfium"
    boxes, i = [], start
    for ch in text:
        boxes.append(tp.get_charbox(i))
        i += 2 if ord(ch) > 0xFFFF else 1
    return boxes


def _ink(img) -> float:
    g = img.convert("L")
    return sum(g.histogram()[:160]) / (g.width * g.height)


@pytest.mark.parametrize("where,text", [("finding", "含𠀀𪚥字，满意😀👍"), ("header", STATION), ("footer", ORG)])
def test_rare_glyphs_render_with_ink_and_differ_from_one_another(rare_pdf, where, text):
    doc = pdfium.PdfDocument(rare_pdf["bytes"])
    try:
        n = next(i for i, p in enumerate(rare_pdf["pages"]) if i > 0 and text in p)
        page, scale = doc[n], 6
        img = page.render(scale=scale).to_pil().convert("L")
        h = page.get_height()
        bitmaps = {}
        for ch, (left, bottom, right, top) in zip(text, _glyph_boxes(page, text)):
            box = (int(left * scale), int((h - top) * scale), int(right * scale) + 1, int((h - bottom) * scale) + 1)
            assert box[2] - box[0] > 2 and box[3] - box[1] > 2, f"{ch} has no width on the page"
            crop = img.crop(box).resize((24, 24))
            assert _ink(crop) > 0.05, f"{ch} renders blank ({where})"
            bitmaps[ch] = crop.point(lambda v: 0 if v < 160 else 255).tobytes()
        rare = [bitmaps[c] for c in set(text) if c in RARE]
        assert len(set(rare)) == len(rare), "distinct rare characters render identically (.notdef boxes)"
    finally:
        doc.close()


# ---------- the markup every Paragraph is built from ----------

@pytest.mark.parametrize("text,expected", [
    ("普通文字 abc", "普通文字 abc"),
    ("<b>x</b> & y", "&lt;b&gt;x&lt;/b&gt; &amp; y"),
    ("含𠀀𪚥字", "含<font name=\"{𠀀}\">𠀀𪚥</font>字"),
    ("😀👍<&>", "<font name=\"{😀}\">😀👍</font>&lt;&amp;&gt;"),
    ("❤️", "<font name=\"{❤}\">❤️</font>"),   # the variation selector stays with its emoji
    ("", ""),
], ids=["plain", "xml", "ext-b", "emoji", "emoji-vs16", "empty"])
def test_markup_escapes_xml_and_wraps_what_the_primary_font_lacks(text, expected):
    expected = re.sub(r"\{(.)\}", lambda m: fonts.font_for(m.group(1)) or "?", expected)
    assert fonts.markup(text) == expected


def test_characters_no_font_has_stay_in_the_text_and_the_report_still_builds(demo_db):
    db, aid = demo_db
    odd = "\u0378\U0010fffd"   # unassigned / private use: no font has them
    assert all(fonts.font_for(c) is None for c in odd)
    assert fonts.runs("甲" + odd + "乙") == [(fonts.FONT_NAME, "甲" + odd + "乙")]
    members = {m["name"]: m["id"] for m in A.list_members(db, aid)}
    S.add_finding(db, aid, members["林晓红"], "A", "concern", f"前{odd}后")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report_pdf(db, aid))).pages)
    assert "前" in text and "后" in text


def test_extra_fallback_fonts_from_the_environment_come_first_and_bad_files_are_skipped(monkeypatch, tmp_path):
    emoji_font = fonts.font_for("😀")
    assert emoji_font, INSTALL_HINT
    mine = tmp_path / "MyEmoji.ttf"
    shutil.copy(next(fb.path for fb in fonts.loaded_fallbacks() if fb.name == emoji_font), mine)
    bogus = tmp_path / "notafont.ttf"
    bogus.write_bytes(b"this is not a font")
    monkeypatch.setenv(fonts.FALLBACK_ENV, os.pathsep.join(
        [str(tmp_path / "missing.ttf"), str(bogus), str(mine)]))
    fonts.reset_fallbacks()
    used = fonts.font_for("😀")
    assert used != emoji_font and "MyEmoji" in used
    assert fonts.font_for("𠀀") is not None, INSTALL_HINT   # the standard list still follows
