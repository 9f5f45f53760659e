"""JSON export/import of a whole assessment: round trip, remapped ids, refused files."""
from __future__ import annotations

import json

import pytest
from _fill_tables import fill_empty_tables

from core.assessment import team as A
from core.agency import transfer as T
from core.agency import transfer as X
from core.errors import ImportRejected
from core.scoring.scoresheet import result as assessment_result
from db.connection import connect
from db.migrations import migrate


@pytest.fixture
def full_demo(demo_db):
    """The demo assessment with every exported table holding rows."""
    db, aid = demo_db
    fill_empty_tables(db, aid)
    return db, aid


def _counts(db) -> dict[str, int]:
    return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in T.TABLES}


def test_every_table_of_the_schema_is_exported_or_explicitly_left_out(fresh_db):
    tables = {r[0] for r in fresh_db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                              " AND name NOT LIKE 'sqlite_%'")}
    assert tables == set(T.TABLES) | set(T.NOT_EXPORTED)


def test_tables_are_written_parents_first(fresh_db):
    sch = X.schema(fresh_db)
    order = {t: i for i, t in enumerate(T.TABLES)}
    for t in T.TABLES:
        for col, parent in T.fks(sch, t).items():
            assert order[parent] < order[t] or parent == t, f"{t}.{col} -> {parent}"


def test_round_trip_into_an_empty_database_gives_the_same_content(full_demo, tmp_path):
    db, aid = full_demo
    first = X.export_assessment(db, aid)
    empty_tables = [t for t, rows in first["tables"].items() if not rows]
    assert empty_tables == [], f"the round trip must cover every table; empty: {empty_tables}"

    data = X.export_json(db, aid)
    target = connect(tmp_path / "laptop2.db")
    migrate(target)
    new_id = X.import_assessment(target, data)
    second = X.export_assessment(target, new_id)

    sch = X.schema(db)
    a, b = T.canonical(first, sch), T.canonical(second, sch)
    for t in T.TABLES:
        assert a[t] == b[t], f"table {t} differs after the round trip"
    # Nothing else was touched: the import's own log line has no assessment.
    assert [r["action"] for r in target.query("SELECT action FROM audit_log WHERE assessment_id IS NULL"
                                               " AND entity = 'assessment'")] == ["import"]
    # The same people log in with the same PINs on the other laptop.
    assert A.login(target, new_id, "陈志远", "1111")["role"] == "lead"
    assert A.login(target, new_id, "黄小燕", "6666")["role"] == "staff"
    r1, r2 = assessment_result(db, aid), assessment_result(target, new_id)
    assert (r2.final, r2.grade, r2.third_party) == (r1.final, r1.grade, r1.third_party)
    target.conn.close()


def test_import_next_to_other_assessments_gets_new_ids_and_follows_every_reference(full_demo):
    db, aid = full_demo
    before = X.export_assessment(db, aid)
    new_id = X.import_assessment(db, X.export_json(db, aid))
    assert new_id != aid

    # The original assessment is untouched.
    sch = X.schema(db)
    after = X.export_assessment(db, aid)
    assert T.canonical(after, sch) == T.canonical(before, sch)

    new = X.export_assessment(db, new_id)["tables"]
    members = {m["id"]: m["name"] for m in new["members"]}
    old_members = {m["id"] for m in before["tables"]["members"]}
    assert not set(members) & old_members
    assert new["stations"][0]["id"] != before["tables"]["stations"][0]["id"]
    assert {a["station_id"] for a in new["areas"]} == {new["stations"][0]["id"]}
    for t in ("scores", "assignments", "site_records", "survey_calls"):
        assert new[t] and all(r["member_id"] in members for r in new[t] if r.get("member_id")), t

    # An id written in text follows its record: findings.source -> site record of the new assessment.
    recs = {r["id"]: r for r in new["site_records"]}
    promoted = [f for f in new["findings"] if f["source"].startswith("site_record:")]
    assert promoted

    def linked(tables):   # finding text -> the items of the site records its source names (several allowed)
        items = {r["id"]: r["item"] for r in tables["site_records"]}
        return {f["text"]: sorted(items[int(ref.split(":")[1])] for ref in f["source"].split(",")
                                  if ref.startswith("site_record:"))
                for f in tables["findings"] if f["source"].startswith("site_record:")}
    assert all(int(ref.split(":")[1]) in recs for f in promoted for ref in f["source"].split(",")
               if ref.startswith("site_record:"))
    assert linked(new) == linked(before["tables"])
    # report_items.source_finding_ids -> findings of the new assessment, same texts as before.
    findings = {f["id"]: f["text"] for f in new["findings"]}
    old_findings = {f["id"]: f["text"] for f in before["tables"]["findings"]}
    for old_item, item in zip(before["tables"]["report_items"], new["report_items"]):
        new_ids, old_ids = json.loads(item["source_finding_ids"]), json.loads(old_item["source_finding_ids"])
        assert new_ids and [findings[i] for i in new_ids] == [old_findings[i] for i in old_ids]
    # Survey items point at the new register and the new sample.
    clients = {c["id"] for c in new["clients"]}
    assert all(i["client_id"] in clients for i in new["survey_items"])
    # The audit trail's keys follow their records too.
    keys = {r["entity_key"] for r in new["audit_log"] if r["entity"] == "member"}
    assert keys and keys <= {str(m) for m in members}


def _corrupt(kind):
    def mutate(doc):
        tabs = doc["tables"]
        if kind == "version_newer":
            doc["format_version"] = T.FORMAT_VERSION + 1
        elif kind == "version_missing":
            del doc["format_version"]
        elif kind == "foreign_format":
            doc["format"] = "something-else"
        elif kind == "missing_table":
            del tabs["scores"]
        elif kind == "unknown_column":
            tabs["members"][0]["favourite_colour"] = "蓝"
        elif kind == "dangling_reference":
            tabs["scores"][0]["member_id"] = 99999
        elif kind == "two_assessments":
            tabs["assessments"].append(dict(tabs["assessments"][0], id=tabs["assessments"][0]["id"] + 1000))
        elif kind == "bad_id_list":
            tabs["report_items"][0]["source_finding_ids"] = "12,13"
        elif kind == "unknown_framework":
            tabs["assessments"][0].update(framework_id="gz-2099", framework_data=None)   # a file from before frozen frameworks
        elif kind == "missing_required":
            del tabs["findings"][0]["text"]
        elif kind == "check_fails_on_write":   # passes validation, refused by the table's CHECK
            tabs["members"][-1]["role"] = "boss"
        return doc
    return mutate


@pytest.mark.parametrize("kind, message", [
    ("version_newer", "比本程序支持的版本"),
    ("version_missing", "格式版本号"),
    ("foreign_format", "不是本系统导出的评估文件"),
    ("missing_table", "缺少数据表“专家评分”"),
    ("unknown_column", "列“favourite_colour”在本数据库中不存在"),
    ("dangling_reference", "引用的成员编号 99999 不在文件中"),
    ("two_assessments", "应包含 1 个评估"),
    ("bad_id_list", "source_finding_ids"),
    ("unknown_framework", "gz-2099"),
    ("missing_required", "缺少必填列“text”"),
    ("check_fails_on_write", "成员 第"),
])
def test_a_bad_file_is_refused_with_a_chinese_reason_and_nothing_is_written(full_demo, kind, message):
    db, aid = full_demo
    doc = _corrupt(kind)(X.export_assessment(db, aid))
    before = _counts(db)
    with pytest.raises(ImportRejected) as e:
        X.import_assessment(db, T.dumps(doc))
    assert message in str(e.value)
    assert str(e.value).startswith("导入失败，数据未作任何修改")
    assert _counts(db) == before


@pytest.mark.parametrize("data, message", [
    (b'{"format": "shegongzhan-assessment", "format_version": 1, "tables": {"stat', "不是有效的 JSON"),
    (b"\xff\xfe\x00garbage", "UTF-8"),
    (b"[1, 2, 3]", "顶层应为对象"),
    (b"", "不是有效的 JSON"),
])
def test_a_file_that_is_not_our_json_is_refused(fresh_db, data, message):
    with pytest.raises(ImportRejected) as e:
        X.import_assessment(fresh_db, data)
    assert message in str(e.value)
    assert sum(_counts(fresh_db).values()) == 0


def test_the_file_holds_the_real_register_and_says_so(full_demo):
    db, aid = full_demo
    doc = json.loads(X.export_json(db, aid))
    assert "真实姓名和电话" in doc["privacy"]
    names = {r[0] for r in db.execute("SELECT name FROM clients WHERE assessment_id = ?", [aid])}
    assert names == {c["name"] for c in doc["tables"]["clients"]}
    # PINs travel hashed only.
    assert all(m["pin_hash"].startswith("pbkdf2_sha256$") for m in doc["tables"]["members"])
    assert "1111" not in {m["pin_hash"] for m in doc["tables"]["members"]}
