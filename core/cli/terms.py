"""CLI command for a station's next term (loaded by core.cli.main when it runs).

    python -m core new-term ID --db PATH [--kind 中期|末期] [--keep-pins]
        starts the station's next assessment from assessment ID (core.terms.nextterm.start_next_term): the team
        with their sections, the framework used, 评估方, profile and 片区, the contract indicators (targets
        待确认, actuals empty) and the 上期评估意见 of the last locked assessment. Without --keep-pins each member
        gets a new PIN, printed here once. The new assessment's id is the last line.
"""
from __future__ import annotations

import argparse

from core.cli.base import command, open_db
from core.terms.nextterm import start_next_term


@command("new-term")
def cmd_new_term(argv):
    p = argparse.ArgumentParser(prog="python -m core new-term")
    p.add_argument("id", type=int)
    p.add_argument("--db", help="SQLite file (default: $ASSESSMENT_DB or data/assessment.db)")
    p.add_argument("--kind", choices=("中期", "末期"), help="the new assessment's kind (default: the next one)")
    p.add_argument("--keep-pins", action="store_true", help="members keep their PINs (default: new PINs, printed once)")
    args = p.parse_args(argv)

    out = start_next_term(open_db(args.db), args.id, kind=args.kind, keep_pins=args.keep_pins)
    print(f"已开始该社工站的下一次评估（{out['kind']}），沿用评估 {args.id} 的评估框架、评估方、团队与分工、片区；"
          f"{out['indicators']} 项协议指标（协议指标量待确认，完成量为空）；带入上期评估意见 {out['carried']} 条。")
    if out["carry_note"]:
        print(out["carry_note"])
    if out["pins"]:
        print("各成员的新 PIN（只显示这一次，请转告本人）：")
        for name, pin in out["pins"].items():
            print(f"  {name}  {pin}")
    else:
        print("各成员沿用原 PIN。")
    print(out["assessment_id"])
    return 0
