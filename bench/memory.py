"""Server memory with six browser sessions, against a hello-world Streamlit app, and after they close (issue 27).

    python bench/memory.py [--sessions 6] [--ttl 5]

Starts the real app (`streamlit run app.py`, plain HTTP on 127.0.0.1, a fresh copy of the demo) and bench/page_switch.py's
hello-world app, both with `--server.disconnectedSessionTTL <ttl>` (Streamlit keeps a closed tab's session 120 s
for a reconnect; the bench shortens that alike for both so that "closed" can be measured). For each server, in
Debian's Chromium (Playwright), `--sessions` browser contexts (separate sessions) each open it: on the real app
every session logs in and opens the page that member spends the day on (the lead 实时总览, the experts
专家评分, the staff member 电话回访); on the hello app each opens its two pages. The server process's resident
memory (VmRSS) is read at rest (after a first round of sessions, one per member, opened and closed: what the
process loads once is in place), with the sessions open (after the pages settle), and after they close (TTL +
5 s, one more session opened and closed so Streamlit's session store expires the old ones; twice).

Ratios: app RSS with the sessions ÷ hello RSS with the sessions (target ≤ 2.5); returned: what the app's RSS
grew by with the sessions is given back to within 10% after they close (after − rest ≤ 0.1 × (with − rest),
or ≤ 1% of the rest RSS when the sessions took nothing measurable). Ends with the line

    6 sessions: app X MB ÷ hello Y MB = R (target 2.5); after close app A MB vs B MB before (returned: yes/no)

Exit status 1 only when the ratio is above the target or the memory is not returned.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "bench", ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from page_switch import start_hello  # noqa: E402  (bench/page_switch.py)

from core.demo.make import create_demo  # noqa: E402
from core.store import open_db  # noqa: E402
from e2e.server import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402
from e2e.st_ui import login, wait_idle  # noqa: E402

TARGET, RETURNED = 2.5, 1.10
MEMBERS = [("陈志远", "1111", "实时总览"), ("林晓红", "2222", "专家评分"), ("王建华", "3333", "专家评分"),
           ("赵敏", "4444", "专家评分"), ("周立新", "5555", "专家评分"), ("黄小燕", "6666", "电话回访")]


def rss_mb(pid: int) -> float:
    return next(int(line.split()[1]) / 1024 for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("VmRSS:"))


def open_app(browser, url: str, aid: int, k: int):
    name, pin, page_title = MEMBERS[k % len(MEMBERS)]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    login(page, url, aid, name, pin)
    page.get_by_test_id("stSidebar").get_by_test_id("stPageLink").get_by_role("link", name=page_title).click()
    page.wait_for_timeout(1500)
    wait_idle(page)
    return ctx


def open_hello(browser, url: str, k: int):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.goto(url)
    wait_idle(page)
    page.get_by_test_id("stSidebar").get_by_role("link", name="乙页").click()
    page.wait_for_timeout(500)
    wait_idle(page)
    return ctx


def _expire(opener, browser, ttl: int) -> None:
    """Wait past the TTL and open/close one session, twice: Streamlit's session store drops expired sessions
    when it is touched."""
    for _ in range(2):
        time.sleep(ttl + 5)
        opener(browser, 0).close()
    time.sleep(3)


def measure(pid: int, opener, sessions: int, ttl: int, browser) -> dict:
    # A first round of every kind of session, closed: what the process loads once (modules, the demo's
    # figures) is then in place, and "before" is the server at rest between sessions.
    for c in [opener(browser, k) for k in range(len(MEMBERS))]:
        c.close()
    _expire(opener, browser, ttl)
    before = rss_mb(pid)
    contexts = [opener(browser, k) for k in range(sessions)]
    time.sleep(3)
    during = rss_mb(pid)
    for c in contexts:
        c.close()
    _expire(opener, browser, ttl)
    return {"before": before, "during": during, "after": rss_mb(pid)}


def main(argv=None) -> int:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=6)
    ap.add_argument("--ttl", type=int, default=5)
    args = ap.parse_args(argv)
    ttl_flag = ["--server.disconnectedSessionTTL", str(args.ttl)]
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        db_path = tmp / "demo.db"
        db = open_db(str(db_path))
        aid = create_demo(db)
        db.conn.close()
        app = start_server(db_path, tmp / "app.log", https=False,
                           env={"STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(args.ttl)})
        hello_proc, hello_url = start_hello(tmp, extra=ttl_flag)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                hello = measure(hello_proc.pid, lambda b, k: open_hello(b, hello_url, k), args.sessions, args.ttl, browser)
                mine = measure(app.proc.pid, lambda b, k: open_app(b, app.url, aid, k), args.sessions, args.ttl, browser)
                browser.close()
        finally:
            app.stop()
            hello_proc.terminate()
            hello_proc.wait(10)
    for name, r in (("hello", hello), ("app", mine)):
        print(f"{name}: RSS {r['before']:.1f} MB before, {r['during']:.1f} MB with {args.sessions} sessions "
              f"({(r['during'] - r['before']) / args.sessions:.2f} MB a session), {r['after']:.1f} MB after they closed")
    ratio = mine["during"] / hello["during"]
    grown = max(0.0, mine["during"] - mine["before"])
    # given back to within 10% of what the sessions took; when they took nothing, within 1% of the rest RSS
    returned = mine["after"] - mine["before"] <= max((RETURNED - 1) * grown, 0.01 * mine["before"])
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    print(f"{args.sessions} sessions: app {mine['during']:.1f} MB ÷ hello {hello['during']:.1f} MB = {ratio:.2f} "
          f"(target {TARGET}); after close app {mine['after']:.1f} MB vs {mine['before']:.1f} MB before "
          f"(returned: {'yes' if returned else 'no'})")
    return 0 if ratio <= TARGET and returned else 1


if __name__ == "__main__":
    sys.exit(main())
