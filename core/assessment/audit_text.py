"""The audit log in words: the before/after of each row as a reader sees it (修改记录 page and the
Excel sheet), never raw JSON. Pure functions; the labels of stored codes are core.labels'.

    describe('{"value": 4.0, "na": false, "note": ""}')  ->  '分数：4；不适用：否；备注：（空）'
"""
from __future__ import annotations

import json
import re

from core.labels import (ASSESSMENT_STATUS, ATTACHMENT_TYPES, AUDIT_ACTIONS, AUDIT_FIELDS, CALL_STATUSES,
                         FINDING_KINDS, INTERVIEW_GROUPS, ROLES, SATISFACTION_SCALE, SITE_KINDS, SITE_STATUSES)
from core.masking import mask_name, mask_phone
from core.numbers import fmt_number
from core.labels import FEEDBACK_KEYS, TEXT_KEYS, section_label

EMPTY = "（空）"

_PERSON_ENTITIES = ("member", "client", "clients", "survey_item", "submission", "interview")
_BOOL_FIELDS = {"na", "failed", "active", "knows_worker", "confirm", "deleted", "personal"}
_JSON_FIELDS = {"awareness", "satisfaction", "detail", "source_finding_ids", "communities"}
_CODE_LABELS = {"kind": {**FINDING_KINDS, **SITE_KINDS}, "role": ROLES, "action": AUDIT_ACTIONS,
                "status": {**SITE_STATUSES, **CALL_STATUSES, **ASSESSMENT_STATUS, "": EMPTY},
                "overall": SATISFACTION_SCALE, "group_code": INTERVIEW_GROUPS, "mime": ATTACHMENT_TYPES}
_MEMBER_FIELDS = {"member_id", "caller_id", "claimed_by", "reopened_by"}
_PEOPLE_ENTITIES = ("client", "register", "survey", "interview")


class _Ctx:
    """What the words need beyond the value: member names, labels of section / 片区 codes, and
    whether `name` is a person's (姓名) or a thing's (名称)."""

    def __init__(self, names=None, codes=None, person=False):
        self.names = names or {}
        self.codes = codes or {}
        self.person = person


def actor_label(actor: str | None) -> str:
    """Who made a change: the member's name, 系统 for the app's own rows (imports, set-up)."""
    return "系统" if actor == "system" else (actor or "")


def label_of(field: str, ctx: _Ctx | None = None) -> str:
    if field == "name" and ctx is not None and not ctx.person:
        return "名称"
    return AUDIT_FIELDS.get(field, field)


def _scalar(field: str, v, ctx: _Ctx) -> str:
    if v is None or v == "":
        return EMPTY
    if field in _BOOL_FIELDS or isinstance(v, bool):
        return "是" if v else "否"
    if field in _MEMBER_FIELDS and isinstance(v, int):
        return ctx.names.get(v, f"成员 {v}")
    if field in _CODE_LABELS and v in _CODE_LABELS[field]:
        return _CODE_LABELS[field][v]
    if field in ctx.codes and v in ctx.codes[field]:
        return ctx.codes[field][v]
    if field in ("called_at", "submitted_at", "reopened_at", "claimed_at", "retry_at") and isinstance(v, str):
        return v.replace("T", " ")[:16]
    if isinstance(v, float):
        return fmt_number(v)
    return str(v)


def _value(field: str, v, ctx: _Ctx) -> str:
    if field in _JSON_FIELDS and isinstance(v, str) and v[:1] in "{[":
        try:
            v = json.loads(v)
        except ValueError:
            pass
    if isinstance(v, dict):
        if field == "awareness":
            known = [k for k, x in v.items() if x]
            return ("知道：" + "、".join(known)) if known else "均不知道"
        if field == "satisfaction":
            return "；".join(f"{k}：{SATISFACTION_SCALE.get(x, x)}" for k, x in v.items()) or EMPTY
        if field == "detail":
            if "criteria" in v:
                return "达标项：" + ("、".join(f"第 {int(n) + 1} 项" for n in v["criteria"]) or "无")
            if "level" in v:
                return f"达到程度：{v['level'] or EMPTY}"
        return "｛" + _fields(v, ctx) + "｝" if v else EMPTY
    if isinstance(v, (list, tuple)):
        if not v:
            return EMPTY
        if field == "criteria":
            return "、".join(f"第 {int(n) + 1} 项" for n in v)
        return _list(field, v, ctx)
    return _scalar(field, v, ctx)


def _list(field: str, v, ctx: _Ctx) -> str:
    """Pairs such as [section, 片区] as 'B·片区一'; records as ｛…｝, each; scalars joined by 、."""
    out = []
    for x in v:
        if isinstance(x, (list, tuple)) and all(not isinstance(y, (list, tuple, dict)) for y in x):
            out.append("·".join(_scalar("section_code" if n == 0 else "area_code", y, ctx)
                                for n, y in enumerate(x) if y not in (None, "")))
        elif isinstance(x, dict):
            out.append("｛" + _fields(x, ctx) + "｝")
        else:
            out.append(_value(field, x, ctx))
    return "、".join(out)


_ORDER = {k: n for n, k in enumerate(AUDIT_FIELDS)}


def _fields(d: dict, ctx: _Ctx) -> str:
    """'字段：值；…' in the order of AUDIT_FIELDS (the log stores keys sorted alphabetically)."""
    keys = sorted(d, key=lambda k: (_ORDER.get(k, len(_ORDER)), k))
    return "；".join(f"{label_of(k, ctx)}：{_value(k, d[k], ctx)}" for k in keys)


def describe(text, names: dict | None = None, entity: str = "", codes: dict | None = None) -> str:
    """A logged value (JSON text, or the parsed value) in words: '字段：值；…'. '' for nothing logged;
    text that is not JSON is shown as it is. `names`: member id -> name; `entity`: the audit row's
    entity (a member's or client's `name` is 姓名, anything else's 名称); `codes`: field -> {code:
    label} (e.g. section_code -> 'A 项目管理', area_code -> '片区一')."""
    if text is None or text == "":
        return ""
    data = text
    if isinstance(text, str):
        try:
            data = json.loads(text)
        except ValueError:
            return text
    ctx = _Ctx(names, codes, person=any(entity.startswith(p) for p in _PERSON_ENTITIES))
    if isinstance(data, dict):
        return _fields(data, ctx) if data else EMPTY
    if isinstance(data, list):
        return _list("", data, ctx) or EMPTY
    return _scalar("", data, ctx)


def mask_people(text, entity: str):
    """In logged values about the register or the survey, names and phones masked by their field
    (also of clients deleted since, whom the assessment's scrubber no longer knows)."""
    if not text or not any(k in (entity or "") for k in _PEOPLE_ENTITIES):
        return text
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return text

    def walk(x):
        if isinstance(x, dict):
            return {k: (mask_name(v) if k in ("name", "client_name") and isinstance(v, str)
                        else mask_phone(v) if k in ("phone", "phone2", "client_phone") and isinstance(v, str)
                        else walk(v)) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v) for v in x]
        return x

    return json.dumps(walk(data), ensure_ascii=False, sort_keys=True)


def codes_for(framework, areas) -> dict:
    """field -> {code: label} for `describe`: sections (and other parties' 'party:<code>'), 片区,
    veto items."""
    sections = {s.code: section_label(framework, s.code) for s in framework.sections}
    sections.update({f"party:{p.code}": p.label for p in framework.parties})
    return {"section_code": sections, "area_code": {a["code"]: a["name"] for a in areas},
            "veto": {v.code: v.name for v in framework.veto}}


def key_text(entity: str, key, codes: dict | None = None) -> str:
    """The audit row's 编号 in words: a record's number as it is; an indicator with its 片区
    (B3 · 片区二); a report text, another party or a veto item by its name; a list as its count;
    never an internal key or empty braces."""
    codes = codes or {}
    k = "" if key is None else str(key).strip()
    if k in ("", "{}", "[]", "None"):
        return ""
    if entity in ("framework", "login"):
        return k                 # the framework's 编号 as the library lists it; the address or name typed at login
    if entity == "report_text":
        return re.sub(r"（[^）]*）$", "", {**TEXT_KEYS, **FEEDBACK_KEYS}.get(k, "报告文本"))   # no typing hint
    if entity == "party_score":
        return codes.get("section_code", {}).get(f"party:{k}", "其他评估方")
    if entity == "veto":
        return codes.get("veto", {}).get(k, "否决项")
    if "," in k:
        return f"{len([x for x in k.split(',') if x.strip()])} 项"
    if "/" in k and entity in ("score", "override"):
        ind, _, area = k.partition("/")
        return f"{ind} · {codes.get('area_code', {}).get(area, area)}"
    if k.isdigit() or re.fullmatch(r"[A-Z]\d{1,2}", k):
        return k
    return AUDIT_FIELDS.get(k, "")
