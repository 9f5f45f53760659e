"""Station data: completion rates, staffing ratios, register, recommendations, site records."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.station import indicators as IND
from core.station import register as REG
from core.station import staffing as STF
from core.assessment import team as A
from db import audit
from core.scoring import scoresheet as S
from core.station import data as SD
from core.errors import AssessmentLocked, InvalidValue, PermissionDenied

from _station_fixtures import station, station_file  # noqa: F401  (fixtures)

SAMPLE_RATES = [
    ("电话访问", "110.01%"), ("入户探访", "158.6%"), ("个案接案", "99%"), ("个案服务节数", "88.2%"),
    ("个案结案", "88%"), ("小组", "100%"), ("小组节数", "100%"), ("小组服务人次", "141.52%"),
    ("大型社区活动", "250%"), ("大型社区活动服务人次", "565.5%"), ("中小型社区活动", "204.17%"),
    ("中小型社区活动服务人次", "174.17%"), ("新登记志愿者", "146.5%"), ("志愿者骨干", "133.33%"),
    ("志愿者队伍", "100%"),
]


def _members(db, aid):
    return {m["name"]: m["id"] for m in A.list_members(db, aid)}


def test_demo_completion_rates_equal_the_sample_report(demo_db):
    db, aid = demo_db
    rows = IND.indicator_rows(SD.list_indicators(db, aid))
    assert [(r["name"], r["rate_text"]) for r in rows] == SAMPLE_RATES
    assert rows[0]["rate"] == Decimal("110.01")


def test_demo_staffing_ratios_equal_the_sample_report(demo_db):
    db, aid = demo_db
    f = STF.staffing_figures(SD.get_staffing(db, aid))
    assert (f["certified"], f["required"], f["cert_ratio_text"]) == (15, 20, "75%")
    assert (f["experienced"], f["experience_ratio_text"]) == (11, "55%")
    assert (f["training_actual"], f["training_due"], f["training_rate_text"]) == (1922.5, 1320, "145.64%")
    assert (f["continuous"], f["retention_text"]) == (12, "60%")
    assert (f["attendance_due"], f["attendance_actual"]) == (220, 223)
    assert (f["attendance_cert_due"], f["attendance_cert_actual"], f["attendance_noncert_actual"]) == (110, 192.5, 30.5)
    assert f["cert_ratio"] == Decimal("75") and f["retention"] == Decimal("60")
    assert f["warnings"] == []


def test_demo_register_has_131_persons_in_107_households(demo_db):
    db, aid = demo_db
    clients = SD.list_clients(db, aid)
    s = REG.register_summary(clients)
    assert (s["persons"], s["households"], s["vacant_household"], s["separated"]) == (131, 107, 30, 23)
    assert list(s["by_community"]) == ["上元岗社区", "下元岗社区", "中人社区", "天源社区", "南兴社区"]
    assert s["by_community"]["上元岗社区"]["households"] == 26
    assert s["by_community"]["下元岗社区"]["households"] == 38
    assert sum(s["by_category"].values()) == 131
    assert set(s["by_category"]) <= set(REG.CATEGORIES)
    assert all(len(c["phone"]) == 11 and c["phone"].isdigit() for c in clients)
    assert len({c["name"] for c in clients}) == 131


def test_demo_register_is_the_same_every_time():
    from core.demo.station import register_rows

    assert register_rows() == register_rows()


def test_demo_site_records_carry_the_reports_findings_with_masked_names(demo_db):
    db, aid = demo_db
    docs = {r["item"]: r for r in SD.list_site_records(db, aid, "document")}
    consent = docs["服务知情同意书"]
    assert consent["status"] == "finding" and "监护人签名" in consent["finding"]
    assert "黄*昕" in consent["file_ref"] and "刘*盈" in consent["file_ref"]
    assert "空挂户 30 人" in docs["重点服务对象名册"]["finding"]
    recs = SD.list_recommendations(db, aid)
    assert any("劳动合同" in r["text"] and r["status"] == "部分整改" for r in recs)


@pytest.mark.parametrize("actual,target,text", [
    (2165, 1968, "110.01%"), (793, 500, "158.6%"), (99, 100, "99%"), (0, 5, "0%"),
    (None, 5, "—"), (5, None, "—"), (5, 0, "—"),
])
def test_completion_rate_text(actual, target, text):
    assert IND.indicator_rows([{"name": "x", "actual": actual, "target": target}])[0]["rate_text"] == text


def test_missing_or_zero_target_is_reported_not_a_crash():
    rows = IND.indicator_rows([{"name": "a", "target": None, "actual": 3}, {"name": "b", "target": 0, "actual": 1},
                              {"name": "c", "target": 5, "actual": None}])
    assert [r["problem"] for r in rows] == ["目标值缺失", "目标值应大于 0", "完成量未填写"]


def test_staffing_with_missing_figures_shows_dashes_and_warns_on_inconsistency():
    f = STF.staffing_figures({"required": 0, "on_post": 10, "cert_intermediate": 3, "cert_assistant": 3,
                             "non_certified": 1})
    assert f["cert_ratio_text"] == "—" and f["training_rate_text"] == "—"
    assert any("不等于在岗社工数" in w for w in f["warnings"])


def test_register_summary_counts_people_without_household_id_as_own_household():
    s = REG.register_summary([
        {"id": 1, "household": "H1", "community": "甲", "category": "残疾人"},
        {"id": 2, "household": "H1", "community": "甲", "category": "低保对象", "separated": True},
        {"id": 3, "household": "", "community": "乙", "category": "低保对象", "vacant_household": True},
        {"id": 4, "household": "", "community": "乙", "category": "低保对象"},
    ])
    assert (s["households"], s["persons"], s["vacant_household"], s["separated"]) == (3, 4, 1, 1)
    assert s["by_community"] == {"甲": {"households": 1, "persons": 2}, "乙": {"households": 2, "persons": 2}}
    assert list(s["by_category"].items()) == [("低保对象", 3), ("残疾人", 1)]


def test_seventeen_categories_and_short_forms():
    assert len(REG.CATEGORIES) == 17 == len(set(REG.CATEGORIES))
    assert REG.normalise_category("独居老人") == "独居老年人"
    assert REG.normalise_category(" 低保户 ") == "低保对象"
    assert REG.normalise_category("外星人") is None


# ---------- db: writing ----------

def test_prefill_gives_the_usual_guangzhou_list_once(station):
    db, aid, m = station
    assert SD.prefill_indicators(db, aid, m["staff"]) is True
    names = [r["name"] for r in SD.list_indicators(db, aid)]
    assert names == [n for n, _ in IND.DEFAULT_INDICATORS]
    assert "电话访问" in names and "志愿者队伍" in names
    assert SD.prefill_indicators(db, aid, m["staff"]) is False
    assert len(SD.list_indicators(db, aid)) == 15


def test_edited_table_is_saved_with_audit_and_keeps_ids(station):
    db, aid, m = station
    SD.prefill_indicators(db, aid, m["staff"])
    rows = SD.list_indicators(db, aid)
    rows[0].update(target=1968, actual=2165)
    rows = rows[:-1] + [{"name": "新增指标", "unit": "个", "target": 10, "actual": 11, "note": ""}]
    assert SD.save_indicators(db, aid, m["staff"], rows) is True
    after = SD.list_indicators(db, aid)
    assert after[0]["id"] == rows[0]["id"] and (after[0]["target"], after[0]["actual"]) == (1968, 2165)
    assert after[-1]["name"] == "新增指标" and "志愿者队伍" not in [r["name"] for r in after]
    n_audit = len(audit.entries(db, aid))
    last = audit.entries(db, aid, limit=1)[0]
    assert (last["action"], last["entity"]) == ("update", "contract_indicators")
    old, new = json.loads(last["old"])["rows"], json.loads(last["new"])["rows"]
    # One audit row lists every row's change: the update, the deletion and the new indicator.
    assert {"id": rows[0]["id"], "action": "update", "target": 1968, "actual": 2165}.items() <= next(
        r for r in new if r.get("id") == rows[0]["id"]).items()
    assert any(r["action"] == "delete" and r["name"] == "志愿者队伍" for r in old)
    assert any(r["action"] == "create" and r["name"] == "新增指标" for r in new)
    assert SD.save_indicators(db, aid, m["staff"], SD.list_indicators(db, aid)) is False
    assert len(audit.entries(db, aid)) == n_audit     # nothing changed: nothing logged


@pytest.mark.parametrize("bad,message", [
    ({"target": 0}, "第 1 行（电话访问）“协议指标量”：应大于 0"),
    ({"target": -3}, "第 1 行（电话访问）“协议指标量”：应大于 0"),
    ({"target": "很多"}, "“很多”不是数字"),
    ({"actual": -1}, "“实际完成量”：不能为负数"),
    ({"name": "入户探访"}, "第 2 行“指标名称”：“入户探访”与第 1 行重复"),
])
def test_bad_edit_is_refused_naming_row_and_field_and_nothing_changes(station, bad, message):
    db, aid, m = station
    SD.prefill_indicators(db, aid, m["staff"])
    before = SD.list_indicators(db, aid)
    rows = [dict(r) for r in before]
    rows[0].update(bad)
    with pytest.raises(InvalidValue) as e:
        SD.save_indicators(db, aid, m["staff"], rows)
    assert message in str(e.value)
    assert SD.list_indicators(db, aid) == before


def test_experts_cannot_edit_station_figures_and_staff_cannot_write_site_records(station):
    db, aid, m = station
    with pytest.raises(PermissionDenied):
        SD.save_indicator(db, aid, m["expert"], "电话访问", target=1)
    with pytest.raises(PermissionDenied):
        SD.save_staffing(db, aid, m["expert"], required=20)
    with pytest.raises(PermissionDenied):
        SD.save_site_record(db, aid, m["staff"], "document", item="劳动合同")
    SD.save_indicator(db, aid, m["lead"], "电话访问", target=1)
    SD.save_site_record(db, aid, m["expert"], "document", item="劳动合同")


def test_locked_assessment_is_read_only(station):
    db, aid, m = station
    SD.save_indicator(db, aid, m["staff"], "电话访问", target=10, actual=5)
    A.set_locked(db, aid, m["lead"], True)
    for write in (lambda: SD.save_indicator(db, aid, m["staff"], "电话访问", target=11),
                  lambda: SD.save_staffing(db, aid, m["staff"], required=20),
                  lambda: SD.save_site_record(db, aid, m["lead"], "intro", item="介绍"),
                  lambda: SD.save_recommendation(db, aid, m["lead"], "意见", "已整改")):
        with pytest.raises(AssessmentLocked):
            write()
    assert SD.list_indicators(db, aid)[0]["target"] == 10


@pytest.mark.parametrize("field,value,message", [
    ("required", -1, "不能为负数"), ("on_post", 2.5, "应为整数"), ("training_actual", "abc", "不是数字"),
])
def test_staffing_bad_value_names_the_field(station, field, value, message):
    db, aid, m = station
    with pytest.raises(InvalidValue) as e:
        SD.save_staffing(db, aid, m["staff"], **{field: value})
    assert message in str(e.value) and STF.STAFFING_FIELDS[field][0] in str(e.value)
    assert SD.get_staffing(db, aid) is None


def test_staffing_saves_only_given_fields(station):
    db, aid, m = station
    SD.save_staffing(db, aid, m["staff"], required=20, on_post=17)
    SD.save_staffing(db, aid, m["staff"], training_due=1320, training_actual="1922.5")
    s = SD.get_staffing(db, aid)
    assert (s["required"], s["on_post"], s["training_actual"]) == (20, 17, 1922.5)


def test_site_record_text_masks_register_names_and_phones(station):
    db, aid, m = station
    SD.replace_clients(db, aid, m["staff"], [
        {"name": "黄子昕", "phone": "13812341234", "community": "甲社区", "category": "困境儿童", "household": "H1"}])
    rid = SD.save_site_record(db, aid, m["expert"], "document", item="服务知情同意书", status="finding",
                              finding="黄子昕的知情同意书无监护人签名，电话13812341234", file_ref="个案：黄子昕")
    rec = SD.list_site_records(db, aid, "document")[0]
    assert rec["id"] == rid
    assert "黄子昕" not in rec["finding"] + rec["file_ref"] and "黄*昕" in rec["file_ref"]
    assert "138****1234" in rec["finding"]


def test_free_text_is_stored_as_typed_and_masked_on_output(station):
    """Masking happens when text is shown (one scrubber), never at save time."""
    from core.privacy import scrubber
    from db import recommendations as recommendations_db
    from db import site_records as site_db

    db, aid, m = station
    SD.replace_clients(db, aid, m["staff"], [
        {"name": "黄子昕", "phone": "13812341234", "community": "甲社区", "category": "困境儿童", "household": "H1"}])
    typed = "联系电话13812341234，座机020-87654321，黄子昕"
    SD.save_site_record(db, aid, m["expert"], "observation", item="服务场地", notes=typed)
    SD.save_recommendation(db, aid, m["lead"], typed, "未整改", evidence=typed)
    assert site_db.list_site_records(db, aid, "observation")[0]["notes"] == typed
    stored = recommendations_db.list_recommendations(db, aid)[0]
    assert (stored["text"], stored["evidence"]) == (typed, typed)
    masked = scrubber(db, aid)(typed)
    assert "黄子昕" not in masked and "13812341234" not in masked and "87654321" not in masked
    assert SD.list_site_records(db, aid, "observation")[0]["notes"] == masked
    shown = SD.list_recommendations(db, aid)[0]
    assert (shown["text"], shown["evidence"]) == (masked, masked)


def test_register_view_masks_names_phones_and_the_note(station):
    db, aid, m = station
    SD.replace_clients(db, aid, m["staff"], [
        {"name": "黄子昕", "phone": "13812341234", "community": "甲社区", "category": "困境儿童", "household": "H1",
         "note": "与黄大文同住，电话13812341234"},
        {"name": "黄大文", "phone": "020-87654321", "community": "乙社区", "category": "低保对象", "household": "H1"}])
    rows = SD.register_view(db, aid)
    assert [(r["name"], r["phone"]) for r in rows] == [("黄*昕", "138****1234"), ("黄*文", "020-****4321")]
    assert rows[0]["note"] == "与黄*文同住，电话138****1234"


def test_register_summary_of_the_assessment_and_of_one_area(station):
    db, aid, m = station
    SD.replace_clients(db, aid, m["staff"], [
        {"name": "黄子昕", "phone": "13812341234", "community": "甲社区", "category": "困境儿童", "household": "H1"},
        {"name": "黄大文", "phone": "13812340000", "community": "甲社区", "category": "低保对象", "household": "H1"},
        {"name": "刘子盈", "phone": "13812349999", "community": "乙社区", "category": "残疾人", "household": "H2"}])
    whole = SD.register_summary(db, aid)
    assert (whole["persons"], whole["households"]) == (3, 2)
    p1 = SD.register_summary(db, aid, "P1")          # 片区一 = 甲社区
    assert (p1["persons"], p1["households"], list(p1["by_community"])) == (2, 1, ["甲社区"])


def test_table_edits_of_site_records_are_saved_together_or_not_at_all(station):
    from db import audit as audit_db

    db, aid, m = station
    SD.prefill_site_records(db, aid, m["expert"], "document")
    before = SD.list_site_records(db, aid, "document")
    n_audit = len(audit_db.entries(db, aid))
    first, second = before[0]["id"], before[1]["id"]
    with pytest.raises(InvalidValue, match="项目不能为空"):
        SD.apply_site_record_edits(db, aid, m["expert"], "document",
                                   updated={first: {"status": "ok"}, second: {"item": ""}},
                                   added=[{"item": "新增资料"}], deleted=[before[2]["id"]])
    assert SD.list_site_records(db, aid, "document") == before
    assert len(audit_db.entries(db, aid)) == n_audit
    SD.apply_site_record_edits(db, aid, m["expert"], "document", updated={first: {"status": "ok"}},
                               added=[{"item": "新增资料", "status": "finding", "finding": "缺页"}, {"item": ""}],
                               deleted=[before[2]["id"]])
    after = SD.list_site_records(db, aid, "document")
    assert after[0]["status"] == "ok" and after[-1]["item"] == "新增资料"
    assert before[2]["id"] not in {r["id"] for r in after} and len(after) == len(before)


def test_table_edits_of_recommendations_are_saved_together_or_not_at_all(station):
    db, aid, m = station
    rid = SD.save_recommendation(db, aid, m["lead"], "劳动合同工作地点表述模糊", "未整改")
    before = SD.list_recommendations(db, aid)
    with pytest.raises(InvalidValue, match="整改情况"):
        SD.apply_recommendation_edits(db, aid, m["lead"],
                                      updated={rid: {"text": "劳动合同工作地点表述模糊", "status": "已整改",
                                                     "evidence": "", "section_code": "A"}},
                                      added=[{"text": "新意见", "status": "差不多"}])
    assert SD.list_recommendations(db, aid) == before
    SD.apply_recommendation_edits(db, aid, m["lead"],
                                  updated={rid: {"text": "劳动合同工作地点表述模糊", "status": "已整改",
                                                 "evidence": "全部重签", "section_code": "A"}},
                                  added=[{"text": "新意见", "status": "未整改"}, {"text": "", "status": "未整改"}])
    assert [(r["text"], r["status"]) for r in SD.list_recommendations(db, aid)] == [
        ("劳动合同工作地点表述模糊", "已整改"), ("新意见", "未整改")]
    SD.apply_recommendation_edits(db, aid, m["lead"], deleted=[rid])
    assert [r["text"] for r in SD.list_recommendations(db, aid)] == ["新意见"]


def test_staff_cannot_promote_a_site_record(station):
    db, aid, m = station
    rid = SD.save_site_record(db, aid, m["lead"], "observation", item="消防", status="finding", finding="灭火器过期")
    with pytest.raises(PermissionDenied):
        SD.promote_to_finding(db, aid, m["staff"], rid, "A")
    assert SD.list_site_records(db, aid, "observation")[0]["finding_id"] is None


def test_promote_site_record_to_concern_finding_once(station):
    db, aid, m = station
    rid = SD.save_site_record(db, aid, m["expert"], "document", item="服务知情同意书", status="finding",
                              finding="2 份未成年人个案知情同意书无监护人签名", file_ref="黄*昕、刘*盈")
    fid = SD.promote_to_finding(db, aid, m["expert"], rid, "A")
    f = next(x for x in S.findings(db, aid) if x["id"] == fid)
    assert (f["kind"], f["section_code"], f["source"]) == ("concern", "A", f"site_record:{rid}")
    assert "监护人签名" in f["text"] and "黄*昕" in f["text"]
    assert SD.list_site_records(db, aid, "document")[0]["finding_id"] == fid
    with pytest.raises(InvalidValue, match="已转为"):
        SD.promote_to_finding(db, aid, m["expert"], rid, "A")


@pytest.mark.parametrize("section,area,message", [("B", "", "请选择片区"), ("A", "P1", "不分片区"), ("Z", "", "未知指标部分")])
def test_promote_needs_a_valid_section_and_area(station, section, area, message):
    db, aid, m = station
    rid = SD.save_site_record(db, aid, m["lead"], "observation", item="消防", status="finding", finding="灭火器过期")
    with pytest.raises(InvalidValue, match=message):
        SD.promote_to_finding(db, aid, m["lead"], rid, section, area)
    SD.promote_to_finding(db, aid, m["lead"], rid, "B", "P2")


def test_record_without_finding_cannot_be_promoted(station):
    db, aid, m = station
    rid = SD.save_site_record(db, aid, m["lead"], "document", item="人事管理制度", status="ok")
    with pytest.raises(InvalidValue, match="没有填写发现的问题"):
        SD.promote_to_finding(db, aid, m["lead"], rid, "A")


def test_recommendation_status_must_be_one_of_three(station):
    db, aid, m = station
    with pytest.raises(InvalidValue, match="已整改、部分整改、未整改"):
        SD.save_recommendation(db, aid, m["lead"], "劳动合同工作地点表述模糊", "差不多")
    rid = SD.save_recommendation(db, aid, m["lead"], "劳动合同工作地点表述模糊", "部分整改", "已重签部分合同")
    SD.save_recommendation(db, aid, m["expert"], "劳动合同工作地点表述模糊", "已整改", "全部重签",
                           recommendation_id=rid)
    assert [(r["status"], r["evidence"]) for r in SD.list_recommendations(db, aid)] == [("已整改", "全部重签")]


def test_prefilled_document_checklist_has_the_spec_items(station):
    db, aid, m = station
    SD.prefill_site_records(db, aid, m["expert"], "document")
    items = [r["item"] for r in SD.list_site_records(db, aid, "document")]
    for needed in ("人事管理制度", "劳动合同", "个案文书", "服务知情同意书", "分级评估表", "重点服务对象名册"):
        assert needed in items
    assert SD.prefill_site_records(db, aid, m["expert"], "document") is False


def test_register_rows_written_directly_must_use_the_17_categories(station):
    from core.errors import ImportRejected

    db, aid, m = station
    with pytest.raises(ImportRejected, match="未知类别“外来人员”"):
        SD.replace_clients(db, aid, m["staff"], [{"name": "李四", "phone": "13900000000", "community": "甲社区",
                                                 "category": "外来人员", "household": "H1"}])
    assert SD.list_clients(db, aid) == []
