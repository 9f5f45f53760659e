"""Deep links after a restart (issue 17): until app.py has run once in a server process, Streamlit
treats pages/ as an old-style multipage folder and runs the file a deep link names directly. Every
file of pages/ opened that way must show the PIN form (app.py's), never the page alone or an
empty one. The fresh process is emulated by Streamlit's own flag for it (PagesManager
.uses_pages_directory, set when a server's first session starts); tests/e2e/test_hostile_network.py
proves the same on a real fresh server."""
from __future__ import annotations

import pytest

from core.assessment import team as A
from db.connection import connect
from tests.conftest import ROOT

PAGE_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))


@pytest.fixture
def one_assessment(app_env):
    from db.migrations import migrate

    db = connect(app_env)
    migrate(db)
    A.new_assessment(db, {"name": "深链街社工服务站"}, "gz-2024-four-party", "陈组长", "246810")
    db.conn.close()


@pytest.mark.parametrize("page_file", PAGE_FILES)
def test_a_page_opened_first_in_a_fresh_server_shows_the_pin_form(one_assessment, page_file, monkeypatch):
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)   # no st.navigation yet in this process
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.switch_page(page_file)
    at.run()
    assert not at.exception, at.exception
    assert any(w.key == "login_pin" for w in at.text_input), f"{page_file}: no PIN form"
    assert not any("请先在首页登录" in i.value for i in at.info)
    assert "auth" not in at.session_state
