"""The day's plan: the agenda of the visit, each stage's progress from the data, and what each
member has still to do (the home page after login).

The agenda defaults to the sample report's seven steps (听取介绍 … 总结反馈) until the lead edits
it; the lead's agenda is stored by db.dayplan (one guarded, logged write). Progress is computed
from what is recorded — site records made and documents checked, calls reached of the sample,
cells scored of those assigned, submissions — never typed in.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from db import dayplan as plan_db

from core.survey import calls
from core.station import interviews
from core.report import edits as report_edit
from core.report import words as report_text
from core.scoring import scoresheet
from core.scoring import signoff
from core.station import data as station_data
from core.survey import rules as survey
from core.assessment import team
from core import derived
from core.errors import InvalidValue
from core.labels import INTERVIEW_GROUPS, ROLES
from core.numbers import fmt_number
from core.report.check import CheckItem
from core.report.make import page_view

# code, name, planned start, planned end (the sample report's 评估方法, in its order).
DEFAULT_STAGES = (
    ("intro", "听取介绍", "09:00", "09:30"),
    ("observation", "实地观察", "09:30", "10:00"),
    ("document", "查阅资料", "10:00", "12:00"),
    ("service_interview", "服务访谈", "13:30", "14:30"),
    ("ops_interview", "机构运营访谈", "14:30", "15:30"),
    ("survey", "满意度调查", "09:30", "16:00"),
    ("feedback", "总结反馈", "16:00", "17:00"),
)
STAGE_CODES = {code: name for code, name, _, _ in DEFAULT_STAGES}
# The page where each stage's work is recorded (keys of pages._shared.PAGES).
STAGE_PAGES = {"intro": "site_records", "observation": "site_records", "document": "site_records",
               "service_interview": "site_records", "ops_interview": "site_records", "survey": "survey",
               "feedback": "report"}
# The interviewees each interview stage counts (core.station.interviews, one note per interviewee): the
# organisation's managers at 机构运营访谈, everyone else (社工, 服务对象, 居委, 街道) at 服务访谈.
STAGE_INTERVIEW_GROUPS = {"service_interview": ("worker", "client", "partner", "street"),
                          "ops_interview": ("manager",)}
_TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")


# ---------- rules ----------

def clean_time(value, where: str) -> str:
    """'9:00', '09：00', a datetime.time -> '09:00'; '' stays ''; anything else refused in Chinese."""
    if value is None or value == "" or value != value:     # NaN / NaT of an empty table cell
        return ""
    if isinstance(value, (_dt.time, _dt.datetime)):
        return value.strftime("%H:%M")
    text = str(value).strip()
    if not text or text.lower() in ("nan", "nat", "none"):
        return ""
    m = _TIME.match(text)
    if not m:
        raise InvalidValue(f"{where}：时间“{text}”无效，应为 时:分（如 09:30）")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def clean_stages(rows: list[dict]) -> list[dict]:
    """The lead's agenda rows checked: a name each, times as HH:MM, the end not before the start;
    a stage keeps its code (which data measures it) only while it is a known one."""
    out = []
    for n, r in enumerate(rows, 1):
        where = f"日程第 {n} 行"
        name = str(r.get("name") or "").strip()
        if name.lower() in ("nan", "none"):
            name = ""
        starts, ends = clean_time(r.get("starts"), where + "“开始”"), clean_time(r.get("ends"), where + "“结束”")
        if not name:
            if not (starts or ends or str(r.get("note") or "").strip()):
                continue        # an empty row added and left blank
            raise InvalidValue(f"{where}：环节名称不能为空")
        if starts and ends and ends < starts:
            raise InvalidValue(f"{where}（{name}）：结束时间 {ends} 早于开始时间 {starts}")
        code = r.get("code") or ""
        note = str(r.get("note") or "").strip()
        out.append({"code": code if code in STAGE_CODES else "", "name": name, "starts": starts, "ends": ends,
                    "note": "" if note.lower() in ("nan", "none") else note})
    if not out:
        raise InvalidValue("日程至少需要一个环节")
    return out


def interview_progress_text(made: int, total: int, per_group: dict[str, int]) -> str:
    """'已访谈 4 / 5 人（社工 2、服务对象 2）'; '尚无访谈记录' before the first note."""
    if not total:
        return "尚无访谈记录"
    groups = "、".join(f"{INTERVIEW_GROUPS[g]} {n}" for g, n in per_group.items())
    return f"已访谈 {made} / {total} 人" + (f"（{groups}）" if groups else "")


@dataclass
class Stage:
    code: str
    name: str
    starts: str
    ends: str
    note: str
    done: int | None = None        # measured progress (None: nothing measures this stage)
    total: int | None = None
    progress_text: str = ""
    page: str | None = None         # where its work is recorded

    @property
    def time_text(self) -> str:
        if self.starts and self.ends:
            return f"{self.starts}–{self.ends}"
        return self.starts or self.ends or "未定时间"

    @property
    def share(self) -> float | None:
        if self.done is None or not self.total:
            return None
        return min(1.0, self.done / self.total)


# ---------- the agenda ----------

def agenda(db, assessment_id: int) -> list[dict]:
    """The agenda rows: the lead's, or the seven default steps (not stored until edited)."""
    rows = plan_db.stages(db, assessment_id)
    if rows:
        return [{k: r[k] for k in ("code", "name", "starts", "ends", "note")} for r in rows]
    return [{"code": c, "name": n, "starts": s, "ends": e, "note": ""} for c, n, s, e in DEFAULT_STAGES]


def is_default(db, assessment_id: int) -> bool:
    return not plan_db.stages(db, assessment_id)


def save_agenda(db, assessment_id: int, lead_id: int, rows: list[dict]) -> bool:
    """The lead's agenda (every row checked, errors name the row); True when it changed."""
    return plan_db.replace_stages(db, assessment_id, lead_id, clean_stages(rows))


# ---------- progress ----------

def _made(r: dict) -> bool:
    return bool((r.get("notes") or "").strip() or (r.get("finding") or "").strip() or r.get("status"))


def stage_progress(db, assessment_id: int) -> list[Stage]:
    """The agenda with each stage's progress measured from the data: made once per change of the assessment's
    data (core.derived.by_data) and shared between sessions and reruns, read-only (the lead's home page, drawn
    at every switch to it, issue 27)."""
    return derived.by_data(db, assessment_id, "stage_progress", lambda: _stage_progress(db, assessment_id))


def _stage_progress(db, assessment_id: int) -> list[Stage]:
    records = station_data.list_site_records(db, assessment_id)
    by_kind: dict[str, list[dict]] = {}
    for r in records:
        by_kind.setdefault(r["kind"], []).append(r)
    res = calls.survey_results(db, assessment_id)
    texts = report_edit.get_texts(db, assessment_id)
    scorers = signoff.scorers(db, assessment_id)

    def records_made(rows, noun="条"):
        made = sum(1 for r in rows if _made(r))
        text = f"已记录 {made} / {len(rows)} {noun}" if rows else "尚无记录"
        return made, len(rows), text

    out = []
    for row in agenda(db, assessment_id):
        st = Stage(**row, page=STAGE_PAGES.get(row["code"]))
        code = row["code"]
        if code in ("intro", "observation"):
            st.done, st.total, st.progress_text = records_made(by_kind.get(code, []), "项")
        elif code == "document":
            rows = by_kind.get("document", [])
            checked = sum(1 for r in rows if r.get("status"))
            found = sum(1 for r in rows if r.get("status") == "finding")
            st.done, st.total = checked, len(rows)
            st.progress_text = (f"已查阅 {checked} / {len(rows)} 项资料" + (f"，发现问题 {found} 项" if found else "")
                                if rows else "尚无资料清单")
        elif code in STAGE_INTERVIEW_GROUPS:
            made, total, per_group = interviews.progress(db, assessment_id, STAGE_INTERVIEW_GROUPS[code])
            st.done, st.total, st.progress_text = made, total, interview_progress_text(made, total, per_group)
        elif code == "survey":
            if not res.drawn:
                st.progress_text = "尚未抽样"
            else:
                finished = res.reached + res.refused + res.unreachable
                st.done, st.total = finished, res.sample_size
                st.progress_text = (f"接通 {res.reached} / 样本 {res.sample_size}；无法接通 {res.unreachable}、"
                                    f"拒访 {res.refused}，待拨 {res.pending}")
        elif code == "feedback":
            onsite = sum(1 for k in report_text.ONSITE_KEYS if (texts.get(k) or "").strip())
            submitted = sum(1 for s in scorers if s["submitted"])
            st.done, st.total = submitted, len(scorers)
            st.progress_text = (f"专家已提交 {submitted} / {len(scorers)}；现场反馈已记录 {onsite} / "
                                f"{len(report_text.ONSITE_KEYS)} 方")
        out.append(st)
    return out


def scoring_progress(db, assessment_id: int) -> dict:
    """{scored, assigned, submitted, scorers}: cells scored of those assigned, over every scorer."""
    s = signoff.scorers(db, assessment_id)
    return {"scored": sum(x["scored"] for x in s), "assigned": sum(x["assigned"] for x in s),
            "submitted": sum(1 for x in s if x["submitted"]), "scorers": len(s)}


def team_items(db, assessment_id: int) -> list[CheckItem]:
    """What a new assessment needs first: experts added, and every section given to one."""
    members = team.list_members(db, assessment_id)
    if not any(m["role"] == "expert" for m in members):
        return [CheckItem("team", "尚未添加评估专家：先在「评估设置」添加专家和工作人员（姓名与 PIN），并分配各自负责评分的部分",
                          True, "setup")]
    given = {tuple(sec)[0] for m in members for sec in (m.get("sections") or [])}
    missing = [s.code for s in team.framework_of(db, assessment_id).sections if s.code not in given]
    if missing:
        return [CheckItem("sections", f"部分 {'、'.join(missing)} 尚未分配给任何专家（在「评估设置」中分配）", True,
                          "setup")]
    return []


def open_items(db, assessment_id: int) -> list:
    """The pre-export check's open items (core.report.check.CheckItem, blocking first), each naming
    the page that fixes it; a new assessment's list starts with adding the team. The report's part is the report
    page's check (core.report.make.page_view), made once per change of the assessment's data and shared: the
    lead's home page does not gather the whole report on every rerun."""
    return team_items(db, assessment_id) + page_view(db, assessment_id).checks


# ---------- what an expert and a staff member have to do ----------

def expert_plan(db, assessment_id: int, member_id: int) -> dict:
    """An expert's day: their sections (with 片区) and progress in each, their open flags (cells
    where experts disagree that they scored), and their sign-off."""
    a = team.get_assessment(db, assessment_id)
    fw = team.framework_of(db, assessment_id)
    areas = {x["code"]: x["name"] for x in team.list_areas(db, a["station_id"])}
    cells = team.assigned_cells(db, assessment_id, member_id)
    p = signoff.progress(db, assessment_id, member_id)
    missing = set(p["missing"])
    groups: dict[tuple[str, str], list] = {}
    for code, ac in cells:
        ind = fw.indicator(code)
        groups.setdefault((ind.section_code, ac), []).append((code, ac))
    sections = []
    for sec in fw.sections:
        for (sc, ac), gcells in groups.items():
            if sc != sec.code:
                continue
            sections.append({"label": f"{sec.code} {sec.name}" + (f" · {areas.get(ac, ac)}" if ac else ""),
                             "assigned": len(gcells), "scored": sum(1 for c in gcells if c not in missing)})
    result = scoresheet.result(db, assessment_id)
    flags = []
    for c in result.flags:
        if member_id in c.expert_values:
            where = f"（{areas.get(c.area_code, c.area_code)}）" if c.area_code else ""
            mine = c.expert_values[member_id]
            others = [v for mid, v in c.expert_values.items() if mid != member_id]
            flags.append({"label": f"{c.indicator.code} {c.indicator.name}{where}",
                          "mine": "不适用" if mine is None else fmt_number(mine),
                          "others": "、".join("不适用" if v is None else fmt_number(v) for v in others),
                          "decided": c.override is not None})
    return {"sections": sections, "assigned": p["assigned"], "scored": p["scored"], "missing": p["missing"],
            "flags": flags, "submission": signoff.submission_of(db, assessment_id, member_id),
            "role_label": ROLES[team.get_member(db, member_id)["role"]]}


def staff_plan(db, assessment_id: int, member_id: int) -> dict:
    """A caller's day: their calls (masked), the next client in the calling order, and how many
    are reached, unreachable, refused and still to call."""
    mine = calls.my_calls(db, assessment_id, member_id)
    queue = calls.call_queue(db, assessment_id, member_id)
    count = lambda status: sum(1 for i in mine if i["status"] == status)   # noqa: E731
    return {"drawn": calls.current_sample(db, assessment_id) is not None, "assigned": len(mine),
            "reached": count(survey.STATUS_REACHED), "unreachable": count(survey.UNREACHABLE),
            "refused": count(survey.STATUS_REFUSED), "to_call": len(queue), "next": queue[0] if queue else None,
            "retry": count(survey.RETRY), "queue": queue}
