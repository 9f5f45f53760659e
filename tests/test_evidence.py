"""Evidence on site: photos and PDF scans attached to site records, interview notes and findings.

Real files made with Pillow (a phone photo lying on its side with EXIF orientation and GPS, a PNG
with transparency, a PDF), stored in a real SQLite file and read back.
"""
from __future__ import annotations

import io

import pytest
from PIL import Image

from core.station import attachments as ATT
from core.station import evidence as EV
from core.station import interviews as IV
from core.scoring import scoresheet as S
from core.station import data as SD
from core.assessment import team as A
from core.errors import InvalidValue, PermissionDenied

from _station_fixtures import station, station_file  # noqa: F401  (fixtures)


def phone_photo(w: int = 4000, h: int = 3000, orientation: int = 6, gps: bool = True) -> bytes:
    """A JPEG as a phone writes it: stored landscape, EXIF says 'rotate 90° clockwise', with GPS and camera."""
    img = Image.new("RGB", (w, h), (40, 120, 200))
    img.paste((250, 250, 0), (0, 0, w // 4, h // 4))           # a yellow block at the stored top-left
    exif = Image.Exif()
    exif[0x0112] = orientation                               # Orientation
    exif[0x010F] = "PhoneMaker"                              # Make
    exif[0x0110] = "Model X"                                 # Model
    if gps:
        exif[0x8825] = {1: "N", 2: (23.0, 8.0, 30.0), 3: "E", 4: (113.0, 16.0, 10.0)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95, exif=exif)
    return buf.getvalue()


def pdf_scan() -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf)
    c.drawString(72, 720, "scan")
    c.showPage()
    c.save()
    return buf.getvalue()


def test_a_phone_photo_is_downscaled_turned_upright_and_stripped_of_its_metadata():
    raw = phone_photo()
    out = EV.prepare("IMG_0001.JPG", raw)
    img = Image.open(io.BytesIO(out["data"]))
    # Stored 4000×3000 with orientation 6: upright it is portrait, long side cut to 1600.
    assert (img.width, img.height) == (1200, 1600) == (out["width"], out["height"])
    assert img.format == "JPEG" and out["mime"] == "image/jpeg" and out["filename"] == "IMG_0001.jpg"
    assert out["size"] == len(out["data"]) < len(raw) and out["original_size"] == len(raw)
    exif = img.getexif()
    assert len(exif) == 0 and not exif.get_ifd(0x8825)       # no orientation, camera or GPS left
    assert b"PhoneMaker" not in out["data"] and b"Exif" not in out["data"]
    # Turned upright: the yellow block stored at the top-left is now at the top-right.
    r, g, b = img.convert("RGB").getpixel((img.width - 20, 20))
    assert r > 200 and g > 200 and b < 80
    thumb = Image.open(io.BytesIO(out["thumb"]))
    assert max(thumb.size) == EV.THUMB_SIDE and thumb.height > thumb.width


def test_a_small_png_with_transparency_is_kept_at_its_size_as_jpeg():
    img = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    out = EV.prepare("截图.png", buf.getvalue())
    stored = Image.open(io.BytesIO(out["data"]))
    assert stored.size == (300, 200) and stored.format == "JPEG"
    assert stored.convert("RGB").getpixel((5, 5)) == pytest.approx((255, 255, 255), abs=3)  # transparent -> white


def test_a_pdf_scan_is_kept_as_uploaded():
    data = pdf_scan()
    out = EV.prepare("劳动合同扫描.pdf", data)
    assert out["mime"] == "application/pdf" and out["data"] == data and out["thumb"] is None


def test_a_jpeg_comment_with_a_position_and_a_phone_does_not_survive_the_re_encoding():
    """Issue 26: the COM segment came back in the stored photo, its thumbnail and the JSON export."""
    img = Image.new("RGB", (800, 600), (90, 90, 90))
    buf = io.BytesIO()
    img.save(buf, "JPEG", comment="GPS 23.1417N 113.2694E 联系 13812345678".encode())
    assert b"13812345678" in buf.getvalue()
    out = EV.prepare("现场.jpg", buf.getvalue())
    for part in (out["data"], out["thumb"]):
        assert b"13812345678" not in part and b"GPS" not in part
        assert "comment" not in Image.open(io.BytesIO(part)).info


def test_a_pdf_uploaded_under_a_photo_name_is_stored_as_a_pdf():
    out = EV.prepare("photo.jpg", pdf_scan())
    assert out["mime"] == "application/pdf" and out["filename"] == "photo.pdf"


def test_a_web_page_dressed_as_a_pdf_is_refused():
    page = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"
    with pytest.raises(InvalidValue, match="不是有效的 PDF"):
        EV.prepare("report.html", page)
    fake = b"%PDF-1.7\n" + b"A" * 500 + b"\n%%EOF"
    with pytest.raises(InvalidValue, match="不是有效的 PDF"):
        EV.prepare("scan.pdf", fake)


@pytest.mark.parametrize("name,data,words", [
    ("名册.xlsx", b"PK\x03\x04" + b"x" * 100, "不是照片"),
    ("照片.jpg", b"\xff\xd8\xff\xe0 broken", "不是照片"),
    ("说明.txt", "现场情况".encode(), "不是照片"),
    ("空.jpg", b"", "是空的"),
    ("半个.pdf", b"%PDF-1.4\n1 0 obj\n", "不完整"),
])
def test_files_that_are_not_photos_or_pdf_are_refused_in_chinese(name, data, words):
    with pytest.raises(InvalidValue) as e:
        EV.prepare(name, data)
    assert words in str(e.value) and name in str(e.value)


def test_a_file_over_the_cap_is_refused_and_nothing_is_stored(station):
    db, aid, m = station
    rid = SD.save_site_record(db, aid, m["expert"], "observation", item="消防通道")
    big = b"%PDF-1.4\n" + b"0" * EV.MAX_UPLOAD_BYTES + b"\n%%EOF\n"
    with pytest.raises(InvalidValue) as e:
        ATT.add(db, aid, m["expert"], "site_record", rid, "全套档案.pdf", big)
    assert f"{EV.MAX_UPLOAD_MB} MB" in str(e.value) and "全套档案.pdf" in str(e.value)
    assert ATT.list_for(db, aid, "site_record", rid) == []
    # The cap stated beside the upload box is the one enforced.
    assert f"不超过 {EV.MAX_UPLOAD_MB} MB" in EV.CAP_TEXT
    real = pdf_scan()                            # a real PDF, padded by a comment line after its header
    head = real.index(b"\n") + 1
    just_under = real[:head] + b"%" + b"0" * (EV.MAX_UPLOAD_BYTES - len(real) - 2) + b"\n" + real[head:]
    assert len(just_under) <= EV.MAX_UPLOAD_BYTES
    ATT.add(db, aid, m["expert"], "site_record", rid, "档案.pdf", just_under)
    assert len(ATT.list_for(db, aid, "site_record", rid)) == 1


def test_attachments_on_a_site_record_an_interview_and_a_finding_are_stored_with_thumbnails(station):
    db, aid, m = station
    rid = SD.save_site_record(db, aid, m["expert"], "observation", item="无障碍设施", status="finding",
                              finding="坡道扶手松动")
    iid = IV.save_interview(db, aid, m["expert"], group_code="worker", role="片区一社工", points="熟悉兜底对象")
    fid = S.add_finding(db, aid, m["expert"], "A", "concern", "消防器材过期")
    a1 = ATT.add(db, aid, m["expert"], "site_record", rid, "坡道.jpg", phone_photo(), caption="坡道扶手")
    a2 = ATT.add(db, aid, m["expert"], "interview", iid, "签到表.pdf", pdf_scan(), personal=True)
    a3 = ATT.add(db, aid, m["expert"], "finding", fid, "灭火器.jpg", phone_photo(800, 600, 1, False))
    [r] = ATT.list_for(db, aid, "site_record", rid)
    assert r["id"] == a1 and r["caption"] == "坡道扶手" and r["thumb"][:2] == b"\xff\xd8" and not r["personal"]
    assert r["member_name"] == "专家乙"
    [p] = ATT.list_for(db, aid, "interview", iid)
    assert p["id"] == a2 and p["personal"] and p["thumb"] is None and p["mime"] == "application/pdf"
    assert ATT.file_of(db, aid, a3)["data"][:2] == b"\xff\xd8"
    # One audit row each, naming the file, never holding its bytes.
    rows = list(db.query("SELECT * FROM audit_log WHERE entity = 'attachment' ORDER BY id"))
    assert len(rows) == 3 and "灭火器.jpg" in rows[2]["new"] and len(rows[2]["new"]) < 400


def test_only_the_author_of_a_finding_and_the_lead_attach_evidence_to_it(station):
    db, aid, m = station
    other = A.add_member(db, aid, m["lead"], "专家丁", "expert", "4444", sections=["B"])
    fid = S.add_finding(db, aid, m["expert"], "A", "concern", "制度未上墙")
    with pytest.raises(PermissionDenied):
        ATT.add(db, aid, other, "finding", fid, "a.jpg", phone_photo(100, 80, 1, False))
    with pytest.raises(PermissionDenied):
        ATT.add(db, aid, m["staff"], "finding", fid, "a.jpg", phone_photo(100, 80, 1, False))
    att = ATT.add(db, aid, m["lead"], "finding", fid, "a.jpg", phone_photo(100, 80, 1, False))
    ATT.set_personal(db, aid, m["expert"], att, True)
    assert ATT.list_for(db, aid, "finding", fid)[0]["personal"]
    with pytest.raises(PermissionDenied):
        ATT.delete(db, aid, other, att)
    ATT.delete(db, aid, m["expert"], att)
    assert ATT.list_for(db, aid, "finding", fid) == []


def test_a_record_with_evidence_is_not_deleted_until_its_attachments_are(station):
    db, aid, m = station
    rid = SD.save_site_record(db, aid, m["expert"], "observation", item="功能室")
    att = ATT.add(db, aid, m["expert"], "site_record", rid, "功能室.jpg", phone_photo(100, 80, 1, False))
    with pytest.raises(InvalidValue) as e:
        SD.delete_site_record(db, aid, m["expert"], rid)
    assert "证据附件" in str(e.value)
    assert any(r["id"] == rid for r in SD.list_site_records(db, aid, "observation"))
    ATT.delete(db, aid, m["expert"], att)
    SD.delete_site_record(db, aid, m["expert"], rid)
    assert not any(r["id"] == rid for r in SD.list_site_records(db, aid, "observation"))


def test_a_photo_shown_as_a_finding_evidence_includes_what_its_source_record_carries(station):
    db, aid, m = station
    rid = SD.save_site_record(db, aid, m["expert"], "document", item="个案文书", status="finding",
                              finding="知情同意书缺监护人签名")
    ATT.add(db, aid, m["expert"], "site_record", rid, "同意书.jpg", phone_photo(100, 80, 1, False))
    fid = SD.promote_to_finding(db, aid, m["expert"], rid, "A")
    ev = ATT.finding_evidence(db, aid, {f["id"]: f["source"] for f in S.findings(db, aid)})
    assert [a["filename"] for a in ev[fid]] == ["同意书.jpg"]


def test_a_photo_is_printed_smaller_than_it_is_stored():
    stored = EV.prepare("大图.jpg", phone_photo(3000, 2000, 1, False))["data"]
    printed = Image.open(io.BytesIO(EV.for_print(stored)))
    assert max(printed.size) == EV.PRINT_SIDE and printed.size[0] > printed.size[1]
    small = EV.prepare("小图.jpg", phone_photo(600, 400, 1, False))["data"]
    assert EV.for_print(small) == small


def test_evidence_of_a_submitted_section_is_read_only_until_the_lead_reopens(demo_db):
    from core.scoring import signoff

    db, aid = demo_db
    m = {x["name"]: x["id"] for x in A.list_members(db, aid)}
    f = next(f for f in S.findings(db, aid) if f["member_id"] == m["林晓红"] and f["section_code"] == "C")
    signoff.submit_sections(db, aid, m["林晓红"])
    with pytest.raises(PermissionDenied) as e:
        ATT.add(db, aid, m["林晓红"], "finding", f["id"], "补拍.jpg", phone_photo(100, 80, 1, False))
    assert "提交评分" in str(e.value)
    assert ATT.list_for(db, aid, "finding", f["id"]) == []


def test_the_pdf_check_stays_fast_on_a_file_of_digits():
    """A 10 MB run of digits once made the structure check backtrack for minutes (unbounded \\d+)."""
    import time

    data = b"%PDF-1.4\n%" + b"0" * (EV.MAX_UPLOAD_BYTES - 40) + b"\n1 0 obj\n/Root\nstartxref\n9\n%%EOF\n"
    t = time.perf_counter()
    assert EV._is_pdf(data)
    assert time.perf_counter() - t < 5
