"""Hot paths stay flat as the record grows (issue 13).

Saves touch only the rows they change: the work SQLite does for a save (counted in virtual
machine steps through sqlite3's progress handler, never timed) stays the same when the day's
record holds many more calls, findings and register rows. Figures derived from the register
(its hash, statistics, the scrubber) and the report page's data are cached by change marks
kept in the database by triggers (migration 011): every register writer changes the mark,
and no cache serves stale data after a write from another connection or a rollback.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from conftest import app_test, vm_steps
from core.day import hints
from core.report import make as report_make
from core.survey import calls as survey
from core.report import data as report_data
from core.report import edits as report_edit
from core.scoring import scoresheet
from core.station import data as station_data
from core.assessment import team
from core.privacy import scrubber
from db import versions
from db.connection import connect, transaction

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import concurrency  # noqa: E402  (bench/concurrency.py: the writers' assessment)


def _rows(names: list[str]) -> list[dict]:
    return [dict(name=n, phone=f"1380000{k:04d}", community="上元岗社区", category="低保对象", household=f"H{k}")
            for k, n in enumerate(names)]


@pytest.fixture
def station(fresh_db):
    """A new assessment (not the demo) with a lead, a staff member and a small register."""
    db = fresh_db
    aid, lead = team.new_assessment(db, {"name": "测试社工站", "district": "白云区"}, "gz-2024-four-party",
                                    "组长甲", "1111")
    team.set_areas(db, aid, lead, [{"name": "片区一", "communities": ["上元岗社区"]}])
    staff = team.add_member(db, aid, lead, "员工乙", "staff", "2222")
    station_data.replace_clients(db, aid, staff, _rows(["黄子昕", "李明华"]), source="名册.xlsx")
    return db, aid, lead, staff


# ---------- the change marks ----------

def test_every_register_writer_changes_the_register_mark(station):
    db, aid, lead, staff = station
    seen = [versions.marks(db, aid)]

    def changed() -> tuple:
        now = versions.marks(db, aid)
        assert now[1] not in {m[1] for m in seen}, "the register mark did not change"
        assert now[0] not in {m[0] for m in seen}, "the data mark did not change"
        seen.append(now)
        return now

    station_data.replace_clients(db, aid, staff, _rows(["黄子昕", "李明华", "欧阳子昕"]))
    changed()
    first = db.execute("SELECT MIN(id) FROM clients WHERE assessment_id = ?", [aid]).fetchone()[0]
    db.execute("UPDATE clients SET phone = '13900000000' WHERE id = ?", [first])   # a fix made outside the app
    changed()
    db.execute("DELETE FROM clients WHERE id = ?", [first])
    changed()
    db["clients"].insert(dict(assessment_id=aid, position=9, name="周立新", phone="13712345678"))
    changed()


def test_other_writes_change_the_data_mark_but_not_the_register_mark(station):
    db, aid, lead, _ = station
    data, register = versions.marks(db, aid)
    scoresheet.add_finding(db, aid, lead, "A", "concern", "台账不全。")
    after = versions.marks(db, aid)
    assert after[0] != data and after[1] == register
    report_edit.set_text(db, aid, lead, "feedback", "现场反馈已记录。")
    assert versions.marks(db, aid)[0] != after[0]


def test_the_marks_of_one_assessment_do_not_move_with_another(station):
    db, aid, lead, staff = station
    other, other_lead = team.new_assessment(db, {"name": "另一社工站", "district": "天河区"}, "gz-2024-four-party",
                                            "组长丙", "3333")
    before = versions.marks(db, aid)
    scoresheet.add_finding(db, other, other_lead, "A", "concern", "另一站的意见。")
    assert versions.marks(db, aid) == before



def test_a_register_edit_leaves_the_other_mark_alone_and_every_other_write_moves_it(station):
    """Migration 022: figures kept by `other` (the dashboard's scores, the survey's calls) live through
    a register edit, whoever makes it, and never through a change of anything else — including the
    tables migration 011 left to the audit row (a submission, written here outside the app)."""
    db, aid, lead, staff = station
    before = versions.mark(db, aid, "other")
    station_data.replace_clients(db, aid, staff, _rows(["黄子昕", "李明华", "周立新"]))     # with its audit row
    first = db.execute("SELECT MIN(id) FROM clients WHERE assessment_id = ?", [aid]).fetchone()[0]
    db.execute("UPDATE clients SET phone = '13900000000' WHERE id = ?", [first])
    db.execute("DELETE FROM clients WHERE id = ?", [first])
    assert versions.mark(db, aid, "other") == before
    seen = {before}

    def moved() -> None:
        now = versions.mark(db, aid, "other")
        assert now not in seen, "the other mark did not move"
        seen.add(now)

    scoresheet.add_finding(db, aid, lead, "A", "concern", "台账不全。")
    moved()
    data = versions.mark(db, aid, "data")
    db.execute("INSERT INTO submissions (assessment_id, member_id, submitted_at) VALUES (?, ?, '2026-12-07T10:00')",
               [aid, lead])
    moved()
    assert versions.mark(db, aid, "data") != data               # no audit row: the table moves it itself
    team.set_areas(db, aid, lead, [{"name": "片区一", "communities": ["上元岗社区", "柯木塱社区"]}])
    moved()


def test_every_table_of_an_assessment_moves_the_other_mark_or_is_named_as_not_moving_it(fresh_db):
    """A table added later holding an assessment's rows must add its triggers (db.migrations.
    other_mark_triggers) or be listed in _OTHER_EXCLUDED with its reason: otherwise a figure cached by
    `other` could miss its change."""
    from db import migrations

    db = fresh_db
    triggers = {r[0] for r in db.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'"
                                         " AND sql LIKE '%other = excluded.other%'")}
    missing = []
    for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        cols = {r[1] for r in db.execute(f"PRAGMA table_info('{t}')")}
        holds = "assessment_id" in cols or t in migrations._VERSION_PARENTS
        if holds and t not in migrations._OTHER_EXCLUDED and t not in triggers:
            missing.append(t)
        if t in migrations._OTHER_EXCLUDED:
            assert t not in triggers, t
    assert not missing
    assert "clients" not in triggers and "audit_log" not in triggers and "scores" in triggers

# ---------- cached figures follow the data ----------

def test_cached_register_figures_change_when_the_register_changes(station):
    db, aid, lead, staff = station
    hash_before = survey.current_register_hash(db, aid)
    summary_before = station_data.register_summary(db, aid)
    assert scrubber(db, aid)("回访周立新") == "回访周立新"
    station_data.replace_clients(db, aid, staff, _rows(["黄子昕", "李明华", "周立新"]))
    assert scrubber(db, aid)("回访周立新") == "回访周*新"
    assert survey.current_register_hash(db, aid) != hash_before
    assert survey.register_overview(db, aid)["persons"] == 3
    assert station_data.register_summary(db, aid)["persons"] == summary_before["persons"] + 1


def test_caches_never_serve_stale_data_after_a_write_from_another_connection(station, db_path):
    db, aid, lead, staff = station
    other = connect(db_path)
    try:
        assert scrubber(db, aid)("周立新来电") == "周立新来电"
        page = report_make.page_view(db, aid)
        assert report_make.page_view(db, aid) is page            # reused while nothing changed
        hash_before = survey.current_register_hash(db, aid)

        station_data.replace_clients(other, aid, staff, _rows(["周立新"]))   # the other server process
        scoresheet.save_party_score(other, aid, lead, "purchaser", 18.5, "购买方意见")

        assert scrubber(db, aid)("周立新来电") == "周*新来电"
        assert survey.current_register_hash(db, aid) != hash_before
        page = report_make.page_view(db, aid)
        purchaser = next(p for p in page.data.parties if p.code == "purchaser")
        assert purchaser.comment == "购买方意见" and float(purchaser.score) == 18.5
        assert page.data.register["persons"] == 1
    finally:
        other.conn.close()


def test_the_scrubber_follows_the_interviewees_names_written_from_another_connection(station, db_path):
    """Interview notes and evidence (migration 013) move the marks like the tables of migration 011:
    the scrubber knows a name typed on another laptop, and the report page's cached evidence of
    the findings sees an attachment marked personal there."""
    import io

    from PIL import Image

    from core.station import attachments
    from core.station import interviews

    db, aid, lead, staff = station
    other = connect(db_path)
    try:
        assert scrubber(db, aid)("访谈欧阳春花") == "访谈欧阳春花"
        note = interviews.save_interview(other, aid, lead, group_code="worker", name="欧阳春花", points="谈了个案")
        assert scrubber(db, aid)("访谈欧阳春花") == "访谈欧**花"
        data, register = versions.marks(db, aid)
        interviews.save_interview(other, aid, lead, points="谈了小组活动", interview_id=note)
        assert versions.marks(db, aid)[0] != data and versions.marks(db, aid)[1] == register   # not renamed
        other.execute("UPDATE interviews SET name = '司徒明' WHERE id = ?", [note])   # outside the app: no audit row
        assert scrubber(db, aid)("司徒明和欧阳春花") == "司*明和欧阳春花"

        finding = scoresheet.add_finding(db, aid, lead, "A", "concern", "消防通道堆放杂物。")
        photo = io.BytesIO()
        Image.new("RGB", (40, 30)).save(photo, "JPEG")
        att = attachments.add(db, aid, lead, "finding", finding, "通道.jpg", photo.getvalue())
        shown = attachments.evidence_of_all_findings(db, aid)
        assert attachments.evidence_of_all_findings(db, aid) is shown      # reused while nothing changed
        assert [a["personal"] for a in shown[finding]] == [False]
        data = versions.marks(db, aid)[0]
        other.execute("UPDATE attachments SET personal = 1 WHERE id = ?", [att])
        assert versions.marks(db, aid)[0] != data
        assert [a["personal"] for a in attachments.evidence_of_all_findings(db, aid)[finding]] == [True]
    finally:
        other.conn.close()


def test_a_rolled_back_register_write_leaves_no_figures_behind(station):
    db, aid, lead, staff = station
    assert scrubber(db, aid)("周立新") == "周立新"
    with pytest.raises(RuntimeError):
        with transaction(db):
            db["clients"].insert(dict(assessment_id=aid, position=5, name="周立新", phone=""))
            assert scrubber(db, aid)("周立新") == "周*新"          # seen inside the transaction
            raise RuntimeError("rolled back")
    assert scrubber(db, aid)("周立新") == "周立新"


# ---------- saves touch only the rows they change ----------

def _grow(db, aid: int, lead: int, item_ids: list[int], calls: int, findings: int, persons: int) -> None:
    """Many more calls (on other clients), findings and register rows, written straight into the tables."""
    concurrency._record_prior_calls(db, aid, lead, item_ids, calls)
    with transaction(db):
        db.conn.executemany(
            "INSERT INTO findings (assessment_id, member_id, section_code, area_code, kind, text, created_at,"
            " updated_at) VALUES (?, ?, 'A', '', 'concern', ?, '', '')",
            [(aid, lead, f"意见{n}") for n in range(findings)])
        db.conn.executemany(
            "INSERT INTO clients (assessment_id, position, name, phone, community, category, household)"
            " VALUES (?, ?, ?, ?, '上元岗社区', '低保对象', ?)",
            [(aid, 10_000 + n, f"对象{n}", f"139{n:08d}", f"G{n}") for n in range(persons)])


def test_a_save_does_the_same_work_however_large_the_record(tmp_path):
    """Score, finding, survey call, site record and report text saves: the SQLite work of each is
    the same with no other calls and ~1,000 register rows as with 2,000 calls, 3,000 more
    findings and 5,000 more register rows (a save reading every call of the sample, or every
    finding, or the register, would grow many times)."""
    path = tmp_path / "grow.db"
    aid, (expert,) = concurrency.setup(path, 1, writes=60, calls=2000)   # 1,000 clients given to the lead
    db = connect(path)
    db.execute("DELETE FROM survey_calls WHERE assessment_id = ?", [aid])   # none yet: recorded by _grow
    try:
        lead = next(m["id"] for m in team.list_members(db, aid) if m["role"] == "lead")
        cells = team.assigned_cells(db, aid, expert)
        mine = [i["id"] for i in survey.my_calls(db, aid, expert)]
        others = [i["id"] for i in survey.list_items(db, aid) if i["caller_id"] == lead]
        record = station_data.save_site_record(db, aid, expert, "document", item="服务档案")
        item_ref = report_edit.group_items(db, aid, "A", "", "concern")

        def saves(n: int) -> dict[str, int]:
            code, area = cells[n]
            return {
                "score": vm_steps(db, lambda: scoresheet.save_score(db, aid, expert, code, area, value=1.0, note=f"n{n}")),
                "finding": vm_steps(db, lambda: scoresheet.add_finding(db, aid, expert, "A", "concern", f"新意见{n}")),
                "call": vm_steps(db, lambda: survey.record_call(db, aid, expert, mine[n], 1, "无人接听")),
                "site record": vm_steps(db, lambda: station_data.save_site_record(
                    db, aid, expert, "document", notes=f"备注{n}", record_id=record)),
                "report text": vm_steps(db, lambda: report_edit.set_text(db, aid, lead, "feedback", f"反馈{n}")),
            }

        assert item_ref == []
        small = saves(0)
        _grow(db, aid, lead, others, 2000, 3000, 5000)
        assert survey.call_count(db, aid) >= 2000
        large = saves(1)
        for what, steps in small.items():
            assert large[what] <= steps * 1.5 + 5, f"{what}: {steps} → {large[what]} (hundreds of VM steps)"
    finally:
        db.conn.close()


def test_editing_one_report_group_reads_that_group_only(demo_db):
    db, aid = demo_db
    lead = next(m["id"] for m in team.list_members(db, aid) if m["role"] == "lead")
    first = report_edit.group_items(db, aid, "C", "", "concern")[0]["ref"]
    small = vm_steps(db, lambda: report_edit.update_item(db, aid, lead, first, "服务监测需加强（修改一）。"))
    with transaction(db):
        db.conn.executemany(
            "INSERT INTO findings (assessment_id, member_id, section_code, area_code, kind, text, created_at,"
            " updated_at) VALUES (?, ?, 'D', '', ?, ?, '', '')",
            [(aid, lead, ("strength", "concern")[n % 2], f"其他部分的意见{n}") for n in range(3000)])
    second = report_edit.group_items(db, aid, "A", "", "strength")[0]["ref"]
    large = vm_steps(db, lambda: report_edit.update_item(db, aid, lead, second, "项目管理规范（修改二）。"))
    assert large <= small * 1.5 + 5, (small, large)
    assert report_edit.group_items(db, aid, "A", "", "strength")[0]["text"] == "项目管理规范（修改二）。"


# ---------- the report page ----------

@pytest.fixture
def report_app(demo_db_file, app_env, monkeypatch):
    src, aid = demo_db_file
    shutil.copy(src, app_env)
    db = connect(app_env)
    lead = next(m["id"] for m in team.list_members(db, aid) if m["role"] == "lead")
    gathered = []
    real = report_data.gather
    monkeypatch.setattr(report_data, "gather", lambda *a, **k: gathered.append(a[1]) or real(*a, **k))
    yield db, aid, lead, gathered
    db.conn.close()


def test_the_report_page_does_not_gather_the_report_again_on_a_widget_change(report_app):
    db, aid, lead, gathered = report_app
    at = app_test("pages/report.py", auth={"assessment_id": aid, "member_id": lead})
    at.run()
    assert not at.exception, at.exception
    assert len(gathered) == 1
    at.selectbox(key="rp_section").set_value("C")
    at.run()
    at.selectbox(key="rp_section").set_value("A")
    at.run()
    assert not at.exception, at.exception
    assert len(gathered) == 1
    final = lambda: next(m.value for m in at.metric if m.label.startswith("最终得分"))  # noqa: E731
    before = final()
    # A save elsewhere (another laptop's connection) shows on the next rerun.
    scoresheet.save_party_score(db, aid, lead, "purchaser", 12.0)
    at.run()
    assert len(gathered) == 2
    assert final() != before


def test_a_long_report_group_is_shown_five_items_at_a_time(report_app):
    db, aid, lead, _ = report_app
    for n in range(9):
        scoresheet.add_finding(db, aid, lead, "A", "concern", f"补充意见第{n + 1}条。")
    total = len(report_edit.group_items(db, aid, "A", "", "concern"))
    assert total > 10
    at = app_test("pages/report.py", auth={"assessment_id": aid, "member_id": lead})
    at.run()
    at.selectbox(key="rp_section").set_value("A")
    at.run()
    key = "rp_page_A__concern"
    shown = lambda: [t.value for t in at.text_area if t.key and t.key.startswith("rp_text_finding:")]  # noqa: E731
    concerns = [it["text"] for it in report_edit.group_items(db, aid, "A", "", "concern")]
    assert [v for v in shown() if v in concerns] == concerns[:5]
    pager = at.selectbox(key=key)
    assert pager.options[0] == f"第 1–5 条（共 {total} 条）", pager.options
    pager.set_value(10)
    at.run()
    assert not at.exception, at.exception
    assert [v for v in shown() if v in concerns] == concerns[10:15]


def test_the_suggested_scores_evidence_follows_writes_from_another_connection(station, db_path):
    db, aid, lead, staff = station
    first = hints.evidence(db, aid)
    assert hints.evidence(db, aid) is first          # reused while nothing changed
    assert first.staffing is None and first.register["persons"] == 2
    other = connect(db_path)
    try:
        station_data.save_staffing(other, aid, staff, required=12, on_post=11)
        station_data.replace_clients(other, aid, staff, _rows(["黄子昕", "李明华", "周立新"]))
    finally:
        other.conn.close()
    now = hints.evidence(db, aid)
    assert now.staffing is not None and now.register["persons"] == 3


# ---------- a register edit: the dashboard's figures without rebuilding everything ----------

def test_register_figures_after_an_edit_are_those_of_the_whole_register(station):
    """The register facts read in one pass of plain rows (hash, households, per-片区 population) equal
    the rules applied to the full rows: shared and empty 户号, a community in no 片区, padded text."""
    from core.station.register import register_summary
    from core.survey import rules
    from db import survey as survey_db

    db, aid, lead, staff = station
    rows = _rows(["黄子昕", "李明华", "周立新", "欧阳春花", "陈一"])
    rows[1]["household"] = rows[0]["household"]                     # one household of two
    rows[2]["household"] = rows[3]["household"] = ""                 # no 户号: each a household
    rows[3]["community"] = " 同和社区 "                               # in no 片区
    station_data.replace_clients(db, aid, staff, rows)
    full = survey_db.register(db, aid)
    overview = survey.register_overview(db, aid)
    assert overview == {"persons": 5, "households": register_summary(full)["households"],
                        "register_hash": rules.register_hash(full)}
    assert overview["households"] == 4
    area_of = survey.area_map(db, aid)
    assert survey._area_population(db, aid, area_of) == {"片区一": 4, rules.STRATUM_NONE: 1}


def test_a_dashboard_refresh_after_a_register_edit_does_not_compile_the_name_pattern(station):
    """The scrubber rebuilt after an edit masks the dashboard's short notes without compiling its
    pattern over every name (the cost that grew with the register); the notes are still masked."""
    from core.day import live

    db, aid, lead, staff = station
    live.dashboard(db, aid)
    station_data.replace_clients(db, aid, staff, _rows(["黄子昕", "李明华", "周立新"]))
    live.dashboard(db, aid)
    scrub = scrubber(db, aid)
    assert scrub("回访周立新，电话13800000002") == "回访周*新，电话138****0002"
    assert scrub._re is None


def test_a_database_of_before_migration_022_upgrades_and_its_marks_follow(tmp_path, monkeypatch):
    """A laptop's file made before the `other` mark: migration 022 rewrites its change-mark triggers (none is
    left without `other`, none added beside them) and the marks then behave as on a new file."""
    from core.demo.make import create_demo
    from db import migrations

    full = list(migrations.MIGRATIONS)
    before_022 = [m for m in full if m[0] < "022"]
    db = connect(str(tmp_path / "old.db"))
    try:
        monkeypatch.setattr(migrations, "MIGRATIONS", before_022)
        migrations.migrate(db)
        aid = create_demo(db)
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        monkeypatch.setattr(migrations, "MIGRATIONS", full)
        assert [n for n, _ in full if n not in {n for n, _ in before_022}] == migrations.migrate(db)
        after = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
        assert names <= set(after)
        assert all("other = excluded.other" in after[n] for n in names
                   if "_version_" in n and not n.startswith(("clients_", "audit_log_", "sync_")))
        other = versions.mark(db, aid, "other")
        db.execute("UPDATE clients SET phone = '13900000000' WHERE id = (SELECT MIN(id) FROM clients"
                   " WHERE assessment_id = ?)", [aid])
        assert versions.mark(db, aid, "other") == other
        db.execute("UPDATE scores SET note = '复核' WHERE id = (SELECT MIN(id) FROM scores WHERE assessment_id = ?)", [aid])
        assert versions.mark(db, aid, "other") != other
    finally:
        db.conn.close()
