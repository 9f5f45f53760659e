"""The fonts of the report, registered with reportlab, and per-character font fallback.

The primary font is WenQuanYi Micro Hei (TrueType collection, shipped by the
`paperang-p2-fonts-cjk` package in requirements.txt), embedded as a subset in
every PDF. Never use reportlab's CID fonts (STSong-Light): they are not embedded
and render blank in pdfium/Chrome; the Noto .otf fonts are CFF, which reportlab
cannot embed.

The primary font lacks rare CJK characters (Extension B and later, e.g. 𠀀
U+20000, 𪚥 U+2A6A5) and emoji. `runs()` splits a text into runs by font: each
character the primary lacks goes to the first fallback font that has it.
Fallbacks are TrueType (glyf) files only, tried in this order:

1. files named in ASSESSMENT_PDF_FALLBACK_FONTS (os.pathsep-separated; a
   collection as `file.ttc#N` for its N-th face);
2. Noto Emoji (monochrome, glyf outlines) from the `manimgx-fonts` package in
   requirements.txt, so emoji print after a plain `pip install -r`;
3. well-known system files: Debian/Ubuntu `fonts-hanazono` (HanaMinB: CJK Ext-B
   to Ext-F; HanaMinA: Ext-A), `fonts-babelstone-han`, `fonts-symbola`, Windows
   SimSun-ExtB and Segoe UI Symbol, macOS fonts.

A candidate that is missing, not TrueType (CFF .otf), a colour bitmap font
(CBDT/sbix: no glyf table) or not embeddable is skipped. Fallbacks are loaded
lazily, one at a time, only when a character the primary lacks turns up, so a
report without such characters costs nothing extra and embeds only the primary.
Characters no font has stay in the primary font's run (printed as its blank
.notdef glyph; the PDF text still holds them).
"""
from __future__ import annotations

import hashlib
import mmap
import os
import re
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

FONT_NAME = "WQYMicroHei"
FALLBACK_ENV = "ASSESSMENT_PDF_FALLBACK_FONTS"
_lock = threading.RLock()

# (path, collection face index). Order matters: emoji fonts before the Han fonts,
# which map a few emoji code points to mincho-style glyphs.
_WINDOWS_FONTS = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
SYSTEM_FALLBACKS: list[tuple[Path, int]] = [
    # Linux: Debian/Ubuntu package paths, then Fedora/Arch-style layouts
    (Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"), 0),
    (Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf"), 0),
    (Path("/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf"), 0),
    (Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf"), 0),
    (Path("/usr/share/fonts/hanazono/HanaMinB.ttf"), 0),
    (Path("/usr/share/fonts/hanazono/HanaMinA.ttf"), 0),
    (Path("/usr/share/fonts/TTF/HanaMinB.ttf"), 0),
    (Path("/usr/share/fonts/TTF/HanaMinA.ttf"), 0),
    (Path("/usr/share/fonts/TTF/Symbola.ttf"), 0),
    (Path("/usr/share/fonts/gdouros-symbola/Symbola.ttf"), 0),
    # Windows
    (_WINDOWS_FONTS / "seguisym.ttf", 0),      # Segoe UI Symbol: monochrome emoji
    (_WINDOWS_FONTS / "simsunb.ttf", 0),       # SimSun-ExtB
    (_WINDOWS_FONTS / "mingliub.ttc", 0),      # MingLiU-ExtB
    # macOS (Apple Color Emoji is sbix and is skipped by the TrueType check)
    (Path("/System/Library/Fonts/Supplemental/Songti.ttc"), 0),
    (Path("/Library/Fonts/Arial Unicode.ttf"), 0),
    (Path("/System/Library/Fonts/Supplemental/Arial Unicode.ttf"), 0),
    (Path.home() / "Library/Fonts/HanaMinB.ttf", 0),
    (Path.home() / ".local/share/fonts/HanaMinB.ttf", 0),
]


@dataclass(frozen=True)
class Fallback:
    name: str          # the reportlab font name
    path: str
    subfont: int
    cmap: frozenset[int]


def font_path() -> Path:
    import paperang_p2_fonts_cjk

    path = Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"
    if not path.is_file():
        raise FileNotFoundError(f"找不到中文字体文件 {path}（请安装 requirements.txt 中的 paperang-p2-fonts-cjk）")
    return path


def _utf16_to_unicode_cmap() -> None:
    """reportlab's ToUnicode CMap writes a character as "<%04X>", so U+20000 becomes the odd-length
    "<20000>" and PDF readers extract nothing for Ext-B characters and emoji. PDF wants UTF-16BE
    ("<D840DC00>"). ttfonts.addObjects looks the function up in its module, so it is replaced there
    (only while the installed reportlab still has the bug)."""
    from reportlab.pdfbase import ttfonts

    original = ttfonts.makeToUnicodeCMap
    if getattr(original, "_utf16", False) or "<D840DC00>" in original("Probe", [0x20000]):
        return

    def make_to_unicode_cmap(fontname, subset):
        text = original(fontname, subset)
        wide = {f"<{i:02X}> <{v:04X}>": f"<{i:02X}> <{chr(v).encode('utf-16-be').hex().upper()}>"
                for i, v in enumerate(subset) if v > 0xFFFF}
        if not wide:
            return text
        return "\n".join(wide.get(line, line) for line in text.split("\n"))

    make_to_unicode_cmap._utf16 = True
    ttfonts.makeToUnicodeCMap = make_to_unicode_cmap


# ---------- the parse cache: what reportlab reads out of a font file, kept between processes ----------

FONT_CACHE_ENV = "ASSESSMENT_FONT_CACHE"   # a folder, or "none" to parse every time
_CACHE_FORMAT = 1
_NAME_FIELDS = ("name", "familyName", "styleName", "fullName", "uniqueFontID")   # reportlab's TTFNameBytes


def font_cache_dir() -> Path | None:
    """Where parsed fonts are kept: $ASSESSMENT_FONT_CACHE, else the user's cache folder
    ($XDG_CACHE_HOME or ~/.cache, /sgz-assessment/fonts); None when switched off ("none")."""
    chosen = (os.environ.get(FONT_CACHE_ENV) or "").strip()
    if chosen.lower() == "none":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "sgz-assessment" / "fonts"


def _cache_stamp(path: str, subfont: int) -> tuple:
    import reportlab

    st = os.stat(path)
    return (_CACHE_FORMAT, reportlab.Version, os.path.abspath(path), subfont, st.st_size, st.st_mtime_ns)


def _cache_file(folder: Path, stamp: tuple) -> Path:
    return folder / (hashlib.sha1(repr(stamp[2:4]).encode()).hexdigest()[:20] + ".marshal")


def _face_state(face) -> dict:
    """The parsed attributes of a TTFontFace as plain data (marshal-able): the file bytes and the
    scale function are left out (re-read and rebuilt on load)."""
    state = {k: v for k, v in face.__dict__.items() if k not in ("_ttf_data", "_pdfScale")}
    for k in _NAME_FIELDS:
        if k in state and state[k] is not None:
            state[k] = bytes(state[k])
    return state


def _face_from_state(path: str, state: dict):
    """A TTFontFace with the cached attributes, without parsing: reportlab's own class, so every use of
    it (widths, subsetting from the file bytes, the PDF's font descriptor) is unchanged."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFNameBytes, TTFontFace

    face = TTFontFace.__new__(TTFontFace)
    pdfmetrics.TypeFace.__init__(face, None)
    face.__dict__.update(state)
    for k in _NAME_FIELDS:
        if face.__dict__.get(k) is not None:
            face.__dict__[k] = TTFNameBytes(face.__dict__[k])
    with open(path, "rb") as f:
        # mapped, not read: reportlab only slices it (a subset copies the glyphs it needs), so a 20 MB
        # collection costs neither the read nor private memory (the pages are the OS's file cache)
        face._ttf_data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    per_unit = 1000 / face.unitsPerEm   # as TTFontFile.extractInfo sets it
    face._pdfScale = (lambda x: x) if face.unitsPerEm == 1000 else (lambda x: x * per_unit)
    return face


def load_face(path: str, subfont: int):
    """reportlab's parsed TrueType face of a file: from the parse cache when it holds this very file
    (path, face, size, modification time and reportlab's version match), else parsed and stored there
    (atomically; a cache that cannot be written is skipped)."""
    import marshal

    from reportlab.pdfbase.ttfonts import TTFontFace

    folder = font_cache_dir()
    stamp = _cache_stamp(path, subfont)
    target = _cache_file(folder, stamp) if folder else None
    if target is not None:
        try:
            stored_stamp, state = marshal.loads(target.read_bytes())
            if tuple(stored_stamp) == stamp:
                return _face_from_state(path, state)
        except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError):
            pass   # missing, damaged or of another format: parse
    face = TTFontFace(path, subfontIndex=subfont)
    if target is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            tmp.write_bytes(marshal.dumps((stamp, _face_state(face))))
            os.replace(tmp, target)
        except (OSError, ValueError):
            pass
    return face


def _tt_font(name: str, path: str, subfont: int):
    """reportlab's TTFont named `name` over the face of load_face (TTFont.__init__ without its parse)."""
    from fnmatch import fnmatch
    from weakref import WeakKeyDictionary

    from reportlab import rl_config
    from reportlab.pdfbase import ttfonts

    font = ttfonts.TTFont.__new__(ttfonts.TTFont)
    font.fontName = name
    font.face = load_face(path, subfont)
    font.encoding = ttfonts.TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch(name, g) for g in ttfonts.unShapedFontGlob)
    return font


def _register(name: str, path: str, subfont: int) -> None:
    """Register a TrueType face under `name` (and as its own family, so <b>/<i> map to it), once."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics

    with _lock:
        _utf16_to_unicode_cmap()
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(_tt_font(name, path, subfont))
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(name, bold, italic, name)


def register_cjk_font() -> str:
    """Register the primary font once; return its name."""
    _register(FONT_NAME, str(font_path()), 0)
    return FONT_NAME


@lru_cache(maxsize=1)
def _cmap() -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    register_cjk_font()
    return frozenset(pdfmetrics.getFont(FONT_NAME).face.charToGlyph)


# ---------- the faces of an official report: 黑体-style headings, 宋体/仿宋-style body ----------

HEADING_FONT_ENV = "ASSESSMENT_PDF_HEADING_FONT"   # a file (file.ttc#N), or "none" for the pip font
BODY_FONT_ENV = "ASSESSMENT_PDF_BODY_FONT"
HEADING_CANDIDATES: list[tuple[Path, int]] = [
    (_WINDOWS_FONTS / "simhei.ttf", 0),                                  # Windows 黑体
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),           # Debian fonts-wqy-zenhei
    (Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"), 0),
    (Path("/System/Library/Fonts/STHeiti Medium.ttc"), 0),
]
BODY_CANDIDATES: list[tuple[Path, int]] = [
    (_WINDOWS_FONTS / "simsun.ttc", 0),                                  # Windows 宋体
    (_WINDOWS_FONTS / "simfang.ttf", 0),                                 # Windows 仿宋
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),             # Debian fonts-arphic-uming (明体 = 宋体 style)
    (Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf"), 0),
    (Path("/usr/share/fonts/truetype/arphic/ukai.ttc"), 0),              # Debian fonts-arphic-ukai (楷体)
    (Path("/System/Library/Fonts/Supplemental/Songti.ttc"), 0),
]
_face_cmaps: dict[str, frozenset[int]] = {}


def _pick(env: str, candidates: list[tuple[Path, int]], prefix: str) -> str:
    """The first usable TrueType face (the environment's choice first), registered; the pip font otherwise."""
    from reportlab.pdfbase import pdfmetrics

    chosen = (os.environ.get(env) or "").strip()
    if chosen.lower() == "none":
        return register_cjk_font()
    cands = list(candidates)
    if chosen:
        m = re.fullmatch(r"(.+)#(\d+)", chosen)
        cands.insert(0, (Path(m.group(1)), int(m.group(2))) if m else (Path(chosen), 0))
    for path, sub in cands:
        if not path.is_file():
            continue
        name = f"{prefix}{_fallback_name(path, sub)[2:]}"
        with _lock:
            if name in _face_cmaps:
                return name
            try:
                _register(name, str(path), sub)
                face = pdfmetrics.getFont(name).face
            except Exception as e:   # CFF, not embeddable, damaged
                print(f"core.report.fonts: skipping report font {path} ({type(e).__name__}: {e})", file=sys.stderr)
                continue
            cmap = frozenset(face.charToGlyph)
            if not {ord(c) for c in "评估报告社工站一二三"} <= cmap:   # not a Chinese face
                continue
            _face_cmaps[name] = cmap
            _cmap_of[name] = cmap
            return name
    return register_cjk_font()


@lru_cache(maxsize=None)
def _report_fonts(heading_env: str, body_env: str) -> tuple[str, str]:
    return _pick(HEADING_FONT_ENV, HEADING_CANDIDATES, "HD"), _pick(BODY_FONT_ENV, BODY_CANDIDATES, "BD")


def report_fonts() -> tuple[str, str]:
    """(heading font, body font) names: a 黑体-style and a 宋体/仿宋-style TrueType face when this
    machine has one, else the pip font for either. Every face is embedded (subset)."""
    register_cjk_font()
    return _report_fonts(os.environ.get(HEADING_FONT_ENV, ""), os.environ.get(BODY_FONT_ENV, ""))


def _primary_cmap(name: str) -> frozenset[int]:
    return _cmap() if name == FONT_NAME else _face_cmaps.get(name) or _cmap_of.get(name) or _cmap()


def missing_glyphs(text: str) -> set[str]:
    """Characters of `text` the primary font has no glyph for (drawn by a fallback, or as blanks)."""
    cmap = _cmap()
    return {ch for ch in set(text) if not ch.isspace() and ord(ch) not in cmap}


# ---------- fallback fonts ----------

def _package_fallbacks() -> list[tuple[Path, int]]:
    import manimgx_fonts

    return [(Path(manimgx_fonts.__file__).parent / "NotoEmoji[wght].ttf", 0)]


def _env_fallbacks() -> list[tuple[Path, int]]:
    out = []
    for item in (os.environ.get(FALLBACK_ENV) or "").split(os.pathsep):
        item = item.strip()
        if not item:
            continue
        m = re.fullmatch(r"(.+)#(\d+)", item)
        out.append((Path(m.group(1)), int(m.group(2))) if m else (Path(item), 0))
    return out


def fallback_candidates() -> list[tuple[Path, int]]:
    """Every candidate fallback file, in order of preference (existing or not, deduplicated)."""
    seen, out = set(), []
    for path, sub in _env_fallbacks() + _package_fallbacks() + SYSTEM_FALLBACKS:
        key = (os.path.normcase(str(path)), sub)
        if key not in seen:
            seen.add(key)
            out.append((path, sub))
    return out


def _fallback_name(path: Path, sub: int) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "", path.stem)[:24] or "Font"
    digest = hashlib.sha1(f"{path}#{sub}".encode()).hexdigest()[:6]
    return f"FB{stem}{sub}-{digest}"


_loaded: dict[tuple[str, int], Fallback | None] = {}
_cmap_of: dict[str, frozenset[int]] = {}   # registered fallback name -> its characters


def _load(path: Path, sub: int) -> Fallback | None:
    """The registered fallback for this file, or None when it is missing or unusable (cached either way)."""
    from reportlab.pdfbase import pdfmetrics

    key = (str(path), sub)
    with _lock:
        if key in _loaded:
            return _loaded[key]
        fb = None
        if path.is_file():
            name = _fallback_name(path, sub)
            try:
                _register(name, str(path), sub)
                fb = Fallback(name, str(path), sub, frozenset(pdfmetrics.getFont(name).face.charToGlyph))
                _cmap_of[name] = fb.cmap
            except Exception as e:   # CFF outlines, no glyf (colour bitmaps), not embeddable, damaged
                print(f"core.report.fonts: skipping fallback font {path} ({type(e).__name__}: {e})", file=sys.stderr)
        _loaded[key] = fb
        return fb


def _fallbacks():
    """Usable fallbacks in order, loading each only when the previous ones did not suffice."""
    for path, sub in fallback_candidates():
        fb = _load(path, sub)
        if fb is not None:
            yield fb


_by_char: dict[int, str | None] = {}


def font_for(ch: str) -> str | None:
    """The name of the first fallback font with a glyph for `ch`, or None when none has it."""
    cp = ord(ch)
    with _lock:
        if cp not in _by_char:
            _by_char[cp] = next((fb.name for fb in _fallbacks() if cp in fb.cmap), None)
        return _by_char[cp]


def loaded_fallbacks() -> list[Fallback]:
    """Every usable fallback font on this machine (loads them all)."""
    return list(_fallbacks())


def reset_fallbacks() -> None:
    """Forget the candidates looked at (after changing ASSESSMENT_PDF_FALLBACK_FONTS); registrations stay."""
    with _lock:
        _loaded.clear()
        _by_char.clear()


def runs(text: str, primary: str = FONT_NAME) -> list[tuple[str, str]]:
    """`text` split into (font name, substring) runs: the primary font (the pip font unless a report
    face is given) wherever it has the glyph, otherwise the pip font, then the first fallback that
    has it. A run of a fallback goes on through characters it has too (so U+FE0F / ZWJ stay with the
    emoji before them). Characters no font has, whitespace and control characters stay with the primary font."""
    if not text:
        return []
    cmap = _primary_cmap(primary)
    base = _cmap()
    out: list[list[str]] = []
    for ch in text:
        cp = ord(ch)
        font = primary
        if cp not in cmap and not ch.isspace() and cp >= 0x20:
            prev = out[-1][0] if out else None
            if prev not in (None, primary) and _has(prev, cp):
                font = prev
            elif primary != FONT_NAME and cp in base:
                font = FONT_NAME
            else:
                font = font_for(ch) or primary
        if out and out[-1][0] == font:
            out[-1][1] += ch
        else:
            out.append([font, ch])
    return [(f, s) for f, s in out]


def _has(name: str, cp: int) -> bool:
    return cp in _cmap_of.get(name, ()) or (name == FONT_NAME and cp in _cmap())


def markup(text: str, primary: str = FONT_NAME) -> str:
    """`text` as reportlab Paragraph markup: XML-escaped, with the runs the primary font (the
    paragraph style's font) lacks wrapped in <font name="…">. The one way user and database text
    enters a Paragraph."""
    parts = []
    for font, s in runs(text or "", primary):
        s = escape(s)
        parts.append(s if font == primary else f'<font name="{font}">{s}</font>')
    return "".join(parts)


def string_width(text: str, size: float, primary: str = FONT_NAME) -> float:
    """Width of `text` drawn run by run (see runs())."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return sum(stringWidth(s, f, size) for f, s in runs(text, primary))
