"""Command line behind `python -m core <command> …` — what scripts and tests need without the browser.

Each command calls the same functions the pages call. Commands register
themselves in COMMANDS: name -> (add_arguments(parser), run(args) -> exit code).
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

from core import store
from core.errors import DataError

COMMANDS: dict = {}
# Database files opened by this command (resolved): an --out may never be one of them or their -wal/-shm.
_OPENED: set[Path] = set()
KIND_LABELS = {"pdf": "PDF", "xlsx": "Excel（xlsx）", "json": "JSON", "sqlite": "SQLite 数据库", "other": "其他类型"}


def command(name: str, help: str):
    def deco(fn):
        COMMANDS[name] = (help, fn)
        return fn
    return deco


def open_db(path: str | None, *, create: bool = False, announce: bool = True):
    """The database file of --db (else $ASSESSMENT_DB), checked and migrated.

    Only `demo` and `import` pass create=True (and say so when they create the file); every
    other command refuses a missing, empty, non-SQLite, damaged or newer-than-this-code file
    with one Chinese sentence (db.connection.check_file, db.migrations.check_not_newer).
    """
    path = path or store.db_path()
    db, new = store.open_checked(path, create=create)
    _OPENED.add(Path(path).resolve())
    if new and announce:
        print(f"已新建数据库文件 {path}。")
    return db


def file_kind(head: bytes) -> str:
    """What a file's first bytes say it is: pdf, xlsx, sqlite, json, other ('' for an empty file)."""
    if not head:
        return ""
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return "json"
    return "other"


def check_out(path: str, kind: str, db_path: str | None = None) -> Path:
    """Refuse (DataError) an --out that would destroy something: a database opened by this command or
    its -wal/-shm/-journal, a folder, a path under a file, an existing file of another type, or a live
    database (with -wal/-shm beside it) as a backup target. Returns the path."""
    p = Path(path)
    target = p.resolve()
    dbs = set(_OPENED) | ({Path(db_path or store.db_path()).resolve()})
    for db in dbs:
        if target in (db, *(db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal"))):
            raise DataError(f"输出文件 {p} 就是数据库文件 {db.name}（或其日志文件），写入会毁掉数据库；请换一个文件名。")
    for parent in p.parents:
        if parent.exists() and not parent.is_dir():
            raise DataError(f"无法写入 {p}：{parent} 是一个文件，不是文件夹。")
    if p.is_dir():
        raise DataError(f"输出路径 {p} 是一个文件夹；请给出文件名，例如 {p / ('output.' + kind.replace('sqlite', 'db'))}。")
    if p.exists():
        if not p.is_file():
            raise DataError(f"输出路径 {p} 不是普通文件，未写入。")
        try:
            with open(p, "rb") as f:
                existing = file_kind(f.read(64))
        except OSError as e:
            raise DataError(f"无法写入 {p}：{e.strerror or e}。") from None
        if existing and existing != kind:
            raise DataError(f"{p} 已存在且是{KIND_LABELS[existing]}文件，不是{KIND_LABELS[kind]}文件；"
                            "为免毁掉它未写入，请换一个文件名。")
        if kind == "sqlite" and any(p.with_name(p.name + s).exists() for s in ("-wal", "-shm")):
            raise DataError(f"{p} 是一个正在使用的数据库（旁边有 -wal/-shm 文件），备份不能覆盖它；请换一个文件名。")
    return p


def parse_args(name: str, argv, *, assessment_id: bool = False, out: str | None = None, positional: str | None = None,
               flags: dict[str, str] | None = None):
    """The arguments every command shares: [positional] [ID] --db PATH [--out FILE], plus the
    command's own on/off `flags` ({'--evidence': help})."""
    p = argparse.ArgumentParser(prog=f"python -m core {name}")
    if positional:
        p.add_argument(positional)
    if assessment_id:
        p.add_argument("id", type=int)
    p.add_argument("--db", help="SQLite file (default: $ASSESSMENT_DB or data/assessment.db)")
    if out:
        p.add_argument("--out", required=True, help=out)
    for flag, help_ in (flags or {}).items():
        p.add_argument(flag, action="store_true", help=help_)
    return p.parse_args(argv)


def write_file(path: str, data: bytes) -> Path:
    """Write atomically: a temporary file in the target folder, flushed, then renamed over the target,
    so an interrupted command never leaves half a file. The target is checked first (check_out, the kind
    being what `data` is), so no database and no file of another type is ever overwritten."""
    p = check_out(path, file_kind(data[:64]) or "other")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=p.name + ".", suffix=".tmp", dir=p.parent)
    except OSError as e:
        raise DataError(f"无法写入 {p}：{e.strerror or e}（请检查文件夹是否存在、是否有写权限）。") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise DataError(f"无法写入 {p}：{e.strerror or e}。") from None
    return p


@command("demo", "create the demo assessment (元岗街) and print its id as the last line")
def cmd_demo(argv):
    args = parse_args("demo", argv)
    from core.demo.make import DEMO_PINS, create_demo

    db = open_db(args.db, create=True)
    assessment_id = create_demo(db)
    print("示例评估已创建。示例账号（姓名 PIN 角色）：")
    from core.demo.content import MEMBERS

    for m in MEMBERS:
        print(f"  {m['name']}  {DEMO_PINS[m['name']]}  {m['role']}")
    print(assessment_id)
    return 0


@command("score", "print the third-party score, final score and grade of an assessment")
def cmd_score(argv):
    args = parse_args("score", argv, assessment_id=True)
    from core.scoring.scoresheet import result

    r = result(open_db(args.db), args.id)
    print(f"第三方评分 {r.third_party}  最终得分 {r.final}  等级 {r.grade}" + ("（预计）" if r.final_projected else ""))
    return 0


@command("agreement", "print each indicator's spread and r_wg; last line `alpha X (N cells, K experts)`")
def cmd_agreement(argv):
    args = parse_args("agreement", argv, assessment_id=True)
    from core.scoring.agreement import fmt_alpha
    from core.numbers import fmt_number
    from core.scoring.scoresheet import agreement
    from core.assessment.team import get_assessment, list_areas

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
    from core.cli import exports as cli_exports  # noqa: F401
    from core.cli import framework as cli_framework
    from core.cli import history as cli_history
    from core.cli import report as cli_report
    from core.cli import server as cli_server
    from core.cli import station as cli_station


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _load_plugins()
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print("usage: python -m core <command> [options]\n\ncommands:")
        for name, (help_, _) in COMMANDS.items():
            print(f"  {name:12} {help_}")
        if argv and argv[0] not in ("-h", "--help"):
            print(f"错误：未知命令“{argv[0]}”（可用的命令见上）。", file=sys.stderr)
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    _OPENED.clear()
    plain_error = argparse.ArgumentParser.error
    argparse.ArgumentParser.error = _argument_error   # every command's parser, for this run only
    try:
        return COMMANDS[argv[0]][1](argv[1:]) or 0
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
