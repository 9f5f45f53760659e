"""The 评估框架 page (lead): the library with the template download, and a copy to edit."""
from __future__ import annotations

from core.framework import library as framework_library
from core.assessment import team
from core.store import open_db
from tests.conftest import app_test


def _lead(app_env):
    db = open_db(str(app_env))
    aid, lead = team.new_assessment(db, {"name": "石榴岗街社工服务站"}, "gz-2024-four-party", "组长甲", "2468")
    return db, aid, lead


def test_the_lead_sees_the_library_downloads_the_template_and_copies_a_shipped_framework(app_env):
    db, aid, lead = _lead(app_env)
    at = app_test("pages/frameworks.py", auth={"assessment_id": aid, "member_id": lead})
    at.run()
    assert not at.exception
    assert "（第 1 版）" in at.caption[0].value.replace("\\", "") and "gz-2024" not in at.caption[0].value   # no raw id (issue 26)
    assert "先导入 Excel 或复制一个内置框架" in at.info[0].value
    at.text_input(key="fw_copy_id").set_value("agency-2025")
    at.text_input(key="fw_copy_name").set_value("本机构 2025 年度指标体系")
    at.button(key="fw_copy").click().run()
    assert not at.exception
    assert any("已复制为 agency" in s.value for s in at.success)
    assert at.selectbox(key="fw_edit_pick").value == "agency-2025"
    assert framework_library.get(db, "agency-2025").name == "本机构 2025 年度指标体系"
    at.button(key="fw_save").click().run()
    assert any("没有修改" in s.value for s in at.success)


def test_an_expert_cannot_open_the_framework_page(app_env):
    db, aid, lead = _lead(app_env)
    expert = team.add_member(db, aid, lead, "专家乙", "expert", "1357")
    at = app_test("pages/frameworks.py", auth={"assessment_id": aid, "member_id": expert})
    at.run()
    assert not any("框架库" in s.value for s in at.subheader)
    assert [e.value for e in at.error] == ["当前角色无权访问此页面。"]
