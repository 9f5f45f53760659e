"""CLI commands for exports (loaded by core.cli.main when one of them runs).

    python -m core export ID --db PATH --out FILE.json
    python -m core import FILE.json --db PATH [--new-station]   (prints the new assessment id as its last line)
    python -m core export-xlsx ID --db PATH --out FILE.xlsx
    python -m core backup --db PATH --out FILE.db
"""
from __future__ import annotations

from pathlib import Path


from core.cli.base import command, open_db, parse_args, write_file
from core.errors import DataError
from core import store
from core.agency.exports import backup_file
from core.agency.exports import export_xlsx
from core.agency.stations import assessments_of
from core.agency.transfer import export_json
from core.agency.transfer import import_to_station
from core.cli.base import check_out


@command("export")
def cmd_export(argv):
    args = parse_args("export", argv, assessment_id=True, out="JSON file to write")

    out = write_file(args.out, export_json(open_db(args.db), args.id))
    print(f"已导出评估 {args.id} 到 {out}（{out.stat().st_size} 字节）。")
    print("注意：该文件包含服务对象的真实姓名和电话，仅用于迁移到另一台电脑，请勿外传。")
    return 0


@command("import")
def cmd_import(argv):
    argv = list(argv)
    new_station = "--new-station" in argv
    argv = [a for a in argv if a != "--new-station"]
    args = parse_args("import", argv, positional="file")

    try:
        data = Path(args.file).read_bytes()
    except OSError as e:
        raise DataError(f"无法读取文件 {args.file}：{e.strerror}") from None

    db_file = Path(args.db or store.db_path())
    created = [d for d in (db_file, *db_file.parents) if not d.exists()]
    db = open_db(args.db, create=True, announce=False)
    try:
        out = import_to_station(db, data, "new" if new_station else "auto")
        assessment_id = out["assessment_id"]
    except BaseException:
        if created:  # a refused import leaves behind no database (nor folder) that it created
            db.conn.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(db_file) + suffix).unlink(missing_ok=True)
            for d in created[1:]:
                try:
                    d.rmdir()
                except OSError:
                    break
        raise
    if created:
        print(f"已新建数据库文件 {db_file}。")
    print(f"已导入为评估 {assessment_id}。")
    if out["attached"]:

        n = len(assessments_of(db, out["station_id"]))
        print(f"已归入已有社工站 {out['station_id']}（{out['station']}，现有 {n} 次评估）；"
              "如为另一社工站，请加 --new-station 重新导入。")
    else:
        print(f"作为新的社工站 {out['station_id']}（{out['station']}）。")
    print(assessment_id)
    return 0


@command("export-xlsx")
def cmd_export_xlsx(argv):
    args = parse_args("export-xlsx", argv, assessment_id=True, out="xlsx file to write")

    out = write_file(args.out, export_xlsx(open_db(args.db), args.id))
    print(f"已导出评估 {args.id} 的 Excel 到 {out}（服务对象姓名、电话已脱敏）。")
    return 0


@command("backup")
def cmd_backup(argv):
    args = parse_args("backup", argv, out="backup file to write")

    db = open_db(args.db)
    out = backup_file(db, check_out(args.out, "sqlite", args.db))
    print(f"已备份数据库到 {out}（{out.stat().st_size} 字节）。")
    return 0
