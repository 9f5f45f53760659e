"""The final report on a station K times the demo's size, against the demo, in one run (issue 13).

    python bench/report.py [--scale K] [--runs N] [--reruns N]

Builds the demo and a station of scale K (bench/scale.py: K = 10 is 30 片区, 1,000
findings, 5,000 register rows, 2,000 calls) in two temp files, then alternately (so a busy
machine slows both alike):
- the report PDF (core.report.make.report_pdf: gather, pre-export check, layout), after a
  first build of each (fonts, caches); median of `--runs`;
- the 报告与导出 page's rerun after a widget change (the section chosen in 报告正文),
  through Streamlit's AppTest on the real app; median of `--reruns`.
Judged on ratios only (the exit status): the build at scale K at most K× the demo's (linear in
the data), the page rerun under 1.5× the demo's; the per-round ratios' min / median / max are
printed. The demo's first build is printed beside its guide of 2 s on an idle machine, never
judged; its PDF's size (< 2 MB) is a test (tests/test_pdf.py). Ends with the line

    build X ms; demo Y ms; ratio Z
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from core.assessment import team  # noqa: E402
from core.report.make import report_pdf  # noqa: E402
from core.store import open_db  # noqa: E402
from scale import build_station, counts  # noqa: E402

PAGE_TARGET = 1.5


def open_report_page(path: str, aid: int):
    """The report page of the real app, logged in as the lead (AppTest, in this process)."""
    from streamlit.testing.v1 import AppTest

    os.environ["ASSESSMENT_DB"] = path
    db = open_db(path, migrated=False)
    lead = next(m for m in team.list_members(db, aid) if m["role"] == "lead")["id"]
    db.conn.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["auth"] = {"assessment_id": aid, "member_id": lead}
    at.switch_page("pages/report.py")
    at.run()
    if at.exception:
        raise RuntimeError(at.exception)
    return at


def page_rerun(at, path: str, sections: list[str], n: int) -> float:
    """Choose another section (a widget change) and rerun; return the rerun's ms."""
    os.environ["ASSESSMENT_DB"] = path
    at.selectbox(key="rp_section").set_value(sections[n % len(sections)])
    t = time.perf_counter()
    at.run()
    ms = (time.perf_counter() - t) * 1000
    if at.exception:
        raise RuntimeError(at.exception)
    return ms


def _spread(num: list[float], den: list[float]) -> str:
    """The per-round ratios num / den: 'min a, median b, max c'."""
    r = sorted(x / y for x, y in zip(num, den))
    return f"min {r[0]:.2f}, median {statistics.median(r):.2f}, max {r[-1]:.2f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reruns", type=int, default=10)
    a = ap.parse_args(argv)
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        paths, aids, dbs = {}, {}, {}
        for name, k in (("demo", 1), ("scaled", a.scale)):
            paths[name] = str(Path(tmp) / f"{name}.db")
            dbs[name] = open_db(paths[name])
            t = time.perf_counter()
            aids[name] = build_station(dbs[name], k)
            print(f"{name} (scale {k}): {counts(dbs[name], aids[name])}, built in {time.perf_counter() - t:.1f} s")
        first, builds, size = {}, {"demo": [], "scaled": []}, {}
        for name in builds:
            t = time.perf_counter()
            size[name] = len(report_pdf(dbs[name], aids[name]))
            first[name] = time.perf_counter() - t
        for _ in range(a.runs):
            for name in builds:
                t = time.perf_counter()
                report_pdf(dbs[name], aids[name])
                builds[name].append((time.perf_counter() - t) * 1000)
        med = {n: statistics.median(v) for n, v in builds.items()}
        for name in builds:
            print(f"{name} report PDF: {size[name] / 1024:.0f} KB, first build {first[name]:.2f} s, "
                  f"then median {med[name]:.0f} ms over {a.runs} runs")
        print(f"demo's first build {first['demo']:.2f} s (guide < 2 s on an idle machine, not judged); "
              f"per-round build ratio {_spread(builds['scaled'], builds['demo'])}")

        pages = {name: open_report_page(paths[name], aids[name]) for name in builds}
        sections = {name: [o for o in pages[name].selectbox(key="rp_section").options][:3] for name in builds}
        reruns = {"demo": [], "scaled": []}
        for n in range(a.reruns + 1):
            for name in reruns:
                ms = page_rerun(pages[name], paths[name], sections[name], n + 1)
                if n:                      # the first change warms the page's caches
                    reruns[name].append(ms)
        rmed = {n: statistics.median(v) for n, v in reruns.items()}
        page_ratio = rmed["scaled"] / rmed["demo"]
        print(f"report page rerun after a widget change (AppTest): scale {a.scale} {rmed['scaled']:.0f} ms, "
              f"demo {rmed['demo']:.0f} ms; ratio {page_ratio:.2f} (target < {PAGE_TARGET}); "
              f"per-round {_spread(reruns['scaled'], reruns['demo'])}")
        for db in dbs.values():
            db.conn.close()
    ratio = med["scaled"] / med["demo"]
    ok = ratio <= a.scale and page_ratio < PAGE_TARGET
    print(f"build {med['scaled']:.0f} ms; demo {med['demo']:.0f} ms; ratio {ratio:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
