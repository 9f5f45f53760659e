"""PIN guessing is throttled per member and per client address, in the database (issue 17):
after 5 wrong PINs a growing delay, after 10 a 15-minute lock that only the lead (or the command
line) lifts early; every wrong PIN is a 登录失败 audit row the lead sees."""
from __future__ import annotations

import subprocess
import sys

import pytest

from core.assessment import pins
from core.assessment import team as A
from core.errors import InvalidValue, LoginFailed
from db.connection import connect
from tests.conftest import ROOT, app_test

T0 = 1_800_000_000.0      # a fixed "now" (epoch seconds); tests move it forward explicitly


@pytest.fixture
def team(fresh_db):
    db = fresh_db
    aid, lead = A.new_assessment(db, {"name": "测试街社工服务站"}, "gz-2024-four-party", "陈组长", "246810")
    expert = A.add_member(db, aid, lead, "林专家", "expert", "2222")
    other = A.add_member(db, aid, lead, "周专家", "expert", "3333")
    return db, aid, lead, expert, other


def _fail(db, aid, name, pin="0000", address="192.168.1.50", now=T0) -> str:
    with pytest.raises(LoginFailed) as e:
        A.login(db, aid, name, pin, address=address, now=now)
    return str(e.value)


def _lock(db, aid, name, until_after: float) -> None:
    """Ten wrong PINs, each after the previous delay ran out, the last 10 s before `until_after`:
    the member is locked then (for 15 minutes from the last one)."""
    for n in range(10):
        _fail(db, aid, name, now=until_after - 10 - (9 - n) * 1000)


def _audit_failures(db, aid) -> list[dict]:
    return [r for r in A.audit_entries(db, aid) if r["action_code"] == "login_failed"]


def test_four_wrong_pins_cost_nothing_and_the_fifth_makes_the_next_attempt_wait(team):
    db, aid, *_ = team
    for _ in range(5):
        assert _fail(db, aid, "林专家") == "姓名或 PIN 不正确"
    msg = _fail(db, aid, "林专家", pin="2222", now=T0 + 1)     # the right PIN, too early
    assert "请 14 秒后再试" in msg
    assert A.login(db, aid, "林专家", "2222", address="192.168.1.50", now=T0 + 15)["name"] == "林专家"


def test_the_delay_grows_and_the_tenth_wrong_pin_locks_for_15_minutes(team):
    db, aid, *_ = team
    now, waits = T0, []
    for n in range(1, 11):
        _fail(db, aid, "林专家", now=now)
        row = next(r for r in A.login_counters(db, aid, now) if r["kind"] == "member")
        waits.append(round(row["until"] - now) if row["until"] else 0)
        now = (row["until"] or now) + 0.01
    assert waits == [0, 0, 0, 0, 15, 30, 60, 120, 240, 900]
    locked_at = now - 900.01
    msg = _fail(db, aid, "林专家", pin="2222", now=locked_at + 899)   # the right PIN is refused while locked
    assert "已被锁定" in msg and "组长" in msg
    # after the 15 minutes the right PIN works; one more wrong PIN would have locked again
    assert A.login(db, aid, "林专家", "2222", address="192.168.1.50", now=locked_at + 901)


def test_after_a_lock_ends_every_further_wrong_pin_locks_again(team):
    db, aid, *_ = team
    now = T0
    for _ in range(10):
        _fail(db, aid, "林专家", now=now)
        now += 1000
    assert _fail(db, aid, "林专家", now=now) == "姓名或 PIN 不正确"   # admitted after the lock ended …
    assert "已被锁定" in _fail(db, aid, "林专家", pin="2222", now=now + 60)  # … and locked again at once


def test_the_member_lock_holds_from_every_address(team):
    db, aid, *_ = team
    for n in range(10):
        _fail(db, aid, "林专家", address=f"10.0.0.{n}", now=T0 + n * 1000)
    assert "该成员已被锁定" in _fail(db, aid, "林专家", pin="2222", address="10.0.0.99", now=T0 + 9100)


def test_one_address_guessing_many_members_is_throttled_by_its_address(team):
    db, aid, lead, *_ = team
    names = ["陈组长", "林专家", "周专家", "不存在的人"]
    for n in range(5):
        _fail(db, aid, names[n % 4], address="10.9.9.9", now=T0 + n)
    msg = _fail(db, aid, "陈组长", pin="246810", address="10.9.9.9", now=T0 + 6)
    assert "本设备" in msg and "秒后再试" in msg
    # another laptop is not affected
    assert A.login(db, aid, "陈组长", "246810", address="10.9.9.10", now=T0 + 6)["id"] == lead


def test_every_wrong_pin_is_an_audit_row_the_lead_sees(team, app_env):
    db, aid, lead, *_ = team
    for n in range(3):
        _fail(db, aid, "林专家", address="192.168.1.77", now=T0 + n)
    _fail(db, aid, "王不存在", address="192.168.1.78", now=T0 + 5)
    rows = _audit_failures(db, aid)
    assert len(rows) == 4 and A.failed_login_count(db, aid) == 4
    assert {r["action"] for r in rows} == {"登录失败"} and {r["entity"] for r in rows} == {"登录"}
    assert rows[-1]["key"] == "林专家" and "192.168.1.77" in rows[-1]["new"] and "连续输错" in rows[-1]["new"]
    assert "无此成员" in rows[0]["new"]
    # the PIN typed is never stored
    assert "0000" not in repr(db.execute("SELECT * FROM audit_log").fetchall())
    lt = app_test("pages/audit.py", auth={"assessment_id": aid, "member_id": lead})
    lt.run()
    table = lt.dataframe[0].value
    assert (table["操作"] == "登录失败").sum() == 4


def test_attempts_refused_while_waiting_are_counted_but_not_checked(team):
    db, aid, *_ = team
    for _ in range(5):
        _fail(db, aid, "林专家")
    for n in range(50):
        _fail(db, aid, "林专家", now=T0 + 1 + n * 0.1)
    row = next(r for r in A.login_counters(db, aid, T0) if r["kind"] == "member")
    assert (row["failures"], row["refused"], row["state"]) == (5, 50, "waiting")
    assert len(_audit_failures(db, aid)) == 5


def test_the_lead_lifts_a_lock_in_the_app_and_it_is_logged(team, app_env, monkeypatch):
    db, aid, lead, expert, _ = team
    import time as _time

    now = _time.time()
    _lock(db, aid, "林专家", now)
    assert "已被锁定" in _fail(db, aid, "林专家", pin="2222", now=now)
    # an expert cannot lift it
    with pytest.raises(Exception):
        A.unlock_login(db, aid, expert, "member", expert)
    home = app_test(auth={"assessment_id": aid, "member_id": lead})
    home.run()
    assert not home.exception
    assert any("登录受限" in w.value and "林专家（已锁定）" in w.value for w in home.warning)
    assert any("登录失败记录 10 次" in c.value for c in home.caption)
    at = app_test("pages/setup.py", auth={"assessment_id": aid, "member_id": lead})
    at.run()
    assert not at.exception
    assert any("林专家" in str(x.value) for x in at.markdown) or any("林专家" in str(t) for t in at.dataframe)
    at.button(key=f"unlock_member_{expert}").click()
    at.run()
    assert not at.exception
    # the laptop it was guessed from is locked too; the lead lifts that as well
    assert "本设备已被锁定" in _fail(db, aid, "林专家", pin="2222", now=now)
    at.button(key="unlock_address_192.168.1.50").click()
    at.run()
    assert not at.exception
    assert A.login(db, aid, "林专家", "2222", address="192.168.1.50")["id"] == expert
    unlocks = [r for r in A.audit_entries(db, aid) if r["action_code"] == "unlock" and r["entity_code"] == "login"]
    assert [(u["actor"], u["key"]) for u in unlocks] == [("陈组长", "192.168.1.50"), ("陈组长", "林专家")]


def test_a_new_pin_from_the_lead_lifts_the_members_lock(team):
    db, aid, lead, expert, _ = team
    import time as _time

    now = _time.time()
    _lock(db, aid, "林专家", now)
    A.set_pin(db, aid, lead, expert, "97531")
    assert A.login(db, aid, "林专家", "97531", address="10.1.1.1")["id"] == expert
    assert [e["action_code"] for e in A.audit_entries(db, aid, 2)] == ["unlock", "reset_pin"]


def test_the_command_line_lifts_the_leads_own_lock(team, db_path):
    db, aid, lead, *_ = team
    import time as _time

    now = _time.time()
    _lock(db, aid, "陈组长", now)
    assert "已被锁定" in _fail(db, aid, "陈组长", pin="246810", now=now)
    out = subprocess.run([sys.executable, "-m", "core", "unlock-member", str(aid), "--member", "陈组长",
                          "--db", str(db_path)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "已解除" in out.stdout and "陈组长" in out.stdout
    assert "仍被锁定的设备地址：192.168.1.50" in out.stdout
    out = subprocess.run([sys.executable, "-m", "core", "unlock-member", str(aid), "--address", "192.168.1.50",
                          "--db", str(db_path)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and "已解除登录限制：192.168.1.50" in out.stdout
    assert A.login(db, aid, "陈组长", "246810", address="192.168.1.50")["id"] == lead
    assert [r["actor"] for r in A.audit_entries(db, aid) if r["action_code"] == "unlock"] == ["命令行", "命令行"]
    bad = subprocess.run([sys.executable, "-m", "core", "unlock-member", str(aid), "--member", "谁",
                          "--db", str(db_path)], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and "没有成员“谁”" in bad.stderr and "Traceback" not in bad.stderr


def test_the_counters_live_in_the_database_so_every_server_process_agrees(team, db_path):
    db, aid, *_ = team
    other = connect(db_path)     # another server process's connection
    for n in range(5):
        _fail(other if n % 2 else db, aid, "林专家", now=T0 + n)
    assert "秒后再试" in _fail(db, aid, "林专家", pin="2222", now=T0 + 5)
    other.conn.close()


@pytest.mark.parametrize("pin,ok", [("123", False), ("1234", True), ("12345678", True), ("123456789", False),
                                    ("12a4", False), ("", False), (" 1234", False), ("１２３４", False)])
def test_pin_length_is_4_to_8_digits(team, pin, ok):
    db, aid, lead, *_ = team
    if ok:
        A.add_member(db, aid, lead, f"成员{pin}", "expert", pin)
    else:
        with pytest.raises(InvalidValue, match="PIN 须为 4–8 位数字"):
            A.add_member(db, aid, lead, f"成员{pin}", "expert", pin)


@pytest.mark.parametrize("aid,name,pin", [(999, "林专家", "2222"), (-1, "", ""), (1, None, None),
                                          (1, "林专家" * 1000, "9" * 10_000), (1, "林专家", "２２２２")])
def test_odd_login_input_is_a_plain_refusal(team, aid, name, pin):
    db = team[0]
    with pytest.raises(LoginFailed, match="姓名或 PIN 不正确"):
        A.login(db, aid, name, pin, address="10.0.0.1", now=T0)


def test_the_rule_schedule():
    assert [pins.delay_after(n) for n in range(12)] == [0, 0, 0, 0, 0, 15, 30, 60, 120, 240, 900, 900]
