"""Page switches and a tick in Chromium, against a hello-world Streamlit app run by this script (issue 27).

    python bench/page_switch.py [--rounds 12] [--pages 首页,历次评估,机构总览,专家评分,现场记录,实时总览]

Starts two servers on this machine: the real app (`streamlit run app.py`, plain HTTP on 127.0.0.1, a fresh copy
of the demo) and a hello-world app written by this script into a temporary folder (two pages in st.navigation
with a sidebar of st.page_link, one with a title and a line of text, the other with one st.checkbox). In Debian's
Chromium (/usr/bin/chromium, Playwright) one browser page is logged in to the real app (the lead for the page
switches, the expert 林晓红 for the tick) and another opens the hello app. Then, in rounds, ALTERNATING between the
two apps so that a busy machine slows both alike:

- a page switch: click the page's link in the sidebar, time until the server's `script_finished` message of
  that run arrives over the websocket (the page is drawn); the hello app's switch between its two pages is the
  baseline of every page;
- a tick: click the first criterion checkbox of 专家评分 (on, then off, alternately), time until its run
  finishes (a fragment's run counts: Streamlit sends `script_finished` for it too); the baseline is a click
  on the hello app's checkbox.

Each action's ratio = its median ÷ the baseline's median, and min/max over the rounds of (action ÷ the
baseline measured next to it). Targets: every page switch ≤ 1.5×, the tick ≤ 1.2×. Prints one line per
action, then the load average, and ends with the line

    pages worst X× (target 1.5); tick Y× (target 1.2)

Exit status 1 only when a ratio misses its target.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from core.demo.make import create_demo  # noqa: E402
from core.scoring.signoff import member_by_name, reopen_submission  # noqa: E402
from core.store import open_db  # noqa: E402
from e2e.server import CHROMIUM, CHROMIUM_ARGS, free_port, start_server  # noqa: E402
from e2e.st_ui import login, wait_idle  # noqa: E402

PAGE_TARGET, TICK_TARGET = 1.5, 1.2
LEAD, LEAD_PIN, EXPERT, EXPERT_PIN = "陈志远", "1111", "林晓红", "2222"
DEFAULT_PAGES = "首页,历次评估,机构总览,专家评分,现场记录,实时总览"

HELLO = '''import streamlit as st


def first():
    st.title("甲")
    st.write("你好")


def second():
    st.title("乙")
    st.checkbox("勾选", key="tick")


pages = [st.Page(first, title="甲页", url_path="first", default=True), st.Page(second, title="乙页", url_path="second")]
nav = st.navigation(pages, position="hidden")
with st.sidebar:
    for p in pages:
        st.page_link(p)
nav.run()
'''


class Runs:
    """Counts the server's script_finished messages seen by one browser page (its websocket)."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.done = 0
        self._msg = ForwardMsg

        def on_frame(payload):
            if isinstance(payload, (bytes, bytearray)):
                msg = self._msg()
                try:
                    msg.ParseFromString(bytes(payload))
                except Exception:  # noqa: BLE001  (not a ForwardMsg)
                    return
                if msg.WhichOneof("type") == "script_finished":
                    self.done += 1

        page.on("websocket", lambda ws: ws.on("framereceived", on_frame))

    def timed(self, page, action, timeout: float = 120.0) -> float:
        """Seconds from `action()` to the next script_finished (polled every 2 ms)."""
        wait_idle(page)
        page.wait_for_timeout(150)         # let a trailing message arrive before counting
        before = self.done
        t0 = time.perf_counter()
        action()
        deadline = t0 + timeout
        while self.done == before:
            page.wait_for_timeout(2)
            if time.perf_counter() > deadline:
                raise RuntimeError("no script_finished within the timeout")
        return time.perf_counter() - t0


def start_hello(tmp: Path, extra: list[str] | None = None):
    """The hello-world app in `tmp` on a free port (plain HTTP on 127.0.0.1), returned once healthy; `extra`:
    more `streamlit run` options."""
    import urllib.request

    (tmp / "hello.py").write_text(HELLO, encoding="utf-8")
    port = free_port()
    log = open(tmp / "hello.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "hello.py", "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *(extra or [])],
                            cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError((tmp / "hello.log").read_text(errors="replace"))
        time.sleep(0.2)


def link(page, title: str):
    return page.get_by_test_id("stSidebar").get_by_test_id("stPageLink").get_by_role("link", name=title, exact=True)


def ratios(pairs: list[tuple[float, float]]) -> dict:
    each = [a / b for a, b in pairs]
    med_a, med_b = statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs)
    return {"ratio": med_a / med_b, "min": min(each), "max": max(each), "ms": med_a * 1000, "base_ms": med_b * 1000}


def measure(args, tmp: Path) -> dict:
    from playwright.sync_api import sync_playwright

    db_path = tmp / "demo.db"
    db = open_db(str(db_path))
    aid = create_demo(db)
    # The demo is a finished day (every expert has submitted): the lead reopens the ticking expert's sections,
    # as on the day, so the criteria can be ticked.
    lead_id = member_by_name(db, aid, LEAD)["id"]
    reopen_submission(db, aid, lead_id, member_by_name(db, aid, EXPERT)["id"], "基准测试：重新勾选")
    db.conn.close()
    app = start_server(db_path, tmp / "app.log", https=False)
    hello_proc, hello_url = start_hello(tmp)
    pages = [p for p in args.pages.split(",") if p]
    out: dict[str, list] = {p: [] for p in pages}
    out["tick"] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            lead = browser.new_page(viewport={"width": 1400, "height": 1000})
            lead_runs = Runs(lead)
            login(lead, app.url, aid, LEAD, LEAD_PIN)
            expert = browser.new_page(viewport={"width": 1400, "height": 1000})
            expert_runs = Runs(expert)
            login(expert, app.url, aid, EXPERT, EXPERT_PIN)
            expert_runs.timed(expert, lambda: link(expert, "专家评分").click())
            crit = expert.locator("[class*='st-key-sc_crit_']").first.locator("label")
            crit.wait_for()
            hello = browser.new_page(viewport={"width": 1400, "height": 1000})
            hello_runs = Runs(hello)
            hello.goto(hello_url)
            wait_idle(hello)
            hello_titles = ["乙页", "甲页"]
            box = hello.locator(".st-key-tick label")

            for rnd in range(args.rounds + 1):        # round 0 warms every page up, not counted
                for title in pages:
                    target = hello_titles[0]
                    base = hello_runs.timed(hello, lambda: link(hello, target).click())
                    hello_titles.reverse()
                    mine = lead_runs.timed(lead, lambda: link(lead, title).click())
                    if rnd:
                        out[title].append((mine, base))
                if hello_titles[0] != "甲页":     # the checkbox lives on 乙页
                    hello_runs.timed(hello, lambda: link(hello, "乙页").click())
                    hello_titles.reverse()
                base = hello_runs.timed(hello, lambda: box.click())
                mine = expert_runs.timed(expert, lambda: crit.click())
                if rnd:
                    out["tick"].append((mine, base))
            browser.close()
    finally:
        app.stop()
        hello_proc.terminate()
        hello_proc.wait(10)
    return {name: ratios(pairs) for name, pairs in out.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--pages", default=DEFAULT_PAGES)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as t:
        res = measure(args, Path(t))
    for name, r in res.items():
        what = "tick a criterion on 专家评分" if name == "tick" else f"switch to {name}"
        print(f"{what}: {r['ms']:.0f} ms vs hello {r['base_ms']:.0f} ms; ratio {r['ratio']:.2f} "
              f"(min {r['min']:.2f}, max {r['max']:.2f})")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    worst_ratio = max(r["ratio"] for n, r in res.items() if n != "tick")
    tick_ratio = res["tick"]["ratio"]
    print(f"pages worst {worst_ratio:.2f}× (target {PAGE_TARGET}); tick {tick_ratio:.2f}× (target {TICK_TARGET})")
    return 0 if worst_ratio <= PAGE_TARGET and tick_ratio <= TICK_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
