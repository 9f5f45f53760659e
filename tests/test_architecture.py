"""The rules of docs/architecture.md, checked on the source (AST): one way down.

app.py -> pages/ -> core/ -> db/, never back up; core's rule modules do no I/O;
pages never touch db/ and escape user text before Markdown; every widget has a key;
every writer in db/ goes through the one write guard.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DB_FILES = sorted((ROOT / "db").glob("*.py"))
CORE_FILES = sorted((ROOT / "core").rglob("*.py"))
PAGE_FILES = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]

# core modules that hold rules only: pure functions, no database, no streamlit.
RULE_MODULES = {"agency/history", "assessment/audit_text", "assessment/pins", "cells", "day/dashboard",
                "framework/model", "framework/xlsx", "labels", "masking", "numbers", "report/check",
                "report/fonts", "report/pdf", "report/sheet_pdf", "report/words", "scoring/agreement",
                "scoring/totals", "station/evidence", "station/indicators", "station/register",
                "station/register_import", "station/site", "station/staffing", "station/suggest",
                "survey/rules", "uploads"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out += [(node.lineno, node.module)] + [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return out


def _mod(p: Path) -> str:
    """core/report/pdf.py -> 'report/pdf' (the key of RULE_MODULES)."""
    return p.relative_to(ROOT / "core").with_suffix("").as_posix()


def _top(name: str) -> str:
    return name.split(".")[0]


def _rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


@pytest.mark.parametrize("path", DB_FILES, ids=_rel)
def test_db_module_imports_nothing_from_core_or_pages(path):
    bad = [f"{path.name}:{line} imports {name}" for line, name in _imports(path)
           if _top(name) in ("core", "pages", "streamlit")]
    assert not bad, bad


@pytest.mark.parametrize("path", CORE_FILES, ids=_rel)
def test_core_module_never_imports_pages_or_streamlit(path):
    bad = [f"{path.name}:{line} imports {name}" for line, name in _imports(path)
           if _top(name) in ("pages", "streamlit")]
    assert not bad, bad


@pytest.mark.parametrize("path", [p for p in CORE_FILES if _mod(p) in RULE_MODULES], ids=_rel)
def test_core_rule_module_does_no_database_io(path):
    bad = [f"{path.name}:{line} imports {name}" for line, name in _imports(path)
           if _top(name) in ("db", "sqlite3", "sqlite_utils")]
    assert not bad, bad


def test_every_rule_module_listed_exists():
    assert RULE_MODULES <= {_mod(p) for p in CORE_FILES}


@pytest.mark.parametrize("path", PAGE_FILES, ids=_rel)
def test_page_never_touches_the_database_layer(path):
    """Pages call core/ for every read, write and rule: no db import, no connection, no transaction."""
    bad = [f"{path.name}:{line} imports {name}" for line, name in _imports(path)
           if _top(name) in ("db", "sqlite3", "sqlite_utils")]
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            if name in ("transaction", "connect", "execute", "executescript"):
                bad.append(f"{path.name}:{node.lineno} calls {name}")
    assert not bad, bad


# ---------- widgets have keys ----------

WIDGETS = {"button", "download_button", "form_submit_button", "checkbox", "toggle", "radio", "selectbox",
           "multiselect", "slider", "select_slider", "text_input", "text_area", "number_input", "date_input",
           "time_input", "file_uploader", "camera_input", "color_picker", "data_editor", "dataframe",
           "plotly_chart", "pills", "segmented_control", "feedback", "chat_input"}


@pytest.mark.parametrize("path", PAGE_FILES, ids=_rel)
def test_every_widget_has_an_explicit_key(path):
    bad = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WIDGETS:
            if not any(k.arg == "key" for k in node.keywords):
                bad.append(f"{path.name}:{node.lineno} {node.func.attr}() without key=")
    assert not bad, bad


# ---------- user text reaches Markdown only through ui.esc ----------

# Calls whose text Streamlit renders as Markdown: the checked arguments (positions, keywords).
MARKDOWN_CALLS = {
    "markdown": ((0,), ()), "write": ((0,), ()), "caption": ((0,), ()), "title": ((0,), ()),
    "header": ((0,), ()), "subheader": ((0,), ()), "info": ((0,), ()), "warning": ((0,), ()),
    "error": ((0,), ()), "success": ((0,), ()), "toast": ((0,), ()), "metric": ((0, 1), ("label", "value")),
    "progress": ((), ("text",)), "expander": ((0,), ("label",)),
}
# Expressions that cannot carry user text: the escape helper, numbers, lengths, formatted figures.
SAFE_CALLS = {"esc", "len", "int", "float", "round", "sum", "fmt_number", "fmt_percent", "fmt_rate",
              "num", "strftime", "count"}


def _safe(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(_safe(v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return _safe(node.value)
    if isinstance(node, ast.Call):
        fn = node.func
        name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
        if name in SAFE_CALLS:
            return True
        if name == "join" and isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Constant):
            return all(_safe(a) for a in node.args)
        return False
    if isinstance(node, ast.BinOp):
        return _safe(node.left) and _safe(node.right)
    if isinstance(node, ast.IfExp):
        return _safe(node.body) and _safe(node.orelse)
    if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
        return _safe(node.elt)
    return False


@pytest.mark.parametrize("path", PAGE_FILES, ids=_rel)
def test_user_text_reaches_markdown_only_through_the_escape_helper(path):
    """Titles, captions, messages and metrics: every non-literal part goes through ui.esc(...)."""
    bad = []
    for node in ast.walk(_tree(path)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in MARKDOWN_CALLS):
            continue
        positions, keywords = MARKDOWN_CALLS[node.func.attr]
        args = [a for n, a in enumerate(node.args) if n in positions]
        args += [k.value for k in node.keywords if k.arg in keywords]
        bad += [f"{path.name}:{node.lineno} {node.func.attr}({ast.unparse(a)[:60]})" for a in args if not _safe(a)]
    assert not bad, bad


# ---------- every writer in db/ goes through the guard ----------

_WRITE_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)
_WRITE_CALLS = {"insert", "insert_all", "update", "upsert", "upsert_all", "delete", "delete_where", "log",
                "transaction"}


def _writes_directly(fn: ast.FunctionDef) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _WRITE_SQL.match(node.value):
            return True
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in _WRITE_CALLS:
                return True
    return False


def _guarded(fn: ast.FunctionDef) -> bool:
    for d in fn.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if (isinstance(target, ast.Name) and target.id == "writer") or \
                (isinstance(target, ast.Attribute) and target.attr == "writer"):
            return True
    return False


def db_writers() -> dict[str, bool]:
    """Every public function in db/ that writes (itself or through a private helper): name -> guarded."""
    out = {}
    infra = {"connection", "guard", "audit", "errors"}
    for path in DB_FILES:
        if path.stem in infra or path.stem.startswith("__"):
            continue
        funcs = {n.name: n for n in _tree(path).body if isinstance(n, ast.FunctionDef)}
        writes = {name for name, fn in funcs.items() if _writes_directly(fn)}
        changed = True
        while changed:  # a function calling a writing helper of its module writes too
            changed = False
            for name, fn in funcs.items():
                if name in writes:
                    continue
                called = {c.func.id for c in ast.walk(fn) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
                if called & writes:
                    writes.add(name)
                    changed = True
        for name in writes:
            if not name.startswith("_"):
                out[f"{path.stem}.{name}"] = _guarded(funcs[name])
    return out


def test_every_db_writer_goes_through_the_guard():
    from db.guard import UNGUARDED

    writers = db_writers()
    assert writers, "no writer found: the detection is broken"
    bad = [name for name, guarded in writers.items() if not guarded and name not in UNGUARDED]
    assert not bad, f"writers outside the guard (decorate with @writer or justify in UNGUARDED): {bad}"
    stale = [name for name in UNGUARDED if name not in writers]
    assert not stale, f"UNGUARDED names functions that no longer write: {stale}"


def test_architecture_doc_names_the_test_of_each_rule():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for test in [n for n in globals() if n.startswith("test_") and n != "test_architecture_doc_names_the_test_of_each_rule"]:
        assert test in doc, f"docs/architecture.md does not name {test}"
