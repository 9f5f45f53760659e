"""The caller's script (wording in the framework, edited per assessment by the lead) and the
order of calls: 无人接听 schedules the second attempt later instead of at once."""
from __future__ import annotations

import datetime as _dt

import pytest

from core.survey import calls as SV
from core.survey import rules as survey
from core.errors import InvalidValue, PermissionDenied
from tests.test_survey import add_register, team_copy, team_file  # noqa: F401 (fixture)
from tests.test_survey_pages import as_member, page_text


@pytest.fixture
def three(app_env, team_file):
    """A register of 3 (all surveyed), all given to the staff member."""
    db, aid, m = team_copy(team_file, app_env)
    add_register(db, aid, 3)
    SV.draw_sample(db, aid, m["lead"], seed="4242")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    yield db, aid, m
    db.conn.close()


def _item(i, status, position, retry_at="", last=""):
    return {"id": i, "status": status, "position": position, "retry_at": retry_at, "last_called_at": last}


def test_call_order_puts_due_times_first_then_new_clients_then_retries_then_later_times():
    items = [_item(1, "retry", 1, "", "2025-02-27T09:05"), _item(2, "retry", 2, "2025-02-27T15:00", "2025-02-27T09:10"),
             _item(3, "pending", 3), _item(4, "reached", 4), _item(5, "retry", 5, "2025-02-27T10:00", "2025-02-27T09:20"),
             _item(6, "pending", 6), _item(7, "retry", 7, "", "2025-02-27T09:01")]
    order = [i["id"] for i in survey.call_order(items, "2025-02-27T10:30")]
    assert order == [5, 3, 6, 7, 1, 2]          # 5's time has come; 2's (15:00) has not; 4 is done


def test_retry_time_is_stored_as_today_at_the_chosen_time_and_refused_when_unreadable():
    assert survey.retry_time(_dt.time(14, 30), _dt.date(2025, 2, 27)) == "2025-02-27T14:30"
    assert survey.retry_time(None) == "" and survey.retry_time("") == ""
    # a time already past today means tomorrow (the caller at 23:50 choosing 00:10), never a time gone by
    past = (_dt.datetime.now() - _dt.timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    assert survey.retry_time(past) > _dt.datetime.now().isoformat(timespec="minutes")
    with pytest.raises(ValueError, match="再次拨打时间“下午”无效"):
        survey.retry_time("下午")


def test_no_answer_moves_the_caller_on_and_the_client_comes_back_after_the_others(three):
    db, aid, m = three
    first, second, third = SV.my_calls(db, aid, m["staff"])
    at = as_member(aid, m["staff"], "pages/survey_calls.py")
    assert at.selectbox(key="call_item").value == first["id"]

    # 1st client: 无人接听, second attempt after the other clients (the default).
    k = f"{first['id']}_1"
    at.radio(key=f"call_outcome_{k}").set_value("无人接听")
    at.run()
    assert at.radio(key=f"call_retry_mode_{k}").value == "排在其他对象之后"
    at.button(key=f"call_save_{k}").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="call_item").value == second["id"]        # not the same person straight back

    # 2nd client: 无人接听, try again at a chosen time later today.
    k = f"{second['id']}_1"
    at.radio(key=f"call_outcome_{k}").set_value("无人接听")
    at.run()
    at.radio(key=f"call_retry_mode_{k}").set_value("指定时间")
    at.run()
    at.time_input(key=f"call_retry_at_{k}").set_value(_dt.time(23, 55))
    at.run()
    at.button(key=f"call_save_{k}").click()
    at.run()
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="call_item").value == third["id"]         # the one never called

    # 3rd client reached: next comes the 1st (after the others), the 2nd waits for 23:55.
    k = f"{third['id']}_1"
    at.radio(key=f"call_outcome_{k}").set_value("拒访")
    at.run()
    at.button(key=f"call_save_{k}").click()
    at.run()
    assert at.selectbox(key="call_item").value == first["id"]
    text = page_text(at)
    assert "待再拨（排在其他对象之后再拨）" in text and "待再拨（23:55 后再拨）" in text
    assert [i["id"] for i in SV.call_queue(db, aid, m["staff"])] == [first["id"], second["id"]]
    # Once 23:55 has come, the 2nd client goes first.
    today = _dt.date.today().isoformat()
    assert [i["id"] for i in SV.call_queue(db, aid, m["staff"], now=f"{today}T23:56")] == [second["id"], first["id"]]
    stored = SV.call_form(db, aid, m["staff"], second["id"])["calls"][0]
    assert stored["retry_at"] == f"{today}T23:55"


def test_the_call_form_shows_the_script_as_the_caller_reads_it_out(three):
    db, aid, m = three
    first = SV.my_calls(db, aid, m["staff"])[0]
    full_name = db["clients"].get(first["client_id"])["name"]
    at = as_member(aid, m["staff"], "pages/survey_calls.py")
    text = page_text(at)
    assert f"请问是{full_name}吗" in text.replace("\\", "")            # the caller's own screen: full name
    k = f"{first['id']}_1"
    at.radio(key=f"call_outcome_{k}").set_value("接通")
    at.run()
    labels = [c.label for c in at.checkbox] + [s.label for s in at.selectbox]
    assert "知道 · 您知道社工站在哪里吗？" in labels
    assert "服务态度 · 您对社工的服务态度满意吗？" in labels
    assert at.radio(key=f"call_overall_{k}").label == "总体来说，您对社工站的服务满意吗？"


def test_the_lead_rewords_a_question_for_this_assessment_and_the_caller_reads_the_new_wording(three):
    db, aid, m = three
    SV.set_script(db, aid, m["lead"], "awareness:社工站地址", "您知道社工站就在村委会二楼吗？")
    line = next(x for x in SV.script(db, aid) if x["key"] == "awareness:社工站地址")
    assert line["edited"] and line["framework"] == "您知道社工站在哪里吗？"
    with pytest.raises(PermissionDenied):
        SV.set_script(db, aid, m["staff"], "opening", "随便说说")
    with pytest.raises(InvalidValue, match="未知的话术项"):
        SV.set_script(db, aid, m["lead"], "nonsense", "x")
    first = SV.my_calls(db, aid, m["staff"])[0]
    at = as_member(aid, m["staff"], "pages/survey_calls.py")
    at.radio(key=f"call_outcome_{first['id']}_1").set_value("接通")
    at.run()
    assert "知道 · 您知道社工站就在村委会二楼吗？" in [c.label for c in at.checkbox]
    # Back to the framework's wording: the edit row is gone, the audit keeps both.
    SV.set_script(db, aid, m["lead"], "awareness:社工站地址", "")
    assert not next(x for x in SV.script(db, aid) if x["key"] == "awareness:社工站地址")["edited"]
    assert db.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'survey_script'").fetchone()[0] == 2


def test_a_framework_without_a_script_uses_the_default_wording_and_a_framework_may_word_its_own():
    from core.framework.model import parse_framework, read_framework_file, FRAMEWORK_DIR

    data = read_framework_file(FRAMEWORK_DIR / "gz-2019-city.yaml")
    data.pop("survey")
    assert parse_framework(data).survey_script == {}
    data["survey"] = {"script": {"closing": "谢谢，再见。", "satisfaction": {"服务态度": "社工态度如何？"}, "unknown": "x"}}
    fw = parse_framework(data)
    assert fw.survey_script == {"closing": "谢谢，再见。", "satisfaction:服务态度": "社工态度如何？"}
    merged = survey.merge_script(fw.survey_script, {})
    assert merged["opening"] == survey.DEFAULT_SCRIPT["opening"] and merged["closing"] == "谢谢，再见。"


def test_the_lead_edits_the_script_on_the_survey_page_and_it_is_saved_on_change(three):
    db, aid, m = three
    at = as_member(aid, m["lead"], "pages/survey.py")
    assert at.text_area(key="script_closing").value == "感谢您的配合，祝您生活愉快，再见！"
    at.text_area(key="script_closing").set_value("谢谢您，打扰了，再见！")
    at.run()
    assert not at.exception and not at.error
    assert next(x for x in SV.script(db, aid) if x["key"] == "closing")["text"] == "谢谢您，打扰了，再见！"
    staff = as_member(aid, m["staff"], "pages/survey.py")
    assert staff.text_area(key="script_closing").disabled


def test_a_script_line_with_a_link_and_a_remote_image_shows_literally_in_the_call_form(three):
    """Issue 26: framework texts and the lead's script in widget labels rendered as Markdown, so a
    shared file could put links and remote images in front of every caller and expert."""
    db, aid, m = three
    hostile = "您知道社工站在哪里吗？[点此](http://example.invalid/x) ![图](http://example.invalid/a.png) **粗**"
    SV.set_script(db, aid, m["lead"], "awareness:社工站地址", hostile)
    SV.set_script(db, aid, m["lead"], "overall", "总体满意吗？[链](http://example.invalid)")
    first = SV.my_calls(db, aid, m["staff"])[0]
    at = as_member(aid, m["staff"], "pages/survey_calls.py")
    k = f"{first['id']}_1"
    at.radio(key=f"call_outcome_{k}").set_value("接通")
    at.run()
    label = next(c.label for c in at.checkbox if "社工站在哪里" in c.label)
    assert r"\[点此\]\(http" in label and r"\!\[图\]" in label and r"\*\*粗\*\*" in label
    assert at.radio(key=f"call_overall_{k}").label.endswith(r"\[链\]\(http://example.invalid\)")
