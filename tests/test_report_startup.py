"""`python -m core report` starts fast (issue 27): it loads no pandas, numpy or openpyxl (the report uses
none of them), and reads each TrueType face from a parse cache instead of parsing the font file again —
with the same PDF either way."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pypdf
from core.report import fonts

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "numpy", "openpyxl", "plotly", "streamlit")

# Runs the command line as `python -m core …` does, then prints which heavy packages were loaded.
_PROBE = ("import json, sys, runpy\n"
          "sys.argv = ['core'] + sys.argv[1:]\n"
          "try:\n"
          "    runpy.run_module('core', run_name='__main__', alter_sys=True)\n"
          "except SystemExit as e:\n"
          "    code = e.code\n"
          "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in %r and sys.modules[m] is not None)))\n"
          % (HEAVY,))


def _run(args, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_report_command_loads_no_pandas_numpy_openpyxl_or_streamlit(demo_db_file, tmp_path):
    path, aid = demo_db_file
    out = tmp_path / "r.pdf"
    res = _run(["report", str(aid), "--db", str(path), "--out", str(out)])
    assert res.returncode == 0, res.stderr
    assert "报告已生成" in res.stdout and out.stat().st_size > 100_000
    loaded = json.loads(res.stdout.strip().splitlines()[-1])
    assert loaded == [], f"the report's start-up loaded {loaded}"


def test_the_database_layer_still_works_when_pandas_is_imported_after_it(tmp_path):
    code = ("import db.connection as c, pandas, numpy\n"
            "d = c.connect(%r)\n"
            "d['t'].insert({'a': 1, 'b': 'x'})\n"
            "print(pandas.DataFrame(list(d['t'].rows)).to_dict('records'), int(numpy.int64(3)))\n" % str(tmp_path / "x.db"))
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[{'a': 1, 'b': 'x'}] 3"


def test_the_xlsx_control_character_pattern_is_openpyxls():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from core import cells

    assert cells.ILLEGAL_CHARACTERS_RE.pattern == ILLEGAL_CHARACTERS_RE.pattern
    assert cells.neutralise("a\x01b\x0bc\x1f=") == "abc="


def _faces(tmp_path, monkeypatch):
    monkeypatch.setenv(fonts.FONT_CACHE_ENV, str(tmp_path / "cache"))
    path = str(fonts.font_path())
    return path, fonts.load_face(path, 0), fonts.load_face(path, 0)


def _state(face) -> dict:
    return {k: v for k, v in face.__dict__.items() if k not in ("_ttf_data", "_pdfScale")}


def test_a_face_from_the_parse_cache_equals_the_parsed_face_and_subsets_the_same(tmp_path, monkeypatch):
    path, parsed, cached = _faces(tmp_path, monkeypatch)
    assert len(list((tmp_path / "cache").iterdir())) == 1
    assert _state(cached) == _state(parsed) and cached.name.ustr == parsed.name.ustr
    assert bytes(cached._ttf_data[:]) == Path(path).read_bytes()
    assert [cached._pdfScale(v) for v in (0, 1000, 2048)] == [parsed._pdfScale(v) for v in (0, 1000, 2048)]
    text = [ord(c) for c in "社工站评估报告ABC123，。"]
    assert cached.makeSubset(text) == parsed.makeSubset(text)


def test_a_damaged_or_stale_cache_file_is_parsed_again_and_replaced(tmp_path, monkeypatch):
    path, parsed, _ = _faces(tmp_path, monkeypatch)
    (cache_file,) = (tmp_path / "cache").iterdir()
    cache_file.write_bytes(b"not a cache")
    again = fonts.load_face(path, 0)
    assert _state(again) == _state(parsed) and cache_file.read_bytes() != b"not a cache"


def test_a_changed_font_file_is_parsed_again(tmp_path, monkeypatch):
    import marshal
    import shutil

    monkeypatch.setenv(fonts.FONT_CACHE_ENV, str(tmp_path / "cache"))
    copy = tmp_path / "font.ttc"
    shutil.copy(fonts.font_path(), copy)
    fonts.load_face(str(copy), 0)
    (cache_file,) = (tmp_path / "cache").iterdir()
    first_stamp = marshal.loads(cache_file.read_bytes())[0]
    os.utime(copy, ns=(1_000_000_000, 1_000_000_000))       # the file replaced by another of the same size
    face = fonts.load_face(str(copy), 0)
    second_stamp = marshal.loads(cache_file.read_bytes())[0]
    assert first_stamp != second_stamp and second_stamp[-1] == 1_000_000_000
    assert face.charToGlyph[ord("社")]


def test_an_unwritable_cache_folder_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv(fonts.FONT_CACHE_ENV, str(blocker / "cache"))   # under a file: cannot be made
    face = fonts.load_face(str(fonts.font_path()), 0)
    assert face.charToGlyph[ord("社")]


def test_the_report_pdf_is_the_same_with_and_without_the_font_cache(demo_db_file, tmp_path):
    path, aid = demo_db_file
    texts = []
    # parsed every time; then a new cache folder filled by the first run and read by the second
    for run, cache in enumerate(["none", str(tmp_path / "fonts"), str(tmp_path / "fonts")]):
        out = tmp_path / f"r{run}.pdf"
        res = _run(["report", str(aid), "--db", str(path), "--out", str(out)], {fonts.FONT_CACHE_ENV: cache})
        assert res.returncode == 0, res.stderr
        texts.append([p.extract_text() for p in pypdf.PdfReader(str(out)).pages])
        if run == 1:
            assert len(list((tmp_path / "fonts").iterdir())) >= 1
    assert texts[0] == texts[1] == texts[2] and len(texts[0]) > 5
