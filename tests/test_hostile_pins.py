"""Bad-input sweep, PIN guessing (issue 17): attack patterns replayed at the websocket's 7 guesses
a second for 25 simulated minutes — the time the 4-digit space fell in before — through the same
core.assessment.team.login the PIN form calls. Each must leave every member unbroken: the right PIN, hidden
among the guesses, is never accepted, and at most LOCK_AFTER + 2 PINs of a member are ever checked.

README "Reliability: hostile inputs" row: PIN guessing (the counts printed below are asserted)."""
from __future__ import annotations

import threading

import pytest

from core.assessment import pins
from core.assessment import team as A
from core.errors import LoginFailed
from db.connection import connect

T0 = 1_800_000_000.0
RATE = 7                     # guesses a second (websocket replay from a LAN client)
MINUTES = 25
GUESSES = RATE * 60 * MINUTES   # 10,500 guesses per pattern
MEMBERS = {"陈组长": "2580", "林专家": "1357", "周专家": "8642"}


@pytest.fixture
def target(db_path):
    from db.migrations import migrate

    db = connect(db_path)
    migrate(db)
    aid, lead = A.new_assessment(db, {"name": "猜测街社工服务站"}, "gz-2024-four-party", "陈组长", MEMBERS["陈组长"])
    for name in ("林专家", "周专家"):
        A.add_member(db, aid, lead, name, "expert", MEMBERS[name])
    yield db, aid
    db.conn.close()


def _space(n):
    """The 4-digit space in order, as a brute force would try it (the right PINs are inside it)."""
    return [f"{i % 10000:04d}" for i in range(n)]


PATTERNS = {
    # name: guess number -> (member name, client address)
    "one member, one laptop": lambda i: ("陈组长", "192.168.1.66"),
    "one member, a new address every guess": lambda i: ("陈组长", f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"),
    "every member in turn, one laptop": lambda i: (list(MEMBERS)[i % 3], "192.168.1.66"),
    "every member in turn, a new address every guess": lambda i: (list(MEMBERS)[i % 3], f"10.9.{i // 256 % 256}.{i % 256}"),
    "names that are not members, one laptop": lambda i: (f"不存在{i % 50}", "192.168.1.66"),
}


@pytest.mark.parametrize("pattern", list(PATTERNS))
def test_pin_guessing_is_throttled(target, pattern, capsys):
    db, aid = target
    who = PATTERNS[pattern]
    tried = accepted = 0
    # the right PINs come up in the brute force's order: 1357, 2580, 8642
    for i, pin in enumerate(_space(GUESSES)):
        name, address = who(i)
        tried += 1
        try:
            A.login(db, aid, name, pin, address=address, now=T0 + i / RATE)
            accepted += 1
        except LoginFailed:
            pass
    checked = A.failed_login_count(db, aid)
    per_member = {m: sum(1 for r in A.audit_entries(db, aid) if r["action_code"] == "login_failed" and r["key"] == m)
                  for m in MEMBERS}
    with capsys.disabled():
        print(f"\n[PIN guessing] {pattern}: {tried} guesses in {MINUTES} min, {checked} PINs checked, "
              f"{accepted} accepted")
    assert tried == GUESSES
    assert accepted == 0, "a right PIN was accepted"
    assert max(per_member.values()) <= pins.LOCK_AFTER + 2
    assert checked == A.failed_login_count(db, aid)          # every checked PIN is an audit row
    if pattern.endswith("one laptop"):
        assert checked <= pins.LOCK_AFTER + 2                  # the laptop's own counter bounds them all


def test_parallel_guesses_cannot_slip_past_the_counter(target, db_path):
    """Eight connections guessing at the same instant: each attempt is counted before its PIN is
    checked, so no more than LOCK_AFTER PINs are checked before the lock."""
    db, aid = target
    results, lock = [], threading.Lock()

    def worker(k):
        own = connect(db_path)
        for j in range(25):
            try:
                A.login(own, aid, "陈组长", f"{k}{j:03d}", address=f"10.0.{k}.{j}", now=T0)
                ok = True
            except LoginFailed:
                ok = False
            with lock:
                results.append(ok)
        own.conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 200 and not any(results)
    assert A.failed_login_count(db, aid) <= pins.FREE_FAILURES   # at one instant: the first delay stops the rest
