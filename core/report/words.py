"""The report's wording: numeric paragraphs written from the data, in the sample report's style.

Every figure comes from ReportData (nobody retypes a number): basic information
二(一), service progress 二(二), staffing for the section holding the staffing
indicator, survey for the section holding the satisfaction indicator, the grade
四, and 评估结果说明 with the framework's own weights and grade bands.
Fixed background texts follow the sample report with the station's names.
"""
from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING

from core.labels import FEEDBACK_KEYS, FINDING_KINDS, INTERVIEW_GROUPS, TEXT_KEYS  # noqa: F401 (TEXT_KEYS: pages read it here)
from core.numbers import D, fmt_number
from core.scoring.totals import projection_note
from core.station.indicators import due_basis_text
from core.survey.rules import MIN_SAMPLE
from core.survey.rules import OVERALL

if TYPE_CHECKING:  # the data classes live with the use case that gathers them
    from core.report.data import PartyReport, ReportData, SectionReport

NOT_RECORDED = "尚未记录"
CN_NUM = "一二三四五六七八九十"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def cn(n: int) -> str:
    """1 -> 一 … 10 -> 十, 11 -> 十一, 20 -> 二十."""
    if n <= 10:
        return CN_NUM[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUM[tens - 1] if tens > 1 else "") + "十" + (CN_NUM[ones - 1] if ones else "")


def circled(n: int) -> str:
    return CIRCLED[n - 1] if n <= len(CIRCLED) else f"({n})"


def num(x) -> str:
    return "" if x is None or x == "" else fmt_number(x)


def date_cn(iso: str | None, spaced: bool = True) -> str:
    """'2025-02-27' -> '2025 年 2 月 27 日' (or '2025年2月27日')."""
    if not iso:
        return "（未填写）"
    try:
        d = _dt.date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return f"{d.year} 年 {d.month} 月 {d.day} 日" if spaced else f"{d.year}年{d.month}月{d.day}日"


def list_cn(items: list[str]) -> str:
    """'a、b' for two, 'a、b 和 c' for three or more, as the sample report lists rates."""
    items = [i for i in items if i]
    if len(items) <= 2:
        return "、".join(items)
    return "、".join(items[:-1]) + " 和 " + items[-1]


def _strip_city(org: str) -> str:
    return re.sub(r"^广州市", "", org or "")


def supervisor_short(d: ReportData) -> str:
    return _strip_city(d.station.get("supervisor", "")) or "监督方"


def purchaser_short(d: ReportData) -> str:
    s = _strip_city(d.station.get("purchaser", ""))
    district = d.station.get("district") or ""
    s = s[len(district):] if district and s.startswith(district) else s
    # 白云区人民政府石井街道办事处 -> 石井街道办事处 (not "人民政府石井街道办事处", not cut inside a name)
    return re.sub(r"^人民政府(?=.+(街道办事处|镇人民政府|街道))", "", s) or "购买方"


def text(d: ReportData, key: str) -> str:
    """The lead's text for `key`, or the app's default wording."""
    return (d.texts.get(key) or "").strip() or DEFAULTS[key](d)


def rules(d: ReportData):
    return d.framework.report_rules


def threshold(d: ReportData, key: str) -> Decimal:
    return rules(d).threshold(key)


def meets(d: ReportData, key: str, value) -> bool | None:
    """True when a figure reaches the framework's threshold, False below it, None when not known."""
    if value is None:
        return None
    return Decimal(str(value)) >= threshold(d, key)


def pct(x) -> str:
    return f"{num(x)}%"


def visit_days(d: ReportData) -> int | None:
    """Days on site: the lead's 现场评估天数, else one day when a visit date is recorded, else unknown."""
    raw = (d.texts.get("visit_days") or "").strip()
    if raw.isdigit() and 0 < int(raw) < 100:
        return int(raw)
    return 1 if d.assessment.get("visit_date") else None


def other_parties(d: ReportData) -> list[PartyReport]:
    return [p for p in d.parties if not p.computed]


# ---------- cover and 一、评估背景 ----------

def title_lines(d: ReportData) -> list[str]:
    """The cover title in two lines: the station, then the kind of report."""
    a, st = d.assessment, d.station
    return [f"{a['period_label']}{st['district']}{st['name']}", f"{a['kind']}评估报告"]


def cover_lines(d: ReportData) -> list[tuple[str, str]]:
    st = d.station
    return [("项目监督方", st.get("supervisor") or ""), ("项目购买方", st.get("purchaser") or ""),
            ("项目承办方", st.get("operator") or ""), ("项目评估方", d.assessment.get("evaluator_org") or ""),
            ("评估日期", date_cn(d.assessment.get("visit_date"), spaced=False))]


def team_phrase(d: ReportData) -> str:
    s = f"{d.expert_count} 位评估专家"
    return s + (f"及 {d.staff_count} 名工作人员" if d.staff_count else "")


def _forms(d: ReportData) -> list[str]:
    """The forms of work actually recorded, in the sample report's words."""
    done = d.site_done
    out = []
    if "intro" in done:
        out.append("听取社工站介绍")
    if "observation" in done:
        out.append("实地考察")
    if "document" in done:
        out.append("查阅资料")
    if interviewed(d):
        out.append("面谈（访谈）")
    if d.survey is not None:
        out.append("填写问卷")
    return out


def preface(d: ReportData) -> str:
    st, k, short = d.station, d.assessment["kind"], d.short_name
    days = visit_days(d)
    span = f"为期{cn(days)}天的" if days else ""
    forms = [f for f in ("实地考察" if "observation" in d.site_done else "",
                         "访谈" if interviewed(d) else "",
                         "查阅资料" if "document" in d.site_done else "") if f]
    how = f"{'、'.join(forms)}等形式的" if forms else ""
    return (f"{st['name']}（简称{short}）{k}报告，是专业评估人员通过对{short}项目服务的全面调查、综合分析和科学判断，"
            f"确定目标是否可行，总结服务开展情况，以及服务成效体现的总结文书。经过 {team_phrase(d)}对{short}展开{span}"
            f"{how}评估，形成此报告。{short}可以将此报告作为参考，进行服务完善和提升，"
            "从多方面扎实服务基础，拓展服务面，提升服务的专业化水平。本报告尽量呈现社工站的实际情况，因评估时间较短的关系，"
            "社工站部分服务成效不完全体现在报告中。")


def background_intro(d: ReportData) -> str:
    a, st = d.assessment, d.station
    days = visit_days(d)
    forms = _forms(d)
    s = (f"{date_cn(a.get('visit_date'))}，{a.get('evaluator_org') or '评估方'}组织 {team_phrase(d)}对"
         f"{st.get('district', '')}{d.short_name}展开了{a['kind']}评估工作。")
    if days:
        s += f"评估为期 {days} 天，"
    if forms:
        s += (f"主要通过{'、'.join(forms)}等形式，对{d.short_name}的项目管理、服务开展情况以及项目成效等方面进行评估。"
              "评估团队主要完成了以下几方面的工作：")
    else:
        s += "现场评估工作（听取介绍、实地观察、查阅资料、访谈、满意度调查）尚未记录。"
    return s


# Interview groups in the method's words: the service interview (社工, 服务对象, 合作方/居委, 街道)
# and the organisation interview (机构管理人员); counts come from the interview notes.
SERVICE_GROUPS = {g: INTERVIEW_GROUPS[g] for g in ("worker", "client", "partner", "street")}
ORG_GROUPS = ("manager",)


def interviewed(d: ReportData) -> bool:
    """Any interview recorded: an interview note with content, or (older records) a note per group."""
    return bool(d.interviews) or "interview" in d.site_done


def _interviews(d: ReportData) -> tuple[bool, bool]:
    """(service interviews recorded, organisation interviews recorded)."""
    items = d.site_done.get("interview", [])
    org = any("机构" in i for i in items) or any(d.interviews.get(g) for g in ORG_GROUPS)
    service = any("机构" not in i for i in items) or any(d.interviews.get(g) for g in SERVICE_GROUPS)
    return service, org


def _service_interview_step(d: ReportData) -> str:
    who = [f"{d.interviews[g]} 名{noun}" for g, noun in SERVICE_GROUPS.items() if d.interviews.get(g)]
    if not who:   # recorded as one note per group (no per-interviewee notes): the sample report's words
        return "服务访谈。与相关社工进行访谈，了解社工站、社工点服务推进情况，了解社工对服务项目的理解，以及开展服务的总结反思。"
    people = "、".join(who[:-1]) + f"及 {who[-1]}" if len(who) > 1 else who[0]
    tail = ("了解社工站、社工点服务推进情况，了解社工对服务项目的理解，以及开展服务的总结反思。" if d.interviews.get("worker")
            else "了解社工站服务开展情况及成效。")
    return f"服务访谈。与 {people}进行访谈，{tail}"


def _org_interview_step(d: ReportData) -> str:
    n = sum(d.interviews.get(g, 0) for g in ORG_GROUPS)
    who = f" {n} 名承办机构管理人员及行政人员" if n else "承办机构管理人员及行政人员"
    return f"机构运营访谈。主要与{who}进行访谈，了解机构运营情况，查看机构行政配套制度等情况。"


def process_steps(d: ReportData) -> list[str]:
    """The method steps that were done (recorded), in the sample report's order and words."""
    done = d.site_done
    service, org = _interviews(d)
    steps = []
    if "intro" in done:
        steps.append("听取介绍。由社工站项目负责人介绍社工站的运营及服务情况、各项指标完成情况。")
    if "observation" in done:
        steps.append("实地观察。主要针对社工站硬件建设情况方面进行考察，以评估其设施开展专业服务的适宜性。")
    if "document" in done:
        steps.append("查阅资料。查阅社工站行政、人事管理制度及专业服务记录等方面资料。")
    if service:
        steps.append(_service_interview_step(d))
    if org:
        steps.append(_org_interview_step(d))
    if d.survey is not None:
        steps.append(
            f"服务对象满意度。随机抽取不少于 {MIN_SAMPLE} 名服务对象开展服务满意度调查（困难群众和特殊困难群体总人数低于 "
            f"{MIN_SAMPLE} 的，按照困难群众和特殊群体实际总人数开展全覆盖满意度调查），针对个人或家庭问题解决、能力提升、"
            "支持网络增强等情况进行综合评价。")
    if any((d.texts.get(k) or "").strip() for k in ONSITE_KEYS):
        steps.append("总结反馈。由评估专家团队对评估进行总结，与社工站社工进行反馈，听取街道办事处（镇人民政府）购买方对社工站"
                     "工作开展的意见和建议，了解社工站同事对本次活动的反馈。")
    return steps


def basis(d: ReportData) -> list[str]:
    """评估依据: the framework's own policy basis."""
    return list(rules(d).basis)

PRINCIPLES = [
    "真实诚信原则：评估要求项目运营方必须以实事求是的态度对待评估，本着诚实守信的原则，提供和展示能够真实、客观反映其项目运营"
    "状况的依据和有效资料，以供评估小组考察。",
    "客观公正原则：评估要求所有评估专家恪守“客观公正的第三方”评估者角色，依据事实和真实情况给出客观、中肯评价意见或结论。",
    "证据为本原则：评估要求项目运营方应提供有事实依据的证明资料或记录，来展示其项目运营的真实状况和成效；同时，评估要求所有"
    "评估专家以真实有效的工作痕迹记录为依据，做出客观公正的专业评估分析和判断。",
    "以评促进原则：评估要求评估专家要本着提高项目运营质量和优化服务成效的目标原则实施评估活动，给出评估指导意见，评估意见应"
    "具体、清晰、可行，能够切实指导项目运营团队持续改善服务成效和质量。",
    "回避监督原则：评估要求评估专家在评估前与被评估方有单独接触、有利益关系或冲突的，均应回避；被评估方有权监督评估团队的评估"
    "工作，并有权提出合理异议或回避要求，以免评估失去公正性和可信度。",
    "保密尊重原则：评估要求评估专家应尊重和保护其工作中所接触、发现或遇到的涉及服务对象隐私权等所有受法律保护的事项，并依法负有"
    "保密职责；评估要求评估专家在评估过程中应尊重被评估方的所有原创性专业技术、方法等成果，并依法负有保密职责。",
]


def _others_named(d: ReportData) -> list[str]:
    """The framework's other parties as the stage texts name them (supervisor and purchaser by the
    station's organisations, any other party — e.g. 督导中心 — by its framework name)."""
    out = []
    for p in other_parties(d):
        if p.code == "supervisor":
            out.append(supervisor_short(d))
        elif p.code == "purchaser":
            out.append(purchaser_short(d))
        else:
            out.append(p.label)
    return out


def stages(d: ReportData) -> list[tuple[str, str]]:
    s, k = d.short_name, d.assessment["kind"]
    sup, pur = supervisor_short(d), purchaser_short(d)
    extra = [n for n in _others_named(d) if n not in (sup, pur)]
    who = "、".join([sup, pur, s][:-1]) + (f"、{s}以及{'、'.join(extra)}" if extra else f"以及{s}")
    return [
        ("自我评审阶段", f"{s}结合{rules(d).standard}和签订的服务协议，逐项对照，准备材料，结合实际进行"
                     "自我评估，并完成自评报告的报送工作。"),
        ("实地评估阶段", f"评估小组对{s}提供的材料进行审阅，实地考察，进行现场评估并打分。评估小组根据公平、公正的原则，严格按照"
                     f"评估要求，对{s}进行评估工作。"),
        ("报告反馈阶段", f"根据{s}的实际情况，综合各评估专家的意见和建议，形成{s}{k}评估报告意见初稿，发送给{sup}及{s}，"
                     f"并由{s}转发给{pur}。"),
        (f"出具{k}评估报告阶段", f"结合{who}的反馈意见，形成最终报告，发给{sup}，并由{sup}转发给"
                            f"{pur}和{s}。"),
    ]


def contents(d: ReportData) -> list[str]:
    """评估内容 with the framework's sections, standard and parties."""
    parties = [f"项目{p.label}" if p.code in ("purchaser", "supervisor") else p.label for p in other_parties(d)]
    sections = "、".join(s.name for s in d.sections)
    merged = (f"，同时通过整合{list_cn(parties).replace(' 和 ', '和')}评估意见，综合对社工站项目进行评估" if parties
              else "，综合对社工站项目进行评估")
    return [
        "运营管理情况评估：主要从社工站人员管理、行政管理、继续教育等方面进行评估。",
        f"服务评估：根据{rules(d).standard}，结合社工站与街道办事处（镇人民政府）签订的三方协议规定开展的服务内容，"
        f"从{sections}等方面开展评估工作{merged}。",
    ]


def result_explanation(d: ReportData) -> str:
    """评估结果说明 with the weights and grade bands the framework actually uses."""
    fw = d.framework
    shares = "、".join(f"{p.name}占比 {num(p.share)}%" for p in d.parties)
    n = len(d.parties)
    grades = list(fw.grades)
    bands = []
    for i, g in enumerate(grades):
        lo = num(g.min)
        if i == 0:
            bands.append(f"{lo} 分以上为{g.name}")
        elif i == len(grades) - 1:
            hi = num(grades[i - 1].min)
            bands.append(f"{hi} 分以下（不含 {hi} 分）为{g.name}")
        else:
            hi = num(grades[i - 1].min)
            bands.append(f"{lo} 分至 {hi} 分（不含 {hi} 分）为{g.name}")
    s = (f"评估总分为 100 分，其中，{shares}。评估结果由{cn(n)}方评估分数的总和确定。"
         f"评估等级分为{'、'.join(g.name for g in grades)}{cn(len(grades))}个等级，{'，'.join(bands)}。")
    for v in fw.veto:
        s += f"{v.name}实行一票否决：{v.description or v.name + '不通过则评估等级为' + grades[-1].name}。"
    return s


# ---------- 二、评估总结 ----------

def basic_info(d: ReportData) -> list[str]:
    st, a = d.station, d.assessment
    # The station's list, plus any community named only in a 片区 (set-up may fill either).
    comms = list(dict.fromkeys([*(st.get("communities") or []),
                                *(c for area in d.areas for c in area.get("communities") or [])]))
    since = st.get("operating_since") or ""
    m = re.match(r"(\d{4})-(\d{1,2})", since)
    since_cn = f"{m.group(1)} 年 {int(m.group(2))} 月" if m else since
    paras = [f"{d.short_name}位于{st.get('address') or '（地址未填写）'}，辖内共有 {len(comms)} 个社区，划分为 "
             f"{len(d.areas)} 个服务片区。" + (f"于 {since_cn}开始，" if since_cn else "")
             + f"由{st.get('operator') or '承办机构'}负责运营。"]
    s = d.staffing
    if s and s.get("on_post") is not None:
        p = f"截至 {date_cn(a.get('stats_end'))}，社工站配备社工 {num(s['on_post'])} 名"
        if s.get("certified") is not None:
            p += (f"，其中持证社工 {num(s['certified'])} 名（中级社工师资格 {num(s.get('cert_intermediate') or 0)} 名，"
                  f"助理社工师资格 {num(s.get('cert_assistant') or 0)} 名）")
        if s.get("non_certified") is not None:
            p += f"，非持证社工 {num(s['non_certified'])} 名"
        paras.append(p + "。")
    money = f"本社工站服务经费为 {num(a['funding_wan'])} 万元，" if a.get("funding_wan") is not None else "本社工站"
    paras.append(f"{money}项目合同期为 {date_cn(a.get('contract_start'))}至 {date_cn(a.get('contract_end'))}。"
                 f"评估统计时间为 {date_cn(a.get('stats_start'))}至 {date_cn(a.get('stats_end'))}。")
    return paras


# Sentence form of the usual contract indicators: name -> (family, phrase when it opens a
# clause, phrase when it follows the same family). {v} value, {u} unit.
_PHRASES = {
    "电话访问": ("visit", "完成电话访问 {v} {u}", "电话访问 {v} {u}"),
    "入户探访": ("visit", "完成入户探访 {v} {u}", "入户探访 {v} {u}"),
    "个案接案": ("case", "专业个案接案 {v} {u}", "接案 {v} {u}"),
    "个案服务节数": ("case", "专业个案服务 {v} {u}", "服务 {v} {u}"),
    "个案结案": ("case", "专业个案结案 {v} {u}", "结案 {v} {u}"),
    "小组": ("group", "完成小组 {v} {u}", "小组 {v} {u}"),
    "小组节数": ("group", "完成小组 {v} {u}", "{v} {u}"),
    "小组服务人次": ("group", "小组服务 {v} {u}", "服务 {v} {u}"),
    "大型社区活动": ("large", "完成大型社区活动 {v} {u}", "大型社区活动 {v} {u}"),
    "大型社区活动服务人次": ("large", "大型社区活动服务 {v} {u}", "服务 {v} {u}"),
    "中小型社区活动": ("small", "完成中小型社区活动 {v} {u}", "中小型社区活动 {v} {u}"),
    "中小型社区活动服务人次": ("small", "中小型社区活动服务 {v} {u}", "服务 {v} {u}"),
    "新登记志愿者": ("volunteer", "新登记志愿者 {v} {u}", "新登记志愿者 {v} {u}"),
    "志愿者骨干": ("volunteer", "培育志愿者骨干 {v} {u}", "培育志愿者骨干 {v} {u}"),
    "志愿者队伍": ("volunteer", "发展志愿者队伍 {v} {u}", "发展志愿者队伍 {v} {u}"),
}


def midterm(d: ReportData) -> bool:
    """A 中期 report: judged against the targets due by its statistics date, worded as progress."""
    return getattr(d, "period", None) is not None


def mid_words(d: ReportData, key: str, **values) -> str:
    """One of the framework's 中期 sentences (report.midterm) with its placeholders filled from the data."""
    base = dict(station=d.short_name, date=date_cn(d.assessment.get("stats_end")), basis=due_basis(d),
                threshold=pct(threshold(d, "progress")))
    return rules(d).midterm[key].format(**{**base, **values})


def due_basis(d: ReportData) -> str:
    """'按合同期已过 50.41% 折算' / '按合同约定的中期指标量' for a 中期, '' for a 末期."""
    return due_basis_text(d.indicators, d.period)


def rated_indicators(d: ReportData) -> tuple[list[dict], list[dict]]:
    """(the indicators with a rate, those of them short): below the completion threshold for a 末期, below the
    progress threshold (of the target due by the statistics date) for a 中期."""
    rated = [r for r in d.indicators if r.get("rate") is not None]
    key = "progress" if midterm(d) else "completion"
    return rated, [r for r in rated if not meets(d, key, r["rate"])]


def progress_paragraph(d: ReportData) -> str:
    """二(二): every contract indicator with its completion rate, grouped as the sample report does (a 中期:
    the rate of the target due by its statistics date, and how that target was set)."""
    if not d.indicators:
        return "社工站尚未录入协议指标完成情况。"
    clauses: list[tuple[str, list[str], list[str]]] = []   # (family, phrases, rates)
    for r in d.indicators:
        name = (r.get("name") or "").strip()
        fam, first, follow = _PHRASES.get(name, (name, f"完成{name} {{v}} {{u}}", f"{name} {{v}} {{u}}"))
        v, u = num(r.get("actual")) or "—", r.get("unit") or ""
        if clauses and clauses[-1][0] == fam:
            clauses[-1][1].append(follow.format(v=v, u=u).strip())
            clauses[-1][2].append(r["rate_text"])
        else:
            clauses.append((fam, [first.format(v=v, u=u).strip()], [r["rate_text"]]))
    of = rules(d).midterm["rate_phrase"] if midterm(d) else "协议指标量"
    parts = []
    for _, phrases, rates in clauses:
        lead = f"分别完成{of}的 " if len(rates) > 1 else f"完成{of}的 "
        parts.append("，".join(phrases) + "，" + lead + list_cn(rates))
    if midterm(d):
        basis = due_basis(d)
        return ("截至" + date_cn(d.assessment.get("stats_end")) + "，社工站共" + "；".join(parts) + "。（" + of
                + (f"{basis}；" if basis else "；") + "以上数据由社工站提供，各项目指标的全年协议指标量、中期应完成量及完成情况见附件 1）")
    return "社工站共" + "；".join(parts) + "。（以上数据由社工站提供，各项目指标完成情况见附件 1）"


def progress_comment_default(d: ReportData) -> str:
    """二(二)'s summary: the sample's sentence when every indicator reaches the framework's completion
    threshold, otherwise the indicators that fall short, by name and rate (a 中期: the framework's 中期 wording,
    on schedule or behind it)."""
    rated, short = rated_indicators(d)
    if not rated:
        return ""
    named = "、".join(f"{r['name']}（{r['rate_text']}）" for r in short)
    if midterm(d):
        if not short:
            return mid_words(d, "progress_good")
        return mid_words(d, "progress_short", total=len(rated), done=len(rated) - len(short), items=named,
                         short=len(short))
    if not short:
        return (f"从以上数据可知，{d.short_name}各项工作指标完成情况良好，在服务进度方面整体把握到位。")
    if len(short) == len(rated):          # never "15 项…中 0 项已完成"
        return f"从以上数据可知，{d.short_name} {len(rated)} 项协议指标均未达到协议指标量：{named}，需要关注。"
    s = f"从以上数据可知，{d.short_name} {len(rated)} 项协议指标中"
    return (s + f" {len(rated) - len(short)} 项已完成或超额完成，" + named + f" {len(short)} 项未达到协议指标量，需要关注。")


def _mid_item(d: ReportData, r: dict) -> str:
    return mid_words(d, "item", name=r["name"], actual=num(r.get("actual")), unit=r.get("unit") or "",
                     due=num(r.get("due_target")), rate=r["rate_text"], target=num(r.get("target")),
                     annual_rate=r["annual_rate_text"])


def completion_items(d: ReportData, kind: str) -> list[str]:
    """For the section holding the contract-completion indicator: all met (值得肯定) or the ones short (需要关注);
    a 中期 in the framework's 中期 wording (progress against the targets due, what to do by 末期)."""
    rated, short = rated_indicators(d)
    if not rated:
        return []
    if midterm(d):
        if kind == "strength":
            return [] if short else [mid_words(d, "strength", total=len(rated))]
        return [mid_words(d, "concern", short=len(short), items="；".join(_mid_item(d, r) for r in short))] if short else []
    t = pct(threshold(d, "completion"))
    if kind == "strength":
        return [] if short else [f"协议指标完成方面，{len(rated)} 项协议指标的完成率均达到 {t}（以上数据由社工站提供，见附件 1）。"]
    if not short:
        return []
    return [f"协议指标完成方面，{len(short)} 项协议指标的完成率低于 {t}：" +
            "；".join(f"{r['name']}完成 {num(r.get('actual'))} {r.get('unit') or ''}，完成协议指标量的 {r['rate_text']}"
                     for r in short) + "。建议社工站分析原因，在后续服务中补足。"]


def _staffing_clauses(d: ReportData) -> tuple[list[str], list[str]]:
    """The staffing figures as clauses, each placed by the framework's threshold: (strengths, concerns)."""
    s = d.staffing
    good: list[str] = []
    bad: list[str] = []
    if not s:
        return good, bad
    req = num(s.get("required"))
    if s.get("certified") is not None:
        c = (f"持证社工 {num(s['certified'])} 人（中级社工师 {num(s.get('cert_intermediate') or 0)} 人，"
             f"助理社工师 {num(s.get('cert_assistant') or 0)} 人），持证社工占协议要求配备社工总数（{req} 人）的 "
             f"{s['cert_ratio_text']}")
        ok = meets(d, "cert_ratio", s.get("cert_ratio"))
        (good if ok or ok is None else bad).append(c + ("" if ok or ok is None else f"，低于 {pct(threshold(d, 'cert_ratio'))} 的要求"))
    if s.get("experienced") is not None:
        c = f"从业两年以上社工 {num(s['experienced'])} 人，占协议要求配备社工总数（{req} 人）的 {s['experience_ratio_text']}"
        ok = meets(d, "experience_ratio", s.get("experience_ratio"))
        (good if ok or ok is None else bad).append(
            c + ("" if ok or ok is None else f"，低于 {pct(threshold(d, 'experience_ratio'))} 的要求"))
    att = []
    if s.get("attendance_due") is not None:
        att.append(f"社工总人数应到 {num(s['attendance_due'])} 人次，实到 {num(s.get('attendance_actual'))} 人次")
    if s.get("attendance_cert_due") is not None:
        att.append(f"持证社工应到 {num(s['attendance_cert_due'])} 人次，实到 {num(s.get('attendance_cert_actual'))} 人次")
    if s.get("attendance_noncert_actual") is not None:
        due = s.get("attendance_noncert_due")
        att.append(f"非持证社工应到 {num(due)} 人次，实到 {num(s['attendance_noncert_actual'])} 人次" if due is not None
                   else f"非持证社工 {num(s['attendance_noncert_actual'])} 人次")
    if att:
        ok = meets(d, "attendance_rate", s.get("attendance_rate"))
        (good if ok or ok is None else bad).append(
            "；".join(att) + ("" if ok or ok is None else
                             f"；社工总到岗率 {s.get('attendance_rate_text')}，低于 {pct(threshold(d, 'attendance_rate'))} 的要求"))
    if s.get("training_due") is not None:
        c = (f"继续教育方面，社工按评估进度要求需完成培训 {num(s['training_due'])} 小时，实际完成时数 "
             f"{num(s.get('training_actual'))} 小时，达标率 {s['training_rate_text']}")
        ok = meets(d, "training_rate", s.get("training_rate"))
        (good if ok or ok is None else bad).append(
            c + ("" if ok or ok is None else f"，低于 {pct(threshold(d, 'training_rate'))} 的要求"))
    return good, bad


def staffing_strength(d: ReportData) -> str | None:
    """The staffing figures that reach the framework's thresholds, first under 值得肯定 of their section."""
    s = d.staffing
    if not s:
        return None
    good, bad = _staffing_clauses(d)
    parts = []
    head = f"社工站目前配备社工总人数 {num(s['on_post'])} 人" if s.get("on_post") is not None else ""
    if good or (head and not bad):
        text = head
        for g in good:
            if not text:
                text = g
            elif g.startswith("持证"):
                text += "，其中" + g
            elif g.startswith("从业"):
                text += "，" + g
            else:
                text += "。" + g
        parts.append("人员配置和管理方面，" + text + "。")
    ret = s.get("retention")
    if ret is not None and meets(d, "retention", ret):
        parts.append(f"评估期内社工站持续在岗 {num(s['continuous'])} 人，稳岗率达 {s['retention_text']}。")
    return "".join(parts) or None


def staffing_concern(d: ReportData) -> str | None:
    """The staffing figures below the framework's thresholds (certified and experienced shares, 到岗率,
    继续教育, 稳岗率), under 需要关注."""
    s = d.staffing
    if not s:
        return None
    good, bad = _staffing_clauses(d)
    parts = []
    if bad:
        head = f"社工站目前配备社工总人数 {num(s['on_post'])} 人，" if s.get("on_post") is not None and not good else ""
        parts.append("人员配置方面，" + head + "；".join(bad) + "。")
    ret = s.get("retention")
    if ret is not None and not meets(d, "retention", ret):
        parts.append(f"人员稳定性方面，评估期内社工站持续在岗 {num(s['continuous'])} 人，占协议要求配备社工总数"
                     f"（{num(s['required'])} 人）的比例即稳岗率仅达 {s['retention_text']}，低于 "
                     f"{pct(threshold(d, 'retention'))} 的要求。")
    return "".join(parts) or None


def _sample_sentence(r) -> str:
    who = (f"对名册内全部 {r.sample_size} 名服务对象开展了全覆盖满意度调查" if r.everyone
           else f"随机抽取 {r.sample_size} 名服务对象开展了满意度调查")
    return f"在满意度调查方面，依据社工站提供的服务对象名册，{who}（抽样随机种子及名册校验值见附件 3）。"


def _dissatisfied(r) -> int:
    b = (r.breakdown or {}).get(OVERALL) or {}
    return int(b.get("不满意", 0) or 0) + int(b.get("非常不满意", 0) or 0)


def survey_strength(d: ReportData) -> str | None:
    """The survey's figures that reach the framework's thresholds (satisfaction, awareness)."""
    r = d.survey
    if r is None:
        return None
    parts = []
    sat_ok = meets(d, "satisfaction", r.satisfaction_rate) if r.reached else None
    if sat_ok:
        parts.append(_sample_sentence(r) + f"调查结果显示，受访服务对象的总体满意度为 {r.satisfaction_text}（成功访问 "
                     f"{r.reached} 人，其中 {r.satisfied} 人表示满意或非常满意；{r.satisfaction_interval_text}）。")
    if r.reached and meets(d, "awareness", r.awareness_rate):
        parts.append(f"服务知晓度方面，{r.aware} 名受访者知晓社工站地址、服务内容等 5 项中的 3 项以上，知晓度为 "
                     f"{r.awareness_text}（{r.awareness_interval_text}）。")
    return "".join(parts) or None


def survey_concern(d: ReportData) -> str | None:
    """Satisfaction or awareness below the thresholds; clients who did not know the social worker, were
    dissatisfied, unreachable, refused or are still pending (counts; masked names in 附件 3)."""
    r = d.survey
    if r is None:
        return None
    parts = []
    if not r.reached:
        parts.append(_sample_sentence(r) + "截至报告生成时尚无成功访问的服务对象，满意度尚无法统计。")
    elif not meets(d, "satisfaction", r.satisfaction_rate):
        parts.append(_sample_sentence(r) + f"调查结果显示，受访服务对象的总体满意度为 {r.satisfaction_text}（成功访问 "
                     f"{r.reached} 人，其中 {r.satisfied} 人表示满意或非常满意；{r.satisfaction_interval_text}），低于 "
                     f"{pct(threshold(d, 'satisfaction'))} 的要求。")
    if r.reached and r.awareness_rate is not None and not meets(d, "awareness", r.awareness_rate):
        parts.append(f"服务知晓度为 {r.awareness_text}（{r.aware} 名受访者知晓 5 项中的 3 项以上；{r.awareness_interval_text}），低于 "
                     f"{pct(threshold(d, 'awareness'))} 的要求，建议加强社工站服务的宣传。")
    own = sum(1 for x in r.knows_worker_no if x.get("respondent") != "家属")
    family = sum(1 for x in r.knows_worker_no if x.get("respondent") == "家属")
    bits = []
    if own or family:
        who = "及".join(([f"{own}名服务对象"] if own else []) + ([f"{family}名服务对象家属"] if family else []))
        bits.append(f"有{who}表示不了解社工")
    if r.unreachable:
        bits.append(f"{'另' if bits else ''}有{r.unreachable}名服务对象经两次电话联系均未能接通")
    unhappy = _dissatisfied(r)
    if unhappy:
        bits.append(f"{'另' if bits else ''}有{unhappy}名受访者对社工站服务表示不满意")
    if r.refused:
        bits.append(f"{'另' if bits else ''}有{r.refused}名服务对象拒绝访问")
    if r.pending:
        bits.append(f"尚有{r.pending}名服务对象未完成电话访问")
    if bits:
        parts.append("在满意度调查过程中，" + "，".join(bits) + "（已脱敏名单见附件 3）。")
    return "".join(parts) or None


def register_paragraph(d: ReportData, area_code: str = "") -> tuple[str, str] | None:
    """(kind, text): the register's statistics counted from the register, for the whole station or a 片区;
    under 值得肯定 when the register is complete enough (framework threshold), else 需要关注."""
    reg = d.register_by_area.get(area_code) if area_code else d.register
    if not reg or not reg.get("persons"):
        return None
    comms = "、".join(f"{c} {v['households']} 户 {v['persons']} 人" for c, v in reg["by_community"].items())
    where = "该片区" if area_code else "社工站"
    text = (f"重点服务对象名册统计，{where}名册共登记重点服务对象 {reg['households']} 户 {reg['persons']} 人"
            + (f"（{comms}）" if comms else "") + f"，其中备注为空挂户 {reg['vacant_household']} 人、人户分离 "
            f"{reg['separated']} 人")
    share = Decimal(reg["complete"]) * 100 / Decimal(reg["persons"])
    if meets(d, "register_complete", share):
        return "strength", text + "；名册中每人均登记了户号、对象类别和联系电话。"
    missing = reg["persons"] - reg["complete"]
    return "concern", text + f"；其中 {missing} 人的户号、对象类别或联系电话未登记完整，建议完善名册。"


def rectification_concerns(d: ReportData, section_code: str) -> list[str]:
    """Previous recommendations not (fully) rectified, as concerns of their section (unless a finding
    already draws on them). A recommendation without a station-wide section goes to the default section."""
    rules_ = rules(d)
    station_codes = {s.code for s in d.sections if s.scope != "area"}
    out = []
    for r in d.recommendations:
        if r.get("status") not in ("未整改", "部分整改") or r.get("covered"):
            continue
        target = r.get("section_code") if r.get("section_code") in station_codes else rules_.document_section("")
        if target != section_code:
            continue
        t = f"上期评估意见整改方面，“{r['text'].strip().rstrip('。')}”{r['status']}"
        if (r.get("evidence") or "").strip():
            t += f"：{r['evidence'].strip().rstrip('。')}"
        out.append(t + "。建议社工站继续落实整改。")
    return out


def rectification_summary(d: ReportData) -> str:
    recs = d.recommendations
    if not recs:
        return "本期评估未录入上期评估意见。"
    from collections import Counter

    c = Counter(r.get("status") for r in recs)
    return (f"上期评估共提出意见 {len(recs)} 条，本期核查：已整改 {c['已整改']} 条，部分整改 {c['部分整改']} 条，"
            f"未整改 {c['未整改']} 条" + (f"，尚未核实 {c['未核实']} 条" if c["未核实"] else "")
            + "。未整改及部分整改的意见已写入相应部分的“需要关注的地方”。")


def section_items(d: ReportData, sec: SectionReport, block_index: int, kind: str) -> list[str]:
    """A block's items: the app's paragraphs placed by the framework's rules first, then the lead's items;
    查阅资料 problems and not-rectified previous recommendations close the 需要关注 list."""
    b = sec.blocks[block_index]
    items = list(b.strengths if kind == "strength" else b.concerns)
    auto: list[str | None] = []
    if "register" in sec.suggests:
        reg = register_paragraph(d, b.area_code if sec.scope == "area" else "")
        if reg and reg[0] == kind:
            auto.append(reg[1])
    if sec.scope != "area":
        if "staffing" in sec.suggests:
            auto.append(staffing_strength(d) if kind == "strength" else staffing_concern(d))
        if "satisfaction" in sec.suggests:
            auto.append(survey_strength(d) if kind == "strength" else survey_concern(d))
        if "contract_completion" in sec.suggests:
            auto += completion_items(d, kind)
    items = [a for a in auto if a] + items
    if kind == "concern" and sec.scope != "area":
        items += [r["text"] for r in d.record_concerns if r["section_code"] == sec.code]
        items += rectification_concerns(d, sec.code)
    return items


def section_lead_in(d: ReportData, sec: SectionReport, kind: str) -> str:
    word = FINDING_KINDS[kind]
    if "satisfaction" in sec.suggests and d.survey is not None:
        how = (f"对社工站提供的服务对象名册中全部 {d.survey.sample_size} 名服务对象" if d.survey.everyone
               else f"对社工站提供的服务对象名册随机抽取 {d.survey.sample_size} 名服务对象")
        return (f"经{how}进行满意度调查，通过与相关社工访谈情况及查阅相关服务工作痕迹记录资料，结合服务对象反馈情况，"
                f"{sec.name}以下几方面{word}：")
    what = "查阅相关资料等方式了解社工站项目运营管理情况" if "staffing" in sec.suggests else \
        "查阅项目调研、服务方案等各类服务工作痕迹记录资料"
    return f"经评估专家与相关社工访谈并评估分析访谈情况，{what}，{sec.name}有以下几方面{word}："


PARTY_INTROS = {
    "purchaser": "购买方代表通过整合利益相关方与社工站沟通合作情况，对社工站作用发挥情况评估的反馈如下：",
    "supervision_center": "督导中心根据社工站日常管理及督导情况，对社工站服务质量保障工作的评估反馈如下：",
    "supervisor": "监督方通过日常的督查工作，对社工站项目管理、服务满意度及督查整改落实情况的评估反馈如下：",
}


def party_heading(p: PartyReport) -> str:
    return p.label if p.label.endswith("中心") else p.label + "评估"


def party_intro(p: PartyReport) -> str:
    return PARTY_INTROS.get(p.code, f"{p.label}对社工站的评估反馈如下：")


# ---------- 三、四、五 ----------

def feedback_intro(d: ReportData) -> str:
    return ("评估反馈主要分为两大环节，一是现场反馈环节，二是对评估报告初稿的意见反馈环节。"
            f"本次{d.short_name}的反馈如下：")


def _said(text: str) -> str:
    return (text or "").strip().rstrip("。；;.")


def feedback_onsite(d: ReportData) -> str:
    """现场反馈 from what was recorded for the station, the 街道 (purchaser) and the 民政局 (supervisor);
    the parties with nothing recorded are named as not yet recorded."""
    s = d.short_name
    said = [(s, _said(d.texts.get("feedback_onsite", ""))),
            (purchaser_short(d), _said(d.texts.get("feedback_onsite_street", ""))),
            (supervisor_short(d), _said(d.texts.get("feedback_onsite_bureau", "")))]
    recorded = [(who, t) for who, t in said if t]
    if not recorded:
        return f"现场反馈{NOT_RECORDED}。"
    days = visit_days(d)
    return (f"经过{f'为期{cn(days)}天的' if days else ''}评估，评估专家针对{s}的情况，进行了现场总结反馈，在总结反馈环节，"
            + "；".join(f"{who}表示{t}" for who, t in recorded) + "。")


def version_feedback(d: ReportData) -> str:
    """The feedback recorded under each issued 初稿 (报告版本), in issue order, or ''."""
    said = [(v, _said(v.get("feedback") or "")) for v in d.issued if v["kind"] == "draft"]
    return "；".join(f"{v['label']}（{date_cn(v['issued_at'][:10], False)}发送{v['recipient']}）的反馈：{t}"
                    for v, t in said if t) + ("。" if any(t for _, t in said) else "")


def feedback_draft(d: ReportData) -> str:
    """The lead's text on the 初稿's feedback; without one, the feedback recorded under the issued drafts."""
    t = (d.texts.get("feedback_draft") or "").strip()
    return t or version_feedback(d) or f"评估报告初稿的反馈{NOT_RECORDED}。"


ONSITE_KEYS = ("feedback_onsite", "feedback_onsite_street", "feedback_onsite_bureau")


def feedback_missing(d: ReportData) -> list[tuple[str, bool]]:
    """Feedback not recorded yet, (label, blocking), for the pre-export check: no 现场反馈 at all, or
    no 初稿 feedback, keeps the report a draft; a party whose 现场反馈 is missing is a hint (the
    report quotes only what was recorded)."""
    have = {k for k in FEEDBACK_KEYS if (d.texts.get(k) or "").strip()}
    out = []
    onsite_any = any(k in have for k in ONSITE_KEYS)
    for key in ONSITE_KEYS:
        if key not in have:
            out.append((FEEDBACK_KEYS[key], not onsite_any and key == "feedback_onsite"))
    if "feedback_draft" not in have and not version_feedback(d):
        out.append((FEEDBACK_KEYS["feedback_draft"], True))
    return out


def projection_sentence(d: ReportData) -> str:
    """Under 表 1 when a section has no score: the total is projected, and on what it rests."""
    note = projection_note(d.result)
    if not note:
        return ""
    party = next((p for p in d.parties if p.computed), None)
    scale = f"{num(party.max)} 分" if party is not None else "满分"
    return f"第三方评估合计为折算分：{note}为 {scale}。"


def na_sentences(d: ReportData) -> list[str]:
    """One sentence per section with N/A indicators: which, and how many points leave its denominator (a
    section wholly N/A is not scored)."""
    out = []
    for sec in d.result.sections:
        na = [i for i in sec.indicators if i.status == "na"]
        if not na:
            continue
        pts = sum((D(i.indicator.points) for i in na), Decimal(0))
        names = "、".join(f"{i.indicator.code} {i.indicator.name}（{num(i.indicator.points)} 分）" for i in na)
        s = f"{sec.name}有 {len(na)} 项指标评为不适用：{names}，共 {num(pts)} 分"
        if sec.score is None and len(na) == len(sec.indicators):
            s += "，该部分全部指标不适用，未评分，不计入第三方评估合计。"
        else:
            rest = D(sec.points) - pts if D(sec.points) >= pts else Decimal(0)
            s += (f"，不计入该部分的分母，该部分按其余 {num(sec.counted_max)} 分的得分折算为 {num(sec.points)} 分。"
                  if sec.counted_max else f"，不计入该部分的分母（其余 {num(rest)} 分尚未评分）。")
        out.append(s)
    return out


def grade_sentence(d: ReportData) -> str:
    return f"经过评估，{d.short_name}本次{d.assessment['kind']}评估的等级为："


def score_sentence(d: ReportData) -> str:
    r = d.result
    if r.final is None:
        return "评分尚未完成，暂无法确定评估得分。"
    parts = "，".join(f"{p.name}评分 {num(p.score)} 分" for p in d.parties if p.score is not None)
    s = f"按{cn(len(d.parties))}方权重加权，本次评估总分为 {num(r.final)} 分（{parts}）。"
    failed = [v["name"] for v in d.veto if v["failed"]]
    if failed:
        s += f"因{'、'.join(failed)}未通过（一票否决），评估等级为{d.framework.grades[-1].name}。"
    if r.final_projected:
        s += "部分评分尚未完成或未录入，以上为预计结果。"
    return s


def _years_operating(d: ReportData) -> int | None:
    m = re.match(r"(\d{4})-(\d{1,2})", d.station.get("operating_since") or "")
    try:
        visit = _dt.date.fromisoformat(str(d.assessment.get("visit_date"))[:10])
    except (TypeError, ValueError):
        return None
    if not m:
        return None
    months = (visit.year - int(m.group(1))) * 12 + visit.month - int(m.group(2))
    return months // 12 if months >= 12 else None


def closing_default(d: ReportData) -> str:
    """结语: the station's years of service, then the framework's judgement for the grade (or failed veto)."""
    st = d.station
    years = _years_operating(d)
    run = f"已成功运营 {years} 年时间，" if years else ""
    tail = f"在这 {years} 年时间里，" if years else ""
    opening = (f"{st.get('district', '')}{st['name']}在{supervisor_short(d)}、{purchaser_short(d)}的大力支持下，"
               f"在{st.get('operator') or '承办机构'}的努力下，{run}为辖区内的服务对象提供专业的社工服务，关注社区内的不同问题，"
               "逐步推进项目开展，推广社工理念，落实社工服务，")
    failed = [v["name"] for v in d.veto if v["failed"]]
    judgement = rules(d).judgement(d.grade, failed, tail)
    if not judgement:
        return opening.rstrip("，") + "。评分尚未完成，总体评价待评分完成后确定。"
    return opening + judgement


def _first_sentence(text: str, limit: int = 80) -> str:
    t = re.sub(r"^[（(]?\d+[)）.、]\s*", "", (text or "").strip())
    t = re.split(r"(?<=[。！？；])", t)[0].strip().rstrip("。；")
    t = re.sub(r"^(建议|需要关注的是|需关注)", "", t).lstrip("，：")
    if len(t) <= limit:
        return t
    cut = t[:limit]
    clause = max(cut.rfind(x) for x in "，；：,;")     # end at a clause, never inside a word ("…其等")
    if clause >= limit // 3:
        return cut[:clause]
    item = cut.rfind("、")
    return cut[:item] + "等" if item >= limit // 3 else cut.rstrip("，、；") + "……"


def closing_points_draft(d: ReportData) -> list[str]:
    """A draft of the 结语's 建议: one per section that has concerns, naming them (the lead edits it)."""
    out = []
    for sec in d.sections:
        concerns = [c for b_i in range(len(sec.blocks)) for c in section_items(d, sec, b_i, "concern")]
        if not concerns:
            continue
        heads = list(dict.fromkeys(_first_sentence(c) for c in concerns if _first_sentence(c)))
        if not heads:
            continue
        shown = heads[:3]
        listed = "；".join(shown) + ("等" if len(heads) > len(shown) else "")
        out.append(mid_words(d, "closing_point", section=sec.name, items=listed) if midterm(d)
                   else f"建议社工站在{sec.name}方面重点改进：{listed}。")
    return out


def closing_points(d: ReportData) -> list[str]:
    raw = (d.texts.get("closing_points") or "").strip()
    return [re.sub(r"^\s*(\d+[.、．]|[（(]\d+[)）])\s*", "", ln).strip() for ln in raw.splitlines() if ln.strip()]


def closing_points_intro(d: ReportData) -> str:
    if midterm(d):
        return mid_words(d, "closing_intro")
    return f"为提供更好的社工服务，未来{d.short_name}的服务发展可以更加关注以下几个方面："


DEFAULTS = {
    "progress_comment": progress_comment_default,
    "closing": closing_default,
    "closing_points": lambda d: "",
}


def annex_titles(d: ReportData) -> list[str]:
    street = d.station.get("street") or d.short_name
    return [f"广州市{street}“双百工程”社工站购买服务项目指标完成情况统计表",
            f"广州市{street}“双百工程”社工站购买服务项目社工到岗情况统计表",
            "服务对象满意度抽样记录", "专家评分一致性"] + (["评估意见证据"] if d.evidence_annex is not None else [])
