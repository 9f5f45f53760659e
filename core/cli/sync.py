"""CLI commands of the team's data meeting (issue 23, docs/sync.md; loaded by core.cli.main).

    python -m core join-pack ID --member NAME --db PATH --out FILE   the member's 任务包 (refuses an existing file)
    python -m core join FILE --db PATH [--lead URL]                 the laptop's database; last line the id
    python -m core changes ID --db PATH --out FILE                  the laptop's unconfirmed changes (signed)
    python -m core merge FILE --db PATH                             last line `applied N; unchanged M; conflicts K`
    python -m core conflicts ID --db PATH                           open conflicts; last line `conflicts K`
    python -m core lead-address ID --db PATH --lead URL             a member's laptop: the lead's new address
"""
from __future__ import annotations

import argparse
from pathlib import Path

from core import store, tls
from core.cli.base import command, open_db, parse_args, write_file
from core.errors import DataError
from core.labels import SYNC_KINDS, label
from core.sync import bundle, conflicts, merge, pack
from core.sync.net import DEFAULT_SYNC_PORT, lead_id_of, lead_urls, pack_for, run_service, set_lead_address


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise DataError(f"无法读取文件 {path}：{e.strerror or e}") from None


def _refuse_existing(path: str) -> None:
    if Path(path).exists():
        raise DataError(f"文件 {path} 已存在：为免覆盖，未写入（请换一个文件名）。")


@command("join-pack")
def cmd_join_pack(argv):
    p = argparse.ArgumentParser(prog="python -m core join-pack")
    p.add_argument("id", type=int)
    p.add_argument("--member", required=True, help="the member's name as listed at login")
    p.add_argument("--db", help="SQLite file (default: $ASSESSMENT_DB or data/assessment.db)")
    p.add_argument("--out", required=True, help="the pack file to write (refuses an existing file)")
    p.add_argument("--sync-port", type=int, default=DEFAULT_SYNC_PORT,
                   help=f"the port of the lead's sync endpoint (`serve` uses its port + 1, {DEFAULT_SYNC_PORT})")
    p.add_argument("--lead", action="append", help="the lead's sync address(es) written into the pack "
                                                   "(default: https://<each address of this laptop>:<sync-port>)")
    args = p.parse_args(argv)
    _refuse_existing(args.out)
    db = open_db(args.db)
    db_path = args.db or store.db_path()
    urls = args.lead or lead_urls(args.sync_port)
    data = pack_for(db, db_path, args.id, lead_id_of(db, args.id), args.member, args.sync_port, urls)
    out = write_file(args.out, data)
    print(f"已为 {args.member} 导出任务包 {out}（{out.stat().st_size} 字节）。")
    print("组长地址：" + "、".join(urls))
    print(f"组长证书 SHA-256 指纹：{tls.fingerprint(tls.paths(db_path)[0])}")
    print("注意：任务包含该成员的同步密钥，请只交给本人（U 盘或当面传送）。")
    return 0


@command("join")
def cmd_join(argv):
    p = argparse.ArgumentParser(prog="python -m core join")
    p.add_argument("file")
    p.add_argument("--db", help="the laptop's new SQLite file (refuses an existing one)")
    p.add_argument("--lead", help="the lead's sync address, e.g. https://192.168.1.20:8502 (overrides the pack's)")
    args = p.parse_args(argv)
    db_path = args.db or store.db_path()
    aid = pack.join(db_path, _read(args.file), args.lead)
    db = store.open_db(db_path)
    me = bundle.laptop(db, aid)
    print(f"已建立 {me['member_name']} 的笔记本副本：{db_path}（评估 {aid}）。")
    print("用 `python -m core serve` 启动后，组长的笔记本可达时会自动同步；不可达时用 changes 导出变更文件。")
    print(aid)
    return 0


@command("changes")
def cmd_changes(argv):
    args = parse_args("changes", argv, assessment_id=True, out="the bundle file to write")
    db = open_db(args.db)
    data = bundle.make_bundle(db, args.id)
    n = len(bundle.changes(db, args.id)[0])
    out = write_file(args.out, data)
    print(f"已导出 {n} 条尚未经组长确认的变更到 {out}（{out.stat().st_size} 字节）。")
    return 0


@command("merge")
def cmd_merge(argv):
    args = parse_args("merge", argv, positional="file")
    db = open_db(args.db)
    out = merge.merge(db, _read(args.file), via="file")
    print(f"已合并 {out['member']['name']} 的变更（评估 {out['assessment_id']}）。")
    if out["late"]:
        print(f"其中 {out['late']} 条在评估锁定后到达：未应用，已保留供组长查看（conflicts 命令列出）。")
    print(f"applied {out['applied']}; unchanged {out['unchanged']}; conflicts {out['conflicts']}")
    return 0


@command("conflicts")
def cmd_conflicts(argv):
    args = parse_args("conflicts", argv, assessment_id=True)
    db = open_db(args.db)
    items = conflicts.listing(db, args.id)
    for c in items:
        print(f"#{c['id']} {label(SYNC_KINDS, c['kind'])}：{c['subject']}（{c['member_name']}，{c['received_at']}）")
        for f in c["fields"]:
            if f["differs"]:
                print(f"    {f['label']}：组长 {f['ours']} | {c['member_name']} {f['theirs']}")
    print(f"conflicts {len(items)}")
    return 0


@command("lead-address")
def cmd_lead_address(argv):
    p = argparse.ArgumentParser(prog="python -m core lead-address")
    p.add_argument("id", type=int)
    p.add_argument("--db", help="the laptop's SQLite file (default: $ASSESSMENT_DB or data/assessment.db)")
    p.add_argument("--lead", action="append", required=True,
                   help="the lead's sync address as its 团队同步 page shows it, e.g. https://192.168.1.20:8502 "
                        "(repeat for several)")
    args = p.parse_args(argv)
    db = open_db(args.db)
    urls = set_lead_address(db, args.id, args.lead)
    print("组长地址已改为：" + "、".join(urls))
    print("组长的笔记本换了网络也无需新的任务包：本机核对的是组长笔记本的密钥。")
    return 0


@command("sync-service")
def cmd_sync_service(argv):
    """Started by `serve` beside Streamlit (not for typing): the lead's endpoint, or a laptop's loop."""
    p = argparse.ArgumentParser(prog="python -m core sync-service")
    p.add_argument("--db", required=True)
    p.add_argument("--address", default="0.0.0.0")
    p.add_argument("--port", type=int, default=DEFAULT_SYNC_PORT)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--parent", type=int, help="stop when this process is gone")
    args = p.parse_args(argv)
    run_service(args.db, args.address, args.port, args.cert, args.key, args.parent)
    return 0
