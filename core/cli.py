"""Command line behind `python -m core <command> …` — what scripts and tests need without the browser.

Each command calls the same functions the pages call. Commands register
themselves in COMMANDS: name -> (add_arguments(parser), run(args) -> exit code).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import store
from .errors import DataError

COMMANDS: dict = {}


def command(name: str, help: str):
    def deco(fn):
        COMMANDS[name] = (help, fn)
        return fn
    return deco


def open_db(path: str | None):
    """The database file of --db (else $ASSESSMENT_DB), migrated."""
    return store.open_db(path)


def parse_args(name: str, argv, *, assessment_id: bool = False, out: str | None = None, positional: str | None = None):
    """The arguments every command shares: [positional] [ID] --db PATH [--out FILE]."""
    p = argparse.ArgumentParser(prog=f"python -m core {name}")
    if positional:
        p.add_argument(positional)
    if assessment_id:
        p.add_argument("id", type=int)
    p.add_argument("--db", help="SQLite file (default: $ASSESSMENT_DB or data/assessment.db)")
    if out:
        p.add_argument("--out", required=True, help=out)
    return p.parse_args(argv)


def write_file(path: str, data: bytes) -> Path:
    """Write through a temporary file so an interrupted command never leaves half a file."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, p)
    return p


@command("demo", "create the demo assessment (元岗街) and print its id as the last line")
def cmd_demo(argv):
    args = parse_args("demo", argv)
    from .demo import DEMO_PINS, create_demo

    db = open_db(args.db)
    assessment_id = create_demo(db)
    print("示例评估已创建。示例账号（姓名 PIN 角色）：")
    from .demo_content import MEMBERS

    for m in MEMBERS:
        print(f"  {m['name']}  {DEMO_PINS[m['name']]}  {m['role']}")
    print(assessment_id)
    return 0


@command("score", "print the third-party score, final score and grade of an assessment")
def cmd_score(argv):
    args = parse_args("score", argv, assessment_id=True)
    from .scoresheet import result

    r = result(open_db(args.db), args.id)
    print(f"第三方评分 {r.third_party}  最终得分 {r.final}  等级 {r.grade}" + ("（预计）" if r.final_projected else ""))
    return 0


@command("agreement", "print each indicator's spread and r_wg; last line `alpha X (N cells, K experts)`")
def cmd_agreement(argv):
    args = parse_args("agreement", argv, assessment_id=True)
    from .agreement import fmt_alpha
    from .numbers import fmt_number
    from .scoresheet import agreement
    from .team import get_assessment, list_areas

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


def _load_plugins():
    # Commands that live in other core modules register on import.
    from . import cli_exports, cli_framework, cli_report, cli_server, cli_station  # noqa: F401


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _load_plugins()
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print("usage: python -m core <command> [options]\n\ncommands:")
        for name, (help_, _) in COMMANDS.items():
            print(f"  {name:12} {help_}")
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    try:
        return COMMANDS[argv[0]][1](argv[1:]) or 0
    except DataError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
