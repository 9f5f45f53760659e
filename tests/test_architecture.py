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
                "report/document", "report/fonts", "report/pdf", "report/word", "report/sheet_pdf", "report/words", "scoring/agreement",
                "scoring/totals", "station/evidence", "station/indicators", "station/register",
                "sheets", "framework/script", "station/register_import", "station/site", "station/staffing", "station/suggest",
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


# ---------- core/ grouped by what it owns (issue 22) ----------

# The subpackages of core/, lowest first: a module may import core modules of its own subpackage, of a
# lower one, or the shared helpers at the top of core/ — never of a higher one. docs/architecture.md's
# table lists them in this order.
CORE_ORDER = ("framework", "assessment", "scoring", "station", "survey", "agency", "report", "day", "terms",
              "demo", "cli")
MAX_TOP_MODULES = 15
MAX_IMPORTS_IN_FUNCTIONS = 10
PROJECT = ("core", "db", "pages")


def _module_name(p: Path) -> str:
    name = ".".join(p.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _project_files() -> list[Path]:
    return sorted(p for d in PROJECT for p in (ROOT / d).rglob("*.py")) + [ROOT / "app.py"]


def _resolve(importer: Path, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The project modules an import statement loads (a package's module when a name is one)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if _top(a.name) in PROJECT]
    if node.level:
        pkg = _module_name(importer).split(".")
        base = pkg[: len(pkg) - node.level + (1 if importer.name == "__init__.py" else 0)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    if _top(module) not in PROJECT:
        return []
    out = []
    for a in node.names:
        full = f"{module}.{a.name}"
        out.append(full if (ROOT / (full.replace(".", "/") + ".py")).exists()
                   or (ROOT / full.replace(".", "/")).is_dir() else module)
    return out


def _import_nodes(path: Path):
    """(node, inside_a_function) for every import statement of a file."""
    def walk(node, inside):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, inside
            yield from walk(child, inside or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))
    yield from walk(_tree(path), False)


def _subpackage(module: str) -> str:
    """'core.report.pdf' -> 'report'; a shared helper at the top of core/ -> ''."""
    parts = module.split(".")
    if len(parts) >= 3 or (len(parts) == 2 and (ROOT / "core" / parts[1]).is_dir()):
        return parts[1]
    return ""


def test_core_keeps_at_most_15_modules_at_its_top_level():
    top = sorted(p.name for p in (ROOT / "core").glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


def test_every_core_subpackage_is_in_the_order_and_says_what_it_owns_and_may_import():
    found = {p.name for p in (ROOT / "core").iterdir() if (p / "__init__.py").exists()}
    assert found == set(CORE_ORDER)
    for name in CORE_ORDER:
        doc = ast.get_docstring(_tree(ROOT / "core" / name / "__init__.py")) or ""
        assert "Owns:" in doc and "May import:" in doc, name


@pytest.mark.parametrize("path", [p for p in CORE_FILES if p.name != "__main__.py"], ids=_rel)
def test_core_subpackages_import_one_way(path):
    mine = _subpackage(_module_name(path))
    rank = ("",) + CORE_ORDER
    bad = [f"{_rel(path)}:{node.lineno} imports {target}" for node, _ in _import_nodes(path)
           for target in _resolve(path, node)
           if _top(target) == "core" and rank.index(_subpackage(target)) > rank.index(mine)]
    assert not bad, bad


def _import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in _project_files():
        me = _module_name(path)
        for node, _ in _import_nodes(path):
            for target in _resolve(path, node):
                if target != me and not me.startswith(target + "."):   # a package's own __init__
                    graph.setdefault(me, set()).add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_among_project_modules_counting_imports_inside_functions():
    assert _cycles(_import_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_at_most_ten_project_imports_inside_functions_each_saying_why():
    inner = []
    for path in _project_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, inside in _import_nodes(path):
            if inside and _resolve(path, node):
                said = "#" in lines[node.lineno - 1] or lines[node.lineno - 2].strip().startswith("#")
                inner.append((f"{_rel(path)}:{node.lineno}", said))
    assert len(inner) <= MAX_IMPORTS_IN_FUNCTIONS, inner
    assert all(said for _, said in inner), [where for where, said in inner if not said]


def test_the_architecture_doc_lists_every_subpackage_in_order():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `core/(\w+)/` \|", doc, re.M)
    assert tuple(rows) == CORE_ORDER
