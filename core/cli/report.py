"""`python -m core report ID --db PATH --out FILE.pdf` — the final report as a PDF."""
from __future__ import annotations

from core.cli.main import command, open_db, parse_args, write_file


@command("report", "write the final report PDF of an assessment: report ID --db PATH --out FILE.pdf [--evidence]")
def cmd_report(argv):
    args = parse_args("report", argv, assessment_id=True, out="PDF file to write",
                      flags={"--evidence": "add the evidence annex (photos not marked personal, PDF scans by name)"})
    from core.report.data import report_pdf

    data = report_pdf(open_db(args.db), args.id, evidence=args.evidence)
    out = write_file(args.out, data)
    print(f"报告已生成：{out}（{len(data) / 1024:.0f} KB）")
    return 0


@command("check", "pre-export check of the report: check ID --db PATH (exit 1 while blocking items remain)")
def cmd_check(argv):
    args = parse_args("check", argv, assessment_id=True)
    from core.report.check import blocking
    from core.report.data import preexport_check

    items = preexport_check(open_db(args.db), args.id)
    for item in items:
        print(item.label)
    if blocking(items):
        print(f"导出前检查未通过：{len(blocking(items))} 项须处理，报告 PDF 将带“草稿”水印。")
        return 1
    print("导出前检查通过" + (f"（另有 {len(items)} 项提示）" if items else "") + "。")
    return 0


@command("scoresheet", "write one expert's score sheet PDF: scoresheet ID --member NAME --db PATH --out FILE.pdf")
def cmd_scoresheet(argv):
    import argparse

    p = argparse.ArgumentParser(prog="python -m core scoresheet")
    p.add_argument("id", type=int)
    p.add_argument("--member", required=True, help="the expert's name as entered in the assessment")
    p.add_argument("--db", help="SQLite file (default: $ASSESSMENT_DB or data/assessment.db)")
    p.add_argument("--out", required=True, help="PDF file to write")
    args = p.parse_args(argv)
    from core.scoring.signoff import member_by_name, score_sheet_pdf

    db = open_db(args.db)
    member = member_by_name(db, args.id, args.member)
    data = score_sheet_pdf(db, args.id, member["id"])
    out = write_file(args.out, data)
    print(f"评分表已生成：{out}（{member['name']}，{len(data) / 1024:.0f} KB）")
    return 0
