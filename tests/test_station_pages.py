"""The station-data, register and site-records pages of the real app (AppTest)."""
from __future__ import annotations

import shutil

import pytest

from conftest import app_test, open_site_tab
from core.assessment import team as A
from core.scoring import scoresheet as S
from core.station import data as SD
from db.connection import connect

from test_station import SAMPLE_RATES


@pytest.fixture
def demo_app(demo_db_file, app_env):
    """The demo database at the app's path: (db, assessment id, {name: member id})."""
    src, aid = demo_db_file
    shutil.copy(src, app_env)
    db = connect(app_env)
    yield db, aid, {m["name"]: m["id"] for m in A.list_members(db, aid)}
    db.conn.close()


def login(aid, mid, page):
    at = app_test(page, auth={"assessment_id": aid, "member_id": mid})
    at.run()
    assert not at.exception, at.exception
    return at


def test_station_data_page_shows_the_sample_report_rates(demo_app):
    db, aid, m = demo_app
    at = login(aid, m["黄小燕"], "pages/station_data.py")
    table = at.dataframe[0].value
    assert list(zip(table["指标名称"], table["完成率"])) == SAMPLE_RATES
    metrics = {x.label: x.value for x in at.metric}
    assert (metrics["持证社工占比"], metrics["从业两年以上占比"], metrics["继续教育达标率"], metrics["稳岗率"]) == \
        ("75%", "55%", "145.64%", "60%")
    assert "电话访问 110.01%" in " ".join(x.value for x in at.markdown)


def test_staffing_figure_typed_on_the_page_is_saved_and_ratio_follows(demo_app):
    db, aid, m = demo_app
    at = login(aid, m["黄小燕"], "pages/station_data.py")
    at.number_input(key="staff_continuous").set_value(15).run()
    assert not at.exception
    assert SD.get_staffing(db, aid)["continuous"] == 15
    assert {x.label: x.value for x in at.metric}["稳岗率"] == "75%"


def test_new_assessment_gets_the_usual_indicator_list(app_env):
    db = connect(app_env)
    from db.migrations import migrate

    migrate(db)
    sid = A.create_station(db, "测试街社工服务站", communities=["甲社区"])
    aid, lead = A.create_assessment(db, sid, "gz-2024-four-party", "组长甲", "1111")
    at = login(aid, lead, "pages/station_data.py")
    names = list(at.dataframe[0].value["指标名称"])
    assert names[:3] == ["电话访问", "入户探访", "个案接案"] and names[-1] == "志愿者队伍" and len(names) == 15
    assert set(at.dataframe[0].value["完成率"]) == {"—"}
    assert any("目标值缺失" in w.value for w in at.warning)


def test_expert_sees_station_data_read_only(demo_app):
    db, aid, m = demo_app
    at = login(aid, m["林晓红"], "pages/station_data.py")
    assert at.number_input(key="staff_required").disabled
    assert len(at.get("file_uploader")) == 0
    with pytest.raises(Exception):
        SD.save_staffing(db, aid, m["林晓红"], required=1)


def test_locked_assessment_station_pages_are_read_only(demo_app):
    db, aid, m = demo_app
    A.set_locked(db, aid, m["陈志远"], True)
    at = login(aid, m["陈志远"], "pages/station_data.py")
    assert at.number_input(key="staff_required").disabled
    assert any("锁定" in i.value for i in at.info)
    at = login(aid, m["陈志远"], "pages/site_records.py")
    assert at.text_area(key=f"intro_notes_{SD.list_site_records(db, aid, 'intro')[0]['id']}").disabled
    assert len(at.button) == 0 or all(b.key == "logout" for b in at.button)


def test_register_page_shows_summary_and_no_unmasked_name_or_phone(demo_app):
    db, aid, m = demo_app
    at = login(aid, m["黄小燕"], "pages/register.py")
    metrics = {x.label: x.value for x in at.metric}
    assert (metrics["户数"], metrics["人数"], metrics["空挂户（人）"], metrics["人户分离（人）"]) == ("107", "131", "30", "23")
    by_comm = at.dataframe[0].value
    assert dict(zip(by_comm["社区"], by_comm["户数"])) == {"上元岗社区": 26, "下元岗社区": 38, "中人社区": 6,
                                                       "天源社区": 4, "南兴社区": 33}
    shown = at.dataframe[2].value
    assert len(shown) == 131
    cells = {str(v) for col in shown.columns for v in shown[col]}
    page_text = " ".join([*cells, *(x.value for x in at.markdown), *(x.value for x in at.caption)])
    clients = SD.list_clients(db, aid)
    for c in clients:
        assert c["phone"] not in page_text
        assert c["name"] not in cells          # every name cell is masked
    assert all("*" in name for name in shown["姓名"])
    assert all(p[3:7] == "****" for p in shown["电话"])


def test_register_filter_by_flag(demo_app):
    db, aid, m = demo_app
    at = login(aid, m["陈志远"], "pages/register.py")
    at.selectbox(key="register_filter_flag").set_value("空挂户").run()
    assert len(at.dataframe[2].value) == 30


def test_site_record_finding_promoted_from_the_page(demo_app):
    db, aid, m = demo_app
    # The demo's own document problems are already written into findings; record a new one.
    rid = SD.save_site_record(db, aid, m["林晓红"], "document", item="未成年人个案档案", status="finding",
                              finding="1 份未成年人个案的知情同意书没有监护人签名。", file_ref="抽查个案 2 份")
    before = {x["id"] for x in S.findings(db, aid)}
    at = open_site_tab(login(aid, m["林晓红"], "pages/site_records.py"), "查阅资料")
    docs = at.dataframe[0].value
    assert "黄*昕" in " ".join(docs["抽查文件"])
    rec = at.selectbox(key="promote_rec_document")
    consent = next(o for o in rec.options if "未成年人个案档案" in o)
    rec.set_value(next(r for r in SD.list_site_records(db, aid, "document") if r["id"] == rid))
    at.button(key="promote_btn_document").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    f = [x for x in S.findings(db, aid) if x["id"] not in before]
    assert len(f) == 1 and f[0]["kind"] == "concern" and "监护人签名" in f[0]["text"] and consent
    assert f[0]["source"] == f"site_record:{rid}"


def test_interview_note_typed_on_the_page_is_saved(demo_app):
    db, aid, m = demo_app
    rid = SD.list_site_records(db, aid, "interview")[0]["id"]
    at = open_site_tab(login(aid, m["王建华"], "pages/site_records.py"), "访谈")
    at.session_state["sr_old_interviews"] = True    # the old per-group notes: an expander drawn only when opened
    at.run()
    at.text_area(key=f"interview_notes_{rid}").input("社工熟悉兜底对象情况。").run()
    assert not at.exception
    rec = next(r for r in SD.list_site_records(db, aid, "interview") if r["id"] == rid)
    assert rec["notes"] == "社工熟悉兜底对象情况。" and rec["member_name"] == "王建华"


def test_register_page_masks_names_and_phones_typed_into_the_note(demo_app):
    db, aid, m = demo_app
    a, b = SD.list_clients(db, aid)[:2]
    with db.conn:  # a 备注 as a station might have typed it in its spreadsheet
        db.execute("UPDATE clients SET note = ? WHERE id = ?", [f"与{b['name']}同住，电话{b['phone']}", a["id"]])
    at = login(aid, m["黄小燕"], "pages/register.py")
    notes = " ".join(str(v) for v in at.dataframe[2].value["备注"])
    assert b["name"] not in notes and b["phone"] not in notes
    assert "同住" in notes and b["phone"][:3] + "****" + b["phone"][-4:] in notes


def test_site_record_checklists_show_the_three_status_labels(demo_app):
    db, aid, m = demo_app
    at = open_site_tab(login(aid, m["林晓红"], "pages/site_records.py"), "查阅资料")
    docs = at.dataframe[0].value
    assert set(docs["结果"]) <= {"未查看", "符合", "发现问题"} and "发现问题" in set(docs["结果"])
    assert any("符合" in c.value and "发现问题" in c.value for c in at.caption)


@pytest.mark.parametrize("value", [2 ** 63, 10 ** 12, 1e308])
def test_a_huge_staffing_figure_typed_on_the_page_is_refused_with_a_message_and_not_saved(demo_app, value):
    db, aid, m = demo_app
    at = login(aid, m["黄小燕"], "pages/station_data.py")
    before = SD.get_staffing(db, aid)
    at.number_input(key="staff_on_post").set_value(value).run()
    assert not at.exception, at.exception
    assert SD.get_staffing(db, aid) == before
    if value == 10 ** 12:   # beyond JavaScript's safe integers Streamlit's widget itself keeps the old value
        assert any("在岗社工数" in e.value and "超出允许范围" in e.value for e in at.error), [e.value for e in at.error]
    at.run()                                     # the page still renders after the refusal
    assert not at.exception, at.exception
