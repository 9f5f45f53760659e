"""Decide Streamlit's runner.postScriptGC from measurement (issue 13).

    python bench/gc.py [--reruns 2000] [--every 0.05]

For each setting (on: Streamlit's default, a full gc.collect(2) after every script run;
off), starts a real server (`streamlit run app.py`, tests/e2e/server.py) on a fresh copy of
the demo, logs in as the lead in Debian's Chromium (Playwright) and opens the 实时总览
dashboard, whose fragment reruns every `--every` seconds (DASHBOARD_REFRESH_SECONDS) — the
page that ticks all day. Every script run the server finishes is counted from the
websocket (ForwardMsg script_finished); the server process's resident memory (VmRSS) and
CPU time are sampled every `--reruns / 10` runs. (AppTest cannot measure this: its script
runner skips the post-run collection.) Prints, per setting, the memory curve, its growth
over the second half and the server CPU per rerun; ends with the line

    postScriptGC on: +X MB (second half +A MB), CPU B ms/rerun; off: +Y MB (second half +C MB), CPU D ms/rerun
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from core.demo.make import create_demo  # noqa: E402
from core.store import open_db  # noqa: E402
from e2e.server import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402
from e2e.st_ui import go, login  # noqa: E402

LEAD, PIN = "陈志远", "1111"


def proc_figures(pid: int) -> tuple[float, float]:
    """(VmRSS in MB, CPU seconds user+system) of a process."""
    rss = next(int(line.split()[1]) / 1024 for line in Path(f"/proc/{pid}/status").read_text().splitlines()
               if line.startswith("VmRSS:"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(setting: bool, src_db: Path, aid: int, reruns: int, every: float, tmp: Path) -> dict:
    from playwright.sync_api import sync_playwright
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    db_path = tmp / f"gc-{setting}.db"
    shutil.copy(src_db, db_path)
    server = start_server(db_path, tmp / f"gc-{setting}.log",
                          env={"STREAMLIT_RUNNER_POST_SCRIPT_GC": "true" if setting else "false",
                               "DASHBOARD_REFRESH_SECONDS": str(every)})
    finished = [0]

    def on_frame(payload):
        if isinstance(payload, (bytes, bytearray)):
            msg = ForwardMsg()
            try:
                msg.ParseFromString(bytes(payload))
            except Exception:  # noqa: BLE001  (not a ForwardMsg)
                return
            if msg.WhichOneof("type") == "script_finished":
                finished[0] += 1

    samples = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(ignore_https_errors=True)   # the self-signed HTTPS certificate
            page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
            login(page, server.url, aid, LEAD, PIN)
            go(page, "实时总览")
            page.wait_for_timeout(2000)          # the page settles; count from here
            start = finished[0]
            rss, cpu = proc_figures(server.proc.pid)
            samples.append((0, rss, cpu))
            step = max(1, reruns // 10)
            deadline = time.monotonic() + max(600, reruns * every * 20)
            while finished[0] - start < reruns and time.monotonic() < deadline:
                page.wait_for_timeout(100)
                done = finished[0] - start
                if done >= len(samples) * step:
                    rss, cpu = proc_figures(server.proc.pid)
                    samples.append((done, rss, cpu))
            browser.close()
    finally:
        server.stop()
    done = samples[-1][0]
    half = next(s for s in samples if s[0] >= done / 2)
    return {"setting": setting, "samples": samples, "reruns": done,
            "growth": samples[-1][1] - samples[0][1], "second_half": samples[-1][1] - half[1],
            "cpu_ms": (samples[-1][2] - samples[0][2]) / max(1, done) * 1000}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reruns", type=int, default=2000)
    ap.add_argument("--every", type=float, default=0.05, help="dashboard refresh interval (s)")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        src = tmp / "demo.db"
        db = open_db(str(src))
        aid = create_demo(db)
        db.conn.close()
        out = {}
        for setting in (True, False):
            r = out[setting] = measure(setting, src, aid, a.reruns, a.every, tmp)
            name = "on" if setting else "off"
            print(f"postScriptGC {name}: {r['reruns']} script runs of the dashboard (every {a.every:g} s); "
                  f"server CPU {r['cpu_ms']:.1f} ms per run")
            print("  server RSS MB after runs: " + ", ".join(f"{n}: {m:.1f}" for n, m, _ in r["samples"]))
            print(f"  growth {r['growth']:+.1f} MB in all, {r['second_half']:+.1f} MB over the second half")
    on, off = out[True], out[False]
    print(f"postScriptGC on: {on['growth']:+.1f} MB (second half {on['second_half']:+.1f} MB), CPU {on['cpu_ms']:.1f} ms/rerun; "
          f"off: {off['growth']:+.1f} MB (second half {off['second_half']:+.1f} MB), CPU {off['cpu_ms']:.1f} ms/rerun")
    return 0


if __name__ == "__main__":
    sys.exit(main())
