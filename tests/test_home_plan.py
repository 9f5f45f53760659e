"""Home is the day's plan (AppTest of the real app): the lead's agenda and progress per stage from
the data with the pre-export check's open items linked to their pages; an expert's sections, flags
and submit step; a caller's calls and next client."""
from __future__ import annotations

import shutil

import pytest

from core.survey import calls as SV
from core.day import plan as dayplan
from core.scoring import signoff
from core.station import data as station_data
from core.scoring import scoresheet as S
from core.assessment import team as A
from core.errors import InvalidValue, PermissionDenied
from db.connection import connect
from tests.conftest import app_test
from tests.test_survey import add_register, team_copy, team_file  # noqa: F401 (fixture)


def home(aid, member_id):
    at = app_test(None, auth={"assessment_id": aid, "member_id": member_id})
    at.run()
    assert not at.exception, at.exception
    return at


def progress_texts(at) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def links(at) -> list[tuple[str, str]]:
    return [(p.proto.page, p.proto.label) for p in at.get("page_link")]


# The pages' titles (pages/_shared.PAGES; tests never import a page module) and Markdown's escape (ui.esc).
PAGE_TITLES = {"setup": "评估设置", "register": "重点服务对象名册", "survey": "满意度抽样与结果",
               "station_data": "协议指标与人员", "report": "报告与导出", "site_records": "现场记录", "scoring": "专家评分"}


def ui_esc(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-!|<>~$" else ch for ch in text)


def md(at) -> str:
    return "\n".join(m.value for m in (*at.markdown, *at.caption, *at.success, *at.info, *at.warning))


@pytest.fixture
def demo(demo_db_file, app_env):
    shutil.copy(demo_db_file[0], app_env)
    db = connect(app_env)
    aid = demo_db_file[1]
    yield db, aid, {m["name"]: m["id"] for m in A.list_members(db, aid)}
    db.conn.close()


@pytest.fixture
def bare(app_env, team_file):
    """A new assessment: a lead, a staff member and an expert, nothing recorded yet."""
    db, aid, m = team_copy(team_file, app_env)
    yield db, aid, m
    db.conn.close()


# ---------- the lead ----------

def test_the_leads_home_shows_the_seven_steps_with_times_and_progress_from_the_demo_data(demo):
    db, aid, ids = demo
    at = home(aid, ids["陈志远"])
    text = md(at)
    for name, time in (("听取介绍", "09:00–09:30"), ("实地观察", "09:30–10:00"), ("查阅资料", "10:00–12:00"),
                       ("服务访谈", "13:30–14:30"), ("机构运营访谈", "14:30–15:30"), ("满意度调查", "09:30–16:00"),
                       ("总结反馈", "16:00–17:00")):
        assert f"| {name} | {time} |" in text                      # one table row per stage
    res = SV.survey_results(db, aid)
    texts = text
    assert "| ▰▰▰▰▰▰▰▰▰▰ 100%　已记录 2 / 2 项 | 现场记录 |" in texts                                 # 听取介绍: two topics with notes
    assert "已查阅 10 / 10 项资料，发现问题 6 项" in texts
    # the interview stages count the interview notes, one per interviewee (core.station.interviews)
    assert "已访谈 6 / 6 人（社工 3、服务对象 2、合作方/居委代表 1）" in texts
    assert "已访谈 1 / 1 人（机构管理人员 1）" in texts
    assert (f"接通 {res.reached} / 样本 {res.sample_size}；无法接通 {res.unreachable}、拒访 {res.refused}，"
            f"待拨 {res.pending}") in texts
    assert "专家已提交 0 / 5；现场反馈已记录 1 / 3 方" in texts
    assert any(t.startswith("已评 ") and "已提交 0 / 5 位" in t for t in progress_texts(at))
    # one link per page the stages are recorded on, named after it
    assert [(p, label) for p, label in links(at) if label.startswith("去记录")] == [
        ("site_records", "去记录：现场记录"), ("survey", "去记录：满意度抽样与结果"), ("report", "去记录：报告与导出")]
    assert dayplan.is_default(db, aid)          # showing the default agenda writes nothing
    assert not db.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'visit_stages'").fetchone()[0]


def test_the_leads_home_lists_the_open_items_of_the_pre_export_check_each_with_its_page(bare):
    db, aid, m = bare
    at = home(aid, m["lead"])
    text = md(at)
    assert "【须处理】重点服务对象名册尚未导入" in text and "【须处理】满意度调查尚未抽样" in text
    assert "【须处理】尚未划分服务片区" in text
    items = dayplan.open_items(db, aid)
    fix = [page for page, label in links(at) if label.startswith("去处理：")]
    assert fix == list(dict.fromkeys(i.page for i in items))           # one link per page that fixes an item
    for i in items:                                                    # each item names that page
        assert f"- {ui_esc(i.label)}　→ {PAGE_TITLES[i.page]}" in text
    assert {"register", "survey", "setup", "station_data", "report"} <= set(fix)
    # Nothing recorded yet: the stages say so instead of showing 0 %.
    assert "尚未抽样" in text and "尚无记录" in text
    # Once the register is imported and drawn, those items go and the survey stage counts calls.
    add_register(db, aid, 12)
    SV.draw_sample(db, aid, m["lead"], seed="99")
    again = home(aid, m["lead"])
    assert "重点服务对象名册尚未导入" not in md(again) and "满意度调查尚未抽样" not in md(again)
    assert "接通 0 / 样本 12；无法接通 0、拒访 0，待拨 12" in md(again)


def test_the_stage_progress_follows_the_records_as_they_are_made(bare):
    db, aid, m = bare
    station_data.save_site_record(db, aid, m["lead"], "document", item="个案文书")
    station_data.save_site_record(db, aid, m["lead"], "document", item="劳动合同")
    stage = {s.code: s for s in dayplan.stage_progress(db, aid)}
    assert stage["document"].progress_text == "已查阅 0 / 2 项资料" and stage["document"].share == 0
    rec = station_data.list_site_records(db, aid, "document")[0]
    station_data.save_site_record(db, aid, m["lead"], "document", status="ok", record_id=rec["id"])
    stage = {s.code: s for s in dayplan.stage_progress(db, aid)}
    assert stage["document"].progress_text == "已查阅 1 / 2 项资料" and stage["document"].share == 0.5


def test_the_interview_stages_count_the_interview_notes_of_their_interviewees(bare):
    from core.station import interviews

    db, aid, m = bare
    stage = {s.code: s for s in dayplan.stage_progress(db, aid)}
    assert stage["service_interview"].progress_text == stage["ops_interview"].progress_text == "尚无访谈记录"
    worker = interviews.save_interview(db, aid, m["lead"], group_code="worker", role="片区社工")
    interviews.save_interview(db, aid, m["lead"], group_code="manager", role="副总干事", points="介绍了督导安排")
    # A topic named like an ops interview in the site records changes nothing: the notes count.
    station_data.save_site_record(db, aid, m["lead"], "interview", item="机构运营访谈：行政人员", notes="已访谈")
    stage = {s.code: s for s in dayplan.stage_progress(db, aid)}
    assert (stage["service_interview"].done, stage["service_interview"].total) == (0, 1)
    assert stage["service_interview"].progress_text == "已访谈 0 / 1 人"
    assert stage["ops_interview"].progress_text == "已访谈 1 / 1 人（机构管理人员 1）"
    interviews.save_interview(db, aid, m["lead"], quotes="“台账每周整理”", interview_id=worker)
    stage = {s.code: s for s in dayplan.stage_progress(db, aid)}
    assert stage["service_interview"].progress_text == "已访谈 1 / 1 人（社工 1）"
    assert stage["service_interview"].share == 1


def test_the_lead_edits_the_agenda_and_every_member_sees_the_new_times(bare):
    db, aid, m = bare
    rows = dayplan.agenda(db, aid)
    assert dayplan.is_default(db, aid) and [r["name"] for r in rows][0] == "听取介绍"
    rows[0]["starts"], rows[0]["ends"] = "8:30", "09：10"              # as people type them
    rows.insert(3, {"code": "", "name": "午餐", "starts": "12:00", "ends": "13:00", "note": "社工站食堂"})
    assert dayplan.save_agenda(db, aid, m["lead"], rows)
    assert not dayplan.save_agenda(db, aid, m["lead"], rows)            # unchanged: nothing written
    saved = dayplan.agenda(db, aid)
    assert (saved[0]["starts"], saved[0]["ends"]) == ("08:30", "09:10") and saved[3]["name"] == "午餐"
    assert db.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'visit_stages'").fetchone()[0] == 1
    at = home(aid, m["lead"])
    assert "| 听取介绍 | 08:30–09:10 |" in md(at) and "| 午餐 | 12:00–13:00 | 社工站食堂 | — |" in md(at)
    for member in (m["expert"], m["staff"]):                           # read-only for the others
        assert "- **午餐**　12:00–13:00　社工站食堂" in md(home(aid, member))
    # Bad input is refused in Chinese naming the row; nothing changes.
    bad = [dict(r) for r in saved]
    bad[1]["ends"] = "9点"
    with pytest.raises(InvalidValue, match="日程第 2 行“结束”：时间“9点”无效"):
        dayplan.save_agenda(db, aid, m["lead"], bad)
    bad[1]["ends"], bad[2]["starts"], bad[2]["ends"] = "10:00", "11:00", "10:30"
    with pytest.raises(InvalidValue, match="日程第 3 行（查阅资料）：结束时间 10:30 早于开始时间 11:00"):
        dayplan.save_agenda(db, aid, m["lead"], bad)
    with pytest.raises(PermissionDenied):
        dayplan.save_agenda(db, aid, m["expert"], saved)
    assert dayplan.agenda(db, aid) == saved


# ---------- an expert ----------

def test_an_experts_home_shows_their_sections_flags_and_the_submit_step(demo):
    db, aid, ids = demo
    zhao = ids["赵敏"]                   # B in 片区二 and 片区三; B3 in 片区二 is a disagreement in the demo
    at = home(aid, zhao)
    table = at.dataframe[0].value
    assert list(table["负责部分"]) == ["B 服务质量 · 片区二", "B 服务质量 · 片区三"]
    assert list(table["已评/分配"]) == ["5/5", "5/5"]
    assert any("B3" in m.value and "片区二" in m.value and "您评" in m.value for m in at.markdown)
    assert ("scoring", "去评分") in links(at)
    assert at.button(key="home_submit").disabled                 # confirm first (issue 26)
    at.checkbox(key="home_submit_confirm").check()
    at.run()
    assert not at.button(key="home_submit").disabled
    at.button(key="home_submit").click()
    at.run()
    assert signoff.submission_of(db, aid, zhao)["submitted"]
    assert any("提交评分，评分与意见只读" in s.value for s in at.success)


def test_an_expert_with_cells_left_cannot_submit_from_home_and_is_told_how_many(demo):
    db, aid, ids = demo
    lin = ids["林晓红"]
    S.save_score(db, aid, lin, "A5", value=None, detail={})
    at = home(aid, lin)
    assert at.button(key="home_submit").disabled
    assert "还有 1 个评分单元未评" in md(at)
    assert any(t == "已评 8 / 分配 9 个评分单元" for t in progress_texts(at))


# ---------- a caller ----------

def test_a_callers_home_shows_their_calls_the_next_client_masked_and_the_counts(bare):
    db, aid, m = bare
    add_register(db, aid, 6)
    SV.draw_sample(db, aid, m["lead"], seed="5")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    first, second = SV.my_calls(db, aid, m["staff"])[:2]
    SV.record_call(db, aid, m["staff"], first["id"], 1, "无人接听")
    SV.record_call(db, aid, m["staff"], second["id"], 1, "空号")        # final at once (issue 26)
    at = home(aid, m["staff"])
    metrics = {x.label: x.value for x in at.metric}
    assert metrics == {"分配给我": "6", "已接通": "0", "无法接通": "1", "拒访": "0", "待拨打": "5"}
    third = SV.my_calls(db, aid, m["staff"])[2]
    nxt = next(x.value for x in at.markdown if x.value.startswith("**下一位**"))
    assert f"第 {third['position']} 号" in nxt and third["name"].replace("*", "\\*") in nxt   # not the one who did not answer
    full = db["clients"].get(third["client_id"])["name"]
    assert full not in nxt and "*" in third["name"]                             # masked on home
    assert ("survey_calls", "去电话回访") in links(at)
    queue = at.dataframe[0].value                                                # the calling order, masked
    assert list(queue["序号"]) == [i["position"] for i in SV.my_calls(db, aid, m["staff"])[2:]] + [first["position"]]
    assert all("*" in name for name in queue["姓名"])


def test_a_brand_new_assessments_to_do_list_starts_with_adding_the_team(app_env):
    """Issue 26: the first to-do of a new assessment sent the lead to score, not to add the team."""
    from db.migrations import migrate
    db = connect(app_env)
    migrate(db)
    sid = A.create_station(db, "石井街社工服务站", communities=["石井社区"])
    aid, lead = A.create_assessment(db, sid, "gz-2024-four-party", "石组长", "1111")
    items = dayplan.open_items(db, aid)
    assert items[0].code == "team" and items[0].page == "setup"
    at = home(aid, lead)
    todo = [line for m in at.markdown for line in m.value.splitlines() if line.startswith("- 【")]
    assert "尚未添加评估专家" in todo[0]
    A.add_member(db, aid, lead, "石专家", "expert", "2222", sections=["A"])
    items = dayplan.open_items(db, aid)
    assert items[0].code == "sections" and "B" in items[0].message
    db.conn.close()
