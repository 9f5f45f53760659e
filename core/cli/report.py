"""`python -m core report ID --db PATH --out FILE.pdf|FILE.docx` — the final report as a PDF or an editable
Word draft (the format follows --out's extension; any other is refused)."""
from __future__ import annotations

from pathlib import Path

from core.cli.base import command, open_db, parse_args, write_file
from core.errors import DataError
from core.report.check import blocking
from core.report.make import preexport_check
from core.report.make import FORMATS, report_file
from core.report.make import score_sheet_pdf
from core.scoring.signoff import member_by_name


@command("report")
def cmd_report(argv):
    args = parse_args("report", argv, assessment_id=True, out="file to write: .pdf (the report) or .docx (Word draft)",
                      flags={"--evidence": "add the evidence annex (photos not marked personal, PDF scans by name)"})
    fmt = FORMATS.get(Path(args.out).suffix.lower())
    if fmt is None:
        raise DataError(f"输出文件 {args.out} 的扩展名不是 .pdf 或 .docx：报告只能写成 PDF（.pdf）或 Word 草稿（.docx），未写入。")
    data = report_file(open_db(args.db), args.id, fmt, evidence=args.evidence)
    out = write_file(args.out, data)
    print(f"报告已生成：{out}（{len(data) / 1024:.0f} KB）")
    return 0


@command("check")
def cmd_check(argv):
    args = parse_args("check", argv, assessment_id=True)

    items = preexport_check(open_db(args.db), args.id)
    for item in items:
        print(item.label)
    if blocking(items):
        print(f"导出前检查未通过：{len(blocking(items))} 项须处理，报告 PDF 将带“草稿”水印。")
        return 1
    print("导出前检查通过" + (f"（另有 {len(items)} 项提示）" if items else "") + "。")
    return 0


@command("scoresheet")
def cmd_scoresheet(argv):
    import argparse

    p = argparse.ArgumentParser(prog="python -m core scoresheet")
    p.add_argument("id", type=int)
    p.add_argument("--member", required=True, help="the expert's name as entered in the assessment")
    p.add_argument("--db", help="SQLite file (default: $ASSESSMENT_DB or data/assessment.db)")
    p.add_argument("--out", required=True, help="PDF file to write")
    args = p.parse_args(argv)

    db = open_db(args.db)
    member = member_by_name(db, args.id, args.member)
    data = score_sheet_pdf(db, args.id, member["id"])
    out = write_file(args.out, data)
    print(f"评分表已生成：{out}（{member['name']}，{len(data) / 1024:.0f} KB）")
    return 0
