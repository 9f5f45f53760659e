"""A station K times the demo's size, for the report benchmarks (issue 13).

    build_station(db, K) -> assessment id

K = 1 is the demo itself (core.demo.make.create_demo). K > 1 starts from the demo and grows it
to 3K 片区 (each with its own two communities and every per-片区 score), 100K findings
(texts naming registered clients and phones now and then, as experts write them), a
register of 500K persons spread over the 片区, and 200K survey calls on a sample of 100K
clients: K = 10 is 30 片区, 1,000 findings, 5,000 register rows and 2,000 calls. The set-up
goes through the core use cases where it is one call (片区, sample), and writes the bulk
rows straight into their tables in one transaction each.
"""
from __future__ import annotations

import random

from core.survey import calls as survey
from core.assessment import team
from core.demo.make import create_demo
from core.survey.rules import call_row
from db.audit import now
from db.connection import transaction

SURNAMES = "陈李黄张梁刘林何罗郑王杨吴周谢赵邓冯曾朱叶彭许蔡苏潘卢钟"
GIVEN = "志伟明华丽芳秀英建国敏静玉兰婷晓红军强文杰燕霞桂珍"
PHRASES = ["个案服务记录完整，跟进及时，服务对象反馈良好", "小组活动开展较多，但成效评估不足，需加强过程记录",
           "社区志愿者队伍稳定，骨干作用明显", "长者探访覆盖率有待提升，部分独居长者超过三个月未探访",
           "档案管理规范，资料分类清晰", "困境儿童服务需求评估不够深入，建议引入标准化评估工具",
           "与居委会协作顺畅，资源链接成效明显", "服务台账与系统数据存在不一致，需核对"]


def person_name(n: int) -> str:
    a, b = divmod(n, len(SURNAMES))
    c, d = divmod(a, len(GIVEN))
    return SURNAMES[b] + GIVEN[d] + (GIVEN[c % len(GIVEN)] if c else "")


def build_station(db, scale: int) -> int:
    aid = create_demo(db)
    if scale <= 1:
        return aid
    rnd = random.Random(scale)
    a = team.get_assessment(db, aid)
    lead = next(m for m in team.list_members(db, aid) if m["role"] == "lead")["id"]
    staff = next(m for m in team.list_members(db, aid) if m["role"] == "staff")["id"]
    areas = [dict(code=x["code"], name=x["name"], communities=x["communities"]) for x in team.list_areas(db, a["station_id"])]
    for n in range(len(areas) + 1, 3 * scale + 1):
        areas.append({"name": f"片区{n}", "communities": [f"第{n}甲社区", f"第{n}乙社区"]})
    areas = team.set_areas(db, aid, lead, areas)
    codes = [x["code"] for x in areas]
    comms = [c for x in areas for c in x["communities"]]
    persons, findings, calls = 500 * scale, 100 * scale, 200 * scale
    with transaction(db):
        # every per-片区 score, as the demo's scorers gave them in 片区一
        first = codes[0]
        for code in codes[3:]:
            db.execute("INSERT INTO scores (assessment_id, member_id, indicator_code, area_code, value, na, note, detail,"
                       " updated_at) SELECT assessment_id, member_id, indicator_code, ?, value, na, note, detail,"
                       " updated_at FROM scores WHERE assessment_id = ? AND area_code = ?", [code, aid, first])
        have = db.execute("SELECT COUNT(*), MAX(position) FROM clients WHERE assessment_id = ?", [aid]).fetchone()
        db.conn.executemany(
            "INSERT INTO clients (assessment_id, position, name, phone, community, category, household)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(aid, have[1] + 1 + n, person_name(n), f"139{n:08d}", comms[n % len(comms)], "低保对象", f"S{n // 2}")
             for n in range(persons - have[0])])
        experts = [r[0] for r in db.execute("SELECT id FROM members WHERE assessment_id = ? AND role IN ('lead', 'expert')",
                                            [aid])]
        have_f = db.execute("SELECT COUNT(*) FROM findings WHERE assessment_id = ?", [aid]).fetchone()[0]
        groups = [(s, "") for s in "ACD"] + [("B", c) for c in codes]
        rows = []
        for n in range(findings - have_f):
            sec, area = groups[n % len(groups)]
            text = "；".join(rnd.sample(PHRASES, 2))
            if n % 5 == 0:
                k = rnd.randrange(persons - have[0])
                text += f"（抽查服务对象{person_name(k)}，电话139{k:08d}）"
            rows.append((aid, rnd.choice(experts), sec, area, "", "strength" if n % 2 else "concern", text + "。", "",
                         0, now(), now()))
        db.conn.executemany(
            "INSERT INTO findings (assessment_id, member_id, section_code, area_code, indicator_code, kind, text, source,"
            " deleted, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    survey.withdraw_sample(db, aid, lead, confirm=True)
    survey.draw_sample(db, aid, lead, seed="scale", size=calls // 2)
    items = [i["id"] for i in survey.list_items(db, aid)]
    survey.assign(db, aid, lead, items, staff)
    rows = []
    for n, item_id in enumerate(items):
        for attempt, outcome in ((1, "无人接听"), (2, "接通" if n % 4 else "空号")):
            answers = dict(respondent="本人", knows_worker=n % 7 != 0, awareness={"社工站地址": 1, "服务内容": 1},
                           satisfaction={"服务态度": 5 - n % 3}, overall=5 - n % 3) if outcome == "接通" else {}
            r = call_row(outcome, **answers)
            rows.append((aid, item_id, staff, attempt, now(), r["outcome"], r["respondent"], r["knows_worker"],
                         r["awareness"], r["satisfaction"], r["overall"], r["comment"]))
    with transaction(db):
        db.conn.executemany(
            "INSERT INTO survey_calls (assessment_id, item_id, member_id, attempt, called_at, outcome, respondent,"
            " knows_worker, awareness, satisfaction, overall, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)
    return aid


def counts(db, aid: int) -> dict:
    a = team.get_assessment(db, aid)
    q = lambda sql, p: db.execute(sql, p).fetchone()[0]  # noqa: E731
    return {"片区": q("SELECT COUNT(*) FROM areas WHERE station_id = ?", [a["station_id"]]),
            "findings": q("SELECT COUNT(*) FROM findings WHERE assessment_id = ? AND deleted = 0", [aid]),
            "register": q("SELECT COUNT(*) FROM clients WHERE assessment_id = ?", [aid]),
            "calls": q("SELECT COUNT(*) FROM survey_calls c JOIN survey_items i ON i.id = c.item_id JOIN survey_samples s"
                       " ON s.id = i.sample_id WHERE s.assessment_id = ? AND s.active = 1", [aid])}
