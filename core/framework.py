"""Scoring frameworks are data: YAML files in core/frameworks/, loaded and validated here."""
from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .numbers import D

FRAMEWORK_DIR = Path(__file__).parent / "frameworks"
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
    )
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
    """Every framework file shipped in core/frameworks, by id (read once per process)."""
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
    `framework_id`. core.team.framework_of is the use case every caller with a database uses;
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
