"""What every command shares: the handler registry, the checked database, the checked output file.

Command modules (core/cli/*.py) import this module and register their handlers with `@command(name)`;
core/cli/main.py lists which module holds which command and imports only that one, so nothing here
imports a command module back.
"""
from __future__ import annotations

import argparse
import io
import os
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

from core import store
from core.errors import DataError
from core.labels import FILE_KINDS

HANDLERS: dict = {}   # command name -> run(argv) -> exit code, filled by @command in the command modules
# Database files opened by this command (resolved): an --out may never be one of them or their -wal/-shm.
_OPENED: set[Path] = set()


def command(name: str):
    """Register the decorated function as the handler of `python -m core <name>` (its help is in
    core.cli.main.COMMANDS, beside the module that holds it)."""
    def deco(fn):
        HANDLERS[name] = fn
        return fn
    return deco


def clear_opened() -> None:
    """Forget the databases of the previous command run in this process (tests run several)."""
    _OPENED.clear()


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
    """What a file's bytes say it is: pdf, xlsx, docx, sqlite, json, other ('' for an empty file). A zip
    is told apart by its members when the whole file is given (word/… is a docx), else taken as xlsx."""
    if not head:
        return ""
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(head)).namelist()
        except (zipfile.BadZipFile, OSError):
            return "xlsx"
        return "docx" if any(n.startswith("word/") for n in names) else "xlsx"
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
                head = f.read(64)
                existing = file_kind(head + f.read() if head.startswith(b"PK") else head)
        except OSError as e:
            raise DataError(f"无法写入 {p}：{e.strerror or e}。") from None
        if existing and existing != kind:
            raise DataError(f"{p} 已存在且是{FILE_KINDS[existing]}文件，不是{FILE_KINDS[kind]}文件；"
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
    p = check_out(path, file_kind(data if data.startswith(b"PK") else data[:64]) or "other")
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


