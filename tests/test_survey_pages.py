"""The survey pages through the real app (AppTest): call lists, call form, sampling, results."""
from __future__ import annotations

import shutil

import pytest

from core.survey import calls as SV
from db.connection import connect
from tests.conftest import app_test
from tests.test_survey import add_register, team_copy, team_file  # noqa: F401 (fixture)


def page_text(at) -> str:
    """Everything a person can read on the page (markdown, captions, metrics, tables, choices)."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.info, *at.success, *at.warning, *at.error)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.value.to_csv(index=False) for df in at.dataframe]
    for sb in (*at.selectbox, *at.multiselect):
        parts += [str(o) for o in sb.options]
    return "\n".join(parts)


@pytest.fixture
def survey_app(app_env, team_file):
    """131-person register, sample drawn, calls shared between the staff member and an expert."""
    db, aid, m = team_copy(team_file, app_env)
    add_register(db, aid, 131)
    SV.draw_sample(db, aid, m["lead"], seed="777")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"], m["expert"]])
    yield db, aid, m
    db.conn.close()


def as_member(aid, member_id, page):
    at = app_test(page, auth={"assessment_id": aid, "member_id": member_id})
    at.run()
    assert not at.exception, at.exception
    return at


def full_names(db, items):
    return [(db["clients"].get(i["client_id"])["name"], db["clients"].get(i["client_id"])["phone"]) for i in items]


def test_caller_records_calls_and_another_callers_list_does_not_show_them(survey_app):
    db, aid, m = survey_app
    mine = SV.my_calls(db, aid, m["staff"])
    at = as_member(aid, m["staff"], "pages/survey_calls.py")
    first = mine[0]
    assert at.selectbox(key="call_item").value == first["id"]
    # First item: nobody answers.
    k = f"{first['id']}_1"
    at.radio(key=f"call_outcome_{k}").set_value("无人接听")
    at.run()
    at.button(key=f"call_save_{k}").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # 无人接听: the second attempt waits until after the other clients; the form moves on.
    assert at.selectbox(key="call_item").value == mine[1]["id"]
    at.selectbox(key="call_item").set_value(first["id"])    # the caller may still choose to try again now
    at.run()
    k = f"{first['id']}_2"
    at.radio(key=f"call_outcome_{k}").set_value("接通")
    at.run()
    at.radio(key=f"call_respondent_{k}").set_value("家属")
    at.radio(key=f"call_knows_{k}").set_value("否")
    for item in ("社工站地址", "服务内容", "社工人员"):
        at.checkbox(key=f"call_aware_2_{item}_{first['id']}").check()
    at.selectbox(key=f"call_sat_2_问题解决_{first['id']}").set_value(4)
    at.radio(key=f"call_overall_{k}").set_value(5)
    at.text_area(key=f"call_comment_{k}").set_value("家属代答")
    at.run()
    at.button(key=f"call_save_{k}").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]

    calls = SV.call_form(db, aid, m["staff"], first["id"])["calls"]
    assert [(c["attempt"], c["outcome"]) for c in calls] == [(1, "无人接听"), (2, "接通")]
    assert calls[1]["respondent"] == "家属" and calls[1]["knows_worker"] == 0 and calls[1]["overall"] == 5
    assert calls[1]["awareness"] == {"社工站地址": 1, "服务内容": 1, "社工人员": 1, "求助渠道": 0, "经费来源": 0}
    assert calls[1]["satisfaction"] == {"问题解决": 4}
    # The form moved on to the next client of the list.
    assert at.selectbox(key="call_item").value == mine[1]["id"]
    res = SV.survey_results(db, aid)
    assert (res.reached, res.satisfied, res.aware) == (1, 1, 1)
    assert res.knows_worker_no[0]["respondent"] == "家属"

    # The expert's list holds only the expert's clients: none of the staff member's.
    other = as_member(aid, m["expert"], "pages/survey_calls.py")
    text = page_text(other)
    for name, phone in full_names(db, mine):
        assert name not in text and phone not in text
    shown = set(other.dataframe[0].value["序号"])
    assert shown == {i["position"] for i in SV.my_calls(db, aid, m["expert"])}
    assert not shown & {i["position"] for i in mine}
    assert "家属代答" not in text


def test_call_form_shows_full_name_and_phone_only_to_its_caller(survey_app):
    db, aid, m = survey_app
    mine = SV.my_calls(db, aid, m["staff"])
    name, phone = full_names(db, mine[:1])[0]
    at = as_member(aid, m["staff"], "pages/survey_calls.py")
    assert name in page_text(at) and phone in page_text(at)
    # Only that one client in full: the list itself is masked.
    for other_name, other_phone in full_names(db, mine[1:]):
        assert other_phone not in page_text(at)
    for member, page in ((m["expert"], "pages/survey_calls.py"), (m["lead"], "pages/survey.py"),
                         (m["staff"], "pages/survey.py")):
        text = page_text(as_member(aid, member, page))
        assert phone not in text and name not in text
        assert mine[0]["phone"] in text or member == m["expert"]  # the masked form is what others see


def test_second_caller_on_the_same_client_is_told(survey_app):
    db, aid, m = survey_app
    item = SV.my_calls(db, aid, m["staff"])[0]
    at = as_member(aid, m["staff"], "pages/survey_calls.py")      # opens the form: claims the client
    SV.assign(db, aid, m["lead"], [item["id"]], m["expert"])      # lead hands it over meanwhile
    other = as_member(aid, m["expert"], "pages/survey_calls.py")
    other.selectbox(key="call_item").set_value(item["id"])
    other.run()
    assert any("员工乙 正在记录" in w.value for w in other.warning)
    k = f"{item['id']}_1"
    other.radio(key=f"call_outcome_{k}").set_value("无人接听")
    other.run()
    other.button(key=f"call_save_{k}").click()
    other.run()
    assert any("员工乙 记录中" in e.value for e in other.error)
    assert SV.call_count(db, aid) == 0
    # The first caller's list no longer holds the client.
    at.run()
    assert item["position"] not in set(at.dataframe[0].value["序号"])


def test_lead_draws_assigns_and_verifies_the_sample(app_env, team_file):
    db, aid, m = team_copy(team_file, app_env)
    add_register(db, aid, 131)
    at = as_member(aid, m["lead"], "pages/survey.py")
    at.text_input(key="survey_seed").set_value("20250227")
    at.button(key="survey_draw_submit").click()
    at.run()
    assert not at.exception and not at.error
    s = SV.current_sample(db, aid)
    assert (s["seed"], s["size"]) == ("20250227", 100)
    text = page_text(at)
    assert "20250227" in text and s["register_hash"] in text
    at.multiselect(key="survey_even_callers").set_value([m["staff"], m["expert"]])
    at.button(key="survey_assign_even_submit").click()
    at.run()
    assert len(SV.my_calls(db, aid, m["staff"])) == len(SV.my_calls(db, aid, m["expert"])) == 50
    at.button(key="survey_verify").click()
    at.run()
    assert "验证通过" in at.success[0].value
    # Once a call is recorded, a redraw needs the lead's confirmation.
    SV.record_call(db, aid, m["staff"], SV.my_calls(db, aid, m["staff"])[0]["id"], 1, "无人接听")
    at.run()
    at.text_input(key="survey_seed").set_value("1")
    at.button(key="survey_draw_submit").click()
    at.run()
    assert "请先确认" in at.error[0].value and SV.current_sample(db, aid)["seed"] == "20250227"
    at.checkbox(key="survey_confirm").check()
    at.button(key="survey_draw_submit").click()
    at.run()
    assert SV.current_sample(db, aid)["seed"] == "1"


def test_staff_reads_the_results_without_drawing_or_assigning(survey_app):
    db, aid, m = survey_app
    at = as_member(aid, m["staff"], "pages/survey.py")
    assert not [b for b in at.button if b.key == "survey_draw_submit"]
    assert not [w for w in at.multiselect if w.key == "survey_even_callers"]
    assert "777" in page_text(at)
    expert = app_test("pages/survey.py", auth={"assessment_id": aid, "member_id": m["expert"]})
    expert.run()
    assert "无权访问" in expert.error[0].value


def test_results_page_shows_the_demo_rate_with_n(demo_db_file, tmp_path, monkeypatch):
    src, aid = demo_db_file
    dst = tmp_path / "demo.db"
    shutil.copy(src, dst)
    monkeypatch.setenv("ASSESSMENT_DB", str(dst))
    db = connect(dst)
    lead = db.execute("SELECT id FROM members WHERE assessment_id = ? AND role = 'lead'", [aid]).fetchone()[0]
    at = as_member(aid, lead, "pages/survey.py")
    metrics = {mt.label: mt.value for mt in at.metric}
    assert metrics["满意率"] == "95.8%"
    assert (metrics["样本量"], metrics["已接通"], metrics["无法接通"]) == ("100", "96", "4")
    text = page_text(at)
    assert "95.8%（92/96，95% 置信区间 93.2%–97.5%）" in text
    assert metrics["满意率误差范围（目前）"] == "±2.1 个百分点"
    follow = next(df.value for df in at.dataframe if "原因" in df.value.columns and "类别" not in df.value.columns)
    assert list(follow["原因"]).count("两次拨打均未接通") == 4
    assert {"不了解社工（本人）", "不了解社工（家属）"} <= set(follow["原因"])
    assert all("*" in n for n in follow["姓名"])
    for c in SV.register(db, aid):
        assert c["phone"] not in text


def test_choosing_another_client_releases_the_one_left(survey_app):
    db, aid, m = survey_app
    first, second = SV.my_calls(db, aid, m["staff"])[:2]
    at = as_member(aid, m["staff"], "pages/survey_calls.py")      # the form of the first client: claimed
    claimed = lambda iid: db.execute("SELECT claimed_by FROM survey_items WHERE id = ?", [iid]).fetchone()[0]  # noqa: E731
    assert claimed(first["id"]) == m["staff"]
    at.selectbox(key="call_item").set_value(second["id"])
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert claimed(first["id"]) is None and claimed(second["id"]) == m["staff"]
    released = db.execute("SELECT entity_key FROM audit_log WHERE assessment_id = ? AND action = 'release'",
                          [aid]).fetchall()
    assert released == [(str(first["id"]),)]


def test_member_and_place_names_show_literally_on_the_survey_pages(survey_app):
    db, aid, m = survey_app
    db.execute("UPDATE members SET name = '员工*乙*' WHERE id = ?", [m["staff"]])
    item = SV.my_calls(db, aid, m["staff"])[0]
    db.execute("UPDATE clients SET community = '甲_社区_' WHERE id = ?", [item["client_id"]])
    lead = as_member(aid, m["lead"], "pages/survey.py")
    assert any(r"员工\*乙\*" in c.value for c in lead.caption)
    calls = as_member(aid, m["staff"], "pages/survey_calls.py")
    assert any(r"甲\_社区\_" in md.value for md in calls.markdown)
