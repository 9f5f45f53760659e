"""`python -m core report ID --db PATH --out FILE.pdf` — the final report as a PDF."""
from __future__ import annotations

import argparse
from pathlib import Path

from .cli import _add_db, command, open_db


@command("report", "write the final report PDF of an assessment: report ID --db PATH --out FILE.pdf")
def cmd_report(argv):
    p = argparse.ArgumentParser(prog="python -m core report")
    p.add_argument("id", type=int)
    _add_db(p)
    p.add_argument("--out", required=True, help="PDF file to write")
    args = p.parse_args(argv)
    from .pdf import report_pdf

    data = report_pdf(open_db(args.db), args.id)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"报告已生成：{out}（{len(data) / 1024:.0f} KB）")
    return 0
