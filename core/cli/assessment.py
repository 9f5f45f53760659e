"""Commands about one assessment as a whole: the demo, its score, the experts' agreement.

    python -m core demo --db PATH                 (prints the new assessment id as its last line)
    python -m core score ID --db PATH
    python -m core agreement ID --db PATH         (last line `alpha X (N cells, K experts)`)
    python -m core score-set ID --member NAME --indicator CODE [--area CODE] (--value V | --na) --db PATH
"""
from __future__ import annotations

import argparse

from core.cli.base import command, open_db, parse_args
from core.assessment.team import get_assessment, list_areas
from core.demo.content import MEMBERS
from core.demo.make import DEMO_PINS, create_demo, create_next_term_demo
from core.numbers import fmt_number
from core.scoring.agreement import fmt_alpha
from core.scoring.scoresheet import agreement
from core.scoring.paper import set_score
from core.scoring.scoresheet import result


@command("demo")
def cmd_demo(argv):
    args = parse_args("demo", argv, flags={
        "--next-term": "also start the same station's next term (2024—2025 中期) from the demo, locked as sent; "
                       "its id is then the last line"})

    db = open_db(args.db, create=True)
    assessment_id = create_demo(db)
    print("示例评估已创建（专家均已提交评分，初稿反馈已记录）。示例账号（姓名 PIN 角色）：")

    for m in MEMBERS:
        print(f"  {m['name']}  {DEMO_PINS[m['name']]}  {m['role']}")
    if args.next_term:
        print(f"示例评估 {assessment_id} 已锁定（报告定稿）。")
        assessment_id = create_next_term_demo(db, assessment_id)
        print(f"已开始同一社工站的下一次评估（2024—2025 年度中期，编号 {assessment_id}），沿用团队、框架、评估方与协议指标，"
              "上期评估意见取自已锁定的末期报告；账号与 PIN 同上。")
    print(assessment_id)
    return 0


@command("score")
def cmd_score(argv):
    args = parse_args("score", argv, assessment_id=True)

    r = result(open_db(args.db), args.id)
    print(f"第三方评分 {r.third_party}  最终得分 {r.final}  等级 {r.grade}" + ("（预计）" if r.final_projected else ""))
    return 0


@command("agreement")
def cmd_agreement(argv):
    args = parse_args("agreement", argv, assessment_id=True)

    db = open_db(args.db)
    ag = agreement(db, args.id)
    names = {x["code"]: x["name"] for x in list_areas(db, get_assessment(db, args.id)["station_id"])}
    for c in ag.cells:
        where = f"·{names.get(c.area_code, c.area_code)}" if c.area_code else ""
        spread = fmt_number(c.spread) if c.spread is not None else "—"
        rwg = "—（非程度分）" if c.rule_type != "level" else "—（仅一位专家）" if c.rwg is None else fmt_alpha(c.rwg)
        print(f"{c.indicator_code}{where} {c.indicator_name}：{c.n} 位专家，极差 {spread} 分，r_wg {rwg}")
    if ag.reading:
        print(ag.reading)
    print(ag.cli_line)
    return 0




@command("score-set")
def cmd_score_set(argv):
    """`score-set ID --member NAME --indicator CODE [--area CODE] (--value V | --na) --db PATH`: a score
    from a paper score sheet, saved as the scoring page saves it (refusals: one Chinese line, exit 1)."""
    p = argparse.ArgumentParser(prog="python -m core score-set")
    p.add_argument("id", type=int)
    p.add_argument("--member", required=True, help="the expert's (or lead's) name as set up")
    p.add_argument("--indicator", required=True, help="indicator code, e.g. A1")
    p.add_argument("--area", help="片区 code or name (per-片区 indicators only)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--value", help="the score")
    which.add_argument("--na", action="store_true", help="不适用 (N/A)")
    p.add_argument("--db", help="SQLite file (default: $ASSESSMENT_DB or data/assessment.db)")
    args = p.parse_args(argv)

    db = open_db(args.db)
    saved = set_score(db, args.id, args.member, args.indicator, args.area, value=args.value, na=args.na)
    ind = saved["indicator"]
    names = {x["code"]: x["name"] for x in list_areas(db, get_assessment(db, args.id)["station_id"])}
    where = f"·{names.get(saved['area_code'], saved['area_code'])}" if saved["area_code"] else ""
    shown = "不适用" if saved["na"] else f"{fmt_number(saved['value'])} 分"
    print(f"已保存：{saved['member']} {ind.code}{where} {ind.name}：{shown}")
    return 0
