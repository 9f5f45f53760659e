"""Bounded reading of untrusted spreadsheets (a station's register or indicator table, an agency's
framework workbook): the raw zip is checked before openpyxl parses anything, and rows and columns are
counted as they stream in, so a wrong or hostile file is refused quickly with a Chinese message."""
from __future__ import annotations

import io
import re
import zipfile

from core import uploads
from core.errors import ImportRejected

MAX_FILE_BYTES = uploads.max_bytes("table")   # core.uploads: the one place for upload limits
MAX_SHEET_XML_BYTES = 64 * 1024 * 1024   # uncompressed worksheet (a zip bomb is refused unread)
MAX_COLUMNS = 100


def too_many_columns(name: str, n, limit: int = MAX_COLUMNS) -> ImportRejected:
    return ImportRejected([f"文件“{name}”{n} 列，超过上限 {limit} 列：请只保留需要的列"])


def open_xlsx(name: str, data: bytes, max_row_no: int, too_many_rows, max_columns: int = MAX_COLUMNS):
    """An .xlsx opened for streaming (openpyxl read-only) after the cheap checks on the raw zip, so
    nothing big is parsed: the file's size; every worksheet's uncompressed size (a zip bomb is refused
    unread), its declared size (<dimension ref="A1:XFD1048576"/>) and its number of <row> elements
    (a byte scan: openpyxl itself would parse a whole sheet that declares no size just to size it).
    `too_many_rows()` is the ImportRejected raised past `max_row_no` rows."""
    from openpyxl import load_workbook

    if len(data) > MAX_FILE_BYTES:
        raise ImportRejected([f"文件“{name}”过大（{len(data) / 1024 / 1024:.1f} MB），上限为 "
                              f"{MAX_FILE_BYTES // 1024 // 1024} MB：请确认选择了正确的文件"])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            sheets = [i for i in z.infolist() if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
            if any(i.file_size > MAX_SHEET_XML_BYTES for i in sheets):
                raise ImportRejected([f"文件“{name}”的工作表解压后超过 {MAX_SHEET_XML_BYTES // 1024 // 1024} MB，"
                                      "不像是名册或指标表：请确认选择了正确的文件"])
            for info in sheets:
                rows, cols = _declared_size(z, info.filename)
                if cols > max_columns:
                    raise too_many_columns(name, f"的工作表声明了 {cols}", max_columns)
                if rows > max_row_no or _count_rows(z, info.filename) > max_row_no:
                    raise too_many_rows()
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportRejected:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, TypeError) as e:
        raise ImportRejected([f"文件“{name}”不是有效的 Excel（.xlsx）文件，无法读取（{type(e).__name__}）"]) from None
    except Exception as e:  # openpyxl raises assorted errors on damaged files
        raise ImportRejected([f"文件“{name}”已损坏或格式不正确，无法读取（{type(e).__name__}）"]) from None


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')


def _declared_size(z: zipfile.ZipFile, path: str) -> tuple[int, int]:
    """(rows, columns) a worksheet declares in the <dimension> near its start; (0, 0) when none."""
    with z.open(path) as src:
        head = src.read(8192)
    m = _DIMENSION.search(head)
    if not m:
        return 0, 0
    col = m.group(3) or m.group(1) or "A"
    row = m.group(4) or m.group(2) or "0"
    n = 0
    for ch in col.decode():
        n = n * 26 + ord(ch) - 64
    return int(row), n


def _count_rows(z: zipfile.ZipFile, path: str) -> int:
    """How many <row …> elements a worksheet's XML holds, by scanning its bytes in chunks."""
    n, tail = 0, b""
    with z.open(path) as src:
        while True:
            chunk = src.read(1 << 20)
            if not chunk:
                return n
            buf = tail + chunk
            n += buf.count(b"<row ") + buf.count(b"<row>")
            tail = buf[-4:]   # shorter than '<row ', so a match across chunks is counted once, in the next


MAX_MERGED_RANGES = 20_000
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def merged_ranges(wb, ws, max_row_no: int, max_columns: int = MAX_COLUMNS) -> list[tuple[int, int, int, int]]:
    """(first row, first column, last row, last column) of the worksheet's merged cells, by a byte
    scan of its XML (openpyxl's streaming reader does not read <mergeCells>); ranges are clipped to
    the row and column caps and at most MAX_MERGED_RANGES are kept."""
    out, tail = [], b""
    with wb._archive.open(ws._worksheet_path) as src:
        while len(out) < MAX_MERGED_RANGES:
            chunk = src.read(1 << 20)
            if not chunk:
                break
            buf = tail + chunk
            cut = buf.rfind(b"<")   # a tag cut by the chunk's end is matched whole in the next round
            head, tail = (buf[:cut], buf[cut:]) if cut > 0 else (buf, b"")
            for m in _MERGE.finditer(head):
                r1, r2 = int(m.group(2)), min(int(m.group(4)), max_row_no)
                c1, c2 = _column_number(m.group(1)), min(_column_number(m.group(3)), max_columns)
                if r1 <= r2 and c1 <= c2 and (r1, c1) != (r2, c2):
                    out.append((r1, c1, r2, c2))
    return out[:MAX_MERGED_RANGES]


def fill_merged(rows, ranges: list[tuple[int, int, int, int]]):
    """(row number, values) with a merged range's top-left value written into the rows below it
    that the range spans (a 所属社区 cell merged over a household's rows reads on each of them), in
    the range's first column; rows as sheet_rows yields them. A range within one row is left alone.
    Excel's merges never overlap: at most one range per column is in force (bounded work per row)."""
    pending = sorted((r1, c1, r2) for r1, c1, r2, _ in ranges if r2 > r1)
    k = 0
    active: dict[int, tuple[int, object]] = {}     # column -> (last row of its range, top-left value)
    for n, values in rows:
        for c in [c for c, (r2, _) in active.items() if r2 < n]:
            del active[c]
        for c, (_, v) in active.items():
            if len(values) < c:
                values = values + [None] * (c - len(values))
            if values[c - 1] is None or values[c - 1] == "":
                values[c - 1] = v
        while k < len(pending) and pending[k][0] <= n:
            r1, c1, r2 = pending[k]
            k += 1
            if r1 == n and c1 <= len(values) and values[c1 - 1] not in (None, ""):
                active[c1] = (r2, values[c1 - 1])
        yield n, values


def sheet_rows(name: str, wb, ws, max_row_no: int, too_many_rows, max_columns: int = MAX_COLUMNS):
    """(row number, [raw cell values]) of a streamed worksheet's non-empty rows. The declared size
    (<dimension ref="A1:XFD1048576"/>) is refused before a row is read; then each row's real number
    and last column are checked before it is turned into values, so neither a far-away row
    (r="1048576") nor a far-away cell (XFD2) makes anything big. `too_many_rows()` is the
    ImportRejected raised past `max_row_no`."""
    try:
        if (ws.max_column or 0) > max_columns:
            raise too_many_columns(name, f"的工作表“{ws.title}”声明了 {ws.max_column}", max_columns)
        if (ws.max_row or 0) > max_row_no:
            raise too_many_rows()
        # openpyxl's streaming parser (openpyxl==3.1.5 pinned), row by row.
        from openpyxl.worksheet._reader import WorkSheetParser

        with wb._archive.open(ws._worksheet_path) as src:
            parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                     date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            for n, cells in parser.parse():
                if n > max_row_no:
                    raise too_many_rows()
                if not cells:
                    continue
                last = max(c["column"] for c in cells)
                if last > max_columns:
                    raise too_many_columns(name, f"第 {n} 行有 {last}", max_columns)
                values = [None] * last
                for c in cells:
                    values[c["column"] - 1] = c["value"]
                yield n, values
    except ImportRejected:
        raise
    except Exception as e:
        raise ImportRejected([f"文件“{name}”已损坏或格式不正确，无法读取（{type(e).__name__}）"]) from None
