"""Kill -9 in the middle of a burst of saves: the file stays sound and nothing acknowledged is lost.

Writer processes (bench/concurrency.py --worker) print each save's key only after
the db function returned, i.e. after COMMIT. We SIGKILL them mid-burst, reopen
the file and check it.
"""
from __future__ import annotations

import json
import os
import selectors
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import concurrency as bench  # noqa: E402

from core.scoring import scoresheet as S  # noqa: E402
from db.connection import connect  # noqa: E402
from db.migrations import migrate  # noqa: E402

WRITERS, WRITES, KILL_AFTER = 3, 100_000, 150


def _burst_then_kill(path, aid, ids) -> list[dict]:
    """Run writers flat out; SIGKILL all of them once KILL_AFTER saves were acknowledged."""
    procs = bench.spawn(path, aid, ids, WRITES, pause_ms=0, start_delay=0.5)
    sel = selectors.DefaultSelector()
    bufs = {}
    for p in procs:
        os.set_blocking(p.stdout.fileno(), False)
        sel.register(p.stdout, selectors.EVENT_READ, p)
        bufs[p] = ""
    acked: list[dict] = []
    deadline = time.monotonic() + 60
    try:
        while len(acked) < KILL_AFTER and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                chunk = key.fileobj.read() or ""
                bufs[key.data] += chunk
                *lines, bufs[key.data] = bufs[key.data].split("\n")
                acked += [json.loads(x) for x in lines if x.strip()]
            assert all(p.poll() is None for p in procs), "a writer stopped before the kill"
    finally:
        for p in procs:
            p.send_signal(signal.SIGKILL)
        for p in procs:
            p.wait(10)
    # Lines already written to the pipe before the kill were acknowledged too.
    for p in procs:
        rest = bufs[p] + (p.stdout.read() or "")
        acked += [json.loads(x) for x in rest.split("\n")[:-1] if x.strip()]
        p.stdout.close()
        p.stderr.close()
    return acked


def test_killed_writers_leave_a_sound_file_holding_every_acknowledged_save(tmp_path):
    path = tmp_path / "assessment.db"
    aid, ids = bench.setup(path, WRITERS, writes=600)
    acked = _burst_then_kill(path, aid, ids)
    assert len(acked) >= KILL_AFTER
    assert [r for r in acked if "error" in r] == []

    db = connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        migrate(db)  # reopening as the app does: nothing to apply, no error
    finally:
        db.conn.close()
    # every acknowledged save is there (a save in flight may or may not be)
    assert bench.verify(path, aid, acked, killed=True, members=ids) == []


def test_a_writer_killed_before_its_first_acknowledgement_is_counted_with_its_save(tmp_path):
    """Issue 26 ("155 audit rows for 154 changes" on a loaded machine): the code kept exactly what it
    committed; the check left out the audit rows of a writer that had no result line (killed after
    its first COMMIT, before printing) while counting that save as in flight."""
    path = tmp_path / "assessment.db"
    aid, ids = bench.setup(path, 2, writes=30)
    db = connect(path)
    try:
        S.save_score(db, aid, ids[0], "A1", "", value=1, note="p0-0")      # acknowledged
        S.save_score(db, aid, ids[1], "A1", "", value=1, note="p1-0")      # committed, killed before printing
    finally:
        db.conn.close()
    acked = [{"key": "p0-0", "op": "score", "member_id": ids[0], "cell": ["A1", ""], "value": 1.0}]
    assert bench.verify(path, aid, acked, killed=True, members=ids) == []
    # …and a second unacknowledged save of that writer is still caught.
    db = connect(path)
    try:
        S.save_score(db, aid, ids[1], "A2", "", value=1, note="p1-1")
    finally:
        db.conn.close()
    assert any("never acknowledged" in p for p in bench.verify(path, aid, acked, killed=True, members=ids))


def test_the_database_takes_new_saves_after_the_crash(tmp_path):
    path = tmp_path / "assessment.db"
    aid, ids = bench.setup(path, 1, writes=600)
    acked = _burst_then_kill_one(path, aid, ids[0])
    db = connect(path)
    try:
        fid = S.add_finding(db, aid, ids[0], "A", "concern", "重启后的新意见")
        assert fid in [f["id"] for f in S.findings(db, aid, member_id=ids[0])]
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.conn.close()
    assert acked


def _burst_then_kill_one(path, aid, member_id) -> list[str]:
    (p,) = bench.spawn(path, aid, [member_id], WRITES, pause_ms=0, start_delay=0.3)
    lines = []
    for line in p.stdout:
        lines.append(line)
        if len(lines) >= 50:
            break
    p.send_signal(signal.SIGKILL)
    p.wait(10)
    p.stdout.close()
    p.stderr.close()
    return lines
