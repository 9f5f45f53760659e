"""The agency's 指标体系 as an Excel workbook: a framework to sheets and back (rules only, no I/O).

One workbook per framework, sheets in this order:

    说明      how to fill the workbook (ignored on import)
    框架信息  项目 | 内容: 框架编号, 框架名称, 版本, 说明
    评估方    代码 | 名称 | 简称 | 权重（%） | 满分 | 由指标计算        (weights sum to 100)
    等级      等级 | 最低分
    否决项    代码 | 名称 | 说明
    指标      部分代码 | 部分名称 | 部分分值 | 评分范围 | 指标代码 | 指标名称 | 分值 | 评分方式 | 评分步长 |
              需提供材料 | 评分指引 | 建议评分规则
              (a row without 指标代码 is a 部分 — a section; the indicator rows below it belong to it)
    评分标准  指标代码 | 内容 | 分值 | 得分比例（%）
              (组合分: one row per criterion with its points, summing to the indicator's points;
               程度分: one row per level with its share of the points, from high to low)

The same sheets, as lists of row dicts, are what the in-app editor edits: `sheets_of(fw)` gives
them, `framework_from_sheets(sheets)` checks them and returns the framework data (the dict
`core.framework.model.parse_framework` takes) or every error, each naming the sheet, row and column.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.cells import neutralise_workbook, restore
from core.errors import ImportRejected
from core.framework.model import SUGGEST_RULES, THIRD_PARTY, Framework, FrameworkError, parse_framework
from core.numbers import D
from core.sheets import open_xlsx, sheet_rows

INFO, PARTIES, GRADES, VETO, INDICATORS, CRITERIA = "框架信息", "评估方", "等级", "否决项", "指标", "评分标准"
README = "说明"

COLUMNS: dict[str, list[str]] = {
    INFO: ["项目", "内容"],
    PARTIES: ["代码", "名称", "简称", "权重（%）", "满分", "由指标计算"],
    GRADES: ["等级", "最低分"],
    VETO: ["代码", "名称", "说明"],
    INDICATORS: ["部分代码", "部分名称", "部分分值", "评分范围", "指标代码", "指标名称", "分值", "评分方式", "评分步长",
                 "需提供材料", "评分指引", "建议评分规则"],
    CRITERIA: ["指标代码", "内容", "分值", "得分比例（%）"],
}
# Columns a sheet cannot do without (the others may be left out of a hand-made workbook).
REQUIRED = {
    INFO: ["项目", "内容"], PARTIES: ["名称", "权重（%）", "满分", "由指标计算"], GRADES: ["等级", "最低分"],
    VETO: ["名称"], INDICATORS: ["部分代码", "部分名称", "部分分值", "指标代码", "指标名称", "分值", "评分方式"],
    CRITERIA: ["指标代码", "内容"],
}
INFO_KEYS = {"框架编号": "id", "框架名称": "name", "版本": "version", "说明": "note"}

SCOPES = {"全站": "station", "按片区": "area"}
SCOPE_SYNONYMS = {"全站": "station", "站点": "station", "社工站": "station", "station": "station",
                  "按片区": "area", "片区": "area", "每个片区": "area", "area": "area"}
RULE_TYPES = {"组合分": "combo", "程度分": "level", "自由评分": "free"}
RULE_SYNONYMS = {"组合分": "combo", "combo": "combo", "程度分": "level", "等级分": "level", "level": "level",
                 "自由评分": "free", "自由分": "free", "free": "free"}
YES, NO = "是", "否"
_YES = {"是", "√", "y", "yes", "true", "1"}
_NO = {"否", "", "n", "no", "false", "0", "×"}
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,60}$")
_LIST_SPLIT = re.compile(r"[\n\r；;、]+")

README_LINES = [
    "评估指标体系（Excel 模板）填写说明",
    "",
    "1. 本工作簿就是一个完整的评估框架：框架信息、评估方及权重、等级划分、否决项、指标、评分标准。",
    "2. “指标”表：没有“指标代码”的一行是一个部分（一级指标），写部分代码、名称、分值和评分范围（全站 / 按片区）；",
    "   其下各行是该部分的指标，写指标代码、名称、分值、评分方式（组合分 / 程度分 / 自由评分）等。",
    "   各指标分值之和须等于部分分值；各部分分值之和须等于第三方评估（由指标计算 = 是）的满分。",
    "3. “评分标准”表：组合分的指标每条标准一行，写“分值”，各条之和须等于指标分值；",
    "   程度分的指标每个等级一行，写“得分比例（%）”（0–100），按从高到低排列；自由评分的指标不需要填写。",
    "4. “评估方”表：各方“权重（%）”之和须为 100；恰好一方“由指标计算”为“是”（第三方评估）。",
    "5. “需提供材料”可写多项，用换行、分号或顿号分隔。“建议评分规则”可留空，或填写系统内置规则名：",
    "   " + "、".join(sorted(SUGGEST_RULES)) + "。",
    "6. 导入时逐表检查，错误会写明工作表、行号和列名；有任何错误则不导入。",
]


@dataclass(frozen=True)
class Row:
    """One row of a sheet as read: its number as the user sees it, and its cells by column name."""
    number: int
    cells: dict


# ---------- a framework to sheets ----------

def _num(x) -> float | int:
    """A tidy number for a cell: 5.0 -> 5, 1.5 -> 1.5 (exact through Decimal)."""
    d = D(x).normalize()
    return int(d) if d == d.to_integral_value() else float(d)


def sheets_of(fw: Framework) -> dict[str, list[dict]]:
    """The framework as the rows of each sheet (column name -> value)."""
    total_w = sum((D(p.weight) for p in fw.parties), Decimal(0))
    parties = [{"代码": p.code, "名称": p.name, "简称": p.short, "权重（%）": _num(D(p.weight) / total_w * 100),
                "满分": _num(p.max), "由指标计算": YES if p.computed else NO} for p in fw.parties]
    grades = [{"等级": g.name, "最低分": _num(g.min)} for g in fw.grades]
    veto = [{"代码": v.code, "名称": v.name, "说明": v.description} for v in fw.veto]
    scope_label = {v: k for k, v in SCOPES.items()}
    rule_label = {v: k for k, v in RULE_TYPES.items()}
    inds, crit = [], []
    for s in fw.sections:
        inds.append({"部分代码": s.code, "部分名称": s.name, "部分分值": _num(s.points), "评分范围": scope_label[s.scope]})
        for i in s.indicators:
            inds.append({"部分代码": s.code, "指标代码": i.code, "指标名称": i.name, "分值": _num(i.points),
                         "评分方式": rule_label[i.rule_type], "评分步长": _num(i.step),
                         "需提供材料": "\n".join(i.evidence), "评分指引": i.guidance, "建议评分规则": i.suggest})
            crit += [{"指标代码": i.code, "内容": c.text, "分值": _num(c.points)} for c in i.criteria]
            crit += [{"指标代码": i.code, "内容": lv.name, "得分比例（%）": _num(D(lv.share) * 100)} for lv in i.levels]
    info = [{"项目": "框架编号", "内容": fw.id}, {"项目": "框架名称", "内容": fw.name},
            {"项目": "版本", "内容": fw.version}, {"项目": "说明", "内容": fw.note}]
    full = {INFO: info, PARTIES: parties, GRADES: grades, VETO: veto, INDICATORS: inds, CRITERIA: crit}
    return {name: [{c: r.get(c, "") for c in COLUMNS[name]} for r in rows] for name, rows in full.items()}


def to_xlsx(fw: Framework) -> bytes:
    """The framework as an Excel 指标体系 workbook (the template is the shipped framework's)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = README
    for line in README_LINES:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 110
    widths = {"内容": 60, "部分名称": 16, "指标名称": 40, "需提供材料": 30, "评分指引": 50, "说明": 40, "名称": 26}
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    section_fill = PatternFill("solid", fgColor="F2F2F2")
    for name, rows in sheets_of(fw).items():
        ws = wb.create_sheet(name)
        cols = COLUMNS[name]
        ws.append(cols)
        for c in ws[1]:
            c.font = Font(bold=True)
            c.fill = head_fill
        for r in rows:
            ws.append([None if r[c] == "" else r[c] for c in cols])
        for n, col in enumerate(cols, 1):
            ws.column_dimensions[ws.cell(1, n).column_letter].width = widths.get(col, 12)
        for row in ws.iter_rows(min_row=2):
            for c in row:
                c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        if name == INDICATORS:
            for row in ws.iter_rows(min_row=2):
                if row[cols.index("指标代码")].value in (None, ""):
                    for c in row:
                        c.fill = section_fill
                        c.font = Font(bold=True)
            last = max(ws.max_row, 2) + 200
            for col, values in (("评分范围", SCOPES), ("评分方式", RULE_TYPES)):
                dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
                letter = ws.cell(1, cols.index(col) + 1).column_letter
                dv.add(f"{letter}2:{letter}{last}")
                ws.add_data_validation(dv)
        if name == PARTIES:
            dv = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
            dv.add(f"F2:F{ws.max_row + 20}")
            ws.add_data_validation(dv)
    neutralise_workbook(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------- sheets to a framework ----------

MAX_SHEET_ROWS = 2_000        # a framework has ~100 indicators and a few hundred criteria/levels per sheet


def read_xlsx(data: bytes) -> tuple[dict[str, list[Row]], list[str]]:
    """The rows of each known sheet (header in row 1, Excel row numbers kept, empty rows skipped),
    and the errors of the workbook's shape (not an Excel file, a sheet or a required column missing).

    Bounded before and while reading (core.sheets.open_xlsx / sheet_rows): the file's size, each
    sheet's uncompressed size and declared dimension, then its rows and columns as they stream in."""
    name = "评估框架 Excel"

    def too_many():
        return ImportRejected([f"文件的工作表超过 {MAX_SHEET_ROWS} 行的上限，不像是评估框架：请确认选择了正确的文件。"])

    try:
        wb = open_xlsx(name, data, MAX_SHEET_ROWS, too_many)
    except ImportRejected as e:
        return {}, [e.errors[0] if any(w in e.errors[0] for w in ("过大", "解压", "上限"))
                    else "文件不是有效的 Excel 工作簿（.xlsx），请用本系统导出的模板填写。"]
    sheets, errors = {}, []
    try:
        for sheet in COLUMNS:
            if sheet not in wb.sheetnames:
                if sheet != VETO:
                    errors.append(f"缺少工作表“{sheet}”。")
                sheets[sheet] = []
                continue
            rows = dict(sheet_rows(name, wb, wb[sheet], MAX_SHEET_ROWS, too_many))
            header = [_text(v) for v in rows.get(1, ())]
            missing = [c for c in REQUIRED[sheet] if c not in header]
            if missing:
                errors.append(f"工作表“{sheet}”第 1 行：缺少列" + "、".join(f"“{c}”" for c in missing) + "。")
                sheets[sheet] = []
                continue
            out = []
            for n in sorted(rows):
                if n == 1:
                    continue
                values = rows[n]
                cells = {h: restore(values[k]) if k < len(values) else None for k, h in enumerate(header)
                         if h in COLUMNS[sheet]}
                if all(_text(v) == "" for v in cells.values()):
                    continue
                out.append(Row(n, cells))
            sheets[sheet] = out
    except ImportRejected as e:
        return {}, list(e.errors)
    finally:
        wb.close()
    return sheets, errors


def rows_from_table(records: list[dict]) -> list[Row]:
    """Rows of an in-app table (numbered from 1 as shown), empty rows skipped."""
    out = []
    for n, r in enumerate(records, 1):
        if all(_text(v) == "" for v in r.values()):
            continue
        out.append(Row(n, dict(r)))
    return out


def cell_text(v) -> str:
    """A cell as the text a user reads (None and NaN as '', 5.0 as '5')."""
    return _text(v)


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v != v:  # NaN from an edited table
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


class _Errors(list):
    def at(self, sheet: str, row: Row | int | None, column: str | None, message: str) -> None:
        where = f"工作表“{sheet}”"
        if row is not None:
            where += f"第 {row.number if isinstance(row, Row) else row} 行"
        if column:
            where += f"“{column}”列"
        self.append(f"{where}：{message}")


def _decimal(errors: _Errors, sheet, row: Row, column: str, *, required=True, positive=False,
             minimum=None, maximum=None) -> Decimal | None:
    raw = _text(row.cells.get(column))
    if raw == "":
        if required:
            errors.at(sheet, row, column, "不能为空。")
        return None
    try:
        d = Decimal(raw.rstrip("%％").replace(",", ""))
    except InvalidOperation:
        errors.at(sheet, row, column, f"应为数字，实际为“{raw}”。")
        return None
    if not d.is_finite():
        errors.at(sheet, row, column, f"应为数字，实际为“{raw}”。")
        return None
    if positive and d <= 0:
        errors.at(sheet, row, column, "应大于 0。")
        return None
    if minimum is not None and d < minimum or maximum is not None and d > maximum:
        errors.at(sheet, row, column, f"应在 {minimum} 到 {maximum} 之间，实际为 {raw}。")
        return None
    return d


def _f(d: Decimal) -> float:
    return float(d)


def _g(d) -> str:
    return format(D(d).normalize(), "f")


def _info(e: _Errors, sheets: dict[str, list[Row]]) -> dict:
    """框架信息: id, name, version, note."""
    info = {}
    for r in sheets.get(INFO, []):
        key = _text(r.cells.get("项目"))
        if key not in INFO_KEYS:
            e.at(INFO, r, "项目", f"未知项目“{key}”（应为" + "、".join(INFO_KEYS) + "）。")
            continue
        info[INFO_KEYS[key]] = (r, _text(r.cells.get("内容")))
    for key, field in INFO_KEYS.items():
        if field in ("id", "name") and not info.get(field, (None, ""))[1]:
            row = info.get(field, (None,))[0]
            e.at(INFO, row, "内容" if row else None, f"缺少“{key}”。")
    fid = info.get("id", (None, ""))[1]
    if fid and not _ID_RE.match(fid):
        e.at(INFO, info["id"][0], "内容", f"框架编号“{fid}”只能由字母、数字、“-”“_”“.”组成。")
    version = 1
    if info.get("version", (None, ""))[1]:
        r, v = info["version"]
        if not re.fullmatch(r"\d+(\.0+)?", v) or int(float(v)) < 1:
            e.at(INFO, r, "内容", f"版本应为正整数，实际为“{v}”。")
        else:
            version = int(float(v))
    return dict(id=fid, name=info.get("name", (None, ""))[1], version=version, note=info.get("note", (None, ""))[1])


def _parties(e: _Errors, sheets: dict[str, list[Row]]) -> list[dict]:
    """评估方: exactly one computed (the third party), weights adding up to 100."""
    parties, weights, codes = [], [], set()
    for r in sheets.get(PARTIES, []):
        name = _text(r.cells.get("名称"))
        if not name:
            e.at(PARTIES, r, "名称", "不能为空。")
        flag = _text(r.cells.get("由指标计算")).lower()
        if flag not in _YES | _NO:
            e.at(PARTIES, r, "由指标计算", f"应为“是”或“否”，实际为“{flag}”。")
        computed = flag in _YES
        code = _text(r.cells.get("代码")) or (THIRD_PARTY if computed else "")
        if not code:
            e.at(PARTIES, r, "代码", "不能为空（第三方评估可留空）。")
        elif computed and code != THIRD_PARTY:
            e.at(PARTIES, r, "代码", f"由指标计算的一方（第三方评估）代码应为 {THIRD_PARTY} 或留空。")
        elif code in codes:
            e.at(PARTIES, r, "代码", f"代码“{code}”重复。")
        codes.add(code)
        w = _decimal(e, PARTIES, r, "权重（%）", positive=True)
        mx = _decimal(e, PARTIES, r, "满分", positive=True)
        if w is not None:
            weights.append(w)
        parties.append({"code": code, "name": name, "short": _text(r.cells.get("简称")),
                        "weight": _f(w) if w is not None else None, "max": _f(mx) if mx is not None else None,
                        "computed": computed})
    if not sheets.get(PARTIES):
        e.at(PARTIES, None, None, "至少需要一个评估方。")
    elif sum(1 for p in parties if p["computed"]) != 1:
        e.at(PARTIES, None, "由指标计算", "须恰好有一方为“是”（第三方评估，其得分由指标计算）。")
    if weights and len(weights) == len(parties) and sum(weights) != 100:
        e.at(PARTIES, None, "权重（%）", f"各评估方权重之和为 {_g(sum(weights))}，应为 100。")
    return parties


def _grades(e: _Errors, sheets: dict[str, list[Row]]) -> list[dict]:
    """等级: distinct minimum scores, one of them 0."""
    grades, seen_min = [], {}
    for r in sheets.get(GRADES, []):
        name = _text(r.cells.get("等级"))
        if not name:
            e.at(GRADES, r, "等级", "不能为空。")
        m = _decimal(e, GRADES, r, "最低分", minimum=0, maximum=100)
        if m is not None:
            if m in seen_min:
                e.at(GRADES, r, "最低分", f"与第 {seen_min[m]} 行的最低分相同。")
            seen_min[m] = r.number
            grades.append({"name": name, "min": _f(m)})
    if not sheets.get(GRADES):
        e.at(GRADES, None, None, "至少需要一个等级。")
    elif seen_min and Decimal(0) not in seen_min:
        e.at(GRADES, None, "最低分", "须有一个最低分为 0 的等级（最低等级）。")
    return grades


def _veto(e: _Errors, sheets: dict[str, list[Row]]) -> list[dict]:
    """否决项."""
    veto = []
    for n, r in enumerate(sheets.get(VETO, []), 1):
        name = _text(r.cells.get("名称"))
        if not name:
            e.at(VETO, r, "名称", "不能为空。")
        veto.append({"code": _text(r.cells.get("代码")) or f"veto{n}", "name": name,
                     "description": _text(r.cells.get("说明"))})
    return veto


def _section_row(e: _Errors, r: Row, scode: str, all_codes: dict) -> dict:
    """A section row of 指标 (部分代码 without 指标代码)."""
    if scode in all_codes:
        e.at(INDICATORS, r, "部分代码", f"代码“{scode}”与第 {all_codes[scode]} 行重复。")
    all_codes[scode] = r.number
    name = _text(r.cells.get("部分名称"))
    if not name:
        e.at(INDICATORS, r, "部分名称", "不能为空。")
    pts = _decimal(e, INDICATORS, r, "部分分值", positive=True)
    raw_scope = _text(r.cells.get("评分范围")) or "全站"
    scope = SCOPE_SYNONYMS.get(raw_scope)
    if scope is None:
        e.at(INDICATORS, r, "评分范围", f"应为“全站”或“按片区”，实际为“{raw_scope}”。")
    return {"code": scode, "name": name, "points": pts, "scope": scope or "station", "indicators": [], "_row": r}


def _indicator_row(e: _Errors, r: Row, icode: str, all_codes: dict) -> dict:
    """An indicator row of 指标 (指标代码 filled)."""
    if icode in all_codes:
        e.at(INDICATORS, r, "指标代码", f"代码“{icode}”与第 {all_codes[icode]} 行重复。")
    all_codes[icode] = r.number
    name = _text(r.cells.get("指标名称"))
    if not name:
        e.at(INDICATORS, r, "指标名称", "不能为空。")
    pts = _decimal(e, INDICATORS, r, "分值", positive=True)
    raw_rule = _text(r.cells.get("评分方式")) or "自由评分"
    rtype = RULE_SYNONYMS.get(raw_rule)
    if rtype is None:
        e.at(INDICATORS, r, "评分方式", f"应为“组合分”“程度分”或“自由评分”，实际为“{raw_rule}”。")
    step = _decimal(e, INDICATORS, r, "评分步长", required=False, positive=True)
    suggest = _text(r.cells.get("建议评分规则"))
    if suggest and suggest not in SUGGEST_RULES:
        e.at(INDICATORS, r, "建议评分规则", f"未知规则“{suggest}”（可用：" + "、".join(sorted(SUGGEST_RULES)) + "，或留空）。")
    return {"code": icode, "name": name, "points": pts, "guidance": _text(r.cells.get("评分指引")),
            "evidence": [x.strip() for x in _LIST_SPLIT.split(_text(r.cells.get("需提供材料"))) if x.strip()],
            "suggest": suggest, "rule": {"type": rtype or "free", "step": _f(step) if step is not None else 0.5},
            "_row": r}


def _indicators(e: _Errors, sheets: dict[str, list[Row]]) -> tuple[list[dict], dict[str, dict]]:
    """指标: section rows, each followed by its indicator rows; (sections, indicators by code)."""
    sections, by_code, all_codes = [], {}, {}
    current = None
    for r in sheets.get(INDICATORS, []):
        scode, icode = _text(r.cells.get("部分代码")), _text(r.cells.get("指标代码"))
        if not icode:  # a section row
            if not scode:
                e.at(INDICATORS, r, "部分代码", "部分行须填写部分代码（指标行须填写指标代码）。")
                current = None
                continue
            current = _section_row(e, r, scode, all_codes)
            sections.append(current)
            continue
        if scode and (current is None or scode != current["code"]):
            current = next((s for s in sections if s["code"] == scode), None)
            if current is None:
                e.at(INDICATORS, r, "部分代码", f"部分“{scode}”尚未定义（部分行应写在其指标之前）。")
                continue
        if current is None:
            e.at(INDICATORS, r, "部分代码", "指标行之前须有部分行。")
            continue
        ind = _indicator_row(e, r, icode, all_codes)
        current["indicators"].append(ind)
        by_code[icode] = ind
    if not sections:
        e.at(INDICATORS, None, None, "没有任何部分和指标。")
    return sections, by_code


def _combo_criteria(e: _Errors, icode: str, ind: dict, rows: list[Row]) -> list[dict]:
    """组合分: each criterion's points, adding up to the indicator's."""
    crits, irow = [], ind["_row"]
    for r in rows:
        text = _text(r.cells.get("内容"))
        if not text:
            e.at(CRITERIA, r, "内容", "不能为空。")
        if _text(r.cells.get("得分比例（%）")):
            e.at(CRITERIA, r, "得分比例（%）", f"指标 {icode} 为组合分，每条标准填写“分值”，不填得分比例。")
        p = _decimal(e, CRITERIA, r, "分值", positive=True)
        if p is not None:
            crits.append((text, p))
    if not rows:
        e.at(INDICATORS, irow, "评分方式", f"指标 {icode} 为组合分，但“评分标准”表中没有它的标准。")
    elif len(crits) == len(rows) and ind["points"] is not None and sum(p for _, p in crits) != ind["points"]:
        e.at(CRITERIA, f"{rows[0].number}–{rows[-1].number}" if len(rows) > 1 else rows[0].number, "分值",
             f"指标 {icode} 各条标准分值之和为 {_g(sum(p for _, p in crits))}，与指标分值 {_g(ind['points'])}"
             f"（“指标”表第 {irow.number} 行）不符。")
    return [{"text": t, "points": _f(p)} for t, p in crits]


def _levels(e: _Errors, icode: str, ind: dict, rows: list[Row]) -> list[dict]:
    """程度分: levels with their share of the points, from high to low."""
    levels, prev = [], None
    for r in rows:
        name = _text(r.cells.get("内容"))
        if not name:
            e.at(CRITERIA, r, "内容", "不能为空。")
        if _text(r.cells.get("分值")):
            e.at(CRITERIA, r, "分值", f"指标 {icode} 为程度分，每个等级填写“得分比例（%）”，不填分值。")
        s = _decimal(e, CRITERIA, r, "得分比例（%）", minimum=0, maximum=100)
        if s is None:
            continue
        if prev is not None and s >= prev[1]:
            e.at(CRITERIA, r, "得分比例（%）",
                 f"指标 {icode} 的程度分等级应按得分比例从高到低排列：{_g(s)}% 不低于上一行（第 {prev[0]} 行）的 {_g(prev[1])}%。")
        prev = (r.number, s)
        levels.append({"name": name, "share": _f(s / 100)})
    if not rows:
        e.at(INDICATORS, ind["_row"], "评分方式", f"指标 {icode} 为程度分，但“评分标准”表中没有它的等级。")
    return levels


def _criteria(e: _Errors, sheets: dict[str, list[Row]], by_code: dict[str, dict]) -> None:
    """评分标准: each indicator's criteria (组合分) or levels (程度分), set into its rule."""
    rows_of: dict[str, list[Row]] = {icode: [] for icode in by_code}
    for r in sheets.get(CRITERIA, []):
        icode = _text(r.cells.get("指标代码"))
        if icode not in by_code:
            e.at(CRITERIA, r, "指标代码", f"指标“{icode}”不在“指标”表中。")
            continue
        rows_of[icode].append(r)
    for icode, ind in by_code.items():
        rtype, rows = ind["rule"]["type"], rows_of[icode]
        if rtype == "combo":
            ind["rule"]["criteria"] = _combo_criteria(e, icode, ind, rows)
        elif rtype == "level":
            ind["rule"]["levels"] = _levels(e, icode, ind, rows)
        elif rows:
            e.at(CRITERIA, rows[0], "指标代码", f"指标 {icode} 为自由评分，不需要评分标准（或把评分方式改为组合分 / 程度分）。")


def _check_totals(e: _Errors, sections: list[dict], parties: list[dict]) -> None:
    """Indicators add up to their section, sections to the third party's full marks."""
    for s in sections:
        pts = [i["points"] for i in s["indicators"]]
        if not s["indicators"]:
            e.at(INDICATORS, s["_row"], "部分代码", f"部分 {s['code']} 下没有指标。")
        elif s["points"] is not None and None not in pts and sum(pts) != s["points"]:
            e.at(INDICATORS, s["_row"], "部分分值",
                 f"部分 {s['code']} 各指标分值之和为 {_g(sum(pts))}，与部分分值 {_g(s['points'])} 不符。")
    tp = next((p for p in parties if p["computed"]), None)
    spts = [s["points"] for s in sections]
    if tp and tp["max"] is not None and sections and None not in spts and sum(spts) != D(tp["max"]):
        e.at(INDICATORS, None, "部分分值", f"各部分分值之和为 {_g(sum(spts))}，与“评估方”表中第三方评估的满分 {_g(tp['max'])} 不符。")


def framework_from_sheets(sheets: dict[str, list[Row]]) -> tuple[dict | None, list[str]]:
    """(framework data for parse_framework, []) or (None, every error naming sheet, row and column):
    框架信息, 评估方, 等级, 否决项, 指标, 评分标准, then the totals."""
    e = _Errors()
    data: dict = _info(e, sheets)
    data["parties"] = _parties(e, sheets)
    data["grades"] = _grades(e, sheets)
    data["veto"] = _veto(e, sheets)
    sections, by_code = _indicators(e, sheets)
    _criteria(e, sheets, by_code)
    _check_totals(e, sections, data["parties"])
    if e:
        return None, list(e)
    for s in sections:
        s.pop("_row")
        s["points"] = _f(s["points"])
        for i in s["indicators"]:
            i.pop("_row")
            i["points"] = _f(i["points"])
    data["sections"] = sections
    try:
        parse_framework(data)
    except FrameworkError as err:  # a rule the sheets above do not check yet
        return None, [str(err)]
    return data, []


def framework_from_xlsx(data: bytes) -> tuple[dict | None, list[str]]:
    """(framework data, []) from an Excel 指标体系, or (None, every error naming sheet, row and column)."""
    sheets, errors = read_xlsx(data)
    if errors:
        return None, errors
    return framework_from_sheets(sheets)
