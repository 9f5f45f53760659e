"""CLI commands of a station's history and the agency's overview (loaded by core.cli.main when one of them runs).

    python -m core history --db PATH --station NAME
        the station's assessments in term order, one a line: date, kind, final, grade
        (NAME: the station's name, street or id; several matches list their ids and exit 1)
    python -m core overview --db PATH --out FILE.xlsx
        the overview of every assessment in the file as Excel (no personal data)
    python -m core publish --db PATH --out FILE.db
        a copy with no personal data that Datasette serves read-only (`datasette serve -i FILE.db`)
"""
from __future__ import annotations

import argparse

from core.cli.base import command, open_db, parse_args, write_file
from core.agency import overview
from core.agency import stations
from core.agency.publish import publish


@command("history")
def cmd_history(argv):
    p = argparse.ArgumentParser(prog="python -m core history")
    p.add_argument("--db")
    p.add_argument("--station", required=True, help="station name, street or id")
    args = p.parse_args(argv)

    db = open_db(args.db)
    st = stations.find_station_by_name(db, args.station)
    for line in overview.history_lines(overview.station_history(db, st["id"])):
        print(line)
    return 0


@command("overview")
def cmd_overview(argv):
    args = parse_args("overview", argv, out="the Excel file to write")

    db = open_db(args.db)
    data = overview.overview_xlsx(db)
    out = write_file(args.out, data)
    print(f"已写入评估总览 {out}（{len(overview.overview(db).rows)} 次评估）")
    return 0


@command("publish")
def cmd_publish(argv):
    args = parse_args("publish", argv, out="the SQLite file to write (never the database itself)")

    out = publish(open_db(args.db), args.out)
    print(f"已写入发布文件 {args.out}：{out['assessments']} 次评估；已删除名册、电话回访、修改记录和 PIN，文字已脱敏。")
    print(f"datasette serve --immutable {args.out}")
    return 0
