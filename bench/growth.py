"""Report CPU as the station doubles, 10× → 80× the demo (issue 27).

    python bench/growth.py [--scales 10,20,40,80] [--runs 3]

Builds bench/scale.py's station at each scale (K: 3K 片区, 500K register rows, 100K findings, 200K calls; 80× is
240 片区, 40,000 persons, 8,000 findings, 16,000 calls) in its own temporary database, makes one report of each
(fonts, first reads; not counted), then `--runs` rounds; in each round every scale's report is made once, the
order of the scales rotating from round to round, with the figures cached by the change marks (core.derived)
cleared before each, as a fresh `python -m core report` process has none, and the CPU time of this process for it is taken
(time.process_time: the whole report, core.report.make.report_pdf — gathering, the pre-export check, layout,
writing; steadier than wall time on a busy machine). A doubling's ratio is the median CPU at 2K ÷ the median
at K, with min/max over the rounds of the paired ratios. Target: ≤ 2.2 at every doubling (linear in the
station, with headroom for the report's extra pages). Ends with the line

    report CPU per doubling: 10→20 X, 20→40 Y, 40→80 Z; worst W (target 2.2)

Exit status 1 only when a doubling's ratio is above the target.
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

from core import derived  # noqa: E402
from core.report.make import report_pdf  # noqa: E402
from core.store import open_db  # noqa: E402
from scale import build_station, counts  # noqa: E402

TARGET = 2.2


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="10,20,40,80")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    scales = [int(x) for x in args.scales.split(",") if x]
    cpu: dict[int, list[float]] = {k: [] for k in scales}
    with tempfile.TemporaryDirectory() as t:
        dbs = {}
        for k in scales:
            db = open_db(str(Path(t) / f"s{k}.db"))
            aid = build_station(db, k)
            size = report_pdf(db, aid)
            c = counts(db, aid)
            print(f"{k}× the demo: {c['片区']} 片区, {c['register']} persons, {c['findings']} findings, "
                  f"{c['calls']} calls; PDF {len(size) // 1024} KB")
            dbs[k] = (db, aid)
        for n in range(args.runs):
            order = scales[n % len(scales):] + scales[:n % len(scales)]
            for k in order:
                db, aid = dbs[k]
                derived.clear()          # nothing cached from the last report: as `python -m core report` makes it
                t0 = time.process_time()
                report_pdf(db, aid)
                cpu[k].append(time.process_time() - t0)
        for db, _ in dbs.values():
            db.conn.close()
    for k in scales:
        print(f"{k}×: report CPU median {statistics.median(cpu[k]) * 1000:.0f} ms "
              f"(runs {', '.join(f'{x * 1000:.0f}' for x in cpu[k])})")
    steps = []
    for a, b in zip(scales, scales[1:]):
        paired = [y / x for x, y in zip(cpu[a], cpu[b])]
        ratio = statistics.median(cpu[b]) / statistics.median(cpu[a])
        steps.append((a, b, ratio))
        print(f"{a}→{b}: ratio {ratio:.2f} (min {min(paired):.2f}, max {max(paired):.2f})")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    worst_ratio = max(r for _, _, r in steps)
    print("report CPU per doubling: " + ", ".join(f"{a}→{b} {r:.2f}" for a, b, r in steps)
          + f"; worst {worst_ratio:.2f} (target {TARGET})")
    return 0 if worst_ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
