"""The survey's uncertainty: Wilson's interval with the finite-population correction."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.survey import rules as S
from core.masking import mask_name
from core.numbers import fmt_interval


def pct(x) -> float:
    return round(float(x) * 100, 1)


def test_sample_report_interval_with_the_finite_population_correction_is_93_2_to_97_5():
    low, high = S.wilson_interval(92, 96, population=131)
    assert (pct(low), pct(high)) == (93.2, 97.5)
    assert isinstance(low, Decimal) and isinstance(high, Decimal)


def test_sample_report_interval_without_the_correction_is_89_8_to_98_4():
    low, high = S.wilson_interval(92, 96)
    assert (pct(low), pct(high)) == (89.8, 98.4)


def test_the_correction_uses_n_eff_and_narrows_the_interval_towards_the_whole_register():
    assert S.effective_n(96, 131) == Decimal(96) * 130 / 35
    widths = [float(h - l) for l, h in (S.wilson_interval(46, 48, N) for N in (None, 1000, 200, 100, 60))]
    assert widths == sorted(widths, reverse=True)


def test_a_census_has_no_sampling_error_and_nobody_reached_knows_nothing():
    assert S.wilson_interval(92, 96, population=96) == (Decimal(92) / 96, Decimal(92) / 96)
    assert S.wilson_interval(0, 0) == (0, 1)
    assert S.wilson_interval(0, 0, population=131) == (0, 1)
    assert S.interval_text(92, 96, 96) == "全部调查，无抽样误差"
    assert S.rate_with_interval(0, 0, 131) == "—（尚无接通）"


def test_all_or_none_satisfied_reach_the_bounds_exactly():
    assert S.wilson_interval(10, 10)[1] == 1
    assert S.wilson_interval(0, 10)[0] == 0
    assert pct(S.wilson_interval(10, 10)[0]) == 72.2          # the textbook 10/10 Wilson lower bound


@pytest.mark.parametrize("args", [(5, 4, None), (-1, 4, None), (3, 10, 5)])
def test_impossible_counts_are_refused(args):
    with pytest.raises(ValueError):
        S.wilson_interval(*args)


def test_the_rate_is_printed_with_its_count_and_interval():
    assert S.rate_with_interval(92, 96, 131) == "95.8%（92/96，95% 置信区间 93.2%–97.5%）"
    assert S.rate_with_interval(92, 96) == "95.8%（92/96，95% 置信区间 89.8%–98.4%）"
    assert fmt_interval(Decimal("0.93225"), Decimal("0.97464")) == "93.2%–97.5%"


# ---------- stratified draw, dispositions, response rate, per-片区 figures, follow-up (a station unlike the demo) ----------

from core.survey import calls as SV  # noqa: E402
from tests._station_fixtures import station, station_file  # noqa: E402,F401

COMMUNITIES = ["甲社区"] * 170 + ["乙社区"] * 60 + ["丙社区"] * 20      # 丙社区 lies in no 片区
CATS = ["特困人员、残疾人", "低保对象", "独居老年人", "残疾人", "低保边缘家庭成员"]


def messy_register(n: int = 250, reverse: bool = False) -> list[dict]:
    rows = [{"name": f"{'赵钱孙李周吴郑王冯陈'[i % 10]}{'一二三四五六七八九十'[i // 10 % 10]}{'甲乙丙丁戊'[i // 100]}",
             "phone": "" if i % 37 == 0 else f"138{i:08d}", "community": COMMUNITIES[i], "category": CATS[i % 5],
             "household": f"H{i // 2}"} for i in range(n)]
    return rows[::-1] if reverse else rows


def load(db, aid, rows):
    db["clients"].insert_all([dict(assessment_id=aid, position=k, **r) for k, r in enumerate(rows)])


def drawn_names(db, aid):
    return [(r["name"], r["reserve"]) for r in db.query(
        "SELECT c.name, i.reserve FROM survey_items i JOIN survey_samples s ON s.id = i.sample_id"
        " JOIN clients c ON c.id = i.client_id WHERE s.assessment_id = ? AND s.active = 1 ORDER BY i.position", [aid])]


def test_stratified_draw_by_area_allocates_in_proportion_and_is_recorded(station):
    db, aid, m = station
    load(db, aid, messy_register())
    SV.draw_sample(db, aid, m["lead"], seed="777", size=100, reserve=10, design="area")
    res = SV.survey_results(db, aid)
    assert res.design == "area" and res.design_label.startswith("按片区分层")
    assert res.allocation == {"片区一": {"register": 170, "sample": 68, "reserve": 7},
                              "片区二": {"register": 60, "sample": 24, "reserve": 2},
                              "未归入片区": {"register": 20, "sample": 8, "reserve": 1}}
    sample = list(db.query("SELECT c.community, i.reserve FROM survey_items i JOIN clients c ON c.id = i.client_id"))
    main = [r["community"] for r in sample if not r["reserve"]]
    assert (main.count("甲社区"), main.count("乙社区"), main.count("丙社区")) == (68, 24, 8)
    stored = db.execute("SELECT design, allocation, register_persons FROM survey_samples WHERE active = 1").fetchone()
    assert stored[0] == "area" and json.loads(stored[1])["片区二"]["sample"] == 24 and stored[2] == 250


def test_stratified_draw_is_reproducible_from_seed_and_register_hash(station, tmp_path):
    db, aid, m = station
    load(db, aid, messy_register())
    SV.draw_sample(db, aid, m["lead"], seed="20250227", size=100, reserve=5, design="area")
    first, h = drawn_names(db, aid), SV.current_sample(db, aid)["register_hash"]
    assert SV.verify_sample(db, aid) == {"register_matches": True, "sample_matches": True, "stored_hash": h,
                                         "current_hash": h}
    # Another database, the register typed in the other order: same hash, same sample.
    import shutil
    shutil.copy(tmp_path / "s.db", tmp_path / "other.db")
    from db.connection import connect
    other = connect(tmp_path / "other.db")
    other.execute("DELETE FROM survey_samples")
    other.execute("DELETE FROM clients")
    load(other, aid, messy_register(reverse=True))
    SV.draw_sample(other, aid, m["lead"], seed="20250227", size=100, reserve=5, design="area")
    assert SV.current_sample(other, aid)["register_hash"] == h
    assert drawn_names(other, aid) == first
    # Another seed: another sample, same allocation.
    SV.draw_sample(other, aid, m["lead"], seed="20250228", size=100, reserve=5, design="area")
    assert drawn_names(other, aid) != first
    assert SV.survey_results(other, aid).allocation == SV.survey_results(db, aid).allocation
    # The pure rule alone (no database) redraws the same persons from seed and register.
    clients = [dict(r, id=k) for k, r in enumerate(messy_register())]
    d = S.draw(clients, "20250227", 100, 5, design="area", area_of={"甲社区": "片区一", "乙社区": "片区二"})
    assert [(c["name"], 0) for c in d.sample] + [(c["name"], 1) for c in d.reserve] == first
    assert d.register_hash == h


def test_stratified_draw_by_category_uses_the_first_listed_category(station):
    db, aid, m = station
    load(db, aid, messy_register())
    SV.draw_sample(db, aid, m["lead"], seed="1", size=100, design="category")
    alloc = SV.survey_results(db, aid).allocation
    assert set(alloc) == {"特困人员", "低保对象", "独居老年人", "残疾人", "低保边缘家庭成员"}
    assert all(v == {"register": 50, "sample": 20, "reserve": 0} for v in alloc.values())


def test_allocation_is_proportional_sums_to_n_and_never_exceeds_a_stratum():
    assert S.allocate({"a": 1, "b": 1, "c": 1}, 2) == {"a": 1, "b": 1, "c": 0}
    got = S.allocate({"x": 7, "y": 93, "z": 31}, 100)
    assert sum(got.values()) == 100 and got == {"x": 5, "y": 71, "z": 24}
    assert S.allocate({"x": 3, "y": 2}, 9) == {"x": 3, "y": 2}


def _calls(*outcomes, overall=5):
    return [{"attempt": k, "outcome": o, "respondent": "本人", "knows_worker": 1, "overall": overall,
             "awareness": {}, "satisfaction": {}} for k, o in enumerate(outcomes, 1)]


def test_each_call_gets_an_aapor_code_and_each_client_a_disposition_and_rr1_counts_every_case():
    assert [S.call_code(o) for o in S.CALL_OUTCOMES] == ["completed", "non_contact", "unknown", "refused", "unknown"]
    stories = [_calls("接通"), _calls("无人接听", "接通"), _calls("拒访"), _calls("无人接听", "无人接听"),
               _calls("空号"), _calls("无人接听"), [], _calls("接通", overall=2)]
    items = [{"id": k, "reserve": 0, "caller_id": 1, "name": f"王{k}明", "phone": f"1380000000{k}",
              "community": "甲社区", "category": "低保对象"} for k in range(len(stories))]
    res = S.compute_results({"seed": "1", "register_hash": "h", "size": 100}, items, dict(enumerate(stories)),
                            register_size=40)
    assert res.dispositions == {"completed": 3, "refused": 1, "non_contact": 2, "not_eligible": 0, "unknown": 2}
    assert (res.response_rate, res.response_rate_text) == (Decimal("37.5"), "37.5%")   # 3 of 8
    # 兜底 clients unreachable (two failures; a dead and a wrong number) and the dissatisfied one, masked.
    follow = [(f["name"], f["reason"]) for f in res.priority_follow_up]
    assert follow == [("王*明", "低保对象，两次拨打均未接通"), ("王*明", "低保对象，空号（号码不存在）"),
                      ("王*明", "表示不满意")]
    assert res.satisfaction_ci_text == "66.7%（2/3，95% 置信区间 " + fmt_interval(
        *S.wilson_interval(2, 3, 40)) + "）"


def test_per_area_satisfaction_uses_each_areas_register_for_the_correction(station):
    db, aid, m = station
    load(db, aid, messy_register())
    SV.draw_sample(db, aid, m["lead"], seed="5", size=100, design="area")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    items = SV.my_calls(db, aid, m["staff"])
    for k, it in enumerate(items[:30]):
        SV.record_call(db, aid, m["staff"], it["id"], 1, "接通", overall=5 if k % 3 else 1, **{
            k2: v for k2, v in REACHED.items() if k2 != "overall"})
    res = SV.survey_results(db, aid)
    assert [a["area"] for a in res.by_area] == ["片区一", "片区二", "未归入片区"][:len(res.by_area)]
    for a in res.by_area:
        assert a["population"] == {"片区一": 170, "片区二": 60, "未归入片区": 20}[a["area"]]
        assert a["text"] == S.rate_with_interval(a["satisfied"], a["reached"], a["population"])
    assert sum(a["reached"] for a in res.by_area) == res.reached == 30
    assert res.population == 250
    assert res.margin_text.startswith("±") and res.margin_text.endswith("个百分点")
    listed = [i["disposition_label"] for i in SV.list_items(db, aid) if not i["reserve"]]
    assert listed.count("完成访问") == 30 and listed.count("资格未知") == 70      # not called yet: unknown
    assert [r["AAPOR 结果"] for r in SV.export_rows(db, aid)].count("完成访问") == 30
    unhappy = [f for f in res.priority_follow_up if f["reason"].startswith("表示")]
    assert len(unhappy) == 10 and all("*" in f["name"] and "****" in f["phone"] for f in unhappy)


REACHED = dict(respondent="本人", knows_worker=True, awareness={k: 1 for k in S.AWARENESS_ITEMS},
               satisfaction={"问题解决": 5}, overall=5)


# ---------- the survey in the PDF annex and the Excel export ----------

def _pdf_flat(db, aid) -> str:
    import io
    import re

    import pypdf

    from core.report.make import report_pdf
    reader = pypdf.PdfReader(io.BytesIO(report_pdf(db, aid)))
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))


def test_demo_pdf_prints_the_rates_with_their_interval_response_rate_and_follow_up(demo_db):
    db, aid = demo_db
    flat = _pdf_flat(db, aid)
    assert "95.8%（92/96，95%置信区间93.2%–97.5%）" in flat
    assert "应答率（AAPORRR1）96.0%" in flat
    assert "完成访问96，拒访0，未能联系4，不符合条件0，资格未知0" in flat
    assert "各片区服务对象满意度" in flat and "片区一615894.8%（55/58，95%置信区间90.9%–97.1%）" in flat
    res = SV.survey_results(db, aid)
    assert len(res.priority_follow_up) == 2
    for f in res.priority_follow_up:
        assert f"{f['name']}{f['phone']}" in flat
    for c in SV.register(db, aid):
        assert c["phone"] not in flat


def test_excel_lists_the_follow_up_clients_masked_and_codes_each_call(station):
    import io

    from openpyxl import load_workbook

    from core.agency.exports import export_xlsx
    db, aid, m = station
    load(db, aid, messy_register())
    SV.draw_sample(db, aid, m["lead"], seed="9", size=100, design="category")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    items = SV.my_calls(db, aid, m["staff"])
    for it in items[:5]:        # two failed attempts each
        SV.record_call(db, aid, m["staff"], it["id"], 1, "无人接听")
        SV.record_call(db, aid, m["staff"], it["id"], 2, "空号")
    SV.record_call(db, aid, m["staff"], items[5]["id"], 1, "接通", **dict(REACHED, overall=1))
    wb = load_workbook(io.BytesIO(export_xlsx(db, aid)))
    rows = list(wb["需跟进对象"].iter_rows(min_row=2, values_only=True))
    res = SV.survey_results(db, aid)
    expected = [f for f in res.priority_follow_up]
    assert len(rows) == len(expected) >= 2
    assert [r[5] for r in rows].count("表示非常不满意") == 1
    full = {c["phone"] for c in SV.register(db, aid) if c["phone"]} | {c["name"] for c in SV.register(db, aid)}
    assert not full & {v for r in rows for v in r}
    safety = [r for r in rows if "未接通" in r[5]]
    assert all(any(k in r[4] for k in S.SAFETY_NET_CATEGORIES) for r in safety)
    codes = [r[13] for r in wb["电话回访"].iter_rows(min_row=2, values_only=True)]
    assert codes.count("未能联系") == 5 and codes.count("资格未知") == 5 and codes.count("完成访问") == 1
    sample_row = next(wb["满意度抽样"].iter_rows(min_row=2, values_only=True))
    assert sample_row[7].startswith("按服务对象类别分层") and "特困人员：50/20/0" in sample_row[9]


def test_dashboard_shows_the_satisfaction_interval_and_margin_so_far(demo_db_file, app_env):
    import shutil

    from core.assessment import team as A
    from db.connection import connect
    from tests.conftest import app_test
    shutil.copy(demo_db_file[0], app_env)
    aid = demo_db_file[1]
    lead = next(m["id"] for m in A.list_members(connect(app_env), aid) if m["role"] == "lead")
    at = app_test("pages/dashboard.py", auth={"assessment_id": aid, "member_id": lead})
    at.run()
    assert not at.exception
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert "满意度95% 置信区间 93.2%–97.5%（误差范围 ±2.1 个百分点）；应答率（AAPOR RR1）96.0%" in captions


def test_lead_draws_a_stratified_sample_on_the_survey_page_and_sees_its_allocation(station, tmp_path, monkeypatch):
    from tests.conftest import ROOT, app_test
    db, aid, m = station
    load(db, aid, messy_register())
    monkeypatch.setenv("ASSESSMENT_DB", str(tmp_path / "s.db"))
    monkeypatch.chdir(ROOT)
    at = app_test("pages/survey.py", auth={"assessment_id": aid, "member_id": m["lead"]})
    at.run()
    at.text_input(key="survey_seed").set_value("4242")
    at.radio(key="survey_design").set_value("area")
    at.button(key="survey_draw_submit").click()
    at.run()
    assert not at.exception
    alloc = next(df.value for df in at.dataframe if "层" in df.value.columns)
    assert list(alloc["层"]) == ["片区一", "片区二", "未归入片区"] and list(alloc["样本"]) == [68, 24, 8]
    assert SV.current_sample(db, aid)["design"] == "area"
    assert any("按片区分层抽样" in md.value for md in at.markdown)


def test_the_survey_results_follow_a_sampled_persons_register_row_and_each_new_call(station):
    """The results are kept through register edits that do not touch them, never past one that does:
    a dissatisfied client's name and 社区 corrected in the register (by a merge: plain SQL) show in
    the follow-up list and move them to the other 片区; a call recorded after it counts."""
    db, aid, m = station
    load(db, aid, messy_register())
    SV.draw_sample(db, aid, m["lead"], seed="5", size=100, design="area")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    items = SV.my_calls(db, aid, m["staff"])
    unhappy = next(it for it in items if SV.area_map(db, aid).get(it["community"]) == "片区一")
    SV.record_call(db, aid, m["staff"], unhappy["id"], 1, "接通", overall=1,
                   **{k: v for k, v in REACHED.items() if k != "overall"})
    def dissatisfied(res) -> list[str]:
        return [f["name"] for f in res.priority_follow_up if f["reason"].startswith("表示")]

    before = SV.survey_results(db, aid)
    assert dissatisfied(before) == [mask_name(unhappy["name"])]
    assert {a["area"]: a["reached"] for a in before.by_area}.get("片区一") == 1
    other = next(c for c, a in SV.area_map(db, aid).items() if a == "片区二")
    unsampled = db.execute("SELECT id FROM clients WHERE assessment_id = ? AND id NOT IN"
                           " (SELECT client_id FROM survey_items) LIMIT 1", [aid]).fetchone()[0]
    db.execute("UPDATE clients SET phone = '13911112222' WHERE id = ?", [unsampled])
    assert SV.survey_results(db, aid).register_changed and SV.survey_results(db, aid).priority_follow_up == \
        before.priority_follow_up
    db.execute("UPDATE clients SET name = '司徒春花' WHERE id = ?", [unhappy["client_id"]])
    assert dissatisfied(SV.survey_results(db, aid)) == ["司**花"]
    db.execute("UPDATE clients SET community = ? WHERE id = ?", [other, unhappy["client_id"]])
    after = SV.survey_results(db, aid)
    assert {a["area"]: a["reached"] for a in after.by_area}.get("片区二") == 1
    assert {a["area"]: a["reached"] for a in after.by_area}.get("片区一", 0) == 0
    SV.record_call(db, aid, m["staff"], items[-1]["id"], 1, "接通", **REACHED)
    assert SV.survey_results(db, aid).reached == 2
