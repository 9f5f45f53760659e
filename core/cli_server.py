"""CLI commands around the server and logins (imported by core.cli._load_plugins).

    python -m core unlock-member ID --member NAME [--address IP] --db PATH
        lifts the wrong-PIN delay or lockout of a member (e.g. the lead's own, who cannot reach
        the app's button) and/or of a client address; logged in the audit log as 命令行.
"""
from __future__ import annotations

import argparse

from .cli import command, open_db
from .errors import DataError


@command("unlock-member", "lift the wrong-PIN lockout of a member (--member NAME) or a client address (--address IP)")
def cmd_unlock_member(argv):
    p = argparse.ArgumentParser(prog="python -m core unlock-member")
    p.add_argument("id", type=int)
    p.add_argument("--member", help="the member's name as listed at login")
    p.add_argument("--address", help="a client address (IP) as shown on 评估设置 → 登录安全")
    p.add_argument("--db", help="SQLite file (default: $ASSESSMENT_DB or data/assessment.db)")
    args = p.parse_args(argv)
    if not args.member and not args.address:
        raise DataError("请用 --member 姓名 或 --address 地址 指明要解除锁定的对象")
    from . import team

    db = open_db(args.db)
    lifted = team.unlock_from_command_line(db, args.id, args.member, args.address)
    if lifted:
        print("已解除登录限制：" + "、".join(lifted))
    else:
        print("没有需要解除的登录限制（" + "、".join(x for x in (args.member, args.address) if x) + "）")
    still = [r["subject"] for r in team.login_counters(db, args.id) if r["kind"] == "address" and r["state"] != "clear"]
    if still:
        print("仍被锁定的设备地址：" + "、".join(still) + "（可用 --address 地址 解除）")
    return 0
