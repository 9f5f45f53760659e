"""The one labels module: every Chinese label of a stored code, in one place.

Pages, the PDF, Excel and CSV exports and the audit page take their words here;
party and section names come from the framework (`party_label`, `section_label`).
"""
from __future__ import annotations

ROLES = {"lead": "组长", "expert": "评估专家", "staff": "工作人员"}
FINDING_KINDS = {"strength": "值得肯定", "concern": "需要关注"}
ASSESSMENT_KINDS = ("末期", "中期")
ASSESSMENT_STATUS = {"open": "进行中", "locked": "已锁定"}
YES_NO = {True: "是", False: "否", 1: "是", 0: "否", None: ""}

SITE_KINDS = {"intro": "听取介绍", "observation": "实地观察", "document": "查阅资料", "interview": "访谈"}
SITE_STATUSES = {"": "未查看", "ok": "符合", "finding": "发现问题"}
# 未核实: carried over from the station's earlier assessment, not yet checked on site.
RECTIFICATION_STATUSES = ("已整改", "部分整改", "未整改", "未核实")
# Interview groups (访谈), as in the sample report; one note per interviewee.
INTERVIEW_GROUPS = {"worker": "社工", "manager": "机构管理人员", "client": "服务对象", "partner": "合作方/居委",
                    "street": "街道"}
# Evidence attachments: what they are attached to, and their kinds.
ATTACHMENT_OWNERS = {"site_record": "现场记录", "interview": "访谈记录", "finding": "评估意见"}
ATTACHMENT_TYPES = {"image/jpeg": "照片", "application/pdf": "PDF 扫描件"}

# Revising a score after the reveal (issue 15)
REVISION_REASONS = {"misread_guidance": "误读评分标准", "missed_evidence": "遗漏了证据", "different_judgement": "经讨论改变判断"}

# Satisfaction survey
CALL_OUTCOMES = ("接通", "无人接听", "空号", "拒访", "非本人")
RESPONDENTS = ("本人", "家属")
SATISFACTION_SCALE = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
# AAPOR Standard Definitions: the final disposition of a sampled client and the code of each call.
AAPOR_CODES = {"completed": "完成访问", "refused": "拒访", "non_contact": "未能联系", "not_eligible": "不符合条件",
               "unknown": "资格未知"}
# Each stored call outcome's AAPOR code. The register lists known key clients, so a client is eligible
# unless shown otherwise: an unanswered phone is a non-contact (2.20); a dead number (空号) or a number
# that belongs to someone else (非本人) leaves it unknown whether the person can still be surveyed (3.x).
CALL_AAPOR = {"接通": "completed", "拒访": "refused", "无人接听": "non_contact", "空号": "unknown",
              "非本人": "unknown"}
SAMPLE_DESIGNS = {"": "简单随机抽样", "area": "按片区分层抽样（比例分配）", "category": "按服务对象类别分层抽样（比例分配）"}
STRATUM_NONE = "未归入片区"
CALL_STATUSES = {"pending": "未拨打", "retry": "待再拨", "reached": "已接通", "refused": "拒访",
                 "unreachable": "无法接通"}

# The audit log (修改记录)
AUDIT_ACTIONS = {
    "create": "新增", "update": "修改", "delete": "删除", "import": "导入", "export": "导出", "prefill": "预填",
    "lock": "锁定", "unlock": "解锁", "assign": "分配", "reset_pin": "重置 PIN", "override": "组长裁定",
    "draw": "抽样", "redraw": "重新抽样", "withdraw": "撤销抽样", "call": "电话回访", "claim": "开始记录",
    "release": "结束记录", "move": "调整顺序", "merge": "合并", "reset": "恢复原文", "promote": "转为意见",
    "rename": "改名", "revise": "复核改分", "activate": "启用", "deactivate": "停用", "restore": "恢复",
    "submit": "提交评分", "reopen": "退回评分", "login_failed": "登录失败",
    "reveal": "向专家公开评分", "hide": "取消公开评分",
}
AUDIT_ENTITIES = {
    "station": "社工站", "areas": "片区", "assessment": "评估", "member": "成员", "score": "评分",
    "finding": "评估意见", "party_score": "其他评估方评分", "veto": "否决项", "contract_indicator": "协议指标",
    "contract_indicators": "协议指标表", "staffing": "人员配置", "clients": "重点服务对象名册",
    "prev_recommendation": "上期评估意见", "site_record": "现场记录", "site_records": "现场记录",
    "survey_sample": "满意度抽样", "survey_item": "回访对象", "report_item": "报告条目",
    "report_group": "报告部分", "report_text": "报告文本", "framework": "评估框架",
    "submission": "评分提交", "visit_stage": "评估日程", "visit_stages": "评估日程", "survey_script": "回访话术",
    "interview": "访谈记录", "attachment": "证据附件",
    "station_identity": "社工站（历次评估）",
    "login": "登录",
}


# The report's texts the lead edits or records (report_texts keys), as the audit log names them.
REPORT_TEXT_LABELS = {
    "progress_comment": "服务进度小结", "closing": "结语：总述", "closing_points": "结语：发展建议",
    "feedback_onsite": "现场反馈：社工站的意见", "feedback_onsite_street": "现场反馈：街道办事处（购买方）的意见",
    "feedback_onsite_bureau": "现场反馈：区民政局（监督方）的意见", "feedback_draft": "对评估报告初稿的反馈",
}


def label(mapping: dict, code, default: str | None = None) -> str:
    """The label of `code`, or the code itself (or `default`) when unknown."""
    return mapping.get(code, code if default is None else default)


def party_label(framework, code: str) -> str:
    """购买方 / 督导中心 / 监督方 … for a party code of the framework."""
    try:
        return framework.party(code).label
    except KeyError:
        return code


def section_label(framework, code: str, area_name: str = "") -> str:
    """'A 项目管理', 'B 服务质量·片区一', or an other party's name for 'party:<code>'."""
    if code.startswith("party:"):
        return party_label(framework, code.split(":", 1)[1])
    try:
        sec = framework.section(code)
    except KeyError:
        return code
    return f"{sec.code} {sec.name}" + (f"·{area_name}" if area_name else "")
