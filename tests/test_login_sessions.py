"""Browser sign-ins that survive a server restart (issue 23, item 5): the token rules on real database
files (core.assessment.sessions), and the real app through AppTest — a page left open comes back
signed in with a live token; an expired, revoked or another assessment's token, or a page opened
afresh, gets the PIN form. The restart itself, in Chromium: tests/e2e/test_session_restart.py."""
from __future__ import annotations

import pytest

from core.assessment import sessions
from core.assessment import team as A
from db import login_sessions
from db.connection import connect
from db.migrations import migrate
from tests.conftest import app_test

EXPERT, PIN = "孔专家", "2468"


@pytest.fixture
def two(app_env):
    """Two assessments in the app's database, each with a lead and an expert."""
    db = connect(app_env)
    migrate(db)
    out = []
    for station in ("登峰街社工服务站", "矿泉街社工服务站"):
        aid, lead = A.new_assessment(db, {"name": station}, "gz-2024-four-party", "组长", "1357")
        out.append((aid, lead, A.add_member(db, aid, lead, EXPERT, "expert", PIN, ["A"])))
    yield db, out
    db.conn.close()


# ---------- the rules, on the database ----------

def test_only_the_hash_of_a_token_is_stored_and_it_resumes_its_member(two):
    db, [(aid, lead, expert), _] = two
    token = sessions.start(db, A.get_member(db, expert))
    row = db.execute("SELECT * FROM login_sessions").fetchall()
    assert len(row) == 1 and token not in str(row) and sessions.token_hash(token) in str(row)
    who = sessions.resume(db, token, str(aid), str(expert))
    assert who == {"assessment_id": aid, "member_id": expert, "name": EXPERT, "role": "expert"}


def test_an_expired_token_is_refused(two):
    db, [(aid, _, expert), _] = two
    token = sessions.start(db, A.get_member(db, expert), now=1_000_000)
    assert sessions.resume(db, token, aid, expert, now=1_000_000 + sessions.SESSION_SECONDS - 1)
    assert sessions.resume(db, token, aid, expert, now=1_000_000 + sessions.SESSION_SECONDS) is None


def test_another_assessments_or_members_token_and_a_forged_one_are_refused(two):
    db, [(a1, lead1, e1), (a2, lead2, e2)] = two
    token = sessions.start(db, A.get_member(db, e1))
    assert sessions.resume(db, token, a2, e1) is None          # the URL names another assessment
    assert sessions.resume(db, token, a2, e2) is None
    assert sessions.resume(db, token, a1, lead1) is None       # ... or another member
    assert sessions.resume(db, token[:-1] + ("A" if token[-1] != "A" else "B"), a1, e1) is None
    for bad in ("", "x", None, "' OR 1=1 --" * 4, token + "\n", 12345):
        assert sessions.resume(db, bad, a1, e1) is None
    assert sessions.resume(db, token, "1; DROP", e1) is None
    assert sessions.resume(db, token, a1, e1) is not None      # the right one still works


def test_logout_a_new_pin_deactivation_and_removal_revoke_the_members_tokens(two):
    db, [(aid, lead, expert), _] = two
    member = A.get_member(db, expert)
    t1, t2 = sessions.start(db, member), sessions.start(db, member)
    assert sessions.end(db, t1) and not sessions.end(db, t1)   # logout: this browser only
    assert sessions.resume(db, t1, aid, expert) is None and sessions.resume(db, t2, aid, expert)

    A.set_pin(db, aid, lead, expert, "9753")                    # a new PIN: every browser signs in again
    assert sessions.resume(db, t2, aid, expert) is None

    t3 = sessions.start(db, member)
    A.set_member_active(db, aid, lead, expert, False)
    A.set_member_active(db, aid, lead, expert, True)            # reactivated: the old token stays dead
    assert sessions.resume(db, t3, aid, expert) is None

    t4 = sessions.start(db, member)                             # a sign-in is not work: removal allowed
    A.remove_member(db, aid, lead, expert)
    assert sessions.resume(db, t4, aid, expert) is None and login_sessions.count(db, expert) == 0


def test_a_deleted_assessments_token_is_refused(two):
    db, [(aid, lead, expert), _] = two
    token = sessions.start(db, A.get_member(db, expert))
    A.delete_assessment(db, aid, lead, "登峰街社工服务站")
    assert sessions.resume(db, token, aid, expert) is None


# ---------- the app ----------

def _submit(at, key):
    next(b for b in at.button if b.key == key).click()
    at.run()


def _login(aid, name=EXPERT, pin=PIN):
    at = app_test()
    at.run()
    at.selectbox(key="login_assessment").set_value(aid)
    at.run()
    at.selectbox(key="login_name").set_value(name)
    at.text_input(key="login_pin").set_value(pin)
    _submit(at, "login_submit")
    assert "auth" in at.session_state, [e.value for e in at.error]
    return at


def _page_left_open(params: dict):
    """A browser page still showing the app (its widgets hold values) whose next run reaches a new
    session with the URL's ?a=&m=&s=: what a server restart leaves. The first run draws the page;
    the next one carries the widgets' values and the URL."""
    at = app_test()
    at.run()
    at.query_params.update(params)
    at.run()
    return at


def _signed_in(at) -> bool:
    return "auth" in at.session_state and not any(w.key == "login_pin" for w in at.text_input)


def test_login_gives_the_browser_a_token_in_the_url_kept_across_pages(two):
    db, [(aid, _, expert), _] = two
    at = _login(aid)
    params = dict(at.query_params)
    assert params["a"] == str(aid) and params["m"] == str(expert) and len(params["s"]) >= 40
    assert PIN not in str(params)
    assert sessions.resume(db, params["s"], aid, expert)
    at.switch_page("pages/site_records.py")
    at.run()
    assert at.query_params.get("s") == params["s"]            # kept across pages, like ?a=&m=
    sessions.end(db, params["s"])                               # what 退出登录 does (pages/_shared.log_out)
    assert not _signed_in(_page_left_open(params))


def test_a_page_left_open_comes_back_signed_in_with_a_live_token(two):
    db, [(aid, _, expert), _] = two
    params = dict(_login(aid).query_params)
    at = _page_left_open(params)
    assert _signed_in(at)
    assert at.session_state["auth"]["member_id"] == expert
    assert any(f"您好，{EXPERT}" in m.value for m in at.markdown) or at.title


@pytest.mark.parametrize("spoil", ["expired", "new_pin", "deactivated", "other_assessment", "other_member", "forged"])
def test_a_spoilt_token_gets_the_pin_form_and_leaves_the_url(two, spoil):
    db, [(aid, lead, expert), (a2, lead2, e2)] = two
    params = dict(_login(aid).query_params)
    if spoil == "expired":
        db.execute("UPDATE login_sessions SET expires_at = created_at")
    elif spoil == "new_pin":
        A.set_pin(db, aid, lead, expert, "8642")
    elif spoil == "deactivated":
        A.set_member_active(db, aid, lead, expert, False)
    elif spoil == "other_assessment":
        params.update(a=str(a2), m=str(e2))
    elif spoil == "other_member":
        params.update(m=str(lead))
    else:
        params.update(s=params["s"][::-1])
    at = _page_left_open(params)
    assert not _signed_in(at)
    assert any(w.key == "login_pin" for w in at.text_input)
    assert "s" not in at.query_params


def test_a_page_opened_or_reloaded_with_a_token_in_its_url_asks_the_pin(two):
    """A token only brings back a page that stayed open; a page opened afresh (reload, a copied or
    bookmarked address) shows the PIN form, and the token leaves its URL."""
    db, [(aid, _, expert), _] = two
    params = dict(_login(aid).query_params)
    for page in (None, "pages/site_records.py"):
        at = app_test(page)
        at.query_params.update(params)
        at.run()
        assert not _signed_in(at)
        assert any(w.key == "login_pin" for w in at.text_input)
        assert "s" not in at.query_params and at.query_params.get("m") == str(expert)
        at.run()                                   # and the PIN form's next run does not sign in either
        assert not _signed_in(at)
    assert sessions.resume(db, params["s"], aid, expert)   # the open page's token itself still works
