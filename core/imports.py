"""Parsing the Excel (.xlsx) and CSV files stations keep, with full validation, and templates.

Everything here is pure: `parse_*` take the file name and its bytes and return
clean rows, or raise ImportRejected listing every problem with its row and
column (row numbers as the spreadsheet shows them: the header is row 1).
core.station_data writes the rows in one transaction only after parsing succeeded.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal, InvalidOperation

from .errors import ImportRejected
from .indicators import DEFAULT_INDICATORS
from .register import CATEGORIES, normalise_category

MAX_ERRORS = 50
# Station files are small (15 indicators, a register of a few hundred persons). The caps
# refuse a wrong or hostile file quickly instead of holding the write lock for minutes.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_INDICATOR_ROWS = 200
MAX_CLIENT_ROWS = 20_000
ALLOWED = (".xlsx", ".csv")

# canonical field -> (column title in templates, accepted header aliases)
INDICATOR_COLUMNS = {
    "name": ("指标名称", ("指标名称", "指标", "名称", "服务指标", "项目")),
    "unit": ("单位", ("单位", "计量单位")),
    "target": ("协议指标量", ("协议指标量", "目标值", "目标", "指标量", "协议指标", "协议数")),
    "actual": ("实际完成量", ("实际完成量", "实际完成", "完成量", "实际", "完成数", "实际完成数")),
    "note": ("备注", ("备注", "说明")),
}
INDICATOR_REQUIRED = ("name", "target", "actual")

CLIENT_COLUMNS = {
    "name": ("姓名", ("姓名", "服务对象姓名", "名字")),
    "phone": ("联系电话", ("联系电话", "电话", "手机", "手机号码", "电话号码")),
    "community": ("所属社区", ("所属社区", "社区", "居委")),
    "category": ("对象类别", ("对象类别", "类别", "服务对象类别", "困难类别")),
    "household": ("户号", ("户号", "家庭编号", "户编号", "户籍编号")),
    "vacant_household": ("空挂户", ("空挂户", "是否空挂户")),
    "separated": ("人户分离", ("人户分离", "是否人户分离")),
    "note": ("备注", ("备注", "说明")),
}
CLIENT_REQUIRED = ("name", "phone", "community", "category", "household")

_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "有"}
_FALSE = {"", "否", "n", "no", "false", "0", "×", "无"}
_PHONE = re.compile(r"^(1\d{10}|(0\d{2,3}-?)?\d{7,8})$")


def _norm_header(h) -> str:
    return re.sub(r"[\s　*＊:：]", "", str(h if h is not None else ""))


def _cell_text(v) -> str:
    """A cell as text: integers stay integers (13812341234, not 13812341234.0)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_table(filename: str, data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(row number, cells as text)]) from an .xlsx (first sheet) or .csv file.

    Raises ImportRejected for an unsupported type, an unreadable file or no header.
    Entirely empty rows are skipped.
    """
    name = (filename or "").strip()
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in ALLOWED:
        raise ImportRejected([f"文件“{name or '（无名）'}”的类型不支持：请上传 .xlsx（Excel）或 .csv 文件"
                              "（旧版 .xls 请先在 Excel 中另存为 .xlsx）"])
    if not data:
        raise ImportRejected([f"文件“{name}”是空文件"])
    if len(data) > MAX_FILE_BYTES:
        raise ImportRejected([f"文件“{name}”过大（{len(data) / 1024 / 1024:.1f} MB），上限为 "
                              f"{MAX_FILE_BYTES // 1024 // 1024} MB：请确认选择了正确的文件"])
    rows: list[list[str]] = []
    if ext == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            ws = wb.worksheets[0]
            rows = [[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
            wb.close()
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, TypeError) as e:
            raise ImportRejected([f"文件“{name}”不是有效的 Excel（.xlsx）文件，无法读取（{type(e).__name__}）"]) from None
        except Exception as e:  # openpyxl raises assorted errors on damaged files
            raise ImportRejected([f"文件“{name}”已损坏或格式不正确，无法读取（{type(e).__name__}）"]) from None
    else:
        text = None
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        if text is None or "\x00" in text:
            raise ImportRejected([f"文件“{name}”不是可读的 CSV 文本文件（请用 UTF-8 或 GBK 编码保存）"])
        try:
            rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
        except csv.Error as e:
            raise ImportRejected([f"文件“{name}”的 CSV 格式有误：{e}"]) from None
    numbered = [(n, r) for n, r in enumerate(rows, 1) if any(c for c in r)]
    if not numbered:
        raise ImportRejected([f"文件“{name}”没有内容：第 1 行应为表头"])
    (hn, header), body = numbered[0], numbered[1:]
    return [_norm_header(h) for h in header], body


def _map_columns(header: list[str], columns: dict, required: tuple[str, ...], errors: list[str]) -> dict[str, int]:
    """field -> column index; records a missing required column in `errors`."""
    found: dict[str, int] = {}
    for field, (title, aliases) in columns.items():
        for i, h in enumerate(header):
            if h in aliases and i not in found.values():
                found[field] = i
                break
    for field in required:
        if field not in found:
            title, aliases = columns[field]
            errors.append(f"缺少必需的列“{title}”（表头第 1 行应包含：{'、'.join(columns[f][0] for f in required)}）")
    return found


def _number(text: str) -> Decimal | None:
    t = text.replace(",", "").replace("，", "").strip()
    if t.endswith("%"):
        return None
    try:
        d = Decimal(t)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _check_rows(body: list, limit: int, what: str) -> None:
    if len(body) > limit:
        raise ImportRejected([f"{what}文件有 {len(body)} 行数据，超过上限 {limit} 行：请确认选择了正确的文件"])


def _reject(errors: list[str]) -> None:
    if errors:
        extra = len(errors) - MAX_ERRORS
        shown = errors[:MAX_ERRORS] + ([f"……另有 {extra} 处问题未列出"] if extra > 0 else [])
        raise ImportRejected(shown)


def _num_out(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


# ---------- contract indicators ----------

def parse_indicators(filename: str, data: bytes) -> list[dict]:
    """Rows {name, unit, target, actual, note} from an indicator file; ImportRejected on any problem.

    Target must be a number > 0; actual a number >= 0; names unique.
    """
    header, body = read_table(filename, data)
    _check_rows(body, MAX_INDICATOR_ROWS, "协议指标")
    errors: list[str] = []
    cols = _map_columns(header, INDICATOR_COLUMNS, INDICATOR_REQUIRED, errors)
    _reject(errors)
    out, seen = [], {}
    t_title, a_title = INDICATOR_COLUMNS["target"][0], INDICATOR_COLUMNS["actual"][0]

    def get(cells, field):
        i = cols.get(field)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for n, cells in body:
        name = get(cells, "name")
        if not name:
            errors.append(f"第 {n} 行“指标名称”：不能为空")
        elif name in seen:
            errors.append(f"第 {n} 行“指标名称”：“{name}”与第 {seen[name]} 行重复")
        else:
            seen[name] = n
        t_raw, a_raw = get(cells, "target"), get(cells, "actual")
        target = _number(t_raw)
        if not t_raw:
            errors.append(f"第 {n} 行“{t_title}”：不能为空")
        elif target is None:
            errors.append(f"第 {n} 行“{t_title}”：“{t_raw}”不是数字")
        elif target <= 0:
            errors.append(f"第 {n} 行“{t_title}”：应大于 0（实际为 {t_raw}）")
        actual = _number(a_raw)
        if not a_raw:
            actual = None
        elif actual is None:
            errors.append(f"第 {n} 行“{a_title}”：“{a_raw}”不是数字")
        elif actual < 0:
            errors.append(f"第 {n} 行“{a_title}”：不能为负数（实际为 {a_raw}）")
        out.append({"name": name, "unit": get(cells, "unit"),
                    "target": _num_out(target) if target is not None and target > 0 else None,
                    "actual": _num_out(actual) if actual is not None and actual >= 0 else None,
                    "note": get(cells, "note")})
    if not body:
        errors.append("文件中没有指标数据（表头之后没有任何行）")
    _reject(errors)
    return out


# ---------- key-client register ----------

def _flag(text: str) -> bool | None:
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    return None


def parse_clients(filename: str, data: bytes, communities: list[str] | None = None) -> list[dict]:
    """Rows {name, phone, community, category, household, vacant_household, separated, note}.

    Category must be one of the 17 (short forms such as 独居老人 are accepted and
    normalised); community one of the station's when `communities` is given; phone
    a mobile (11 digits) or landline; flags 是/否 (or blank).
    """
    header, body = read_table(filename, data)
    _check_rows(body, MAX_CLIENT_ROWS, "服务对象名册")
    errors: list[str] = []
    cols = _map_columns(header, CLIENT_COLUMNS, CLIENT_REQUIRED, errors)
    _reject(errors)
    title = {k: v[0] for k, v in CLIENT_COLUMNS.items()}
    allowed_comm = [c for c in (communities or []) if c]
    out = []

    def get(cells, field):
        i = cols.get(field)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for n, cells in body:
        row = {f: get(cells, f) for f in CLIENT_COLUMNS}
        if not row["name"]:
            errors.append(f"第 {n} 行“{title['name']}”：不能为空")
        phone = re.sub(r"[\s]", "", row["phone"])
        if not phone:
            errors.append(f"第 {n} 行“{title['phone']}”：不能为空")
        elif not _PHONE.match(phone):
            errors.append(f"第 {n} 行“{title['phone']}”：号码格式不正确（应为 11 位手机号或固定电话）")
        row["phone"] = phone
        if not row["community"]:
            errors.append(f"第 {n} 行“{title['community']}”：不能为空")
        elif allowed_comm and row["community"] not in allowed_comm:
            errors.append(f"第 {n} 行“{title['community']}”：“{row['community']}”不是本站所辖社区"
                          f"（{'、'.join(allowed_comm)}）")
        cat = normalise_category(row["category"])
        if not row["category"]:
            errors.append(f"第 {n} 行“{title['category']}”：不能为空")
        elif cat is None:
            errors.append(f"第 {n} 行“{title['category']}”：未知类别“{row['category']}”"
                          f"（应为 17 类之一：{'、'.join(CATEGORIES)}）")
        row["category"] = cat or row["category"]
        if not row["household"]:
            errors.append(f"第 {n} 行“{title['household']}”：不能为空（同一户的成员填写相同户号）")
        for f in ("vacant_household", "separated"):
            v = _flag(row[f])
            if v is None:
                errors.append(f"第 {n} 行“{title[f]}”：“{row[f]}”应为“是”或“否”")
            row[f] = bool(v)
        out.append(row)
    if not body:
        errors.append("文件中没有服务对象数据（表头之后没有任何行）")
    _reject(errors)
    return out


# ---------- templates ----------

def _xlsx(header: list[str], rows: list[list], sheet: str, widths: list[int],
          notes: list[str] = ()) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    if notes:
        help_ws = wb.create_sheet("填写说明")  # imports read the first sheet only
        for line in notes:
            help_ws.append([line])
        help_ws.column_dimensions["A"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv(header: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")  # BOM: Excel opens it as UTF-8


def indicator_template(kind: str = "xlsx", rows: list[dict] | None = None) -> bytes:
    """Template with the usual Guangzhou indicators (or the given rows, for an export)."""
    header = [INDICATOR_COLUMNS[f][0] for f in ("name", "unit", "target", "actual", "note")]
    if rows is None:
        body = [[name, unit, "", "", ""] for name, unit in DEFAULT_INDICATORS]
    else:
        body = [[r.get("name", ""), r.get("unit", ""), r.get("target"), r.get("actual"), r.get("note", "")]
                for r in rows]
    if kind == "csv":
        return _csv(header, [["" if v is None else v for v in r] for r in body])
    return _xlsx(header, body, "协议指标", [22, 8, 12, 12, 30])


def client_template(kind: str = "xlsx") -> bytes:
    """Register template: the header row only; the xlsx adds a 填写说明 sheet."""
    header = [CLIENT_COLUMNS[f][0] for f in CLIENT_COLUMNS]
    if kind == "csv":
        return _csv(header, [])
    return _xlsx(header, [], "重点服务对象名册", [18, 14, 14, 20, 10, 8, 10, 30], notes=CLIENT_NOTES)


CLIENT_NOTES = [
    "重点服务对象名册填写说明（本表不会被导入，只导入第一个工作表）",
    "姓名、联系电话、所属社区、对象类别、户号为必填；同一户的成员填写相同户号。",
    "联系电话：11 位手机号或固定电话（如 020-87654321）。",
    "空挂户、人户分离：填“是”或“否”（留空视为“否”）。",
    "对象类别须为以下 17 类之一：" + "、".join(CATEGORIES),
    "导入时整份名册替换原有名册；任何一行有误则整份不导入，原有数据不变。",
]
