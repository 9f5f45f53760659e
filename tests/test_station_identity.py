"""Stations keep their identity across terms: the JSON import and a new assessment attach to
the existing station (district + street, optional agency code); the carry-over of the
earlier assessment's 需要关注 and 建议 as 上期评估意见 (未核实), profile, 片区 and communities."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.terms import start as terms
from core.report import make as report_make
from core.agency import history
from core.report import data as report_data
from core.agency import stations
from core.station import data as station_data
from core.assessment import team
from core.demo.content import CLOSING_POINTS
from core.agency.transfer import export_json, import_to_station
from db.connection import connect

ROOT = Path(__file__).resolve().parent.parent


def core_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=180)


# ---------- the rule ----------

@pytest.mark.parametrize("written", [("天河区", "元岗街"), ("天河", "元岗街道"), ("广州市天河区", " 元岗 街 "),
                                     ("天河区", "元岗街道办事处")])
def test_district_and_street_as_evaluators_write_them_name_one_station(written):
    assert history.same_station({"district": "天河区", "street": "元岗街"}, *written)


def test_other_street_missing_street_or_other_agency_code_is_another_station():
    st = {"district": "天河区", "street": "元岗街", "agency_code": "TH-07"}
    assert not history.same_station(st, "天河区", "棠下街")
    assert not history.same_station(st, "白云区", "元岗街")
    assert not history.same_station(st, "天河区", "")
    assert not history.same_station(st, "天河区", "元岗街", "TH-08")
    assert history.same_station(st, "天河区", "元岗街", "th-07")
    assert history.same_station(st, "天河区", "元岗街")          # no code given: district + street decide


# ---------- the import ----------

def test_importing_an_export_attaches_it_to_its_station(demo_db):
    db, aid = demo_db
    first = stations.station_of_assessment(db, aid)
    out = import_to_station(db, export_json(db, aid))
    assert out["attached"] and out["station_id"] == first
    assert [a["id"] for a in stations.assessments_of(db, first)] == [aid, out["assessment_id"]]
    # The export never carries this database's identity key.
    doc = json.loads(export_json(db, aid))
    assert "identity_id" not in doc["tables"]["stations"][0]


def test_import_as_a_new_station_when_asked(demo_db):
    db, aid = demo_db
    out = import_to_station(db, export_json(db, aid), "new")
    assert not out["attached"] and out["station_id"] != stations.station_of_assessment(db, aid)
    assert len(stations.assessments_of(db, out["station_id"])) == 1


def test_import_of_another_district_makes_a_new_station(demo_db, fresh_db):
    db, aid = demo_db
    doc = json.loads(export_json(db, aid))
    doc["tables"]["stations"][0]["district"] = "白云区"
    out = import_to_station(db, doc)
    assert not out["attached"]


def test_import_command_says_which_station_and_keeps_the_id_last(demo_db_file, tmp_path):
    src, aid = demo_db_file
    db_file = tmp_path / "agency.db"
    import shutil

    shutil.copy(src, db_file)
    r = core_cli("export", aid, "--db", db_file, "--out", tmp_path / "a.json")
    assert r.returncode == 0, r.stderr
    r = core_cli("import", tmp_path / "a.json", "--db", db_file)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert "已归入已有社工站" in r.stdout and "现有 2 次评估" in r.stdout
    attached = int(lines[-1])
    r = core_cli("import", tmp_path / "a.json", "--db", db_file, "--new-station")
    assert r.returncode == 0, r.stderr
    assert "作为新的社工站" in r.stdout
    separate = int(r.stdout.strip().splitlines()[-1])
    db = connect(db_file)
    assert stations.station_of_assessment(db, attached) == stations.station_of_assessment(db, aid)
    assert stations.station_of_assessment(db, separate) != stations.station_of_assessment(db, aid)


# ---------- creating an assessment: attach and carry over ----------

def _next_term(db, **kw):
    return terms.create_assessment(db, {"name": "元岗街社工服务站", "district": "天河", "street": "元岗街道"},
                                      "gz-2024-four-party", "组长乙", "2468", kind="中期",
                                      period_label="2024—2025 年度", **kw)


def test_a_new_assessment_of_the_station_carries_over_concerns_and_advice_unchecked(demo_db):
    db, aid = demo_db
    before = report_data.gather(db, aid)
    out = _next_term(db)
    assert out["attached"] and out["carried_from"] == aid
    new = out["assessment_id"]
    recs = station_data.list_recommendations(db, new)
    assert recs and {r["status"] for r in recs} == {"未核实"}
    texts = [r["text"] for r in recs]
    # every 建议 of the 结语 and the report's 需要关注, as printed
    for point in CLOSING_POINTS:
        assert point.strip() in texts
    from core.report import words as report_text

    printed = [c for s in before.sections for b in range(len(s.blocks))
               for c in report_text.section_items(before, s, b, "concern")
               if c not in report_text.rectification_concerns(before, s.code)]
    assert printed and all(c in texts for c in printed)
    assert len(texts) == len(set(texts))
    # sections kept, so the report places them
    assert {r["section_code"] for r in recs if r["text"] in printed} <= {s.code for s in before.sections}
    # profile, 片区 and communities carried, as a copy of their own
    old_st = team.get_station(db, team.get_assessment(db, aid)["station_id"])
    new_st = team.get_station(db, team.get_assessment(db, new)["station_id"])
    assert new_st["id"] != old_st["id"]
    for k in ("operator", "purchaser", "supervisor", "address", "communities", "short_name"):
        assert new_st[k] == old_st[k]
    assert new_st["district"] == "天河" and new_st["street"] == "元岗街道"   # as typed now
    old_areas = [(x["code"], x["name"], x["communities"]) for x in team.list_areas(db, old_st["id"])]
    assert [(x["code"], x["name"], x["communities"]) for x in team.list_areas(db, new_st["id"])] == old_areas


def test_carried_items_are_editable_and_the_earlier_assessment_is_untouched(demo_db):
    db, aid = demo_db
    old_recs = station_data.list_recommendations(db, aid)
    old_station = team.get_station(db, team.get_assessment(db, aid)["station_id"])
    out = _next_term(db)
    new, lead = out["assessment_id"], out["lead_id"]
    rec = station_data.list_recommendations(db, new)[0]
    station_data.save_recommendation(db, new, lead, rec["text"], "已整改", "现场查阅整改记录",
                                     rec["section_code"], recommendation_id=rec["id"])
    team.update_station(db, new, lead, operator="新的承办机构", communities="上元岗社区、新社区")
    team.set_areas(db, new, lead, [{"code": "P1", "name": "片区甲", "communities": "上元岗社区"}])
    assert station_data.list_recommendations(db, new)[0]["status"] == "已整改"
    assert station_data.list_recommendations(db, aid) == old_recs
    assert team.get_station(db, team.get_assessment(db, aid)["station_id"]) == old_station
    assert len(team.list_areas(db, old_station["id"])) == 3


def test_unchecked_carried_items_hold_the_report_as_a_draft(demo_db):
    db, aid = demo_db
    new = _next_term(db)["assessment_id"]
    items = report_make.preexport_check(db, new)
    item = next(i for i in items if i.code == "rectification")
    assert item.blocking and "尚未现场核实" in item.message
    from core.report import words as report_text

    assert "尚未核实" in report_text.rectification_summary(report_data.gather(db, new))


def test_as_a_new_station_nothing_is_carried(demo_db):
    db, aid = demo_db
    out = _next_term(db, attach=stations.NEW)
    assert not out["attached"] and out["carried"] == 0
    assert station_data.list_recommendations(db, out["assessment_id"]) == []
    assert out["station_id"] != stations.station_of_assessment(db, aid)


def test_first_assessment_of_a_station_starts_empty(fresh_db):
    out = terms.create_assessment(fresh_db, {"name": "棠下街社工服务站", "district": "天河区", "street": "棠下街"},
                                     "gz-2024-four-party", "组长", "2468")
    assert not out["attached"] and out["carried_from"] is None
    again = terms.create_assessment(fresh_db, {"name": "棠下街社工服务站", "district": "天河区", "street": "棠下街"},
                                       "gz-2024-four-party", "组长", "2468", kind="中期")
    assert again["attached"] and again["station_id"] == out["station_id"] and again["carried_from"] == out["assessment_id"]
    assert again["carried"] == 0        # nothing recorded yet in the first: nothing to carry


def test_migration_015_keeps_earlier_rows_and_gives_each_station_its_identity(tmp_path):
    import sqlite3

    from db import migrations

    db = connect(tmp_path / "old.db")
    before = [m for m in migrations.MIGRATIONS if m[0] != "015_station_history"]
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, fn in before:
        fn(db)
        db.execute("INSERT INTO _migrations VALUES (?, '')", [name])
    for sid, district, street in ((1, "天河区", "元岗街"), (2, "天河区 ", "元岗街"), (3, "白云区", ""), (4, "", "")):
        db.execute("INSERT INTO stations (id, name, district, street) VALUES (?, '站', ?, ?)", [sid, district, street])
        db.execute("INSERT INTO assessments (id, station_id, framework_id, created_at) VALUES (?, ?, 'gz-2024-four-party', '')",
                   [sid, sid])
    db.execute("INSERT INTO prev_recommendations (assessment_id, text, status, evidence) VALUES (1, '意见甲', '部分整改', '记录')")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO prev_recommendations (assessment_id, text, status) VALUES (1, '意见乙', '未核实')")
    assert migrations.migrate(db) == ["015_station_history"]
    row = db.execute("SELECT text, status, evidence, source FROM prev_recommendations").fetchone()
    assert row == ("意见甲", "部分整改", "记录", "")
    db.execute("INSERT INTO prev_recommendations (assessment_id, text, status) VALUES (1, '意见乙', '未核实')")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO prev_recommendations (assessment_id, text, status) VALUES (1, '意见丙', '不知道')")
    ident = dict(db.execute("SELECT id, identity_id FROM stations").fetchall())
    assert ident[1] == ident[2] and len({ident[1], ident[3], ident[4]}) == 3
    assert stations.find_station(db, "天河", "元岗街道")["id"] == ident[1]


def test_two_stations_in_one_street_are_told_apart_by_agency_code(fresh_db):
    a = terms.create_assessment(fresh_db, {"name": "棠下街社工服务站", "district": "天河区", "street": "棠下街",
                                              "agency_code": "TH-01"}, "gz-2024-four-party", "组长", "2468")
    b = terms.create_assessment(fresh_db, {"name": "棠下街家庭综合服务中心", "district": "天河区", "street": "棠下街",
                                              "agency_code": "TH-02"}, "gz-2024-four-party", "组长", "2468")
    assert not b["attached"] and a["station_id"] != b["station_id"]
    again = terms.create_assessment(fresh_db, {"name": "棠下街社工服务站", "district": "天河区", "street": "棠下街道",
                                                  "agency_code": "th-01"}, "gz-2024-four-party", "组长", "2468")
    assert again["attached"] and again["station_id"] == a["station_id"]
    with pytest.raises(Exception, match="对应多个社工站"):
        stations.find_station_by_name(fresh_db, "棠下街")
    assert stations.find_station_by_name(fresh_db, str(b["station_id"]))["id"] == b["station_id"]
    assert stations.find_station_by_name(fresh_db, "棠下街社工服务站")["id"] == a["station_id"]
