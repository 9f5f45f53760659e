"""Excel export of an assessment (openpyxl): one sheet per table, Chinese sheet names.

Masked like every export except the JSON transfer file: every register name and
phone number (and any mobile/landline number written in free text) is replaced
by its masked form in every cell. Text cells starting with = + - @ (formula
injection) are neutralised with a leading apostrophe and stored as text.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from db import backup as _backup

from core import labels
from core.assessment import audit_text
from core.survey import rules as survey
from core.cells import FORMULA_PREFIXES, neutralise  # noqa: F401 (the one owner: core/cells.py)
from core.station.evidence import size_text
from core.framework.model import framework_of_row
from core.masking import mask_name, mask_phone
from core.numbers import ZeroTarget, ratio_percent, round_half_up
from core import privacy
from core.privacy import scrubber
from core.scoring.scoresheet import result as _result
from core.scoring.totals import projection_note
from core.station.indicators import indicator_rows, period_of
from core.store import open_db
from core.assessment.team import assessment_title
from core.agency.transfer import export_assessment, export_json, record_export

# Sheet names (Chinese), in workbook order; tests rely on these.
SHEETS = ("评估概况", "成员与分工", "片区", "专家评分", "分项得分", "组长裁定", "评估意见", "其他方评分", "否决项",
          "协议指标", "人员配置", "服务对象名册", "上期意见整改", "现场记录", "访谈记录", "证据附件", "满意度抽样",
          "电话回访", "需跟进对象", "报告意见", "报告文字", "评分提交", "评估日程", "回访话术", "修改记录")


def _hide_personal_file(text, row: dict, personal: set[str]):
    """The file name of an attachment marked personal never shows in the audit sheet either."""
    if not text or row["entity"] != "attachment" or str(row["entity_key"]) not in personal:
        return text
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return text
    if isinstance(data, dict) and "filename" in data:
        data["filename"] = "（含个人信息的附件）"
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class Rate:
    """A rate as the report prints it (percent, rounded half-up to 2 places): written as a number with the
    format 0.00% (110.01% is the number 1.1001)."""
    percent: Decimal


def _rate(actual, target):
    try:
        if actual is None or target is None:
            return None
        return Rate(ratio_percent(actual, target))
    except ZeroTarget:
        return "目标缺失"


class _Names:
    """How the sheets name members, 片区, indicators and sections of the exported assessment."""

    def __init__(self, t: dict, fw):
        self.fw = fw
        self.members = {m["id"]: m for m in t["members"]}
        self.areas = {x["code"]: x["name"] for x in t["areas"]}

    def who(self, mid):
        return self.members[mid]["name"] if mid in self.members else ""

    def area(self, code):
        return self.areas.get(code, code) if code else "全站"

    def ind_name(self, code):
        try:
            return self.fw.indicator(code).name
        except KeyError:
            return ""

    def section_name(self, code):
        if code.startswith("party:"):
            return labels.party_label(self.fw, code.split(":", 1)[1])
        try:
            return self.fw.section(code).name
        except KeyError:
            return code


def build_workbook(doc: dict, result=None, scrub=None) -> Workbook:
    """The workbook of one assessment from its export document (core.agency.transfer.export_assessment)
    and, optionally, its scoring result (core.scoring.scoresheet.result). `scrub` masks every text cell:
    the assessment's scrubber (core.privacy.scrubber); by default one built from the
    document's register (the same Scrubber). Every rate, score and amount is a number with a number
    format (0.00, 0.00%), rounded as the report prints it; no figure is written as text."""
    t = doc["tables"]
    fw = framework_of_row(t["assessments"][0])
    n = _Names(t, fw)
    scrub = scrub or privacy.of_document(doc)
    sheets: dict[str, tuple[list[str], list[list]]] = {}
    sheets.update(_overview_sheets(doc, t, fw, n, result))
    sheets.update(_scoring_sheets(t, fw, n, result))
    sheets.update(_station_sheets(t, n))
    sheets.update(_survey_sheets(t, n))
    sheets.update(_report_sheets(t, fw, n))
    wb = Workbook()
    wb.remove(wb.active)
    for name in SHEETS:
        header, body = sheets[name]
        _write_sheet(wb.create_sheet(name), header, body, scrub)
    return wb


def _overview_sheets(doc: dict, t: dict, fw, n: _Names, result) -> dict:
    """评估概况, 成员与分工, 片区."""
    a, st = t["assessments"][0], t["stations"][0]
    grade = final = third = None
    note = projection_note(result) if result is not None else ""   # a section with no score: projected
    if result is not None:
        final, third = result.final, result.third_party
        grade = (result.grade or "") + ("（预计）" if result.final_projected else "")
    out = {"评估概况": (["项目", "内容"], [
        ["社工站", st["name"]], ["所在区", st["district"]], ["街道", st["street"]], ["承办方", st["operator"]],
        ["购买方", st["purchaser"]], ["监督方", st["supervisor"]], ["评估类型", a["kind"]],
        ["年度", a["period_label"]], ["合同期", f"{a['contract_start'] or ''} 至 {a['contract_end'] or ''}"],
        ["统计期", f"{a['stats_start'] or ''} 至 {a['stats_end'] or ''}"], ["现场评估日期", a["visit_date"] or ""],
        ["服务经费（万元）", a["funding_wan"]], ["评估机构", a["evaluator_org"]],
        ["评估框架", fw.name], ["状态", labels.label(labels.ASSESSMENT_STATUS, a["status"])],
        ["第三方评估得分" + ("（折算）" if note else ""), third],
        *([["第三方评估得分说明", f"第三方评估得分为折算分：{note}"]] if note else []), ["最终得分", final], ["评估等级", grade or ""], ["导出时间", doc.get("exported_at", "")],
        ["说明", "本文件中服务对象的姓名和电话均已脱敏；得分和比率为数值（四舍五入保留两位小数，与报告一致）。"],
    ])}
    assigned: dict[int, list[str]] = {}
    for x in t["assignments"]:
        assigned.setdefault(x["member_id"], []).append(
            f"{x['section_code']}{('（' + n.area(x['area_code']) + '）') if x['area_code'] else ''}")
    out["成员与分工"] = (["姓名", "角色", "负责部分", "加入时间"], [
        [m["name"], labels.label(labels.ROLES, m["role"]), "、".join(assigned.get(m["id"], [])), m["created_at"]]
        for m in t["members"]])
    out["片区"] = (["编号", "名称", "社区"], [
        [x["code"], x["name"], "、".join(json.loads(x["communities"] or "[]"))] for x in t["areas"]])
    return out


def _first_score(s):
    """The score as submitted: the first_* columns once revised, else the score itself."""
    if not s.get("revised_at"):
        return s["value"], "是" if s["na"] else ""
    return s.get("first_value"), "是" if s.get("first_na") else ""


def _scoring_sheets(t: dict, fw, n: _Names, result) -> dict:
    """专家评分, 分项得分, 组长裁定, 评估意见, 其他方评分, 否决项."""
    out = {"专家评分": (["专家", "部分", "指标编号", "指标名称", "片区", "满分", "得分", "不适用", "备注", "更新时间",
                      "初评得分（提交时）", "初评不适用", "复核改分时间", "复核原因", "复核说明"], [
        [n.who(s["member_id"]), n.section_name(_section_of(fw, s["indicator_code"])), s["indicator_code"],
         n.ind_name(s["indicator_code"]), n.area(s["area_code"]), _points(fw, s["indicator_code"]),
         s["value"], "是" if s["na"] else "", s["note"], s["updated_at"], *_first_score(s), s.get("revised_at") or "",
         labels.label(labels.REVISION_REASONS, s.get("revision_reason") or "", ""), s.get("revision_note") or ""]
        for s in sorted(t["scores"], key=lambda s: (s["indicator_code"], s["area_code"], s["member_id"]))])}
    rows = []
    if result is not None:
        for sec in result.sections:
            rate = Rate(ratio_percent(sec.earned, sec.points)) if sec.earned is not None and sec.points else None
            rows.append([sec.code, sec.name, sec.points, sec.earned, rate, sec.counted_max])
    out["分项得分"] = (["部分", "名称", "满分", "得分", "得分率", "计分项满分"], rows)
    out["组长裁定"] = (["指标编号", "指标名称", "片区", "裁定分数", "不适用", "理由", "组长", "时间"], [
        [o["indicator_code"], n.ind_name(o["indicator_code"]), n.area(o["area_code"]), o["value"],
         "是" if o["na"] else "", o["reason"], n.who(o["member_id"]), o["updated_at"]] for o in t["overrides"]])
    out["评估意见"] = (["部分", "片区", "指标", "类型", "内容", "填写人", "来源", "已删除", "时间"], [
        [n.section_name(f["section_code"]), n.area(f["area_code"]) if f["area_code"] else "", f["indicator_code"],
         labels.label(labels.FINDING_KINDS, f["kind"]), f["text"], n.who(f["member_id"]), f["source"],
         "是" if f["deleted"] else "", f["updated_at"]] for f in t["findings"]])
    out["其他方评分"] = (["评估方", "评分", "满分", "意见", "时间"], [
        [n.section_name("party:" + p["party_code"]), p["score"], _party_max(fw, p["party_code"]), p["comment"],
         p["updated_at"]] for p in t["party_scores"]])
    vetoes = {v.code: v.name for v in fw.veto}
    out["否决项"] = (["否决项", "是否触发", "说明", "时间"], [
        [vetoes.get(v["code"], v["code"]), "是" if v["failed"] else "否", v["note"], v["updated_at"]]
        for v in t["veto_checks"]])
    return out


# 人员配置: (row label as the report's 附件2 words it, column, rate as (numerator, denominator) columns)
STAFFING_ROWS = (
    ("协议要求配备社工", "required", None), ("在岗社工", "on_post", ("on_post", "required")),
    ("持证社工（中级）", "cert_intermediate", None), ("持证社工（助理）", "cert_assistant", None),
    ("持证社工（合计）", "certified", ("certified", "required")), ("非持证社工", "non_certified", None),
    ("从业两年以上社工", "experienced", ("experienced", "required")),
    ("应到人次", "attendance_due", None), ("实到人次", "attendance_actual", ("attendance_actual", "attendance_due")),
    ("持证社工应到人次", "attendance_cert_due", None),
    ("持证社工实到人次", "attendance_cert_actual", ("attendance_cert_actual", "attendance_cert_due")),
    ("非持证社工应到人次", "attendance_noncert_due", None),
    ("非持证社工实到人次", "attendance_noncert_actual", ("attendance_noncert_actual", "attendance_noncert_due")),
    ("继续教育应完成时数", "training_due", None),
    ("继续教育实际时数", "training_actual", ("training_actual", "training_due")),
    ("评估期内持续在岗（稳岗率）", "continuous", ("continuous", "required")),
)
STAFFING_KNOWN = {"assessment_id", "updated_at"} | {c for _, c, _ in STAFFING_ROWS}


def _staffing_rows(t: dict) -> list[list]:
    rows = []
    for s in t["staffing"]:
        s = dict(s)
        if s.get("cert_intermediate") is not None or s.get("cert_assistant") is not None:
            s["certified"] = (s.get("cert_intermediate") or 0) + (s.get("cert_assistant") or 0)
        rows += [[label, s.get(col), _rate(s.get(r[0]), s.get(r[1])) if r else None] for label, col, r in STAFFING_ROWS]
        rows += [[k, v, None] for k, v in s.items() if k not in STAFFING_KNOWN]   # columns added later still show
    return [r for r in rows if r[1] is not None or r[2] is not None]


def _station_sheets(t: dict, n: _Names) -> dict:
    """协议指标, 人员配置, 服务对象名册, 上期意见整改, 现场记录, 访谈记录, 证据附件."""
    out = {"协议指标": _indicator_sheet(t["assessments"][0], t["contract_indicators"])}
    out["人员配置"] = (["项目", "人数 / 人次 / 时数", "比例"], _staffing_rows(t))
    out["服务对象名册"] = (["序号", "姓名", "电话", "社区", "类别", "户号", "空挂户", "人户分离", "备注"], [
        [i, mask_name(c["name"]), mask_phone(c["phone"]), c["community"], c["category"], c["household"],
         "是" if c["vacant_household"] else "", "是" if c["separated"] else "", c["note"]]
        for i, c in enumerate(sorted(t["clients"], key=lambda c: (c["position"], c["id"])), 1)])
    out["上期意见整改"] = (["序号", "部分", "上期意见", "整改情况", "佐证"], [
        [i, n.section_name(p["section_code"]) if p["section_code"] else "", p["text"], p["status"], p["evidence"]]
        for i, p in enumerate(sorted(t["prev_recommendations"], key=lambda p: (p["position"], p["id"])), 1)])
    out["现场记录"] = (["类型", "项目", "状态", "发现", "资料", "备注", "记录人", "时间"], [
        [labels.label(labels.SITE_KINDS, r["kind"]), r["item"], labels.label(labels.SITE_STATUSES, r["status"]),
         r["finding"], r["file_ref"], r["notes"], n.who(r["member_id"]), r["updated_at"]]
        for r in sorted(t["site_records"], key=lambda r: (r["kind"], r["position"], r["id"]))])
    groups = {g: i for i, g in enumerate(labels.INTERVIEW_GROUPS)}
    out["访谈记录"] = (["组别", "身份/岗位", "姓名", "访谈要点", "原话摘录", "发现的问题", "记录人", "时间"], [
        [labels.label(labels.INTERVIEW_GROUPS, r["group_code"]), r["role"], mask_name(r["name"]), r["points"],
         r["quotes"], r["finding"], n.who(r["member_id"]), r["updated_at"]]
        for r in sorted(t.get("interviews", []), key=lambda r: (groups.get(r["group_code"], 99), r["position"], r["id"]))])
    out["证据附件"] = (["附于", "所属记录", "文件名", "类型", "大小", "说明", "添加人", "时间"],
                    _attachment_rows(t, n.who, n.section_name))
    return out


def _indicator_sheet(assessment: dict, rows: list[dict]) -> tuple[list[str], list[list]]:
    """协议指标: each indicator's annual target, actual and rate, the contract's mid-term target and whether a
    carried-over target awaits confirmation; a 中期 assessment adds the target due by its statistics date, the
    rate against it and how the due figure was set, as its report does (core.station.indicators)."""
    period = period_of(assessment)
    ordered = indicator_rows(sorted(rows, key=lambda c: (c["position"], c["id"])), period)
    header = ["序号", "服务指标", "单位", "协议指标量", "完成量", "完成率", "备注", "中期指标量", "协议指标量待确认"]
    if period is not None:
        header[5] = "占全年"
        header += ["中期应完成量", "进度完成率", "应完成量依据"]
    basis = {"mid": "合同约定的中期指标量",
             "prorated": f"按合同期已过 {period.share_text} 折算" if period is not None else ""}
    body = []
    for i, c in enumerate(ordered, 1):
        row = [i, c["name"], c["unit"], c["target"], c["actual"], _rate(c["actual"], c["target"]), c["note"],
               c.get("mid_target"), "是" if c.get("target_pending") else ""]
        if period is not None:
            row += [c["due_target"], Rate(c["rate"]) if c["rate"] is not None else None,
                    basis.get(c["due_basis"], "无法计算（合同期或统计截止日期未填写）")]
        body.append(row)
    return header, body


def _survey_sheets(t: dict, n: _Names) -> dict:
    """满意度抽样, 电话回访, 需跟进对象."""
    out = {"满意度抽样": (["随机种子", "名册校验值", "样本量", "备用量", "当前有效", "抽样人", "时间", "抽样方式",
                          "名册人数", "分层分配（层：名册/样本/候补）"], [
        [s["seed"], s["register_hash"], s["size"], s["reserve_size"], "是" if s["active"] else "否",
         n.who(s["member_id"]), s["created_at"], labels.label(labels.SAMPLE_DESIGNS, s.get("design") or ""),
         s.get("register_persons"), _allocation_text(s.get("allocation"))] for s in t["survey_samples"]])}
    items = {i["id"]: i for i in t["survey_items"]}
    clients = {c["id"]: c for c in t["clients"]}
    crows = []
    for c in t["survey_calls"]:
        it = items.get(c["item_id"], {})
        cl = clients.get(it.get("client_id"), {})
        crows.append([it.get("position", 0) + 1 if it else "", mask_name(cl.get("name", "")),
                      mask_phone(cl.get("phone", "")), n.who(c["member_id"]), c["attempt"], c["called_at"], c["outcome"],
                      c["respondent"], labels.YES_NO.get(c["knows_worker"], ""), _kv(c["awareness"]), _kv(c["satisfaction"]),
                      c["overall"], c["comment"], labels.AAPOR_CODES[labels.CALL_AAPOR[c["outcome"]]],
                      survey.retry_text(c.get("retry_at") or "") if c["outcome"] in survey.RETRY_OUTCOMES else ""])
    out["电话回访"] = (["抽样序号", "服务对象", "电话", "回访人", "第几次", "时间", "结果", "受访人", "认识社工",
                       "知晓情况", "满意度", "总体满意度", "意见", "AAPOR 代码", "再次拨打"], crows)
    res = survey_results_of(t)
    out["需跟进对象"] = (["序号", "服务对象", "电话", "社区", "类别", "跟进原因"], [
        [i, f["name"], f["phone"], f["community"], f["category"], f["reason"]]
        for i, f in enumerate(res.priority_follow_up, 1)])
    return out


def _report_sheets(t: dict, fw, n: _Names) -> dict:
    """报告意见, 报告文字, 评分提交, 评估日程, 回访话术, 修改记录."""
    out = {"报告意见": (["部分", "片区", "类型", "顺序", "内容", "来源意见编号"], [
        [n.section_name(r["section_code"]), n.area(r["area_code"]) if r["area_code"] else "",
         labels.label(labels.FINDING_KINDS, r["kind"]), r["position"], r["text"], r["source_finding_ids"]]
        for r in sorted(t["report_items"], key=lambda r: (r["section_code"], r["area_code"], r["kind"], r["position"]))])}
    out["报告文字"] = (["项目", "内容", "时间"], [[r["key"], r["text"], r["updated_at"]] for r in t["report_texts"]])
    out["评分提交"] = (["成员", "角色", "状态", "提交时间", "退回时间", "退回人", "退回理由"], [
        [n.who(r["member_id"]), labels.label(labels.ROLES, n.members.get(r["member_id"], {}).get("role", "")),
         "已提交" if not r["reopened_at"] else "已退回", (r["submitted_at"] or "").replace("T", " ")[:16],
         (r["reopened_at"] or "").replace("T", " ")[:16], n.who(r["reopened_by"]) if r["reopened_by"] else "",
         r["reopen_reason"]] for r in t.get("submissions", [])])
    out["评估日程"] = (["顺序", "环节", "开始", "结束", "备注"], [
        [i, r["name"], r["starts"], r["ends"], r["note"]]
        for i, r in enumerate(sorted(t.get("visit_stages", []), key=lambda r: (r["position"], r["id"])), 1)])
    edited = {r["key"]: r["text"] for r in t.get("survey_script", [])}
    script = survey.merge_script(survey.merge_script(fw.survey_script, {}), edited)
    out["回访话术"] = (["项目", "话术", "本次评估已修改"], [
        [survey.SCRIPT_LABELS[k], script[k], "是" if k in edited else ""] for k in survey.DEFAULT_SCRIPT])
    out["修改记录"] = _audit_sheet(t, fw)
    return out


def _audit_sheet(t: dict, fw) -> tuple[list[str], list[list]]:
    personal = {str(a["id"]) for a in t.get("attachments", []) if a["personal"]}
    personal |= {str(r["entity_key"]) for r in t["audit_log"]
                 if r["entity"] == "attachment" and '"personal": true' in (r["new"] or "")}
    member_names = {m["id"]: m["name"] for m in t["members"]}
    codes = audit_text.codes_for(fw, t["areas"])

    def said(r, text):
        return audit_text.describe(_hide_personal_file(audit_text.mask_people(text, r["entity"]), r, personal),
                                   member_names, r["entity"], codes)
    return (["编号", "时间", "操作人", "操作", "对象", "对象编号", "修改前", "修改后"], [
        [r["id"], (r["at"] or "").replace("T", " ")[:19], audit_text.actor_label(r["actor"]),
         labels.label(labels.AUDIT_ACTIONS, r["action"]), labels.label(labels.AUDIT_ENTITIES, r["entity"]),
         r["entity_key"], said(r, r["old"]), said(r, r["new"])]
        for r in t["audit_log"]])


def _attachment_rows(t: dict, who, section_name) -> list[list]:
    """The evidence list, attachments marked personal left out (they never reach Excel or the PDF);
    a last row says how many were left out."""
    owners = {
        "site_record": {r["id"]: f"{labels.label(labels.SITE_KINDS, r['kind'])}：{r['item']}" for r in t["site_records"]},
        "interview": {r["id"]: f"{labels.label(labels.INTERVIEW_GROUPS, r['group_code'])}：{r['role'] or mask_name(r['name'])}"
                      for r in t.get("interviews", [])},
        "finding": {r["id"]: f"{section_name(r['section_code'])}：{r['text'][:40]}" for r in t["findings"]},
    }
    rows, hidden = [], 0
    for a in t.get("attachments", []):
        if a["personal"]:
            hidden += 1
            continue
        kind = next(k for k, c in (("site_record", "site_record_id"), ("interview", "interview_id"),
                                   ("finding", "finding_id")) if a.get(c) is not None)
        owner_id = a[{"site_record": "site_record_id", "interview": "interview_id", "finding": "finding_id"}[kind]]
        rows.append([labels.label(labels.ATTACHMENT_OWNERS, kind), owners[kind].get(owner_id, ""), a["filename"],
                     labels.label(labels.ATTACHMENT_TYPES, a["mime"]), size_text(a["size"]), a["caption"],
                     who(a["member_id"]), a["created_at"]])
    if hidden:
        rows.append(["", "", f"另有 {hidden} 个附件标记为含个人信息，未列入本表", "", "", "", "", ""])
    return rows


def _allocation_text(text) -> str:
    try:
        alloc = json.loads(text or "{}")
    except (TypeError, ValueError):
        return ""
    return "；".join(f"{k}：{v['register']}/{v['sample']}/{v['reserve']}" for k, v in alloc.items())


def survey_results_of(t: dict) -> survey.SurveyResults:
    """The active sample's results from the tables of an export document (as core.survey.calls computes
    them from the database): used for the follow-up sheet."""
    sample = next((s for s in t["survey_samples"] if s["active"]), None)
    if sample is None:
        return survey.compute_results(None, [], {})
    clients = {c["id"]: c for c in t["clients"]}
    items = [dict(i, **{k: clients[i["client_id"]][k] for k in ("name", "phone", "community", "category")})
             for i in t["survey_items"] if i["sample_id"] == sample["id"] and i["client_id"] in clients]
    calls: dict = {}
    for c in sorted(t["survey_calls"], key=lambda c: (c["item_id"], c["attempt"])):
        calls.setdefault(c["item_id"], []).append(
            dict(c, awareness=json.loads(c["awareness"] or "{}"), satisfaction=json.loads(c["satisfaction"] or "{}")))
    area_of = survey.area_of_community(t["areas"])
    return survey.compute_results(sample, items, calls, register_size=len(clients), area_of=area_of)


def _section_of(fw, code):
    try:
        return fw.indicator(code).section_code
    except KeyError:
        return ""


def _points(fw, code):
    try:
        return fw.indicator(code).points
    except KeyError:
        return None


def _party_max(fw, code):
    try:
        return fw.party(code).max
    except KeyError:
        return None


def _kv(text):
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return text
    if isinstance(data, dict):
        return "；".join(f"{k}：{v}" for k, v in data.items())
    return text


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
INTEGER, DECIMAL, PERCENT = "0", "0.00", "0.00%"
# Text that is a figure: an integer (no leading zero, at most 15 digits, so no code or ID number is
# changed), a decimal, or a percentage as printed ("110.01%").
_NUMBER_TEXT = re.compile(r"^-?(?:0|[1-9]\d{0,14})(?:\.\d+)?$")
_PERCENT_TEXT = re.compile(r"^-?(?:0|[1-9]\d{0,14})(?:\.\d+)?%$")


def cell_value(v) -> tuple[object, str | None]:
    """(value, number format) of a cell: every figure a number, rounded half-up to 2 places as the report
    prints it (core.numbers), rates as fractions with 0.00%; texts stay texts; booleans 1/0."""
    if isinstance(v, Rate):
        return float(round_half_up(v.percent, 2) / 100), PERCENT
    if isinstance(v, bool):
        return int(v), INTEGER
    if isinstance(v, int):
        return v, INTEGER
    if isinstance(v, (Decimal, float)):
        return float(round_half_up(v, 2)), DECIMAL
    if isinstance(v, str):
        text = v.strip()
        if _PERCENT_TEXT.match(text):
            return cell_value(Rate(Decimal(text[:-1])))
        if _NUMBER_TEXT.match(text):
            return cell_value(int(text) if "." not in text else Decimal(text))
    return v, None


def _write_sheet(ws, header, body, scrub) -> None:
    ws.append(header)
    for c in ws[1]:
        c.font = _HEADER_FONT
        c.fill = _HEADER_FILL
    widths = [len(h) * 2 + 2 for h in header]
    for row in body:
        out, formats = [], []
        for i, v in enumerate(row):
            v, fmt = cell_value(v)
            if isinstance(v, str):
                v = neutralise(scrub(v))
                widths[i] = max(widths[i], min(60, len(v) * 2 + 2))
            out.append(v)
            formats.append(fmt)
        ws.append(out)
        for c, fmt in zip(ws[ws.max_row], formats):
            if fmt is not None:
                c.number_format = fmt
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, min(60, w))
    for r in ws.iter_rows(min_row=2):
        for c in r:
            if isinstance(c.value, str):
                c.data_type = "s"       # never a formula, whatever the text
                if len(c.value) > 30:
                    c.alignment = _WRAP
    ws.freeze_panes = "A2"


def workbook_bytes(doc: dict, result=None, scrub=None) -> bytes:
    buf = io.BytesIO()
    build_workbook(doc, result, scrub).save(buf)
    return buf.getvalue()


def export_xlsx(db, assessment_id: int) -> bytes:
    """The masked Excel workbook of an assessment, as bytes."""
    return workbook_bytes(export_assessment(db, assessment_id), _result(db, assessment_id),
                          scrubber(db, assessment_id))


# ---------- the download panel (报告与导出): each file on its own connection ----------

def _on_own_connection(path: str, assessment_id: int, member_id: int, what: str, build) -> bytes:
    db = open_db(path, migrated=False)
    try:
        record_export(db, assessment_id, member_id, what)
        return build(db)
    finally:
        db.conn.close()


def excel_download(path: str, assessment_id: int, member_id: int) -> bytes:
    """The masked workbook, built on its own connection; the download is logged (lead only)."""
    return _on_own_connection(path, assessment_id, member_id, "xlsx", lambda db: export_xlsx(db, assessment_id))


def json_download(path: str, assessment_id: int, member_id: int) -> bytes:
    """The JSON transfer file (real names and phones), built on its own connection; logged."""
    return _on_own_connection(path, assessment_id, member_id, "json", lambda db: export_json(db, assessment_id))


def backup_download(path: str, assessment_id: int, member_id: int) -> bytes:
    """A consistent copy of the whole database file; the download is logged."""
    return _on_own_connection(path, assessment_id, member_id, "backup", _backup.backup_bytes)


def download_panel(db, assessment_id: int) -> dict:
    """What the panel shows: the database file (for the downloads' own connections), the
    assessment's title (file names) and the backup's file name."""
    return {"path": _backup.db_file(db), "title": assessment_title(db, assessment_id),
            "backup_name": _backup.default_name()}


def backup_file(db_or_path, dest):
    """The CLI's backup: a consistent copy written to `dest` (db.backup)."""
    return _backup.backup(db_or_path, dest)
