"""`python -m core score-set`: a paper score sheet entered from the command line, saved as the scoring
page saves it (same use case, same refusals), run as a user would (subprocess) on real database files."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.assessment import team as A
from core.scoring import scoresheet, signoff
from db.connection import connect
from db.migrations import migrate

ROOT = Path(__file__).resolve().parent.parent


def core(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def score_set(path, aid, *args) -> subprocess.CompletedProcess:
    return core("score-set", aid, *args, "--db", path)


@pytest.fixture(scope="module")
def city_file(tmp_path_factory):
    """A station unlike the demo: the 2019 city framework (free scores, 片区 sections), two 片区, an
    expert with section M and section S of 片区 东片 only, another expert, staff."""
    path = tmp_path_factory.mktemp("city") / "city.db"
    db = connect(path)
    migrate(db)
    aid, lead = A.new_assessment(db, {"name": "沙河街社工服务站"}, "gz-2019-city", "组长", "1111")
    A.set_areas(db, aid, lead, [{"name": "东片", "communities": ["一社区"]}, {"name": "西片", "communities": ["二社区"]}])
    east = next(x["code"] for x in A.list_areas(db, A.get_assessment(db, aid)["station_id"]) if x["name"] == "东片")
    A.add_member(db, aid, lead, "何专家", "expert", "2222", sections=["M", ("S", east)])
    A.add_member(db, aid, lead, "罗专家", "expert", "3333", sections=["P"])
    A.add_member(db, aid, lead, "职员", "staff", "4444")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path, aid, east


@pytest.fixture
def city(city_file, tmp_path):
    import shutil

    src, aid, east = city_file
    shutil.copy(src, tmp_path / "city.db")
    return tmp_path / "city.db", aid, east


def _member(db, aid, name):
    return next(m for m in A.list_members(db, aid) if m["name"] == name)


def _state(path):
    """Every score row and the number of audit rows: what a refusal must leave as it was."""
    db = connect(path)
    try:
        rows = db.execute("SELECT member_id, indicator_code, area_code, value, na, detail FROM scores ORDER BY 1, 2, 3").fetchall()
        return rows, db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    finally:
        db.conn.close()


def test_a_paper_score_is_saved_as_the_page_saves_it_with_its_audit_row(city):
    path, aid, east = city
    r = score_set(path, aid, "--member", "何专家", "--indicator", "M1", "--value", "8.5")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "已保存：何专家 M1 " + _indicator_name("M1") + "：8.5 分"
    r = score_set(path, aid, "--member", "何专家", "--indicator", "S2", "--area", "东片", "--value", "17")
    assert r.returncode == 0, r.stderr
    assert "东片" in r.stdout
    r = score_set(path, aid, "--member", "何专家", "--indicator", "M2", "--na")
    assert r.returncode == 0, r.stderr

    db = connect(path)
    try:
        mid = _member(db, aid, "何专家")["id"]
        saved = {(s["indicator_code"], s["area_code"]): s for s in scoresheet.scores(db, aid, mid)}
        assert saved[("M1", "")]["value"] == 8.5 and not saved[("M1", "")]["na"]
        assert saved[("S2", east)]["value"] == 17
        assert saved[("M2", "")]["na"] and saved[("M2", "")]["value"] is None
        audit = db.execute("SELECT actor, action, entity, entity_key FROM audit_log WHERE entity = 'score'"
                           " ORDER BY id").fetchall()
        assert [(a[0], a[1], a[2]) for a in audit] == [("何专家", "create", "score")] * 3
        # the sign-off counts them as the page's would
        assert signoff.progress(db, aid, mid)["scored"] == 3
    finally:
        db.conn.close()

    # the same score again changes nothing (no second audit row)
    before = _state(path)
    r = score_set(path, aid, "--member", "何专家", "--indicator", "M1", "--value", "8.5")
    assert r.returncode == 0, r.stderr
    assert _state(path) == before


def _indicator_name(code):
    from core.framework.model import get_framework

    return get_framework("gz-2019-city").indicator(code).name


@pytest.mark.parametrize("args, words", [
    (["--member", "何专家", "--indicator", "P1", "--value", "3"], "未分配给 何专家"),            # another's section
    (["--member", "何专家", "--indicator", "S1", "--area", "西片", "--value", "3"], "未分配给 何专家"),  # another 片区
    (["--member", "何专家", "--indicator", "S1", "--value", "3"], "请用 --area 指定片区"),
    (["--member", "何专家", "--indicator", "S1", "--area", "北片", "--value", "3"], "未知片区“北片”"),
    (["--member", "何专家", "--indicator", "M1", "--area", "东片", "--value", "3"], "不分片区"),
    (["--member", "何专家", "--indicator", "M1", "--value", "10.5"], "不能超过满分 10 分"),
    (["--member", "何专家", "--indicator", "M1", "--value", "-1"], "不能小于 0"),
    (["--member", "何专家", "--indicator", "M1", "--value", "3.3"], "0.5 的整数倍"),
    (["--member", "何专家", "--indicator", "M1", "--value", "nan"], "不是数字"),
    (["--member", "何专家", "--indicator", "M1", "--value", "八"], "不是数字"),
    (["--member", "何专家", "--indicator", "X9", "--value", "1"], "未知指标“X9”"),
    (["--member", "无此人", "--indicator", "M1", "--value", "1"], "没有成员“无此人”"),
    (["--member", "职员", "--indicator", "M1", "--value", "1"], "无权修改评分"),
])
def test_a_refused_paper_score_is_one_chinese_line_and_changes_nothing(city, args, words):
    path, aid, _ = city
    before = _state(path)
    r = score_set(path, aid, *args)
    assert r.returncode == 1, r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and words in lines[0], r.stderr
    assert _state(path) == before


def test_score_set_is_refused_after_the_member_submits_and_after_the_lock(city):
    path, aid, east = city
    db = connect(path)
    try:
        mid = _member(db, aid, "何专家")["id"]
        lead = _member(db, aid, "组长")["id"]
        for code, area in A.assigned_cells(db, aid, mid):   # score everything, then submit
            r = score_set(path, aid, "--member", "何专家", "--indicator", code, *(["--area", area] if area else []),
                          "--value", "1")
            assert r.returncode == 0, r.stderr
        signoff.submit_sections(db, aid, mid)
        before = _state(path)
        r = score_set(path, aid, "--member", "何专家", "--indicator", "M1", "--value", "2")
        assert r.returncode == 1 and "提交" in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert _state(path) == before

        r = score_set(path, aid, "--member", "罗专家", "--indicator", "P1", "--value", "2")   # not submitted: saved
        assert r.returncode == 0, r.stderr
        A.set_locked(db, aid, lead, True)
        before = _state(path)
        r = score_set(path, aid, "--member", "罗专家", "--indicator", "P1", "--value", "3")
        assert r.returncode == 1 and "锁定" in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert _state(path) == before
    finally:
        db.conn.close()


def test_score_set_follows_the_rule_of_combo_and_level_indicators_on_the_demo(tmp_path):
    path = tmp_path / "demo.db"
    r = core("demo", "--db", path)
    assert r.returncode == 0, r.stderr
    aid = int(r.stdout.strip().splitlines()[-1])
    db = connect(path)
    try:
        # the demo is a finished day (every expert submitted): the lead returns the sheet of an expert of
        # section A, as on the dashboard, and that expert is the one who has not submitted now
        lead = next(m for m in A.list_members(db, aid) if m["role"] == "lead")
        expert = next(m for m in A.list_members(db, aid) if m["role"] == "expert" and ("A", "") in m["sections"])
        assert (signoff.submission_of(db, aid, expert["id"]) or {}).get("submitted")
        signoff.reopen_submission(db, aid, lead["id"], expert["id"], "补录纸质评分表")
        assert not (signoff.submission_of(db, aid, expert["id"]) or {}).get("submitted")
        before = scoresheet.result(db, aid).third_party
    finally:
        db.conn.close()
    name = expert["name"]
    # A2 is a 程度分 of 3 points: only its levels' scores, and the level is recorded as on the page
    r = score_set(path, aid, "--member", name, "--indicator", "A2", "--value", "2")
    assert r.returncode == 1 and "程度分" in r.stderr and "2.4（基本达到）" in r.stderr
    r = score_set(path, aid, "--member", name, "--indicator", "A2", "--value", "2.4")
    assert r.returncode == 0, r.stderr
    # A1 is a 组合分 (1.5 + 1 + 1.5 + 1): 3 is made by one set of criteria only (the ticks are kept),
    # 2.5 by several (the value alone), 2.3 by none
    r = score_set(path, aid, "--member", name, "--indicator", "A1", "--value", "2.3")
    assert r.returncode == 1 and "组合分" in r.stderr
    r = score_set(path, aid, "--member", name, "--indicator", "A1", "--value", "3")
    assert r.returncode == 0, r.stderr
    r = score_set(path, aid, "--member", name, "--indicator", "A3", "--value", "2.5")
    assert r.returncode == 0, r.stderr
    db = connect(path)
    try:
        saved = {s["indicator_code"]: s for s in scoresheet.scores(db, aid, expert["id"])}
        assert saved["A2"]["value"] == 2.4 and saved["A2"]["detail"] == {"level": "基本达到"}
        assert saved["A1"]["value"] == 3 and saved["A1"]["detail"] == {"criteria": [0, 2]}
        assert saved["A3"]["value"] == 2.5 and saved["A3"]["detail"] == {}
        assert scoresheet.result(db, aid).third_party != before   # the totals follow
    finally:
        db.conn.close()
    r = core("score", aid, "--db", path)
    assert r.returncode == 0, r.stderr
