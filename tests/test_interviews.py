"""Interviews as records: one note per interviewee in the sample report's groups, names masked on
every output by the one scrubber, each note promotable to a finding like a site record."""
from __future__ import annotations

import pytest

from core.station import interviews as IV
from core.report import data as RD
from core.scoring import scoresheet as S
from core.errors import InvalidValue, PermissionDenied
from core.labels import INTERVIEW_GROUPS
from core.privacy import scrubber

from _station_fixtures import station, station_file  # noqa: F401  (fixtures)


def test_the_interview_groups_are_those_of_the_sample_report():
    assert list(INTERVIEW_GROUPS.values()) == ["社工", "机构管理人员", "服务对象", "合作方/居委代表", "街道工作人员"]


def test_one_note_per_interviewee_with_the_name_masked_everywhere(station):
    db, aid, m = station
    i1 = IV.save_interview(db, aid, m["expert"], group_code="worker", role="片区一社工", name="李明华",
                           points="李明华负责 10 户兜底对象，每月探访。", quotes="“我们每周都电话联系。”")
    IV.save_interview(db, aid, m["expert"], group_code="client", role="低保户家属", name="黄子昕",
                      points="社工上门帮忙申请临时救助")
    notes = IV.list_interviews(db, aid)
    assert [(n["group_label"], n["name"]) for n in notes] == [("社工", "李*华"), ("服务对象", "黄*昕")]
    assert notes[0]["points"].startswith("李*华负责") and notes[0]["quotes"] == "“我们每周都电话联系。”"
    # The one scrubber knows the interviewees: a finding mentioning them prints masked.
    assert scrubber(db, aid)("与黄子昕面谈") == "与黄*昕面谈"
    IV.save_interview(db, aid, m["expert"], interview_id=i1, name="李明")
    assert scrubber(db, aid)("李明说") == "李*说"
    assert IV.counts(db, aid) == {"worker": 1, "client": 1}


@pytest.mark.parametrize("fields,words", [
    ({"group_code": "volunteer", "role": "志愿者甲"}, "访谈组别"),
    ({"group_code": "worker"}, "至少填写一项"),
    ({"group_code": "worker", "name": "社工"}, "是身份，不是姓名"),
])
def test_a_note_without_group_or_interviewee_is_refused(station, fields, words):
    db, aid, m = station
    with pytest.raises(InvalidValue) as e:
        IV.save_interview(db, aid, m["expert"], **fields)
    assert words in str(e.value)
    assert IV.list_interviews(db, aid) == []


def test_staff_cannot_record_interviews(station):
    db, aid, m = station
    with pytest.raises(PermissionDenied):
        IV.save_interview(db, aid, m["staff"], group_code="worker", role="社工")


def test_an_interview_note_is_promoted_to_a_finding_once(station):
    db, aid, m = station
    iid = IV.save_interview(db, aid, m["expert"], group_code="manager", role="机构副总干事", name="陈大文",
                            points="机构每月督导一次", finding="督导记录未归档，陈大文表示将补齐")
    fid = IV.promote_to_finding(db, aid, m["expert"], iid, "A")
    f = next(x for x in S.findings(db, aid) if x["id"] == fid)
    assert f["kind"] == "concern" and f["section_code"] == "A" and f["source"] == f"interview:{iid}"
    assert f["text"] == "访谈机构副总干事时了解到：督导记录未归档，陈大文表示将补齐"
    assert IV.list_interviews(db, aid)[0]["finding_id"] == fid
    with pytest.raises(InvalidValue) as e:
        IV.promote_to_finding(db, aid, m["expert"], iid, "A")
    assert "已转为意见" in str(e.value)
    # Masked where it is shown to others and printed.
    shown = S.shown_findings(db, aid, "A", "", viewer_id=m["lead"])
    assert any("陈*文表示将补齐" in x["shown"] for x in shown)


def test_a_client_interview_may_become_a_strength_of_a_per_area_section(station):
    db, aid, m = station
    iid = IV.save_interview(db, aid, m["expert"], group_code="client", role="独居长者", points="社工每周来电问候，很贴心")
    with pytest.raises(InvalidValue):      # B is scored per 片区: the 片区 is required
        IV.promote_to_finding(db, aid, m["expert"], iid, "B", kind="strength")
    fid = IV.promote_to_finding(db, aid, m["expert"], iid, "B", "P1", kind="strength")
    f = next(x for x in S.findings(db, aid) if x["id"] == fid)
    assert (f["kind"], f["area_code"]) == ("strength", "P1")
    assert f["text"] == "访谈独居长者时了解到：社工每周来电问候，很贴心"


def test_a_note_with_nothing_recorded_cannot_be_promoted(station):
    db, aid, m = station
    iid = IV.save_interview(db, aid, m["expert"], group_code="street", role="街道民政科科长")
    with pytest.raises(InvalidValue) as e:
        IV.promote_to_finding(db, aid, m["expert"], iid, "A")
    assert "没有填写访谈要点" in str(e.value)
    assert S.findings(db, aid) == []


def test_the_report_counts_the_interviewees_recorded_per_group(station):
    db, aid, m = station
    for role in ("片区一社工", "片区二社工", "站长"):
        IV.save_interview(db, aid, m["expert"], group_code="worker", role=role, points="了解服务推进情况")
    IV.save_interview(db, aid, m["expert"], group_code="worker", role="未访谈到的社工")   # nothing recorded
    IV.save_interview(db, aid, m["expert"], group_code="manager", role="机构总干事", points="机构运营情况")
    IV.save_interview(db, aid, m["expert"], group_code="partner", role="居委主任", quotes="“社工很给力”")
    from core.report import words as RT

    d = RD.gather(db, aid)
    assert d.interviews == {"worker": 3, "manager": 1, "partner": 1}
    steps = RT.process_steps(d)
    service = next(s for s in steps if s.startswith("服务访谈"))
    org = next(s for s in steps if s.startswith("机构运营访谈"))
    assert "3 名社工" in service and "1 名合作方/居委代表" in service and "服务对象" not in service.split("，")[0]
    assert "1 名" in org
    assert "面谈（访谈）" in RT.background_intro(d)


def test_without_interview_notes_the_report_prints_no_interview_step(station):
    db, aid, m = station
    IV.save_interview(db, aid, m["expert"], group_code="worker", role="社工")    # planned, nothing recorded
    d = RD.gather(db, aid)
    from core.report import words as RT

    assert not any("访谈" in s for s in RT.process_steps(d))
    assert "面谈（访谈）" not in RT.background_intro(d)
