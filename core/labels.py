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
# The report's words (二、评估方法 counts "2 名合作方/居委代表"): every page, export and the audit page use them.
INTERVIEW_GROUPS = {"worker": "社工", "manager": "机构管理人员", "client": "服务对象", "partner": "合作方/居委代表",
                    "street": "街道工作人员"}
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
    "submit": "提交评分", "reopen": "退回评分", "login_failed": "登录失败", "issue": "发出报告",
    "join": "建立笔记本副本", "export_pack": "导出任务包", "pull": "接收组长更新", "decide": "裁定",
    "reveal": "向专家公开评分", "hide": "取消公开评分",
}
AUDIT_ENTITIES = {
    "station": "社工站", "areas": "片区", "assessment": "评估", "member": "成员", "score": "评分",
    "finding": "评估意见", "party_score": "其他评估方评分", "veto": "否决项", "contract_indicator": "协议指标",
    "contract_indicators": "协议指标表", "staffing": "人员配置", "clients": "重点服务对象名册",
    "lead_address": "组长地址",
    "prev_recommendation": "上期评估意见", "site_record": "现场记录", "site_records": "现场记录",
    "survey_sample": "满意度抽样", "survey_item": "回访对象", "report_item": "报告条目",
    "report_group": "报告部分", "report_text": "报告文本", "framework": "评估框架",
    "submission": "评分提交", "visit_stage": "评估日程", "visit_stages": "评估日程", "survey_script": "回访话术",
    "interview": "访谈记录", "attachment": "证据附件",
    "station_identity": "社工站（历次评估）",
    "login": "登录", "report_version": "报告版本",
    "sync": "同步", "sync_pack": "任务包", "sync_conflict": "同步冲突",
}
# An issued report version's kind and format (db/report_versions.py).
VERSION_KINDS = {"draft": "初稿", "final": "定稿"}
REPORT_FORMATS = {"pdf": "PDF", "docx": "Word"}

# The tables of an assessment's file (JSON transfer, import messages)
TABLE_LABELS = {
    "stations": "社工站", "assessments": "评估", "areas": "片区", "members": "成员",
    "assignments": "分工", "scores": "专家评分", "overrides": "组长裁定", "findings": "评估意见",
    "party_scores": "其他方评分", "veto_checks": "否决项", "contract_indicators": "协议指标",
    "staffing": "人员配置", "clients": "重点服务对象名册", "prev_recommendations": "上期评估意见",
    "site_records": "现场记录", "survey_samples": "满意度抽样", "survey_items": "抽样对象",
    "survey_calls": "电话回访记录", "report_items": "报告意见", "report_texts": "报告文字",
    "submissions": "评分提交", "visit_stages": "评估日程", "survey_script": "回访话术", "audit_log": "修改记录",
    "interviews": "访谈记录", "attachments": "证据附件", "report_versions": "报告版本",
}

# Station and assessment fields in the set-up page's words (where they are typed): the page, the
# pre-export check (which sends the lead there) and the audit page name them alike.
STATION_FIELDS = {"name": "社工站名称", "short_name": "简称", "district": "所在区", "street": "街道", "address": "地址",
                  "operating_since": "开始运营", "operator": "承办方", "purchaser": "购买方", "supervisor": "监督方",
                  "agency_code": "机构内部编号", "communities": "辖内社区"}
ASSESSMENT_FIELDS = {"kind": "评估类型", "period_label": "年度", "evaluator_org": "评估方", "visit_date": "评估日期",
                     "contract_start": "合同期开始", "contract_end": "合同期结束", "stats_start": "统计期开始",
                     "stats_end": "统计截止日期", "funding_wan": "服务经费（万元）"}

# Texts the lead may edit (report_texts keys); an empty text means the report's default.
TEXT_KEYS = {
    "progress_comment": "二(二) 服务进度小结",
    "closing": "五、结语：总述",
    "closing_points": "五、结语：发展建议（每行一条）",
}
# Recorded feedback (三、评估反馈, report_texts keys): what each party said.
FEEDBACK_KEYS = {
    "feedback_onsite": "现场反馈：社工站的意见",
    "feedback_onsite_street": "现场反馈：街道办事处（购买方）的意见",
    "feedback_onsite_bureau": "现场反馈：区民政局（监督方）的意见",
    "feedback_draft": "对评估报告初稿的反馈",
}

# A login's state on the set-up page (wrong-PIN throttle)
LOGIN_STATES = {"locked": "已锁定", "waiting": "须等待", "clear": "可登录"}
# Kinds of file an output path may already hold (the command line refuses to overwrite another kind)
FILE_KINDS = {"pdf": "PDF", "xlsx": "Excel（xlsx）", "docx": "Word（docx）", "json": "JSON", "sqlite": "SQLite 数据库", "other": "其他类型"}

# Field names written by the guarded writers (the audit page's words)
AUDIT_FIELDS = {
    # added by issue 26 (no internal field name on the audit page)
    "report_history": "报告含历次评估对比", "identity_id": "社工站（历次评估）", "agency_code": "机构内部编号",
    "scores_revealed_at": "向专家公开评分时间", "mid_target": "中期指标量", "target_pending": "目标值待定",
    # scores, overrides, findings, parties, veto
    "value": "分数", "na": "不适用", "note": "备注", "detail": "评分明细", "criteria": "达标项", "level": "达到程度",
    "reason": "理由", "score": "评分", "comment": "意见", "failed": "未通过", "text": "内容", "kind": "类型",
    "section_code": "部分", "area_code": "片区", "indicator_code": "指标", "source": "来源",
    # members, assessments, stations
    "name": "姓名", "role": "角色", "sections": "负责部分", "active": "启用", "member": "成员", "lead": "组长",
    "assessment": "评估", "status": "状态", "kind_label": "评估类型", "period_label": "年度", "visit_date": "评估日期",
    "evaluator_org": "评估方", "framework_id": "评估框架", "framework_version": "框架版本", "code": "代码",
    "address": "地址", "communities": "社区", "district": "所在区", "street": "街道", "operator": "承办方",
    "purchaser": "购买方", "supervisor": "监督方", "short_name": "简称", "operating_since": "开始运营",
    "contract_start": "合同期开始", "contract_end": "合同期结束", "stats_start": "统计期开始", "stats_end": "统计截止日期",
    "funding_wan": "服务经费（万元）", "label": "名称", "confirm": "确认",
    # station data
    "item": "项目", "finding": "发现", "file_ref": "资料", "notes": "记录", "evidence": "佐证", "position": "顺序",
    "unit": "单位", "target": "协议指标量", "actual": "实际完成量", "rows": "行数", "persons": "人数",
    "households": "户数", "separated": "人户分离", "vacant_household": "空挂户", "file": "文件", "required": "应配备社工",
    "on_post": "在岗社工", "cert_intermediate": "中级社工师", "cert_assistant": "助理社工师", "non_certified": "未持证",
    "experienced": "两年以上经验", "attendance_due": "应出勤", "attendance_actual": "实际出勤",
    "attendance_cert_due": "持证社工应出勤", "attendance_cert_actual": "持证社工实际出勤",
    "attendance_noncert_due": "未持证人员应出勤", "attendance_noncert_actual": "未持证人员实际出勤",
    "training_due": "应培训", "training_actual": "实际培训", "continuous": "全期在岗人数",
    "phone": "电话", "phone2": "电话二", "community": "社区", "category": "类别", "household": "户号",
    # survey
    "seed": "随机种子", "register_hash": "名册校验值", "size": "样本量", "drawn": "抽中", "reserve": "候补",
    "register_persons": "名册人数", "samples": "样本数", "calls": "通话数", "items": "抽样对象", "caller_id": "回访人",
    "claimed_by": "记录人", "claimed_at": "开始记录时间", "released": "释放", "item_id": "抽样对象", "member_id": "成员",
    "attempt": "第几次", "called_at": "拨打时间", "outcome": "结果", "respondent": "受访者", "knows_worker": "认识社工",
    "awareness": "知晓", "satisfaction": "满意度", "overall": "总体满意度", "retry_at": "再次拨打时间",
    # report, sign-off, agenda, script
    "source_finding_ids": "来源意见", "format": "格式", "submitted_at": "提交时间", "reopened_at": "退回时间",
    "reopen_reason": "退回理由", "starts": "开始", "ends": "结束",
    # interview notes, evidence attachments
    "group_code": "访谈对象类别", "points": "访谈要点", "quotes": "原话摘录", "filename": "文件名", "mime": "文件类型",
    "personal": "含个人信息", "caption": "说明", "original_size": "原文件大小", "width": "宽（像素）",
    "height": "高（像素）", "site_record_id": "现场记录", "interview_id": "访谈记录", "finding_id": "评估意见",
    # bookkeeping
    "id": "编号", "action": "操作", "created_at": "创建时间", "updated_at": "修改时间", "station_id": "社工站",
    "assessment_id": "评估", "deleted": "已删除",
}

# Issue 23: the tables that travel between laptops, why a change was kept for the lead, the decision.
SYNC_TABLES = {"site_records": "现场记录", "interviews": "访谈记录", "findings": "评估意见", "scores": "评分",
               "attachments": "证据附件", "survey_calls": "电话回访", "submissions": "评分提交"}
SYNC_KINDS = {"conflict": "冲突（双方都改了）", "late": "锁定后到达", "owner": "非本人数据（不予采用）",
              "missing": "缺少关联记录"}
SYNC_CHOICES = {"open": "待裁定", "theirs": "采用成员版本", "ours": "保留组长版本"}
SYNC_VIA = {"network": "网络", "file": "文件", "": "—"}


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
