"""The reviewer's reading of the report's free text (part of the pre-export check, core.report.check).

An evaluator who starts from another station's report (or last year's) pastes sentences that were true
there: other stations' and streets' names, dates of another term, claims such as "各项工作指标完成情况良好"
or "对评估报告初稿无异议", and figures beside a known term ("持证社工占比 75%"). Every free text that
will be printed (ReportData.printed: the report items, the lead's texts, the parties' comments, the veto
notes, as typed) is read sentence by sentence for:

- names of other stations, streets, districts and people known to the database (ReportData.known_names)
  or to Guangzhou's districts, that are not this station's own — a hint;
- dates outside this term (contract start to the report's making) — a hint;
- claims of completeness or quality that the data contradicts — blocking (the PDF stays a draft);
- a percentage or count beside a term the data knows (持证, 到岗率, 稳岗率, 满意度, 知晓率, 名册, 户,
  人次 …) that differs from it, compared as printed (rounded half-up to the typed decimals) — blocking.

Each finding names the text, quotes the sentence (masked by the assessment's scrubber) and names the
page where the text is edited. Pure rules over the gathered data.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Callable

from core.numbers import fmt_number, round_half_up
from core.report import words as report_text

if TYPE_CHECKING:
    from core.report.data import ReportData

# Guangzhou's eleven districts: a district named in the text that is not the station's own is a hint.
GUANGZHOU_DISTRICTS = ("越秀区", "海珠区", "荔湾区", "天河区", "白云区", "黄埔区", "番禺区", "花都区", "南沙区",
                       "从化区", "增城区")
SENTENCE_END = re.compile(r"(?<=[。！？；;!?\n])")
QUOTE_LIMIT = 80


@dataclass(frozen=True)
class Finding:
    code: str            # review_name, review_date, review_claim, review_figure
    where: str           # the text's name (服务监测·需要关注第 2 条, 结语 …)
    sentence: str        # the sentence quoted (masked)
    message: str         # what is wrong, in Chinese
    blocking: bool
    page: str            # where the text is edited (a key of pages._shared.PAGES)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text or "") if s.strip()]


def _quote(sentence: str, scrub: Callable[[str], str]) -> str:
    s = scrub(sentence).replace("\n", " ")
    return s if len(s) <= QUOTE_LIMIT else s[:QUOTE_LIMIT - 1] + "…"


# ---------- names of other stations, streets, districts, people ----------

GENERIC = {"社工站", "社工服务站", "社会工作服务站", "街道", "社区", "民政局", "街道办事处"}


def _variants(name: str, kind: str) -> set[str]:
    """A street 元岗街道 is also written 元岗街; a district 天河区 is kept whole (天河 alone is too common).
    Generic words and one-character names are never a name."""
    out = {name.strip()}
    if kind == "streets" and name.endswith("街道"):
        out.add(name[:-1])
    return {v for v in out if len(v) >= 2 and v not in GENERIC}


def own_names(d: ReportData) -> set[str]:
    st = d.station
    names = {st.get(k) or "" for k in ("name", "short_name", "street", "district", "purchaser", "supervisor",
                                       "operator", "address")}
    names |= {d.short_name, d.assessment.get("evaluator_org") or ""}
    names |= {a["name"] for a in d.areas} | {c for a in d.areas for c in a.get("communities") or []}
    names |= set(d.team_names)
    return {n for n in names if n}


def other_names(d: ReportData) -> list[tuple[str, str]]:
    """(name, what) of every other station, street, district and person, longest first; names contained
    in one of this station's own names (its district shared with another station) are left out."""
    own = own_names(d)
    kinds = {"stations": "其他社工站", "streets": "其他街道", "districts": "其他区", "people": "其他评估的人员"}
    known = dict(d.known_names or {})
    known["districts"] = sorted(set(known.get("districts", [])) | set(GUANGZHOU_DISTRICTS))
    out = {}
    for kind, label in kinds.items():
        for name in known.get(kind, []):
            for v in _variants(name, kind):
                if not any(v in o for o in own):
                    out.setdefault(v, label)
    return sorted(out.items(), key=lambda x: -len(x[0]))


def names_in(sentence: str, names: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(name, what) of each other name written in the sentence; a name inside a longer one found at the
    same place (元岗街 in 元岗街社工站) is not listed again."""
    taken = [False] * len(sentence)
    hits = []
    for name, what in names:          # longest first
        start, found = sentence.find(name), False
        while start != -1:
            if not any(taken[start:start + len(name)]):
                taken[start:start + len(name)] = [True] * len(name)
                found = True
            start = sentence.find(name, start + 1)
        if found:
            hits.append((name, what))
    return hits


def _name_findings(t: dict, sentence: str, names, scrub) -> list[Finding]:
    hits = names_in(sentence, names)
    if not hits:
        return []
    listed = "、".join(f"{what}“{scrub(name)}”" for name, what in hits)
    return [Finding("review_name", t["where"], _quote(sentence, scrub), f"写有不属于本站的名称：{listed}", False,
                    t["page"])]


# ---------- dates outside the term ----------

DATE_RE = re.compile(r"(?<![\d.])(20\d{2})\s*(?:年\s*(?!度)(?:(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?)?"
                     r"|[-./](\d{1,2})(?:[-./](\d{1,2}))?(?![\d.]|\s*(?:万|元|%|个|人|次|户|名|小时|平方)))")


def _iso(text) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(str(text)[:10])
    except (TypeError, ValueError):
        return None


def term_of(d: ReportData) -> tuple[_dt.date, _dt.date] | None:
    """This term: from the contract's (or statistics') start to the latest of its end, the visit and the
    report's making (the feedback on a draft comes after the visit)."""
    a = d.assessment
    start = _iso(a.get("contract_start")) or _iso(a.get("stats_start"))
    ends = [x for x in (_iso(a.get("contract_end")), _iso(a.get("stats_end")), _iso(a.get("visit_date")),
                        _iso(d.generated_at)) if x]
    return (start, max(ends)) if start and ends else None


def _span(m: re.Match) -> tuple[_dt.date, _dt.date] | None:
    """The days a written date covers: a year, a month or a day."""
    year = int(m.group(1))
    month = m.group(2) or m.group(4)
    day = m.group(3) or m.group(5)
    try:
        if month is None:
            return _dt.date(year, 1, 1), _dt.date(year, 12, 31)
        month = int(month)
        if day is None:
            nxt = _dt.date(year + (month == 12), month % 12 + 1, 1)
            return _dt.date(year, month, 1), nxt - _dt.timedelta(days=1)
        return (_dt.date(year, month, int(day)),) * 2
    except ValueError:
        return None


def _date_findings(t: dict, sentence: str, term, scrub) -> list[Finding]:
    out = []
    for m in DATE_RE.finditer(sentence):
        span = _span(m)
        if span is None or (span[1] >= term[0] and span[0] <= term[1]):
            continue
        out.append(Finding("review_date", t["where"], _quote(sentence, scrub),
                           f"日期“{m.group(0).strip()}”不在本期（{term[0].isoformat()} 至 {term[1].isoformat()}）之内",
                           False, t["page"]))
    return out


# ---------- claims the data contradicts ----------

ALL_DONE = re.compile(r"均已完成|已全部完成|全部完成|均已达成|均达到|均已达到|均达标|全部达标|全面完成|完成情况良好|"
                      r"完成情况较好|完成良好|均完成|圆满完成|超额完成")
SATISFIED = re.compile(r"满意度较高|满意度高|均表示满意|普遍满意|高度满意|十分满意|非常满意|满意度良好")
NO_OBJECTION = re.compile(r"无异议|没有异议|均表示认可|一致认可")
STAFF_WORDS = ("持证", "到岗", "稳岗", "继续教育", "社工配置", "人员配置")


def _short_indicators(d: ReportData) -> list[dict]:
    """The contract indicators below the framework's completion threshold (the rule the report's words use)."""
    return [r for r in d.indicators if r.get("rate") is not None and not report_text.meets(d, "completion", r["rate"])]


def _staffing_short(d: ReportData, sentence: str) -> list[str]:
    s, rules = d.staffing or {}, d.framework.report_rules
    out = []
    for word, key, label in (("持证", "cert_ratio", "持证社工占比"), ("到岗", "attendance_rate", "到岗率"),
                             ("稳岗", "retention", "稳岗率"), ("继续教育", "training_rate", "继续教育达标率")):
        if word in sentence and s.get(key) is not None and report_text.meets(d, key, s[key]) is False:
            out.append(f"{label} {s[key + '_text']}，低于 {fmt_number(rules.threshold(key))}%")
    return out


def contradiction(d: ReportData, sentence: str) -> str | None:
    """What the data says against a claim in the sentence (Chinese), or None."""
    if ALL_DONE.search(sentence):
        if any(w in sentence for w in STAFF_WORDS):
            short = _staffing_short(d, sentence)
            if short:
                return "但数据：" + "；".join(short)
        elif "指标" in sentence and d.indicators:      # a claim about the contract indicators
            short = _short_indicators(d)
            rated = [r for r in d.indicators if r.get("rate") is not None]
            if short:
                return (f"但数据：{len(rated)} 项协议指标中 {len(rated) - len(short)} 项完成，"
                        + "、".join(f"{r['name']}（{r['rate_text']}）" for r in short[:5])
                        + ("等" if len(short) > 5 else "") + " 未达到协议指标量")
    if SATISFIED.search(sentence) and d.survey is not None and d.survey.satisfaction_rate is not None:
        if report_text.meets(d, "satisfaction", d.survey.satisfaction_rate) is False:
            limit = d.framework.report_rules.threshold("satisfaction")
            return f"但数据：总体满意度 {d.survey.satisfaction_text}，低于 {fmt_number(limit)}%"
    if NO_OBJECTION.search(sentence) and "初稿" in sentence:
        drafts = [v for v in d.issued if v["kind"] == "draft"]
        if drafts and not any((v.get("feedback") or "").strip() for v in drafts):
            return f"但已发出的初稿（{'、'.join(v['label'] for v in drafts)}）尚未记录任何反馈"
    return None


def unrecorded_draft(d: ReportData, sentence: str) -> str | None:
    """A claim about the 初稿's feedback while no 初稿 was recorded as issued (a hint: it may have been sent
    outside the app)."""
    if NO_OBJECTION.search(sentence) and "初稿" in sentence and not any(v["kind"] == "draft" for v in d.issued):
        return "但系统中尚未记录发出过初稿（「报告与导出」→报告版本），请核实"
    return None


# ---------- figures beside a known term ----------

NUM = r"(\d+(?:\.\d+)?)"


def figure_terms(d: ReportData) -> list[tuple[re.Pattern, str, Decimal | None]]:
    """(pattern with the typed figure as group 1, what, the data's figure) for each term the data knows."""
    s, r, reg = d.staffing or {}, d.survey, d.register or {}
    gap = r"[^\d%。；;，,\n]{0,10}?"
    pct = r"\s*%"
    out = [
        (re.compile(r"持证" + gap + NUM + pct), "持证社工占比（%）", s.get("cert_ratio")),
        (re.compile(r"持证社工" + gap + NUM + r"\s*(?:名|人|位)"), "持证社工人数", s.get("certified")),
        (re.compile(r"到岗率" + gap + NUM + pct), "到岗率（%）", s.get("attendance_rate")),
        (re.compile(r"实到" + gap + NUM + r"\s*人次"), "实到人次", s.get("attendance_actual")),
        (re.compile(r"应到" + gap + NUM + r"\s*人次"), "应到人次", s.get("attendance_due")),
        (re.compile(r"知晓(?:率|度)" + gap + NUM + pct), "服务知晓度（%）", getattr(r, "awareness_rate", None)),
        (re.compile(r"名册" + gap + NUM + r"\s*(?:人|名|位)"), "名册人数", reg.get("persons")),
        (re.compile(r"名册" + gap + NUM + r"\s*户"), "名册户数", reg.get("households")),
        (re.compile(r"(?:继续教育|培训)达标率" + gap + NUM + pct), "继续教育达标率（%）", s.get("training_rate")),
    ]
    return [(p, what, Decimal(v)) for p, what, v in out if v is not None]


def _same_as_printed(typed: Decimal, data: Decimal) -> bool:
    places = max(0, -typed.as_tuple().exponent)
    return round_half_up(data, places) == typed


def _figure_findings(t: dict, sentence: str, terms, scrub) -> list[Finding]:
    out = []
    for pattern, what, data in terms:
        for m in pattern.finditer(sentence):
            try:
                typed = Decimal(m.group(1))
            except InvalidOperation:
                continue
            if not _same_as_printed(typed, data):
                out.append(Finding("review_figure", t["where"], _quote(sentence, scrub),
                                   f"{what} {fmt_number(typed)} 与数据（{fmt_number(data)}）不符", True, t["page"]))
    return out


def review(d: ReportData, scrub: Callable[[str], str] | None = None) -> list[Finding]:
    """Every finding of the reviewer's reading, blocking ones first, in the order of the texts."""
    scrub = scrub or (lambda x: x)
    names, term, terms = other_names(d), term_of(d), figure_terms(d)
    out: list[Finding] = []
    text_names = {**report_text.TEXT_KEYS, **report_text.FEEDBACK_KEYS}
    for t in d.printed:
        t = dict(t, where=text_names.get(t["where"], t["where"]))
        for sentence in sentences(t["text"]):
            out += _name_findings(t, sentence, names, scrub)
            if term is not None:
                out += _date_findings(t, sentence, term, scrub)
            why = contradiction(d, sentence)
            if why:
                out.append(Finding("review_claim", t["where"], _quote(sentence, scrub), why, True, t["page"]))
            elif unrecorded_draft(d, sentence):
                out.append(Finding("review_draft", t["where"], _quote(sentence, scrub), unrecorded_draft(d, sentence),
                                   False, t["page"]))
            out += _figure_findings(t, sentence, terms, scrub)
    unique = list({(f.code, f.where, f.sentence, f.message): f for f in out}.values())
    return sorted(unique, key=lambda f: not f.blocking)
