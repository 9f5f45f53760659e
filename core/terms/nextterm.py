"""The next assessment of a station, started from this one (issue 24): 「开始本站下一次评估」 and
`python -m core new-term ID --db PATH [--kind 中期|末期] [--keep-pins]`.

What comes over: the team (members, roles and sections; PINs only when the lead says so, otherwise each
member gets a new PIN, shown once), the framework actually used (its frozen version and content, not the
shipped or latest one), 评估方, the station's profile and 片区 (core.terms.start), and the contract indicators
with their names, units and targets — each target marked 待确认 for the lead to check against the new
contract, actuals empty. The 上期评估意见 come from the last locked assessment (start.recommendation_source).
A 末期 after the 中期 of the same contract keeps the contract's dates, year and funding; a new contract year
leaves them to be filled (the pre-export check lists them).
"""
from __future__ import annotations

import re
import secrets

from db import assessments as store
from db import indicators as indicators_db
from db.connection import transaction

from core.agency import stations
from core.assessment import pins, team
from core.errors import InvalidValue
from core.station import data as station_data
from core.station.indicators import clean_table
from core.terms import start

NEXT_KIND = {"中期": "末期", "末期": "中期"}
SAME_CONTRACT = ("period_label", "contract_start", "contract_end", "stats_start", "funding_wan")


def next_period_label(label: str) -> str:
    """'2024—2025 年度' -> '2025—2026 年度' (each year one on); '' when the label names no year."""
    if not re.search(r"\d{4}", label or ""):
        return ""
    return re.sub(r"\d{4}", lambda m: str(int(m.group(0)) + 1), label)


def _fields(old: dict, kind: str) -> dict:
    """The new assessment's fields: 评估方 always; the contract's dates, year and funding when the new term is the
    末期 of the same contract as a 中期, else the next contract year's label only."""
    out = {"kind": kind, "evaluator_org": old.get("evaluator_org") or ""}
    if old["kind"] == "中期" and kind == "末期":
        out.update({k: old.get(k) for k in SAME_CONTRACT})
    else:
        out["period_label"] = next_period_label(old.get("period_label") or "")
    return out


def _team(db, assessment_id: int) -> list[dict]:
    """The active members, lead first: {name, role, pin_hash, sections [(section, 片区)]}."""
    pairs: dict[int, list[tuple[str, str]]] = {}
    for x in team.assignments(db, assessment_id):
        pairs.setdefault(x["member_id"], []).append((x["section_code"], x["area_code"] or ""))
    members = [m for m in team.list_members(db, assessment_id) if m["active"]]
    members.sort(key=lambda m: m["role"] != "lead")
    if not members or members[0]["role"] != "lead":
        raise InvalidValue(f"评估 {assessment_id} 没有在任的组长，无法开始下一次评估")
    return [{"name": m["name"], "role": m["role"], "sections": pairs.get(m["id"], []),
             "pin_hash": (store.login_credentials(db, assessment_id, m["name"]) or {}).get("pin_hash")}
            for m in members]


def _carried_indicators(db, assessment_id: int) -> list[dict]:
    """The contract indicators with names, units and targets (待确认), actuals and notes empty."""
    return clean_table([{"name": r["name"], "unit": r["unit"], "target": r["target"], "mid_target": r.get("mid_target"),
                         "actual": None, "note": "", "target_pending": 1 if r["target"] is not None else 0}
                        for r in station_data.list_indicators(db, assessment_id)])


def start_next_term(db, assessment_id: int, kind: str | None = None, keep_pins: bool = False) -> dict:
    """Start the station's next assessment from assessment `assessment_id`. `kind`: 中期 / 末期 (default: the
    next one — 末期 after a 中期, 中期 after a 末期). Returns {assessment_id, kind, members, pins (name -> new PIN,
    empty when kept), indicators, carried_from, carried, carry_note}."""
    old = team.get_assessment(db, assessment_id)
    kind = kind or NEXT_KIND.get(old["kind"], "末期")
    if kind not in NEXT_KIND:
        raise InvalidValue(f"评估类型应为 中期 或 末期（输入为“{kind}”）")
    members = _team(db, assessment_id)
    new_pins = {} if keep_pins else {m["name"]: f"{secrets.randbelow(900000) + 100000}" for m in members}
    for m in members:            # slow hashing before the write transaction
        if not keep_pins or not m["pin_hash"]:
            new_pins.setdefault(m["name"], f"{secrets.randbelow(900000) + 100000}")
            m["pin_hash"] = pins.hash_pin(new_pins[m["name"]])
    st = team.get_station(db, old["station_id"])
    identity = stations.station_of_assessment(db, assessment_id)
    indicators = _carried_indicators(db, assessment_id)
    lead = members[0]
    with transaction(db):
        out = start.create_assessment(
            db, {k: st.get(k) for k in ("name", "district", "street", "agency_code")}, old["framework_id"],
            lead["name"], "", attach=identity, frozen_framework=(old["framework_version"], old["framework_data"]),
            lead_pin_hash=lead["pin_hash"], **_fields(old, kind))
        new, lead_id = out["assessment_id"], out["lead_id"]
        if lead["sections"]:
            store.set_assignments(db, new, lead_id, lead_id, lead["sections"])
        for m in members[1:]:
            store.add_member(db, new, lead_id, m["name"], m["role"], m["pin_hash"], m["sections"])
        if indicators:
            indicators_db.replace_indicators(db, new, lead_id, indicators)
    return {"assessment_id": new, "kind": kind, "members": [m["name"] for m in members], "pins": new_pins,
            "indicators": len(indicators), "carried_from": out["carried_from"], "carried": out["carried"],
            "carry_note": out["carry_note"]}
