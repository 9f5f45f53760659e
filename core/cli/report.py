"""`python -m core report ID --db PATH --out FILE.pdf|FILE.docx` — the final report as a PDF or an editable
Word draft (the format follows --out's extension; any other is refused)."""
from __future__ import annotations

import argparse
from pathlib import Path

from core.cli.base import check_out, command, open_db, parse_args, write_file
from core.assessment import team
from core.errors import DataError
from core.labels import REPORT_FORMATS
from core.report import versions
from core.report.check import blocking
from core.report.make import preexport_check
from core.report.make import FORMATS, report_file
from core.report.make import score_sheet_pdf
from core.scoring.signoff import member_by_name


def lead_id(db, assessment_id: int) -> int:
    """Versions issued from the command line are recorded as the assessment's lead."""
    team.get_assessment(db, assessment_id)          # NotFound names the id
    leads = [m for m in team.list_members(db, assessment_id) if m["role"] == "lead"]
    if not leads:
        raise DataError(f"评估 {assessment_id} 没有组长，无法记录报告版本")
    return leads[0]["id"]


def _report_args(argv):
    p = argparse.ArgumentParser(prog="python -m core report",
                                usage="python -m core report ID [--db PATH] --out FILE.pdf|FILE.docx [--evidence] [--issue TO [--final]]")
    p.add_argument("id", type=int)
    p.add_argument("--db", help="SQLite file (default: $ASSESSMENT_DB or data/assessment.db)")
    p.add_argument("--out", required=True, help="file to write: .pdf (the report) or .docx (Word draft)")
    p.add_argument("--evidence", action="store_true",
                   help="add the evidence annex (photos not marked personal, PDF scans by name)")
    p.add_argument("--issue", metavar="TO", help="record the file as the next issued version (初稿 n), sent to TO")
    p.add_argument("--final", action="store_true", help="with --issue: the 定稿 (check clean, assessment locked)")
    return p.parse_args(argv)


@command("report")
def cmd_report(argv):
    args = _report_args(argv)
    db = open_db(args.db)
    fmt = FORMATS.get(Path(args.out).suffix.lower())
    check_out(args.out, fmt or "pdf", args.db)     # the database, a folder, a file of another type: refused first
    if fmt is None:
        raise DataError(f"输出文件 {args.out} 的扩展名不是 .pdf 或 .docx：报告只能写成 PDF（.pdf）或 Word 草稿（.docx），未写入。")
    if args.final and not args.issue:
        raise DataError("--final 须与 --issue 发送对象 一起使用（定稿是发出的版本）。")
    if args.issue is None:
        data = report_file(db, args.id, fmt, evidence=args.evidence)
        out = write_file(args.out, data)
        print(f"报告已生成：{out}（{len(data) / 1024:.0f} KB）")
        return 0
    issued = versions.issue(db, args.id, lead_id(db, args.id), "final" if args.final else "draft", args.issue, fmt,
                            evidence=args.evidence)
    out = write_file(args.out, issued.data)
    v = issued.version
    print(f"报告已生成：{out}（{len(issued.data) / 1024:.0f} KB）")
    print(f"已记录版本：{v['label']}，发送 {v['recipient']}，SHA-256 {v['sha256']}")
    return 0


@command("versions")
def cmd_versions(argv):
    args = parse_args("versions", argv, assessment_id=True)
    rows = versions.versions(open_db(args.db), args.id)
    if not rows:
        print("尚未发出报告版本。")
        return 0
    for v in rows:
        print(f"{v['label']}\t{v['issued_at'][:16].replace('T', ' ')}\t{v['recipient']}\t"
              f"{REPORT_FORMATS[v['format']]}\t{v['size']} 字节\tSHA-256 {v['sha256']}"
              + (f"\t反馈：{v['feedback']}" if v["feedback"] else ""))
    print(f"共 {len(rows)} 个版本")
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
