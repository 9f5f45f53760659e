"""Six laptops saving at once: every write lands, none fails with "database is locked".

Real writer processes (bench/concurrency.py --worker) save scores, findings and
survey calls through the db functions into one SQLite file at random moments.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import concurrency as bench  # noqa: E402

from db.connection import connect  # noqa: E402

PROCS, WRITES = 6, 90


@pytest.fixture(scope="module")
def burst(tmp_path_factory):
    path = tmp_path_factory.mktemp("concurrency") / "assessment.db"
    aid, results, crashed = bench.run(path, procs=PROCS, writes=WRITES, pause_ms=3)
    return path, aid, results, crashed


def test_every_writer_finishes_all_its_saves(burst):
    path, aid, results, crashed = burst
    assert crashed == []
    assert len(results) == PROCS * WRITES
    ops = {r["op"] for r in results}
    assert ops == {"score", "finding", "call"}


def test_no_save_fails_not_even_with_database_is_locked(burst):
    _, _, results, _ = burst
    failed = [f"{r['key']}: {r['error']}" for r in results if "error" in r]
    assert failed == []


def test_every_write_is_present_with_one_audit_row_per_change(burst):
    path, aid, results, _ = burst
    assert bench.verify(path, aid, results) == []


def test_saves_from_different_writers_really_overlapped_in_time(burst):
    """Guard against a test that passes because the writers ran one after another."""
    path, aid, results, _ = burst
    db = connect(path)
    rows = db.execute("SELECT member_id FROM audit_log WHERE assessment_id = ? AND entity IN ('score', 'finding')"
                      " ORDER BY id", [aid]).fetchall()
    db.conn.close()
    switches = sum(1 for a, b in zip(rows, rows[1:]) if a[0] != b[0])
    assert switches > len(rows) // 4


def test_survey_calls_from_six_callers_are_all_counted(burst):
    from core.survey import calls as survey

    path, aid, results, _ = burst
    db = connect(path)
    res = survey.survey_results(db, aid)
    db.conn.close()
    calls = [r for r in results if r["op"] == "call"]
    items = {r["call"][0] for r in calls}
    assert res.called == len(items)
    assert res.reached == sum(1 for r in calls if r["call"][2] == "接通")


def test_verify_notices_a_missing_write(burst, tmp_path):
    """The checker itself is not toothless: a write reported but absent is caught."""
    path, aid, results, _ = burst
    fake = dict(results[1], key="p0-99999")
    problems = bench.verify(path, aid, results + [fake])
    assert any("p0-99999" in p for p in problems)
