"""Time and size of the demo report PDF (target: under 2 s and under 2 MB).

    python bench/report.py [--runs N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.demo import create_demo  # noqa: E402
from core.pdf import build_pdf  # noqa: E402
from core.report_data import gather, report_pdf  # noqa: E402
from core.store import open_db  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(str(Path(tmp) / "bench.db"))
        aid = create_demo(db)
        t0 = time.perf_counter()
        first = report_pdf(db, aid)           # includes font registration (first build in a process)
        cold = time.perf_counter() - t0
        warm, gathers = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            data = gather(db, aid)
            t1 = time.perf_counter()
            pdf = build_pdf(data)
            warm.append(time.perf_counter() - t0)
            gathers.append(t1 - t0)
        db.conn.close()
    size = len(pdf)
    print(f"demo report PDF: {size / 1024:.0f} KB ({size} bytes), first build {cold:.2f} s, "
          f"then median {statistics.median(warm):.2f} s over {args.runs} runs "
          f"(reading data {statistics.median(gathers) * 1000:.0f} ms)")
    ok = cold < 2 and size < 2 * 1024 * 1024
    print("target (< 2 s, < 2 MB):", "met" if ok else "NOT met")
    assert len(first) > 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
