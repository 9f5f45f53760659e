"""Words follow figures (issue 26, a new station's day): the team counted as the 落款 lists it, the
purchaser named whole in the 结语, a drafted 建议 never cut inside a word, no "0 项已完成", the
attendance rate not read as the non-certified staff's; the staff member has no score sheet."""
from __future__ import annotations

from decimal import Decimal

import pytest

from core.assessment import team as A
from core.errors import InvalidValue
from core.report import data as report_data
from core.report import words as W
from core.scoring import signoff
from tests._station_fixtures import station, station_file  # noqa: F401


def test_the_purchaser_is_named_whole_in_the_closing(demo_db):
    db, aid = demo_db
    lead = next(m["id"] for m in A.list_members(db, aid) if m["role"] == "lead")
    A.update_station(db, aid, lead, district="白云区", supervisor="白云区民政局", purchaser="白云区人民政府石井街道办事处")
    d = report_data.gather(db, aid)
    text = W.closing_default(d)
    assert "在白云区民政局、石井街道办事处的大力支持下" in text and "、人民政府" not in text


def test_a_drafted_recommendation_is_never_cut_inside_a_word():
    long = ("项目在社区志愿者队伍的培育与管理方面仍需加强，志愿者招募渠道较为单一，培训体系尚不完善，"
            "激励机制未能有效落实，服务记录与时数统计不够规范，部分活动中志愿者的角色定位不清晰，影响其参与的持续性与积极性。")
    head = W._first_sentence(long)
    assert len(head) <= 80 and not head.endswith("其等") and not head.endswith("等")
    assert long.startswith(head) and long[len(head)] in "，；"


def test_the_team_is_counted_as_the_signature_lists_it(station):
    """A lead who scores nothing and one expert: "1 位评估专家" (was 2, the 落款 listing 1)."""
    db, aid, m = station
    d = report_data.gather(db, aid)
    assert d.expert_count == 1 and W.team_phrase(d).startswith("1 位评估专家")


def test_no_indicator_met_is_said_so_not_as_0_of_15(demo_db):
    db, aid = demo_db
    d = report_data.gather(db, aid)
    d.indicators = [dict(r, rate=Decimal("0.1"), rate_text="10%") for r in d.indicators if r.get("rate") is not None]
    text = W.progress_comment_default(d)
    assert f"{len(d.indicators)} 项协议指标均未达到协议指标量" in text and " 0 项已完成" not in text


def test_the_attendance_rate_reads_as_the_teams_not_the_non_certified_staffs(demo_db):
    db, aid = demo_db
    d = report_data.gather(db, aid)
    d.staffing = dict(d.staffing, attendance_noncert_actual=30.5, attendance_noncert_due=None,
                      attendance_rate=Decimal("0.6818"), attendance_rate_text="68.18%")
    _, bad = W._staffing_clauses(d)
    line = next(x for x in bad if "68.18%" in x)
    assert "非持证社工 30.5 人次；社工总到岗率 68.18%" in line and "人次，到岗率" not in line


def test_the_staff_member_has_no_score_sheet(demo_db):
    db, aid = demo_db
    staff = next(m for m in A.list_members(db, aid) if m["role"] == "staff")
    with pytest.raises(InvalidValue, match="没有专家评分表"):
        signoff.score_sheet(db, aid, staff["id"])
