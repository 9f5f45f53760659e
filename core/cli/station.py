"""CLI commands for station data (loaded by core.cli.main when one of them runs).

    python -m core import-register ID FILE --db PATH
        imports a key-client register (.xlsx or .csv, the station's own file as it is) into
        assessment ID, all or nothing, through the same use case as the register page
        (core.station.data.import_register), written as the assessment's lead. It prints the
        rows skipped (title rows, 合计, 制表人/审核 lines, a person listed twice) and the changes
        made; the file may have 户主 and 同上 instead of a 户号 column; its last line is `persons N; households M`. A
        refused file prints every problem (row and column) and exits 1, storing nothing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli.base import command, open_db
from core.errors import DataError, ImportRejected
from core.assessment import team
from core import privacy
from core.station import data as station_data


def _lead_id(db, assessment_id: int) -> int:

    team.get_assessment(db, assessment_id)          # NotFound names the id
    leads = [m for m in team.list_members(db, assessment_id) if m["role"] == "lead"]
    if not leads:
        raise DataError(f"评估 {assessment_id} 没有组长，无法导入名册")
    return leads[0]["id"]


@command("import-register")
def cmd_import_register(argv):
    p = argparse.ArgumentParser(prog="python -m core import-register")
    p.add_argument("id", type=int)
    p.add_argument("file")
    p.add_argument("--db", help="SQLite file (default: $ASSESSMENT_DB or data/assessment.db)")
    args = p.parse_args(argv)

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"无法读取文件 {args.file}：{e.strerror or e}") from None
    db = open_db(args.db)
    lead = _lead_id(db, args.id)
    try:
        preview = station_data.preview_register(db, args.id, path.name, data)
        if not preview.errors:
            for row in preview.rows:
                for change in row["changes"]:
                    print(f"第 {row['row']} 行：{_masked(db, args.id, change, preview)}")
        done = station_data.import_register(db, args.id, lead, path.name, data)
    except ImportRejected as e:
        print("导入失败，数据未作任何修改：", file=sys.stderr)
        for line in e.errors:
            print(f"  {_masked(db, args.id, line, None)}", file=sys.stderr)
        return 1
    for n, why in done["skipped"]:
        print(f"第 {n} 行已跳过：{why}")
    if done["duplicates"]:
        rows = "、".join(f"第 {n} 行（同第 {first} 行）" for n, first in done["duplicates"])
        print(f"重复登记 {len(done['duplicates'])} 人，只计一次：{rows}")
    print(f"已导入评估 {args.id} 的重点服务对象名册（{path.name}）。")
    print(f"persons {done['persons']}; households {done['households']}")
    return 0


def _masked(db, assessment_id: int, text: str, preview) -> str:
    """Terminal output is masked like every other output (names and phones of the file)."""
    names, phones = station_data.preview_identities(preview) if preview else ([], [])
    return privacy.with_file(db, assessment_id, names, phones)(text)
