"""Scoring frameworks are data: YAML files in core/framework/yaml/, loaded and validated here."""
from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from core.framework.script import script_from_framework
from core.numbers import D

FRAMEWORK_DIR = Path(__file__).parent / "yaml"
# The names an indicator's `suggest:` may take: the rules core.station.suggest implements (it registers
# exactly these; tests/test_suggest.py checks both lists agree). Kept here so that reading a framework
# (YAML or Excel) never needs the station's code.
SUGGEST_RULES = ("contract_completion", "staffing", "training", "rectification", "register", "volunteers",
                 "satisfaction")
DEFAULT_FRAMEWORK = "gz-2024-four-party"
THIRD_PARTY = "third_party"


class FrameworkError(ValueError):
    """A framework file that cannot be used; the message is Chinese and names the field."""


@dataclass(frozen=True)
class Criterion:
    text: str
    points: float


@dataclass(frozen=True)
class Level:
    name: str
    share: float


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    points: float
    section_code: str
    scope: str                      # 'station' or 'area'
    guidance: str = ""
    evidence: tuple[str, ...] = ()
    rule_type: str = "free"         # combo / level / free
    criteria: tuple[Criterion, ...] = ()
    levels: tuple[Level, ...] = ()
    step: float = 0.5
    suggest: str = ""               # key of an evidence-suggested score rule


@dataclass(frozen=True)
class Section:
    code: str
    name: str
    points: float
    scope: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Party:
    code: str
    name: str
    weight: float
    max: float
    short: str = ""
    computed: bool = False

    @property
    def label(self) -> str:
        return self.short or self.name


@dataclass(frozen=True)
class Grade:
    name: str
    min: float


@dataclass(frozen=True)
class Veto:
    code: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    version: int
    note: str
    parties: tuple[Party, ...]
    grades: tuple[Grade, ...]        # sorted by min, descending
    sections: tuple[Section, ...]
    veto: tuple[Veto, ...] = ()
    source: str = ""
    report: "ReportRules | None" = field(default=None, compare=False)   # the `report:` block; None -> defaults
    survey_script: dict = field(default_factory=dict, compare=False)   # `survey: script:` wording (core.survey.rules)

    @property
    def report_rules(self) -> "ReportRules":
        return self.report or parse_report_rules(None, self)

    @property
    def indicators(self) -> list[Indicator]:
        return [i for s in self.sections for i in s.indicators]

    def indicator(self, code: str) -> Indicator:
        for i in self.indicators:
            if i.code == code:
                return i
        raise KeyError(code)

    def section(self, code: str) -> Section:
        for s in self.sections:
            if s.code == code:
                return s
        raise KeyError(code)

    def party(self, code: str) -> Party:
        for p in self.parties:
            if p.code == code:
                return p
        raise KeyError(code)

    @property
    def third_party(self) -> Party:
        return self.party(THIRD_PARTY)

    @property
    def total_points(self) -> float:
        return float(sum(D(s.points) for s in self.sections))


def _req(d: dict, key: str, where: str):
    if not isinstance(d, dict) or key not in d or d[key] in (None, ""):
        raise FrameworkError(f"{where}：缺少字段“{key}”")
    return d[key]


def _num(d: dict, key: str, where: str, positive: bool = True) -> float:
    v = _req(d, key, where)
    try:
        v = float(v)
    except (TypeError, ValueError):
        raise FrameworkError(f"{where}：字段“{key}”应为数字，实际为“{v}”") from None
    if positive and v <= 0:
        raise FrameworkError(f"{where}：字段“{key}”应大于 0")
    return v


def _same(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6


def _survey_script(block) -> dict:
    """The `survey:` block's `script:` (the caller's wording), flattened by core.framework.script."""
    if block is not None and not isinstance(block, dict):
        raise FrameworkError("survey 应为键值对象（script: 回访话术）")
    return script_from_framework((block or {}).get("script"))


def parse_framework(data: dict, source: str = "") -> Framework:
    """Build and validate a Framework from parsed YAML/JSON; raise FrameworkError."""
    if not isinstance(data, dict):
        raise FrameworkError("框架文件格式错误：顶层应为键值对象")
    fid = str(_req(data, "id", "框架"))
    parties = []
    for n, p in enumerate(_req(data, "parties", "框架"), 1):
        where = f"评估方第 {n} 项"
        parties.append(Party(
            code=str(_req(p, "code", where)), name=str(_req(p, "name", where)),
            weight=_num(p, "weight", where), max=_num(p, "max", where),
            short=str(p.get("short", "")), computed=bool(p.get("computed", False)),
        ))
    codes = [p.code for p in parties]
    if len(set(codes)) != len(codes):
        raise FrameworkError("评估方代码重复")
    if codes.count(THIRD_PARTY) != 1 or not next(p for p in parties if p.code == THIRD_PARTY).computed:
        raise FrameworkError("评估方中须有且仅有一个 third_party（第三方，computed: true）")

    grades = []
    for n, g in enumerate(_req(data, "grades", "框架"), 1):
        grades.append(Grade(name=str(_req(g, "name", f"等级第 {n} 项")), min=_num(g, "min", f"等级第 {n} 项", positive=False)))
    grades.sort(key=lambda g: g.min, reverse=True)
    if grades[-1].min != 0:
        raise FrameworkError("等级划分须包含下限为 0 的最低等级")

    veto = tuple(
        Veto(code=str(_req(v, "code", f"否决项第 {n} 项")), name=str(_req(v, "name", f"否决项第 {n} 项")),
             description=str(v.get("description", "")))
        for n, v in enumerate(data.get("veto") or [], 1)
    )

    sections, seen = [], set()
    for s in _req(data, "sections", "框架"):
        scode = str(_req(s, "code", "指标部分"))
        where = f"部分 {scode}"
        scope = s.get("scope", "station")
        if scope not in ("station", "area"):
            raise FrameworkError(f"{where}：scope 应为 station 或 area")
        if scode in seen:
            raise FrameworkError(f"代码重复：{scode}")
        seen.add(scode)
        inds = []
        for i in _req(s, "indicators", where):
            code = str(_req(i, "code", where))
            iw = f"指标 {code}"
            if code in seen:
                raise FrameworkError(f"代码重复：{code}")
            seen.add(code)
            pts = _num(i, "points", iw)
            rule = i.get("rule") or {"type": "free"}
            rtype = rule.get("type", "free")
            criteria, levels = (), ()
            if rtype == "combo":
                criteria = tuple(Criterion(str(_req(c, "text", iw)), _num(c, "points", iw)) for c in _req(rule, "criteria", iw))
                total = sum(c.points for c in criteria)
                if not _same(total, pts):
                    raise FrameworkError(f"{iw}：组合分各项之和 {total:g} 与分值 {pts:g} 不符")
            elif rtype == "level":
                levels = tuple(Level(str(_req(lv, "name", iw)), float(_req(lv, "share", iw))) for lv in _req(rule, "levels", iw))
                if any(not 0 <= lv.share <= 1 for lv in levels):
                    raise FrameworkError(f"{iw}：程度分比例应在 0 到 1 之间")
            elif rtype != "free":
                raise FrameworkError(f"{iw}：未知评分方式“{rtype}”（应为 combo / level / free）")
            inds.append(Indicator(
                code=code, name=str(_req(i, "name", iw)), points=pts, section_code=scode, scope=scope,
                guidance=str(i.get("guidance", "")), evidence=tuple(i.get("evidence") or ()),
                rule_type=rtype, criteria=criteria, levels=levels, step=float(rule.get("step", 0.5)),
                suggest=str(i.get("suggest", "")),
            ))
        spts = _num(s, "points", where)
        total = sum(x.points for x in inds)
        if not _same(total, spts):
            raise FrameworkError(f"{where}：各指标分值之和 {total:g} 与部分分值 {spts:g} 不符")
        sections.append(Section(code=scode, name=str(_req(s, "name", where)), points=spts, scope=scope, indicators=tuple(inds)))

    fw = Framework(
        id=fid, name=str(_req(data, "name", "框架")), version=int(data.get("version", 1)),
        note=str(data.get("note", "")), parties=tuple(parties), grades=tuple(grades),
        sections=tuple(sections), veto=veto, source=source,
        survey_script=_survey_script(data.get("survey")),
    )
    fw = replace(fw, report=parse_report_rules(data.get("report"), fw))
    tp = fw.third_party
    if not _same(fw.total_points, tp.max):
        raise FrameworkError(f"各部分分值之和 {fw.total_points:g} 与第三方满分 {tp.max:g} 不符")
    return fw


def read_framework_file(path: str | Path) -> dict:
    """The parsed (not yet validated) content of a framework YAML file."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise FrameworkError(f"框架文件 {path.name} 不是有效的 YAML：{e}") from None


def load_framework_file(path: str | Path) -> Framework:
    return parse_framework(read_framework_file(path), source=str(path))


def shipped_framework_data() -> dict[str, dict]:
    """The content of every shipped framework file, by id: what an assessment freezes
    (stored as JSON) when it uses a shipped framework. Read-only (read once per process; never
    mutate the dicts returned): a lead edits a copy."""
    if not _shipped_data:
        for p in sorted(FRAMEWORK_DIR.glob("*.yaml")):
            data = read_framework_file(p)
            _shipped_data[str(parse_framework(data, source=str(p)).id)] = data
    return dict(_shipped_data)


_shipped_data: dict[str, dict] = {}


def is_shipped(framework_id: str) -> bool:
    return framework_id in available_frameworks()


_cache: dict[str, Framework] = {}


_shipped: dict[str, Framework] = {}


def available_frameworks() -> dict[str, Framework]:
    """Every framework file shipped in core/framework/yaml, by id (read once per process)."""
    if not _shipped:
        for p in sorted(FRAMEWORK_DIR.glob("*.yaml")):
            fw = load_framework_file(p)
            _shipped[fw.id] = fw
    return dict(_shipped)


def get_framework(framework_id: str) -> Framework:
    if framework_id not in _cache:
        fws = available_frameworks()
        if framework_id not in fws:
            raise FrameworkError(f"找不到评估框架“{framework_id}”")
        _cache.update(fws)
    return _cache[framework_id]


_FROZEN: OrderedDict = OrderedDict()   # frozen JSON -> parsed Framework (the few most recent)


def framework_of_row(assessment: dict) -> Framework:
    """The framework frozen in an assessment row (its `framework_data` JSON, written when it was
    set up); a row from before frozen frameworks (no data) falls back to the shipped file of its
    `framework_id`. core.assessment.team.framework_of is the use case every caller with a database uses;
    rule modules and exports that hold the row call this."""
    data = assessment.get("framework_data")
    if not data:
        return get_framework(assessment["framework_id"])
    fw = _FROZEN.get(data)
    if fw is None:
        try:
            fw = parse_framework(json.loads(data), source=f"assessment:{assessment.get('id', '')}")
        except ValueError as e:  # FrameworkError or broken JSON
            raise FrameworkError(f"评估保存的评估框架已损坏：{e}") from None
        _FROZEN[data] = fw
        while len(_FROZEN) > 16:
            _FROZEN.popitem(last=False)
    else:
        _FROZEN.move_to_end(data)
    return fw


# ---------- report rules: where the report places a figure, and its judgement wording ----------

# Thresholds (percent) a figure is compared with: at or above -> 值得肯定, below -> 需要关注.
REPORT_THRESHOLDS = {
    "completion": "100",         # 协议指标完成率
    "cert_ratio": "70",          # 持证社工占协议要求配备数
    "experience_ratio": "50",    # 从业两年以上社工占协议要求配备数
    "attendance_rate": "100",    # 到岗率（实到 ÷ 应到）
    "training_rate": "100",      # 继续教育达标率
    "retention": "80",           # 稳岗率
    "satisfaction": "90",        # 服务对象总体满意度
    "awareness": "80",           # 服务知晓度（知晓 5 项中 3 项以上）
    "register_complete": "100",  # 名册信息完整率（户号、类别、电话齐全）
    "progress": "95",            # 中期：完成量占截至统计日应完成量的比例，达到即“按期完成”
}
THRESHOLD_LABELS = {
    "completion": "协议指标完成率", "cert_ratio": "持证社工比例", "experience_ratio": "从业两年以上社工比例",
    "attendance_rate": "到岗率", "training_rate": "继续教育达标率", "retention": "稳岗率",
    "satisfaction": "服务对象总体满意度", "awareness": "服务知晓度", "register_complete": "名册信息完整率",
    "progress": "中期进度（占应完成量）",
}
# The 结语's judgement per grade ({years} = years of operation, blank when unknown).
DEFAULT_JUDGEMENTS = {
    "优秀": "起到了一定的成效。{years}大部分工作是值得肯定的，但也还存在需要关注的地方。",
    "良好": "起到了一定的成效。{years}多数工作是值得肯定的，同时仍有若干方面需要关注和改进。",
    "合格": "取得了一定成效，但成效尚不充分。{years}部分工作达到了评估要求，仍有较多方面需要关注和改进。",
    "不合格": "但服务成效未达到评估要求。{years}多项工作存在明显不足，需要切实整改。",
}
DEFAULT_VETO_JUDGEMENT = "但本次评估中{veto}未通过（一票否决），评估等级为{grade}，须针对相关问题切实整改。"
DEFAULT_BASIS = (
    "政策依据：《社会工作服务项目绩效评估指南》《广州市社会工作服务条例》《广州市社工服务站管理办法》《广州市社工站购买服务项目"
    "评估办法》《广州市社工站岗位职责》《广州市社会工作行业督导从业人员资质、备案实施办法》。",
    "评估标准依据：《广州市社工站购买服务项目评估指标体系》。",
)
DEFAULT_STANDARD = "《广州市社工站购买服务项目评估指标体系》"
# Experts' agreement (issue 15): Krippendorff's α thresholds (Krippendorff 2004: ≥ 0.800 reliable,
# ≥ 0.667 tentative) and the conventional r_wg threshold (≥ 0.70); the one-line reading per band
# ({alpha} the value, {cells} the cells, {experts} the experts).
DEFAULT_AGREEMENT = {"reliable": "0.800", "tentative": "0.667", "rwg": "0.70"}
DEFAULT_AGREEMENT_READINGS = {
    "reliable": "专家评分一致性可靠（Krippendorff α = {alpha}，不低于 0.800），评分结果可作为评估结论的依据。",
    "tentative": "专家评分一致性尚可（Krippendorff α = {alpha}，介于 0.667 与 0.800 之间），结论可作参考，"
                 "分歧较大的指标宜由组长复核。",
    "unreliable": "专家评分一致性不足（Krippendorff α = {alpha}，低于 0.667），评分结果不宜单独作为结论依据，"
                  "须由组长复核分歧较大的指标。",
    "none": "由两位及以上专家评分的指标不足，无法计算专家评分一致性。",
}


# The 中期 wording (issue 24): a 中期 is judged against the targets due by its statistics date, and its
# sentences speak of progress and of what to do by 末期. Placeholders: {station} the short name, {date} the
# statistics date, {basis} how the due figures were set, {total}/{done}/{short} counts, {items} the listed
# indicators, {threshold} the progress threshold, {section} a section's name; an item: {name} {actual} {unit}
# {due} {rate} {target} {annual_rate}.
DEFAULT_MIDTERM = {
    "rate_phrase": "中期应完成量",
    "progress_good": "从以上数据可知，截至{date}，{station}各项工作指标均已按期完成（{basis}），服务进度整体把握到位。",
    "progress_short": "从以上数据可知，截至{date}，{station} {total} 项协议指标中 {done} 项已按期完成，{items} {short} 项"
                      "进度滞后于中期应完成量（{basis}），需要关注。",
    "strength": "协议指标进度方面，{total} 项协议指标的完成量均达到截至{date}应完成量的 {threshold}以上（{basis}；"
                "以上数据由社工站提供，见附件 1），按期完成。",
    "concern": "协议指标进度方面，{short} 项协议指标的完成进度低于截至{date}应完成量的 {threshold}（{basis}）：{items}。"
               "建议社工站分析进度滞后的原因，制定追赶计划，在末期评估前完成全年协议指标量。",
    "item": "{name}完成 {actual} {unit}，中期应完成量 {due} {unit}，进度完成率 {rate}（全年协议指标量 {target} {unit}，占全年 {annual_rate}）",
    "closing_point": "建议社工站在末期评估前重点改进{section}方面：{items}。",
    "closing_intro": "为在末期评估前更好地完成服务，{station}在后续服务中可以更加关注以下几个方面：",
}
_MIDTERM_FIELDS = dict(station="", date="", basis="", total=0, done=0, short=0, items="", threshold="", section="",
                       name="", actual="", unit="", due="", rate="", target="", annual_rate="")


def parse_midterm(block) -> dict:
    """The `report.midterm` block: the 中期 sentences (every key optional; the defaults above)."""
    if block is None:
        return dict(DEFAULT_MIDTERM)
    if not isinstance(block, dict):
        raise FrameworkError("report.midterm：应为键值对象（中期报告的表述）")
    out = dict(DEFAULT_MIDTERM)
    for k, v in block.items():
        if k not in DEFAULT_MIDTERM:
            raise FrameworkError(f"report.midterm：未知的表述“{k}”（可用：{'、'.join(DEFAULT_MIDTERM)}）")
        if not isinstance(v, str) or not v.strip():
            raise FrameworkError(f"report.midterm.{k}：应为非空文字")
        try:
            v.format(**_MIDTERM_FIELDS)
        except (KeyError, IndexError, ValueError):
            raise FrameworkError(f"report.midterm.{k}：表述中含有不认识的占位（可用："
                                 f"{'、'.join('{' + f + '}' for f in _MIDTERM_FIELDS)}）") from None
        out[k] = v
    return out


@dataclass(frozen=True)
class ReportRules:
    """The framework's `report:` block: thresholds (values as data), the 结语's judgement per
    grade and for a failed veto, the policy basis and the standard named in the text."""
    thresholds: dict            # key of REPORT_THRESHOLDS -> Decimal
    judgements: dict            # grade name -> sentence ({years})
    veto_judgement: str         # {veto} {grade}
    basis: tuple[str, ...]
    standard: str
    document_sections: dict = field(default_factory=dict)   # 查阅资料 item -> section code; 'default'
    agreement: dict = field(default_factory=lambda: {k: D(v) for k, v in DEFAULT_AGREEMENT.items()})
    agreement_readings: dict = field(default_factory=lambda: dict(DEFAULT_AGREEMENT_READINGS))
    midterm: dict = field(default_factory=lambda: dict(DEFAULT_MIDTERM))   # the 中期 wording

    def agreement_band(self, alpha) -> str:
        """'reliable' / 'tentative' / 'unreliable' for an α, 'none' when α cannot be computed."""
        if alpha is None:
            return "none"
        a = D(alpha)
        if a >= self.agreement["reliable"]:
            return "reliable"
        return "tentative" if a >= self.agreement["tentative"] else "unreliable"

    def agreement_reading(self, alpha, alpha_text: str = "", cells: int = 0, experts: int = 0) -> str:
        """The one-line reading of α, chosen by the band its value falls in."""
        return self.agreement_readings[self.agreement_band(alpha)].format(
            alpha=alpha_text or (str(alpha) if alpha is not None else "—"), cells=cells, experts=experts)

    def document_section(self, item: str) -> str:
        return self.document_sections.get(item) or self.document_sections.get("default") or ""

    def threshold(self, key: str):
        return self.thresholds[key]

    def judgement(self, grade: str | None, veto_failed: list[str], years: str = "") -> str:
        if veto_failed:
            return self.veto_judgement.format(veto="、".join(veto_failed), grade=grade or "")
        if not grade or grade not in self.judgements:
            return ""
        return self.judgements[grade].format(years=years)


def parse_report_rules(block, fw: "Framework | None" = None) -> ReportRules:
    """The `report:` block of a framework file (every key optional; FrameworkError naming the field)."""
    if block is None:
        block = {}
    if not isinstance(block, dict):
        raise FrameworkError("框架文件 report：应为键值对象")
    th = dict(REPORT_THRESHOLDS)
    given = block.get("thresholds") or {}
    if not isinstance(given, dict):
        raise FrameworkError("report.thresholds：应为键值对象")
    for k, v in given.items():
        if k not in REPORT_THRESHOLDS:
            raise FrameworkError(f"report.thresholds：未知的阈值“{k}”（可用：{'、'.join(REPORT_THRESHOLDS)}）")
        try:
            d = D(v)
        except Exception:
            d = None
        if d is None or not d.is_finite() or d < 0 or d > 1000:
            raise FrameworkError(f"report.thresholds.{k}：应为 0 到 1000 之间的数字，实际为“{v}”")
        th[k] = v
    th = {k: D(v) for k, v in th.items()}
    judgements = dict(DEFAULT_JUDGEMENTS)
    jg = block.get("judgements") or {}
    if not isinstance(jg, dict):
        raise FrameworkError("report.judgements：应为键值对象（等级 -> 表述）")
    judgements.update({str(k): str(v) for k, v in jg.items()})
    if fw is not None:
        missing = [g.name for g in fw.grades if not judgements.get(g.name)]
        if missing:
            raise FrameworkError(f"report.judgements：缺少等级“{'、'.join(missing)}”的结语表述")
        for k in list(judgements):
            if k not in {g.name for g in fw.grades}:
                judgements.pop(k)
    for k, v in judgements.items():
        try:
            v.format(years="")
        except (KeyError, IndexError, ValueError):
            raise FrameworkError(f"report.judgements.{k}：表述中只能使用 {{years}} 占位") from None
    veto = str(block.get("veto_judgement") or DEFAULT_VETO_JUDGEMENT)
    try:
        veto.format(veto="", grade="")
    except (KeyError, IndexError, ValueError):
        raise FrameworkError("report.veto_judgement：表述中只能使用 {veto} 和 {grade} 占位") from None
    basis = block.get("basis") or DEFAULT_BASIS
    if isinstance(basis, str) or not all(isinstance(b, str) and b.strip() for b in basis):
        raise FrameworkError("report.basis：应为非空文字列表")
    docs = block.get("document_sections") or {}
    if not isinstance(docs, dict):
        raise FrameworkError("report.document_sections：应为键值对象（查阅资料项目 -> 部分代码）")
    docs = {str(k): str(v) for k, v in docs.items()}
    if fw is not None:
        codes = {s.code for s in fw.sections}
        station = {s.code for s in fw.sections if s.scope == "station"}
        bad = [f"{k}: {v}" for k, v in docs.items() if v not in codes]
        bad += [f"{k}: {v}（按片区评估的部分不能接收查阅资料记录）" for k, v in docs.items() if v in codes - station]
        if bad:
            raise FrameworkError(f"report.document_sections：未知部分代码（{'；'.join(bad)}）")
        docs.setdefault("default", next((s.code for s in fw.sections if s.scope == "station"), ""))
    ag = block.get("agreement") or {}
    if not isinstance(ag, dict):
        raise FrameworkError("report.agreement：应为键值对象")
    agreement = dict(DEFAULT_AGREEMENT)
    readings = dict(DEFAULT_AGREEMENT_READINGS)
    for k, v in ag.items():
        if k == "readings":
            if not isinstance(v, dict) or not set(v) <= set(readings):
                raise FrameworkError(f"report.agreement.readings：应为 {'、'.join(readings)} 的表述")
            for rk, rv in v.items():
                try:
                    str(rv).format(alpha="", cells=0, experts=0)
                except (KeyError, IndexError, ValueError):
                    raise FrameworkError(f"report.agreement.readings.{rk}：表述中只能使用 {{alpha}} {{cells}} {{experts}} 占位") from None
                readings[rk] = str(rv)
            continue
        if k not in DEFAULT_AGREEMENT:
            raise FrameworkError(f"report.agreement：未知的阈值“{k}”（可用：{'、'.join(DEFAULT_AGREEMENT)}、readings）")
        try:
            d = D(v)
        except Exception:
            d = None
        if d is None or not d.is_finite() or not -1 <= d <= 1:
            raise FrameworkError(f"report.agreement.{k}：应为 -1 到 1 之间的数字，实际为“{v}”")
        agreement[k] = v
    agreement = {k: D(v) for k, v in agreement.items()}
    if agreement["tentative"] > agreement["reliable"]:
        raise FrameworkError("report.agreement：tentative 阈值不能高于 reliable 阈值")
    return ReportRules(thresholds=th, judgements=judgements, veto_judgement=veto,
                       basis=tuple(str(b) for b in basis), standard=str(block.get("standard") or DEFAULT_STANDARD),
                       document_sections=docs, agreement=agreement, agreement_readings=readings,
                       midterm=parse_midterm(block.get("midterm")))
