"""Shared fixtures: a real SQLite file in a temp dir, the demo, AppTest helpers."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.connection import connect  # noqa: E402
from db.migrations import migrate  # noqa: E402


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "assessment.db"


@pytest.fixture
def fresh_db(db_path):
    db = connect(db_path)
    migrate(db)
    yield db
    db.conn.close()


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory) -> tuple[Path, int]:
    """A database holding the demo assessment, built once per test session.

    Tests that write must copy it (see `demo_db`)."""
    from core.demo.make import create_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = connect(path)
    migrate(db)
    aid = create_demo(db, finished=False)   # before the experts submit: tests change their scores
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path, aid


@pytest.fixture
def demo_db(demo_db_file, tmp_path):
    """A private copy of the demo database: (db, assessment_id)."""
    import shutil

    src, aid = demo_db_file
    dst = tmp_path / "demo.db"
    shutil.copy(src, dst)
    db = connect(dst)
    yield db, aid
    db.conn.close()


@pytest.fixture
def app_env(db_path, monkeypatch):
    """Point the app at the temp database (AppTest runs in-process)."""
    monkeypatch.setenv("ASSESSMENT_DB", str(db_path))
    monkeypatch.chdir(ROOT)
    return db_path


def open_site_tab(at, label: str):
    """Click a tab of 现场记录 (e.g. "访谈"): only the open tab is drawn, and choosing one reruns the page."""
    at.session_state["sr_tab"] = label
    return at.run()


def app_test(page: str | None = None, auth: dict | None = None, timeout: float = 30):
    """AppTest of the real app.py, optionally logged in and switched to a page."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if auth is not None:
        at.session_state["auth"] = dict(auth)
    if page:
        at.switch_page(page)
    return at


def vm_steps(db, fn) -> int:
    """SQLite virtual-machine steps (in hundreds) spent by fn(): the work of a read or write counted, never timed."""
    n = [0]

    def tick():
        n[0] += 1
        return 0

    db.conn.set_progress_handler(tick, 100)
    try:
        fn()
    finally:
        db.conn.set_progress_handler(None, 0)
    return n[0]


def bench_last_line(script: str, args: list[str], cwd) -> str:
    """Run bench/<script> with `args` (in `cwd`) and return the last line it printed; it must end by itself
    with exit status 0 or 1 (1: its ratio missed the target, which a test of its running does not judge)."""
    import subprocess

    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-3000:]
    return lines[-1]


def static_tables(at) -> list[dict[str, list[str]]]:
    """The small tables a page drew with ui.static_table or ui.markdown_table (Markdown tables, alone or under a
    heading in the same element), each as {column: [cells]}, the Markdown escapes taken off the text."""
    import re

    def cells(line: str) -> list[str]:
        parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        return [re.sub(r"\\(.)", r"\1", p.strip()) for p in parts]

    out = []
    for md in at.markdown:
        lines = str(md.value).splitlines()
        start = next((n for n in range(len(lines) - 1)
                      if lines[n].startswith("| ") and set(lines[n + 1]) <= set("|- ")), None)
        if start is not None:
            head = cells(lines[start])
            body = [cells(x) for x in lines[start + 2:] if x.startswith("| ")]
            out.append({h: [r[i] for r in body] for i, h in enumerate(head)})
    return out
