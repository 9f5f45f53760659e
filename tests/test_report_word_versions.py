"""The report's way out (issue 25): the Word draft read back with python-docx against the PDF, the --out
extension contract, issued versions (初稿 1, 初稿 2, 定稿) on the cover and footer with their SHA-256,
the 定稿 rule, `python -m core versions`, and the 报告与导出 page issuing a version (AppTest)."""
from __future__ import annotations

import contextlib
import hashlib
import io
import re
import shutil

import docx
import pypdf
import pytest
from docx.oxml.ns import qn

from conftest import app_test
from core.assessment import team as A
from core.cli.main import main as cli_main
from core.errors import DataError
from core.report import versions as V
from core.report.data import gather
from core.report.document import HEADINGS, Para, Tab, compose
from core.report.make import report_docx, report_pdf
from core.report.check import blocking
from core.report.make import preexport_check
from core.report import edits as R
from db.connection import connect

EA = qn("w:eastAsia")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _path(db) -> str:
    return db.conn.execute("PRAGMA database_list").fetchone()[2]


def _lead(db, aid) -> int:
    return next(m["id"] for m in A.list_members(db, aid) if m["role"] == "lead")


def _run(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli_main(argv)
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo_word(demo_db_file, tmp_path_factory):
    """The demo's report as .docx and as PDF (the same data), and the composed blocks."""
    src, aid = demo_db_file
    path = tmp_path_factory.mktemp("word") / "demo.db"
    shutil.copy(src, path)
    db = connect(path)
    blocks = compose(gather(db, aid))
    word = docx.Document(io.BytesIO(report_docx(db, aid)))
    pdf = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report_pdf(db, aid))).pages)
    yield db, aid, blocks, word, pdf
    db.conn.close()


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_word_draft_has_every_heading_of_the_pdf_in_order(demo_word):
    _, _, blocks, word, pdf = demo_word
    headings = [b.text for b in blocks if isinstance(b, Para) and b.style in HEADINGS]
    in_word = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert in_word == headings and len(headings) > 20
    flat_pdf = _flat(pdf)
    assert all(_flat(h) in flat_pdf for h in headings)
    assert "一、末期评估背景" in in_word and "五、结语" in in_word


def test_the_word_draft_has_every_table_of_the_pdf_with_the_same_figures(demo_word):
    _, _, blocks, word, pdf = demo_word
    tables = [b for b in blocks if isinstance(b, Tab)]
    assert len(word.tables) == len(tables) >= 8
    flat_pdf = _flat(pdf)
    for block, table in zip(tables, word.tables):
        cells = [[c.text for c in row.cells] for row in table.rows]
        assert cells == [[str(v) for v in row] for row in block.rows]
        figures = re.findall(r"\d+(?:\.\d+)?%?", " ".join(" ".join(r) for r in cells))
        assert all(f in flat_pdf for f in figures)      # the same figures the PDF prints
    indicators = next(t for t in word.tables if t.rows[0].cells[1].text == "服务指标")
    row = next(r for r in indicators.rows if r.cells[1].text == "电话访问")
    assert [c.text for c in row.cells[3:6]] == ["1968", "2165", "110.01%"]


def test_east_asian_fonts_are_set_on_body_headings_and_runs(demo_word):
    _, _, _, word, _ = demo_word
    for name in ("Normal", "Heading 1", "Heading 2", "Heading 3"):
        fonts = word.styles[name].element.rPr.rFonts
        assert fonts.get(EA), name
        assert fonts.get(qn("w:eastAsiaTheme")) is None, name
    runs = [r for p in word.paragraphs for r in p.runs if r.text.strip()]
    assert runs and all(r._r.rPr is not None and r._r.rPr.rFonts.get(EA) for r in runs)
    heading_run = next(p for p in word.paragraphs if p.style.name == "Heading 1").runs[0]
    assert heading_run._r.rPr.rFonts.get(EA) == "黑体"


def test_the_footer_carries_a_page_field_and_the_cover_has_none(demo_word):
    _, _, _, word, _ = demo_word
    body = word.sections[-1]
    instr = [e.text.strip() for e in body.footer._element.iter(qn("w:instrText"))]
    assert "PAGE" in instr and "NUMPAGES" in instr
    assert not body.footer.is_linked_to_previous
    cover = word.sections[0]
    assert not [e for e in cover.footer._element.iter(qn("w:instrText"))]


def test_no_unmasked_phone_and_charts_go_in_as_images(demo_word):
    db, aid, _, word, _ = demo_word
    texts = [p.text for p in word.paragraphs] + [c.text for t in word.tables for r in t.rows for c in r.cells]
    phones = {r[0] for r in db.execute("SELECT phone FROM clients WHERE assessment_id = ?", [aid]) if r[0]}
    assert not [t for t in texts if PHONE.search(t)]
    assert not [p for p in phones if any(p in t for t in texts)]
    assert any("****" in t for t in texts)             # the follow-up list is there, masked
    assert len(word.inline_shapes) == 2                # 图 1 and 图 2


def test_the_draft_mark_is_in_the_header_while_the_check_is_not_clean(demo_db):
    db, aid = demo_db
    clean = docx.Document(io.BytesIO(report_docx(db, aid)))
    assert "草稿" not in "".join(p.text for p in clean.sections[-1].header.paragraphs)
    R.add_item(db, aid, _lead(db, aid), "A", "", "strength", "持证社工占比 99%。")
    assert blocking(preexport_check(db, aid))
    draft = docx.Document(io.BytesIO(report_docx(db, aid)))
    assert "草稿" in "".join(p.text for p in draft.sections[-1].header.paragraphs)
    assert any(p.text == "草稿说明：导出前检查未通过的项目" for p in draft.paragraphs)


def test_cli_writes_docx_refuses_other_extensions_and_keeps_the_pdf_contract(demo_db, tmp_path):
    db, aid = demo_db
    rc, out, _ = _run(["report", str(aid), "--db", _path(db), "--out", str(tmp_path / "r.docx")])
    assert rc == 0 and "报告已生成" in out
    assert docx.Document(str(tmp_path / "r.docx")).paragraphs
    rc, out, err = _run(["report", str(aid), "--db", _path(db), "--out", str(tmp_path / "r.txt")])
    assert rc == 1 and "扩展名不是 .pdf 或 .docx" in err and not (tmp_path / "r.txt").exists()
    rc, out, _ = _run(["report", str(aid), "--db", _path(db), "--out", str(tmp_path / "r.pdf")])
    assert rc == 0 and (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    (tmp_path / "old.docx").write_bytes((tmp_path / "r.docx").read_bytes())
    rc, _, err = _run(["report", str(aid), "--db", _path(db), "--out", str(tmp_path / "old.docx")])
    assert rc == 0                                       # a Word file may be replaced by a Word file…
    (tmp_path / "sheet.docx").write_bytes(b"%PDF-1.4 not a word file")
    rc, _, err = _run(["report", str(aid), "--db", _path(db), "--out", str(tmp_path / "sheet.docx")])
    assert rc == 1 and "PDF" in err                      # …never a file of another type


def test_issued_versions_carry_their_label_and_record_the_hash_of_the_file_sent(demo_db, tmp_path):
    db, aid = demo_db
    rc, out, _ = _run(["report", str(aid), "--db", _path(db), "--out", str(tmp_path / "v1.pdf"), "--issue", "天河区民政局"])
    assert rc == 0 and "初稿 1" in out
    rc, out, _ = _run(["report", str(aid), "--db", _path(db), "--out", str(tmp_path / "v2.docx"),
                       "--issue", "元岗街道办事处"])
    assert rc == 0 and "初稿 2" in out
    rows = V.versions(db, aid)
    assert [(v["label"], v["recipient"], v["format"]) for v in rows] == [
        ("初稿 1", "天河区民政局", "pdf"), ("初稿 2", "元岗街道办事处", "docx")]
    assert rows[0]["sha256"] == hashlib.sha256((tmp_path / "v1.pdf").read_bytes()).hexdigest()
    assert rows[1]["sha256"] == hashlib.sha256((tmp_path / "v2.docx").read_bytes()).hexdigest()
    pages = [p.extract_text() for p in pypdf.PdfReader(str(tmp_path / "v1.pdf")).pages]
    assert "初稿 1" in pages[0] and all("初稿 1" in p for p in pages[1:])     # cover and every footer
    word = docx.Document(str(tmp_path / "v2.docx"))
    assert any("初稿 2" in p.text for p in word.paragraphs[:20])
    assert "初稿 2" in "".join(p.text for p in word.sections[-1].footer.paragraphs)
    V.record_feedback(db, aid, _lead(db, aid), rows[0]["id"], "区民政局：同意，无修改意见。")
    rc, out, _ = _run(["versions", str(aid), "--db", _path(db)])
    assert rc == 0 and out.splitlines()[-1] == "共 2 个版本"
    assert rows[0]["sha256"] in out and "区民政局：同意，无修改意见。" in out and "Word" in out


def test_the_final_version_needs_a_clean_check_and_a_locked_assessment(demo_db, tmp_path):
    db, aid = demo_db
    lead = _lead(db, aid)
    with pytest.raises(DataError, match="锁定"):
        V.issue(db, aid, lead, "final", "天河区民政局", "pdf")
    R.add_item(db, aid, lead, "A", "", "strength", "持证社工占比 99%。")     # a blocking figure
    A.set_locked(db, aid, lead, True)
    with pytest.raises(DataError, match="须处理"):
        V.issue(db, aid, lead, "final", "天河区民政局", "pdf")
    rc, _, err = _run(["report", str(aid), "--db", _path(db), "--out", str(tmp_path / "f.pdf"),
                       "--issue", "天河区民政局", "--final"])
    assert rc == 1 and "须处理" in err and not (tmp_path / "f.pdf").exists()
    A.set_locked(db, aid, lead, False)
    item = next(i for i in R.group_items(db, aid, "A", "", "strength") if "99%" in i["text"])
    R.remove_item(db, aid, lead, item["ref"])
    A.set_locked(db, aid, lead, True)
    final = V.issue(db, aid, lead, "final", "天河区民政局", "docx")
    assert final.version["label"] == "定稿" and final.data.startswith(b"PK")
    assert [v["label"] for v in V.versions(db, aid)] == ["定稿"]


def test_the_report_page_issues_a_draft_version_and_records_its_feedback(demo_db_file, app_env):
    src, aid = demo_db_file
    shutil.copy(src, app_env)
    db = connect(app_env)
    lead = _lead(db, aid)
    at = app_test("pages/report.py", auth={"assessment_id": aid, "member_id": lead})
    at.run()
    assert not at.exception, at.exception
    at.text_input(key="rv_to").set_value("天河区民政局")
    at.button(key="rv_issue").click()
    at.run()
    assert not at.exception, at.exception
    rows = V.versions(db, aid)
    assert [(v["label"], v["recipient"], v["format"]) for v in rows] == [("初稿 1", "天河区民政局", "pdf")]
    assert any("已记录初稿 1" in s.value for s in at.success)
    at.text_area(key=f"rv_fb_{rows[0]['id']}").set_value("区民政局：无异议。")
    at.run()
    assert V.versions(db, aid)[0]["feedback"] == "区民政局：无异议。"
    db.conn.close()


def test_feedback_recorded_under_a_draft_is_printed_in_the_feedback_section(demo_db):
    db, aid = demo_db
    lead = _lead(db, aid)
    R.set_text(db, aid, lead, "feedback_draft", "")
    assert any(i.code == "feedback" and "初稿" in i.message for i in blocking(preexport_check(db, aid)))
    issued = V.issue(db, aid, lead, "draft", "天河区民政局", "pdf")
    V.record_feedback(db, aid, lead, issued.version["id"], "建议补充片区三的服务数据。")
    assert not any(i.code == "feedback" and "初稿" in i.message for i in preexport_check(db, aid))
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report_pdf(db, aid))).pages)
    flat = _flat(text)
    assert _flat("2.对评估报告初稿的反馈：初稿1（") in flat and _flat("发送天河区民政局）的反馈：建议补充片区三的服务数据。") in flat
