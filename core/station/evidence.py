"""Evidence files (证据附件) checked and prepared for storage: pure functions over bytes (no I/O).

A photo (JPEG, PNG, WebP, from the camera or a file) is turned upright by its EXIF orientation,
downscaled to at most MAX_SIDE pixels on its long side and re-encoded as a JPEG without any
metadata (EXIF, GPS, camera serials are not copied); a thumbnail is made beside it. A PDF scan is
kept as uploaded. Anything else, a damaged file or a file over the cap is refused with a Chinese
message naming the file. The cap stated beside every upload box is `CAP_TEXT`.
"""
from __future__ import annotations

import io
import re
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from core import uploads
from core.errors import InvalidValue

MAX_UPLOAD_MB = uploads.max_mb("evidence")  # per file, as uploaded (core.uploads: the upload box's limit too)
MAX_UPLOAD_BYTES = uploads.max_bytes("evidence")
MAX_SIDE = 1600                             # long side of a stored photo, pixels
THUMB_SIDE = 240                            # long side of a thumbnail
PRINT_SIDE = 900                            # long side of a photo in the PDF (about 300 dpi at 76 mm)
JPEG_QUALITY = 82
MAX_PIXELS = 60_000_000                     # a larger picture is refused (decompression bombs)
IMAGE_FORMATS = {"JPEG": "JPG", "PNG": "PNG", "WEBP": "WebP", "MPO": "JPG"}
CAP_TEXT = (f"可上传照片（JPG、PNG、WebP）或 PDF 扫描件，每个文件不超过 {MAX_UPLOAD_MB} MB；"
            f"照片自动缩小至长边 {MAX_SIDE} 像素，并去除拍摄时间、GPS 位置等元数据。")
PERSONAL_HELP = "照片或扫描件上能看到服务对象的姓名、面部、证件、电话或住址时请勾选：该附件不会进入 PDF 报告和 Excel。"


def size_text(n: int) -> str:
    """1536 -> '1.5 KB', 3_200_000 -> '3.1 MB'."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{max(n, 1) / 1024:.1f} KB" if n < 10 * 1024 else f"{n // 1024} KB"


def _jpeg(img: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    buf = io.BytesIO()
    # No exif=, no icc_profile=, no comment: nothing of the original's metadata is written (Pillow
    # would carry a JPEG's COM segment over from img.info; comment=b"" writes none).
    img.info.clear()
    img.save(buf, "JPEG", quality=quality, optimize=True, comment=b"")
    return buf.getvalue()


_PDF_END = re.compile(rb"startxref\s{1,8}\d{1,12}\s{1,8}%%EOF\s{0,8}$")
_PDF_OBJECT = re.compile(rb"(?<!\d)\d{1,10}[ \r\n]{1,4}\d{1,5}[ \r\n]{1,4}obj\b")   # bounded: linear on long digit runs
_MARKUP = re.compile(rb"<\s*(html|script|body|iframe|svg|object|embed)\b", re.I)


def _is_pdf(data: bytes) -> bool:
    """A PDF's structure, not only its first and last bytes: the header, numbered objects, a
    document catalogue (/Root), `startxref <offset> %%EOF` at the end — and no HTML markup in
    its readable part (a web page with %PDF- on top and %%EOF below is not a scan)."""
    return (data[:5] == b"%PDF-" and bool(_PDF_END.search(data[-2048:])) and b"/Root" in data
            and bool(_PDF_OBJECT.search(data)) and not _MARKUP.search(data))


def _rgb(img: Image.Image) -> Image.Image:
    """Flatten transparency onto white; any mode as RGB (or L for greyscale)."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        bg = Image.new("RGB", img.size, "white")
        bg.paste(img, mask=img.getchannel("A"))
        return bg
    return img if img.mode in ("RGB", "L") else img.convert("RGB")


def prepare(filename: str, data: bytes) -> dict:
    """The file as it is stored: {filename, mime, data, thumb, width, height, size, original_size}.

    InvalidValue (Chinese, naming the file) for an empty, oversize, damaged or unsupported file."""
    name = (filename or "").strip() or "未命名文件"
    data = bytes(data or b"")
    if not data:
        raise InvalidValue(f"文件“{name}”是空的")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidValue(f"文件“{name}”有 {size_text(len(data))}，超过每个文件 {MAX_UPLOAD_MB} MB 的上限；"
                           "请压缩后再上传，或分成几个文件")
    if data[:5] == b"%PDF-":
        if b"%%EOF" not in data[-2048:]:
            raise InvalidValue(f"PDF 文件“{name}”不完整（可能上传中断或已损坏），请重新导出后上传")
        if not _is_pdf(data):
            raise InvalidValue(f"文件“{name}”不是有效的 PDF 扫描件（文件结构不符），无法作为证据附件")
        base = name.rsplit(".", 1)[0] if "." in name else name
        return {"filename": base + ".pdf", "mime": "application/pdf", "data": data, "thumb": None, "width": None,
                "height": None, "size": len(data), "original_size": len(data)}
    return _prepare_image(name, data)


def _prepare_image(name: str, data: bytes) -> dict:
    refused = f"文件“{name}”不是照片（JPG、PNG、WebP）或 PDF 扫描件，无法作为证据附件"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format not in IMAGE_FORMATS:
                raise InvalidValue(refused)
            if img.width * img.height > MAX_PIXELS:
                raise InvalidValue(f"照片“{name}”像素过大（{img.width}×{img.height}），无法处理")
            if img.format in ("JPEG", "MPO"):
                img.draft("RGB", (MAX_SIDE * 2, MAX_SIDE * 2))   # decode a big JPEG at a reduced size
            img.load()
            img = ImageOps.exif_transpose(img)          # upright, as the camera was held
    except InvalidValue:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError):
        raise InvalidValue(refused) from None
    img = _rgb(img)
    img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    stored = _jpeg(img)
    thumb = img.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    base = name.rsplit(".", 1)[0] if "." in name else name
    return {"filename": base + ".jpg", "mime": "image/jpeg", "data": stored, "thumb": _jpeg(thumb, 75),
            "width": img.width, "height": img.height, "size": len(stored), "original_size": len(data)}


def for_print(data: bytes) -> bytes:
    """A stored photo made small enough for the PDF's evidence annex (long side PRINT_SIDE); a photo
    already that small is returned as it is."""
    img = Image.open(io.BytesIO(data))
    if max(img.size) <= PRINT_SIDE:
        return data
    img = _rgb(img)
    img.thumbnail((PRINT_SIDE, PRINT_SIDE), Image.Resampling.LANCZOS)
    return _jpeg(img, 80)
