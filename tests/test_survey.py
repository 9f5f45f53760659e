"""Satisfaction survey: sampling, register hash, call rules, rates, masking, privacy (SPEC §5)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.survey import calls as SV
from core.survey import rules as S
from core.assessment import team as A
from core.masking import mask_name, mask_phone
from db import audit
from db.connection import connect
from db.migrations import migrate
from db.errors import AssessmentLocked, DataError, InvalidValue, PermissionDenied


# ---------- helpers: a real assessment with a register in a temp SQLite file ----------

def make_assessment(db):
    sid = A.create_station(db, "测试街社工服务站", communities=["甲社区", "乙社区"])
    aid, lead = A.create_assessment(db, sid, "gz-2024-four-party", "组长甲", "1111")
    staff = A.add_member(db, aid, lead, "员工乙", "staff", "2222")
    expert = A.add_member(db, aid, lead, "专家丙", "expert", "3333")
    return aid, {"lead": lead, "staff": staff, "expert": expert}


def person(n: int) -> dict:
    surnames, given = "王李张刘陈杨黄赵吴周", "明华强芳敏静丽军伟英杰霞涛燕"
    # unique for n < 140: 2-, 3- and 4-character names
    return {"name": surnames[n % 10] + ("子" if n % 3 else "") + given[(n // 10) % 14] + ("儿" if n % 4 == 0 else ""),
            "phone": f"139{n:08d}", "community": "甲社区" if n % 2 else "乙社区",
            "category": "低保对象", "household": f"户{n // 2:03d}"}


def add_register(db, aid: int, n: int, start: int = 0, reverse: bool = False) -> None:
    rows = [dict(assessment_id=aid, position=i, **person(i)) for i in range(start, start + n)]
    db["clients"].insert_all(rows[::-1] if reverse else rows)


@pytest.fixture(scope="session")
def team_file(tmp_path_factory):
    """A migrated database with one assessment and its lead, staff member and expert (PIN
    hashing is slow, so it is built once and copied)."""
    from db.connection import connect
    from db.migrations import migrate

    path = tmp_path_factory.mktemp("survey") / "team.db"
    db = connect(path)
    migrate(db)
    aid, m = make_assessment(db)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path, aid, m


def team_copy(team_file, dst):
    import shutil

    from db.connection import connect

    src, aid, m = team_file
    shutil.copy(src, dst)
    return connect(dst), aid, dict(m)


@pytest.fixture
def team(team_file, tmp_path):
    db, aid, m = team_copy(team_file, tmp_path / "survey.db")
    yield db, aid, m
    db.conn.close()


@pytest.fixture
def survey_db(team):
    db, aid, m = team
    add_register(db, aid, 131)
    return db, aid, m


def sampled_people(db, aid) -> list[tuple]:
    return [(r["name"], r["phone"]) for r in db.query(
        "SELECT c.name, c.phone FROM survey_items i JOIN survey_samples s ON s.id = i.sample_id"
        " JOIN clients c ON c.id = i.client_id WHERE s.assessment_id = ? AND s.active = 1 AND i.reserve = 0"
        " ORDER BY i.position", [aid])]


REACHED_OK = dict(respondent="本人", knows_worker=True,
                  awareness={k: 1 for k in S.AWARENESS_ITEMS}, satisfaction={"问题解决": 5}, overall=5)


# ---------- sampling ----------

@pytest.mark.parametrize("register_size, size, drawn, everyone", [
    (131, 100, 100, False),
    (80, 100, 80, True),
    (100, 100, 100, True),
    (250, 120, 120, False),
])
def test_sample_draws_size_or_everyone_when_register_smaller(team, register_size, size, drawn, everyone):
    fresh_db, aid, m = team
    add_register(fresh_db, aid, register_size)
    SV.draw_sample(fresh_db, aid, m["lead"], seed="42", size=size)
    people = sampled_people(fresh_db, aid)
    assert len(people) == drawn
    assert len(set(people)) == drawn
    res = SV.survey_results(fresh_db, aid)
    assert res.sample_size == drawn and res.pending == drawn and res.everyone is everyone


@pytest.mark.parametrize("size", [99, 50, 0, "abc"])
def test_sample_size_below_100_is_refused(survey_db, size):
    db, aid, m = survey_db
    with pytest.raises(InvalidValue, match="不能少于 100|整数"):
        SV.draw_sample(db, aid, m["lead"], seed="1", size=size)


def test_same_seed_and_register_give_the_same_sample_even_in_another_database(survey_db, tmp_path):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="20250227")
    first = sampled_people(db, aid)
    SV.draw_sample(db, aid, m["lead"], seed="20250227")
    assert sampled_people(db, aid) == first
    # The same register typed in another order on another laptop: same hash, same sample.
    other = connect(tmp_path / "other.db")
    migrate(other)
    aid2, m2 = make_assessment(other)
    add_register(other, aid2, 131, reverse=True)
    SV.draw_sample(other, aid2, m2["lead"], seed="20250227")
    assert sampled_people(other, aid2) == first
    assert SV.current_sample(other, aid2)["register_hash"] == SV.current_sample(db, aid)["register_hash"]
    assert SV.verify_sample(db, aid)["sample_matches"] is True


def test_another_seed_gives_another_sample(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="1")
    a = sampled_people(db, aid)
    SV.draw_sample(db, aid, m["lead"], seed="2")
    assert sampled_people(db, aid) != a


def test_reserve_list_is_drawn_after_the_sample_and_not_counted_until_used(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="7", reserve=10)
    items = SV.list_items(db, aid)
    assert sum(1 for i in items if i["reserve"]) == 10
    assert len({i["client_id"] for i in items}) == 110
    assert SV.survey_results(db, aid).sample_size == 100
    spare = next(i for i in items if i["reserve"])
    SV.assign(db, aid, m["lead"], [spare["id"]], m["staff"])
    res = SV.survey_results(db, aid)
    assert (res.sample_size, res.reserves_used) == (101, 1)


@pytest.mark.parametrize("change", ["rename", "new_phone", "add_person", "remove_person"])
def test_changed_register_gives_a_different_hash(survey_db, change):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="5")
    before = SV.current_register_hash(db, aid)
    first = db.execute("SELECT id FROM clients WHERE assessment_id = ? ORDER BY id LIMIT 1", [aid]).fetchone()[0]
    if change == "rename":
        db.execute("UPDATE clients SET name = '新名字' WHERE id = ?", [first])
    elif change == "new_phone":
        db.execute("UPDATE clients SET phone = '13900000999' WHERE id = ?", [first])
    elif change == "add_person":
        add_register(db, aid, 1, start=500)
    else:
        db.execute("DELETE FROM clients WHERE id = ?", [first])
    assert SV.current_register_hash(db, aid) != before
    assert SV.verify_sample(db, aid)["register_matches"] is False
    assert SV.survey_results(db, aid).register_changed is True


def test_register_hash_ignores_row_order_and_database_ids():
    rows = [dict(id=i, **person(i)) for i in range(20)]
    shuffled = [dict(r, id=100 + n) for n, r in enumerate(reversed(rows))]
    assert S.register_hash(rows) == S.register_hash(shuffled)
    assert len(S.register_hash(rows)) == 64


def test_empty_register_cannot_be_sampled(team):
    db, aid, m = team
    with pytest.raises(InvalidValue, match="名册为空"):
        SV.draw_sample(db, aid, m["lead"])


def test_expert_cannot_draw_the_sample(survey_db):
    db, aid, m = survey_db
    with pytest.raises(PermissionDenied):
        SV.draw_sample(db, aid, m["expert"], seed="1")


def test_redraw_after_calls_needs_the_lead_and_a_confirmation_and_is_logged(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["staff"], seed="11")       # staff may draw before any call
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    item = SV.my_calls(db, aid, m["staff"])[0]
    SV.record_call(db, aid, m["staff"], item["id"], 1, "无人接听")
    with pytest.raises(PermissionDenied, match="组长"):
        SV.draw_sample(db, aid, m["staff"], seed="12")
    with pytest.raises(InvalidValue, match="确认"):
        SV.draw_sample(db, aid, m["lead"], seed="12")
    assert SV.current_sample(db, aid)["seed"] == "11"
    SV.draw_sample(db, aid, m["lead"], seed="12", confirm_redraw=True)
    assert SV.current_sample(db, aid)["seed"] == "12"
    assert SV.call_count(db, aid) == 0
    redraw = [e for e in audit.entries(db, aid) if e["action"] == "redraw"]
    assert len(redraw) == 1
    assert json.loads(redraw[0]["old"])["seed"] == "11" and json.loads(redraw[0]["old"])["calls"] == 1
    assert redraw[0]["actor"] == "组长甲"


# ---------- calls ----------

@pytest.mark.parametrize("outcomes, status", [
    ([], S.PENDING),
    (["无人接听"], S.RETRY),
    (["空号"], S.UNREACHABLE),                  # a non-working number is final at once (issue 26)
    (["非本人"], S.RETRY),
    (["无人接听", "无人接听"], S.UNREACHABLE),
    (["空号", "无人接听"], S.UNREACHABLE),
    (["非本人", "无人接听"], S.UNREACHABLE),
    (["无人接听", "接通"], S.STATUS_REACHED),
    (["接通"], S.STATUS_REACHED),
    (["拒访"], S.STATUS_REFUSED),
    (["无人接听", "拒访"], S.STATUS_REFUSED),
])
def test_client_is_unreachable_after_exactly_two_failed_attempts(outcomes, status):
    calls = [{"attempt": n, "outcome": o} for n, o in enumerate(outcomes, 1)]
    assert S.item_status(calls) == status


def test_recorded_calls_make_a_client_unreachable_on_the_second_failure_only(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="3")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    item = SV.my_calls(db, aid, m["staff"])[0]
    SV.record_call(db, aid, m["staff"], item["id"], 1, "无人接听")
    res = SV.survey_results(db, aid)
    assert (res.called, res.unreachable, res.pending) == (1, 0, 100)
    SV.record_call(db, aid, m["staff"], item["id"], 2, "非本人")
    res = SV.survey_results(db, aid)
    assert (res.called, res.unreachable, res.pending) == (1, 1, 99)
    assert res.follow_up[0]["reason"] == "两次拨打均未接通"
    with pytest.raises(InvalidValue, match="无法接通"):
        SV.record_call(db, aid, m["staff"], item["id"], 3, "接通", **REACHED_OK)


@pytest.mark.parametrize("answers, message", [
    (dict(REACHED_OK, respondent=""), "受访者"),
    (dict(REACHED_OK, knows_worker=None), "认识社工"),
    (dict(REACHED_OK, overall=None), "总体满意度"),
    (dict(REACHED_OK, overall=6), "总体满意度"),
    (dict(REACHED_OK, satisfaction={"问题解决": 9}), "问题解决"),
])
def test_reached_call_with_missing_or_bad_answers_is_refused_naming_the_field(survey_db, answers, message):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="3")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    item = SV.my_calls(db, aid, m["staff"])[0]
    with pytest.raises(InvalidValue, match=f"第 {item['position']} 号.*{message}"):
        SV.record_call(db, aid, m["staff"], item["id"], 1, "接通", **answers)
    assert SV.call_count(db, aid) == 0


def test_only_the_assigned_caller_sees_and_records_a_client(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="9")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"], m["expert"]])
    mine = SV.my_calls(db, aid, m["staff"])
    theirs = SV.my_calls(db, aid, m["expert"])
    assert len(mine) == len(theirs) == 50
    assert not {i["id"] for i in mine} & {i["id"] for i in theirs}
    form = SV.call_form(db, aid, m["staff"], mine[0]["id"])
    assert form["name"] == person_of(db, mine[0]["client_id"])["name"]
    with pytest.raises(PermissionDenied):
        SV.call_form(db, aid, m["expert"], mine[0]["id"])
    with pytest.raises(PermissionDenied, match="员工乙"):
        SV.record_call(db, aid, m["expert"], mine[0]["id"], 1, "无人接听")


def person_of(db, client_id):
    return db["clients"].get(client_id)


def test_two_saves_of_the_same_attempt_tell_the_second_caller_who_saved_first(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="9")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    item = SV.my_calls(db, aid, m["staff"])[0]
    SV.record_call(db, aid, m["staff"], item["id"], 1, "无人接听")
    # The same form still open elsewhere (or reassigned meanwhile): attempt 1 again.
    with pytest.raises(InvalidValue, match="第 1 次拨打已由 员工乙.*无人接听"):
        SV.record_call(db, aid, m["staff"], item["id"], 1, "接通", **REACHED_OK)
    assert SV.call_count(db, aid) == 1


def test_an_open_call_form_claims_the_client_and_others_are_told(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="9")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    item = SV.my_calls(db, aid, m["staff"])[0]
    assert SV.claim(db, aid, m["staff"], item["id"]) is None
    # The lead hands the client to the expert while the staff member has it open.
    SV.assign(db, aid, m["lead"], [item["id"]], m["expert"])
    assert SV.claim(db, aid, m["expert"], item["id"]) == "员工乙"
    assert SV.call_form(db, aid, m["expert"], item["id"])["claimed_by_other"] == "员工乙"
    with pytest.raises(InvalidValue, match="员工乙 记录中"):
        SV.record_call(db, aid, m["expert"], item["id"], 1, "无人接听")
    with pytest.raises(PermissionDenied, match="专家丙"):
        SV.record_call(db, aid, m["staff"], item["id"], 1, "无人接听")
    # A stale claim (left open for longer than the claim time) no longer blocks.
    db.execute("UPDATE survey_items SET claimed_at = '2000-01-01T00:00:00' WHERE id = ?", [item["id"]])
    assert SV.claim(db, aid, m["expert"], item["id"]) is None
    SV.record_call(db, aid, m["expert"], item["id"], 1, "无人接听")


def test_calls_cannot_be_recorded_when_the_assessment_is_locked(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="9")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    item = SV.my_calls(db, aid, m["staff"])[0]
    A.set_locked(db, aid, m["lead"], True)
    with pytest.raises(AssessmentLocked):
        SV.record_call(db, aid, m["staff"], item["id"], 1, "无人接听")


# ---------- rates ----------

@pytest.mark.parametrize("n, d, value, text", [
    (92, 96, Decimal("95.8"), "95.8%"),
    (96, 96, Decimal("100.0"), "100.0%"),
    (1, 3, Decimal("33.3"), "33.3%"),
    (2, 3, Decimal("66.7"), "66.7%"),
    (1, 16, Decimal("6.3"), "6.3%"),       # 6.25 rounds half-up
    (0, 5, Decimal("0.0"), "0.0%"),
    (0, 0, None, "—"),                     # nobody reached yet
])
def test_rates_have_one_decimal_half_up(n, d, value, text):
    assert S.rate(n, d) == value
    assert S.rate_text(n, d) == text


def _call(outcome, overall=None, known=5, knows=True, respondent="本人", attempt=1):
    return {"attempt": attempt, "outcome": outcome, "respondent": respondent if outcome == "接通" else "",
            "knows_worker": (1 if knows else 0) if outcome == "接通" else None, "overall": overall,
            "awareness": {k: int(i < known) for i, k in enumerate(S.AWARENESS_ITEMS)}, "satisfaction": {}}


@pytest.mark.parametrize("stories, expected", [
    # each story: list of calls for one client; expected: reached, unreachable, refused, pending, satisfied, aware, text
    ([[_call("接通", 5)], [_call("接通", 4)], [_call("接通", 3)]], (3, 0, 0, 0, 2, 3, "66.7%")),
    ([[_call("接通", 5, known=3)], [_call("接通", 5, known=2)]], (2, 0, 0, 0, 2, 1, "100.0%")),
    ([[_call("无人接听"), _call("无人接听", attempt=2)], [_call("接通", 2)]], (1, 1, 0, 0, 0, 1, "0.0%")),
    ([[_call("无人接听")], [_call("拒访")], []], (0, 0, 1, 2, 0, 0, "—")),
    ([[_call("无人接听"), _call("接通", 5, attempt=2)], [_call("接通", 1)]], (2, 0, 0, 0, 1, 2, "50.0%")),
])
def test_results_count_reached_unreachable_satisfied_and_aware(stories, expected):
    sample = {"seed": "1", "register_hash": "h", "size": 100}
    items = [{"id": n, "reserve": 0, "caller_id": None, "name": "张三丰", "phone": "13800001111", "community": "甲"}
             for n in range(len(stories))]
    res = S.compute_results(sample, items, {n: s for n, s in enumerate(stories)})
    got = (res.reached, res.unreachable, res.refused, res.pending, res.satisfied, res.aware, res.satisfaction_text)
    assert got == expected
    assert res.called == sum(1 for s in stories if s)


def test_follow_up_lists_unreachable_unknowing_and_dissatisfied_masked():
    sample = {"seed": "1", "register_hash": "h", "size": 100}
    people = [("欧阳子昕", "13812341234"), ("黄子昕", "020-87654321"), ("李明", "13900001111"), ("张三丰", "13700002222")]
    items = [{"id": n, "reserve": 0, "caller_id": 1, "name": nm, "phone": ph, "community": "甲社区"}
             for n, (nm, ph) in enumerate(people)]
    calls = {0: [_call("无人接听"), _call("非本人", attempt=2)], 1: [_call("接通", 5, knows=False, respondent="家属")],
             2: [_call("接通", 1)], 3: [_call("接通", 5)]}
    res = S.compute_results(sample, items, calls)
    assert res.follow_up == [
        {"name": "欧**昕", "phone": "138****1234", "community": "甲社区", "reason": "两次拨打均未接通"},
        {"name": "黄*昕", "phone": "020-****4321", "community": "甲社区", "reason": "不了解社工（家属）"},
        {"name": "李*", "phone": "139****1111", "community": "甲社区", "reason": "不满意（非常不满意）"},
    ]
    assert res.knows_worker_no == [{"name": "黄*昕", "phone": "020-****4321", "community": "甲社区",
                                    "respondent": "家属"}]


# ---------- masking ----------

@pytest.mark.parametrize("name, masked", [
    ("李明", "李*"),
    ("黄子昕", "黄*昕"),
    ("欧阳子昕", "欧**昕"),
    (" 黄子昕 ", "黄*昕"),
    ("王", "王"),
    ("", ""),
])
def test_names_are_masked_keeping_first_and_last_character(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("phone, masked", [
    ("13812341234", "138****1234"),
    ("138 1234 1234", "138****1234"),
    ("138-1234-1234", "138****1234"),
    ("020-87654321", "020-****4321"),
    ("(020) 87654321", "(020) ****4321"),
    ("0755-8765432", "0755-***5432"),
    ("87654321", "****4321"),
    ("02087654321", "020****4321"),
    ("", ""),
])
def test_mobiles_and_landlines_are_masked(phone, masked):
    out = mask_phone(phone)
    assert out == masked
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) >= 8:
        assert digits not in out.replace(" ", "").replace("-", "")


# ---------- privacy and the demo ----------

def test_lists_results_exports_and_audit_never_hold_full_names_or_phones(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="9")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    for n, item in enumerate(SV.my_calls(db, aid, m["staff"])[:6]):
        SV.record_call(db, aid, m["staff"], item["id"], 1, "接通",
                       **dict(REACHED_OK, knows_worker=n % 2 == 0, overall=1 + n % 5))
    full = [(c["name"], c["phone"]) for c in SV.register(db, aid)]
    text = json.dumps([SV.list_items(db, aid), SV.my_calls(db, aid, m["staff"]), SV.export_rows(db, aid),
                       SV.survey_results(db, aid).__dict__, audit.entries(db, aid)], ensure_ascii=False, default=str)
    for name, phone in full:
        assert f'"{name}"' not in text
        assert phone not in text


def test_demo_survey_reproduces_the_sample_report(demo_db):
    db, aid = demo_db
    res = SV.survey_results(db, aid)
    assert (res.sample_size, res.called, res.reached, res.unreachable, res.pending) == (100, 100, 96, 4, 0)
    assert (res.satisfied, res.satisfaction_rate, res.satisfaction_text) == (92, Decimal("95.8"), "95.8%")
    assert res.satisfaction_with_n == "95.8%（92/96）"
    assert sorted(p["respondent"] for p in res.knows_worker_no) == ["家属", "本人"]
    assert all("*" in p["name"] and "****" in p["phone"] for p in res.follow_up)
    assert sorted(f["reason"] for f in res.follow_up).count("两次拨打均未接通") == 4
    assert len(res.follow_up) == 6
    # unreachable means exactly two recorded attempts
    unreachable = [i for i in SV.list_items(db, aid) if i["status"] == S.UNREACHABLE]
    assert [i["attempts"] for i in unreachable] == [2, 2, 2, 2]
    callers = {i["caller_name"] for i in SV.list_items(db, aid) if not i["reserve"]}
    assert callers == {"黄小燕", "林晓红"}
    assert SV.verify_sample(db, aid) == {**SV.verify_sample(db, aid), "register_matches": True,
                                         "sample_matches": True}
    assert SV.current_sample(db, aid)["seed"] == "20250227"


def test_withdrawing_the_sample_lets_the_register_be_replaced(survey_db):
    from core.station import data as SD

    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="9")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    SV.record_call(db, aid, m["staff"], SV.my_calls(db, aid, m["staff"])[0]["id"], 1, "无人接听")
    new_rows = [person(n) for n in range(200, 290)]
    with pytest.raises(DataError, match="抽样"):
        SD.replace_clients(db, aid, m["lead"], new_rows)
    with pytest.raises(PermissionDenied):
        SV.withdraw_sample(db, aid, m["staff"], confirm=True)
    with pytest.raises(InvalidValue, match="1 条通话记录.*确认"):
        SV.withdraw_sample(db, aid, m["lead"])
    SV.withdraw_sample(db, aid, m["lead"], confirm=True)
    assert SV.current_sample(db, aid) is None and SV.call_count(db, aid) == 0
    SD.replace_clients(db, aid, m["lead"], new_rows)
    SV.draw_sample(db, aid, m["lead"], seed="9")
    assert len(sampled_people(db, aid)) == 90
    withdrawn = [e for e in audit.entries(db, aid) if e["action"] == "withdraw"]
    assert json.loads(withdrawn[0]["old"])["calls"] == 1


def test_satisfaction_suggestion_reads_the_survey_results(demo_db):
    from core.framework.model import get_framework
    from core.station.suggest import Evidence, suggest

    db, aid = demo_db
    ind = get_framework("gz-2024-four-party").indicator("C3")
    s = suggest(ind, Evidence(survey=SV.evidence(db, aid)))
    res = SV.survey_results(db, aid)
    expected = (res.satisfaction_rate + res.awareness_rate) / 200 * 6
    assert abs(float(s.value) - float(expected)) <= 0.25
    assert "满意率 95.8%（92/96）" in s.explanation


# ---------- one audit row per write, claims, the call's reads, scrubbed comments ----------

def _audit(db, aid, action=None):
    return [e for e in audit.entries(db, aid) if action is None or e["action"] == action]


def test_assigning_many_clients_writes_one_audit_row_listing_them(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="9", reserve=3)
    before = len(_audit(db, aid))
    assert SV.assign_evenly(db, aid, m["lead"], [m["staff"], m["expert"]]) == 100
    rows = _audit(db, aid)[: len(_audit(db, aid)) - before]
    assert [e["action"] for e in rows] == ["assign"]
    new = json.loads(rows[0]["new"])
    assert len(new["items"]) == 100 and set(new["caller_id"]) == {m["staff"], m["expert"]}
    spare = [i["id"] for i in SV.list_items(db, aid) if i["reserve"]]
    assert SV.assign(db, aid, m["lead"], spare, m["staff"]) == 3
    last = _audit(db, aid)[0]
    assert last["action"] == "assign" and json.loads(last["new"]) == {"items": spare, "caller_id": [m["staff"]] * 3}
    assert json.loads(last["old"])["caller_id"] == [None] * 3
    # Nothing changes, nothing is logged.
    n = len(_audit(db, aid))
    assert SV.assign(db, aid, m["lead"], spare, m["staff"]) == 0
    assert len(_audit(db, aid)) == n


def test_claim_and_release_are_logged_and_a_reopened_form_does_not_log_again(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="9")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    first, second = [i["id"] for i in SV.my_calls(db, aid, m["staff"])[:2]]
    assert SV.claim(db, aid, m["staff"], first) is None
    assert len(_audit(db, aid, "claim")) == 1
    assert SV.claim(db, aid, m["staff"], first) is None          # the page re-renders: nothing new
    assert len(_audit(db, aid, "claim")) == 1
    # Opening another client takes it and lets go of the first, in one audit row.
    assert SV.claim(db, aid, m["staff"], second) is None
    claims = _audit(db, aid, "claim")
    assert len(claims) == 2 and json.loads(claims[0]["old"])["released"] == [first]
    assert SV.release(db, aid, m["staff"], second) is True
    assert [e["entity_key"] for e in _audit(db, aid, "release")] == [str(second)]
    assert SV.release(db, aid, m["staff"], second) is False       # nothing held: nothing written
    assert len(_audit(db, aid, "release")) == 1
    # Released, the client can be taken over at once by the caller it is handed to.
    SV.assign(db, aid, m["lead"], [second], m["expert"])
    assert SV.claim(db, aid, m["expert"], second) is None
    with pytest.raises(PermissionDenied, match="未分配给您"):
        SV.claim(db, aid, m["staff"], second)


def test_claims_are_refused_when_the_assessment_is_locked(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="9")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    item = SV.my_calls(db, aid, m["staff"])[0]["id"]
    SV.claim(db, aid, m["staff"], item)
    A.set_locked(db, aid, m["lead"], True)
    db.execute("UPDATE survey_items SET claimed_at = '2000-01-01T00:00:00' WHERE id = ?", [item])
    with pytest.raises(AssessmentLocked):
        SV.claim(db, aid, m["staff"], item)
    with pytest.raises(AssessmentLocked):
        SV.release(db, aid, m["staff"], item)


def test_recording_a_call_reads_only_that_clients_calls(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="9")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    items = SV.my_calls(db, aid, m["staff"])
    for it in items[:5]:
        SV.record_call(db, aid, m["staff"], it["id"], 1, "无人接听")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        SV.record_call(db, aid, m["staff"], items[5]["id"], 1, "无人接听")
    finally:
        db.conn.set_trace_callback(None)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "survey_calls" in s]
    assert reads, "the call's previous attempts were not read"
    for sql in reads:
        assert "item_id = " in sql and "sample_id" not in sql, sql
        plan = " ".join(str(r[-1]) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
        assert "SCAN c" not in plan and "SCAN survey_calls" not in plan, plan


def test_call_comments_are_scrubbed_in_the_export_and_the_call_history(survey_db):
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="9")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    it, other = SV.my_calls(db, aid, m["staff"])[:2]
    named = person_of(db, other["client_id"])
    typed = f"联系电话13812341234，座机020-87654321，{named['name']}的邻居"
    SV.record_call(db, aid, m["staff"], it["id"], 1, "接通", **dict(REACHED_OK, comment=typed))
    row = next(r for r in SV.export_rows(db, aid) if r["序号"] == it["position"])
    expected = f"联系电话138****1234，座机020-****4321，{mask_name(named['name'])}的邻居"
    assert row["备注"] == expected
    # The caller's own form shows the client in full, but the typed text as every output does.
    form = SV.call_form(db, aid, m["staff"], it["id"])
    assert form["calls"][0]["comment"] == expected
    assert form["name"] == person_of(db, it["client_id"])["name"]
    # Saved as typed (the audit page scrubs on output).
    assert json.loads(_audit(db, aid, "call")[0]["new"])["comment"] == typed


def test_register_overview_counts_households_by_the_register_rule(survey_db):
    from core.station.register import register_summary

    db, aid, m = survey_db
    db.execute("UPDATE clients SET household = '' WHERE assessment_id = ? AND position < 5", [aid])
    ov = SV.register_overview(db, aid)
    assert ov["persons"] == 131
    assert ov["households"] == register_summary(SV.register(db, aid))["households"]
    assert ov["register_hash"] == SV.current_register_hash(db, aid)


def test_a_non_working_number_is_final_at_once_and_takes_no_second_call(survey_db):
    """空号 (issue 26): the staff never dial a number that does not exist a second time."""
    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="3")
    SV.assign_evenly(db, aid, m["lead"], [m["staff"]])
    item = SV.my_calls(db, aid, m["staff"])[0]
    SV.record_call(db, aid, m["staff"], item["id"], 1, "空号")
    res = SV.survey_results(db, aid)
    assert (res.called, res.unreachable, res.pending) == (1, 1, 99)
    assert "空号" in [r for r in res.follow_up if r.get("reason")][0]["reason"]
    with pytest.raises(InvalidValue, match="无法接通"):
        SV.record_call(db, aid, m["staff"], item["id"], 2, "无人接听")
    assert item["id"] not in [i["id"] for i in SV.my_calls(db, aid, m["staff"]) if i.get("status") in ("pending", "retry")]


def test_register_changed_follows_edits_undone_and_a_fresh_process(survey_db):
    """The survey's 名册已变 warning (told from a kept fingerprint, mostly without hashing the register):
    on after a phone is changed, off again when it is changed back, right in a process that starts
    after the change, and on when a person is added and another removed (the same count)."""
    from core import derived

    db, aid, m = survey_db
    SV.draw_sample(db, aid, m["lead"], seed="5")
    assert SV.survey_results(db, aid).register_changed is False
    first, phone = db.execute("SELECT id, phone FROM clients WHERE assessment_id = ? ORDER BY id LIMIT 1",
                              [aid]).fetchone()
    db.execute("UPDATE clients SET phone = '13900000999' WHERE id = ?", [first])
    assert SV.survey_results(db, aid).register_changed is True
    derived.clear()                                          # a server process started after the change
    assert SV.survey_results(db, aid).register_changed is True
    db.execute("UPDATE clients SET phone = ? WHERE id = ?", [phone, first])
    assert SV.survey_results(db, aid).register_changed is False
    db.execute("UPDATE clients SET phone = '13900000999' WHERE id = ?", [first])
    assert SV.survey_results(db, aid).register_changed is True
    db.execute("UPDATE clients SET phone = ? WHERE id = ?", [phone, first])
    assert SV.survey_results(db, aid).register_changed is False
    add_register(db, aid, 1, start=500)
    last = db.execute("SELECT MAX(id) FROM clients WHERE assessment_id = ? AND id < (SELECT MAX(id) FROM clients)",
                      [aid]).fetchone()[0]
    db.execute("DELETE FROM survey_items WHERE client_id = ?", [last])
    db.execute("DELETE FROM clients WHERE id = ?", [last])
    assert SV.survey_results(db, aid).register_changed is True
