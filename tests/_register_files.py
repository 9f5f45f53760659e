"""Register files written the way stations really keep them (石榴岗街, made up), and hostile
.xlsx files built byte by byte, for the register import tests (unit, page and browser).

`shiliugang_register()` returns the file and what a careful person counting by hand finds
in it (persons, households, categories, the rows that must be skipped), worked out from how
the rows were written, not from the import's own rules.
"""
from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

COMMUNITIES = ["石榴岗社区", "新滘社区", "东风社区"]
HEADER = ["序号", "姓名", "性别", "联系方式", "所属居委", "对象类别", "户号", "是否空挂户", "人户分离", "备注"]

# How each community may be written in the file.
_COMMUNITY_AS_WRITTEN = {
    "石榴岗社区": ["石榴岗社区", "石榴岗居委会", "石榴岗", "石榴岗社区居委会"],
    "新滘社区": ["新滘社区", "新滘居委会", "新滘"],
    "东风社区": ["东风社区", "东风居委", "东风"],
}
# (as written, canonical categories)
_CATEGORIES = [
    ("低保", ["低保对象"]), ("低保、残疾人", ["低保对象", "残疾人"]), ("残疾人（肢体二级）", ["残疾人"]),
    ("特困供养", ["特困人员"]), ("独居老人", ["独居老年人"]), ("困境儿童", ["困境儿童"]),
    ("孤寡老人、残疾人(视力一级)", ["孤寡老年人", "残疾人"]), ("空巢老人", ["空巢老年人"]),
    ("低保边缘家庭成员", ["低保边缘家庭成员"]),
]
_SURNAMES = "陈黄李梁何林罗郭周冯邓谢麦"
_GIVEN = "子晓志嘉伟美丽建华明秀英国强婉雯俊杰家豪慧敏"


def _phone_variants(k: int) -> tuple[str, str, str]:
    """(as written, phone stored, phone2 stored) — every way stations write phones."""
    a = f"138{k:08d}"
    b = f"139{k:08d}"
    return [
        (a, a, ""),
        (f"{a[:3]}-{a[3:7]}-{a[7:]}", a, ""),
        (f"{a[:3]} {a[3:7]} {a[7:]}", a, ""),
        (f"+86 {a}", a, ""),
        (f"{a} {b}", a, b),
        (f"{a}/{b}", a, b),
        (f"{a}（女儿 {b}）", a, b),
        ("无", "", ""),
        ("", "", ""),
        (f"020-8{k:07d}", f"020-8{k:07d}", ""),
    ][k % 10]


def shiliugang_register(households: int = 84, big_household: int = 64, kind: str = "xlsx"):
    """A register like the one in issue 12: two title rows and a blank row above the header,
    one household of `big_household` people written with "同上", every phone/community/
    category/flag variant, blank 户号, a blank row inside, the 合计 row and a 填表人 line.

    Returns (file name, bytes, expected) with expected = {persons, households, by_category,
    vacant, separated, no_phone, with_phone2, rows {row number: stored fields}, skipped rows}."""
    rows, expected_rows = [], {}
    by_category: dict[str, int] = {}
    vacant = separated = no_phone = phone2 = 0
    excel_row = 4                                       # the header is row 4
    person = 0
    sizes = [big_household] + [1 + (h % 3 == 0) for h in range(1, households)]
    blank_after = 10                                    # a blank row after the 10th person
    for h, size in enumerate(sizes):
        comm = COMMUNITIES[h % 3]
        hid = f"SLG{h + 1:03d}"
        blank_household = h % 7 == 3 and size == 1     # some single persons have no 户号
        for j in range(size):
            person += 1
            excel_row += 1
            if person == blank_after + 1:
                rows.append([None] * len(HEADER))
                excel_row += 1
            cat_written, cats = _CATEGORIES[person % len(_CATEGORIES)]
            phone_written, phone, second = _phone_variants(person)
            comm_written = _COMMUNITY_AS_WRITTEN[comm][person % len(_COMMUNITY_AS_WRITTEN[comm])]
            v_written = ["", "空挂", "是", "√", "否"][person % 5] if person % 4 == 0 else ""
            s_written = ["人户分离", "√", "是"][person % 3] if person % 6 == 1 else ""
            household_written = "" if blank_household else (hid if j == 0 else "同上")
            given = _GIVEN[person % len(_GIVEN)] + _GIVEN[(person * 7) % len(_GIVEN)]
            name = _SURNAMES[person % len(_SURNAMES)] + given
            rows.append([person, name, "男女"[person % 2], phone_written, comm_written, cat_written,
                         household_written, v_written, s_written, ""])
            expected_rows[excel_row] = {"name": name, "phone": phone, "phone2": second, "community": comm,
                                        "category": "、".join(cats),
                                        "household": "" if blank_household else hid,
                                        "vacant_household": v_written not in ("", "否"), "separated": bool(s_written)}
            for c in cats:
                by_category[c] = by_category.get(c, 0) + 1
            vacant += v_written not in ("", "否")
            separated += bool(s_written)
            no_phone += not phone
            phone2 += bool(second)
    total_row = excel_row + 1
    rows.append(["合计", f"{person}人", "", "", "", "", f"{households}户", "", "", ""])
    rows.append(["填表人：李社工    审核人：王站长", "", "", "", "", "", "", "", "", ""])
    title = [["广州市海珠区石榴岗街社工服务站重点服务对象名册"], ["（统计时间：2024年1月1日—2024年12月31日）"], []]
    expected = {"persons": person, "households": households, "by_category": by_category, "vacant": vacant,
                "separated": separated, "no_phone": no_phone, "with_phone2": phone2, "rows": expected_rows,
                "skipped": {1: "标题", 2: "标题", blank_after + 5: "空行", total_row: "合计", total_row + 1: "说明"}}
    if kind == "csv":
        import csv

        buf = io.StringIO()
        w = csv.writer(buf)
        for r in title + [HEADER] + rows:
            w.writerow(["" if v is None else v for v in r])
        return "石榴岗街名册.csv", buf.getvalue().encode("gb18030"), expected
    wb = Workbook()
    ws = wb.active
    ws.title = "重点对象"
    for r in title:
        ws.append(r or [None])
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return "石榴岗街名册.xlsx", out.getvalue(), expected


def xlsx_with_sheet_xml(sheet_xml: bytes | str) -> bytes:
    """A real workbook whose first sheet's XML is replaced (to declare sizes or hold many rows)."""
    wb = Workbook()
    wb.active.append(["x"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode() if isinstance(sheet_xml, str) else sheet_xml
            z.writestr(item, data)
    return out.getvalue()


def sheet_xml(rows: list[list[str]] | None = None, dimension: str | None = None, start_row: int = 1) -> str:
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = []
    for n, r in enumerate(rows or [], start_row):
        cells = "".join(f'<c r="{_col(i)}{n}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(r) if v != "")
        body.append(f'<row r="{n}">{cells}</row>')
    return head + dim + "<sheetData>" + "".join(body) + "</sheetData></worksheet>"


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
