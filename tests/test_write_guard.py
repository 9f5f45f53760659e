"""The one write guard, proved over every writer found by introspection (db.guard.REGISTRY).

Each guarded writer is refused on a locked assessment and for a member without the
right (wrong role, or a member of another assessment), changing nothing; allowed, it
writes exactly one audit row. tests/guard_calls/ holds a sample call per writer: a new
writer without one fails here. The race test locks while writers save.
"""
from __future__ import annotations

import hashlib
import importlib
import pkgutil
import shutil
import threading

import pytest

import db as db_pkg
from db.connection import connect
from db.errors import AssessmentLocked, DataError, PermissionDenied
from db.guard import REGISTRY
from tests.guard_calls import all_calls

for _m in pkgutil.iter_modules(db_pkg.__path__):
    importlib.import_module(f"db.{_m.name}")  # every writer registers on import

CALLS = all_calls()
WRITERS = {f"{w.__module__.split('.', 1)[1]}.{w.__name__}": w for w in REGISTRY}
DEMO_MEMBERS = {"lead": "陈志远", "expert": "林晓红", "expert2": "王建华", "staff": "黄小燕"}


class Ctx:
    def __init__(self, db, aid):
        self.db, self.aid = db, aid
        self.ids = {k: self.one("SELECT id FROM members WHERE assessment_id = ? AND name = ?", [aid, n])
                    for k, n in DEMO_MEMBERS.items()}
        # A member of another assessment (refused by every writer of this one).
        sid = self.one("SELECT station_id FROM assessments WHERE id = ?", [aid])
        db.execute("INSERT INTO assessments (station_id, framework_id, created_at) VALUES (?, 'gz-2024-four-party', '')",
                   [sid])
        other = self.one("SELECT MAX(id) FROM assessments")
        db.execute("INSERT INTO members (assessment_id, name, role, pin_hash, created_at)"
                   " VALUES (?, '外人', 'lead', 'x', '')", [other])
        self.ids["outsider"] = self.one("SELECT MAX(id) FROM members")

    def one(self, sql, params=()):
        row = self.db.execute(sql, list(params)).fetchone()
        return None if row is None else row[0]

    def audit_rows(self) -> int:
        return self.one("SELECT COUNT(*) FROM audit_log")

    def content(self) -> str:
        return hashlib.sha256("\n".join(self.db.conn.iterdump()).encode()).hexdigest()


@pytest.fixture
def ctx(demo_db_file, tmp_path):
    src, aid = demo_db_file
    shutil.copy(src, tmp_path / "g.db")
    db = connect(tmp_path / "g.db")
    c = Ctx(db, aid)
    yield c
    db.conn.close()


def test_every_guarded_writer_has_a_sample_call():
    named = {c.writer for c in CALLS}
    missing = sorted(set(WRITERS) - named)
    assert not missing, f"guarded writers without a sample call in tests/guard_calls/: {missing}"
    unknown = sorted(named - set(WRITERS))
    assert not unknown, f"sample calls of writers that are not guarded: {unknown}"


def _prepare(ctx, call: Call) -> None:
    if call.prepare is not None:
        call.prepare(ctx)


def _call(ctx, call: Call, member: str):
    args, kwargs = call.make(ctx)
    return WRITERS[call.writer](ctx.db, ctx.aid, ctx.ids[member], *args, **kwargs)


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_writer_is_refused_on_a_locked_assessment_and_changes_nothing(ctx, call):
    _prepare(ctx, call)
    ctx.db.execute("UPDATE assessments SET status = 'locked' WHERE id = ?", [ctx.aid])
    before = ctx.content()
    if call.when_locked:
        _call(ctx, call, call.member)
        return
    with pytest.raises(AssessmentLocked):
        _call(ctx, call, call.member)
    assert ctx.content() == before


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_writer_is_refused_for_a_member_without_the_right(ctx, call):
    _prepare(ctx, call)
    refused = call.refused or "outsider"
    before = ctx.content()
    with pytest.raises(PermissionDenied):
        _call(ctx, call, refused)
    assert ctx.content() == before


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_writer_writes_exactly_one_audit_row(ctx, call):
    _prepare(ctx, call)
    n = ctx.audit_rows()
    _call(ctx, call, call.member)
    assert ctx.audit_rows() == n + 1
    last = ctx.db.execute("SELECT member_id, assessment_id FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert last == (ctx.ids[call.member], ctx.aid)


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_writer_refuses_a_member_of_another_assessment(ctx, call):
    """A lead of another assessment (every role allowed there) is refused by the guard itself, before
    the writer's own ownership rules, whatever the writer; nothing changes."""
    _prepare(ctx, call)
    before = ctx.content()
    with pytest.raises(PermissionDenied) as refused:
        _call(ctx, call, "outsider")
    assert str(refused.value) == "该成员不属于本评估"
    assert ctx.content() == before


def _test_writer(log: bool):
    """A guarded writer that changes the assessment's 评估方, logging it or not (removed from REGISTRY by
    the caller: it is no writer of db/)."""
    from db.guard import writer

    @writer("lead", what="测试")
    def change_evaluator(w, text):
        w.db.execute("UPDATE assessments SET evaluator_org = ? WHERE id = ?", [text, w.assessment_id])
        if log:
            w.log("update", "assessment", w.assessment_id, new={"evaluator_org": text})
    return change_evaluator


def test_a_writer_that_forgets_its_audit_row_is_rolled_back(ctx):
    silent, logged = _test_writer(log=False), _test_writer(log=True)
    try:
        before, rows = ctx.content(), ctx.audit_rows()
        with pytest.raises(RuntimeError, match="without an audit row"):
            silent(ctx.db, ctx.aid, ctx.ids["lead"], "未记入修改记录的评估方")
        assert ctx.content() == before and ctx.audit_rows() == rows
        assert ctx.one("SELECT evaluator_org FROM assessments WHERE id = ?", [ctx.aid]) != "未记入修改记录的评估方"
        # the same change with its audit row is kept (the check is not refusing every write)
        logged(ctx.db, ctx.aid, ctx.ids["lead"], "记入修改记录的评估方")
        assert ctx.one("SELECT evaluator_org FROM assessments WHERE id = ?", [ctx.aid]) == "记入修改记录的评估方"
        assert ctx.audit_rows() == rows + 1
    finally:
        REGISTRY[:] = [w for w in REGISTRY if w not in (silent, logged)]


def test_nothing_commits_after_the_lead_locks(demo_db_file, tmp_path):
    """Experts keep saving while the lead locks: every save the database kept came before the lock."""
    from core.assessment import team as A

    src, aid = demo_db_file
    path = tmp_path / "race.db"
    shutil.copy(src, path)
    setup = connect(path)
    ctx = Ctx(setup, aid)
    from core.scoring.scoresheet import save_score as saver
    cells = [r for r in setup.execute(
        "SELECT member_id, indicator_code, area_code FROM scores WHERE assessment_id = ? AND value IS NOT NULL",
        [aid]).fetchall()]
    start = threading.Barrier(4)
    errors: list = []

    def expert(rows):
        db = connect(path)
        start.wait()
        for k in range(60):
            for mid, code, area in rows:
                try:
                    saver(db, aid, mid, code, area, note=f"第 {k} 次")
                except AssessmentLocked:
                    pass
                except DataError as e:  # pragma: no cover - would be a bug
                    errors.append(e)
        db.conn.close()

    threads = [threading.Thread(target=expert, args=(cells[n::3],)) for n in range(3)]
    for t in threads:
        t.start()
    start.wait()
    while not setup.execute("SELECT 1 FROM audit_log WHERE entity = 'score' AND new LIKE '%第%'").fetchone():
        pass  # lock only once the experts' saves are under way
    lead_db = connect(path)
    A.set_locked(lead_db, aid, ctx.ids["lead"], True)
    for t in threads:
        t.join()
    assert not errors
    lock_id = setup.execute("SELECT MAX(id) FROM audit_log WHERE action = 'lock'").fetchone()[0]
    after = setup.execute("SELECT COUNT(*) FROM audit_log WHERE id > ? AND entity = 'score'", [lock_id]).fetchone()[0]
    saved = setup.execute("SELECT COUNT(*) FROM audit_log WHERE id < ? AND entity = 'score' AND action = 'update'"
                          " AND new LIKE '%第%'", [lock_id]).fetchone()[0]
    assert saved > 0, "the race did not happen: no save before the lock"
    assert after == 0, f"{after} score saves committed after the lock"
