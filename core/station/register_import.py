"""Parsing the Excel (.xlsx) and CSV files stations keep, with full validation, and templates.

Everything here is pure: `parse_*` take the file name and its bytes and return
clean rows, or raise ImportRejected listing every problem with its row and
column (row numbers as the spreadsheet shows them: the header is row 1).
core.station.data writes the rows in one transaction only after parsing succeeded.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from core import uploads
from core.sheets import (MAX_COLUMNS, MAX_SHEET_XML_BYTES, fill_merged, merged_ranges, open_xlsx, sheet_rows,  # noqa: F401
                         too_many_columns)
from core.cells import csv_bytes, neutralise_sheet, restore
from core.errors import ImportRejected
from core.numbers import MAX_DECIMALS, MAX_NUMBER, bounded_decimal  # noqa: F401 (bounds owned by core/numbers.py)
from core.station.indicators import DEFAULT_INDICATORS
from core.station.register import (CATEGORIES, MAX_PHONES, is_ditto, match_community, parse_categories, parse_flag,
                       parse_phone, register_summary)

MAX_ERRORS = 50
# Station files are small (15 indicators, a register of a few hundred persons). The caps
# refuse a wrong or hostile file quickly instead of holding the write lock for minutes,
# and they are enforced while reading: a sheet's declared size is checked before any row
# is read, the rows and columns are counted as they stream in.
MAX_FILE_BYTES = uploads.max_bytes("table")   # core.uploads: the one place for upload limits
MAX_INDICATOR_ROWS = 200
MAX_CLIENT_ROWS = 20_000
HEADER_SCAN_ROWS = 15                    # the header is looked for in the first rows (titles above it)
BLANK_ROW_SLACK = 1_000                  # blank rows tolerated between rows (beyond the row cap)
ALLOWED = (".xlsx", ".csv")

# canonical field -> (column title in templates, accepted header aliases)
INDICATOR_COLUMNS = {
    "name": ("指标名称", ("指标名称", "指标", "名称", "服务指标", "项目", "指标项目", "服务项目")),
    "unit": ("单位", ("单位", "计量单位")),
    "target": ("协议指标量", ("协议指标量", "目标值", "目标", "指标量", "协议指标", "协议数", "合同指标量", "全年协议指标量",
                         "全年指标量", "年度指标量")),
    "mid_target": ("中期指标量", ("中期指标量", "中期目标", "中期协议指标量", "中期应完成量", "中期指标")),
    "actual": ("实际完成量", ("实际完成量", "实际完成", "完成量", "实际", "完成数", "实际完成数")),
    "note": ("备注", ("备注", "说明")),
}
INDICATOR_REQUIRED = ("name", "target", "actual")

CLIENT_COLUMNS = {
    "name": ("姓名", ("姓名", "服务对象姓名", "名字", "对象姓名", "服务对象", "姓名(服务对象)")),
    "phone": ("联系电话", ("联系电话", "电话", "手机", "手机号", "手机号码", "电话号码", "联系方式", "联系号码",
                         "本人电话", "联系电话(手机)")),
    "community": ("所属社区", ("所属社区", "社区", "居委", "居委会", "所属居委", "所属居委会", "社区居委会", "所在社区",
                             "社区名称", "所属社区(居委会)", "社区(居委会)")),
    "category": ("对象类别", ("对象类别", "类别", "服务对象类别", "困难类别", "人员类别", "对象类型", "类型",
                            "重点对象类别", "服务对象类型", "困难类型")),
    "household": ("户号", ("户号", "家庭编号", "户编号", "户籍编号", "家庭户号", "户序号", "同户编号", "户")),
    "head": ("户主", ("户主", "户主姓名", "户主名字", "户主名称", "户主(姓名)")),
    "vacant_household": ("空挂户", ("空挂户", "是否空挂户", "空挂", "是否空挂")),
    "separated": ("人户分离", ("人户分离", "是否人户分离")),
    "note": ("备注", ("备注", "说明", "情况说明")),
    "phone2": ("第二电话", ("第二电话", "备用电话", "其他电话", "亲属电话", "家属电话", "紧急联系人电话",
                          "联系人电话", "电话2", "第二联系电话", "其他联系方式")),
}
CLIENT_REQUIRED = ("name", "phone", "community", "category")
HOUSEHOLD_KEYS = ("household", "head")   # one of them is required: 户号, else 户主 (blocks of 同上) keys a household
# A header containing one of these words is taken for the field when no alias matched exactly.
_CLIENT_KEYWORDS = {"name": ("姓名",), "phone": ("电话", "手机"), "community": ("社区", "居委"),
                    "category": ("类别", "类型"), "household": ("户号", "户编号"), "note": ("备注",)}

_TOTAL = re.compile(r"^(合计|总计|小计|共计|总数)")
_FOOTER = re.compile(r"^(注|备注|说明|填表|制表|审核|统计|负责人|填报|日期)[^:：]{0,8}[:：]")
# A signature line under the table: 制表人 / 审核 / 填表 / 填报 / 复核, with or without a colon.
_SIGNATURE = re.compile(r"^(制表|审核|填表|填报|复核|审批)(人|日期|时间|单位)?(?:[:：]|$|[\s　])")


def _norm_header(h) -> str:
    return re.sub(r"[\s　*＊:：]", "", unicodedata.normalize("NFKC", str(h if h is not None else "")))


def _cell_text(v) -> str:
    """A cell as text: integers stay integers (13812341234, not 13812341234.0); a float keeps
    15 significant digits (0.30000000000000004 -> 0.3); dates as 2025-02-27."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e16:
            return str(int(v))
        return format(v, ".15g")
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.strftime("%Y-%m-%d")
    return restore(str(v).strip())   # our own exports' neutralised "'=..." reads back as written


def _ext(filename: str) -> str:
    name = (filename or "").strip()
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""


def _too_many_rows(name: str, what: str, limit: int) -> ImportRejected:
    return ImportRejected([f"{what}文件“{name}”超过 {limit} 行数据的上限，已停止读取：请确认选择了正确的文件"
                           "（或删除表格下方多余的行后再导入）"])


def _xlsx_rows(name: str, data: bytes, limit: int, what: str, fill: bool = False):
    """Rows of the first sheet as text, streamed; caps checked before and while reading. `fill`: a
    cell merged over several rows reads on each of them (core.sheets.fill_merged)."""
    max_row_no = limit + HEADER_SCAN_ROWS + BLANK_ROW_SLACK
    too_many = lambda: _too_many_rows(name, what, limit)  # noqa: E731
    wb = open_xlsx(name, data, max_row_no, too_many)
    try:
        try:
            ws = wb.worksheets[0]
        except IndexError:
            raise ImportRejected([f"文件“{name}”不是有效的 Excel（.xlsx）文件，无法读取（没有工作表）"]) from None
        rows = sheet_rows(name, wb, ws, max_row_no, too_many)
        if fill:
            rows = fill_merged(rows, merged_ranges(wb, ws, max_row_no))
        for n, values in rows:
            yield n, [_cell_text(v) for v in values]
    finally:
        wb.close()


def _csv_rows(name: str, data: bytes, limit: int, what: str, fill: bool = False):
    text = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None or "\x00" in text:
        raise ImportRejected([f"文件“{name}”不是可读的 CSV 文本文件（请用 UTF-8 或 GBK 编码保存）"])
    max_row_no = limit + HEADER_SCAN_ROWS + BLANK_ROW_SLACK
    try:
        for n, r in enumerate(csv.reader(io.StringIO(text)), 1):
            if n > max_row_no:
                raise _too_many_rows(name, what, limit)
            if len(r) > MAX_COLUMNS and any(c.strip() for c in r[MAX_COLUMNS:]):
                raise too_many_columns(name, f"第 {n} 行有 {len(r)}")
            yield n, [restore(c.strip()) for c in r[:MAX_COLUMNS]]
    except csv.Error as e:
        raise ImportRejected([f"文件“{name}”的 CSV 格式有误：{e}"]) from None


def read_rows(filename: str, data: bytes, limit: int = MAX_CLIENT_ROWS,
              what: str = "", fill: bool = False) -> list[tuple[int, list[str]]]:
    """[(row number as the spreadsheet shows it, cells as text)] of the non-empty rows of an
    .xlsx (first sheet) or .csv file, with at most `limit` data rows (plus the rows above the
    header). `fill`: merged cells read on every row they span. ImportRejected for an unsupported
    type, an unreadable or oversized file."""
    name = (filename or "").strip()
    ext = _ext(name)
    if ext not in ALLOWED:
        raise ImportRejected([f"文件“{name or '（无名）'}”的类型不支持：请上传 .xlsx（Excel）或 .csv 文件"
                              "（旧版 .xls 请先在 Excel 中另存为 .xlsx）"])
    if not data:
        raise ImportRejected([f"文件“{name}”是空文件"])
    if len(data) > MAX_FILE_BYTES:
        raise ImportRejected([uploads.too_large("table", name, len(data))])
    reader = _xlsx_rows if ext == ".xlsx" else _csv_rows
    out = []
    for n, cells in reader(name, data, limit, what, fill):
        if any(c for c in cells):
            out.append((n, cells))
            if len(out) > limit + HEADER_SCAN_ROWS:
                raise _too_many_rows(name, what, limit)
    if not out:
        raise ImportRejected([f"文件“{name}”没有内容：第 1 行应为表头"])
    return out


def _aliases(columns: dict) -> dict[str, str]:
    return {_norm_header(a): f for f, (_, aliases) in columns.items() for a in aliases}


def _header_variants(h: str) -> list[str]:
    """联系电话（手机） -> [联系电话(手机), 联系电话]."""
    n = _norm_header(h)
    bare = re.sub(r"[(（\[【].*?[)）\]】]", "", n)
    return [n] + ([bare] if bare and bare != n else [])


def guess_mapping(header: list[str], columns: dict, keywords: dict | None = None) -> dict[str, int | None]:
    """field -> column index (None when the file has no such column), by name: exact aliases
    first (with or without a bracketed note), then a header containing a keyword."""
    alias = _aliases(columns)
    found: dict[str, int] = {}
    for i, h in enumerate(header):
        for v in _header_variants(h):
            f = alias.get(v)
            if f and f not in found and i not in found.values():
                found[f] = i
                break
    for f, words in (keywords or {}).items():
        if f in found:
            continue
        for i, h in enumerate(header):
            if i not in found.values() and h and any(w in _norm_header(h) for w in words):
                found[f] = i
                break
    return {f: found.get(f) for f in columns}


def find_header(rows: list[tuple[int, list[str]]], columns: dict) -> int:
    """Index in `rows` of the header: among the first rows, the one naming most of the columns
    (title rows above it are skipped); the first row when none names two."""
    alias = _aliases(columns)
    best, best_score = 0, 1
    for k, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = len({alias[v] for c in cells for v in _header_variants(c) if v in alias})
        if score > best_score:
            best, best_score = k, score
    return best


def _col_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _mapping_errors(mapping: dict, columns: dict, required: tuple[str, ...], header: list[str],
                    header_row: int) -> list[str]:
    errors = []
    missing = [f for f in required if mapping.get(f) is None]
    for f in missing:
        errors.append(f"缺少必需的列“{columns[f][0]}”（第 {header_row} 行为表头，应包含："
                      f"{'、'.join(columns[x][0] for x in required)}；列名不同时请在预览中指定对应的列）")
    used: dict[int, str] = {}
    for f, i in mapping.items():
        if i is None:
            continue
        if not 0 <= i < max(len(header), 1):
            errors.append(f"“{columns[f][0]}”对应的列不存在")
        elif i in used:
            errors.append(f"{_col_letter(i)} 列同时对应“{columns[used[i]][0]}”和“{columns[f][0]}”：每列只能对应一项")
        else:
            used[i] = f
    return errors


def _number(text: str) -> Decimal:
    """A figure typed in a cell (core.numbers.bounded_decimal: ValueError with the Chinese reason)."""
    return bounded_decimal(text)


def _reject(errors: list[str]) -> None:
    if errors:
        extra = len(errors) - MAX_ERRORS
        shown = errors[:MAX_ERRORS] + ([f"……另有 {extra} 处问题未列出"] if extra > 0 else [])
        raise ImportRejected(shown)


def _num_out(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


# ---------- contract indicators ----------

def parse_indicators(filename: str, data: bytes) -> list[dict]:
    """Rows {name, unit, target, mid_target, actual, note} from an indicator file; ImportRejected on any problem.

    Target must be a number > 0; actual a number >= 0; names unique; every number range-checked
    (see `_number`). The header may stand below title rows.
    """
    rows = read_rows(filename, data, MAX_INDICATOR_ROWS, "协议指标")
    h = find_header(rows, INDICATOR_COLUMNS)
    (header_row, header), body = rows[h], rows[h + 1:]
    if len(body) > MAX_INDICATOR_ROWS:
        raise _too_many_rows(filename, "协议指标", MAX_INDICATOR_ROWS)
    cols = guess_mapping(header, INDICATOR_COLUMNS)
    errors = _mapping_errors(cols, INDICATOR_COLUMNS, INDICATOR_REQUIRED, header, header_row)
    _reject(errors)
    out, seen = [], {}
    t_title, a_title = INDICATOR_COLUMNS["target"][0], INDICATOR_COLUMNS["actual"][0]

    def get(cells, field):
        i = cols.get(field)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for n, cells in body:
        name = get(cells, "name")
        if _TOTAL.match(name.replace(" ", "") or next((c for c in cells if c), "").replace(" ", "")):
            continue                                   # a 合计 row under the table
        if not name:
            errors.append(f"第 {n} 行“指标名称”：不能为空")
        elif name in seen:
            errors.append(f"第 {n} 行“指标名称”：“{name}”与第 {seen[name]} 行重复")
        else:
            seen[name] = n
        t_raw, a_raw = get(cells, "target"), get(cells, "actual")
        target = actual = None
        if not t_raw:
            errors.append(f"第 {n} 行“{t_title}”：不能为空")
        else:
            try:
                target = _number(t_raw)
                if target <= 0:
                    errors.append(f"第 {n} 行“{t_title}”：应大于 0（实际为 {t_raw}）")
            except ValueError as e:
                errors.append(f"第 {n} 行“{t_title}”：{e}")
        if a_raw:
            try:
                actual = _number(a_raw)
                if actual < 0:
                    errors.append(f"第 {n} 行“{a_title}”：不能为负数（实际为 {a_raw}）")
            except ValueError as e:
                errors.append(f"第 {n} 行“{a_title}”：{e}")
        out.append({"name": name, "unit": get(cells, "unit"),
                    "target": _num_out(target) if target is not None and target > 0 else None,
                    "mid_target": _mid_target(get(cells, "mid_target"), n, errors),
                    "actual": _num_out(actual) if actual is not None and actual >= 0 else None,
                    "note": get(cells, "note"), "target_pending": 0})
    if not out:
        errors.append("文件中没有指标数据（表头之后没有任何行）")
    _reject(errors)
    return out


def _mid_target(raw: str, n: int, errors: list[str]):
    """The optional 中期指标量 of an indicator row: blank (the annual target is pro-rated) or a number > 0."""
    if not raw:
        return None
    title = INDICATOR_COLUMNS["mid_target"][0]
    try:
        v = _number(raw)
    except ValueError as e:
        errors.append(f"第 {n} 行“{title}”：{e}")
        return None
    if v <= 0:
        errors.append(f"第 {n} 行“{title}”：应大于 0（实际为 {raw}），合同未约定中期指标量时请留空")
        return None
    return _num_out(v)


# ---------- key-client register ----------

@dataclass
class RegisterPreview:
    """What a register file will store, row by row, before anything is written.

    `rows`: one dict per person row: {row (spreadsheet number), written {field: text as in
    the file, after fixes made in the preview}, stored (the row as it will be stored),
    changes [Chinese], errors [(field, Chinese message)]}. `skipped`: [(row, reason)] —
    title rows, 合计 rows, empty rows, notes under the table. `errors`: every problem
    (mapping and rows), each naming row and column; nothing is stored while there is one.
    """
    filename: str
    header_row: int = 0
    header: list = field(default_factory=list)          # column titles as written
    mapping: dict = field(default_factory=dict)         # field -> column index or None
    rows: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)      # (row, row it repeats): a person listed twice, counted once

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def stored_rows(self) -> list[dict]:
        return [r["stored"] for r in self.rows]

    @property
    def persons(self) -> int:
        return len(self.rows)

    @property
    def households(self) -> int:
        return register_summary(self.stored_rows())["households"]

    @property
    def changed_rows(self) -> int:
        return sum(1 for r in self.rows if r["changes"])

    def column_label(self, f: str) -> str:
        """The column of field `f` as the user sees it: its title in the file, else the template's."""
        i = self.mapping.get(f)
        if i is not None and i < len(self.header) and self.header[i].strip():
            return self.header[i].strip()
        return CLIENT_COLUMNS[f][0]


def column_choices(preview: RegisterPreview) -> list[str]:
    """'C 列：联系方式' for each column of the file (for the mapping selectboxes)."""
    return [f"{_col_letter(i)} 列：{h or '（无标题）'}" for i, h in enumerate(preview.header)]


def _person_name(text: str) -> tuple[str, list[str]]:
    t = unicodedata.normalize("NFKC", text).strip()
    if re.fullmatch(r"[\u3400-\u9fff·\s]+", t) and re.search(r"\s", t):
        return re.sub(r"\s", "", t), ["姓名去掉了空格"]
    return text.strip(), []


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def _locate_header(p: RegisterPreview, rows: list, header_row: int | None) -> int:
    """Index in `rows` of the header: the row the user named, else the row naming most columns."""
    if header_row is not None:
        h = next((k for k, (n, _) in enumerate(rows) if n == int(header_row)), None)
        if h is not None:
            return h
        p.errors.append(f"第 {header_row} 行是空行，不能作为表头")
    return find_header(rows, CLIENT_COLUMNS)


def _apply_mapping(p: RegisterPreview, mapping: dict | None) -> None:
    """The columns by name (or as the user mapped them), and every mapping problem into p.errors."""
    guessed = guess_mapping(p.header, CLIENT_COLUMNS, _CLIENT_KEYWORDS)
    if mapping:
        guessed.update({f: (None if i is None or i == "" else int(i)) for f, i in mapping.items() if f in CLIENT_COLUMNS})
    p.mapping = guessed
    p.errors += _mapping_errors(p.mapping, CLIENT_COLUMNS, CLIENT_REQUIRED, p.header, p.header_row)
    if all(p.mapping.get(f) is None for f in HOUSEHOLD_KEYS):
        p.errors.append(f"缺少必需的列“户号”或“户主”（第 {p.header_row} 行为表头；有户号列时按户号分户，"
                        "只有户主列时一位户主及其下写“同上”的各行为一户；列名不同时请在预览中指定对应的列）")


def _skip_reason(p: RegisterPreview, cells: list[str], written: dict, header_norm: list[str]) -> str | None:
    """Why a row under the header is not a person (a repeated header, 合计/小计, a signature or
    note line under the table), or None."""
    if [_norm_header(c) for c in cells[:len(header_norm)]] == header_norm[:len(cells)]:
        return "重复的表头行"
    note_col = p.mapping.get("note")
    name_col = p.mapping["name"]
    # 合计 in the name column or left of it (序号), or anywhere when the name is blank
    totals = [c for i, c in enumerate(cells) if i != note_col and c and _TOTAL.match(c.replace(" ", ""))
              and (i <= name_col or not written["name"])]
    if totals:
        return f"合计行（“{totals[0]}”），不是服务对象"
    signature = next((c for i, c in enumerate(cells) if i != note_col and c and _SIGNATURE.match(c.strip())), None)
    if signature:
        return f"表格下方的说明行（制表、审核等签名：“{signature[:20]}”），不是服务对象"
    first = next((c for c in cells if c), "")
    if _FOOTER.match(first.replace(" ", "")) and not written["category"] and not written["phone"]:
        return f"表格下方的说明行（“{first[:20]}”）"
    return None


def _read_phones(row: dict, written: dict) -> dict:
    """The phone cell (and a second-phone column) as stored: {phone, phone2, phone_note}."""
    err = lambda f, msg: row["errors"].append((f, msg))  # noqa: E731
    ph = parse_phone(written["phone"])
    if ph["error"]:
        err("phone", ph["error"])
    row["changes"] += ph["changes"]
    if written["phone2"]:
        ph2 = parse_phone(written["phone2"])
        if ph2["error"]:
            err("phone2", ph2["error"])
        elif ph2["phone"] and ph["phone2"]:
            err("phone2", f"电话一格已有两个号码，不能再有第二电话：最多保存 {MAX_PHONES} 个号码")
        elif ph2["phone"] and not ph["phone"]:
            ph.update(phone=ph2["phone"], phone2=ph2["phone2"])
            row["changes"].append("电话为空，第二电话一列的号码记为电话")
        elif ph2["phone"]:
            ph["phone2"] = ph2["phone"]
        if ph2["phone_note"]:
            ph["phone_note"] = "；".join(x for x in (ph["phone_note"], ph2["phone_note"]) if x)
    return ph


def _read_community(row: dict, written: dict, prev: dict | None, allowed: list[str]) -> str:
    err = lambda msg: row["errors"].append(("community", msg))  # noqa: E731
    community = written["community"]
    if is_ditto(community):
        if prev is None:
            err("写“同上”，但上面没有服务对象")
        else:
            community = prev["community"]
            row["changes"].append(f"社区“同上”记为“{community}”（同第 {prev['row']} 行）")
    if not community:
        err("不能为空")
    elif allowed:
        matched = match_community(community, allowed)
        if matched is None:
            err(f"“{community}”不是本站所辖社区（{'、'.join(allowed)}）")
        elif matched != community:
            row["changes"].append(f"社区“{community}”记为“{matched}”")
            community = matched
    return community


def _household_by_number(row: dict, written: dict, prev: dict | None) -> str:
    """户号 as written; "同上" = the household above (a blank 户号 above gets one); blank = its own."""
    household = hw = written["household"]
    if is_ditto(hw):
        if prev is None:
            row["errors"].append(("household", "写“同上”，但上面没有服务对象"))
        else:
            if not prev["household"]:
                prev["household"] = f"第{prev['row']}行户"
                prev["record"]["stored"]["household"] = prev["household"]
                prev["record"]["changes"].append(f"户号空白，与下一行（同上）同户，编为“{prev['household']}”")
            household = prev["household"]
            row["changes"].append(f"户号“{hw}”记为“{household}”（与第 {prev['row']} 行同户）")
    elif not hw:
        row["changes"].append("户号空白，按单独一户计")
    return household


def _household_by_head(row: dict, written: dict, prev: dict | None) -> tuple[str, str]:
    """No 户号 column: a row naming a 户主 starts a household (the same name on the rows right
    below, e.g. a merged cell, continues it), "同上" continues the one above, a blank 户主 is a
    household of its own. Returns (household block id, the head's name); blocks whose heads share
    name and phone are joined afterwards (_join_head_blocks)."""
    head, _ = _person_name(written["head"])
    if is_ditto(head):
        if prev is None:
            row["errors"].append(("head", "写“同上”，但上面没有服务对象"))
            return f"第{row['row']}行户", ""
        row["changes"].append(f"户主“同上”：与第 {prev['block_row']} 行同户")
        return prev["block"], prev["head"]
    if not head:
        row["changes"].append("户主空白，按单独一户计")
        return f"第{row['row']}行户", ""
    if prev is not None and prev.get("head") and prev["head"] == head:
        return prev["block"], head
    return f"第{row['row']}行户", head


def _join_head_blocks(p: RegisterPreview) -> None:
    """Two 户主 blocks are one household only when the heads share name and phone (as digits):
    the head's phone is that of the block's row naming the head, else of its first row."""
    blocks: dict[str, dict] = {}
    for r in p.rows:
        b = blocks.setdefault(r["stored"]["household"], {"head": r["head"], "rows": []})
        b["rows"].append(r)
    first_of: dict[tuple[str, str], str] = {}
    for code, b in blocks.items():
        if not b["head"]:
            continue
        own = next((r for r in b["rows"] if r["stored"]["name"] == b["head"]), b["rows"][0])
        key = (b["head"], _digits(own["stored"]["phone"]))
        if not key[1]:
            continue
        if key in first_of:
            for r in b["rows"]:
                r["stored"]["household"] = first_of[key]
                r["changes"].append(f"户主与{first_of[key]}的户主同名同电话，记为同一户")
        else:
            first_of[key] = code


def _drop_duplicates(p: RegisterPreview) -> None:
    """A person listed twice (same name and phone, phones compared as digits) counts once: the
    later row is skipped and reported (p.duplicates: (row, the first row))."""
    seen: dict[tuple[str, str], int] = {}
    kept = []
    for r in p.rows:
        st = r["stored"]
        key = (st.get("name") or "", _digits(st.get("phone") or ""))
        if r["errors"] or not key[0] or not key[1]:
            kept.append(r)
            continue
        if key in seen:
            p.duplicates.append((r["row"], seen[key]))
            p.skipped.append((r["row"], f"与第 {seen[key]} 行是同一人（姓名、电话相同），只计一次"))
            continue
        seen[key] = r["row"]
        kept.append(r)
    p.rows = kept


def _person_row(p: RegisterPreview, n: int, written: dict, fix: dict, prev: dict | None, allowed: list[str]) -> dict:
    """One person row as it will be stored, every change and problem listed."""
    row = {"row": n, "written": written, "stored": {}, "changes": [], "errors": [], "head": ""}
    if fix:
        row["changes"].append("已在预览中修改：" + "、".join(p.column_label(f) for f in fix if f in CLIENT_COLUMNS))
    name, ch = _person_name(written["name"])
    row["changes"] += ch
    if not name:
        row["errors"].append(("name", "不能为空"))
    ph = _read_phones(row, written)
    community = _read_community(row, written, prev, allowed)
    cat = parse_categories(written["category"])
    if cat["error"]:
        row["errors"].append(("category", cat["error"]))
    row["changes"] += cat["changes"]
    if p.mapping.get("household") is not None:
        household, hw = _household_by_number(row, written, prev), written["household"]
    else:
        (household, row["head"]), hw = _household_by_head(row, written, prev), ""
    flags = {}
    for f in ("vacant_household", "separated"):
        fl = parse_flag(written[f], f)
        if fl["error"]:
            row["errors"].append((f, fl["error"]))
        flags[f] = fl["value"]
        row["changes"] += [f"{p.column_label(f)}：{c}" for c in fl["changes"]]
    row["stored"] = {"name": name, "phone": ph["phone"], "phone2": ph["phone2"], "phone_note": ph["phone_note"],
                     "community": community, "category": cat["category"], "category_detail": cat["detail"],
                     "household": household, "household_written": hw, **flags, "note": written["note"]}
    return row


def _read_body(p: RegisterPreview, body: list, edits: dict, communities: list[str] | None) -> list[int]:
    """Every row under the header: skipped (with the reason) or read as a person; returns the
    empty rows."""
    allowed = [c for c in (communities or []) if c]
    header_norm = [_norm_header(c) for c in p.header]
    present = {n for n, _ in body}
    last = body[-1][0] if body else p.header_row
    empty = [n for n in range(p.header_row + 1, last + 1) if n not in present]
    prev: dict | None = None          # the person row above (for 同上)

    def cell(cells, f):
        i = p.mapping.get(f)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for n, cells in body:
        fix = edits.get(n, {})
        written = {f: cell(cells, f) for f in CLIENT_COLUMNS}
        reason = "在预览中选择不导入此行" if fix.get("skip") else _skip_reason(p, cells, written, header_norm)
        if reason:
            p.skipped.append((n, reason))
            continue
        for f, v in fix.items():
            if f in CLIENT_COLUMNS:
                written[f] = str(v if v is not None else "").strip()
        if not fix and not any(written[f] for f in CLIENT_COLUMNS if f != "note" and p.mapping.get(f) is not None):
            empty.append(n)
            continue
        row = _person_row(p, n, written, fix, prev, allowed)
        st = row["stored"]
        block_row = prev["block_row"] if prev and prev.get("block") == st["household"] else n
        prev = {"row": n, "community": st["community"], "household": st["household"], "record": row,
                "block": st["household"], "head": row["head"],
                "block_row": block_row}
        p.rows.append(row)
    return empty


def preview_clients(filename: str, data: bytes, communities: list[str] | None = None,
                    mapping: dict | None = None, edits: dict | None = None,
                    header_row: int | None = None) -> RegisterPreview:
    """Read a station's register file as it is and say what will be stored (nothing is written).

    The header is found below title rows (or given as `header_row`); columns are mapped by
    name with synonyms (or by `mapping`: field -> column index). A cell merged over several
    rows (所属社区 over a household) reads on each of them. `edits`: {row number: {field: text}}
    — fixes typed in the preview, used instead of the file's cell; a row edited to
    {"skip": True} is left out. Normalised, each change listed: phones (dashes, spaces, +86;
    two numbers -> second phone; a relative's number in brackets; blank/无 -> 无电话),
    communities (…居委会, …社区, short names) matched to `communities`, categories (several per
    person, 残疾人（肢体二级）, short forms), flags (空挂/人户分离/√/是). Households: by 户号
    ("同上" = the household above, blank = a household of its own), or without a 户号 column by
    户主 (a head and the 同上 rows under it; two heads of one name are one household only with
    the same phone). Skipped and said so: title rows, 合计/小计, 制表人/审核/填表 lines, notes,
    blank rows, and a person listed twice (same name and phone) after the first time.
    """
    rows = read_rows(filename, data, MAX_CLIENT_ROWS, "服务对象名册", fill=True)
    p = RegisterPreview(filename=filename)
    h = _locate_header(p, rows, header_row)
    (p.header_row, p.header), body = rows[h], rows[h + 1:]
    p.skipped += [(n, "表头上方的标题行") for n, _ in rows[:h]]
    if len(body) > MAX_CLIENT_ROWS:
        raise _too_many_rows(filename, "服务对象名册", MAX_CLIENT_ROWS)
    _apply_mapping(p, mapping)
    if p.errors:
        return p
    empty = _read_body(p, body, {int(k): v for k, v in (edits or {}).items()}, communities)
    if p.mapping.get("household") is None:
        _join_head_blocks(p)
    _drop_duplicates(p)
    for r in p.rows:
        for f, msg in r["errors"]:
            p.errors.append(f"第 {r['row']} 行“{p.column_label(f)}”：{msg}")
    p.skipped += [(n, "空行") for n in empty]
    p.skipped.sort()
    if not p.rows and not p.errors:
        p.errors.append("文件中没有服务对象数据（表头之后没有任何行）")
    return p


def parse_clients(filename: str, data: bytes, communities: list[str] | None = None,
                  mapping: dict | None = None, edits: dict | None = None) -> list[dict]:
    """The rows to store from a register file (see `preview_clients`); ImportRejected listing
    every problem with its row and column when there is any."""
    p = preview_clients(filename, data, communities, mapping, edits)
    _reject(p.errors)
    return p.stored_rows()


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
    neutralise_sheet(ws)
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
    return csv_bytes(header, rows)  # BOM: Excel opens it as UTF-8; every field neutralised


def indicator_template(kind: str = "xlsx", rows: list[dict] | None = None) -> bytes:
    """Template with the usual Guangzhou indicators (or the given rows, for an export)."""
    header = [INDICATOR_COLUMNS[f][0] for f in ("name", "unit", "target", "mid_target", "actual", "note")]
    if rows is None:
        body = [[name, unit, "", "", "", ""] for name, unit in DEFAULT_INDICATORS]
    else:
        body = [[r.get("name", ""), r.get("unit", ""), r.get("target"), r.get("mid_target"), r.get("actual"),
                 r.get("note", "")] for r in rows]
    if kind == "csv":
        return _csv(header, [["" if v is None else v for v in r] for r in body])
    return _xlsx(header, body, "协议指标", [22, 8, 12, 12, 12, 30])


def client_template(kind: str = "xlsx") -> bytes:
    """Register template: the header row only; the xlsx adds a 填写说明 sheet."""
    header = [CLIENT_COLUMNS[f][0] for f in CLIENT_TEMPLATE_FIELDS]
    if kind == "csv":
        return _csv(header, [])
    return _xlsx(header, [], "重点服务对象名册", [18, 14, 14, 20, 10, 8, 10, 30], notes=CLIENT_NOTES)


CLIENT_TEMPLATE_FIELDS = ("name", "phone", "community", "category", "household", "vacant_household", "separated",
                          "note")
CLIENT_NOTES = [
    "重点服务对象名册填写说明（本表不会被导入，只导入第一个工作表）",
    "也可以直接导入本站原有的名册：表头上方的标题行、合计行和空行会自动跳过，列名不同时可在导入预览中指定对应的列。",
    "姓名、联系电话、所属社区、对象类别、户号为必填列；同一户的成员填写相同户号，"
    "“同上”表示与上一行同户；户号留空按单独一户计。没有户号列时可用“户主”列：一位户主及其下写“同上”的各行为一户。",
    "合并单元格（如一户几行合并的所属社区）按其覆盖的每一行读取；姓名和电话都相同的重复登记只计一次。",
    "联系电话：11 位手机号或固定电话（如 020-87654321）；一格可填两个号码（第二个存为第二电话），"
    "亲属的号码可写在括号内，如 13812341234（女儿 13900001111）；没有电话请填“无”，该对象仍在名册中，抽到时计为无法接通。",
    "所属社区：本站所辖社区，可写“××居委会”或简称。",
    "空挂户、人户分离：填“是”“√”或“空挂”“人户分离”，留空或“否”视为否。",
    "对象类别为以下 17 类之一，一人属几类时用“、”分隔（如 低保对象、残疾人），括号内可写说明（如 残疾人（肢体二级））："
    + "、".join(CATEGORIES),
    "导入前会显示每一行将保存的内容和所作的修改；导入时整份名册替换原有名册；任何一行有误则整份不导入，原有数据不变。",
]
