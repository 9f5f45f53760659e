"""A browser session keeps one database connection (issue 27): reruns open nothing, yet every other laptop's
write shows on the next rerun, and a transaction a stopped run left open never lingers. Charts built once per
distinct data are shared, read-only, and a change of the data makes a new chart."""
from __future__ import annotations

import shutil

from conftest import app_test, open_site_tab
from core import derived
from core.assessment import team
from core.day import dashboard as D
from core.scoring import scoresheet
from db.connection import connect


def _lead(db, aid) -> int:
    return next(m["id"] for m in team.list_members(db, aid) if m["role"] == "lead")


def _final(at) -> str:
    return next(m.value for m in at.metric if m.label.startswith("最终得分"))


def test_a_session_keeps_one_connection_and_sees_another_laptops_save(demo_db_file, app_env):
    src, aid = demo_db_file
    shutil.copy(src, app_env)
    db = connect(app_env)
    lead = _lead(db, aid)
    at = app_test("pages/report.py", auth={"assessment_id": aid, "member_id": lead})
    at.run()
    assert not at.exception, at.exception
    held = at.session_state["_ui_db"]
    assert held[0] == str(app_env)
    before = _final(at)
    at.switch_page("pages/dashboard.py")
    at.run()
    at.switch_page("pages/report.py")
    at.run()
    assert at.session_state["_ui_db"][1] is held[1]            # the same connection on every rerun and page
    scoresheet.save_party_score(db, aid, lead, "purchaser", 12.0)   # another laptop's connection
    at.run()
    assert not at.exception, at.exception
    assert _final(at) != before
    db.conn.close()


def test_a_transaction_a_stopped_run_left_open_is_rolled_back_before_the_next_run(demo_db_file, app_env):
    src, aid = demo_db_file
    shutil.copy(src, app_env)
    db = connect(app_env)
    lead = _lead(db, aid)
    at = app_test("pages/home.py", auth={"assessment_id": aid, "member_id": lead})
    at.run()
    kept = at.session_state["_ui_db"][1]
    kept.conn.execute("BEGIN IMMEDIATE")                      # as a run stopped inside a write would leave it
    kept.conn.execute("UPDATE assessments SET evaluator_org = 'half-done' WHERE id = ?", [aid])
    at.run()
    assert not at.exception, at.exception
    assert not kept.conn.in_transaction
    assert db.execute("SELECT evaluator_org FROM assessments WHERE id = ?", [aid]).fetchone()[0] != "half-done"
    # and the write lock is free for the other laptops
    db.execute("UPDATE assessments SET evaluator_org = evaluator_org WHERE id = ?", [aid])
    db.conn.close()


def test_a_chart_is_built_once_per_distinct_data_and_a_change_makes_a_new_one(demo_db):
    db, aid = demo_db
    derived.clear()
    from core.day import live

    first = D.charts(live.dashboard(db, aid))
    again = D.charts(live.dashboard(db, aid))
    assert again["sections"] is first["sections"]            # nothing changed: the same figure, not rebuilt
    lead = _lead(db, aid)
    cell = next(c for c in scoresheet.scores(db, aid, lead) if c["value"] is not None)
    scoresheet.save_score(db, aid, lead, cell["indicator_code"], cell["area_code"], value=0.0)
    changed = D.charts(live.dashboard(db, aid))
    assert changed["sections"] is not first["sections"]
    assert changed["sections"].to_dict() != first["sections"].to_dict()


def test_a_site_records_upload_form_shows_on_request_and_the_checklist_form_stays(demo_db_file, app_env):
    from core.station import data as SD

    src, aid = demo_db_file
    shutil.copy(src, app_env)
    db = connect(app_env)
    expert = next(m["id"] for m in team.list_members(db, aid) if m["name"] == "王建华")
    intro = SD.list_site_records(db, aid, "intro")[0]["id"]
    at = app_test("pages/site_records.py", auth={"assessment_id": aid, "member_id": expert})
    at.run()
    assert not at.exception, at.exception
    uploaders = lambda: {u.proto.id.rsplit("-", 1)[-1] for u in at.get("file_uploader")}  # noqa: E731
    assert not any(f"ev_sr_{intro}_files" in u for u in uploaders())      # not drawn until asked for
    at.toggle(key=f"ev_sr_{intro}_add").set_value(True).run()
    assert not at.exception, at.exception
    assert any(f"ev_sr_{intro}_files" in u for u in uploaders())
    open_site_tab(at, "实地观察")                                            # the checklist's tab, drawn when opened
    assert any(u.startswith("ev_sr_up_") or "ev_sr_up_" in u for u in uploaders())   # the checklist's one form
    db.conn.close()
