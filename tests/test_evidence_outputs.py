"""Evidence in the outputs: the pre-export check, the optional PDF annex (photos marked personal never
printed), Excel (personal ones never listed), the JSON transfer (base64) and the backup."""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from core.report import make as report_make
from core.station import attachments as ATT
from core.station import interviews as IV
from core.report import data as RD
from core.scoring import scoresheet as S
from core.station import data as SD
from core.agency import transfer as X
from core.errors import ImportRejected
from core.agency.exports import backup_file, export_xlsx
from db.connection import connect
from db.migrations import migrate

from _station_fixtures import station, station_file  # noqa: F401  (fixtures)

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def jpeg(w: int, h: int, colour=(200, 40, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), colour).save(buf, "JPEG")
    return buf.getvalue()


def _pdf_scan() -> bytes:
    """A real one-page PDF (a file that only starts %PDF- and ends %%EOF is refused, issue 26)."""
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf)
    c.drawString(72, 720, "xunchajilu")
    c.showPage()
    c.save()
    return buf.getvalue()


PDF_SCAN = _pdf_scan()


@pytest.fixture
def evidenced(station):
    """Three 需要关注 findings: one with a public photo and a personal one, one whose source site record
    carries a photo, one without evidence; a 值得肯定 finding without evidence."""
    db, aid, m = station
    ex = m["expert"]
    f1 = S.add_finding(db, aid, ex, "A", "concern", "消防器材过期未更换")
    ATT.add(db, aid, ex, "finding", f1, "灭火器.jpg", jpeg(640, 480), caption="灭火器有效期已过")
    ATT.add(db, aid, ex, "finding", f1, "黄子昕身份证.jpg", jpeg(300, 200, (0, 0, 200)), personal=True,
            caption="服务对象证件（含个人信息）")
    ATT.add(db, aid, ex, "finding", f1, "巡查记录.pdf", PDF_SCAN, caption="消防巡查记录扫描件")
    rid = SD.save_site_record(db, aid, ex, "document", item="个案文书", status="finding", finding="知情同意书缺监护人签名")
    ATT.add(db, aid, ex, "site_record", rid, "同意书.jpg", jpeg(480, 640, (20, 160, 20)))
    f2 = SD.promote_to_finding(db, aid, ex, rid, "A")
    f3 = S.add_finding(db, aid, ex, "A", "concern", "督导记录未归档")
    S.add_finding(db, aid, ex, "A", "strength", "制度健全")
    return db, aid, m, {"photo": f1, "promoted": f2, "bare": f3}


def test_the_check_lists_the_concern_findings_without_evidence(evidenced):
    db, aid, m, f = evidenced
    items = [i for i in report_make.preexport_check(db, aid) if i.code == "evidence"]
    assert len(items) == 1 and not items[0].blocking and items[0].page == "scoring"
    msg = items[0].message
    assert msg == "1 条“需要关注”意见没有证据附件（照片或扫描件）：A 项目管理 1 条（专家乙）"
    assert [x["text"] for x in RD.gather(db, aid).unevidenced] == ["督导记录未归档"]
    f4 = S.add_finding(db, aid, m["lead"], "B", "concern", "片区二探访记录缺失", area_code="P2")
    msg = next(i for i in report_make.preexport_check(db, aid) if i.code == "evidence").message
    assert msg == "2 条“需要关注”意见没有证据附件（照片或扫描件）：A 项目管理 1 条（专家乙）、B 服务质量·片区二 1 条（组长甲）"
    ATT.add(db, aid, m["lead"], "finding", f4, "探访.pdf", PDF_SCAN)
    ATT.add(db, aid, m["expert"], "finding", f["bare"], "督导.pdf", PDF_SCAN, personal=True)
    assert not [i for i in report_make.preexport_check(db, aid) if i.code == "evidence"]


def _images(reader) -> list[tuple[int, int]]:
    return sorted((img.image.width, img.image.height) for page in reader.pages for img in page.images)


def test_the_default_report_has_no_evidence_annex(evidenced):
    db, aid, _, _ = evidenced
    reader = PdfReader(io.BytesIO(report_make.report_pdf(db, aid)))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "评估意见证据" not in text and _images(reader) == []


def test_the_evidence_annex_prints_each_finding_with_its_photos_but_never_a_personal_one(evidenced):
    db, aid, _, _ = evidenced
    reader = PdfReader(io.BytesIO(report_make.report_pdf(db, aid, evidence=True)))
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert "附件5：评估意见证据" in text and "5.评估意见证据" in text
    assert "消防器材过期未更换" in text and "灭火器有效期已过" in text
    assert "知情同意书缺监护人签名" in text           # promoted from a record that carries a photo
    assert "PDF 扫描件：巡查记录.pdf" in text and "另有 1 个附件含个人信息，未列入本报告" in text
    assert "身份证" not in text and "证件" not in text
    # Exactly the two photos not marked personal are embedded (as stored: 640×480 and 480×640).
    assert _images(reader) == [(480, 640), (640, 480)]


def test_the_cli_writes_the_evidence_annex_only_when_asked(evidenced, tmp_path):
    db, aid, _, _ = evidenced
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    for flag, annex in (([], False), (["--evidence"], True)):
        out = tmp_path / f"r{len(flag)}.pdf"
        r = subprocess.run([sys.executable, "-m", "core", "report", str(aid), "--db", path, "--out", str(out), *flag],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        reader = PdfReader(str(out))
        assert ("评估意见证据" in "".join(p.extract_text() for p in reader.pages)) is annex
        assert len(_images(reader)) == (2 if annex else 0)


def test_excel_lists_the_evidence_but_never_a_personal_attachment(evidenced):
    db, aid, _, _ = evidenced
    IV.save_interview(db, aid, evidenced[2]["expert"], group_code="worker", role="片区一社工", name="李明华",
                      points="李明华熟悉兜底对象")
    wb = load_workbook(io.BytesIO(export_xlsx(db, aid)))
    rows = [[c.value for c in r] for r in wb["证据附件"].iter_rows(min_row=2)]
    names = [r[2] for r in rows]
    assert names[:3] == ["灭火器.jpg", "巡查记录.pdf", "同意书.jpg"]
    assert names[-1] == "另有 1 个附件标记为含个人信息，未列入本表"
    assert not any("身份证" in str(v) for r in rows for v in r)
    assert all(not ws._images for ws in wb.worksheets)
    everywhere = [str(c.value) for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.value is not None]
    assert not any("身份证" in v for v in everywhere)         # not even its name in the audit sheet
    assert any("灭火器.jpg" in v for v in wb["修改记录"].iter_rows(values_only=True) for v in map(str, v))
    iv = [[c.value for c in r] for r in wb["访谈记录"].iter_rows(min_row=2)]
    assert iv == [["社工", "片区一社工", "李*华", "李*华熟悉兜底对象", None, None, "专家乙", iv[0][7]]]


def test_the_json_transfer_carries_attachments_and_interviews(evidenced, tmp_path):
    db, aid, m, f = evidenced
    iid = IV.save_interview(db, aid, m["expert"], group_code="client", role="独居长者", points="社工每周来电")
    ATT.add(db, aid, m["expert"], "interview", iid, "探访.jpg", jpeg(200, 100))
    IV.promote_to_finding(db, aid, m["expert"], iid, "A", kind="strength")
    data = X.export_json(db, aid)
    doc = json.loads(data)
    stored = {a["filename"]: a for a in doc["tables"]["attachments"]}
    assert isinstance(stored["灭火器.jpg"]["data"], str) and stored["巡查记录.pdf"]["thumb"] is None
    target = connect(tmp_path / "other.db")
    migrate(target)
    target.execute("INSERT INTO stations (name) VALUES ('占位')")    # ids differ on the other laptop
    new = X.import_assessment(target, data)
    before = {a["filename"]: a for a in ATT.list_all(db, aid)}
    after = {a["filename"]: a for a in ATT.list_all(target, new)}
    assert set(after) == set(before)
    for name, a in after.items():
        b = before[name]
        assert (a["personal"], a["caption"], a["mime"], a["owner_kind"], a["thumb"]) == \
               (b["personal"], b["caption"], b["mime"], b["owner_kind"], b["thumb"])
        assert ATT.file_of(target, new, a["id"])["data"] == ATT.file_of(db, aid, b["id"])["data"]
    # Owners follow the new ids: the photo of the finding is on the imported copy of that finding.
    fnew = {x["id"]: x for x in S.findings(target, new)}
    assert fnew[after["灭火器.jpg"]["owner_id"]]["text"] == "消防器材过期未更换"
    promoted = next(x for x in fnew.values() if x["source"].startswith("interview:"))
    assert promoted["source"] == f"interview:{after['探访.jpg']['owner_id']}"
    assert IV.list_interviews(target, new)[0]["finding_id"] == promoted["id"]
    # The imported report has the same evidence annex; the interview's photo is the promoted strength's evidence.
    annex = RD.gather(target, new, evidence=True).evidence_annex
    assert [(e["text"], [i["filename"] for i in e["items"]]) for e in annex] == \
           [(e["text"], [i["filename"] for i in e["items"]]) for e in RD.gather(db, aid, evidence=True).evidence_annex]
    assert any(e["kind"] == "值得肯定" and [i["filename"] for i in e["items"]] == ["探访.jpg"] for e in annex)
    target.conn.close()


def test_a_file_exported_before_evidence_existed_still_imports(evidenced, tmp_path):
    db, aid, _, _ = evidenced
    doc = X.export_assessment(db, aid)
    for t in ("attachments", "interviews"):
        del doc["tables"][t]
    target = connect(tmp_path / "old.db")
    migrate(target)
    new = X.import_assessment(target, X.dumps(doc))
    assert ATT.list_all(target, new) == [] and IV.list_interviews(target, new) == []
    target.conn.close()


def test_a_damaged_attachment_in_the_file_is_refused_and_nothing_is_written(evidenced, tmp_path):
    db, aid, _, _ = evidenced
    doc = X.export_assessment(db, aid)
    doc["tables"]["attachments"][0]["data"] = "这不是base64!!"
    target = connect(tmp_path / "bad.db")
    migrate(target)
    with pytest.raises(ImportRejected) as e:
        X.import_assessment(target, X.dumps(doc))
    assert "证据附件 第 1 条" in str(e.value) and "base64" in str(e.value)
    assert target.execute("SELECT COUNT(*) FROM assessments").fetchone()[0] == 0
    target.conn.close()


def test_the_backup_carries_the_attachments(evidenced, tmp_path):
    db, aid, _, _ = evidenced
    backup_file(db, tmp_path / "copy.db")
    copy = connect(tmp_path / "copy.db")
    a = {r["id"]: r["data"] for r in db.query("SELECT id, data FROM attachments")}
    b = {r["id"]: r["data"] for r in copy.query("SELECT id, data FROM attachments")}
    assert a == b and len(a) == 4
    copy.conn.close()


def test_the_annex_follows_the_report_as_the_lead_edited_it(evidenced):
    from core.report import edits as RE

    db, aid, m, f = evidenced
    lead = m["lead"]
    RE.merge_items(db, aid, lead, [f"finding:{f['photo']}", f"finding:{f['promoted']}"],
                   "消防与文书管理均需加强（合并两条意见）")
    annex = RD.gather(db, aid, evidence=True).evidence_annex
    assert [(e["text"], len(e["items"]), e["hidden"]) for e in annex] == [("消防与文书管理均需加强（合并两条意见）", 3, 1)]
    ref = next(it["ref"] for it in RE.group_items(db, aid, "A", "", "concern") if it["text"].startswith("消防与文书"))
    RE.remove_item(db, aid, lead, ref)          # not in the report: not in its annex either
    assert RD.gather(db, aid, evidence=True).evidence_annex == []
