"""A station's history (in term order, with every figure) and the agency's overview (filters,
frequent concerns, expert calibration, Excel), from the command line too; the publish copy
holds no register name or phone in any table or column, and Datasette serves it."""
from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.terms import start as terms
from core.agency import overview
from core.agency import stations
from core.assessment import team
from core.agency.transfer import export_assessment, import_to_station
from db.connection import connect

ROOT = Path(__file__).resolve().parent.parent


def core_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=180)


def _term(doc, period, kind, visit, *, district=None, street=None, name=None, scale=None):
    doc = json.loads(json.dumps(doc))
    a = doc["tables"]["assessments"][0]
    a.update(period_label=period, kind=kind, visit_date=visit)
    st = doc["tables"]["stations"][0]
    if district:
        st["district"] = district
    if street:
        st["street"] = street
    if name:
        st["name"] = name
    if scale is not None:
        for s in doc["tables"]["scores"]:
            if s["value"] is not None:
                s["value"] = round(s["value"] * scale, 2)
        for p in doc["tables"]["party_scores"]:
            if p["score"] is not None:
                p["score"] = round(p["score"] * scale, 2)
    return doc


@pytest.fixture
def agency(demo_db):
    """The demo (元岗街 2023—2024 末期) plus: 元岗街 2024—2025 中期 (imported first) and 2022—2023 末期
    (a weaker term), and 棠下街 in another district (a weak station), all through the JSON import."""
    db, aid = demo_db
    doc = export_assessment(db, aid)
    later = import_to_station(db, _term(doc, "2024—2025 年度", "中期", "2024-10-15"))["assessment_id"]
    earlier = import_to_station(db, _term(doc, "2022—2023 年度", "末期", "2023-03-02", scale=0.8))["assessment_id"]
    other = import_to_station(db, _term(doc, "2023—2024 年度", "末期", "2024-03-20", district="白云区",
                                        street="棠下街", name="棠下街社工服务站", scale=0.55))["assessment_id"]
    return db, {"demo": aid, "later": later, "earlier": earlier, "other": other}


def test_history_lists_the_stations_assessments_in_term_order_with_every_figure(agency):
    db, ids = agency
    station = stations.station_of_assessment(db, ids["demo"])
    rows = overview.station_history(db, station)
    assert [r["id"] for r in rows] == [ids["earlier"], ids["demo"], ids["later"]]
    assert ids["other"] not in [r["id"] for r in rows]
    demo = rows[1]
    assert demo["final"] == 91.17 and demo["grade"] == "优秀"
    assert rows[0]["final"] < demo["final"]
    assert set(demo["sections"]) == {"A", "B", "C", "D"}
    phone = next(c for c in demo["completion"] if c["name"] == "电话访问")
    assert phone["rate"] == 110.01
    assert demo["staffing"]["retention"] == 60.0
    sat = demo["satisfaction"]
    assert (sat["satisfied"], sat["reached"]) == (92, 96)
    assert round(sat["low"], 1) == 93.2 and round(sat["high"], 1) == 97.5   # Wilson, finite-population corrected
    header, body = overview.history_table(rows)
    assert "满意度（95% 置信区间）" in header and body[1][-1] == "95.8%（92/96；93.2%–97.5%）"
    assert body[1][header.index("电话访问完成率")] == "110.01%"
    charts = overview.history_charts(rows)
    assert {"final", "sections", "satisfaction", "completion"} <= set(charts)
    assert list(charts["final"].data[0].y) == [r["final"] for r in rows]


def test_history_follows_a_change_of_the_assessment(agency):
    db, ids = agency
    station = stations.station_of_assessment(db, ids["demo"])
    before = overview.station_history(db, station)[1]["final"]
    lead = next(m["id"] for m in team.list_members(db, ids["demo"]) if m["role"] == "lead")
    from core.scoring import scoresheet

    scoresheet.save_party_score(db, ids["demo"], lead, "purchaser", 10, "")
    after = overview.station_history(db, station)[1]["final"]
    assert after != before and after == float(scoresheet.result(db, ids["demo"]).final)


def test_history_command_prints_one_line_per_assessment_in_order(agency, tmp_path):
    db, ids = agency
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = db.execute("PRAGMA database_list").fetchone()[2]
    r = core_cli("history", "--db", path, "--station", "元岗街社工服务站")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 3                                     # one line per assessment, nothing else
    assert lines == ["2023-03-02  2022—2023 年度末期  " + lines[0].split("  ")[2] + "  " + lines[0].split("  ")[3],
                     "2025-02-27  2023—2024 年度末期  91.17  优秀",
                     lines[2]]
    assert lines[2].startswith("2024-10-15  2024—2025 年度中期  91.17  优秀")
    r = core_cli("history", "--db", path, "--station", "不存在的站")
    assert r.returncode == 1 and "找不到社工站" in r.stderr
    r = core_cli("history", "--db", tmp_path / "missing.db", "--station", "元岗街")
    assert r.returncode == 1 and not (tmp_path / "missing.db").exists()


def test_overview_filters_by_district_year_grade_and_framework(agency):
    db, ids = agency
    city = terms.create_assessment(db, {"name": "石牌街社工服务站", "district": "天河区", "street": "石牌街"},
                                      "gz-2019-city", "组长", "2468", period_label="2024—2025 年度")["assessment_id"]
    everything = overview.overview(db)
    assert everything.total == 5 and len(everything.rows) == 5
    assert set(everything.options["district"]) == {"天河区", "白云区"}
    assert set(everything.options["year"]) == {"2022—2023", "2023—2024", "2024—2025"}
    assert {r["id"] for r in overview.overview(db, district=["白云区"]).rows} == {ids["other"]}
    assert {r["id"] for r in overview.overview(db, year=["2023—2024"]).rows} == {ids["demo"], ids["other"]}
    assert {r["id"] for r in overview.overview(db, framework=["gz-2019-city"]).rows} == {city}
    weak = overview.overview(db, grade=[r["grade"] for r in everything.rows if r["id"] == ids["other"]])
    assert ids["other"] in {r["id"] for r in weak.rows} and ids["demo"] not in {r["id"] for r in weak.rows}
    both = overview.overview(db, district=["天河区"], year=["2023—2024"])
    assert {r["id"] for r in both.rows} == {ids["demo"]}
    header, body = overview.overview_table(both)
    row = dict(zip(header, body[0]))
    assert row["社工站"] == "元岗街社工服务站" and row["最终得分"] == 91.17 and row["满意度"] == "95.8%"
    assert row["协议指标（达标/有完成率）"] == "12/15"
    assert set(overview.overview_charts(everything)) >= {"final", "grades", "sections", "satisfaction"}


def test_overview_counts_concerns_across_stations_and_calibrates_each_expert(agency):
    db, ids = agency
    ov = overview.overview(db)
    top = ov.concerns[0]
    assert top["stations"] == 2 and top["assessments"] == 4     # every demo concern, at both stations
    assert top["label"].startswith(top["section"])
    by = {e["expert"]: e for e in ov.experts}
    assert set(by) >= {"林晓红", "王建华", "赵敏"}
    zhao = by["赵敏"]
    assert zhao["assessments"] == 4 and zhao["cells"] > 0 and zhao["mean_deviation"] < 0
    # α of the panels they sat on: issue 15's core.scoring.agreement once merged, else '—' (None)
    if overview._agreement is None:
        assert zhao["alpha"] is None
    else:
        from core.scoring import scoresheet

        alpha = overview._agreement.compute(scoresheet.result(db, ids["demo"]).cells).alpha
        assert alpha is not None and zhao["alpha"] == pytest.approx(alpha, abs=0.01)
    detail = overview.expert_detail(db, ov, "赵敏")
    assert detail and all(isinstance(v, float) for v in detail.values())


def test_overview_excel_has_no_personal_data_and_no_formulas(agency, tmp_path):
    db, ids = agency
    # a station name that a spreadsheet would run as a formula
    lead = next(m["id"] for m in team.list_members(db, ids["other"]) if m["role"] == "lead")
    team.update_station(db, ids["other"], lead, name="=HYPERLINK(\"http://x\")")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = db.execute("PRAGMA database_list").fetchone()[2]
    r = core_cli("overview", "--db", path, "--out", tmp_path / "o.xlsx")
    assert r.returncode == 0, r.stderr
    wb = load_workbook(tmp_path / "o.xlsx")
    assert wb.sheetnames == ["评估一览", "常见问题", "专家校准"]
    cells = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://x\")" in cells
    assert not any(v.startswith("=") for v in cells)
    names = [r[0] for r in db.execute("SELECT name FROM clients")]
    assert names and not any(n in v for n in names if len(n) >= 2 for v in cells)
    assert "赵敏" not in cells and "赵*" in cells
    # the page's download: built on its own connection, logged on the lead's assessment
    demo_lead = next(m["id"] for m in team.list_members(db, ids["demo"]) if m["role"] == "lead")
    data = overview.overview_download(path, ids["demo"], demo_lead, district=["天河区"])
    rows = list(load_workbook(__import__("io").BytesIO(data))["评估一览"].iter_rows(values_only=True))
    assert len(rows) == 1 + 3 and all(r[2] == "天河区" for r in rows[1:])
    last = db.execute("SELECT action, new FROM audit_log WHERE assessment_id = ? ORDER BY id DESC LIMIT 1",
                      [ids["demo"]]).fetchone()
    assert last[0] == "export" and "overview_xlsx" in last[1]


# ---------- the publish file ----------

def _register(db):
    rows = db.execute("SELECT name, phone, phone2 FROM clients").fetchall()
    names = {r[0] for r in rows if r[0] and len(r[0]) >= 2}
    digits = {"".join(ch for ch in p if ch.isdigit()) for r in rows for p in r[1:] if p}
    return names, {d for d in digits if len(d) >= 7}


def test_publish_file_holds_no_register_name_or_phone_in_any_table_or_column(agency, tmp_path):
    db, ids = agency
    names, phones = _register(db)
    assert len(names) > 50 and len(phones) > 50
    # a name and a phone typed into free text of every kind
    lead = next(m["id"] for m in team.list_members(db, ids["demo"]) if m["role"] == "lead")
    name, phone = sorted(names)[0], sorted(phones)[0]
    from core.scoring import scoresheet
    from core.station import data as station_data

    scoresheet.add_finding(db, ids["demo"], lead, "A", "concern", f"回访{name}（{phone}）时发现档案缺失")
    station_data.save_recommendation(db, ids["demo"], lead, f"{name}的个案未结案，电话{phone}", "未整改")
    out = tmp_path / "published.db"
    path = db.execute("PRAGMA database_list").fetchone()[2]
    r = core_cli("publish", "--db", path, "--out", out)
    assert r.returncode == 0, r.stderr
    pub = sqlite3.connect(out)
    tables = [t for (t,) in pub.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for gone in ("clients", "survey_calls", "survey_items", "audit_log"):
        assert gone not in tables
    checked = 0
    for t in tables:
        cols = [c[1] for c in pub.execute(f'PRAGMA table_info("{t}")')]
        for row in pub.execute(f'SELECT * FROM "{t}"'):
            for c, v in zip(cols, row):
                if v is None:
                    continue
                text = str(v)
                digits = "".join(ch for ch in text if ch.isdigit())
                bad = [n for n in names if n in text] + [p for p in phones if p in text or p in digits and len(text) < 40]
                assert not bad, f"{t}.{c}: {bad[:3]}"
                checked += 1
    assert checked > 1000
    assert all(h == "" for (h,) in pub.execute("SELECT pin_hash FROM members"))
    assert ("陈*远",) in pub.execute("SELECT name FROM members").fetchall()
    masked = pub.execute("SELECT text FROM findings WHERE text LIKE '回访%档案缺失'").fetchone()[0]
    assert name not in masked and "*" in masked
    assert pub.execute("SELECT COUNT(*) FROM assessments").fetchone()[0] == 4
    assert pub.execute("SELECT COUNT(*) FROM assessment_overview").fetchone()[0] == 4
    assert pub.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_publish_refuses_the_database_itself_and_an_existing_file(demo_db_file, tmp_path):
    src, _ = demo_db_file
    db_file = tmp_path / "a.db"
    shutil.copy(src, db_file)
    before = db_file.read_bytes()
    r = core_cli("publish", "--db", db_file, "--out", db_file)
    assert r.returncode == 1 and "不能与数据库文件相同" in r.stderr
    assert db_file.read_bytes() == before
    (tmp_path / "x.db").write_bytes(b"keep")
    r = core_cli("publish", "--db", db_file, "--out", tmp_path / "x.db")
    assert r.returncode == 1 and (tmp_path / "x.db").read_bytes() == b"keep"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_datasette_serves_the_publish_file_read_only(demo_db, tmp_path):
    db, aid = demo_db
    out = tmp_path / "published.db"
    from core.agency.publish import publish

    publish(db, out)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "datasette", "serve", "--immutable", str(out),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/published/assessments.json?_shape=array"
        data = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    data = json.loads(resp.read())
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stdout.read().decode(errors="replace"))
                time.sleep(0.25)
        assert data is not None, "datasette did not answer"
        assert [r["id"] for r in data] == [aid] and data[0]["kind"] == "末期"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/published/assessment_overview.json?_shape=array",
                                    timeout=5) as resp:
            rows = json.loads(resp.read())
        assert rows[0]["社工站"] == "元岗街社工服务站" and rows[0]["等级"] == "优秀"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/published.json", timeout=5) as resp:
            names = {t["name"] for t in json.loads(resp.read())["tables"]}
        assert "clients" not in names and "survey_calls" not in names
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# ---------- the report's 历次评估对比 ----------

def _pdf_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("\n", "")


def test_report_prints_the_history_table_only_with_earlier_terms_and_never_later_ones(agency):
    db, ids = agency
    from core.report.make import report_pdf

    first = _pdf_text(report_pdf(db, ids["earlier"]))      # the station's first term: report unchanged
    assert "历次评估对比" not in first
    text = _pdf_text(report_pdf(db, ids["demo"]))
    assert "表4历次评估对比" in text
    assert "2022—2023年度末期评估" in text and "2023—2024年度末期评估" in text
    assert "2024—2025年度中期评估" not in text                 # a later term is not this report's history
    lead = next(m["id"] for m in team.list_members(db, ids["demo"]) if m["role"] == "lead")
    team.update_assessment(db, ids["demo"], lead, report_history=0)   # the lead's switch
    assert "历次评估对比" not in _pdf_text(report_pdf(db, ids["demo"]))


def test_every_table_is_either_published_or_dropped_and_no_login_record_is_published(demo_db_file, tmp_path):
    from core.agency import publish as P

    db_file, aid = demo_db_file
    db = connect(db_file)
    tables = set(db.table_names())
    assert tables == set(P.PUBLISHED) | set(P.DROP), (tables - set(P.PUBLISHED) - set(P.DROP))
    assert not set(P.PUBLISHED) & set(P.DROP)
    # a wrong PIN from a client address leaves a counter row with the address and the typed name
    from core.assessment import team
    try:
        team.login(db, aid, "林晓红", "0000", address="10.1.2.3")
    except Exception:
        pass
    assert db.execute("SELECT COUNT(*) FROM login_throttle").fetchone()[0] >= 1
    out = tmp_path / "pub.db"
    P.publish(db, str(out))
    pub = connect(str(out))
    assert "login_throttle" not in pub.table_names()
    dump = "\n".join(pub.conn.iterdump())
    assert "10.1.2.3" not in dump
