"""The agency's frameworks in the app: each assessment freezes the framework it is scored with,
so editing a framework changes new assessments and never a past one; shipped frameworks stay
read-only; the frozen framework travels in the JSON export."""
from __future__ import annotations

import dataclasses

import pytest

from core.framework import library as L
from core.scoring import scoresheet
from core.assessment import team
from core.agency import transfer
from core.errors import ImportRejected, InvalidValue
from core.framework.model import available_frameworks
from db.connection import connect
from db.migrations import migrate

FOUR = "gz-2024-four-party"


def _assessment(db, station: str, framework_id: str):
    aid, lead = team.new_assessment(db, {"name": station, "district": "海珠区"}, framework_id, "组长甲", "2468",
                                    kind="末期", period_label="2024—2025 年度")
    return aid, lead


def _score_some(db, aid, lead):
    """The same inputs in every assessment: the lead scores section A and enters the other parties."""
    team.set_assignments(db, aid, lead, lead, ["A"])
    for code, value in (("A1", 4.5), ("A3", 2), ("A5", 1.5)):
        scoresheet.save_score(db, aid, lead, code, "", value=value)
    for party, score in (("purchaser", 92), ("supervision_center", 88), ("supervisor", 90)):
        scoresheet.save_party_score(db, aid, lead, party, score)
    return scoresheet.result(db, aid)


def _with_weights(tables, weights: dict[str, int]):
    for row in tables["评估方"]:
        if row["代码"] in weights:
            row["权重（%）"] = str(weights[row["代码"]])
    return tables


@pytest.fixture
def library(fresh_db):
    """A database where the lead of a first assessment has copied the shipped framework as 'agency'."""
    db = fresh_db
    aid, lead = _assessment(db, "石榴岗街社工服务站", FOUR)
    assert L.copy_framework(db, aid, lead, FOUR, "agency", "本机构指标体系") == "agency"
    return db, aid, lead


def test_an_edited_framework_scores_a_new_assessment_while_an_earlier_one_keeps_its_scores(library):
    db, aid, lead = library
    past, past_lead = _assessment(db, "南洲街社工服务站", "agency")
    before = _score_some(db, past, past_lead)

    version = L.save_edit(db, aid, lead, "agency", _with_weights(L.editable_sheets(db, "agency"),
                                                                   {"third_party": 65, "purchaser": 10}))
    assert version == 2

    after = scoresheet.result(db, past)
    assert (after.final, after.third_party, [p.weight for p in after.parties]) == \
           (before.final, before.third_party, [p.weight for p in before.parties])
    assert [p.weight for p in team.framework_of(db, past).parties] == [55, 20, 15, 10]

    new, new_lead = _assessment(db, "华洲街社工服务站", "agency")
    assert [p.weight for p in team.framework_of(db, new).parties] == [65, 10, 15, 10]
    now = _score_some(db, new, new_lead)
    assert now.third_party == before.third_party and now.final != before.final


def test_before_scoring_the_lead_may_move_to_the_newer_version_and_after_scoring_not(library):
    db, aid, lead = library
    other, other_lead = _assessment(db, "南洲街社工服务站", "agency")
    L.save_edit(db, aid, lead, "agency", _with_weights(L.editable_sheets(db, "agency"), {"third_party": 65, "purchaser": 10}))
    info = team.framework_version(db, other)
    assert (info["version"], info["latest"], info["can_update"]) == (1, 2, True)
    assert team.use_framework(db, other, other_lead, "agency") == 2
    assert team.framework_version(db, other)["version"] == 2

    _score_some(db, other, other_lead)
    L.save_edit(db, aid, lead, "agency", _with_weights(L.editable_sheets(db, "agency"), {"third_party": 55, "purchaser": 20}))
    assert team.framework_version(db, other)["can_update"] is False
    with pytest.raises(InvalidValue, match="已有专家评分，不能更换评估框架"):
        team.use_framework(db, other, other_lead, "agency")
    assert team.framework_version(db, other)["version"] == 2


def test_a_shipped_framework_is_never_edited_only_copied(library):
    db, aid, lead = library
    with pytest.raises(InvalidValue, match="内置框架只读"):
        L.save_edit(db, aid, lead, FOUR, L.editable_sheets(db, FOUR))
    assert L.get(db, FOUR) == available_frameworks()[FOUR]


def test_a_wrong_edit_is_refused_naming_sheet_row_and_column_and_nothing_is_stored(library):
    db, aid, lead = library
    tables = L.editable_sheets(db, "agency")
    a5 = next(n for n, r in enumerate(tables["指标"], 1) if r["指标代码"] == "A5")
    tables["指标"][a5 - 1]["分值"] = "3"
    with pytest.raises(ImportRejected) as e:
        L.save_edit(db, aid, lead, "agency", tables)
    assert any(x.startswith("工作表“指标”第 1 行“部分分值”列：部分 A 各指标分值之和为 21") for x in e.value.errors)
    assert [v["version"] for v in L.versions(db, "agency")] == [1]


def test_saving_an_unchanged_framework_adds_no_version(library):
    db, aid, lead = library
    assert L.save_edit(db, aid, lead, "agency", L.editable_sheets(db, "agency")) == 1
    assert [v["version"] for v in L.versions(db, "agency")] == [1]


def test_the_template_imported_becomes_a_new_framework_identical_to_the_shipped_one(library):
    db, aid, lead = library
    new_id = L.import_xlsx(db, aid, lead, L.template_xlsx(), "评估指标体系模板.xlsx")
    assert new_id == f"{FOUR}-2"
    assert dataclasses.replace(L.get(db, new_id), id=FOUR, source="") == dataclasses.replace(
        available_frameworks()[FOUR], source="")
    assert new_id in [e.id for e in L.list_frameworks(db)]
    last = team.audit_entries(db, aid, 1)[0]
    assert (last["entity_code"], last["key"]) == ("framework", new_id)


def test_a_new_assessment_can_be_set_up_with_an_imported_framework(library):
    db, aid, lead = library
    new_id = L.import_xlsx(db, aid, lead, L.export_xlsx(db, "agency"))
    other, _ = _assessment(db, "华洲街社工服务站", new_id)
    assert team.framework_of(db, other).id == new_id


def test_the_frozen_framework_travels_in_the_json_export(library, tmp_path):
    db, aid, lead = library
    past, past_lead = _assessment(db, "南洲街社工服务站", "agency")
    L.save_edit(db, aid, lead, "agency", _with_weights(L.editable_sheets(db, "agency"), {"third_party": 65, "purchaser": 10}))
    before = _score_some(db, past, past_lead)
    doc = transfer.export_assessment(db, past)
    assert doc["tables"]["assessments"][0]["framework_version"] == 1

    other = connect(tmp_path / "other.db")          # another laptop: no 'agency' in its library
    migrate(other)
    new_id = transfer.import_assessment(other, transfer.dumps(doc))
    fw_here, fw_there = team.framework_of(db, past), team.framework_of(other, new_id)
    assert dataclasses.replace(fw_there, source="") == dataclasses.replace(fw_here, source="")
    r = scoresheet.result(other, new_id)
    assert (r.final, r.grade) == (before.final, before.grade)
    other.conn.close()


def test_a_file_from_before_frozen_frameworks_is_imported_with_its_shipped_framework_frozen(demo_db, tmp_path):
    db, aid = demo_db
    doc = transfer.export_assessment(db, aid)
    a = doc["tables"]["assessments"][0]
    for column in ("framework_data", "framework_version", "name"):
        del a[column]
    other = connect(tmp_path / "other.db")
    migrate(other)
    new_id = transfer.import_assessment(other, transfer.dumps(doc))
    row = team.get_assessment(other, new_id)
    assert row["framework_version"] == 1 and row["framework_data"]
    assert dataclasses.replace(team.framework_of(other, new_id), source="") == \
           dataclasses.replace(available_frameworks()[FOUR], source="")
    assert scoresheet.result(other, new_id).final == scoresheet.result(db, aid).final
    other.conn.close()


def test_a_frameworks_label_in_a_select_is_its_name_not_its_stored_id(library):
    """Issue 26: selects showed raw ids such as gz-2024-four-party-2."""
    db, aid, lead = library
    new_id = L.import_xlsx(db, aid, lead, L.template_xlsx(), "评估指标体系模板.xlsx")
    labels = {e.id: e.label for e in L.list_frameworks(db)}
    assert all(i not in labels[i] for i in labels)
    assert labels[new_id].endswith("（第 1 版）") and labels[FOUR].endswith("（内置·只读）")
