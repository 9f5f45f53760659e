"""Command line behind `python -m core <command> …` — what scripts and tests need without the browser.

Each command calls the same functions the pages call. COMMANDS says which module of core/cli/ holds each
command; only that module is imported when the command runs (so `report` does not load what `overview`
needs), and it registers its handler in core.cli.base with `@command(name)`.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys

from core.cli import base
from core.errors import DataError

# name -> (module in core/cli/, help shown by `python -m core --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("assessment", "create the demo assessment (元岗街) and print its id as the last line"),
    "score": ("assessment", "print the third-party score, final score and grade of an assessment"),
    "agreement": ("assessment", "print each indicator's spread and r_wg; last line `alpha X (N cells, K experts)`"),
    "score-set": ("assessment", "set a member's score as the scoring page would (a paper score sheet): "
                                "score-set ID --member NAME --indicator CODE [--area CODE] (--value V | --na) --db PATH"),
    "export": ("exports", "export a whole assessment as JSON (real names and phones: keep it private)"),
    "import": ("exports", "import an assessment from a JSON export; prints the new id as the last line"),
    "export-xlsx": ("exports", "export an assessment's tables to Excel (names and phones masked)"),
    "backup": ("exports", "write a consistent copy of the database file (safe while the app runs)"),
    "frameworks": ("framework", "list the frameworks: shipped (read-only) and the agency's own"),
    "export-framework": ("framework", "export a framework to an Excel 指标体系 (the template format)"),
    "import-framework": ("framework", "import an Excel 指标体系 as a new framework; prints its id as the last line"),
    "deleted-assessments": ("framework", "list the deleted assessments (kept whole, restorable)"),
    "restore-assessment": ("framework", "restore a deleted assessment as it was; prints its id as the last line"),
    "history": ("history", "print a station's assessments in order (date, kind, final, grade), one a line"),
    "overview": ("history", "write the agency's overview of every assessment as Excel (no personal data)"),
    "publish": ("history", "write a copy with no personal data for Datasette (refuses --out equal to the db)"),
    "report": ("report", "write the final report of an assessment: report ID --db PATH --out FILE.pdf|FILE.docx [--evidence] "
                         "[--issue TO [--final]]"),
    "versions": ("report", "list the report versions issued (初稿 1 … 定稿): date, recipient, format, SHA-256, feedback"),
    "check": ("report", "pre-export check of the report: check ID --db PATH (exit 1 while blocking items remain)"),
    "scoresheet": ("report", "write one expert's score sheet PDF: scoresheet ID --member NAME --db PATH --out FILE.pdf"),
    "unlock-member": ("server", "lift the wrong-PIN lockout of a member (--member NAME) or a client address (--address IP)"),
    "serve": ("server", "start the app for the team: HTTPS on the LAN with the laptop's own certificate (made on first start)"),
    "join-pack": ("sync", "write a member's 任务包: join-pack ID --member NAME --db PATH --out FILE"),
    "join": ("sync", "make a laptop's database from a 任务包: join FILE --db PATH [--lead URL]; last line the id"),
    "changes": ("sync", "write the laptop's changes not yet confirmed by the lead: changes ID --db PATH --out FILE"),
    "merge": ("sync", "merge a laptop's changes into the lead's database; last line `applied N; unchanged M; conflicts K`"),
    "conflicts": ("sync", "list the open conflicts of an assessment; last line `conflicts K`"),
    "lead-address": ("sync", "on a member's laptop, where the lead's laptop is now: lead-address ID --db PATH --lead URL"),
    "sync-service": ("sync", "(started by serve) the lead's sync endpoint, or a joined laptop's push/pull loop"),
    "new-term": ("terms", "start the station's next assessment from assessment ID (team, framework, 评估方, indicators); last line the new id"),
    "import-register": ("station", "import a register file (.xlsx/.csv) into an assessment; last line 'persons N; households M'"),
}


def handler(name: str):
    """The function that runs command `name` (its module imported on first use)."""
    importlib.import_module(f"core.cli.{COMMANDS[name][0]}")
    return base.HANDLERS[name]


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print("usage: python -m core <command> [options]\n\ncommands:")
        for name, (_, help_) in COMMANDS.items():
            print(f"  {name:12} {help_}")
        if argv and argv[0] not in ("-h", "--help"):
            print(f"错误：未知命令“{argv[0]}”（可用的命令见上）。", file=sys.stderr)
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    base.clear_opened()
    plain_error = argparse.ArgumentParser.error
    argparse.ArgumentParser.error = _argument_error   # every command's parser, for this run only
    try:
        return handler(argv[0])(argv[1:]) or 0
    except SystemExit as e:                            # argparse: --help (0) or a wrong argument (2)
        return e.code if isinstance(e.code, int) else 2
    except DataError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断，未完成的输出没有写入。", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - one Chinese line instead of a traceback
        if os.environ.get("ASSESSMENT_DEBUG"):
            raise
        print(f"错误：{_explain(e)}", file=sys.stderr)
        return 1
    finally:
        argparse.ArgumentParser.error = plain_error


def _argument_error(parser: argparse.ArgumentParser, message: str):
    """A wrong or missing argument: one Chinese line (with the command's usage) and exit status 2."""
    print(f"错误：命令参数有误（{message}）。用法：{parser.format_usage().strip().removeprefix('usage: ')}",
          file=sys.stderr)
    raise SystemExit(2)


def _explain(e: Exception) -> str:
    if isinstance(e, sqlite3.DatabaseError):
        return f"数据库文件读写失败（{e}），操作未完成；数据库可能已损坏，请用备份恢复。"
    if isinstance(e, OSError):
        return f"文件操作失败：{e.filename or ''} {e.strerror or e}。"
    if isinstance(e, RecursionError):
        return "输入的嵌套层数过深，无法处理，操作未完成。"
    if isinstance(e, MemoryError):
        return "输入过大，内存不足，操作未完成。"
    return (f"程序内部错误（{type(e).__name__}：{e}），操作未完成；设置环境变量 ASSESSMENT_DEBUG=1 可查看详细信息。")


if __name__ == "__main__":
    sys.exit(main())
