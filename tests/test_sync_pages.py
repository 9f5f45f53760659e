"""The team's meeting on the pages (issue 23): the lead's 团队同步 page decides a conflict side by side, the
dashboard lists each laptop, a member's own laptop says whose copy it is and when it last met the lead's."""
from __future__ import annotations

import shutil

import pytest

from conftest import app_test
from core import tls
from core.cli.main import main as cli_main
from core.scoring import scoresheet
from db.connection import connect

EXPERT, EXPERT_ID, LEAD_ID = "林晓红", 2, 1


@pytest.fixture
def lead_with_conflict(demo_db_file, tmp_path, app_env, capsys):
    """The lead's database (the app's) with 林晓红's laptop joined and one conflict on her A1 score."""
    src, aid = demo_db_file
    shutil.copy(src, app_env)
    laptop = tmp_path / "laptop.db"
    assert cli_main(["join-pack", str(aid), "--member", EXPERT, "--db", str(app_env), "--out", str(tmp_path / "p.json"),
                     "--lead", "https://127.0.0.1:9"]) == 0
    assert cli_main(["join", str(tmp_path / "p.json"), "--db", str(laptop)]) == 0
    lap, lead = connect(laptop), connect(app_env)
    scoresheet.save_score(lap, aid, EXPERT_ID, "A1", "", value=1, note="笔记本")
    scoresheet.save_score(lead, aid, EXPERT_ID, "A1", "", value=3)
    assert cli_main(["changes", str(aid), "--db", str(laptop), "--out", str(tmp_path / "c.json")]) == 0
    assert cli_main(["merge", str(tmp_path / "c.json"), "--db", str(app_env)]) == 0
    capsys.readouterr()
    lap.conn.close()
    yield lead, aid, laptop
    lead.conn.close()


def _a1(db, aid):
    return next(r for r in scoresheet.scores(db, aid, EXPERT_ID) if r["indicator_code"] == "A1" and not r["area_code"])


def test_the_lead_sees_both_versions_side_by_side_and_adopts_the_members(lead_with_conflict):
    lead, aid, _ = lead_with_conflict
    at = app_test("pages/sync.py", auth={"assessment_id": aid, "member_id": LEAD_ID})
    at.run()
    assert not at.exception, at.exception
    assert any("待裁定（1）" in s.value for s in at.subheader)
    table = next(d.value for d in at.dataframe if "组长的版本（当前）" in d.value.columns)
    row = table[table["字段"] == "分数"].iloc[0]
    assert (row["组长的版本（当前）"], row[f"{EXPERT}的版本"]) == ("3", "1")
    team = next(d.value for d in at.dataframe if "上次同步" in d.value.columns)
    assert list(team["成员"]) == [EXPERT] and list(team["方式"]) == ["文件"] and list(team["待裁定冲突"]) == [1]
    assert _a1(lead, aid)["value"] == 3
    at.button(key=next(b.key for b in at.button if b.key.startswith("sync_theirs_"))).click().run()
    assert not at.exception, at.exception
    assert _a1(lead, aid)["value"] == 1
    assert any("待裁定（0）" in s.value for s in at.subheader)


def test_the_dashboard_lists_each_laptop_for_the_lead(lead_with_conflict):
    lead, aid, _ = lead_with_conflict
    at = app_test("pages/dashboard.py", auth={"assessment_id": aid, "member_id": LEAD_ID})
    at.run()
    assert not at.exception, at.exception
    assert any(s.value == "团队的笔记本" for s in at.subheader)
    team = next(d.value for d in at.dataframe if "上次同步" in d.value.columns)
    assert list(team["成员"]) == [EXPERT] and "分钟前" in team["上次同步"][0] or "刚刚" in team["上次同步"][0]
    assert any("待组长裁定" in w.value for w in at.warning)


def test_a_members_laptop_says_whose_copy_it_is_and_when_it_last_met(lead_with_conflict, monkeypatch):
    _, aid, laptop = lead_with_conflict
    monkeypatch.setenv("ASSESSMENT_DB", str(laptop))
    at = app_test(None, auth={"assessment_id": aid, "member_id": EXPERT_ID, "name": EXPERT, "role": "expert"})
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(x.value for x in [*at.sidebar.info, *at.sidebar.warning])
    assert f"{EXPERT}的笔记本副本" in shown and "上次与组长同步：从未" in shown and "待发送变更：1 条" in shown
    at.switch_page("pages/sync.py").run()
    assert not at.exception, at.exception
    assert any(m.label == "待发送变更" and m.value == "1" for m in at.metric)


def test_a_member_types_the_leads_new_address_on_the_page_and_a_wrong_one_is_refused(lead_with_conflict, monkeypatch,
                                                                                    app_env):
    """The lead's laptop moved to another network: its 团队同步 page shows the new address and its key;
    the member types it on the laptop's page (a wrong one gets a Chinese message and changes nothing)."""
    lead, aid, laptop = lead_with_conflict
    at = app_test("pages/sync.py", auth={"assessment_id": aid, "member_id": LEAD_ID})
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(c.value for c in at.caption).replace("\\", "")
    pin = tls.key_pin(tls.paths(app_env)[0])                       # made by join-pack: shown, not made again
    assert "本机同步地址：https://" in shown and f"本机密钥指纹（SHA-256）：{pin}" in shown

    monkeypatch.setenv("ASSESSMENT_DB", str(laptop))
    at = app_test("pages/sync.py", auth={"assessment_id": aid, "member_id": EXPERT_ID, "name": EXPERT, "role": "expert"})
    at.run()
    assert any("https://127.0.0.1:9" in e.label for e in at.expander)
    at.text_input(key="lead_address").input("192.168.43.7")           # in a form: sent with its button
    next(b for b in at.button if b.label == "保存地址").click().run()
    assert any("组长地址“192.168.43.7”无效" in e.value for e in at.error)
    lap = connect(laptop)
    try:
        assert lap.execute("SELECT lead_urls FROM sync_peer").fetchone()[0] == '["https://127.0.0.1:9"]'
        at.text_input(key="lead_address").input("192.168.43.7:8502")
        next(b for b in at.button if b.label == "保存地址").click().run()
        assert not at.exception and not at.error
        assert lap.execute("SELECT lead_urls FROM sync_peer").fetchone()[0] == '["https://192.168.43.7:8502"]'
        assert any("https://192.168.43.7:8502" in e.label for e in at.expander)
    finally:
        lap.conn.close()
