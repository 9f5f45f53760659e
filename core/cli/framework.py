"""CLI commands for frameworks and deleted assessments (loaded by core.cli.main when one of them runs).

    python -m core frameworks --db PATH                                  list the frameworks
    python -m core export-framework FRAMEWORK_ID --db PATH --out FILE.xlsx
    python -m core import-framework FILE.xlsx --db PATH                  (prints the new framework id last)
    python -m core deleted-assessments --db PATH                         list the deleted assessments
    python -m core restore-assessment ID --db PATH                       (prints the restored id last)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli.base import command, open_db, parse_args, write_file
from core.errors import DataError, ImportRejected
from core.assessment.team import deleted_assessments
from core.assessment.team import restore_assessment
from core.framework.library import export_xlsx
from core.framework.library import import_xlsx_cli
from core.framework.library import list_frameworks


@command("frameworks")
def cmd_frameworks(argv):
    args = parse_args("frameworks", argv)

    for e in list_frameworks(open_db(args.db)):
        print(f"{e.id}\t{'内置' if e.shipped else '第 ' + str(e.version) + ' 版'}\t{e.name}")
    return 0


@command("export-framework")
def cmd_export_framework(argv):
    p = argparse.ArgumentParser(prog="python -m core export-framework")
    p.add_argument("framework_id")
    p.add_argument("--db", help="SQLite file (default: $ASSESSMENT_DB or data/assessment.db)")
    p.add_argument("--out", required=True, help="xlsx file to write")
    args = p.parse_args(argv)

    out = write_file(args.out, export_xlsx(open_db(args.db), args.framework_id))
    print(f"已导出评估框架 {args.framework_id} 到 {out}。")
    return 0


@command("import-framework")
def cmd_import_framework(argv):
    args = parse_args("import-framework", argv, positional="file")

    try:
        data = Path(args.file).read_bytes()
    except OSError as e:
        raise DataError(f"无法读取文件 {args.file}：{e.strerror}") from None
    try:
        framework_id = import_xlsx_cli(open_db(args.db), data, Path(args.file).name)
    except ImportRejected as e:
        print("导入失败，未作任何修改：", file=sys.stderr)
        for err in e.errors:
            print(f"  {err}", file=sys.stderr)
        return 1
    print(f"已导入评估框架，编号 {framework_id}。")
    print(framework_id)
    return 0


@command("deleted-assessments")
def cmd_deleted(argv):
    args = parse_args("deleted-assessments", argv)

    rows = deleted_assessments(open_db(args.db))
    if not rows:
        print("没有已删除的评估。")
    for r in rows:
        print(f"{r['assessment_id']}\t{r['label']}\t{r['deleted_by']} 删除于 {r['deleted_at'].replace('T', ' ')[:19]}")
    return 0


@command("restore-assessment")
def cmd_restore(argv):
    args = parse_args("restore-assessment", argv, assessment_id=True)

    row = restore_assessment(open_db(args.db), args.id)
    print(f"已恢复评估 {args.id}（{row['label']}，{row['deleted_by']} 删除）。")
    print(args.id)
    return 0
