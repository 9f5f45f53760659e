"""The CJK TrueType font of the report, registered once with reportlab.

WenQuanYi Micro Hei (TrueType collection, shipped by the `paperang-p2-fonts-cjk`
package in requirements.txt) is embedded as a subset in every PDF. Never use
reportlab's CID fonts (STSong-Light): they are not embedded and render blank in
pdfium/Chrome; the Noto .otf fonts are CFF, which reportlab cannot embed.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

FONT_NAME = "WQYMicroHei"
_lock = threading.Lock()


def font_path() -> Path:
    import paperang_p2_fonts_cjk

    path = Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"
    if not path.is_file():
        raise FileNotFoundError(f"找不到中文字体文件 {path}（请安装 requirements.txt 中的 paperang-p2-fonts-cjk）")
    return path


def register_cjk_font() -> str:
    """Register the font (and a family, so <b>/<i> markup maps to it) once; return its name."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=0))
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
    return FONT_NAME


@lru_cache(maxsize=1)
def _cmap() -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    register_cjk_font()
    return frozenset(pdfmetrics.getFont(FONT_NAME).face.charToGlyph)


def missing_glyphs(text: str) -> set[str]:
    """Characters of `text` the font has no glyph for (they would print as boxes)."""
    cmap = _cmap()
    return {ch for ch in set(text) if not ch.isspace() and ord(ch) not in cmap}
