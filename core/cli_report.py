"""`python -m core report ID --db PATH --out FILE.pdf` — the final report as a PDF."""
from __future__ import annotations

from .cli import command, open_db, parse_args, write_file


@command("report", "write the final report PDF of an assessment: report ID --db PATH --out FILE.pdf")
def cmd_report(argv):
    args = parse_args("report", argv, assessment_id=True, out="PDF file to write")
    from .report_data import report_pdf

    data = report_pdf(open_db(args.db), args.id)
    out = write_file(args.out, data)
    print(f"报告已生成：{out}（{len(data) / 1024:.0f} KB）")
    return 0
