"""Browser end-to-end fixtures (the plumbing is in server.py).

tests/e2e is a package so that this conftest does not shadow tests/conftest.py
(`from conftest import app_test`) when the whole suite runs.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .server import CHROMIUM, CHROMIUM_ARGS, ROOT, SCREENSHOTS, WAIT_MS, screenshot, start_server


@pytest.fixture(scope="session")
def e2e_db(tmp_path_factory) -> Path:
    """The (migrated) database file the e2e server uses; tests add their own assessments."""
    sys.path.insert(0, str(ROOT))
    from db.connection import connect
    from db.migrations import migrate

    path = tmp_path_factory.mktemp("e2e") / "assessment.db"
    db = connect(path)
    migrate(db)
    db.conn.close()
    return path


@pytest.fixture(scope="session")
def server(e2e_db, tmp_path_factory):
    # A short dashboard interval keeps the "updates without reload" wait brief.
    srv = start_server(e2e_db, tmp_path_factory.mktemp("e2e-log") / "streamlit.log",
                       env={"DASHBOARD_REFRESH_SECONDS": "2"})
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def demo_in_server(server):
    """The demo created in the server's database, once per test module (its id)."""
    from core.demo.make import create_demo
    from db.connection import connect

    db = connect(server.db_path)
    aid = create_demo(db, finished=False)   # before the experts submit: tests score in the browser
    db.conn.close()
    return aid


@pytest.fixture(scope="session")
def browser():
    # No skip: a missing browser must fail the run (bash .ci/run installs it).
    assert Path(CHROMIUM).exists(), f"Debian chromium is not installed at {CHROMIUM} (bash .ci/run installs it)"
    from playwright.sync_api import sync_playwright

    for old in SCREENSHOTS.glob("FAILED-*.png"):  # from an earlier run
        old.unlink()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call":
        item.rep_call = rep


@pytest.fixture
def new_page(browser, request):
    """Factory: a page in its own browser context (one per simulated laptop).

    On failure every open page is saved as artifacts/screenshots/FAILED-<test>-<n>.png."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    contexts = []

    def make(accept_downloads: bool = True):
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN",
                                  accept_downloads=accept_downloads, ignore_https_errors=True)
        ctx.set_default_timeout(WAIT_MS)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    rep = getattr(request.node, "rep_call", None)
    for n, ctx in enumerate(contexts):
        if rep is not None and rep.failed:
            for page in ctx.pages:
                try:
                    screenshot(page, f"FAILED-{request.node.name}-{n}")
                except Exception:  # a crashed page must not hide the real failure
                    pass
        ctx.close()


