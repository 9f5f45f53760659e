"""Interview notes and evidence on the real pages (AppTest): an interview typed and promoted on 现场记录,
thumbnails shown to the lead on 报告与导出 and to other experts on 专家评分, the evidence switch."""
from __future__ import annotations

import io

from PIL import Image

from core.station import attachments as ATT
from core.station import interviews as IV
from core.scoring import scoresheet as S
from core.station.evidence import CAP_TEXT
from conftest import open_site_tab
from test_station_pages import demo_app, login  # noqa: F401  (the fixture and the page login)


def jpeg(w=400, h=300) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (10, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


def test_an_interview_note_added_on_the_page_is_stored_with_its_name_masked(demo_app):
    db, aid, m = demo_app
    at = open_site_tab(login(aid, m["王建华"], "pages/site_records.py"), "访谈")
    at.selectbox(key="iv_new_group").set_value("partner")
    at.text_input(key="iv_new_role").input("上元岗社区居委主任")
    at.text_input(key="iv_new_name").input("梁丽萍")
    at.text_area(key="iv_new_points").input("社工与居委每月联席会议，梁丽萍评价很高。")
    at.button(key="iv_new_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    [note] = [n for n in IV.list_interviews(db, aid) if n["role"] == "上元岗社区居委主任"]
    assert (note["group_label"], note["role"], note["name"]) == ("合作方/居委代表", "上元岗社区居委主任", "梁*萍")
    assert note["points"] == "社工与居委每月联席会议，梁*萍评价很高。" and note["member_name"] == "王建华"
    # The page shows the masked name, never the typed one.
    assert at.text_input(key=f"iv_name_{note['id']}").value == "梁*萍"
    shown = " ".join(str(x.value) for x in [*at.text_area, *at.text_input] if not x.key.startswith("iv_new"))
    assert "梁丽萍" not in shown


def test_an_interview_note_is_promoted_to_a_strength_on_the_page(demo_app):
    db, aid, m = demo_app
    iid = IV.save_interview(db, aid, m["王建华"], group_code="client", role="独居长者", points="社工每周来电问候")
    at = open_site_tab(login(aid, m["王建华"], "pages/site_records.py"), "访谈")
    at.selectbox(key="iv_promote_rec").set_value(next(n for n in IV.list_interviews(db, aid) if n["id"] == iid))
    at.selectbox(key="iv_promote_kind").set_value("strength")
    at.selectbox(key="iv_promote_sec").set_value(next(s for s in at.selectbox(key="iv_promote_sec").options
                                                     if s.startswith("A")))
    at.button(key="iv_promote_btn").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    f = next(x for x in S.findings(db, aid) if x["source"] == f"interview:{iid}")
    assert f["kind"] == "strength" and f["section_code"] == "A" and "社工每周来电问候" in f["text"]
    assert next(n for n in IV.list_interviews(db, aid) if n["id"] == iid)["finding_id"] == f["id"]


def test_the_upload_box_states_the_cap_in_chinese(demo_app):
    db, aid, m = demo_app
    fid = next(f["id"] for f in S.findings(db, aid) if f["member_id"] == m["林晓红"] and f["section_code"] == "C")
    at = login(aid, m["林晓红"], "pages/scoring.py")
    group = at.radio(key="scoring_group")
    group.set_value(next(o for o in group.options if o.startswith("C"))).run()
    assert any(CAP_TEXT in c.value.replace("\\", "") for c in at.caption)
    assert at.checkbox(key=f"fd_C__ev_{fid}_personal") is not None


def test_the_lead_sees_the_thumbnail_of_an_experts_evidence_on_the_report_page(demo_app):
    db, aid, m = demo_app
    f = next(f for f in S.findings(db, aid) if f["member_id"] == m["林晓红"] and f["section_code"] == "C")
    ATT.add(db, aid, m["林晓红"], "finding", f["id"], "消防通道.jpg", jpeg(), caption="消防通道堆放杂物")
    at = login(aid, m["陈志远"], "pages/report.py")
    at.selectbox(key="rp_section").set_value("C").run()
    assert not at.exception
    assert len(at.get("image")) == 1, "the thumbnail is not shown"
    assert any("证据附件 1 个" in c.value for c in at.caption)
    assert at.checkbox(key="rp_evidence").value is False     # the evidence annex is off by default


def test_a_personal_mark_set_on_the_page_is_saved(demo_app):
    db, aid, m = demo_app
    f = next(f for f in S.findings(db, aid) if f["member_id"] == m["林晓红"] and f["section_code"] == "C")
    att = ATT.add(db, aid, m["林晓红"], "finding", f["id"], "家访.jpg", jpeg())
    at = login(aid, m["林晓红"], "pages/scoring.py")
    group = at.radio(key="scoring_group")
    group.set_value(next(o for o in group.options if o.startswith("C"))).run()
    box = next(c for c in at.checkbox if c.key.endswith(f"_personal_{att}"))
    box.check().run()
    assert not at.exception
    assert ATT.list_for(db, aid, "finding", f["id"])[0]["personal"] is True


def test_the_demo_interview_notes_are_edited_on_the_page(demo_app):
    db, aid, m = demo_app
    notes = IV.list_interviews(db, aid)
    assert IV.counts(db, aid) == {"worker": 3, "manager": 1, "client": 2, "partner": 1}
    assert all("*" in n["name"] for n in notes if n["name"])
    first = notes[0]
    at = open_site_tab(login(aid, m["赵敏"], "pages/site_records.py"), "访谈")
    at.text_area(key=f"iv_quotes_{first['id']}").input("“典型案例月底前整理完。”").run()
    assert not at.exception and not at.error
    note = next(n for n in IV.list_interviews(db, aid) if n["id"] == first["id"])
    assert note["quotes"] == "“典型案例月底前整理完。”" and note["member_name"] == "赵敏"


def test_site_record_and_interview_evidence_show_as_thumbnails_on_the_site_records_page(demo_app):
    from core.station import data as SD

    db, aid, m = demo_app
    rec = next(r for r in SD.list_site_records(db, aid, "observation"))
    note = IV.list_interviews(db, aid)[0]
    ATT.add(db, aid, m["王建华"], "site_record", rec["id"], "功能室.jpg", jpeg(), caption="功能室门口")
    ATT.add(db, aid, m["王建华"], "interview", note["id"], "访谈.jpg", jpeg(300, 400), personal=True)
    # Each tab is drawn when opened: the observation checklist's photo on its tab, the interview's on 访谈.
    at = open_site_tab(login(aid, m["王建华"], "pages/site_records.py"), "实地观察")
    assert len(at.get("image")) == 1
    assert "实地观察的证据附件（照片、扫描件）：共 1 个" in [e.label for e in at.expander]
    assert at.get("file_uploader")
    table = next(d.value for d in at.dataframe if "证据" in d.value.columns and rec["item"] in list(d.value["项目"]))
    assert dict(zip(table["项目"], table["证据"]))[rec["item"]] == 1
    at = open_site_tab(at, "访谈")
    assert len(at.get("image")) == 1 and "证据附件（1）" in [e.label for e in at.expander]
    assert any("含个人信息" in c.value for c in at.caption)
    assert [c for c in at.checkbox if c.key.startswith("ev_")]
    # Staff see the records read-only: thumbnails, no upload form, no delete.
    at = login(aid, m["黄小燕"], "pages/site_records.py")
    for tab in ("实地观察", "访谈"):
        at = open_site_tab(at, tab)
        assert len(at.get("image")) == 1
        assert not [b for b in at.button if b.key.startswith("ev_") and b.label != "下载原图"]
        assert not [c for c in at.checkbox if c.key.startswith("ev_")] and not at.get("file_uploader")
