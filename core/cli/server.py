"""CLI commands around the server and logins (loaded by core.cli.main when one of them runs).

    python -m core unlock-member ID --member NAME [--address IP] --db PATH
        lifts the wrong-PIN delay or lockout of a member (e.g. the lead's own, who cannot reach
        the app's button) and/or of a client address; logged in the audit log as 命令行.
"""
from __future__ import annotations

import argparse

from core.cli.base import command, open_db
from core.errors import DataError
from core import store, tls
from core.assessment import team
from core.sync import net


@command("unlock-member")
def cmd_unlock_member(argv):
    p = argparse.ArgumentParser(prog="python -m core unlock-member")
    p.add_argument("id", type=int)
    p.add_argument("--member", help="the member's name as listed at login")
    p.add_argument("--address", help="a client address (IP) as shown on 评估设置 → 登录安全")
    p.add_argument("--db", help="SQLite file (default: $ASSESSMENT_DB or data/assessment.db)")
    args = p.parse_args(argv)
    if not args.member and not args.address:
        raise DataError("请用 --member 姓名 或 --address 地址 指明要解除锁定的对象")

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


@command("serve")
def cmd_serve(argv):
    p = argparse.ArgumentParser(
        prog="python -m core serve",
        description="Serve the app over HTTPS on every address of this laptop (port 8501). The self-signed "
                    "certificate is made on first start beside the database; its SHA-256 fingerprint is printed. "
                    "Arguments after -- go to `streamlit run`.")
    p.add_argument("--db", help="SQLite file (default: $ASSESSMENT_DB or data/assessment.db); created on first start")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="0.0.0.0", help="address to listen on (default: every address)")
    p.add_argument("--sync-port", type=int, help="the team's sync endpoint (HTTPS; default: --port + 1)")
    p.add_argument("--no-sync", action="store_true", help="no sync endpoint / no push-pull loop (docs/sync.md)")
    p.add_argument("--http", action="store_true",
                   help="plain HTTP on the LAN, unencrypted: PINs and client names cross the Wi-Fi in clear text")
    argv = list(argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = p.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    import os
    import sys
    from pathlib import Path

    db_path = Path(args.db or store.db_path()).resolve()
    if db_path.is_dir():
        raise DataError(f"--db 指向一个文件夹：{db_path}")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parents[2]   # the project folder (app.py)
    env = dict(os.environ, ASSESSMENT_DB=str(db_path))
    cmd = [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.address", args.address,
           "--server.port", str(args.port), "--server.headless", "true"]
    local_only = args.address in ("127.0.0.1", "localhost", "::1")
    if args.http:
        env["ASSESSMENT_ALLOW_HTTP"] = "1"
        print("警告：以明文 HTTP 提供服务（--http）。同一 Wi-Fi 上的人可以看到 PIN、评分和服务对象信息。")
        print(f"数据库：{db_path}")
        lan = [a for a in tls.local_addresses() if ":" not in a and a != "127.0.0.1"]
        for a in ([args.address] if local_only else lan) or ["127.0.0.1"]:
            print(f"地址：http://{a}:{args.port}")
        if not local_only and lan:   # (see below: no "External URL" lookup on the internet)
            cmd += ["--browser.serverAddress", lan[0], "--browser.serverPort", str(args.port)]
    else:
        addresses = tls.local_addresses()
        if tls.key_exposed(tls.paths(db_path)[1]):
            print(f"警告：私钥文件 {tls.paths(db_path)[1]} 其他用户也能读取，已不再保密：重新生成证书和私钥"
                  "（私钥只有本人可读），各电脑需重新核对证书指纹。")
        cert, key, made = tls.ensure_certificate(db_path, addresses)
        cmd += ["--server.sslCertFile", str(cert), "--server.sslKeyFile", str(key)]
        print(f"数据库：{db_path}")
        print(("已生成" if made else "使用") + f"本机 HTTPS 证书：{cert}")
        print(f"证书 SHA-256 指纹：{tls.fingerprint(cert)}")
        print("浏览器首次打开时会提示“连接不是私密连接”：核对证书指纹与上面一致后，选择“继续访问”。")
        if local_only:
            shown = [args.address]
        elif ":" in args.address:        # an IPv6 listen address: the laptop's IPv6 addresses
            shown = [f"[{a}]" for a in addresses if ":" in a and a != "::1"]
        else:
            shown = [a for a in addresses if ":" not in a and a != "127.0.0.1"]
        for a in shown or ["127.0.0.1"]:
            print(f"地址：https://{a}:{args.port}")
        if not local_only and shown:
            # The address Streamlit prints and checks origins against: without it, listening on every
            # address makes Streamlit ask checkip.amazonaws.com for an "External URL" (nothing may
            # call out to the internet on site).
            cmd += ["--browser.serverAddress", shown[0].strip("[]"), "--browser.serverPort", str(args.port)]
    if not args.no_sync:    # beside Streamlit: the lead's sync endpoint, or a joined laptop's push/pull loop
        net.start_beside(db_path, args.address, args.sync_port or args.port + 1)
    sys.stdout.flush()
    cmd += extra
    if os.name == "posix":
        os.chdir(root)
        os.execve(sys.executable, cmd, env)
    import subprocess

    return subprocess.call(cmd, env=env, cwd=root)
