"""Use cases of the satisfaction phone survey: sample, assignment, call forms, calls, results.

Reads and writes through db/survey.py and applies the rules of core/survey/rules.py. Names
and phone numbers leave this module masked (core.masking), except in `call_form`,
which gives them in full to the caller the client is assigned to; free text (call
comments) goes through the assessment's scrubber (core.privacy).
"""
from __future__ import annotations

from collections import Counter

from db import survey as survey_db
from db.connection import transaction

from core import derived
from core.survey import rules as survey
from core.assessment import team
from core.errors import InvalidValue, NotFound, PermissionDenied
from core.labels import AAPOR_CODES
from core.masking import mask_name, mask_phone
from core.privacy import scrubber
from core.station.register import NO_PHONE, household_key
from core.assessment.team import framework_of
from core.assessment.team import get_assessment, get_station

# Readers used as they are.
register = survey_db.register            # (db, assessment_id) -> full register rows (for drawing and hashing only)
current_sample = survey_db.current_sample
call_count = survey_db.call_count
callers = survey_db.callers


class _RegisterFacts:
    """Persons, households, per-community persons and the register's hash, as a fold of
    core.derived.register_fold (rows: db.clients.REGISTER_COLUMNS — id, name, phone, phone2, community,
    category, household): an edit swaps its rows, the whole register is not read again."""

    def __init__(self) -> None:
        self.hash = survey.RegisterHash()
        self.households: Counter = Counter()      # household key -> persons
        self.communities: Counter = Counter()     # community as the 片区 rule reads it -> persons
        self.persons = 0

    @staticmethod
    def _identity(r: tuple) -> tuple:
        return r[1], r[2], r[4], r[5], r[6]      # survey.register_hash_of's fields, in its order

    def load(self, rows) -> None:
        rows = list(rows)
        self.hash.load(map(self._identity, rows))
        self.households = Counter(household_key(r[6], r[0]) for r in rows)
        self.communities = Counter(str(r[4] or "").strip() for r in rows)
        self.persons = len(rows)

    def _count(self, row: tuple, n: int) -> None:
        for counter, k in ((self.households, household_key(row[6], row[0])),
                           (self.communities, str(row[4] or "").strip())):
            counter[k] += n
            if not counter[k]:
                del counter[k]
        self.persons += n

    def add(self, row: tuple) -> None:
        self.hash.add(self._identity(row))
        self._count(row, 1)

    def remove(self, row: tuple) -> None:
        self.hash.remove(self._identity(row))
        self._count(row, -1)

    def facts(self) -> dict:
        return {"persons": self.persons, "households": len(self.households),
                "size": self.persons, "communities": dict(self.communities)}


def _register_facts(db, assessment_id: int) -> dict:
    """{persons, households, size, communities} of the current register, once per change of the
    register (core.derived), kept up to date row by row (_RegisterFacts): `communities` {community as
    the 片区 rule reads it: persons}."""
    def build() -> dict:
        return derived.register_fold(db, assessment_id, "register_facts", _RegisterFacts, _RegisterFacts.facts)
    return derived.by_register(db, assessment_id, "register_facts", build)


def _register_matches(db, assessment_id: int, digest: str | None) -> bool:
    """Is the current register the one whose survey.register_hash is `digest` (a sample's)? Mostly
    answered without hashing the register again (survey.RegisterHash.matches)."""
    def build() -> bool:
        return derived.register_fold(db, assessment_id, "register_facts", _RegisterFacts,
                                     lambda fold: fold.hash.matches(digest))
    return derived.by_register(db, assessment_id, ("register_matches", digest), build)


def _area_population(db, assessment_id: int, area_of: dict[str, str]) -> dict[str, int]:
    """Persons of the register per 片区 (through their community: survey.area_name's rule), from the
    register's per-community counts (read once per change of the register)."""
    out: dict[str, int] = {}
    for comm, n in _register_facts(db, assessment_id)["communities"].items():
        a = survey.area_name({"community": comm}, area_of)
        out[a] = out.get(a, 0) + n
    return out


def _register_changed(db, assessment_id: int, sample: dict, persons: int) -> bool:
    """Is the register no longer the one `sample` was drawn from? Another number of persons says so
    at once (the hash covers every row); else the kept hash tells (_register_matches)."""
    drawn_from = sample.get("register_persons")
    if drawn_from and drawn_from != persons:
        return True
    return not _register_matches(db, assessment_id, sample["register_hash"])


def current_register_hash(db, assessment_id: int) -> str:
    """survey.register_hash of the current register (even when empty)."""
    def build() -> str:
        return derived.register_fold(db, assessment_id, "register_facts", _RegisterFacts,
                                     lambda fold: fold.hash.hexdigest())
    return derived.by_register(db, assessment_id, "register_hash", build)


def register_overview(db, assessment_id: int) -> dict:
    """{persons, households, register_hash} of the current register (households by the one
    rule, core.station.register.register_summary); register_hash is None for an empty register."""
    f = _register_facts(db, assessment_id)
    return {"persons": f["persons"], "households": f["households"],
            "register_hash": current_register_hash(db, assessment_id) if f["size"] else None}


# ---------- sample ----------

def area_map(db, assessment_id: int) -> dict[str, str]:
    """{community: 片区 name} of the assessment's station."""
    return survey.area_of_community(team.list_areas(db, team.get_assessment(db, assessment_id)["station_id"]))


def draw_sample(db, assessment_id: int, member_id: int, seed: str | None = None, size: int = survey.MIN_SAMPLE,
                reserve: int = 0, confirm_redraw: bool = False, design: str = "") -> int:
    """Draw (or redraw) the sample from the current register; return the sample id.

    `design`: "" simple random, "area" stratified by 片区 (the client's community), "category" by
    the client's first category — proportional allocation, recorded with the sample.

    The lead or staff may draw while no call has been recorded; once calls exist only
    the lead may redraw, with `confirm_redraw=True` (the old sample and its calls are
    kept inactive)."""
    seed = survey.new_seed() if seed is None or not str(seed).strip() else str(seed).strip()
    with transaction(db):
        clients = survey_db.register(db, assessment_id)
        if not clients:
            raise InvalidValue("重点服务对象名册为空，请先导入名册再抽样")
        try:
            d = survey.draw(clients, seed, size, reserve, design=design or "",
                            area_of=area_map(db, assessment_id) if design == "area" else None)
        except ValueError as e:
            raise InvalidValue(str(e)) from None
        drawn = {"seed": d.seed, "register_hash": d.register_hash, "size": int(size),
                 "sample": [c["id"] for c in d.sample], "reserve": [c["id"] for c in d.reserve],
                 "register_persons": len(clients), "design": d.design, "allocation": d.allocation}
        return survey_db.draw(db, assessment_id, member_id, drawn, confirm_redraw=confirm_redraw)


def verify_sample(db, assessment_id: int) -> dict:
    """Redraw with the stored seed on the current register and compare with the stored sample.

    {register_matches, sample_matches, stored_hash, current_hash}."""
    s = survey_db.current_sample(db, assessment_id)
    if s is None:
        raise NotFound("尚未抽样")
    clients = survey_db.register(db, assessment_id)
    design = s.get("design") or ""
    d = survey.draw(clients, s["seed"], s["size"], s["reserve_size"], design=design,
                    area_of=area_map(db, assessment_id) if design == "area" else None) if clients else None
    redrawn = [] if d is None else [(c["id"], 0) for c in d.sample] + [(c["id"], 1) for c in d.reserve]
    current = survey.register_hash(clients)
    return {"register_matches": current == s["register_hash"], "sample_matches": survey_db.sample_members(db, s["id"]) == redrawn,
            "stored_hash": s["register_hash"], "current_hash": current}


def withdraw_sample(db, assessment_id: int, lead_id: int, confirm: bool = False) -> None:
    """Withdraw every sample (lead only), e.g. so the register can be replaced; `confirm=True`
    once calls exist (they are deleted with it)."""
    survey_db.withdraw(db, assessment_id, lead_id, confirm=confirm)


# ---------- items and assignment ----------

def _masked(item: dict, calls: list[dict]) -> dict:
    out = {k: v for k, v in item.items() if k not in ("name", "phone")}
    out["name"] = mask_name(item["name"])
    out["phone"] = mask_phone(item["phone"]) or NO_PHONE
    out["attempts"] = len(calls)
    out["status"] = survey.client_status(calls, item)
    out["status_label"] = survey.status_label(out["status"])
    out["last_outcome"] = calls[-1]["outcome"] if calls else ""
    out["last_called_at"] = calls[-1]["called_at"] if calls else ""
    out["retry_at"] = (calls[-1].get("retry_at") or "") if calls else ""
    if out["status"] == survey.RETRY:
        out["status_label"] += f"（{survey.retry_text(out['retry_at'])}）"
    out["disposition"] = survey.disposition(calls, item)
    out["disposition_label"] = AAPOR_CODES[out["disposition"]]
    return out


def list_items(db, assessment_id: int) -> list[dict]:
    """Every item of the active sample (name and phone masked), with status and attempts."""
    s = survey_db.current_sample(db, assessment_id)
    if s is None:
        return []
    calls = survey_db.calls_by_item(db, s["id"])
    return [_masked(it, calls.get(it["id"], [])) for it in survey_db.items(db, s["id"])]


def my_calls(db, assessment_id: int, member_id: int) -> list[dict]:
    """The caller's own list (masked): only items assigned to `member_id`."""
    s = survey_db.current_sample(db, assessment_id)
    if s is None:
        return []
    calls = survey_db.calls_by_item(db, s["id"])
    return [_masked(it, calls.get(it["id"], [])) for it in survey_db.items(db, s["id"], caller_id=member_id)]


def call_queue(db, assessment_id: int, member_id: int, now: str | None = None) -> list[dict]:
    """The caller's clients still to call, in the order to call them (core.survey.rules.call_order):
    a second attempt whose time has come, then clients never called, then second attempts
    "after the others", then those set for a later time. Masked like `my_calls`."""
    now = now or survey.claim_times()[0]
    return survey.call_order(my_calls(db, assessment_id, member_id), now)


def assignment_counts(items: list[dict]) -> tuple[dict[int, int], int]:
    """({caller id: items assigned}, main-sample items not assigned yet) of `list_items`."""
    per_caller: dict[int, int] = {}
    for i in items:
        if i["caller_id"]:
            per_caller[i["caller_id"]] = per_caller.get(i["caller_id"], 0) + 1
    return per_caller, sum(1 for i in items if not i["reserve"] and not i["caller_id"])


def assign(db, assessment_id: int, lead_id: int, item_ids: list[int], caller_id: int | None) -> int:
    """Give the items to a caller (None = unassign). Lead only; one audit row. Returns how many changed."""
    return survey_db.assign(db, assessment_id, lead_id, [(int(i), caller_id) for i in item_ids])


def assign_evenly(db, assessment_id: int, lead_id: int, caller_ids: list[int]) -> int:
    """Share the unassigned main-sample items among the callers in turn; return how many."""
    if not caller_ids:
        raise InvalidValue("请至少选择一名回访人员")
    with transaction(db):
        s = survey_db.current_sample(db, assessment_id)
        if s is None:
            raise InvalidValue("尚未抽样")
        ids = survey_db.unassigned_main_items(db, s["id"])
        survey_db.assign(db, assessment_id, lead_id, [(iid, caller_ids[k % len(caller_ids)]) for k, iid in enumerate(ids)])
    return len(ids)


# ---------- the call form ----------

def call_form(db, assessment_id: int, member_id: int, item_id: int) -> dict:
    """The call form for the assigned caller: full name and phone, previous attempts (comments
    scrubbed), the next attempt number, and `claimed_by_other` (name) when someone else has it open."""
    it = survey_db.item(db, assessment_id, item_id)
    if it["caller_id"] != member_id:
        raise PermissionDenied(f"抽样对象第 {it['position']} 号未分配给您，不能查看其联系方式")
    scrub = scrubber(db, assessment_id)
    calls = [dict(c, comment=scrub(c["comment"])) for c in survey_db.item_calls(db, item_id)]
    _, live_after, _ = survey.claim_times()
    other = None
    if it["claimed_by"] and it["claimed_by"] != member_id and (it["claimed_at"] or "") > live_after:
        other = it["claimer_name"]
    return {"item_id": item_id, "position": it["position"], "reserve": bool(it["reserve"]),
            "name": it["name"], "phone": it["phone"], "community": it["community"],
            "category": it["category"], "calls": calls, "next_attempt": len(calls) + 1,
            "status": survey.item_status(calls), "claimed_by_other": other,
            "script": caller_script(db, assessment_id, name=it["name"])}


def claim(db, assessment_id: int, member_id: int, item_id: int) -> str | None:
    """Mark the item as being recorded by `member_id` (releasing the member's other claims).

    Returns the other member's name, without taking the claim, when someone else claimed
    it less than CLAIM_MINUTES ago; None when the claim is ours."""
    at, live_after, fresh_after = survey.claim_times()
    return survey_db.claim(db, assessment_id, member_id, item_id, at, live_after, fresh_after)


def release(db, assessment_id: int, member_id: int, item_id: int) -> bool:
    """The caller leaves the item's form (another client chosen): drop the caller's claim on it.

    False, writing nothing, when the caller holds no claim on it (never claimed, already
    released by a saved call, or taken over)."""
    with transaction(db):
        if survey_db.item(db, assessment_id, item_id)["claimed_by"] != member_id:
            return False
        return survey_db.release(db, assessment_id, member_id, item_id)


def record_call(db, assessment_id: int, member_id: int, item_id: int, attempt: int, outcome: str,
                respondent: str = "", knows_worker: bool | None = None, awareness: dict | None = None,
                satisfaction: dict | None = None, overall: int | None = None, comment: str = "",
                called_at: str | None = None, retry_at=None) -> int:
    """Save one call attempt as entered; return its id.

    `attempt` is the attempt number the caller's form showed: if another save got there
    first the call is refused naming who recorded it. A client whose calls are final
    (reached, refused, 空号, two failures) takes no more calls. Answers are kept only for a
    reached call (接通). After a failed attempt worth another (无人接听, 非本人) `retry_at` sets when to
    try again (a time today, a datetime or ISO text; None: after the other clients)."""
    problems = survey.validate_call(outcome, respondent, knows_worker, awareness, satisfaction, overall)
    try:
        retry = survey.retry_time(retry_at)
    except ValueError as e:
        problems = problems + [str(e)]
        retry = ""
    row = survey.call_row(outcome, respondent, knows_worker, awareness, satisfaction, overall, comment, retry) \
        if not problems else {}
    at, live_after, _ = survey.claim_times()
    with transaction(db):
        survey_db.item(db, assessment_id, item_id)
        final = survey.final_label(survey_db.item_calls(db, item_id))
        return survey_db.record_call(db, assessment_id, member_id, item_id, int(attempt), row, called_at or at,
                              live_after, final=final, problems=problems)


# ---------- the caller's script ----------

def script(db, assessment_id: int) -> list[dict]:
    """Every line of the caller's script: {key, label, text (in force), framework (the framework's
    wording), edited (the lead changed it for this assessment)}."""
    fw_script = survey.merge_script(framework_of(db, assessment_id).survey_script, {})
    edits = survey_db.script_texts(db, assessment_id)
    merged = survey.merge_script(fw_script, edits)
    return [{"key": k, "label": survey.SCRIPT_LABELS[k], "text": merged[k], "framework": fw_script[k],
             "edited": bool((edits.get(k) or "").strip()) and edits[k] != fw_script[k]} for k in survey.DEFAULT_SCRIPT]


def caller_script(db, assessment_id: int, name: str = "") -> dict[str, str]:
    """The script in force with {station}, {org} and {name} filled in (the call form)."""
    a = get_assessment(db, assessment_id)
    station = get_station(db, a["station_id"])
    values = {"station": station.get("short_name") or station["name"], "org": a.get("evaluator_org") or "评估机构",
              "name": name or "您"}
    return {line["key"]: survey.fill_script(line["text"], **values) for line in script(db, assessment_id)}


def set_script(db, assessment_id: int, lead_id: int, key: str, text: str) -> None:
    """The lead rewords one line of the caller's script for this assessment ('' or the framework's
    wording: back to the framework's)."""
    if key not in survey.DEFAULT_SCRIPT:
        raise InvalidValue(f"未知的话术项“{key}”")
    text = (text or "").strip()
    with transaction(db):
        if text == next(line["framework"] for line in script(db, assessment_id) if line["key"] == key):
            text = ""
        survey_db.set_script_text(db, assessment_id, lead_id, key, text)


# ---------- results and exports ----------

def survey_results(db, assessment_id: int) -> survey.SurveyResults:
    """Results of the active sample (an empty SurveyResults when nothing is drawn)."""
    s = survey_db.current_sample(db, assessment_id)
    if s is None:
        return survey.compute_results(None, [], {})
    facts = _register_facts(db, assessment_id)
    area_of = area_map(db, assessment_id)
    items = survey_db.items(db, s["id"])
    register = {"changed": _register_changed(db, assessment_id, s, facts["size"]), "size": facts["size"],
                "population": _area_population(db, assessment_id, area_of)}

    def compute() -> survey.SurveyResults:
        # The calls read no register row: kept through a register edit (core.derived.by_other).
        calls = derived.by_other(db, assessment_id, ("survey_calls", s["id"]),
                                 lambda: survey_db.calls_by_item(db, s["id"]))
        return survey.compute_results(s, items, calls, register_changed=register["changed"],
                                      register_size=register["size"], area_of=area_of,
                                      area_population=dict(register["population"]))
    # The results are made once per change of the survey's rows (the sample, its items and calls: the
    # `other` mark) and of what they read of the register: the sampled persons' rows and the figures
    # above. A register edit elsewhere, once 名册已变 shows, leaves them as they were.
    return derived.by_other_and_value(db, assessment_id, ("survey_results", s["id"]), (items, register, area_of),
                                      compute)


def evidence(db, assessment_id: int) -> survey.SurveyResults | None:
    """For core.station.suggest (rule "satisfaction"): the results, or None before any call is answered."""
    res = survey_results(db, assessment_id)
    return res if res.reached else None


def export_rows(db, assessment_id: int) -> list[dict]:
    """One masked row per sampled client for the CSV (已脱敏; Chinese headers): names and phones
    masked, comments through the assessment's scrubber."""
    s = survey_db.current_sample(db, assessment_id)
    if s is None:
        return []
    calls = survey_db.calls_by_item(db, s["id"])
    scrub = scrubber(db, assessment_id)
    scale = survey.SATISFACTION_SCALE
    out = []
    for it in survey_db.items(db, s["id"]):
        cs = calls.get(it["id"], [])
        if it["reserve"] and not cs and it["caller_id"] is None:
            continue
        r = next((c for c in cs if c["outcome"] == survey.REACHED), None)
        row = {"序号": it["position"], "候补": "是" if it["reserve"] else "", "姓名": mask_name(it["name"]),
               "电话": mask_phone(it["phone"]), "社区": it["community"], "类别": it["category"],
               "回访人": it["caller_name"] or "", "拨打次数": len(cs), "状态": survey.status_label(survey.item_status(cs)),
               "AAPOR 结果": AAPOR_CODES[survey.disposition(cs, it)],
               "受访者": r["respondent"] if r else "",
               "认识社工": ("是" if r["knows_worker"] else "否") if r else ""}
        for k in survey.AWARENESS_ITEMS:
            row[f"知晓-{k}"] = ("是" if r["awareness"].get(k) else "否") if r else ""
        for k in survey.SATISFACTION_ITEMS:
            v = r["satisfaction"].get(k) if r else None
            row[k] = scale.get(v, "") if v else ""
        row[survey.OVERALL] = scale.get(r["overall"], "") if r else ""
        row["备注"] = scrub(r["comment"] if r else (cs[-1]["comment"] if cs else ""))
        out.append(row)
    return out
