"""Evidence in real browsers: an expert attaches a photo to her finding on her laptop, the lead sees its
thumbnail on his. Waits are explicit (Playwright expect), never sleeps."""
from __future__ import annotations

import io
import re

from playwright.sync_api import expect

from . import st_ui as ui
from .server import screenshot

LEAD, LEAD_PIN = "罗组长", "8181"
EXPERT, PIN = "邓专家", "2929"


def _team(db_path) -> tuple[int, dict[str, int]]:
    """Set-up that is not under test: an assessment with a lead and one expert on section A."""
    from core.assessment import team as A
    from db.connection import connect

    db = connect(db_path)
    try:
        aid, lead_id = A.new_assessment(db, {"name": "凤阳街社工服务站", "district": "海珠区"}, "gz-2024-four-party",
                                        LEAD, LEAD_PIN)
        e = A.add_member(db, aid, lead_id, EXPERT, "expert", PIN, ["A"])
    finally:
        db.conn.close()
    return aid, {LEAD: lead_id, EXPERT: e}


def _phone_photo(path) -> None:
    """A 2400×1800 phone photo with EXIF (orientation, GPS) as the camera writes it."""
    from PIL import Image

    img = Image.new("RGB", (2400, 1800), (180, 60, 40))
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x8825] = {1: "N", 2: (23.0, 8.0, 30.0), 3: "E", 4: (113.0, 16.0, 10.0)}
    img.save(path, "JPEG", quality=90, exif=exif)


def test_an_expert_attaches_a_photo_to_a_finding_and_the_lead_sees_its_thumbnail(server, new_page, tmp_path):
    aid, ids = _team(server.db_path)
    photo = tmp_path / "消防通道.jpg"
    _phone_photo(photo)

    expert = new_page()
    ui.login(expert, server.url, aid, EXPERT, PIN)
    ui.go(expert, "专家评分")
    main = ui.main(expert)
    ui.widget(expert, "fd_A__newkind").get_by_text("需要关注", exact=True).click()
    ui.widget(expert, "fd_A__newtext").locator("textarea").fill("消防通道堆放杂物，疏散指示不清")
    ui.click(expert, "添加意见")
    expect(main.get_by_text("证据附件（0）")).to_be_visible()       # shown once the finding is saved

    from core.scoring import scoresheet as S
    from db.connection import connect

    db = connect(server.db_path)
    [finding] = S.findings(db, aid, "A")
    db.conn.close()
    fid = finding["id"]
    assert finding["kind"] == "concern" and finding["text"] == "消防通道堆放杂物，疏散指示不清"
    ui.open_expander(expert, "证据附件（0）")
    expect(main.get_by_text(re.compile(r"每个文件不超过 10 MB"))).to_be_visible()   # the cap, in Chinese
    # A file that is neither a photo nor a PDF is refused with a Chinese reason; nothing is stored.
    note = tmp_path / "访谈提纲.docx"
    note.write_bytes(b"PK\x03\x04 not a photo")
    ui.widget(expert, f"fd_A__ev_{fid}_files").locator("input[type=file]").set_input_files(str(note))
    expect(ui.widget(expert, f"fd_A__ev_{fid}_files")).to_contain_text("访谈提纲.docx")
    ui.click(expert, "保存附件")
    expect(main.get_by_text("文件“访谈提纲.docx”不是照片（JPG、PNG、WebP）或 PDF 扫描件，无法作为证据附件")).to_be_visible()
    ui.open_expander(expert, "证据附件（0）")
    ui.widget(expert, f"fd_A__ev_{fid}_files").locator("input[type=file]").set_input_files(str(photo))
    expect(ui.widget(expert, f"fd_A__ev_{fid}_files")).to_contain_text("消防通道.jpg")
    ui.widget(expert, f"fd_A__ev_{fid}_caption").locator("input").fill("二楼消防通道")
    ui.click(expert, "保存附件")
    expect(main.get_by_test_id("stImage").first).to_be_visible()
    expect(main.get_by_text("证据附件（1）")).to_be_visible()
    screenshot(expert, "expert-evidence")

    # Stored downscaled, without the photo's GPS.
    from PIL import Image

    from core.station import attachments as ATT

    db = connect(server.db_path)
    [att] = ATT.list_for(db, aid, "finding", fid)
    stored = ATT.file_of(db, aid, att["id"])["data"]
    db.conn.close()
    img = Image.open(io.BytesIO(stored))
    assert img.size == (1600, 1200) and not img.getexif()
    assert (att["caption"], att["personal"], att["member_name"]) == ("二楼消防通道", False, EXPERT)

    # The lead, on his own laptop, sees the thumbnail under the report item built from the finding.
    lead = new_page()
    ui.login(lead, server.url, aid, LEAD, LEAD_PIN)
    ui.go(lead, "报告与导出")
    lmain = ui.main(lead)
    expect(lmain.get_by_text("证据附件 1 个（专家在现场拍摄或收集）")).to_be_visible()
    thumb = lmain.get_by_test_id("stImage").first
    expect(thumb).to_be_visible()
    expect(thumb).to_contain_text("二楼消防通道")
    size = thumb.locator("img").evaluate("i => i.decode().then(() => [i.naturalWidth, i.naturalHeight])")
    assert max(size) <= 240 and size[0] > size[1]          # the thumbnail, not the stored photo
    screenshot(lead, "lead-sees-evidence")


def test_a_photo_taken_with_the_camera_is_attached_to_a_site_record(server, browser, tmp_path):
    """Chromium's fake camera stands in for the laptop's: the expert photographs an observation item."""
    from core.station import attachments as ATT
    from core.station import data as SD
    from db.connection import connect

    from .server import CHROMIUM, CHROMIUM_ARGS, WAIT_MS

    aid, ids = _team(server.db_path)
    cam = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"])
    try:
        ctx = cam.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", permissions=["camera"],
                              ignore_https_errors=True)   # the server is HTTPS (self-signed)
        ctx.set_default_timeout(WAIT_MS)
        page = ctx.new_page()
        ui.login(page, server.url, aid, EXPERT, PIN)
        ui.go(page, "现场记录")
        main = ui.main(page)
        main.get_by_role("tab", name="实地观察").click()
        ui.wait_idle(page)                          # choosing a tab reruns the page (only the open tab is drawn)
        ui.open_expander(page, "实地观察的证据附件（照片、扫描件）：共 0 个")
        db = connect(server.db_path)
        first = SD.list_site_records(db, aid, "observation")[0]
        db.conn.close()
        key = f"ev_sr_up_{first['id']}"
        ui.widget(page, f"{key}_camera_on").get_by_text("用摄像头拍照").click()
        shot = ui.widget(page, f"{key}_shot")
        video = shot.locator("video")
        expect(video).to_be_visible()
        # The (fake) camera is streaming: a frame can be captured once the video has data.
        video.evaluate("v => new Promise(r => { const ok = () => v.readyState >= 2 && v.videoWidth > 0;"
                       " if (ok()) r(true); else v.addEventListener('loadeddata', () => r(true), {once: true}); })")
        take = shot.get_by_role("button", name=re.compile("Take Photo|拍照"))
        for attempt in range(3):    # a click while the webcam component is still mounting is ignored by it
            take.click()
            try:
                expect(shot.locator("img")).to_be_visible(timeout=6000)
                break
            except AssertionError:
                if attempt == 2:
                    raise
        ui.widget(page, f"{key}_caption").locator("input").fill("现场拍照：功能室")
        ui.wait_idle(page)
        ui.click(page, "保存附件")
        expect(main.get_by_text("实地观察的证据附件（照片、扫描件）：共 1 个")).to_be_visible()
        screenshot(page, "expert-camera-evidence")
        db = connect(server.db_path)
        [att] = ATT.list_for(db, aid, "site_record", first["id"])
        db.conn.close()
        assert (att["caption"], att["mime"], att["member_name"]) == ("现场拍照：功能室", "image/jpeg", EXPERT)
        assert att["width"] and att["thumb"]
    finally:
        cam.close()
