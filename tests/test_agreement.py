"""Experts' agreement: r_wg per level-scored cell, Krippendorff's α per assessment, the reading
chosen by the framework's rules, the CLI contract."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from types import SimpleNamespace

import pytest

from conftest import static_tables

from core.scoring import agreement as AG
from core.scoring import scoresheet as S
from core.assessment import team as A
from core.framework.model import Level, parse_report_rules
from core.scoring.totals import Cell
from tests._station_fixtures import station, station_file  # noqa: F401

NaN = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers, 12 units,
# values 1..5 with missing data. Published: nominal .743, ordinal .815, interval .849, ratio .797.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NaN, NaN, NaN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NaN, 3],
    [NaN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NaN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NaN],
]


def test_alpha_interval_reproduces_krippendorffs_published_example():
    assert AG.fmt_alpha(AG.alpha_interval(KRIPPENDORFF_2011)) == "0.849"


def _indicator(code, points=5, levels=()):
    return SimpleNamespace(code=code, name=f"指标{code}", points=points, rule_type="level" if levels else "free",
                           levels=tuple(levels))


def test_alpha_over_cells_uses_every_cell_with_two_experts_and_a_common_scale():
    # The published data as 12 cells of 5-point indicators, then the same as 10-point indicators
    # with doubled scores: α is the same (scores are divided by each indicator's maximum).
    for points, factor in ((5, 1), (10, 2)):
        cells = []
        for u in range(12):
            c = Cell(_indicator(f"U{u}", points), "")
            c.expert_values = {m + 1: Decimal(row[u] * factor) for m, row in enumerate(KRIPPENDORFF_2011)
                               if row[u] is not None}
            cells.append(c)
        ag = AG.compute(cells)
        assert ag.alpha_text == "0.849"
        assert (ag.alpha_cells, ag.alpha_experts) == (11, 4)     # unit 12 has one value only
        assert ag.cli_line == "alpha 0.849 (11 cells, 4 experts)"


@pytest.mark.parametrize("levels, expected", [(5, Decimal(2)), (7, Decimal(4)), (2, Decimal("0.25"))])
def test_sigma2_eu_is_the_published_uniform_variance(levels, expected):
    # James, Demaree & Wolf (1984); LeBreton & Senter (2008) table 2: A=5 -> 2.00, A=7 -> 4.00.
    assert AG.sigma2_eu(levels) == expected


def test_rwg_of_worked_examples():
    # 5 raters on a 5-point item: 4,4,5,5,4 -> s² = 0.3, r_wg = 1 - 0.3/2 = 0.85
    assert AG.rwg([4, 4, 5, 5, 4], 5) == Decimal("0.85")
    assert AG.rwg([3, 3, 3], 5) == 1
    assert AG.rwg([1, 5], 5) == 0          # more disagreement than chance: truncated at 0
    assert AG.rwg([2, 3, 4], 4) == Decimal("0.2")      # s² = 1, σ²_EU = 15/12


def test_reading_is_chosen_by_the_frameworks_thresholds():
    rules = parse_report_rules({})
    assert rules.agreement_band(0.849) == "reliable" and rules.agreement_band(0.7) == "tentative"
    assert rules.agreement_band(0.5) == "unreliable" and rules.agreement_band(None) == "none"
    strict = parse_report_rules({"agreement": {"reliable": 0.9, "tentative": 0.85,
                                               "readings": {"tentative": "尚可 {alpha}"}}})
    assert strict.agreement_band(0.849) == "unreliable"
    assert strict.agreement_reading(0.86, "0.860") == "尚可 0.860"
    from core.framework.model import FrameworkError
    with pytest.raises(FrameworkError, match="agreement"):
        parse_report_rules({"agreement": {"reliable": 0.5, "tentative": 0.6}})


@pytest.fixture
def three_experts(station):
    db, aid, m = station
    m["e2"] = A.add_member(db, aid, m["lead"], "专家丁", "expert", "4444", sections=["A"])
    m["e3"] = A.add_member(db, aid, m["lead"], "专家戊", "expert", "5555", sections=["A"])
    return db, aid, m


SCORES = {   # A-section indicators of the 2024 framework (A1 5, A3 3, A4 5 points; A6 level-scored, 2 points)
    "A1": (4, 4.5, 3), "A3": (2, 2, 2.5), "A4": (3, 3, 4), "A6": (2, 1, 1.6),
}
LEVELS = {"A2": ("完全达到", "基本达到", "部分达到"), "A5": ("完全达到", "完全达到", "基本达到")}


def score_all(db, aid, m):
    experts = [m["expert"], m["e2"], m["e3"]]
    for code, vals in SCORES.items():
        for e, v in zip(experts, vals):
            S.save_score(db, aid, e, code, value=v)
    for code, levels in LEVELS.items():
        for e, lv in zip(experts, levels):
            S.save_score(db, aid, e, code, detail={"level": lv})
    return experts


def test_assessment_agreement_on_a_station_other_than_the_demo(three_experts):
    db, aid, m = three_experts
    score_all(db, aid, m)
    ag = S.agreement(db, aid)
    fw = S.framework(db, aid)
    a2 = next(c for c in ag.cells if c.indicator_code == "A2")
    assert a2.levels == 4 and a2.rwg == Decimal("0.2") and a2.spread == Decimal("1.5")  # 3 × (1 − 0.5)
    by = {c.indicator_code: c for c in ag.cells}
    assert all(by[k].rwg is None for k in ("A1", "A3", "A4"))     # not level-scored
    # A5: levels 4,4,3 -> s² = 1/3, r_wg = 1 - (1/3)/1.25; A6 by value 2, 1, 1.6 -> levels 4, 2, 3 -> 0.2
    assert AG.fmt_alpha(by["A5"].rwg) == "0.733" and by["A6"].rwg == Decimal("0.2")
    assert by["A6"].spread == 1
    codes = ["A1", "A2", "A3", "A4", "A5", "A6"]
    by = {c.indicator_code: c for c in ag.cells}
    data = [[by[k].scores[e] / by[k].points for k in codes] for e in (m["expert"], m["e2"], m["e3"])]
    assert ag.alpha == pytest.approx(AG.alpha_interval(data))
    assert (ag.alpha_cells, ag.alpha_experts) == (6, 3)
    assert ag.reading == fw.report_rules.agreement_reading(ag.alpha, ag.alpha_text)
    assert ag.low_rwg == [a2, by["A6"]]


def test_cli_prints_each_indicator_and_the_alpha_line_last(three_experts, tmp_path):
    db, aid, m = three_experts
    score_all(db, aid, m)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    out = subprocess.run([sys.executable, "-m", "core", "agreement", str(aid), "--db", str(tmp_path / "s.db")],
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()
    ag = S.agreement(db, aid)
    assert out[-1] == f"alpha {ag.alpha_text} (6 cells, 3 experts)"
    assert any(l.startswith("A2 ") and "r_wg 0.200" in l and "极差" in l for l in out)
    assert any(l.startswith("A6 ") and "极差 1 分" in l for l in out)
    assert any(l.startswith("A1 ") and "r_wg —（非程度分）" in l for l in out)


def test_cli_alpha_line_on_the_demo(demo_db_file):
    path, aid = demo_db_file
    out = subprocess.run([sys.executable, "-m", "core", "agreement", str(aid), "--db", str(path)],
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()
    import re
    assert re.fullmatch(r"alpha -?\d\.\d{3} \(\d+ cells, \d+ experts\)", out[-1])


def test_no_cell_with_two_experts_gives_no_alpha(station):
    db, aid, m = station
    S.save_score(db, aid, m["expert"], "A1", value=4)
    ag = S.agreement(db, aid)
    assert ag.alpha is None and ag.cli_line == "alpha — (0 cells, 0 experts)" and ag.band == "none"
    assert "无法计算" in ag.reading


def test_pdf_annex_gives_alpha_with_its_reading_and_each_cells_rwg(three_experts):
    import io
    import re

    import pypdf

    from core.report.make import report_pdf
    db, aid, m = three_experts
    score_all(db, aid, m)
    ag = S.agreement(db, aid)
    flat = re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(report_pdf(db, aid))).pages))
    annex = flat[flat.find("附件4：专家评分一致性"):]
    assert annex.startswith("附件4：专家评分一致性")
    assert f"Krippendorffα（区间尺度）={ag.alpha_text}（6个由两位及以上专家评分的指标单元，3位专家）" in annex
    assert re.sub(r"\s+", "", ag.reading) in annex
    assert "A2继续教育与内部督导31.50.200（偏低）" in annex
    assert "A5宣传推广30.40.733" in annex


def test_dashboard_shows_alpha_reading_and_low_rwg_live(three_experts, tmp_path, monkeypatch):
    from conftest import ROOT, app_test
    db, aid, m = three_experts
    monkeypatch.setenv("ASSESSMENT_DB", str(tmp_path / "s.db"))
    monkeypatch.chdir(ROOT)

    def page():
        at = app_test("pages/dashboard.py", auth={"assessment_id": aid, "member_id": m["lead"]})
        at.run()
        assert not at.exception, at.exception
        return at

    at = page()
    assert {x.label: x.value for x in at.metric}["Krippendorff α"] == "—"
    score_all(db, aid, m)
    at = page()
    ag = S.agreement(db, aid)
    assert {x.label: x.value for x in at.metric}["Krippendorff α"].replace("\\", "") == ag.alpha_text
    assert any(ag.reading.replace("（", "") in md.value.replace("\\", "").replace("（", "") for md in at.markdown)
    table = next(t for t in static_tables(at) if "r_wg" in t)
    assert table["r_wg"][:2] == ["—", "0.200（偏低）"]       # A1 (combo), A2 (levels 4, 3, 2)


def test_agreement_on_the_2019_framework_with_per_area_cells(fresh_db):
    db = fresh_db
    sid = A.create_station(db, "旧框架街社工服务站", communities=["东社区", "西社区"])
    aid, lead = A.create_assessment(db, sid, "gz-2019-city", "组长", "1111")
    A.set_areas(db, aid, lead, [{"name": "东片", "communities": ["东社区"]}, {"name": "西片", "communities": ["西社区"]}])
    e1 = A.add_member(db, aid, lead, "专家一", "expert", "2222", sections=["S", "M"])
    e2 = A.add_member(db, aid, lead, "专家二", "expert", "3333", sections=["S", "M"])
    areas = [a["code"] for a in A.list_areas(db, sid)]
    marks = {("S1", areas[0]): (22, 20), ("S1", areas[1]): (15, 18), ("S2", areas[0]): (18, 17), ("M1", ""): (9, 6)}
    for (code, area), (v1, v2) in marks.items():
        S.save_score(db, aid, e1, code, area, value=v1)
        S.save_score(db, aid, e2, code, area, value=v2)
    S.save_score(db, aid, e1, "M2", na=True)          # N/A: a missing value, not a score
    S.save_score(db, aid, e2, "M2", value=8)
    ag = S.agreement(db, aid)
    pts = {"S1": 25, "S2": 20, "M1": 10}
    order = sorted(marks, key=lambda k: [c.indicator_code + c.area_code for c in ag.cells].index(k[0] + k[1]))
    data = [[Decimal(marks[k][i]) / pts[k[0]] for k in order] for i in (0, 1)]
    assert ag.alpha == pytest.approx(AG.alpha_interval(data)) and (ag.alpha_cells, ag.alpha_experts) == (4, 2)
    assert all(c.rwg is None for c in ag.cells)        # no level-scored indicator in this framework
    assert next(c for c in ag.cells if c.indicator_code == "M2").n == 1
    assert ag.reading.startswith({"reliable": "专家评分一致性可靠", "tentative": "专家评分一致性尚可",
                                  "unreliable": "专家评分一致性不足"}[ag.band])


def test_alpha_interval_equals_the_krippendorff_package_on_random_reliability_data():
    # alpha_interval is pure Python (the report's start-up loads no numpy); the maintained package is the oracle.
    import random

    import krippendorff
    import numpy as np

    rng = random.Random(27)
    compared = 0
    for _ in range(200):
        coders, units = rng.randint(2, 6), rng.randint(1, 25)
        data = [[None if rng.random() < 0.3 else rng.choice([0, 0.2, 0.5, 0.8, 1.0, round(rng.random(), 3)])
                 for _ in range(units)] for _ in range(coders)]
        ours = AG.alpha_interval(data)
        arr = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
        try:
            theirs = krippendorff.alpha(reliability_data=arr, level_of_measurement="interval")
        except (ValueError, ZeroDivisionError):
            theirs = None
        if theirs is None or np.isnan(theirs):
            assert ours is None, data
            continue
        assert ours == pytest.approx(theirs, abs=1e-12), data
        compared += 1
    assert compared > 100
