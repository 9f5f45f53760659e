"""The pre-export check of the report: everything missing or inconsistent before the PDF is final.

Pure rules over the gathered ReportData (core.report.data): unscored cells, other parties'
scores, veto items, empty 建议, missing station and assessment fields, the survey not drawn
or unfinished, staffing and indicators missing, feedback not recorded, numbers typed into
the report's text that differ from the data, names or phones typed into free text, and the
reviewer's reading of every printed text (core.report.review: other stations' names, dates of
another term, contradicted claims, figures beside a known term).

A *blocking* item keeps the PDF a draft (「草稿」 watermark) and makes `python -m core check`
exit 1. Each item names the page where it is fixed (a key of pages._shared.PAGES).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Callable

from core.report import review
from core.report import words as report_text
from core.labels import ASSESSMENT_FIELDS, STATION_FIELDS
from core.numbers import fmt_number
from core.station.staffing import STAFFING_FIELDS

if TYPE_CHECKING:
    from core.report.data import ReportData


@dataclass(frozen=True)
class CheckItem:
    code: str          # stable key: 'unscored', 'closing_points', …
    message: str       # Chinese, names what is missing
    blocking: bool
    page: str          # where it is fixed: 'scoring', 'setup', 'station_data', 'register', 'survey', 'report', 'site_records'

    @property
    def label(self) -> str:
        return ("【须处理】" if self.blocking else "【提示】") + self.message


# The fields the report prints, named as the set-up page names them (core.labels).
REPORT_STATION_FIELDS = ("address", "operator", "purchaser", "supervisor", "district", "operating_since")
REPORT_ASSESSMENT_FIELDS = ("visit_date", "evaluator_org", "contract_start", "contract_end", "stats_start", "stats_end",
                            "funding_wan", "period_label")


def _dec(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def _figures(d: ReportData) -> list[tuple[re.Pattern, Callable[[re.Match], list[tuple[Decimal, Decimal | None, str]]]]]:
    """Patterns of figures people type into findings, and (typed, data, what) for each match."""
    reg = d.register or {}
    s = d.staffing or {}
    r = d.survey

    def one(what, data):
        return lambda m: [(_dec(m.group(1)), data, what)]

    out = []
    if reg:
        out += [
            (re.compile(r"(\d+)\s*户共\s*(\d+)\s*(?:位|名|人)"),
             lambda m: [(_dec(m.group(1)), Decimal(reg["households"]), "名册户数"),
                        (_dec(m.group(2)), Decimal(reg["persons"]), "名册人数")]),
            (re.compile(r"(\d+)\s*(?:个|名|位)\s*(?:重点服务对象|兜底对象)"), one("名册人数", Decimal(reg["persons"]))),
            (re.compile(r"空挂户\s*(\d+)\s*(?:人|名)"), one("空挂户人数", Decimal(reg["vacant_household"]))),
            (re.compile(r"人户分离\s*(\d+)\s*(?:人|名)"), one("人户分离人数", Decimal(reg["separated"]))),
        ]
    if s.get("retention") is not None:
        out.append((re.compile(r"稳岗率[^\d%。；]{0,6}(\d+(?:\.\d+)?)\s*%"), one("稳岗率（%）", Decimal(s["retention"]))))
    if r is not None and r.satisfaction_rate is not None:
        out.append((re.compile(r"满意度[^\d%。；]{0,6}(\d+(?:\.\d+)?)\s*%"),
                    one("总体满意度（%）", Decimal(r.satisfaction_rate))))
    return out


def typed_number_mismatches(d: ReportData, scrub: Callable[[str], str] | None = None) -> list[str]:
    """Each figure typed into the report's text (report items, the lead's texts, the parties' comments)
    that differs from what the data says, as a Chinese message naming the text and quoting the sentence."""
    scrub = scrub or (lambda x: x)
    names = {**report_text.TEXT_KEYS, **report_text.FEEDBACK_KEYS}
    out = []
    for pattern, compare in _figures(d):
        for t in d.printed:
            if t["where"] == "closing_points":
                continue
            for sentence in review.sentences(t["text"]):
                for m in pattern.finditer(sentence):
                    for typed, data, what in compare(m):
                        if typed is None or data is None or typed == data:
                            continue
                        where = names.get(t["where"], t["where"])
                        out.append(f"{where}：“{scrub(sentence)}”——{what} {fmt_number(typed)} 与数据（{fmt_number(data)}）不符")
    return list(dict.fromkeys(out))


# The staffing figures the report's 人员配置 paragraph and 附件2 rest on (the per-group attendance figures are
# optional: the sample report itself gives 非持证 attendance without a due figure).
STAFFING_NEEDED = ("required", "on_post", "cert_intermediate", "cert_assistant", "non_certified", "experienced",
                   "attendance_due", "attendance_actual", "training_due", "training_actual", "continuous")


def _names(rows: list[dict]) -> str:
    return "、".join(r.get("name") or "（无名称）" for r in rows)


def station_data_items(d: ReportData) -> list[CheckItem]:
    """The contract indicators without a target, a 中期 due figure or an actual, targets carried over and not
    confirmed, each staffing figure missing, and a team with no expert — each named."""
    out = []
    if not d.indicators:
        out.append(CheckItem("indicators", "协议指标完成情况尚未录入", True, "station_data"))
    no_target = [r for r in d.indicators if r.get("target") in (None, "")]
    if no_target:
        out.append(CheckItem("indicator_target", f"{len(no_target)} 项协议指标缺少协议指标量：{_names(no_target)}", True,
                             "station_data"))
    no_due = [r for r in d.indicators if r not in no_target and d.period is not None and r.get("due_target") is None]
    if no_due:
        out.append(CheckItem("indicator_due", f"{len(no_due)} 项协议指标的中期应完成量无法计算（合同期或统计截止日期未填写，"
                             f"也没有中期指标量）：{_names(no_due)}", True, "station_data"))
    no_actual = [r for r in d.indicators if r.get("actual") in (None, "")]
    if no_actual:
        out.append(CheckItem("indicator_actual", f"{len(no_actual)} 项协议指标尚未填写完成量：{_names(no_actual)}", True,
                             "station_data"))
    pending = [r for r in d.indicators if r.get("target_pending") and r not in no_target]
    if pending:
        out.append(CheckItem("indicator_pending", f"{len(pending)} 项协议指标的协议指标量从上期沿用，尚待与本期合同核对确认："
                             f"{_names(pending)}", True, "station_data"))
    if d.staffing is None:
        out.append(CheckItem("staffing", "人员配置（到岗、持证、继续教育、稳岗）尚未录入", True, "station_data"))
    else:
        missing = [STAFFING_FIELDS[k][0] for k in STAFFING_NEEDED if d.staffing.get(k) is None]
        if missing:
            out.append(CheckItem("staffing_fields", f"人员配置尚缺 {len(missing)} 项数字：{'、'.join(missing)}", True,
                                 "station_data"))
    if not d.expert_names:
        out.append(CheckItem("experts", "评估团队中还没有评估专家（只有组长），请在评估设置中添加专家并分配评分部分", True,
                             "setup"))
    return out


def check(d: ReportData, scrub: Callable[[str], str] | None = None) -> list[CheckItem]:
    """Every item missing or inconsistent, blocking ones first."""
    items: list[CheckItem] = []
    add = items.append

    pending = [c for c in d.result.cells if c.status == "pending"]
    if pending:
        area = {a["code"]: a["name"] for a in d.areas}
        names = "、".join(f"{c.indicator.code}{'（' + area.get(c.area_code, c.area_code) + '）' if c.area_code else ''}"
                         for c in pending[:8]) + ("等" if len(pending) > 8 else "")
        add(CheckItem("unscored", f"尚有 {len(pending)} 个评分单元未评分：{names}", True, "scoring"))
    for p in d.parties:
        if not p.computed and p.projected:
            add(CheckItem(f"party:{p.code}", f"{p.name}的评分尚未录入（最终得分为预计结果）", True, "report"))
    for v in d.veto:
        if not v["checked"]:
            add(CheckItem(f"veto:{v['code']}", f"一票否决项“{v['name']}”尚未检查", True, "report"))
    if not report_text.closing_points(d):
        add(CheckItem("closing_points", "结语中的发展建议为空（可先采用系统草拟的建议再修改）", True, "report"))
    missing = [STATION_FIELDS[k] for k in REPORT_STATION_FIELDS if not (d.station.get(k) or "")]
    missing += [ASSESSMENT_FIELDS[k] for k in REPORT_ASSESSMENT_FIELDS
                if d.assessment.get(k) is None or d.assessment.get(k) == ""]
    if missing:
        add(CheckItem("fields", "社工站或评估信息未填写：" + "、".join(missing), True, "setup"))
    if not d.areas:
        add(CheckItem("areas", "尚未划分服务片区", True, "setup"))
    items += station_data_items(d)
    if d.register is None:
        add(CheckItem("register", "重点服务对象名册尚未导入", True, "register"))
    if d.survey is None:
        add(CheckItem("survey", "满意度调查尚未抽样", True, "survey"))
    else:
        if d.survey.pending:
            add(CheckItem("survey_pending", f"满意度调查尚有 {d.survey.pending} 名服务对象未完成电话访问", True,
                          "survey"))
        if d.survey.register_changed:
            add(CheckItem("survey_register", "抽样后名册已被改动，与抽样时的名册校验值不一致", True, "survey"))
    unchecked = [r for r in d.recommendations if r.get("status") == "未核实"]
    if unchecked:
        add(CheckItem("rectification", f"{len(unchecked)} 条上期评估意见（从上期评估带入）尚未现场核实整改情况",
                      True, "site_records"))
    for label, block in report_text.feedback_missing(d):
        add(CheckItem("feedback", f"评估反馈“{label}”尚未记录", block, "report"))
    for msg in typed_number_mismatches(d, scrub):
        add(CheckItem("number", msg, True, "report"))
    for f in review.review(d, scrub):      # the reviewer's reading of every printed text
        add(CheckItem(f.code, f"{f.where}：“{f.sentence}”——{f.message}", f.blocking, f.page))

    if scrub is not None:
        texts = list(d.raw_items) + list(d.raw_texts.values())
        hits = sum(1 for t in texts if t and scrub(t) != t)
        if hits:
            add(CheckItem("personal", f"有 {hits} 段报告文字中写有服务对象的姓名或电话（报告中已自动脱敏，建议改写）",
                          False, "report"))
    if d.unsigned_names:
        add(CheckItem("signoff", f"{len(d.unsigned_names)} 位评估专家尚未提交评分（{'、'.join(d.unsigned_names)}），"
                      "报告落款只列出已提交评分的专家", False, "dashboard"))
    if not d.site_done:
        add(CheckItem("site", "现场记录（听取介绍、实地观察、查阅资料、访谈）尚未填写，评估方法中不会列出这些步骤", False,
                      "site_records"))
    if d.unevidenced:
        n = len(d.unevidenced)
        groups: dict[tuple[str, str], int] = {}
        for f in d.unevidenced:      # by section and author (the findings' text stays out of the message)
            groups[(f["where"], f["member_name"])] = groups.get((f["where"], f["member_name"]), 0) + 1
        listed = "、".join(f"{where} {k} 条" + (f"（{who}）" if who else "") for (where, who), k in groups.items())
        add(CheckItem("evidence", f"{n} 条“需要关注”意见没有证据附件（照片或扫描件）：{listed}", False, "scoring"))
    unpromoted = [r for r in d.record_concerns]
    if unpromoted:
        add(CheckItem("records", f"{len(unpromoted)} 条查阅资料发现的问题未转为意见，已按框架规则列入相应部分的“需要关注”",
                      False, "site_records"))
    return sorted(items, key=lambda i: not i.blocking)


def blocking(items: list[CheckItem]) -> list[CheckItem]:
    return [i for i in items if i.blocking]
